//! Employees of the roster, their one-time activation codes and their sealed keys.

use super::schema::employees;
use super::{Conn, DbError};
use crate::keys::{Argon2Params, SealedKey};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ikrar_log::nip::{Nip, NipKind};
use ikrar_log::values::UnitCode;

/// An employee as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = employees)]
pub struct Employee {
    #[diesel(deserialize_as = String)]
    pub nip: Nip,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub kind: NipKind,
    pub jabatan: String,
    #[diesel(deserialize_as = String)]
    pub unit_code: UnitCode,
    pub activation_code_hash: Option<Vec<u8>>,
    pub public_key: Option<Vec<u8>>,
    sealed_seed: Option<Vec<u8>>,
    seal_salt: Option<Vec<u8>>,
    seal_nonce: Option<Vec<u8>>,
    seal_params: Option<String>,
    /// How many keys the employee has had (0: not activated; 2 or more: replaced).
    pub key_count: i32,
}

/// An employee's key: the public half and the sealed seed.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub public_key: [u8; 32],
    pub sealed: SealedKey,
}

impl Employee {
    /// The employee's current key, if activated (and the stored record is whole).
    pub fn key(&self) -> Option<StoredKey> {
        Some(StoredKey {
            public_key: self.public_key.as_deref()?.try_into().ok()?,
            sealed: SealedKey {
                params: self.seal_params.as_deref()?.parse::<Argon2Params>().ok()?,
                salt: self.seal_salt.as_deref()?.try_into().ok()?,
                nonce: self.seal_nonce.as_deref()?.try_into().ok()?,
                ciphertext: self.sealed_seed.clone()?,
            },
        })
    }
}

/// A roster row to insert or update.
#[derive(Debug, Clone)]
pub struct RosterFields<'a> {
    pub nip: &'a Nip,
    pub name: &'a str,
    pub kind: NipKind,
    pub jabatan: &'a str,
    pub unit_code: &'a str,
}

/// The employee with this NIP.
pub fn find(conn: &mut Conn, nip: &Nip) -> Result<Option<Employee>, DbError> {
    Ok(employees::table
        .find(nip.as_str())
        .select(Employee::as_select())
        .get_result(conn)
        .optional()?)
}

/// Adds a new employee or updates an existing one's name, kind, jabatan and unit (mutasi).
/// Returns whether the employee was new.
pub fn upsert(conn: &mut Conn, row: &RosterFields, now: DateTime<Utc>) -> Result<bool, DbError> {
    let now = now.naive_utc();
    let updated = diesel::update(employees::table.find(row.nip.as_str()))
        .set((
            employees::name.eq(row.name),
            employees::kind.eq(row.kind.label()),
            employees::jabatan.eq(row.jabatan),
            employees::unit_code.eq(row.unit_code),
            employees::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated > 0 {
        return Ok(false);
    }
    diesel::insert_into(employees::table)
        .values((
            employees::nip.eq(row.nip.as_str()),
            employees::name.eq(row.name),
            employees::kind.eq(row.kind.label()),
            employees::jabatan.eq(row.jabatan),
            employees::unit_code.eq(row.unit_code),
            employees::created_at.eq(now),
            employees::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Whether the employee still needs a code: not activated and holding none.
pub fn needs_code(employee: &Employee) -> bool {
    employee.public_key.is_none() && employee.activation_code_hash.is_none()
}

/// Stores the hash of a newly issued activation code.
pub fn set_activation_code(conn: &mut Conn, nip: &Nip, hash: &[u8; 32]) -> Result<(), DbError> {
    diesel::update(employees::table.find(nip.as_str()))
        .set(employees::activation_code_hash.eq(Some(hash.as_slice())))
        .execute(conn)?;
    Ok(())
}

/// Stores a new key and spends the activation code, if the code hash is still the one given
/// (so two activations with one code cannot both succeed). Returns whether it was stored.
pub fn activate(
    conn: &mut Conn,
    nip: &Nip,
    code_hash: &[u8; 32],
    key: &StoredKey,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        employees::table
            .find(nip.as_str())
            .filter(employees::activation_code_hash.eq(code_hash.as_slice())),
    )
    .set((
        employees::activation_code_hash.eq(None::<Vec<u8>>),
        employees::public_key.eq(Some(key.public_key.as_slice())),
        employees::sealed_seed.eq(Some(key.sealed.ciphertext.as_slice())),
        employees::seal_salt.eq(Some(key.sealed.salt.as_slice())),
        employees::seal_nonce.eq(Some(key.sealed.nonce.as_slice())),
        employees::seal_params.eq(Some(key.sealed.params.to_string())),
        employees::activated_at.eq(Some(now.naive_utc())),
        employees::updated_at.eq(now.naive_utc()),
        employees::key_count.eq(employees::key_count + 1),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// How many employees the roster holds.
pub fn count(conn: &mut Conn) -> Result<i64, DbError> {
    Ok(employees::table.count().get_result(conn)?)
}

/// An employee who has no key yet.
#[derive(Debug, Clone, Queryable)]
pub struct Unactivated {
    #[diesel(deserialize_as = String)]
    pub nip: Nip,
    pub name: String,
}

/// The employees of a unit who have no key yet, by NIP.
/// Of a unit's employees who have not activated: how many, and how many hold an unused code.
pub fn unactivated_count(conn: &mut Conn, unit_code: &str) -> Result<(i64, i64), DbError> {
    let waiting = employees::table
        .filter(employees::unit_code.eq(unit_code))
        .filter(employees::public_key.is_null());
    let all = waiting.count().get_result(conn)?;
    let holding = waiting
        .filter(employees::activation_code_hash.is_not_null())
        .count()
        .get_result(conn)?;
    Ok((all, holding))
}

pub fn unactivated_in_unit(conn: &mut Conn, unit_code: &str) -> Result<Vec<Unactivated>, DbError> {
    Ok(employees::table
        .filter(employees::unit_code.eq(unit_code))
        .filter(employees::public_key.is_null())
        .order(employees::nip)
        .select((employees::nip, employees::name))
        .load(conn)?)
}
