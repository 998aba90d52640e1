//! The audit trail: appended to, listed and exported; never edited through the app.

use super::schema::audit_events;
use super::{Conn, DbError};
use crate::domain::audit::{Actor, AuditAction};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// One admin action.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    #[diesel(deserialize_as = String)]
    pub action: AuditAction,
    pub detail: String,
    pub ip: String,
    pub user_agent: String,
    /// How many times it happened (more than one only for repeated events).
    pub repeat_count: i64,
}

/// Records an action.
pub fn record(
    conn: &mut Conn,
    actor: &Actor,
    action: AuditAction,
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
    action: AuditAction,
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
    action: AuditAction,
    detail: &str,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    use super::dialect::per_backend;
    let row = (
        audit_events::at.eq(now.naive_utc()),
        audit_events::actor.eq(&actor.name),
        audit_events::action.eq(action.code()),
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
    action: Option<AuditAction>,
    actor: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Vec<AuditEvent>, DbError> {
    let mut query = audit_events::table.into_boxed();
    if let Some(action) = action {
        query = query.filter(audit_events::action.eq(action.code()));
    }
    if let Some(actor) = actor {
        query = query.filter(audit_events::actor.eq(actor.to_owned()));
    }
    Ok(query
        .order(audit_events::id.desc())
        .offset(offset)
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)?)
}
