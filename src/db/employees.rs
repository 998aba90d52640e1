//! Employees of the roster, their one-time activation codes and their sealed keys.

use super::dialect::{fixed_statement, per_backend};
use super::log_store::{Batch, EntryKind, EntryRow};
use super::schema::employees;
use super::{guess_limits, one_trip, Conn, DbError};
use crate::keys::{Argon2Params, SealedKey};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::serialize::ToSql;
use diesel::sql_types::{Binary, Text, Timestamp};
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
    /// When the current key was activated.
    pub activated_at: Option<NaiveDateTime>,
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

/// A new key to store for an employee (see [`activate`]).
pub struct Activation<'a> {
    pub nip: &'a Nip,
    /// The hash of the activation code given, which must still be the stored one.
    pub code_hash: &'a [u8; 32],
    pub key: &'a StoredKey,
    /// The key's log entry.
    pub body: &'a [u8],
    /// The subject of the NIP's failed guesses, forgotten once the key is stored.
    pub guesses: &'a str,
    pub now: DateTime<Utc>,
}

/// Stores a new key with its log entry in `batch`, spends the activation code and forgets the
/// NIP's failed guesses, if the code hash is still the one given (so two activations with one
/// code cannot both succeed). Returns the entry's index, or `None` when nothing was written.
/// PostgreSQL does it in one round trip ([`super::one_trip`]); SQLite, in process, takes
/// [`activate_in_steps`].
pub fn activate(
    conn: &mut Conn,
    batch: &mut Batch,
    new: &Activation,
) -> Result<Option<i64>, DbError> {
    let Conn::Pg(_) = conn else {
        return activate_in_steps(conn, batch, new);
    };
    let index = batch.next_index(conn)?;
    let entry = EntryRow::new(index, EntryKind::Key, new.body, new.now);
    let Conn::Pg(c) = conn else {
        // Not reached (matched above); the steps would do the same.
        return activate_in_steps(conn, batch, new);
    };
    match one_trip::activate(c, SpendCode::of(new), &entry, new.guesses)? {
        Some(_) => batch.written(conn, entry.leaf()).map(Some),
        None => Ok(None),
    }
}

/// [`activate`] as separate statements, which every backend can run.
pub fn activate_in_steps(
    conn: &mut Conn,
    batch: &mut Batch,
    new: &Activation,
) -> Result<Option<i64>, DbError> {
    // The index first, as on PostgreSQL: the log's lock is taken before the row is updated.
    batch.next_index(conn)?;
    let spend = SpendCode::of(new);
    if per_backend!(conn, c => spend.execute(c))? != 1 {
        return Ok(None);
    }
    guess_limits::clear(conn, new.guesses)?;
    batch
        .push(conn, EntryKind::Key, new.body, new.now)
        .map(Some)
}

/// The update that stores the key and spends the code, as fixed text (prepared once per
/// connection).
pub(super) struct SpendCode<'a> {
    new: &'a Activation<'a>,
    params: String,
    now: NaiveDateTime,
}

impl<'a> SpendCode<'a> {
    pub(super) fn of(new: &'a Activation<'a>) -> Self {
        SpendCode {
            new,
            params: new.key.sealed.params.to_string(),
            now: new.now.naive_utc(),
        }
    }

    /// Pushes the update, followed by `tail` (fixed SQL).
    pub(super) fn walk_with<'b, DB>(
        &'b self,
        mut out: AstPass<'_, 'b, DB>,
        tail: &'static str,
    ) -> QueryResult<()>
    where
        DB: Backend,
        str: ToSql<Text, DB>,
        [u8]: ToSql<Binary, DB>,
        NaiveDateTime: ToSql<Timestamp, DB>,
    {
        let (key, sealed) = (self.new.key, &self.new.key.sealed);
        out.push_sql("UPDATE employees SET activation_code_hash = NULL, public_key = ");
        out.push_bind_param::<Binary, _>(key.public_key.as_slice())?;
        out.push_sql(", sealed_seed = ");
        out.push_bind_param::<Binary, _>(sealed.ciphertext.as_slice())?;
        out.push_sql(", seal_salt = ");
        out.push_bind_param::<Binary, _>(sealed.salt.as_slice())?;
        out.push_sql(", seal_nonce = ");
        out.push_bind_param::<Binary, _>(sealed.nonce.as_slice())?;
        out.push_sql(", seal_params = ");
        out.push_bind_param::<Text, _>(self.params.as_str())?;
        out.push_sql(", activated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", key_count = key_count + 1 WHERE nip = ");
        out.push_bind_param::<Text, _>(self.new.nip.as_str())?;
        out.push_sql(" AND activation_code_hash = ");
        out.push_bind_param::<Binary, _>(self.new.code_hash.as_slice())?;
        out.push_sql(tail);
        Ok(())
    }
}

impl<DB> QueryFragment<DB> for SpendCode<'_>
where
    DB: Backend,
    str: ToSql<Text, DB>,
    [u8]: ToSql<Binary, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.walk_with(out, "")
    }
}

fixed_statement!(SpendCode);

/// Every employee of the given units: (NIP, name, unit code), for look-alike names.
pub fn names_in_units(
    conn: &mut Conn,
    units: &[&str],
) -> Result<Vec<(String, String, String)>, DbError> {
    let mut names = Vec::new();
    // A few hundred units at a time keeps under SQLite's limit of bound values.
    for chunk in units.chunks(500) {
        names.extend(
            employees::table
                .filter(employees::unit_code.eq_any(chunk))
                .select((employees::nip, employees::name, employees::unit_code))
                .load::<(String, String, String)>(conn)?,
        );
    }
    Ok(names)
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
