//! Limits on guessing a passphrase or an activation code: at most five attempts per subject in a
//! window of fifteen minutes, after which the subject is locked for fifteen minutes. Kept in the
//! database so that a restart does not reset them.

use super::dialect::{fixed_statement, per_backend};
use super::employees::{self, Employee};
use super::schema::guess_limits;
use super::{one_trip, Conn, DbError};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment};
use diesel::serialize::ToSql;
use diesel::sql_types::{Integer, Nullable, Text, Timestamp};
use ikrar_log::nip::Nip;

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
    let upsert = CountAttempt::at(subject, now);
    let until: Option<NaiveDateTime> = per_backend!(conn, c => upsert.get_result(c))?;
    Ok(upsert.outcome(until))
}

/// [`begin_attempt`], then, unless locked (until the time returned), the employee `nip`.
/// PostgreSQL does both in one round trip ([`super::one_trip`]); SQLite, in process, takes the
/// two statements.
pub fn attempt_then_find(
    conn: &mut Conn,
    subject: &str,
    nip: &Nip,
    now: DateTime<Utc>,
) -> Result<Result<Option<Employee>, DateTime<Utc>>, DbError> {
    let Conn::Pg(c) = conn else {
        return match begin_attempt(conn, subject, now)? {
            Attempt::Locked(until) => Ok(Err(until)),
            Attempt::Allowed => employees::find(conn, nip).map(Ok),
        };
    };
    let attempt = CountAttempt::at(subject, now);
    let (until, employee) = one_trip::attempt_then_find(c, attempt, nip)?;
    Ok(match attempt.outcome(until) {
        Attempt::Locked(until) => Err(until),
        Attempt::Allowed => Ok(employee),
    })
}

/// The upsert of [`begin_attempt`], written out so that it is prepared once per connection
/// (see `fixed_statement!`): every signature and activation runs it. In `DO UPDATE`, `g` is
/// the row as it was.
#[derive(Clone, Copy)]
pub(super) struct CountAttempt<'a> {
    subject: &'a str,
    now: NaiveDateTime,
    window_over: NaiveDateTime,
    lock_end: NaiveDateTime,
}

impl<DB> QueryFragment<DB> for CountAttempt<'_>
where
    DB: Backend,
    str: ToSql<Text, DB>,
    i32: ToSql<Integer, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO guess_limits AS g (subject, attempts, window_started_at, locked_until) \
             VALUES (",
        );
        out.push_bind_param::<Text, _>(self.subject)?;
        out.push_sql(", 1, ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", NULL) ON CONFLICT (subject) DO UPDATE SET attempts = ");
        self.locked_or_fresh(&mut out, "attempts")?;
        out.push_sql("1 WHEN g.attempts >= ");
        out.push_bind_param::<Integer, _>(&MAX_ATTEMPTS)?;
        out.push_sql(" THEN g.attempts ELSE g.attempts + 1 END, window_started_at = ");
        self.locked_or_fresh(&mut out, "window_started_at")?;
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" ELSE g.window_started_at END, locked_until = ");
        self.locked_or_fresh(&mut out, "locked_until")?;
        out.push_sql("NULL WHEN g.attempts >= ");
        out.push_bind_param::<Integer, _>(&MAX_ATTEMPTS)?;
        out.push_sql(" THEN ");
        out.push_bind_param::<Timestamp, _>(&self.lock_end)?;
        out.push_sql(" ELSE NULL END RETURNING locked_until");
        Ok(())
    }
}

impl<'a> CountAttempt<'a> {
    /// The attempt on `subject` at `now`.
    pub(super) fn at(subject: &'a str, now: DateTime<Utc>) -> Self {
        let now = now.naive_utc();
        let window = Duration::minutes(WINDOW_MINUTES);
        CountAttempt {
            subject,
            now,
            window_over: now - window,
            lock_end: now + window,
        }
    }

    /// What the upsert's answer (the subject's lock) means for this attempt.
    fn outcome(&self, until: Option<NaiveDateTime>) -> Attempt {
        match until {
            Some(until) if until > self.now => Attempt::Locked(until.and_utc()),
            _ => Attempt::Allowed,
        }
    }

    /// The start every column's `CASE` shares: locked until later, `column` stays as it was; a
    /// window that is over or a lock that has ended starts afresh, with what follows.
    fn locked_or_fresh<'b, DB>(
        &'b self,
        out: &mut AstPass<'_, 'b, DB>,
        column: &str,
    ) -> QueryResult<()>
    where
        DB: Backend,
        NaiveDateTime: ToSql<Timestamp, DB>,
    {
        out.push_sql("CASE WHEN g.locked_until > ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" THEN g.");
        out.push_sql(column);
        out.push_sql(" WHEN g.locked_until IS NOT NULL OR g.window_started_at <= ");
        out.push_bind_param::<Timestamp, _>(&self.window_over)?;
        out.push_sql(" THEN ");
        Ok(())
    }
}

fixed_statement!(CountAttempt);

impl Query for CountAttempt<'_> {
    type SqlType = Nullable<Timestamp>;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::dialect::text_of;
    use diesel::pg::Pg;
    use diesel::sqlite::Sqlite;

    /// The upsert is cached by its type, so its text must not change with its values, which
    /// are never written into it.
    #[test]
    fn the_attempt_upsert_sends_the_same_text_whatever_its_values() {
        let at = |subject, minutes: i64| {
            CountAttempt::at(
                subject,
                DateTime::from_timestamp(1_706_770_800 + minutes * 60, 0).unwrap(),
            )
        };
        let (plain, hostile) = (
            at("tanda-tangan:199004152019032004", 0),
            at("x'); DROP TABLE guess_limits; --", 99),
        );
        for (a, b) in [
            (text_of::<Pg>(&plain), text_of::<Pg>(&hostile)),
            (text_of::<Sqlite>(&plain), text_of::<Sqlite>(&hostile)),
        ] {
            assert_eq!(a, b);
            assert!(!a.contains("1990") && !a.contains("DROP"), "{a}");
        }
    }
}
