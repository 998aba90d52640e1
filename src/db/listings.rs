//! Employee lists with their signing status, for the dashboard's unit pages and the reports:
//! paged by NIP, and the signatures of a NIP range to merge with them.

use super::schema::{employees, signatures};
use super::{Conn, DbError};
use crate::domain::unit_scope::UnitScope;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use ikrar_log::nip::NipKind;
use ikrar_log::values::PactId;

diesel::define_sql_function! {
    /// SQL `lower()`.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// An employee with their status on one pact.
#[derive(Debug, Clone, Queryable)]
pub struct EmployeeStatus {
    pub employee: EmployeeRow,
    pub signed_at: Option<NaiveDateTime>,
    pub log_index: Option<i64>,
}

/// Which employees to list.
#[derive(Debug, Clone)]
pub struct EmployeeFilter {
    /// The units listed.
    pub units: UnitScope,
    /// NIP prefix or part of the name.
    pub search: Option<String>,
}

/// Employees matching `filter` with their status on `pact_id`, ordered by NIP; at most `limit`
/// from `offset`.
pub fn employees_with_status(
    conn: &mut Conn,
    pact_id: &PactId,
    filter: &EmployeeFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<EmployeeStatus>, DbError> {
    let mut query = employees::table
        .left_join(
            signatures::table.on(signatures::nip
                .eq(employees::nip)
                .and(signatures::pact_id.eq(pact_id.as_str().to_owned()))),
        )
        .select((
            employee_columns(),
            signatures::signed_at.nullable(),
            signatures::log_index.nullable(),
        ))
        .into_boxed();
    if let Some(units) = filter.units.codes() {
        query = query.filter(employees::unit_code.eq_any(units));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let digits: String = search.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            query = query.filter(employees::nip.like(format!("{digits}%")));
        } else {
            let escaped = search
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
            query = query.filter(
                lower(employees::name)
                    .like(lower(format!("%{escaped}%")))
                    .escape('\\'),
            );
        }
    }
    Ok(query
        .order(employees::nip)
        .offset(offset)
        .limit(limit)
        .load(conn)?)
}

/// The columns of an [`EmployeeRow`].
type EmployeeColumns = (
    employees::nip,
    employees::name,
    employees::kind,
    employees::jabatan,
    employees::unit_code,
    diesel::dsl::IsNotNull<employees::activated_at>,
);

fn employee_columns() -> EmployeeColumns {
    (
        employees::nip,
        employees::name,
        employees::kind,
        employees::jabatan,
        employees::unit_code,
        employees::activated_at.is_not_null(),
    )
}

/// An employee as reports list them.
#[derive(Debug, Clone, Queryable)]
pub struct EmployeeRow {
    pub nip: String,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub kind: NipKind,
    pub jabatan: String,
    pub unit_code: String,
    pub activated: bool,
}

/// Up to `limit` employees after NIP `after` (from the start if `None`), in `units`,
/// by NIP: one range scan of the primary key.
pub fn employees_after(
    conn: &mut Conn,
    units: &UnitScope,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<EmployeeRow>, DbError> {
    let mut query = employees::table.select(employee_columns()).into_boxed();
    if let Some(units) = units.codes() {
        query = query.filter(employees::unit_code.eq_any(units));
    }
    if let Some(after) = after {
        query = query.filter(employees::nip.gt(after.to_owned()));
    }
    Ok(query.order(employees::nip).limit(limit).load(conn)?)
}

/// A signature as reports show it: NIP, signing time (UTC), log index.
pub type SignatureRow = (String, NaiveDateTime, i64);

/// The signatures of `pact_id` by NIPs from `first` to `last`, by NIP: one range scan of the
/// primary key, to merge with [`employees_after`] instead of probing once per employee.
pub fn signatures_between(
    conn: &mut Conn,
    pact_id: &PactId,
    first: &str,
    last: &str,
) -> Result<Vec<SignatureRow>, DbError> {
    Ok(signatures::table
        .filter(signatures::pact_id.eq(pact_id.as_str()))
        .filter(signatures::nip.between(first, last))
        .order(signatures::nip)
        .select((
            signatures::nip,
            signatures::signed_at,
            signatures::log_index,
        ))
        .load(conn)?)
}
