//! Just enough of Automerge's binary format to bound what a chunk costs before Automerge reads
//! it: chunk headers, the layout of change and document chunks, how many rows a column holds
//! (run lengths only, nothing materialised), the few columns that say which objects are made
//! where, and inflating deflate streams no further than a limit.
//!
//! The format is Automerge's storage format (see `automerge::storage` in the crate's source and
//! <https://alexjg.github.io/automerge-storage-docs/>). Every length and count here comes from
//! the network, so arithmetic is checked and nothing is allocated in proportion to a count
//! before the bytes backing it have been seen.

use std::io::Read;

use sha2::{Digest, Sha256};

use super::Refusal;

/// The first bytes of every chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Bytes of a change hash.
const HASH_BYTES: usize = 32;

/// Chunk types (the byte after the checksum).
pub(super) const DOCUMENT: u8 = 0;
/// A change.
pub(super) const CHANGE: u8 = 1;
/// A change whose body is one deflate stream.
pub(super) const COMPRESSED_CHANGE: u8 = 2;

/// Column specifications: `id << 4 | deflate << 3 | type`.
const DEFLATE_BIT: u32 = 0b1000;
const TYPE_BITS: u32 = 0b0111;
/// Column types (the low three bits of a specification).
const GROUP: u32 = 0;
const ACTOR: u32 = 1;
const INTEGER: u32 = 2;
const DELTA: u32 = 3;
const BOOLEAN: u32 = 4;
const STRING: u32 = 5;
const VALUE_METADATA: u32 = 6;
const VALUE: u32 = 7;
/// The operation columns that say which objects are made where, as specifications without the
/// deflate bit: the object an operation is in (actor, counter), the operation's own id (actor,
/// counter; documents only, a change numbers its operations from its start op) and its action.
pub(super) const OBJ_ACTOR: u32 = ACTOR;
pub(super) const OBJ_COUNTER: u32 = INTEGER;
pub(super) const ID_ACTOR: u32 = 2 << 4 | ACTOR;
pub(super) const ID_COUNTER: u32 = 2 << 4 | DELTA;
pub(super) const ACTION: u32 = 4 << 4 | INTEGER;
/// Actions that make an object: a map, a list, a text, a table.
pub(super) const MAKE_ACTIONS: [u64; 4] = [0, 2, 4, 6];

/// A refusal for input that is not what the format says.
pub(super) fn malformed(what: impl Into<String>) -> Refusal {
    Refusal::Malformed(what.into())
}

/// Reads the format's primitives off a byte slice.
#[derive(Clone)]
pub(super) struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// What is left.
    pub(super) fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    pub(super) fn take(&mut self, n: u64) -> Result<&'a [u8], Refusal> {
        let n = usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.bytes.len())
            .ok_or_else(|| malformed("a length runs past the end of its data"))?;
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(taken)
    }

    /// An unsigned LEB128 number of at most 64 bits.
    pub(super) fn uleb(&mut self) -> Result<u64, Refusal> {
        let mut value: u64 = 0;
        for (i, byte) in self.bytes.iter().enumerate().take(10) {
            let bits = u64::from(byte & 0x7f);
            if i == 9 && bits > 1 {
                break;
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                self.bytes = &self.bytes[i + 1..];
                return Ok(value);
            }
        }
        Err(malformed("a number is cut short or longer than 64 bits"))
    }

    /// A signed LEB128 number of at most 64 bits.
    pub(super) fn sleb(&mut self) -> Result<i64, Refusal> {
        let mut value: i64 = 0;
        for (i, byte) in self.bytes.iter().enumerate().take(10) {
            let shift = 7 * i as u32;
            value |= i64::from(byte & 0x7f).wrapping_shl(shift);
            if byte & 0x80 == 0 {
                if shift + 7 < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << (shift + 7);
                }
                self.bytes = &self.bytes[i + 1..];
                return Ok(value);
            }
        }
        Err(malformed("a number is cut short or longer than 64 bits"))
    }

    /// A length-prefixed byte string (an actor id, a message, a string value).
    fn prefixed(&mut self) -> Result<&'a [u8], Refusal> {
        let len = self.uleb()?;
        self.take(len)
    }

    /// `count` items of at least `min_bytes` each: a count the remaining bytes cannot hold is
    /// refused before anything is allocated for it.
    fn count(&mut self, min_bytes: usize) -> Result<usize, Refusal> {
        let count = self.uleb()?;
        usize::try_from(count)
            .ok()
            .filter(|c| c.saturating_mul(min_bytes) <= self.bytes.len())
            .ok_or_else(|| malformed("a count larger than its data"))
    }
}

