//! Limits on guessing a passphrase or an activation code: at most five attempts per subject in a
//! window of fifteen minutes, after which the subject is locked for fifteen minutes. Kept in the
//! database so that a restart does not reset them.

use super::dialect::per_backend;
use super::schema::guess_limits;
use super::{Conn, DbError};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

/// Attempts allowed per window.
pub const MAX_ATTEMPTS: i32 = 5;
/// Length of the window and of a lock.
pub const WINDOW_MINUTES: i64 = 15;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = guess_limits)]
struct Limit {
    attempts: i32,
    window_started_at: chrono::NaiveDateTime,
    locked_until: Option<chrono::NaiveDateTime>,
}

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
pub fn begin_attempt(
    conn: &mut Conn,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<Attempt, DbError> {
    super::write_transaction(conn, |conn| {
        let naive_now = now.naive_utc();
        let limit: Option<Limit> = guess_limits::table
            .find(subject)
            .select(Limit::as_select())
            .first(conn)
            .optional()?;
        let window = Duration::minutes(WINDOW_MINUTES);
        if let Some(until) = limit.as_ref().and_then(|l| l.locked_until) {
            if until > naive_now {
                return Ok(Attempt::Locked(until.and_utc()));
            }
        }
        let attempts = match &limit {
            Some(l) if l.locked_until.is_none() && l.window_started_at + window > naive_now => {
                l.attempts
            }
            _ => 0,
        };
        if attempts >= MAX_ATTEMPTS {
            let until = naive_now + window;
            diesel::update(guess_limits::table.find(subject))
                .set(guess_limits::locked_until.eq(Some(until)))
                .execute(conn)?;
            return Ok(Attempt::Locked(until.and_utc()));
        }
        let window_start = if attempts == 0 {
            naive_now
        } else {
            limit.map_or(naive_now, |l| l.window_started_at)
        };
        let counted = (
            guess_limits::attempts.eq(attempts + 1),
            guess_limits::window_started_at.eq(window_start),
            guess_limits::locked_until.eq(None::<chrono::NaiveDateTime>),
        );
        per_backend!(conn, c => diesel::insert_into(guess_limits::table)
            .values((guess_limits::subject.eq(subject), counted))
            .on_conflict(guess_limits::subject)
            .do_update()
            .set(counted)
            .execute(c))?;
        Ok(Attempt::Allowed)
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
