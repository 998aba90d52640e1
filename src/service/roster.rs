//! Roster import: all rows or none (unless told to skip bad ones), names and units updated for
//! people already known (mutasi), activation codes issued to those who have none; an upload
//! checked and kept until an admin confirms it; activation codes per unit and their file.

use super::App;
use crate::db::{
    self, audit, code_batches, counts, employees, roster_uploads, units, Conn, DbError,
};
use crate::domain::activation_code;
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::csv_safe::SafeCsv;
use crate::domain::file_format::FileFormat;
use crate::domain::lookalike::{lookalikes, Lookalike, NamedPerson};
use crate::domain::roster::{self, ParsedRoster, RosterFileError, RowError};
use chrono::{DateTime, Utc};
use ikrar_log::nip::Nip;
use ikrar_log::values::now_seconds;
use rand_core::{OsRng, RngCore};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Check and count, write nothing.
    pub dry_run: bool,
    /// Import the good rows even when some are bad.
    pub skip_invalid: bool,
    /// Issue activation codes to employees who have none (only when the codes can be handed
    /// out: they are stored as hashes and cannot be shown again).
    pub issue_codes: bool,
}

/// A code issued to an employee, to be handed out once.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub nip: String,
    pub name: String,
    pub unit_code: String,
    pub code: Zeroizing<String>,
}

/// What an import did (or, in a dry run or a refused import, would have done).
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    pub total_rows: usize,
    pub valid_rows: usize,
    pub errors: Vec<RowError>,
    pub added: usize,
    pub updated: usize,
    pub units: usize,
    pub codes: Vec<IssuedCode>,
    /// Rows whose name looks like another employee's in the same unit (a warning: they are
    /// imported all the same).
    pub lookalikes: Vec<Lookalike>,
    /// Whether anything was written.
    pub written: bool,
}