/// One chunk of a sync message's changes.
pub(super) struct Chunk<'a> {
    /// Its type byte.
    pub(super) kind: u8,
    /// The first four bytes of the SHA-256 of its type, length and (uncompressed) data.
    pub(super) checksum: [u8; 4],
    /// Its data, after the header.
    pub(super) data: &'a [u8],
    /// The whole chunk, header included.
    pub(super) whole: &'a [u8],
}

/// The chunk at the start of `input`, and what follows it.
pub(super) fn next_chunk(input: &[u8]) -> Result<(Chunk<'_>, &[u8]), Refusal> {
    let mut cursor = Cursor::new(input);
    if cursor.take(4).ok() != Some(&MAGIC[..]) {
        return Err(malformed(
            "a chunk does not start with Automerge's magic bytes",
        ));
    }
    let checksum: [u8; 4] = cursor
        .take(4)?
        .try_into()
        .map_err(|_| malformed("no checksum"))?;
    let kind = cursor.take(1)?[0];
    let len = cursor.uleb()?;
    let header = input.len() - cursor.rest().len();
    let data = cursor.take(len)?;
    let (whole, rest) = input.split_at(header + data.len());
    Ok((
        Chunk {
            kind,
            checksum,
            data,
            whole,
        },
        rest,
    ))
}

/// The checksum a chunk of `kind` with `data` must carry.
pub(super) fn checksum(kind: u8, data: &[u8]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update([kind]);
    hasher.update(uleb_bytes(data.len() as u64));
    hasher.update(data);
    let hash = hasher.finalize();
    [hash[0], hash[1], hash[2], hash[3]]
}

/// `value` as unsigned LEB128.
pub(super) fn uleb_bytes(mut value: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// The change chunk with `checksum` whose data is `data`, header and all.
pub(super) fn change_chunk(checksum: [u8; 4], data: &[u8]) -> Vec<u8> {
    let len = uleb_bytes(data.len() as u64);
    let mut out = Vec::with_capacity(MAGIC.len() + 5 + len.len() + data.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&checksum);
    out.push(CHANGE);
    out.extend_from_slice(&len);
    out.extend_from_slice(data);
    out
}

/// One column: its specification and its bytes as they are in the chunk.
#[derive(Clone, Copy)]
pub(super) struct Column<'a> {
    pub(super) spec: u32,
    pub(super) data: &'a [u8],
}

impl Column<'_> {
    /// Whether the column's bytes are a deflate stream.
    pub(super) fn deflated(&self) -> bool {
        self.spec & DEFLATE_BIT != 0
    }

    /// The specification without the deflate bit.
    pub(super) fn normal(&self) -> u32 {
        self.spec & !DEFLATE_BIT
    }

    /// Whether the column holds raw values (which other columns index into; no rows).
    pub(super) fn is_raw_values(&self) -> bool {
        self.spec & TYPE_BITS == VALUE
    }
}

/// Column metadata (count, then specification and length of each), and then, once the caller
/// has parsed what lies between, the columns' data from `data`.
struct ColumnMeta {
    specs: Vec<(u32, usize)>,
    total: u64,
}

impl ColumnMeta {
    fn parse(cursor: &mut Cursor<'_>) -> Result<Self, Refusal> {
        let count = cursor.count(2)?;
        let mut specs = Vec::with_capacity(count);
        let mut total: u64 = 0;
        for _ in 0..count {
            let spec = u32::try_from(cursor.uleb()?)
                .map_err(|_| malformed("a column specification past 32 bits"))?;
            let len = cursor.uleb()?;
            total = total
                .checked_add(len)
                .ok_or_else(|| malformed("columns longer than any chunk"))?;
            let len = usize::try_from(len).map_err(|_| malformed("a column longer than memory"))?;
            specs.push((spec, len));
        }
        Ok(Self { specs, total })
    }

