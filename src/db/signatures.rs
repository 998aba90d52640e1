//! Signatures: one row per employee and pact, pointing at its log entry.

use super::counts;
use super::log_store::{Batch, EntryKind, EntryRow};
use super::schema::signatures;
use super::{guess_limits, one_trip, Conn, DbError};
use crate::domain::log_index::LogIndex;
use crate::domain::unit_scope::UnitScope;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use ikrar_log::nip::{Nip, NipKind};
use ikrar_log::values::{PactId, UnitCode};

/// A signature as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signatures)]
pub struct StoredSignature {
    pub pact_id: String,
    pub nip: String,
    pub unit_code: String,
    pub signed_at: NaiveDateTime,
    #[diesel(deserialize_as = i64)]
    pub log_index: LogIndex,
    /// The generation of the key that signed (1: the employee's first key).
    pub key_generation: i32,
}

/// A signature to append: its row, and the employee's kind for the per-unit counts.
pub struct NewSignature<'a> {
    pub pact_id: &'a PactId,
    pub nip: &'a Nip,
    pub unit_code: &'a UnitCode,
    pub signed_at: DateTime<Utc>,
    pub key_generation: i32,
    pub kind: NipKind,
}

/// What [`append`] did, with the index of the pact's log entry for the NIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The signature was appended at this index.
    New(LogIndex),
    /// The NIP had signed the pact already, at this index; nothing was written.
    Existing(LogIndex),
}

/// Appends a signature in the log's `batch`: its entry (`body`), its row (a second one for the
/// same pact and NIP breaks the primary key, should another server store it meanwhile), one
/// more in its unit's count, and the signer's failed guesses (`guesses`, their subject)
/// forgotten — unless the NIP has signed the pact already. PostgreSQL does it in one round trip
/// ([`super::one_trip`]); SQLite, in process, takes [`append_in_steps`].
pub fn append(
    conn: &mut Conn,
    batch: &mut Batch,
    new: &NewSignature,
    body: &[u8],
    guesses: &str,
) -> Result<Appended, DbError> {
    let Conn::Pg(_) = conn else {
        return append_in_steps(conn, batch, new, body, guesses);
    };
    let index = batch.next_index(conn)?;
    let entry = EntryRow::new(index, EntryKind::Signature, body, new.signed_at);
    let Conn::Pg(c) = conn else {
        // Not reached (matched above); the steps would do the same.
        return append_in_steps(conn, batch, new, body, guesses);
    };
    match one_trip::append_signature(c, new, &entry, guesses)? {
        Some(prior) => Ok(Appended::Existing(stored_index(prior)?)),
        None => Ok(Appended::New(stored_index(
            batch.written(conn, entry.leaf())?,
        )?)),
    }
}

/// [`append`] as separate statements, which every backend can run.
pub fn append_in_steps(
    conn: &mut Conn,
    batch: &mut Batch,
    new: &NewSignature,
    body: &[u8],
    guesses: &str,
) -> Result<Appended, DbError> {
    // An earlier signature is looked for first: a refusal then reads nothing of the log.
    if let Some(existing) = find(conn, new.pact_id, new.nip)? {
        return Ok(Appended::Existing(existing.log_index));
    }
    let index = batch.push(conn, EntryKind::Signature, body, new.signed_at)?;
    guess_limits::clear(conn, guesses)?;
    diesel::insert_into(signatures::table)
        .values((
            signatures::pact_id.eq(new.pact_id.as_str()),
            signatures::nip.eq(new.nip.as_str()),
            signatures::unit_code.eq(new.unit_code.as_str()),
            signatures::signed_at.eq(new.signed_at.naive_utc()),
            signatures::log_index.eq(index),
            signatures::key_generation.eq(new.key_generation),
        ))
        .execute(conn)?;
    counts::count_signature(conn, new.pact_id, new.unit_code, new.kind)?;
    Ok(Appended::New(stored_index(index)?))
}

/// A log index as the database gave it.
fn stored_index(index: i64) -> Result<LogIndex, DbError> {
    LogIndex::try_from(index).map_err(|e| DbError::Log(e.into()))
}

/// The signature of `nip` on `pact_id`, if any.
pub fn find(
    conn: &mut Conn,
    pact_id: &PactId,
    nip: &Nip,
) -> Result<Option<StoredSignature>, DbError> {
    Ok(signatures::table
        .find((pact_id.as_str(), nip.as_str()))
        .select(StoredSignature::as_select())
        .get_result(conn)
        .optional()?)
}

/// How many signatures a pact has.
pub fn count_for_pact(conn: &mut Conn, pact_id: &PactId) -> Result<i64, DbError> {
    Ok(signatures::table
        .filter(signatures::pact_id.eq(pact_id.as_str()))
        .count()
        .get_result(conn)?)
}

/// Signatures per (pact, unit at signing) among the first `size` log entries.
pub fn counts_before(
    conn: &mut Conn,
    size: LogIndex,
) -> Result<Vec<(String, String, i64)>, DbError> {
    use diesel::dsl::count_star;
    let size = size.to_row().map_err(|e| DbError::Log(e.into()))?;
    Ok(signatures::table
        .filter(signatures::log_index.lt(size))
        .group_by((signatures::pact_id, signatures::unit_code))
        .select((signatures::pact_id, signatures::unit_code, count_star()))
        .order((signatures::pact_id, signatures::unit_code))
        .load(conn)?)
}

/// Signatures of `pact_id` made with a key that replaced an earlier one, per unit: (unit,
/// NIP, log index), for auditors to follow up.
pub fn with_replaced_key(
    conn: &mut Conn,
    pact_id: &PactId,
    units: &UnitScope,
) -> Result<Vec<(String, String, i64)>, DbError> {
    let mut query = signatures::table
        .filter(signatures::pact_id.eq(pact_id.as_str().to_owned()))
        .filter(signatures::key_generation.gt(1))
        .into_boxed();
    if let Some(units) = units.codes() {
        query = query.filter(signatures::unit_code.eq_any(units));
    }
    Ok(query
        .order((signatures::unit_code, signatures::log_index))
        .select((
            signatures::unit_code,
            signatures::nip,
            signatures::log_index,
        ))
        .load(conn)?)
}
