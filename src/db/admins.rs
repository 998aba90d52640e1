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
    /// The account that made this one in the console (`None`: the server's command line).
    pub created_by: Option<i64>,
    /// The superadmin who approved this account (a superadmin made in the console).
    pub approved_by: Option<i64>,
    /// When the account became usable; `None` while it waits for approval (or was refused).
    pub approved_at: Option<NaiveDateTime>,
}

impl Admin {
    /// The confirmed second-factor secret, if the account has one.
    pub fn confirmed_totp(&self) -> Option<&[u8]> {
        self.totp_secret.as_deref().filter(|_| self.totp_confirmed)
    }

    /// Whether the account may sign in: approved and not disabled.
    pub fn usable(&self) -> bool {
        self.approved_at.is_some() && self.disabled_at.is_none()
    }
}

/// The account and every account above it in the chain of makers (`created_by`), nearest
/// first: an account made in the console starts with a password its maker chose, so it is no
/// more another person than its maker is.
pub fn lineage(conn: &mut Conn, admin: &Admin) -> Result<Vec<i64>, DbError> {
    let mut chain = vec![admin.id];
    let mut next = admin.created_by;
    // Makers are older accounts, so the chain ends; the bound is a guard all the same.
    while let Some(id) = next.filter(|id| !chain.contains(id) && chain.len() < 64) {
        chain.push(id);
        next = admins::table
            .find(id)
            .select(admins::created_by)
            .get_result::<Option<i64>>(conn)
            .optional()?
            .flatten();
    }
    Ok(chain)
}

/// Whether `a` and `b` are not two people for the two-person rule: their chains of makers meet
/// (one made the other, directly or through accounts it made, or one account made both), or
/// one approved the other.
pub fn bound(conn: &mut Conn, a: &Admin, b: &Admin) -> Result<bool, DbError> {
    let (ours, theirs) = (lineage(conn, a)?, lineage(conn, b)?);
    Ok(ours.iter().any(|id| theirs.contains(id))
        || a.approved_by == Some(b.id)
        || b.approved_by == Some(a.id))
}

/// An account to store.
pub struct NewAdmin<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub units: &'a [String],
    /// The second-factor secret, and whether it counts as confirmed (handed out by the CLI).
    pub totp: (&'a [u8], bool),
    /// The account that made it in the console; `None` for the command line.
    pub created_by: Option<i64>,
    /// Whether it is usable at once (otherwise it waits for a second superadmin).
    pub approved: bool,
}

/// Creates an account; the username must be new.
pub fn create(conn: &mut Conn, new: &NewAdmin, now: DateTime<Utc>) -> Result<i64, DbError> {
    let id: i64 = diesel::insert_into(admins::table)
        .values((
            admins::username.eq(new.username),
            admins::password_hash.eq(new.password_hash),
            admins::role.eq(new.role.as_str()),
            admins::created_at.eq(now.naive_utc()),
            admins::totp_secret.eq(Some(new.totp.0)),
            admins::totp_confirmed.eq(new.totp.1),
            admins::created_by.eq(new.created_by),
            admins::approved_at.eq(new.approved.then_some(now.naive_utc())),
        ))
        .returning(admins::id)
        .get_result(conn)?;
    for unit in new.units {
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

/// The account with this id.
pub fn find(conn: &mut Conn, admin_id: i64) -> Result<Option<Admin>, DbError> {
    Ok(admins::table
        .find(admin_id)
        .select(Admin::as_select())
        .get_result(conn)
        .optional()?)
}

/// Approves an account waiting for approval: `false` if it was not waiting.
pub fn approve(
    conn: &mut Conn,
    admin_id: i64,
    approver: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        admins::table
            .find(admin_id)
            .filter(admins::approved_at.is_null())
            .filter(admins::disabled_at.is_null()),
    )
    .set((
        admins::approved_by.eq(Some(approver)),
        admins::approved_at.eq(Some(now.naive_utc())),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Enables a disabled account that had been approved: `false` if there was nothing to enable.
pub fn enable(conn: &mut Conn, admin_id: i64) -> Result<bool, DbError> {
    let updated = diesel::update(
        admins::table
            .find(admin_id)
            .filter(admins::disabled_at.is_not_null())
            .filter(admins::approved_at.is_not_null()),
    )
    .set(admins::disabled_at.eq(None::<NaiveDateTime>))
    .execute(conn)?;
    Ok(updated == 1)
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
    end_sessions(conn, admin_id)
}

/// Ends every session of an account.
pub fn end_sessions(conn: &mut Conn, admin_id: i64) -> Result<(), DbError> {
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
    end_sessions(conn, admin_id)
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
                && admin.usable()
                // A session opened for enrolment ends once the account has enrolled.
                && !(pending && admin.totp_confirmed) =>
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
