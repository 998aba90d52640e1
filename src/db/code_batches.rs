//! Batches of a unit's activation codes, one per confirmation: a form sent again finds its
//! batch instead of making another.

use super::schema::code_batches;
use super::{Conn, DbError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// A batch already made.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = code_batches)]
pub struct CodeBatch {
    pub unit_code: String,
    pub made_by: String,
    pub made_at: NaiveDateTime,
    pub codes: i32,
}

/// The batch with this id, if it was made.
pub fn find(conn: &mut Conn, id: &str) -> Result<Option<CodeBatch>, DbError> {
    Ok(code_batches::table
        .find(id)
        .select(CodeBatch::as_select())
        .get_result(conn)
        .optional()?)
}

/// Records batch `id` (in the transaction that issues its codes); a second one with the same id
/// breaks the primary key.
pub fn record(
    conn: &mut Conn,
    id: &str,
    unit_code: &str,
    made_by: &str,
    codes: usize,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(code_batches::table)
        .values((
            code_batches::id.eq(id),
            code_batches::unit_code.eq(unit_code),
            code_batches::made_by.eq(made_by),
            code_batches::made_at.eq(now.naive_utc()),
            code_batches::codes.eq(i32::try_from(codes).unwrap_or(i32::MAX)),
        ))
        .execute(conn)?;
    Ok(())
}
