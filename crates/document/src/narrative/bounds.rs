//! A walk over Yjs bytes from outside, made before yrs decodes them, that checks what yrs
//! trusts: yrs reserves room for as many entries as a count on the wire claims (a state
//! vector, an awareness update, an update's clients and blocks, an `Any` map or array) before
//! reading any, and decodes nested `Any` values by recursion. Eight bytes claiming 300 million
//! state-vector entries made it reserve gigabytes (the fuzz finding in
//! `tests/regressions/yjs_update/`); a megabyte of nested arrays would overflow the stack.
//!
//! The walk follows yrs 0.28's v1 decoders field by field (so whatever yrs reads, it reads)
//! and refuses bytes where a count claims more entries than the bytes left could hold, or
//! where `Any` values nest deeper than [`MAX_ANY_DEPTH`]. It allocates nothing. Every count
//! it admits is backed by at least one byte per entry, so what yrs then reserves is bounded
//! by the message's length.

/// How deep `Any` values (arrays and maps inside updates) may nest. Narratives hold
/// ProseMirror text, whose attributes are JSON strings, not `Any`; Yjs clients write `Any`
/// only for arrays and maps of plain values.
pub const MAX_ANY_DEPTH: usize = 64;

/// Why bytes were refused, for the malformed-update message.
pub type Refusal = String;

/// Checks one websocket message of the y-websocket protocol: every protocol message it holds
/// (sync step 1's state vector and awareness updates are decoded by yrs while framing; the
/// updates of sync step 2 and update messages are walked too).
pub fn check_message(bytes: &[u8]) -> Result<(), Refusal> {
    let mut at = Walk::new(bytes);
    while !at.is_done() {
        match at.count_u8("message type")? {
            // Sync: step 1 (state vector), step 2 and update (an update each).
            0 => match at.count_u8("sync message type")? {
                0 => check_state_vector(at.buf("state vector")?)?,
                1 | 2 => check_update(at.buf("update")?)?,
                other => return Err(format!("unknown sync message type {other}")),
            },
            // Awareness.
            1 => check_awareness(at.buf("awareness update")?)?,
            // Auth: a flag, and a reason when permission is denied.
            2 => {
                if at.count_u8("auth flag")? == 0 {
                    at.string("auth reason")?;
                }
            }
            // Query awareness: nothing follows.
            3 => {}
            // Any other tag: a buffer yrs keeps as is.
            _ => {
                at.buf("custom message")?;
            }
        }
    }
    Ok(())
}

/// Checks a state vector (v1): a count, then a client id and a clock per entry.
pub fn check_state_vector(bytes: &[u8]) -> Result<(), Refusal> {
    let mut at = Walk::new(bytes);
    let entries = at.count("state vector entries", 2)?;
    for _ in 0..entries {
        at.var("client id")?;
        at.var("clock")?;
    }
    Ok(())
}

/// Checks a Yjs v1 update: its clients' blocks, then its delete set.
pub fn check_update(bytes: &[u8]) -> Result<(), Refusal> {
    let mut at = Walk::new(bytes);
    let clients = at.count("update clients", 3)?;
    for _ in 0..clients {
        let blocks = at.var("block count")?;
        at.var("client id")?;
        at.var("clock")?;
        at.claim("blocks", blocks, 1)?;
        for _ in 0..blocks {
            block(&mut at)?;
        }
    }
    let deleting = at.count("delete set clients", 2)?;
    for _ in 0..deleting {
        at.var("client id")?;
        let ranges = at.count("deleted ranges", 2)?;
        for _ in 0..ranges {
            at.var("deleted clock")?;
            at.var("deleted length")?;
        }
    }
    Ok(())
}

/// An awareness update: per client an id, a clock and a JSON state.
fn check_awareness(bytes: &[u8]) -> Result<(), Refusal> {
    let mut at = Walk::new(bytes);
    let clients = at.count("awareness clients", 3)?;
    for _ in 0..clients {
        at.var("client id")?;
        at.var("clock")?;
        at.string("awareness state")?;
    }
    Ok(())
}