    fn columns<'a>(&self, cursor: &mut Cursor<'a>) -> Result<Vec<Column<'a>>, Refusal> {
        let mut data = Cursor::new(cursor.take(self.total)?);
        self.specs
            .iter()
            .map(|&(spec, len)| {
                Ok(Column {
                    spec,
                    data: data.take(len as u64)?,
                })
            })
            .collect()
    }
}

/// What a change chunk's data holds that bounds and depths need.
pub(super) struct ChangeLayout<'a> {
    /// The author; actor index 0 in the columns.
    pub(super) actor: &'a [u8],
    /// Actor indices 1, 2, … in the columns.
    pub(super) other_actors: Vec<&'a [u8]>,
    /// The counter of the change's first operation; the others follow one by one.
    pub(super) start_op: u64,
    /// The operation columns.
    pub(super) columns: Vec<Column<'a>>,
}

impl<'a> ChangeLayout<'a> {
    /// Parses a change chunk's data (dependencies, actor, sequence number, start op, time,
    /// message, other actors, column metadata, column data, extra bytes).
    pub(super) fn parse(data: &'a [u8]) -> Result<Self, Refusal> {
        let mut cursor = Cursor::new(data);
        let deps = cursor.count(HASH_BYTES)?;
        cursor.take((deps * HASH_BYTES) as u64)?;
        let actor = cursor.prefixed()?;
        let _seq = cursor.uleb()?;
        let start_op = cursor.uleb()?;
        let _time = cursor.sleb()?;
        let _message = cursor.prefixed()?;
        let count = cursor.count(1)?;
        let mut other_actors = Vec::with_capacity(count);
        for _ in 0..count {
            other_actors.push(cursor.prefixed()?);
        }
        let meta = ColumnMeta::parse(&mut cursor)?;
        let columns = meta.columns(&mut cursor)?;
        Ok(Self {
            actor,
            other_actors,
            start_op,
            columns,
        })
    }
}

/// What a document chunk's data holds that bounds and depths need.
pub(super) struct DocumentLayout<'a> {
    /// The actors the columns' actor indices refer to.
    pub(super) actors: Vec<&'a [u8]>,
    /// The change metadata columns (one row per change).
    pub(super) change_columns: Vec<Column<'a>>,
    /// The operation columns (one row per operation).
    pub(super) op_columns: Vec<Column<'a>>,
}

impl<'a> DocumentLayout<'a> {
    /// Parses a document chunk's data (actors, heads, change and operation column metadata,
    /// change and operation column data, head indices).
    pub(super) fn parse(data: &'a [u8]) -> Result<Self, Refusal> {
        let mut cursor = Cursor::new(data);
        let count = cursor.count(1)?;
        let mut actors = Vec::with_capacity(count);
        for _ in 0..count {
            actors.push(cursor.prefixed()?);
        }
        let heads = cursor.count(HASH_BYTES)?;
        cursor.take((heads * HASH_BYTES) as u64)?;
        let change_meta = ColumnMeta::parse(&mut cursor)?;
        let op_meta = ColumnMeta::parse(&mut cursor)?;
        let change_columns = change_meta.columns(&mut cursor)?;
        let op_columns = op_meta.columns(&mut cursor)?;
        Ok(Self {
            actors,
            change_columns,
            op_columns,
        })
    }
}

