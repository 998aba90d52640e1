//! The system's health as the console's "Kesehatan" page and IT's `/metrics` read it: the
//! last hour's signatures and activations per minute, how long signing takes, refusals by
//! reason, NIPs locked now, the log's size and its checkpoint's age, each witness, the database
//! pool and the queues. The database's figures cover every app server; the times to sign, the
//! refusals and the queues are this server's.

use super::cosigning::{self, WitnessStatus};
use super::telemetry::Refusal;
use super::App;
use crate::db::{activity, log_store, DbError};
use chrono::{DateTime, Duration, DurationRound, Utc};

/// Minutes the activity chart covers.
pub const MINUTES: i64 = 60;

/// One look at the system.
pub struct Health {
    pub at: DateTime<Utc>,
    /// Signatures and activations in each of the last [`MINUTES`] minutes, oldest first.
    pub signatures_per_minute: Vec<i64>,
    pub activations_per_minute: Vec<i64>,
    /// Median and 95th percentile of the last hour's times to sign, in seconds (this server).
    pub sign_times: Option<(f64, f64)>,
    pub refusals: Vec<(Refusal, u64)>,
    pub locked_now: i64,
    pub log_size: u64,
    /// Seconds since the newest checkpoint was signed (`None`: nothing appended yet).
    pub checkpoint_age: Option<i64>,
    pub witnesses: Vec<WitnessStatus>,
    /// The database pool: (open, idle, at most).
    pub pool: (u32, u32, u32),
    pub argon2_waiting: usize,
    pub append_waiting: u64,
}

/// What the health page and `/metrics` show, now.
pub async fn look(app: &App) -> Result<Health, DbError> {
    let at = chrono::Utc::now();
    // Whole minutes, the last one the current: a signature made now is in the last slot.
    let this_minute = at.duration_trunc(Duration::minutes(1)).unwrap_or(at);
    let since = this_minute - Duration::minutes(MINUTES - 1);
    let (signed, activated, locked_now, head) = app
        .db
        .run(move |conn| {
            Ok::<_, DbError>((
                activity::signatures_per_minute(conn, since)?,
                activity::activations_per_minute(conn, since)?,
                activity::locked_now(conn, at)?,
                log_store::head(conn)?,
            ))
        })
        .await?;
    Ok(Health {
        at,
        signatures_per_minute: spread(&signed),
        activations_per_minute: spread(&activated),
        sign_times: app.telemetry.sign_time_quantiles(),
        refusals: app.telemetry.refusals(),
        locked_now,
        log_size: head.as_ref().map_or(0, |h| h.size.get()),
        checkpoint_age: head.map(|h| (at.naive_utc() - h.signed_at).num_seconds().max(0)),
        witnesses: cosigning::status(app).await?,
        pool: app.db.pool_use(),
        argon2_waiting: app.key_work_waiting(),
        append_waiting: app.append_stats().waiting,
    })
}

/// Counts per minute as one slot per minute of the window, the empty ones zero.
fn spread(counted: &activity::PerMinute) -> Vec<i64> {
    let mut slots = vec![0; MINUTES as usize];
    for &(minute, n) in counted {
        if let Some(slot) = usize::try_from(minute).ok().and_then(|m| slots.get_mut(m)) {
            *slot += n;
        }
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_outside_the_window_are_left_out() {
        let slots = spread(&vec![(0, 3), (59, 2), (60, 9), (-1, 9), (7, 1)]);
        assert_eq!(slots.len(), 60);
        assert_eq!((slots[0], slots[7], slots[59]), (3, 1, 2));
        assert_eq!(slots.iter().sum::<i64>(), 6);
    }
}
