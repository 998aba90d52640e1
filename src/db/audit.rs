//! The audit trail: appended to, listed and exported; never edited through the app.

use super::schema::audit_events;
use super::{Conn, DbError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// One admin action.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub ip: String,
    pub user_agent: String,
    /// How many times it happened (more than one only for repeated events).
    pub repeat_count: i64,
}

/// Who did something, from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub name: String,
    pub ip: String,
    pub user_agent: String,
}

impl Actor {
    /// Someone at the server's command line, named by the OS user.
    pub fn command_line(command: &str) -> Actor {
        Actor {
            name: format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "?".into())
            ),
            ip: "-".into(),
            user_agent: command.to_owned(),
        }
    }
}

/// Records an action.
pub fn record(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    insert(conn, actor, action, detail, None, now)
}

/// Records an event that may repeat many times (attempts at a locked account): the first time
/// as a row, every later time with the same `key` as one more in that row's count, so that a
/// flood of attempts costs the trail one row.
pub fn record_repeated(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    detail: &str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    insert(conn, actor, action, detail, Some(key), now)
}

/// Appends a row, or counts one more for the row with the same `key` (rows without a key are
/// never merged: NULLs are distinct in a unique index).
fn insert(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    detail: &str,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    use super::dialect::per_backend;
    let row = (
        audit_events::at.eq(now.naive_utc()),
        audit_events::actor.eq(&actor.name),
        audit_events::action.eq(action),
        audit_events::detail.eq(detail),
        audit_events::ip.eq(&actor.ip),
        audit_events::user_agent.eq(&actor.user_agent),
        audit_events::dedupe_key.eq(key),
    );
    per_backend!(conn, c => diesel::insert_into(audit_events::table)
        .values(row)
        .on_conflict(audit_events::dedupe_key)
        .do_update()
        .set(audit_events::repeat_count.eq(audit_events::repeat_count + 1))
        .execute(c))?;
    Ok(())
}

/// Events, newest first, optionally of one action and/or one actor; `limit` at most.
pub fn list(
    conn: &mut Conn,
    action: Option<&str>,
    actor: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEvent>, DbError> {
    let mut query = audit_events::table.into_boxed();
    if let Some(action) = action {
        query = query.filter(audit_events::action.eq(action.to_owned()));
    }
    if let Some(actor) = actor {
        query = query.filter(audit_events::actor.eq(actor.to_owned()));
    }
    Ok(query
        .order(audit_events::id.desc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)?)
}
