//! What a running server measures about itself. Each event is recorded once, here, into two
//! sinks: the `metrics` crate (rendered as Prometheus text on `IKRAR_METRICS_BIND` by
//! `web::metrics`), and the little the console's health page needs kept in process (refusals
//! by reason, the last hour's times to sign).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Why a signature was refused, as the health page and `ikrar_sign_refusals_total` count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A wrong passphrase, an unknown NIP or one not activated (one answer for all three).
    BadCredentials,
    /// The NIP is locked after too many wrong guesses.
    Locked,
    /// The pact is not open for signing (not yet, or no more).
    Closed,
    /// The NIP had signed already.
    AlreadySigned,
    /// Anything else: a malformed NIP, no agreement, a busy server.
    Other,
}

impl Refusal {
    /// Every reason, in the order the health page lists them.
    pub const ALL: [Refusal; 5] = [
        Refusal::BadCredentials,
        Refusal::Locked,
        Refusal::Closed,
        Refusal::AlreadySigned,
        Refusal::Other,
    ];

    /// The reason's label in metrics and its catalog key's last part.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::BadCredentials => "bad_credentials",
            Refusal::Locked => "locked",
            Refusal::Closed => "closed",
            Refusal::AlreadySigned => "already_signed",
            Refusal::Other => "other",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// The times to sign kept for the health page: the last hour's, at most this many.
const KEPT_TIMES: usize = 20_000;
const HOUR: Duration = Duration::from_secs(3600);

/// A server's measurements.
#[derive(Default)]
pub struct Telemetry {
    refusals: [AtomicU64; Refusal::ALL.len()],
    /// When each of the last hour's signatures was answered, and how long it took (seconds).
    sign_times: Mutex<VecDeque<(Instant, f64)>>,
}

impl Telemetry {
    /// A signature was stored and answered after `took`.
    pub fn signed(&self, took: Duration) {
        metrics::histogram!("ikrar_sign_seconds").record(took.as_secs_f64());
        let now = Instant::now();
        let mut times = self
            .sign_times
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while times
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > HOUR)
            || times.len() >= KEPT_TIMES
        {
            times.pop_front();
        }
        times.push_back((now, took.as_secs_f64()));
    }

    /// A signature was refused.
    pub fn refused(&self, reason: Refusal) {
        metrics::counter!("ikrar_sign_refusals_total", "reason" => reason.code()).increment(1);
        self.refusals[reason.slot()].fetch_add(1, Ordering::Relaxed);
    }

    /// An activation stored a key after `took`.
    pub fn activated(&self, took: Duration) {
        metrics::histogram!("ikrar_activation_seconds").record(took.as_secs_f64());
    }

    /// Refusals since the server started, by reason.
    pub fn refusals(&self) -> Vec<(Refusal, u64)> {
        Refusal::ALL
            .into_iter()
            .map(|r| (r, self.refusals[r.slot()].load(Ordering::Relaxed)))
            .collect()
    }

    /// The median and 95th percentile of the last hour's times to sign (seconds), if any.
    pub fn sign_time_quantiles(&self) -> Option<(f64, f64)> {
        let now = Instant::now();
        let mut times: Vec<f64> = self
            .sign_times
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(at, _)| now.duration_since(*at) <= HOUR)
            .map(|(_, took)| *took)
            .collect();
        if times.is_empty() {
            return None;
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        Some((at(0.5), at(0.95)))
    }
}

/// Records an HTTP answer: its route pattern, status and time.
pub fn answered(route: &str, status: u16, took: Duration) {
    let route = route.to_owned();
    metrics::counter!("ikrar_http_requests_total", "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("ikrar_http_request_seconds", "route" => route).record(took.as_secs_f64());
}

/// An Argon2id job waited `waited` in the queue before a worker took it.
pub fn argon2_waited(waited: Duration) {
    metrics::histogram!("ikrar_argon2_wait_seconds").record(waited.as_secs_f64());
}

/// The log's writer committed a batch of `size` writes, with `waiting` requests queued behind.
pub fn batch_committed(size: usize, waiting: u64) {
    metrics::histogram!("ikrar_append_batch_size").record(size as f64);
    metrics::gauge!("ikrar_append_queue_depth").set(waiting as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_counted_by_reason() {
        let t = Telemetry::default();
        t.refused(Refusal::Locked);
        t.refused(Refusal::Locked);
        t.refused(Refusal::Closed);
        let counted = t.refusals();
        assert_eq!(counted[0], (Refusal::BadCredentials, 0));
        assert_eq!(counted[1], (Refusal::Locked, 2));
        assert_eq!(counted[2], (Refusal::Closed, 1));
    }

    #[test]
    fn the_median_and_95th_percentile_of_the_hours_times() {
        let t = Telemetry::default();
        assert_eq!(t.sign_time_quantiles(), None);
        for ms in 1..=100 {
            t.signed(Duration::from_millis(ms));
        }
        let (median, p95) = t.sign_time_quantiles().unwrap();
        assert!((median - 0.051).abs() < 0.0015, "{median}");
        assert!((p95 - 0.095).abs() < 0.0015, "{p95}");
    }
}
