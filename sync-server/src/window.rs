//! A count of events within a fixed window of time: the one shape of the server's rate limits
//! (failed password checks, registrations refused as someone else's id, requests for unknown
//! documents on one connection).

use std::time::{Duration, Instant};

/// Events counted since the window opened (at its first event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedWindow {
    count: u32,
    since: Instant,
}

impl FixedWindow {
    /// An empty window opening at `now`.
    pub fn open(now: Instant) -> FixedWindow {
        FixedWindow {
            count: 0,
            since: now,
        }
    }

    /// Events counted in this window.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// When this window opened.
    pub fn since(&self) -> Instant {
        self.since
    }

    /// Whether this window, `length` long, is over at `now`.
    pub fn has_passed(&self, now: Instant, length: Duration) -> bool {
        now.saturating_duration_since(self.since) >= length
    }

    /// How long until this window passes, if it holds `limit` events or more at `now`.
    pub fn wait(&self, limit: u32, now: Instant, length: Duration) -> Option<Duration> {
        let elapsed = now.saturating_duration_since(self.since);
        (self.count >= limit && elapsed < length).then(|| length - elapsed)
    }

    /// Counts one event at `now`, in a new window if this one has passed; the count after it.
    pub fn add(&mut self, now: Instant, length: Duration) -> u32 {
        if self.has_passed(now, length) {
            *self = FixedWindow::open(now);
        }
        self.count += 1;
        self.count
    }

    /// Takes one event back (it turned out not to count).
    pub fn give_back(&mut self) {
        self.count = self.count.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_within_the_window_and_starts_over_after_it() {
        let start = Instant::now();
        let length = Duration::from_secs(60);
        let mut window = FixedWindow::open(start);
        assert_eq!(window.add(start, length), 1);
        assert_eq!(window.add(start + Duration::from_secs(30), length), 2);
        assert_eq!(
            window.wait(2, start + Duration::from_secs(45), length),
            Some(Duration::from_secs(15))
        );
        assert_eq!(
            window.wait(3, start + Duration::from_secs(45), length),
            None
        );
        assert_eq!(window.add(start + length, length), 1, "a new window");
        assert_eq!(window.since(), start + length);
        window.give_back();
        window.give_back();
        assert_eq!(window.count(), 0);
    }
}
