//! Figures of a process from `/proc` and of a set of latencies.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// CPU time (user + system) of process `pid` so far.
pub fn cpu(pid: u32) -> Duration {
    e2e::cpu_time(pid)
}

/// Resident memory (`VmRSS`) of process `pid` now, in bytes.
pub fn rss(pid: u32) -> u64 {
    e2e::rss(pid)
}

/// Peak resident memory (`VmHWM`) of process `pid`, in bytes.
pub fn peak_rss(pid: u32) -> u64 {
    e2e::proc_memory(pid, "VmHWM:")
}

/// Resets the peak resident memory of process `pid` to its current resident memory (Linux's
/// `clear_refs`), so that [`peak_rss`] measures from now on; false where that is not allowed.
pub fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// CPU used by a process over a stretch of wall time.
#[derive(Debug, Clone, Copy)]
pub struct CpuWindow {
    pid: u32,
    cpu: Duration,
    at: Instant,
}

impl CpuWindow {
    /// Starts counting now.
    pub fn start(pid: u32) -> CpuWindow {
        CpuWindow {
            pid,
            cpu: cpu(pid),
            at: Instant::now(),
        }
    }

    /// CPU used since the start, and the wall time elapsed.
    pub fn used(&self) -> (Duration, Duration) {
        (cpu(self.pid).saturating_sub(self.cpu), self.at.elapsed())
    }

    /// CPU used since the start as a percentage of one core.
    pub fn percent(&self) -> f64 {
        let (used, wall) = self.used();
        100.0 * used.as_secs_f64() / wall.as_secs_f64().max(1e-9)
    }
}

/// A set of latencies, summarised.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    /// How many.
    pub count: usize,
    /// Median, ms.
    pub p50: f64,
    /// 99th percentile, ms.
    pub p99: f64,
    /// Largest, ms.
    pub max: f64,
}

impl Summary {
    /// The summary of `samples` (any order).
    pub fn of(samples: &mut [Duration]) -> Summary {
        if samples.is_empty() {
            return Summary::default();
        }
        samples.sort_unstable();
        let at = |q: f64| {
            let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
            ms(samples[index])
        };
        Summary {
            count: samples.len(),
            p50: at(0.5),
            p99: at(0.99),
            max: ms(samples[samples.len() - 1]),
        }
    }

    /// `p50/p99/max` in whole milliseconds, for a table's cell.
    pub fn spread(&self) -> String {
        format!("{:.0}/{:.0}/{:.0}", self.p50, self.p99, self.max)
    }

    /// As JSON.
    pub fn json(&self) -> Value {
        json!({ "count": self.count, "p50_ms": self.p50, "p99_ms": self.p99, "max_ms": self.max })
    }
}

/// A duration in milliseconds.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Bytes as MiB.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

/// `ours / theirs`, or 0 when theirs is 0.
pub fn ratio(ours: f64, theirs: f64) -> f64 {
    if theirs > 0.0 { ours / theirs } else { 0.0 }
}

/// A small deterministic random number generator (xorshift), so runs are repeatable.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}
