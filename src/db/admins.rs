//! Admin accounts, the units a unit-admin may see, and their signed-in sessions.

use super::schema::{admin_sessions, admin_units, admins};
use super::{Conn, DbError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// An admin account as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = admins)]
pub struct Admin {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
}

/// Creates an account; the username must be new.
pub fn create(
    conn: &mut Conn,
    username: &str,
    password_hash: &str,
    role: &str,
    units: &[String],
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let id: i64 = diesel::insert_into(admins::table)
        .values((
            admins::username.eq(username),
            admins::password_hash.eq(password_hash),
            admins::role.eq(role),
            admins::created_at.eq(now.naive_utc()),
        ))
        .returning(admins::id)
        .get_result(conn)?;
    for unit in units {
        diesel::insert_into(admin_units::table)
            .values((
                admin_units::admin_id.eq(id),
                admin_units::unit_code.eq(unit),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// The account with this username.
pub fn find_by_username(conn: &mut Conn, username: &str) -> Result<Option<Admin>, DbError> {
    Ok(admins::table
        .filter(admins::username.eq(username))
        .select(Admin::as_select())
        .first(conn)
        .optional()?)
}

/// Every account, by username.
pub fn all(conn: &mut Conn) -> Result<Vec<Admin>, DbError> {
    Ok(admins::table
        .order(admins::username)
        .select(Admin::as_select())
        .load(conn)?)
}

/// The units a unit-admin may see.
pub fn units_of(conn: &mut Conn, admin_id: i64) -> Result<Vec<String>, DbError> {
    Ok(admin_units::table
        .filter(admin_units::admin_id.eq(admin_id))
        .order(admin_units::unit_code)
        .select(admin_units::unit_code)
        .load(conn)?)
}

/// Disables an account and ends its sessions.
pub fn disable(conn: &mut Conn, admin_id: i64, now: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(admins::table.find(admin_id))
        .set(admins::disabled_at.eq(Some(now.naive_utc())))
        .execute(conn)?;
    diesel::delete(admin_sessions::table.filter(admin_sessions::admin_id.eq(admin_id)))
        .execute(conn)?;
    Ok(())
}

/// Starts a session.
pub fn create_session(
    conn: &mut Conn,
    token_hash: &[u8; 32],
    admin_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(admin_sessions::table)
        .values((
            admin_sessions::token_hash.eq(token_hash.as_slice()),
            admin_sessions::admin_id.eq(admin_id),
            admin_sessions::created_at.eq(now.naive_utc()),
            admin_sessions::last_seen_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The account behind a live session, refreshing its last use; a session idle since before
/// `idle_since` or started before `started_since` is ended instead.
pub fn session_admin(
    conn: &mut Conn,
    token_hash: &[u8; 32],
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
    started_since: DateTime<Utc>,
) -> Result<Option<Admin>, DbError> {
    let found: Option<(NaiveDateTime, NaiveDateTime, Admin)> = admin_sessions::table
        .inner_join(admins::table)
        .filter(admin_sessions::token_hash.eq(token_hash.as_slice()))
        .select((
            admin_sessions::created_at,
            admin_sessions::last_seen_at,
            Admin::as_select(),
        ))
        .first(conn)
        .optional()?;
    let session = admin_sessions::table.find(token_hash.as_slice());
    match found {
        Some((created, seen, admin))
            if seen >= idle_since.naive_utc()
                && created >= started_since.naive_utc()
                && admin.disabled_at.is_none() =>
        {
            diesel::update(session)
                .set(admin_sessions::last_seen_at.eq(now.naive_utc()))
                .execute(conn)?;
            Ok(Some(admin))
        }
        Some(_) => {
            diesel::delete(session).execute(conn)?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Ends a session.
pub fn delete_session(conn: &mut Conn, token_hash: &[u8; 32]) -> Result<(), DbError> {
    diesel::delete(admin_sessions::table.find(token_hash.as_slice())).execute(conn)?;
    Ok(())
}