/// One block of an update, as yrs's `Update::decode_block` reads it.
fn block(at: &mut Walk<'_>) -> Result<(), Refusal> {
    const HAS_ORIGIN: u8 = 0b1000_0000;
    const HAS_RIGHT_ORIGIN: u8 = 0b0100_0000;
    const HAS_PARENT_SUB: u8 = 0b0010_0000;
    let info = at.byte("block info")?;
    match info {
        // GC and skip: a length.
        0 | 10 => {
            at.var("block length")?;
            return Ok(());
        }
        _ => {}
    }
    if info & HAS_ORIGIN != 0 {
        at.id()?;
    }
    if info & HAS_RIGHT_ORIGIN != 0 {
        at.id()?;
    }
    if info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN) == 0 {
        if at.var("parent info")? == 1 {
            at.string("parent name")?;
        } else {
            at.id()?;
        }
        if info & HAS_PARENT_SUB != 0 {
            at.string("parent key")?;
        }
    }
    content(at, info & 0b1_1111)
}

/// An item's content, as yrs's `ItemContent::decode` reads it.
fn content(at: &mut Walk<'_>, kind: u8) -> Result<(), Refusal> {
    match kind {
        // Deleted: a length.
        1 => {
            at.var("deleted length")?;
        }
        // JSON: yrs reads one string more than the count says.
        2 => {
            let strings = at.count("JSON strings", 1)?;
            for _ in 0..=strings {
                at.string("JSON string")?;
            }
        }
        // Binary, string, embed (a JSON string).
        3 => {
            at.buf("binary content")?;
        }
        4 | 5 => {
            at.string("string content")?;
        }
        // Format: a key and a JSON value, both strings.
        6 => {
            at.string("format key")?;
            at.string("format value")?;
        }
        // Type: a type ref, and an XML element's name.
        7 => {
            if at.byte("type ref")? == 3 {
                at.string("element name")?;
            }
        }
        // Any: a count of values.
        8 => {
            let values = at.count("values", 1)?;
            for _ in 0..values {
                any(at, 0)?;
            }
        }
        // Subdocument: a guid and its options.
        9 => {
            at.string("document guid")?;
            any(at, 0)?;
        }
        other => return Err(format!("unknown content type {other}")),
    }
    Ok(())
}

/// One `Any` value, as yrs's `Any::decode` reads it, at nesting `depth`.
fn any(at: &mut Walk<'_>, depth: usize) -> Result<(), Refusal> {
    if depth >= MAX_ANY_DEPTH {
        return Err(format!("values nested deeper than {MAX_ANY_DEPTH} levels"));
    }
    match at.byte("value type")? {
        // Undefined, null, false, true.
        127 | 126 | 121 | 120 => {}
        // Integer (a signed varint).
        125 => {
            at.var("integer")?;
        }
        124 => at.skip(4, "float32")?,
        123 | 122 => at.skip(8, "float64 or bigint")?,
        119 => {
            at.string("string value")?;
        }
        118 => {
            let entries = at.count("map entries", 2)?;
            for _ in 0..entries {
                at.string("map key")?;
                any(at, depth + 1)?;
            }
        }
        117 => {
            let items = at.count("array items", 1)?;
            for _ in 0..items {
                any(at, depth + 1)?;
            }
        }
        116 => {
            at.buf("buffer value")?;
        }
        other => return Err(format!("unknown value type {other}")),
    }
    Ok(())
}

/// A cursor over the bytes being walked.
struct Walk<'b> {
    bytes: &'b [u8],
    next: usize,
}

