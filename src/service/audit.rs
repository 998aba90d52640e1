//! The audit trail as people read it: recent events on a page, all of them as CSV.

use super::App;
use crate::db::{audit, DbError};
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::csv_safe::{Cell, SafeCsv};
use crate::domain::display::local_time;
use ikrar_log::values::{format_time, now_seconds};
use std::io::Write;

pub use crate::db::audit::AuditEvent;

/// Records one action on its own (actions that change something record it in their own
/// transaction instead).
pub async fn record(
    app: &App,
    actor: Actor,
    action: AuditAction,
    detail: String,
) -> Result<(), DbError> {
    let now = now_seconds();
    app.db
        .run(move |conn| audit::record(conn, &actor, action, &detail, now))
        .await
}

/// Which events to show: of one action and/or one actor, as typed in the filter form.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor: Option<String>,
}

impl AuditFilter {
    /// The filter from the form's fields; blank fields filter nothing.
    pub fn new(action: Option<&str>, actor: Option<&str>) -> AuditFilter {
        let given = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        AuditFilter {
            action: given(action),
            actor: given(actor),
        }
    }

    /// The events, newest first, `limit` at most. An action that does not exist matches
    /// nothing.
    fn events(
        &self,
        conn: &mut crate::db::Conn,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, DbError> {
        let action = match self.action.as_deref() {
            None => None,
            Some(code) => match AuditAction::from_code(code) {
                Some(action) => Some(action),
                None => return Ok(Vec::new()),
            },
        };
        audit::list(conn, action, self.actor.as_deref(), offset, limit)
    }
}

/// The newest events that pass `filter`, `limit` at most.
pub async fn recent(
    app: &App,
    filter: AuditFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<AuditEvent>, DbError> {
    app.db
        .run(move |conn| filter.events(conn, offset, limit))
        .await
}

/// Every event that passes `filter`, as CSV (formula-safe), times local and UTC. Runs on the
/// caller's (blocking) thread.
pub fn write_csv(app: &App, filter: &AuditFilter, out: impl Write) -> Result<(), String> {
    let mut conn = app.db.conn().map_err(|e| e.to_string())?;
    let events = filter
        .events(&mut conn, 0, i64::MAX)
        .map_err(|e| e.to_string())?;
    let mut csv = SafeCsv::new(out);
    let fail = |e: csv::Error| e.to_string();
    csv.text_row([
        "waktu",
        "waktu_utc",
        "aktor",
        "aksi",
        "rincian",
        "ip",
        "user_agent",
        "jumlah",
    ])
    .map_err(fail)?;
    for e in events {
        let (local, utc, count) = (
            local_time(e.at, app.config.tz),
            format_time(e.at.and_utc()),
            e.repeat_count.to_string(),
        );
        csv.row(&[
            Cell::Text(&local),
            Cell::Text(&utc),
            Cell::Text(&e.actor),
            Cell::Text(e.action.code()),
            Cell::Text(&e.detail),
            Cell::Text(&e.ip),
            Cell::Text(&e.user_agent),
            Cell::Number(&count),
        ])
        .map_err(fail)?;
    }
    csv.flush().map_err(|e| e.to_string())
}