/// How many rows the column of specification `spec` holds in `data` (uncompressed), reading run
/// lengths and skipping values without decoding them; counting stops as soon as it passes `cap`
/// (the answer is then some number above `cap`). Raw value columns have no rows of their own.
pub(super) fn rows(spec: u32, data: &[u8], cap: u64) -> Result<u64, Refusal> {
    let mut cursor = Cursor::new(data);
    let mut rows: u64 = 0;
    let skip: fn(&mut Cursor<'_>) -> Result<(), Refusal> = match spec & TYPE_BITS {
        GROUP | ACTOR | INTEGER | VALUE_METADATA => |c| c.uleb().map(drop),
        DELTA => |c| c.sleb().map(drop),
        STRING => |c| c.prefixed().map(drop),
        BOOLEAN => {
            // Alternating runs of false and true, each a count.
            while !cursor.is_empty() && rows <= cap {
                rows = rows.saturating_add(cursor.uleb()?);
            }
            return Ok(rows);
        }
        // VALUE, the last of the eight types: raw bytes that other columns index into.
        _ => return Ok(0),
    };
    while !cursor.is_empty() && rows <= cap {
        match cursor.sleb()? {
            // A run: one value repeated.
            run @ 1.. => {
                skip(&mut cursor)?;
                rows = rows.saturating_add(run.unsigned_abs());
            }
            // A literal run: that many values, each at least a byte.
            0 => rows = rows.saturating_add(cursor.uleb()?),
            literal => {
                let n = literal.unsigned_abs();
                if n > cursor.rest().len() as u64 {
                    return Err(malformed("a literal run longer than its column"));
                }
                for _ in 0..n {
                    skip(&mut cursor)?;
                }
                rows = rows.saturating_add(n);
            }
        }
    }
    Ok(rows)
}

/// The values of an unsigned run-length encoded column (actors, counters, actions), row by
/// row; `None` is a null. Past its end a column reads as nulls (Automerge writes no trailing
/// nulls, and omits a column that is all nulls).
pub(super) struct Uints<'a> {
    cursor: Cursor<'a>,
    run: Run<u64>,
}

/// Where a run-length decoder is: inside a run of one value (`None`: of nulls) with so many
/// rows left, or inside a literal run with so many values left to read.
enum Run<T> {
    Repeat(Option<T>, u64),
    Literal(u64),
}

impl<'a> Uints<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self {
            cursor: Cursor::new(data),
            run: Run::Repeat(None, 0),
        }
    }

    /// The next row's value.
    pub(super) fn next(&mut self) -> Result<Option<u64>, Refusal> {
        loop {
            match &mut self.run {
                Run::Repeat(value, left) if *left > 0 => {
                    *left -= 1;
                    return Ok(*value);
                }
                Run::Literal(left) if *left > 0 => {
                    *left -= 1;
                    return self.cursor.uleb().map(Some);
                }
                _ if self.cursor.is_empty() => return Ok(None),
                _ => {
                    self.run = match self.cursor.sleb()? {
                        run @ 1.. => Run::Repeat(Some(self.cursor.uleb()?), run.unsigned_abs()),
                        0 => Run::Repeat(None, self.cursor.uleb()?),
                        literal => Run::Literal(literal.unsigned_abs()),
                    };
                }
            }
        }
    }
}

/// The values of a delta-encoded column (operation counters): run-length encoded signed
/// differences, each row the running sum.
pub(super) struct Deltas<'a> {
    cursor: Cursor<'a>,
    run: Run<i64>,
    sum: i64,
}

impl<'a> Deltas<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self {
            cursor: Cursor::new(data),
            run: Run::Repeat(None, 0),
            sum: 0,
        }
    }

    /// The next row's value; `None` is a null.
    pub(super) fn next(&mut self) -> Result<Option<u64>, Refusal> {
        let delta = loop {
            match &mut self.run {
                Run::Repeat(delta, left) if *left > 0 => {
                    *left -= 1;
                    break *delta;
                }
                Run::Literal(left) if *left > 0 => {
                    *left -= 1;
                    break Some(self.cursor.sleb()?);
                }
                _ if self.cursor.is_empty() => return Ok(None),
                _ => {
                    self.run = match self.cursor.sleb()? {
                        run @ 1.. => Run::Repeat(Some(self.cursor.sleb()?), run.unsigned_abs()),
                        0 => Run::Repeat(None, self.cursor.uleb()?),
                        literal => Run::Literal(literal.unsigned_abs()),
                    };
                }
            }
        };
        let Some(delta) = delta else {
            return Ok(None);
        };
        self.sum = self
            .sum
            .checked_add(delta)
            .filter(|sum| *sum >= 0)
            .ok_or_else(|| malformed("an operation counter out of range"))?;
        Ok(Some(self.sum as u64))
    }
}

