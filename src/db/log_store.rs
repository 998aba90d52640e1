//! The append-only log table: entry n is leaf n, stored with its leaf hash in the same
//! transaction as the row it describes.

use super::schema::log_entries;
use super::{Conn, DbError};
use chrono::{DateTime, Utc};
use diesel::dsl::max;
use diesel::prelude::*;

/// The kinds of entry, as stored in the `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Pact,
    Key,
    Signature,
}

impl EntryKind {
    fn as_str(self) -> &'static str {
        match self {
            EntryKind::Pact => "pact",
            EntryKind::Key => "key",
            EntryKind::Signature => "signature",
        }
    }
}

/// One stored entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = log_entries)]
pub struct StoredEntry {
    #[diesel(column_name = idx)]
    pub index: i64,
    pub kind: String,
    pub body: Vec<u8>,
    pub leaf_hash: Vec<u8>,
}

/// Appends an entry at the end of the log and returns its index. Call it inside a
/// [`super::write_transaction`]: the transaction's write lock is what makes appends one at a time
/// and the indexes gap-free.
pub fn append(
    conn: &mut Conn,
    kind: EntryKind,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let last: Option<i64> = log_entries::table
        .select(max(log_entries::idx))
        .first(conn)?;
    let index = last.map_or(0, |n| n + 1);
    diesel::insert_into(log_entries::table)
        .values((
            log_entries::idx.eq(index),
            log_entries::kind.eq(kind.as_str()),
            log_entries::body.eq(body),
            log_entries::leaf_hash.eq(crate::log::leaf_hash(body).as_slice()),
            log_entries::appended_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(index)
}

/// The entry at `index`, if the log is that long.
pub fn get(conn: &mut Conn, index: i64) -> Result<Option<StoredEntry>, DbError> {
    Ok(log_entries::table
        .find(index)
        .select(StoredEntry::as_select())
        .first(conn)
        .optional()?)
}

/// How many entries the log holds.
pub fn size(conn: &mut Conn) -> Result<i64, DbError> {
    Ok(log_entries::table.count().get_result(conn)?)
}
