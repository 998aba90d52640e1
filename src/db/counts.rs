//! The per-unit counters the dashboard and reports read: kept with each signature and rebuilt
//! after each import. The employee lists are in `listings`.

use super::dialect::per_backend;
use super::schema::{roster_counts, signed_counts};
use super::{Conn, DbError};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::upsert::excluded;
use ikrar_log::nip::NipKind;

/// Recomputes every counter from the tables (after an import: new people, mutasi).
pub fn rebuild(conn: &mut Conn) -> Result<(), DbError> {
    conn.batch_execute(
        "DELETE FROM roster_counts;
         INSERT INTO roster_counts (unit_code, kind, total)
         SELECT unit_code, kind, COUNT(*) FROM employees GROUP BY unit_code, kind;
         DELETE FROM signed_counts;
         INSERT INTO signed_counts (pact_id, unit_code, kind, signed)
         SELECT s.pact_id, e.unit_code, e.kind, COUNT(*)
         FROM signatures s JOIN employees e ON e.nip = s.nip
         GROUP BY s.pact_id, e.unit_code, e.kind;",
    )?;
    Ok(())
}

/// Counts one more signature of `pact_id` for an employee of `unit_code` and `kind`.
pub fn count_signature(
    conn: &mut Conn,
    pact_id: &str,
    unit_code: &str,
    kind: NipKind,
) -> Result<(), DbError> {
    per_backend!(conn, c => diesel::insert_into(signed_counts::table)
        .values((
            signed_counts::pact_id.eq(pact_id),
            signed_counts::unit_code.eq(unit_code),
            signed_counts::kind.eq(kind.label()),
            signed_counts::signed.eq(1i64),
        ))
        .on_conflict((
            signed_counts::pact_id,
            signed_counts::unit_code,
            signed_counts::kind,
        ))
        .do_update()
        .set(signed_counts::signed.eq(signed_counts::signed + excluded(signed_counts::signed)))
        .execute(c))?;
    Ok(())
}

/// Employees per (unit, kind).
pub fn roster(conn: &mut Conn) -> Result<Vec<(String, String, i64)>, DbError> {
    Ok(roster_counts::table
        .select((
            roster_counts::unit_code,
            roster_counts::kind,
            roster_counts::total,
        ))
        .load(conn)?)
}

/// Signatures of a pact per (unit, kind).
pub fn signed(conn: &mut Conn, pact_id: &str) -> Result<Vec<(String, String, i64)>, DbError> {
    Ok(signed_counts::table
        .filter(signed_counts::pact_id.eq(pact_id))
        .select((
            signed_counts::unit_code,
            signed_counts::kind,
            signed_counts::signed,
        ))
        .load(conn)?)
}