/// Why a deflate stream was not inflated.
#[derive(Debug)]
pub(super) enum InflateError {
    /// It yields more than the limit.
    TooLarge,
    /// It is not a deflate stream.
    Broken(Refusal),
}

/// Inflates the raw deflate stream `compressed`, stopping as soon as it yields more than
/// `limit` bytes; keeps the output when `keep`, otherwise only counts it. Returns the output
/// (empty unless kept) and its length.
pub(super) fn inflate(
    compressed: &[u8],
    limit: usize,
    keep: bool,
) -> Result<(Vec<u8>, usize), InflateError> {
    let mut decoder = flate2::bufread::DeflateDecoder::new(compressed);
    let mut out = Vec::new();
    let mut buffer = [0u8; 8 * 1024];
    let mut total: usize = 0;
    loop {
        let n = decoder.read(&mut buffer).map_err(|e| {
            InflateError::Broken(malformed(format!("a broken deflate stream: {e}")))
        })?;
        if n == 0 {
            return Ok((out, total));
        }
        total += n;
        if total > limit {
            return Err(InflateError::TooLarge);
        }
        if keep {
            out.extend_from_slice(&buffer[..n]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_reads_the_format_and_refuses_what_is_cut_short() {
        assert_eq!(Cursor::new(&[0xe5, 0x8e, 0x26]).uleb().unwrap(), 624_485);
        assert_eq!(Cursor::new(&[0xc0, 0xbb, 0x78]).sleb().unwrap(), -123_456);
        assert_eq!(Cursor::new(&[0x7f]).sleb().unwrap(), -1);
        assert_eq!(Cursor::new(&[0x3f]).sleb().unwrap(), 63);
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(Cursor::new(&max).uleb().unwrap(), u64::MAX);
        assert!(Cursor::new(&[0x80, 0x80]).uleb().is_err());
        assert!(Cursor::new(&[0xff; 11]).uleb().is_err());
        assert!(Cursor::new(&[0xff; 11]).sleb().is_err());
        assert_eq!(uleb_bytes(624_485), vec![0xe5, 0x8e, 0x26]);
    }

    #[test]
    fn rows_are_counted_from_run_lengths_without_decoding() {
        // A run of 3 × 7, a literal run of 2 values (1, 300), 4 nulls.
        let column = [0x03, 0x07, 0x7e, 0x01, 0xac, 0x02, 0x00, 0x04];
        assert_eq!(rows(ACTION, &column, u64::MAX).unwrap(), 9);
        let mut values = Uints::new(&column);
        let read: Vec<_> = (0..10).map(|_| values.next().unwrap()).collect();
        let expected = [7, 7, 7, 1, 300]
            .map(Some)
            .into_iter()
            .chain([None; 5])
            .collect::<Vec<_>>();
        assert_eq!(read, expected);
        // A run claiming 2^62 rows costs two bytes to write and nothing to count.
        let huge = [
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0xc0, 0x00, 0x01,
        ];
        assert!(rows(ACTION, &huge, 1000).unwrap() > 1000);
        // Booleans: 2 false, 3 true.
        assert_eq!(rows(BOOLEAN, &[0x02, 0x03], u64::MAX).unwrap(), 5);
        // Deltas: 1, +1, +1 (a run of 3 × +1 from 0), then -2.
        let mut deltas = Deltas::new(&[0x03, 0x01, 0x7f, 0x7e]);
        let read: Vec<_> = (0..5).map(|_| deltas.next().unwrap()).collect();
        assert_eq!(read, vec![Some(1), Some(2), Some(3), Some(1), None]);
    }

    #[test]
    fn inflating_stops_at_the_limit() {
        let zeros = vec![0u8; 1 << 20];
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &zeros).unwrap();
        let compressed = encoder.finish().unwrap();
        assert_eq!(inflate(&compressed, 1 << 20, false).unwrap().1, 1 << 20);
        assert!(matches!(
            inflate(&compressed, (1 << 20) - 1, true),
            Err(InflateError::TooLarge)
        ));
        assert!(matches!(
            inflate(&[0xff, 0xff], 10, true),
            Err(InflateError::Broken(_))
        ));
    }
}
