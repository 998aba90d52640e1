//! Roster files uploaded through the web, kept from their preview until imported (one day at
//! most).

use super::schema::roster_uploads;
use super::{Conn, DbError};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

/// Keeps an upload under a random id.
pub fn store(
    conn: &mut Conn,
    id: &str,
    admin_id: i64,
    file_name: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::delete(
        roster_uploads::table
            .filter(roster_uploads::created_at.lt((now - Duration::days(1)).naive_utc())),
    )
    .execute(conn)?;
    diesel::insert_into(roster_uploads::table)
        .values((
            roster_uploads::id.eq(id),
            roster_uploads::admin_id.eq(admin_id),
            roster_uploads::file_name.eq(file_name),
            roster_uploads::body.eq(body),
            roster_uploads::created_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The file name and content of an upload made by `admin_id`.
pub fn find(
    conn: &mut Conn,
    id: &str,
    admin_id: i64,
) -> Result<Option<(String, Vec<u8>)>, DbError> {
    Ok(roster_uploads::table
        .find(id)
        .filter(roster_uploads::admin_id.eq(admin_id))
        .select((roster_uploads::file_name, roster_uploads::body))
        .get_result(conn)
        .optional()?)
}

/// Forgets an upload once imported.
pub fn delete(conn: &mut Conn, id: &str) -> Result<(), DbError> {
    diesel::delete(roster_uploads::table.find(id)).execute(conn)?;
    Ok(())
}
