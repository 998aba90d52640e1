//! Unit kerja (OPD) and the instansi they belong to.

use super::dialect::per_backend;
use super::schema::units;
use super::{Conn, DbError};
use diesel::prelude::*;
use diesel::upsert::excluded;

/// A unit as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = units)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub instansi: String,
}

/// Inserts units or updates their names.
pub fn upsert(conn: &mut Conn, rows: &[Unit]) -> Result<(), DbError> {
    for row in rows {
        per_backend!(conn, c => diesel::insert_into(units::table)
            .values(row)
            .on_conflict(units::code)
            .do_update()
            .set((
                units::name.eq(excluded(units::name)),
                units::instansi.eq(excluded(units::instansi)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// The unit with this code.
pub fn find(conn: &mut Conn, code: &str) -> Result<Option<Unit>, DbError> {
    Ok(units::table
        .find(code)
        .select(Unit::as_select())
        .get_result(conn)
        .optional()?)
}

/// Every unit, by code.
pub fn all(conn: &mut Conn) -> Result<Vec<Unit>, DbError> {
    Ok(units::table
        .order(units::code)
        .select(Unit::as_select())
        .load(conn)?)
}