impl<'b> Walk<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Walk { bytes, next: 0 }
    }

    fn is_done(&self) -> bool {
        self.next >= self.bytes.len()
    }

    fn left(&self) -> usize {
        self.bytes.len() - self.next
    }

    fn byte(&mut self, what: &str) -> Result<u8, Refusal> {
        let byte = *self
            .bytes
            .get(self.next)
            .ok_or_else(|| format!("the bytes end before the {what}"))?;
        self.next += 1;
        Ok(byte)
    }

    fn skip(&mut self, len: usize, what: &str) -> Result<(), Refusal> {
        if len > self.left() {
            return Err(format!(
                "the {what} claims {len} bytes where {} are left",
                self.left()
            ));
        }
        self.next += len;
        Ok(())
    }

    /// An unsigned LEB128 number (signed ones are skipped the same way).
    fn var(&mut self, what: &str) -> Result<u64, Refusal> {
        let mut value: u64 = 0;
        for shift in (0..70).step_by(7) {
            let byte = self.byte(what)?;
            if shift < 64 {
                value |= u64::from(byte & 0x7f) << shift;
            }
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("the {what} is a number longer than ten bytes"))
    }

    /// A one-byte tag read as yrs reads a `u8` varint.
    fn count_u8(&mut self, what: &str) -> Result<u64, Refusal> {
        self.var(what)
    }

    /// A count of entries each taking at least `min_bytes`, checked against the bytes left.
    fn count(&mut self, what: &str, min_bytes: usize) -> Result<u64, Refusal> {
        let claimed = self.var(what)?;
        self.claim(what, claimed, min_bytes)?;
        Ok(claimed)
    }

    fn claim(&self, what: &str, claimed: u64, min_bytes: usize) -> Result<(), Refusal> {
        let room = (self.left() / min_bytes) as u64;
        if claimed > room {
            return Err(format!(
                "{claimed} {what} claimed where the {} bytes left hold at most {room}",
                self.left()
            ));
        }
        Ok(())
    }

    fn buf(&mut self, what: &str) -> Result<&'b [u8], Refusal> {
        let len = self.var(what)?;
        let len = usize::try_from(len).map_err(|_| format!("the {what} is too long"))?;
        self.skip(len, what)?;
        Ok(&self.bytes[self.next - len..self.next])
    }

    fn string(&mut self, what: &str) -> Result<(), Refusal> {
        self.buf(what).map(|_| ())
    }

    fn id(&mut self) -> Result<(), Refusal> {
        self.var("client id")?;
        self.var("clock").map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::updates::encoder::Encode;
    use yrs::{Doc, ReadTxn, Text, Transact, WriteTxn};

    /// Real updates and messages pass: every count is backed by its entries.
    #[test]
    fn real_updates_and_messages_pass() {
        let doc = Doc::new();
        let mut txn = doc.transact_mut();
        let text = txn.get_or_insert_text("t");
        text.insert(&mut txn, 0, "to Программа перехода");
        let array = txn.get_or_insert_array("a");
        use yrs::Array;
        array.insert(
            &mut txn,
            0,
            yrs::any!({"k": [1, 2.5, "s", null, true, {"deep": [[[]]]}]}),
        );
        text.remove_range(&mut txn, 0, 3);
        let update = txn.encode_update_v1();
        drop(txn);
        assert_eq!(check_update(&update), Ok(()));
        let sv = doc.transact().state_vector().encode_v1();
        assert_eq!(check_state_vector(&sv), Ok(()));
        let mut message = yrs::sync::Message::Sync(yrs::sync::SyncMessage::SyncStep1(
            doc.transact().state_vector(),
        ))
        .encode_v1();
        message.extend(
            yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(update.clone())).encode_v1(),
        );
        assert_eq!(check_message(&message), Ok(()));
    }

    /// The fuzz finding: a state vector claiming ~300 million entries in four bytes.
    #[test]
    fn a_state_vector_claiming_more_entries_than_bytes_is_refused() {
        let refusal = check_message(&[0, 0, 4, 0xe4, 0xe4, 0xff, 0x43, 0xe4]).unwrap_err();
        assert!(
            refusal.contains("state vector entries claimed"),
            "{refusal}"
        );
    }

    /// A megabyte of nested arrays would recurse a million levels deep in yrs.
    #[test]
    fn deeply_nested_values_are_refused() {
        // One client, one block: an item with a named parent and Any content of one value.
        let mut update = vec![1, 1, 1, 0, 8, 1, 1, b'a', 1];
        for _ in 0..100_000 {
            update.extend([117, 1]);
        }
        update.extend([126, 0]);
        let refusal = check_update(&update).unwrap_err();
        assert!(refusal.contains("nested deeper"), "{refusal}");
    }
}