#[derive(Debug, thiserror::Error)]
enum Abort {
    #[error("rollback")]
    Rollback,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Who imports which file: recorded in the audit trail in the import's own transaction.
#[derive(Debug, Clone)]
pub struct ImportSource {
    pub actor: Actor,
    pub file_name: String,
}

/// Imports a checked roster in one transaction, with its audit record. Bad rows stop the whole
/// import unless `skip_invalid` is set; a dry run does the same work and rolls it back, so its
/// counts are exact. `progress` is told how many rows have been handled.
pub async fn import(
    app: &App,
    roster: ParsedRoster,
    options: ImportOptions,
    source: ImportSource,
    mut progress: impl FnMut(u64) + Send + 'static,
) -> Result<ImportOutcome, DbError> {
    app.db
        .run(move |conn| import_in(conn, roster, options, &source, now_seconds(), &mut progress))
        .await
}

pub(super) fn import_in(
    conn: &mut Conn,
    roster: ParsedRoster,
    options: ImportOptions,
    source: &ImportSource,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportOutcome, DbError> {
    let mut outcome = ImportOutcome {
        total_rows: roster.total(),
        valid_rows: roster.rows.len(),
        errors: roster.errors,
        ..ImportOutcome::default()
    };
    let refused = !outcome.errors.is_empty() && !options.skip_invalid;
    let unit_rows: BTreeMap<&str, units::Unit> = roster
        .rows
        .iter()
        .map(|r| {
            let unit = units::Unit {
                code: r.unit_code.clone(),
                name: r.unit_name.clone(),
                instansi: r.instansi.clone(),
            };
            (r.unit_code.as_str(), unit)
        })
        .collect();
    outcome.units = unit_rows.len();
    outcome.lookalikes = lookalikes_in(conn, &roster.rows)?;
    let result = db::write_transaction(conn, |conn| -> Result<(), Abort> {
        units::upsert(conn, &unit_rows.into_values().collect::<Vec<_>>())?;
        for (i, row) in roster.rows.iter().enumerate() {
            let fields = employees::RosterFields {
                nip: &row.nip,
                name: &row.name,
                kind: row.kind,
                jabatan: &row.jabatan,
                unit_code: &row.unit_code,
            };
            if employees::upsert(conn, &fields, now)? {
                outcome.added += 1;
            } else {
                outcome.updated += 1;
            }
            if options.issue_codes {
                let needs =
                    employees::find(conn, &row.nip)?.is_some_and(|e| employees::needs_code(&e));
                if needs {
                    outcome
                        .codes
                        .push(issue_code(conn, &row.nip, &row.name, &row.unit_code)?);
                }
            }
            progress(i as u64 + 1);
        }
        if options.dry_run || refused {
            return Err(Abort::Rollback);
        }
        counts::rebuild(conn)?;
        let detail = format!(
            "{}: {} baru, {} diperbarui, {} baris dilewati, {} kode",
            source.file_name,
            outcome.added,
            outcome.updated,
            outcome.total_rows - outcome.valid_rows,
            outcome.codes.len()
        );
        audit::record(conn, &source.actor, AuditAction::RosterImport, &detail, now)?;
        Ok(())
    });
    match result {
        Ok(()) => outcome.written = true,
        Err(Abort::Rollback) => outcome.codes.clear(),
        Err(Abort::Db(e)) => return Err(e),
    }
    Ok(outcome)
}

/// The file's rows whose names look like another employee's in the same unit, in the file or
/// already on the roster.
fn lookalikes_in(conn: &mut Conn, rows: &[roster::RosterRow]) -> Result<Vec<Lookalike>, DbError> {
    let units: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.unit_code.as_str()).collect();
    let units: Vec<&str> = units.into_iter().collect();
    let stored = employees::names_in_units(conn, &units)?
        .into_iter()
        .map(|(nip, name, unit)| NamedPerson {
            line: None,
            nip,
            name,
            unit,
        })
        .collect();
    let incoming: Vec<NamedPerson> = rows
        .iter()
        .map(|r| NamedPerson {
            line: Some(r.line),
            nip: r.nip.to_string(),
            name: r.name.clone(),
            unit: r.unit_code.clone(),
        })
        .collect();
    Ok(lookalikes(stored, &incoming))
}

/// An upload checked: the id under which it waits for confirmation, and what importing it would
/// do.
pub struct CheckedUpload {
    pub upload_id: String,
    pub outcome: ImportOutcome,
}

/// Checks an uploaded roster (a dry run) and keeps it for `admin_id` to confirm. Parsing runs on
/// a thread of its own, bounded in time and memory by the reader, holding no connection.
pub async fn check_upload(
    app: &App,
    admin_id: i64,
    file_name: String,
    body: Vec<u8>,
) -> Result<Result<CheckedUpload, RosterFileError>, DbError> {
    let today = app.config.today();
    let (parsed, body) =
        tokio::task::spawn_blocking(move || (roster::parse_any(&body, today), body))
            .await
            .map_err(DbError::TaskFailed)?;
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return Ok(Err(e)),
    };
    let mut id_bytes = [0u8; 16];
    OsRng.fill_bytes(&mut id_bytes);
    let upload_id = hex::encode(id_bytes);
    app.db
        .run(move |conn| {
            let options = ImportOptions {
                dry_run: true,
                ..ImportOptions::default()
            };
            let source = ImportSource {
                actor: Actor::default(),
                file_name: file_name.clone(),
            };
            let now = now_seconds();
            let outcome = import_in(conn, parsed, options, &source, now, &mut |_| {})?;
            roster_uploads::store(conn, &upload_id, admin_id, &file_name, &body, now)?;
            Ok(Ok(CheckedUpload { upload_id, outcome }))
        })
        .await
}

/// Imports an upload `admin_id` checked before; it is gone once imported. `None` if there is no
/// such upload of theirs.
pub async fn import_upload(
    app: &App,
    upload_id: String,
    admin_id: i64,
    skip_invalid: bool,
    actor: Actor,
) -> Result<Option<(String, ImportOutcome)>, DbError> {
    let today = app.config.today();
    app.db
        .run(move |conn| {
            let Some((file_name, body)) = roster_uploads::find(conn, &upload_id, admin_id)? else {
                return Ok(None);
            };
            let Ok(parsed) = roster::parse_any(&body, today) else {
                return Ok(None);
            };
            let options = ImportOptions {
                skip_invalid,
                ..ImportOptions::default()
            };
            let source = ImportSource {
                actor,
                file_name: file_name.clone(),
            };
            let outcome = import_in(conn, parsed, options, &source, now_seconds(), &mut |_| {})?;
            if outcome.written {
                roster_uploads::delete(conn, &upload_id)?;
            }
            Ok(Some((file_name, outcome)))
        })
        .await
}

