//! Requests for a new activation code for an employee who has activated: opened by one admin
//! with a reason, decided by a different superadmin.

use super::schema::{employees, reset_requests};
use super::{Conn, DbError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use ikrar_log::nip::Nip;

/// A request as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reset_requests)]
pub struct ResetRequest {
    pub id: i64,
    #[diesel(deserialize_as = String)]
    pub nip: Nip,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub approved: Option<bool>,
}

/// Opens a request; a second open one for the same NIP breaks a unique index.
pub fn open(
    conn: &mut Conn,
    nip: &Nip,
    reason: &str,
    requested_by: &str,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(reset_requests::table)
        .values((
            reset_requests::nip.eq(nip.as_str()),
            reset_requests::reason.eq(reason),
            reset_requests::requested_by.eq(requested_by),
            reset_requests::requested_at.eq(now.naive_utc()),
        ))
        .returning(reset_requests::id)
        .get_result(conn)?)
}

/// A request by id.
pub fn find(conn: &mut Conn, id: i64) -> Result<Option<ResetRequest>, DbError> {
    Ok(reset_requests::table
        .find(id)
        .select(ResetRequest::as_select())
        .get_result(conn)
        .optional()?)
}

/// Open requests, oldest first, with the employee's name and unit.
pub fn pending(conn: &mut Conn) -> Result<Vec<(ResetRequest, String, String)>, DbError> {
    Ok(reset_requests::table
        .inner_join(employees::table.on(employees::nip.eq(reset_requests::nip)))
        .filter(reset_requests::decided_at.is_null())
        .order(reset_requests::id)
        .select((
            ResetRequest::as_select(),
            employees::name,
            employees::unit_code,
        ))
        .load(conn)?)
}

/// Decides an open request; `false` if it was decided already.
pub fn decide(
    conn: &mut Conn,
    id: i64,
    decided_by: &str,
    approved: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        reset_requests::table
            .find(id)
            .filter(reset_requests::decided_at.is_null()),
    )
    .set((
        reset_requests::decided_by.eq(decided_by),
        reset_requests::decided_at.eq(now.naive_utc()),
        reset_requests::approved.eq(approved),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}
