//! Admin accounts, the units a unit-admin may see, and their signed-in sessions.

use super::schema::{admin_sessions, admin_units, admins};
use super::{Conn, DbError};
use crate::domain::role::Role;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// An admin account as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = admins)]
pub struct Admin {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    #[diesel(deserialize_as = String)]
    pub role: Role,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
    pub totp_secret: Option<Vec<u8>>,
    /// Whether the secret was confirmed with a code (or handed out by the CLI).
    pub totp_confirmed: bool,
    /// The last TOTP step used to sign in: a code of that step or earlier is refused.
    pub totp_last_step: i64,
}

impl Admin {
    /// The confirmed second-factor secret, if the account has one.
    pub fn confirmed_totp(&self) -> Option<&[u8]> {
        self.totp_secret.as_deref().filter(|_| self.totp_confirmed)
    }
}

/// Creates an account; the username must be new.
pub fn create(
    conn: &mut Conn,
    username: &str,
    password_hash: &str,
    role: Role,
    units: &[String],
    totp: (&[u8], bool),
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let id: i64 = diesel::insert_into(admins::table)
        .values((
            admins::username.eq(username),
            admins::password_hash.eq(password_hash),
            admins::role.eq(role.as_str()),
            admins::created_at.eq(now.naive_utc()),
            admins::totp_secret.eq(Some(totp.0)),
            admins::totp_confirmed.eq(totp.1),
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
        .get_result(conn)
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

/// The username of account `admin_id`, if it exists.
pub fn username_of(conn: &mut Conn, admin_id: i64) -> Result<Option<String>, DbError> {
    Ok(admins::table
        .find(admin_id)
        .select(admins::username)
        .get_result(conn)
        .optional()?)
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

/// Gives an account a new second-factor secret (`confirmed` when handed out by the CLI) and
/// ends its sessions.
pub fn set_totp(
    conn: &mut Conn,
    admin_id: i64,
    secret: &[u8],
    confirmed: bool,
) -> Result<(), DbError> {
    diesel::update(admins::table.find(admin_id))
        .set((
            admins::totp_secret.eq(Some(secret)),
            admins::totp_confirmed.eq(confirmed),
            admins::totp_last_step.eq(0),
        ))
        .execute(conn)?;
    diesel::delete(admin_sessions::table.filter(admin_sessions::admin_id.eq(admin_id)))
        .execute(conn)?;
    Ok(())
}

/// Spends TOTP step `step` (and confirms the secret): `false` if that step or a later one was
/// used already, so a code works once even when two requests race.
pub fn use_totp_step(conn: &mut Conn, admin_id: i64, step: i64) -> Result<bool, DbError> {
    let updated = diesel::update(
        admins::table
            .find(admin_id)
            .filter(admins::totp_last_step.lt(step)),
    )
    .set((
        admins::totp_last_step.eq(step),
        admins::totp_confirmed.eq(true),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Starts a session; a `pending` one (second factor not enrolled yet) opens only enrolment.
pub fn create_session(
    conn: &mut Conn,
    token_hash: &[u8; 32],
    admin_id: i64,
    pending: bool,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(admin_sessions::table)
        .values((
            admin_sessions::token_hash.eq(token_hash.as_slice()),
            admin_sessions::admin_id.eq(admin_id),
            admin_sessions::pending_totp.eq(pending),
            admin_sessions::created_at.eq(now.naive_utc()),
            admin_sessions::last_seen_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The account behind a live session and whether the session is still pending enrolment,
/// refreshing its last use; a session idle since before `idle_since` or started before
/// `started_since` is ended instead.
pub fn session_admin(
    conn: &mut Conn,
    token_hash: &[u8; 32],
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
    started_since: DateTime<Utc>,
) -> Result<Option<(Admin, bool)>, DbError> {
    let found: Option<(NaiveDateTime, NaiveDateTime, bool, Admin)> = admin_sessions::table
        .inner_join(admins::table)
        .filter(admin_sessions::token_hash.eq(token_hash.as_slice()))
        .select((
            admin_sessions::created_at,
            admin_sessions::last_seen_at,
            admin_sessions::pending_totp,
            Admin::as_select(),
        ))
        .get_result(conn)
        .optional()?;
    let session = admin_sessions::table.find(token_hash.as_slice());
    match found {
        Some((created, seen, pending, admin))
            if seen >= idle_since.naive_utc()
                && created >= started_since.naive_utc()
                && admin.disabled_at.is_none() =>
        {
            diesel::update(session)
                .set(admin_sessions::last_seen_at.eq(now.naive_utc()))
                .execute(conn)?;
            Ok(Some((admin, pending)))
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
