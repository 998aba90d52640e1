//! Published pacts. A pact row is written with its `pact` log entry and never changes.

use super::schema::pacts;
use super::{Conn, DbError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use ikrar_log::values::{PactId, Sha256Digest};

/// A pact as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pacts)]
pub struct StoredPact {
    #[diesel(deserialize_as = String)]
    pub id: PactId,
    pub title: String,
    pub body: String,
    #[diesel(deserialize_as = String)]
    pub sha256: Sha256Digest,
    pub published_at: NaiveDateTime,
    pub opens_at: Option<NaiveDateTime>,
    pub closes_at: Option<NaiveDateTime>,
    pub log_index: i64,
}

impl StoredPact {
    /// Whether signing is allowed at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let now = now.naive_utc();
        self.opens_at.is_none_or(|t| t <= now) && self.closes_at.is_none_or(|t| now < t)
    }
}

/// A pact to store.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = pacts)]
pub struct NewPact<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub sha256: &'a str,
    pub published_at: NaiveDateTime,
    pub opens_at: Option<NaiveDateTime>,
    pub closes_at: Option<NaiveDateTime>,
    pub log_index: i64,
}

/// Stores a pact.
pub fn insert(conn: &mut Conn, pact: &NewPact) -> Result<(), DbError> {
    diesel::insert_into(pacts::table)
        .values(pact)
        .execute(conn)?;
    Ok(())
}

/// The pact with this id.
pub fn find(conn: &mut Conn, id: &PactId) -> Result<Option<StoredPact>, DbError> {
    Ok(pacts::table
        .find(id.as_str())
        .select(StoredPact::as_select())
        .get_result(conn)
        .optional()?)
}

/// Every pact, newest first.
pub fn all(conn: &mut Conn) -> Result<Vec<StoredPact>, DbError> {
    Ok(pacts::table
        .order(pacts::published_at.desc())
        .select(StoredPact::as_select())
        .load(conn)?)
}
