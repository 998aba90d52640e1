//! Deployment secrets kept in the database, so every app server shares them.

use super::schema::secrets;
use super::{Conn, DbError};
use diesel::prelude::*;

/// The secret called `name`, created from `make` the first time it is asked for.
pub fn get_or_create(
    conn: &mut Conn,
    name: &str,
    make: impl FnOnce() -> Vec<u8>,
) -> Result<Vec<u8>, DbError> {
    super::write_transaction(conn, |conn| {
        let existing: Option<Vec<u8>> = secrets::table
            .find(name)
            .select(secrets::value)
            .get_result(conn)
            .optional()?;
        if let Some(value) = existing {
            return Ok(value);
        }
        let value = make();
        diesel::insert_into(secrets::table)
            .values((secrets::name.eq(name), secrets::value.eq(&value)))
            .execute(conn)?;
        Ok(value)
    })
}
