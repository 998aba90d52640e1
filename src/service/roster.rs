//! Roster import: all rows or none (unless told to skip bad ones), names and units updated for
//! people already known (mutasi), activation codes issued to those who have none.

use crate::db::{self, counts, employees, units, Conn, DbError};
use crate::domain::activation_code;
use crate::domain::audit::AuditAction;
use crate::domain::roster::{ParsedRoster, RowError};
use chrono::{DateTime, Utc};
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

/// Imports a checked roster in one transaction. Bad rows stop the whole import unless
/// `skip_invalid` is set; a dry run does the same work and rolls it back, so its counts are exact.
/// `progress` is told how many rows have been handled.
pub fn import(
    conn: &mut Conn,
    roster: ParsedRoster,
    options: ImportOptions,
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
    let result = db::write_transaction(conn, |conn| -> Result<(), Abort> {
        units::upsert(conn, &unit_rows.into_values().collect::<Vec<_>>())?;
        for (i, row) in roster.rows.iter().enumerate() {
            let fields = employees::RosterFields {
                nip: row.nip.as_str(),
                name: &row.name,
                kind: row.kind.label(),
                jabatan: &row.jabatan,
                unit_code: &row.unit_code,
            };
            if employees::upsert(conn, &fields, now)? {
                outcome.added += 1;
            } else {
                outcome.updated += 1;
            }
            if options.issue_codes {
                let needs = employees::find(conn, row.nip.as_str())?
                    .is_some_and(|e| employees::needs_code(&e));
                if needs {
                    outcome.codes.push(issue_code(
                        conn,
                        row.nip.as_str(),
                        &row.name,
                        &row.unit_code,
                    )?);
                }
            }
            progress(i as u64 + 1);
        }
        if options.dry_run || refused {
            return Err(Abort::Rollback);
        }
        counts::rebuild(conn)?;
        Ok(())
    });
    match result {
        Ok(()) => outcome.written = true,
        Err(Abort::Rollback) => outcome.codes.clear(),
        Err(Abort::Db(e)) => return Err(e),
    }
    Ok(outcome)
}

/// Issues a new activation code to an employee, replacing any earlier unused one.
pub fn issue_code(
    conn: &mut Conn,
    nip: &str,
    name: &str,
    unit_code: &str,
) -> Result<IssuedCode, DbError> {
    let code = activation_code::generate();
    let normalized = activation_code::normalize(&code).unwrap_or_default();
    employees::set_activation_code(conn, nip, &activation_code::hash(nip, &normalized))?;
    Ok(IssuedCode {
        nip: nip.to_owned(),
        name: name.to_owned(),
        unit_code: unit_code.to_owned(),
        code,
    })
}

/// New activation codes for every employee of a unit who has not activated yet, replacing any
/// unused earlier ones, for an admin to hand out; recorded in the audit trail.
pub fn issue_unit_codes(
    conn: &mut Conn,
    unit_code: &str,
    actor: &crate::domain::audit::Actor,
    now: DateTime<Utc>,
) -> Result<Vec<IssuedCode>, DbError> {
    db::write_transaction(conn, |conn| {
        let mut issued = Vec::new();
        for (nip, name) in employees::unactivated_in_unit(conn, unit_code)? {
            issued.push(issue_code(conn, &nip, &name, unit_code)?);
        }
        let detail = format!("{unit_code}: {} kode", issued.len());
        crate::db::audit::record(conn, actor, AuditAction::CodesIssue, &detail, now)?;
        Ok(issued)
    })
}
