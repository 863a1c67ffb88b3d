//! Finding repeated values in one pass (the `unique` check of a rule).

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// The positions of the values that repeat an earlier one, in order; `None` is an empty value,
/// never compared. The first occurrence of a value is not a repeat, every later one is.
pub(crate) fn repeats<'k>(keys: impl ExactSizeIterator<Item = Option<Cow<'k, str>>>) -> Vec<usize> {
    let mut repeats = Repeats::with_capacity(keys.len());
    for (index, key) in keys.enumerate() {
        repeats.note(index, key);
    }
    repeats.found
}

/// [`repeats`] fed one value at a time (while a pass over a table looks at each row anyway).
pub(crate) struct Repeats<'k> {
    seen: HashSet<Cow<'k, str>, BuildHasherDefault<Fnv>>,
    /// The positions found repeating so far, in order.
    pub(crate) found: Vec<usize>,
}

impl<'k> Repeats<'k> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            seen: HashSet::with_capacity_and_hasher(capacity, Default::default()),
            found: Vec::new(),
        }
    }

    /// Notes the value at `index` (`None`: empty, never compared).
    #[inline]
    pub(crate) fn note(&mut self, index: usize, key: Option<Cow<'k, str>>) {
        if let Some(key) = key
            && !self.seen.insert(key)
        {
            self.found.push(index);
        }
    }
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
