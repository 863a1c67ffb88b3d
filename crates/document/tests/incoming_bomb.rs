//! A compressed change that inflates to 200 MiB (a 1.3 MB sync message) is refused after
//! inflating no more than the limit: quickly, and with the process's peak memory far below what
//! inflating it would take. Alone in its test binary, so that the peak is this test's own.

use std::time::{Duration, Instant};

use automerge::Automerge;
use automerge::sync::{Message, MessageVersion};
use document::incoming::{Limits, Refusal, check_sync_message};

/// What the bomb inflates to.
const INFLATED: usize = 200 << 20;

/// Writes bits into bytes least significant first, as deflate packs them.
struct Bits {
    out: Vec<u8>,
    pending: u32,
    count: u32,
}

impl Bits {
    fn write(&mut self, value: u32, count: u32) {
        self.pending |= value << self.count;
        self.count += count;
        while self.count >= 8 {
            self.out.push(self.pending as u8);
            self.pending >>= 8;
            self.count -= 8;
        }
    }

    /// A Huffman code: deflate sends its most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        self.write(code.reverse_bits() >> (32 - len), len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.pending as u8);
        }
        self.out
    }
}

/// A raw deflate stream of `len` zero bytes in one block with the fixed Huffman codes: a
/// literal zero, then copies of 258 bytes from one byte back (13 bits each), built without
/// ever holding what it inflates to.
fn zeros(len: usize) -> Vec<u8> {
    let mut bits = Bits {
        out: Vec::new(),
        pending: 0,
        count: 0,
    };
    bits.write(1, 1); // the final block
    bits.write(1, 2); // fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    for _ in 0..(len - 1) / 258 {
        bits.code(0xc5, 8); // length 258 (symbol 285)
        bits.code(0, 5); // distance 1
    }
    for _ in 0..(len - 1) % 258 {
        bits.code(0x30, 8);
    }
    bits.code(0, 7); // end of block
    bits.finish()
}

/// The process's peak resident memory so far, from `/proc/self/status`.
fn peak_rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    let kib: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in kB");
    kib << 10
}

#[test]
fn a_compressed_change_inflating_to_200_mib_is_refused_at_the_limit() {
    // The stream is what it claims: a small one inflates to exactly its length.
    let mut small = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::DeflateDecoder::new(&zeros(100_000)[..]),
        &mut small,
    )
    .unwrap();
    assert!(small.len() == 100_000 && small.iter().all(|b| *b == 0));

    let stream = zeros(INFLATED);
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    let mut len = stream.len();
    while len >= 0x80 {
        chunk.push((len & 0x7f) as u8 | 0x80);
        len >>= 7;
    }
    chunk.push(len as u8);
    chunk.extend_from_slice(&stream);
    let message = Message {
        heads: Vec::new(),
        need: Vec::new(),
        have: Vec::new(),
        changes: vec![chunk].into(),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode();
    assert!(message.len() < 1_500_000, "{}", message.len());

    let limits = Limits::default();
    let started = Instant::now();
    let refused = check_sync_message(&Automerge::new(), &message, &limits);
    let took = started.elapsed();
    assert_eq!(
        refused,
        Err(Refusal::TooLarge {
            inflated: limits.max_inflated_bytes + 1,
            limit: limits.max_inflated_bytes
        })
    );
    // Inflating 32 MiB takes unoptimised miniz well under a second; all 200 MiB would take
    // several, and the memory to hold them.
    assert!(took < Duration::from_secs(3), "{took:?}");
    let peak = peak_rss();
    assert!(
        peak < INFLATED / 2,
        "peak resident memory {} MiB",
        peak >> 20
    );
}
