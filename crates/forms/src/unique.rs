//! Finding repeated values in one pass (the `unique` check of a rule).

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// The positions of the values that repeat an earlier one, in order; `None` is an empty value,
/// never compared. The first occurrence of a value is not a repeat, every later one is.
pub(crate) fn repeats<'k>(keys: impl ExactSizeIterator<Item = Option<Cow<'k, str>>>) -> Vec<usize> {
    let mut seen: HashSet<Cow<'k, str>, BuildHasherDefault<Fnv>> =
        HashSet::with_capacity_and_hasher(keys.len(), Default::default());
    keys.enumerate()
        .filter_map(|(index, key)| {
            let key = key?;
            (!seen.insert(key)).then_some(index)
        })
        .collect()
}

/// FNV-1a: the keys are short strings of one document (row numbers), so a keyed hash against
/// flooding buys nothing here and costs more than the comparison it saves.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_later_occurrence_is_a_repeat_and_empty_values_are_not_compared() {
        let keys = [
            Some("1.1"),
            None,
            Some("1.2"),
            Some("1.1"),
            None,
            Some("1.1"),
        ];
        let found = repeats(keys.into_iter().map(|k| k.map(Cow::Borrowed)));
        assert_eq!(found, vec![3, 5]);
    }
}
