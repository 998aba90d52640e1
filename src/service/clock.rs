//! The time the second factor is judged at: the system clock, which tests can move forward
//! instead of waiting for the next 30-second step of an authenticator.

use chrono::{DateTime, TimeDelta, Utc};
use ikrar_log::values::now_seconds;
use std::sync::atomic::{AtomicI64, Ordering};

/// The system clock plus an offset that only ever grows (zero unless a test moved it).
#[derive(Debug, Default)]
pub struct Clock {
    ahead: AtomicI64,
}

impl Clock {
    /// Now, in whole seconds.
    pub fn now(&self) -> DateTime<Utc> {
        let now = now_seconds();
        now.checked_add_signed(TimeDelta::seconds(self.ahead.load(Ordering::Relaxed)))
            .unwrap_or(now)
    }

    /// Moves this clock `seconds` forward, for a test that would otherwise sleep.
    pub fn advance(&self, seconds: i64) {
        self.ahead.fetch_add(seconds.max(0), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_forward_only() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(30);
        clock.advance(-100);
        assert!(clock.now() - before >= TimeDelta::seconds(30));
    }
}