/// Issues a new activation code to an employee, replacing any earlier unused one.
pub(super) fn issue_code(
    conn: &mut Conn,
    nip: &Nip,
    name: &str,
    unit_code: &str,
) -> Result<IssuedCode, DbError> {
    let code = activation_code::generate();
    let normalized = activation_code::normalize(&code).unwrap_or_default();
    let hash = activation_code::hash(nip.as_str(), &normalized);
    employees::set_activation_code(conn, nip, &hash)?;
    Ok(IssuedCode {
        nip: nip.to_string(),
        name: name.to_owned(),
        unit_code: unit_code.to_owned(),
        code,
    })
}

/// What "new codes for this unit" would do: how many employees get a code, and how many codes
/// handed out earlier would stop working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodePlan {
    pub unactivated: i64,
    pub replaced: i64,
}

/// The [`CodePlan`] of a unit, for the admin to confirm.
pub async fn unit_code_plan(app: &App, unit_code: String) -> Result<CodePlan, DbError> {
    app.db
        .run(move |conn| {
            let (unactivated, replaced) = employees::unactivated_count(conn, &unit_code)?;
            Ok(CodePlan {
                unactivated,
                replaced,
            })
        })
        .await
}

/// A fresh id for a batch of codes, carried by the confirmation page.
pub fn new_batch_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Whether `id` has the form [`new_batch_id`] gives.
pub fn is_batch_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Why a unit's codes were not made.
#[derive(Debug)]
pub enum BatchRefusal {
    /// This confirmation's batch was made already (a second tap, a reload): the file handed out
    /// then is still good.
    AlreadyMade(code_batches::CodeBatch),
    Db(DbError),
}

impl From<DbError> for BatchRefusal {
    fn from(e: DbError) -> Self {
        BatchRefusal::Db(e)
    }
}

/// New activation codes for every employee of a unit who has not activated yet, replacing any
/// unused earlier ones, for an admin to hand out; made once per batch id (the confirmation's),
/// and recorded in the audit trail.
pub async fn issue_unit_codes(
    app: &App,
    unit_code: String,
    batch: String,
    actor: Actor,
) -> Result<Vec<IssuedCode>, BatchRefusal> {
    let now = now_seconds();
    let lookup = batch.clone();
    let made = app
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                if let Some(made) = code_batches::find(conn, &batch)? {
                    return Err(BatchRefusal::AlreadyMade(made));
                }
                let mut issued = Vec::new();
                for employee in employees::unactivated_in_unit(conn, &unit_code)? {
                    let (nip, name) = (&employee.nip, &employee.name);
                    issued.push(issue_code(conn, nip, name, &unit_code)?);
                }
                code_batches::record(conn, &batch, &unit_code, &actor.name, issued.len(), now)?;
                let detail = format!("{unit_code}: {} kode", issued.len());
                audit::record(conn, &actor, AuditAction::CodesIssue, &detail, now)?;
                Ok(issued)
            })
        })
        .await;
    match made {
        // A simultaneous tap made this batch first: the same answer as a later one.
        Err(BatchRefusal::Db(e)) if e.is_unique_violation() => {
            let found = app
                .db
                .run(move |conn| code_batches::find(conn, &lookup))
                .await?;
            Err(found.map_or(BatchRefusal::Db(e), BatchRefusal::AlreadyMade))
        }
        other => other,
    }
}

const CODES_HEADER: [&str; 4] = ["nip", "kode_aktivasi", "nama", "unit_kode"];

/// Writes activation codes as a file: `nip,kode_aktivasi,nama,unit_kode`, every cell text.
pub fn write_codes(
    codes: &[IssuedCode],
    format: FileFormat,
    out: impl std::io::Write + Send,
) -> Result<(), String> {
    let rows = codes.iter().map(|c| {
        [
            c.nip.as_str(),
            c.code.as_str(),
            c.name.as_str(),
            c.unit_code.as_str(),
        ]
    });
    match format {
        FileFormat::Xlsx => codes_xlsx(rows, out).map_err(|e| e.to_string()),
        FileFormat::Csv => {
            let mut csv = SafeCsv::new(out);
            csv.text_row(CODES_HEADER).map_err(|e| e.to_string())?;
            for row in rows {
                csv.text_row(row).map_err(|e| e.to_string())?;
            }
            csv.flush().map_err(|e| e.to_string())
        }
    }
}

fn codes_xlsx<'a>(
    rows: impl Iterator<Item = [&'a str; 4]>,
    out: impl std::io::Write + Send,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Kode aktivasi")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, name) in CODES_HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &bold)?;
    }
    for (r, row) in rows.enumerate() {
        for (col, value) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, col as u16, *value)?;
        }
    }
    for (col, width) in [20.0, 18.0, 30.0, 16.0].iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_writer(out)
}
