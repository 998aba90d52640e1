//! The export bundle: a consistent snapshot of the log for auditors, streamed in constant memory.

use super::App;
use crate::db::{audit, log_store, pacts, signatures, units, DbError};
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::log_index::LogIndex;
use ikrar_log::bundle::{self, Header, PactText, ReportRow, UnitInfo, BUNDLE_FORMAT};
use ikrar_log::merkle::EMPTY_HASH;
use ikrar_log::values::{format_time, now_seconds};
use std::io::Write;

/// Entries read per query.
const CHUNK: u64 = 10_000;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("gagal menulis bundle: {0}")]
    Io(#[from] std::io::Error),
    #[error("entri {0} di basis data bukan UTF-8")]
    NotUtf8(u64),
}

/// The header of a bundle of the log as it is now, and the number of entries it covers.
pub fn snapshot(app: &App) -> Result<(Header, LogIndex), ExportError> {
    let mut conn = app.db.conn()?;
    // One read transaction: the checkpoint, the texts and the counts describe the same log.
    crate::db::read_transaction(&mut conn, |conn| {
        let (size, checkpoint) = match log_store::head(conn)? {
            Some(head) => (
                head.size,
                crate::db::witness_states::attach(conn, head.checkpoint)?,
            ),
            None => (
                LogIndex(0),
                app.log
                    .sign_checkpoint(0, EMPTY_HASH)
                    .map_err(|e| DbError::Log(e.into()))?,
            ),
        };
        let header = Header {
            format: BUNDLE_FORMAT.to_owned(),
            origin: app.log.origin().to_owned(),
            log_key: app.log.verifier_key(),
            checkpoint,
            exported_at: format_time(now_seconds()),
            pacts: pacts::all(conn)?
                .into_iter()
                .filter(|p| LogIndex::try_from(p.log_index).is_ok_and(|i| i < size))
                .map(|p| PactText {
                    id: p.id.to_string(),
                    title: p.title,
                    body: p.body,
                })
                .collect(),
            units: units::all(conn)?
                .into_iter()
                .map(|u| UnitInfo {
                    code: u.code,
                    name: u.name,
                    instansi: u.instansi,
                })
                .collect(),
            report: signatures::counts_before(conn, size)?
                .into_iter()
                .map(|(pact, unit, signed)| ReportRow {
                    pact,
                    unit,
                    signed: u64::try_from(signed).unwrap_or(0),
                })
                .collect(),
        };
        Ok((header, size))
    })
}

/// Writes the whole bundle, recorded first in the audit trail as asked by `actor` for
/// `destination` (a file name or path); `progress` is told how many entries are written.
/// Returns the size. Runs on the caller's (blocking) thread.
pub fn write_bundle(
    app: &App,
    actor: &Actor,
    destination: &str,
    out: &mut impl Write,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportError> {
    let now = now_seconds();
    audit::record(
        &mut *app.db.conn()?,
        actor,
        AuditAction::ExportBundle,
        destination,
        now,
    )?;
    let (header, size) = snapshot(app)?;
    bundle::write_header(out, &header)?;
    let mut conn = app.db.conn()?;
    let mut start = 0;
    while start < size.get() {
        let end = (start + CHUNK).min(size.get());
        for entry in log_store::range(&mut conn, LogIndex(start), LogIndex(end))? {
            let index = entry.index.get();
            let text = std::str::from_utf8(&entry.body).map_err(|_| ExportError::NotUtf8(index))?;
            bundle::write_entry(out, index, text)?;
        }
        start = end;
        progress(end);
    }
    out.flush()?;
    Ok(size.get())
}
