//! The per-user limit on registrations refused because their id belongs to a document the
//! caller cannot read: each such refusal tells that the id exists, so they are counted to
//! slow down probing for ids (see [`register`](crate::api::documents::register)).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use workflow::UserId;

use crate::window::FixedWindow;

/// Refused registrations of other people's ids allowed per user within [`REFUSAL_WINDOW`].
/// An honest client never meets one (its ids are random and its own retries succeed), so
/// ten is generous.
pub const MAX_REFUSALS: u32 = 10;

/// The window over which refusals are counted, from the first; a user past the limit waits
/// until it ends.
pub const REFUSAL_WINDOW: Duration = Duration::from_secs(3600);

/// Counts each user's refused registrations in the current window.
#[derive(Debug, Default)]
pub struct RefusalLimiter {
    /// Per user: refusals so far and when the window began. Entries of past windows are
    /// dropped as refusals are counted, so the map holds only this hour's probers.
    refused: Mutex<HashMap<UserId, FixedWindow>>,
}

impl RefusalLimiter {
    /// How long `user` must still wait before registering anything, if they have used up
    /// their refusals.
    pub fn wait(&self, user: &UserId, now: Instant) -> Option<Duration> {
        let refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        refused.get(user)?.wait(MAX_REFUSALS, now, REFUSAL_WINDOW)
    }

    /// Counts one refused registration of `user`.
    pub fn refuse(&self, user: &UserId, now: Instant) {
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        refused.retain(|_, window| !window.has_passed(now, REFUSAL_WINDOW));
        refused
            .entry(user.clone())
            .or_insert_with(|| FixedWindow::open(now))
            .add(now, REFUSAL_WINDOW);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_waits_after_the_limit_until_the_window_ends_and_others_do_not() {
        let limiter = RefusalLimiter::default();
        let (prober, other) = (UserId::new("prober"), UserId::new("other"));
        let start = Instant::now();
        for n in 0..MAX_REFUSALS {
            assert_eq!(limiter.wait(&prober, start), None, "after {n}");
            limiter.refuse(&prober, start);
        }
        limiter.refuse(&other, start);
        let later = start + Duration::from_secs(600);
        assert_eq!(
            limiter.wait(&prober, later),
            Some(REFUSAL_WINDOW - Duration::from_secs(600))
        );
        assert_eq!(limiter.wait(&other, later), None);
        let next_hour = start + REFUSAL_WINDOW;
        assert_eq!(limiter.wait(&prober, next_hour), None);
        limiter.refuse(&other, next_hour);
        assert_eq!(
            limiter.refused.lock().unwrap().len(),
            1,
            "old windows are dropped"
        );
    }
}
