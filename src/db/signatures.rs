//! Signatures: one row per employee and pact, pointing at its log entry.

use super::schema::signatures;
use super::{Conn, DbError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use ikrar_log::nip::Nip;
use ikrar_log::values::{PactId, UnitCode};

/// A signature as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signatures)]
pub struct StoredSignature {
    pub pact_id: String,
    pub nip: String,
    pub unit_code: String,
    pub signed_at: NaiveDateTime,
    pub log_index: i64,
    /// The generation of the key that signed (1: the employee's first key).
    pub key_generation: i32,
}

/// Records a signature; a second one for the same pact and NIP breaks the primary key.
pub fn insert(
    conn: &mut Conn,
    pact_id: &PactId,
    nip: &Nip,
    unit_code: &UnitCode,
    signed_at: DateTime<Utc>,
    log_index: i64,
    key_generation: i32,
) -> Result<(), DbError> {
    diesel::insert_into(signatures::table)
        .values((
            signatures::pact_id.eq(pact_id.as_str()),
            signatures::nip.eq(nip.as_str()),
            signatures::unit_code.eq(unit_code.as_str()),
            signatures::signed_at.eq(signed_at.naive_utc()),
            signatures::log_index.eq(log_index),
            signatures::key_generation.eq(key_generation),
        ))
        .execute(conn)?;
    Ok(())
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
pub fn count_for_pact(conn: &mut Conn, pact_id: &str) -> Result<i64, DbError> {
    Ok(signatures::table
        .filter(signatures::pact_id.eq(pact_id))
        .count()
        .get_result(conn)?)
}

/// Signatures per (pact, unit at signing) among the first `size` log entries.
pub fn counts_before(conn: &mut Conn, size: i64) -> Result<Vec<(String, String, i64)>, DbError> {
    use diesel::dsl::count_star;
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
    pact_id: &str,
    units: Option<&[String]>,
) -> Result<Vec<(String, String, i64)>, DbError> {
    let mut query = signatures::table
        .filter(signatures::pact_id.eq(pact_id))
        .filter(signatures::key_generation.gt(1))
        .into_boxed();
    if let Some(units) = units {
        query = query.filter(signatures::unit_code.eq_any(units.to_vec()));
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
