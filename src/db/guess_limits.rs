//! Limits on guessing a passphrase or an activation code: at most five attempts per subject in a
//! window of fifteen minutes, after which the subject is locked for fifteen minutes. Kept in the
//! database so that a restart does not reset them.

use super::dialect::per_backend;
use super::schema::guess_limits;
use super::{Conn, DbError};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamp};

/// Attempts allowed per window.
pub const MAX_ATTEMPTS: i32 = 5;
/// Length of the window and of a lock.
pub const WINDOW_MINUTES: i64 = 15;

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Go ahead; the attempt has been counted.
    Allowed,
    /// Locked until the given time.
    Locked(DateTime<Utc>),
}

/// Counts an attempt for `subject` before the costly check is made, so that parallel requests
/// cannot get more than [`MAX_ATTEMPTS`] checks through.
///
/// One upsert decides and counts, atomically on both backends (SQLite has one writer;
/// PostgreSQL locks the row), so no transaction and no global write lock is needed:
/// - locked until later: unchanged, refused;
/// - the window is over, or an earlier lock has ended: a new window with this attempt;
/// - [`MAX_ATTEMPTS`] already counted in the window: locked from now, refused;
/// - otherwise: one more attempt in the window.
pub fn begin_attempt(
    conn: &mut Conn,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<Attempt, DbError> {
    use guess_limits::{attempts, locked_until, window_started_at};
    let now = now.naive_utc();
    let window = Duration::minutes(WINDOW_MINUTES);
    let (window_over, lock_end) = (now - window, now + window);
    let no_lock = || None::<NaiveDateTime>.into_sql::<Nullable<Timestamp>>();
    let locked = || locked_until.gt(now);
    let fresh = || {
        locked_until
            .is_not_null()
            .or(window_started_at.le(window_over))
    };
    let full = || attempts.ge(MAX_ATTEMPTS);
    let counted = (
        attempts.eq(case_when(locked(), attempts)
            .when(fresh(), 1)
            .when(full(), attempts)
            .otherwise(attempts + 1)),
        window_started_at.eq(case_when(locked(), window_started_at)
            .when(fresh(), now)
            .otherwise(window_started_at)),
        locked_until.eq(case_when(locked(), locked_until)
            .when(fresh(), no_lock())
            .when(full(), Some(lock_end).into_sql::<Nullable<Timestamp>>())
            .otherwise(no_lock())),
    );
    let first = (
        guess_limits::subject.eq(subject),
        attempts.eq(1),
        window_started_at.eq(now),
        locked_until.eq(None::<NaiveDateTime>),
    );
    let until: Option<NaiveDateTime> = per_backend!(conn, c => diesel::insert_into(guess_limits::table)
        .values(first)
        .on_conflict(guess_limits::subject)
        .do_update()
        .set(counted)
        .returning(locked_until)
        .get_result(c))?;
    Ok(match until {
        Some(until) if until > now => Attempt::Locked(until.and_utc()),
        _ => Attempt::Allowed,
    })
}

/// Records that the attempt failed: the last allowed failure locks the subject.
pub fn record_failure(conn: &mut Conn, subject: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    let until = now.naive_utc() + Duration::minutes(WINDOW_MINUTES);
    diesel::update(
        guess_limits::table
            .find(subject)
            .filter(guess_limits::attempts.ge(MAX_ATTEMPTS)),
    )
    .set(guess_limits::locked_until.eq(Some(until)))
    .execute(conn)?;
    Ok(())
}

/// Forgets the attempts of a subject that has just succeeded.
pub fn clear(conn: &mut Conn, subject: &str) -> Result<(), DbError> {
    diesel::delete(guess_limits::table.find(subject)).execute(conn)?;
    Ok(())
}
