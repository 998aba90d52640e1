//! Admin accounts: creation, listing and disabling, sign-in with the same guess limits as
//! signing, and sessions that any app server can check (they live in the database). API tokens
//! are in [`super::tokens`].

use super::secrets::{new_secret, secret_hash};
use super::App;
use crate::db::audit;
use crate::db::{admins, guess_limits, guess_limits::Attempt, units, Conn, DbError};
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::passphrase::{check_strength, WeakPassphrase};
use crate::domain::role::Role;
use crate::domain::totp;
use crate::domain::unit_scope::UnitScope;
use crate::i18n::{Lang, Words};
use crate::keys::Argon2Params;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use ikrar_log::values::{now_seconds, UnitCode};
use rand_core::OsRng;

use std::sync::OnceLock;
use zeroize::Zeroizing;

/// A session ends after this long without a request.
pub const IDLE_MINUTES: i64 = 30;
/// A session ends this long after sign-in, however busy.
pub const MAX_SESSION_HOURS: i64 = 12;

/// Why an account could not be made.
#[derive(Debug, thiserror::Error)]
#[error("{}", ikrar_log::i18n::indonesian(self))]
pub enum AccountError {
    Username,
    Taken(String),
    Units,
    UnknownUnit(String),
    /// No account has this username.
    Unknown(String),
    Weak(WeakPassphrase),
    Hash(String),
    /// The server is stopping.
    ShuttingDown,
    /// Logged with its cause; the page says only that the database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl AccountError {
    /// What the admin reads, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            AccountError::Username => lang.text("account.username").to_owned(),
            AccountError::Taken(name) => lang.fill("account.taken", &[("name", name)]),
            AccountError::Units => lang.text("account.units").to_owned(),
            AccountError::UnknownUnit(unit) => lang.fill("account.unknown_unit", &[("unit", unit)]),
            AccountError::Unknown(name) => lang.fill("account.unknown", &[("name", name)]),
            AccountError::Weak(weak) => weak.text(lang),
            AccountError::Hash(e) => format!("{} {e}", lang.text("account.hash")),
            AccountError::ShuttingDown => lang.text("error.busy").to_owned(),
            AccountError::Db(_) => lang.text("error.database").to_owned(),
        }
    }
}

ikrar_log::localized!(AccountError);

/// A signed-in admin.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The units a unit-admin may see (empty for the other roles, who see all).
    pub units: Vec<String>,
}

impl SignedIn {
    /// The units this admin sees and acts in.
    pub fn scope(&self) -> UnitScope {
        if self.role.sees_all_units() {
            return UnitScope::All;
        }
        // A stored code that breaks the rules names no unit: the scope only narrows.
        UnitScope::Only(
            self.units
                .iter()
                .filter_map(|u| UnitCode::parse(u).ok())
                .collect(),
        )
    }
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
#[error("{}", ikrar_log::i18n::indonesian(self))]
pub enum SignInError {
    BadCredentials,
    Locked,
    Unavailable,
    /// Logged with its cause; the page says only that the database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl SignInError {
    /// What the admin reads, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            SignInError::BadCredentials => lang.text("account.bad_credentials").to_owned(),
            SignInError::Locked => lang.text("account.locked").to_owned(),
            SignInError::Unavailable => lang.text("error.busy").to_owned(),
            SignInError::Db(_) => lang.text("error.database").to_owned(),
        }
    }
}

ikrar_log::localized!(SignInError);

fn hasher(params: Argon2Params) -> Result<Argon2<'static>, String> {
    let params = Params::new(params.m_cost, params.t_cost, params.p_cost, None)
        .map_err(|e| e.to_string())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// An Argon2id PHC string of `password`.
fn hash_password(params: Argon2Params, password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher(params)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches a PHC string (its own parameters are used).
fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check unknown usernames against, so they take as long as known ones.
fn dummy_hash(params: Argon2Params) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(params, "ikrar-dummy-password").unwrap_or_default())
}

fn check_username(username: &str) -> Result<(), AccountError> {
    let ok = (3..=32).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    ok.then_some(()).ok_or(AccountError::Username)
}

/// How a new account gets its second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrolment {
    /// The secret is handed out now (the CLI prints its URI): the account is enrolled.
    Now,
    /// The account scans its code at its first sign-in (accounts made in the console).
    AtFirstSignIn,
}

/// An account to make.
pub struct NewAccount {
    pub username: String,
    pub role: Role,
    pub units: Vec<String>,
    pub password: Zeroizing<String>,
    pub enrolment: Enrolment,
    /// The signed-in account making it in the console; `None` for the server's command line.
    /// A superadmin made in the console waits for a second superadmin's approval.
    pub created_by: Option<i64>,
}

/// Creates an account (from the CLI or the accounts page) and records it in the audit trail;
/// returns the `otpauth://` URI of its second factor. The password is hashed on the key
/// workers.
pub async fn create(
    app: &App,
    account: NewAccount,
    actor: Actor,
) -> Result<Zeroizing<String>, AccountError> {
    let (db, params) = (app.db.clone(), app.config.argon2);
    app.key_work(move || create_in(&mut *db.conn()?, params, &account, &actor))
        .await
        .map_err(|_| AccountError::ShuttingDown)?
}

fn create_in(
    conn: &mut Conn,
    params: Argon2Params,
    account: &NewAccount,
    actor: &Actor,
) -> Result<Zeroizing<String>, AccountError> {
    let NewAccount {
        username,
        role,
        units: unit_codes,
        password,
        enrolment,
        created_by,
    } = account;
    let (username, role, enrolment) = (username.as_str(), *role, *enrolment);
    check_username(username)?;
    if (role == Role::UnitAdmin) == unit_codes.is_empty() {
        return Err(AccountError::Units);
    }
    for code in unit_codes {
        if units::find(conn, code)?.is_none() {
            return Err(AccountError::UnknownUnit(code.clone()));
        }
    }
    check_strength(password.as_str(), &[username, "ikrar", "admin", "bkpsdm"])
        .map_err(AccountError::Weak)?;
    if admins::find_by_username(conn, username)?.is_some() {
        return Err(AccountError::Taken(username.to_owned()));
    }
    let hash = hash_password(params, password.as_str()).map_err(AccountError::Hash)?;
    let now = now_seconds();
    let secret = totp::new_secret();
    let enrolled = enrolment == Enrolment::Now;
    crate::db::write_transaction(conn, |conn| {
        let new = admins::NewAdmin {
            username,
            password_hash: &hash,
            role,
            units: unit_codes,
            totp: (secret.as_slice(), enrolled),
            created_by: *created_by,
            approved: !needs_approval(role, *created_by),
        };
        admins::create(conn, &new, now)?;
        let detail = format!("{username} ({role}) {}", unit_codes.join(","));
        audit::record(conn, actor, AuditAction::AccountCreate, detail.trim(), now)?;
        Ok::<_, AccountError>(())
    })?;
    Ok(Zeroizing::new(totp::uri(&secret, username)))
}

/// Whether an account waits for a second superadmin before it can sign in: a superadmin made in
/// the console. (The server's command line is the operator's, who is answerable for it.)
pub fn needs_approval(role: Role, created_by: Option<i64>) -> bool {
    role == Role::Superadmin && created_by.is_some()
}

/// Signs in; returns the new session's cookie value (a fresh one every time, so a session id
/// planted before sign-in is worthless).
pub async fn sign_in(
    app: &App,
    username: String,
    password: Zeroizing<String>,
    code: Zeroizing<String>,
    actor: Actor,
) -> Result<NewSession, SignInError> {
    // Usernames are at most 32 characters; whatever else was typed is cut before it reaches the
    // guess limits and the audit trail.
    let username: String = username.chars().take(64).collect();
    let now = now_seconds();
    let subject = format!("admin:{}", username.to_lowercase());
    let (lookup_subject, lookup_name, lock_actor) =
        (subject.clone(), username.clone(), actor.clone());
    let admin = app
        .db
        .run(move |conn| -> Result<_, SignInError> {
            if let Attempt::Locked(until) = guess_limits::begin_attempt(conn, &lookup_subject, now)?
            {
                // One row per lock however many attempts it meets, with their count.
                let detail = format!(
                    "{lookup_name} (terkunci sampai {})",
                    ikrar_log::values::format_time(until)
                );
                let key = format!("{lookup_subject}@{}", until.timestamp());
                audit::record_repeated(
                    conn,
                    &lock_actor,
                    AuditAction::SignInLocked,
                    &detail,
                    &key,
                    now,
                )?;
                return Err(SignInError::Locked);
            }
            Ok(admins::find_by_username(conn, &lookup_name)?)
        })
        .await?;
    let params = app.config.argon2;
    let phc = admin
        .as_ref()
        .filter(|a| a.usable())
        .map(|a| a.password_hash.clone());
    let matches = app
        .key_work(move || match phc {
            Some(phc) => verify_password(&phc, &password),
            None => {
                verify_password(dummy_hash(params), &password);
                false
            }
        })
        .await
        .map_err(|_| SignInError::Unavailable)?;
    // The second factor: an enrolled account needs a code of a step not used before; one not
    // enrolled yet gets a session that opens only the enrolment page.
    let step = admin.as_ref().filter(|_| matches).and_then(|a| {
        let secret = a.confirmed_totp()?;
        let last = u64::try_from(a.totp_last_step).unwrap_or(0);
        totp::matching_step(secret, &code, app.clock.now().timestamp() as u64, last)
    });
    let pending = admin.as_ref().is_some_and(|a| a.confirmed_totp().is_none());
    let admin = admin.filter(|_| matches && (pending || step.is_some()));
    let (secret, hash) = new_secret();
    let opened = match admin {
        Some(admin) => {
            let (subject, actor) = (subject.clone(), actor.clone());
            app.db
                .run(move |conn| {
                    crate::db::write_transaction(conn, |conn| {
                        if let Some(step) = step {
                            // Spent once, even against a simultaneous sign-in.
                            if !admins::use_totp_step(conn, admin.id, step as i64)? {
                                return Ok(false);
                            }
                        }
                        guess_limits::clear(conn, &subject)?;
                        admins::create_session(conn, &hash, admin.id, pending, now)?;
                        let action = if pending {
                            AuditAction::SignInEnrol
                        } else {
                            AuditAction::SignIn
                        };
                        audit::record(conn, &actor, action, &admin.username, now)?;
                        Ok::<_, DbError>(true)
                    })
                })
                .await?
        }
        None => false,
    };
    if !opened {
        count_failure(app, subject, now).await?;
        super::audit::record(app, actor, AuditAction::SignInFailed, username).await?;
        return Err(SignInError::BadCredentials);
    }
    Ok(NewSession { secret, pending })
}

/// A session just opened: its cookie value, and whether it only opens enrolment.
pub struct NewSession {
    pub secret: Zeroizing<String>,
    pub pending: bool,
}

/// What an admin half signed in (password right, second factor not enrolled) sees to enrol.
pub struct Enrolling {
    pub username: String,
    /// The `otpauth://` URI to scan.
    pub uri: Zeroizing<String>,
    /// The secret in base32, for typing in by hand.
    pub secret_base32: Zeroizing<String>,
}

/// The account behind a pending session, with its secret to scan.
pub async fn enrolling(app: &App, cookie: &str) -> Result<Option<Enrolling>, DbError> {
    let Some((admin, true)) = session_state(app, cookie).await? else {
        return Ok(None);
    };
    // A confirmed secret is never shown again, whatever session asks.
    if admin.totp_confirmed {
        return Ok(None);
    }
    let Some(secret) = admin.totp_secret.clone().map(Zeroizing::new) else {
        return Ok(None);
    };
    Ok(Some(Enrolling {
        uri: Zeroizing::new(totp::uri(&secret, &admin.username)),
        secret_base32: Zeroizing::new(base32_of(&secret)),
        username: admin.username,
    }))
}

fn base32_of(secret: &[u8]) -> String {
    let uri = totp::uri(secret, "-");
    uri.split("secret=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .unwrap_or_default()
        .to_owned()
}

/// Confirms enrolment with a first code: the pending session ends and a full one (a new id)
/// begins. A wrong code counts toward the account's lockout.
pub async fn confirm_enrolment(
    app: &App,
    cookie: &str,
    code: Zeroizing<String>,
    actor: Actor,
) -> Result<Zeroizing<String>, SignInError> {
    let Some((admin, true)) = session_state(app, cookie).await? else {
        return Err(SignInError::BadCredentials);
    };
    if admin.totp_confirmed {
        return Err(SignInError::BadCredentials);
    }
    let now = now_seconds();
    let subject = format!("admin:{}", admin.username);
    let step = admin.totp_secret.as_deref().and_then(|secret| {
        let last = u64::try_from(admin.totp_last_step).unwrap_or(0);
        totp::matching_step(secret, &code, app.clock.now().timestamp() as u64, last)
    });
    let (secret, hash) = new_secret();
    let confirmed = match step {
        Some(step) => {
            let (subject, actor) = (subject.clone(), actor.clone());
            app.db
                .run(move |conn| {
                    crate::db::write_transaction(conn, |conn| {
                        if !admins::use_totp_step(conn, admin.id, step as i64)? {
                            return Ok(false);
                        }
                        guess_limits::clear(conn, &subject)?;
                        // Every other session of the account ends: one opened with the
                        // password alone must not outlive the enrolment.
                        admins::end_sessions(conn, admin.id)?;
                        admins::create_session(conn, &hash, admin.id, false, now)?;
                        audit::record(conn, &actor, AuditAction::TotpEnrol, &admin.username, now)?;
                        Ok::<_, DbError>(true)
                    })
                })
                .await?
        }
        None => false,
    };
    if !confirmed {
        count_failure(app, subject, now).await?;
        return Err(SignInError::BadCredentials);
    }
    Ok(secret)
}

/// Counts a failed sign-in or code toward the account's lockout.
async fn count_failure(app: &App, subject: String, now: DateTime<Utc>) -> Result<(), DbError> {
    app.db
        .run(move |conn| guess_limits::record_failure(conn, &subject, now))
        .await
}

/// A new second factor for an account whose phone is lost (`ikrar admin reset-2fa`): its
/// sessions end; returns the URI to scan.
pub async fn reset_totp(
    app: &App,
    username: String,
    actor: Actor,
) -> Result<Zeroizing<String>, AccountError> {
    app.db
        .run(move |conn| reset_totp_in(conn, &username, &actor))
        .await
}

fn reset_totp_in(
    conn: &mut Conn,
    username: &str,
    actor: &Actor,
) -> Result<Zeroizing<String>, AccountError> {
    let admin = admins::find_by_username(conn, username)?
        .ok_or_else(|| AccountError::Unknown(username.to_owned()))?;
    let secret = totp::new_secret();
    crate::db::write_transaction(conn, |conn| {
        admins::set_totp(conn, admin.id, &secret, true)?;
        audit::record(conn, actor, AuditAction::TotpReset, username, now_seconds())?;
        Ok::<_, AccountError>(())
    })?;
    Ok(Zeroizing::new(totp::uri(&secret, username)))
}

/// The account behind a live session cookie, and whether the session is pending enrolment.
async fn session_state(app: &App, cookie: &str) -> Result<Option<(admins::Admin, bool)>, DbError> {
    let hash = secret_hash(cookie);
    app.db
        .run(move |conn| {
            let now = now_seconds();
            admins::session_admin(
                conn,
                &hash,
                now,
                now - Duration::minutes(IDLE_MINUTES),
                now - Duration::hours(MAX_SESSION_HOURS),
            )
        })
        .await
}

/// The admin behind a session cookie, if the session is live and fully signed in.
pub async fn session(app: &App, cookie: &str) -> Result<Option<SignedIn>, DbError> {
    let Some((admin, false)) = session_state(app, cookie).await? else {
        return Ok(None);
    };
    app.db
        .run(move |conn| {
            let units = admins::units_of(conn, admin.id)?;
            Ok(Some(SignedIn {
                id: admin.id,
                username: admin.username,
                role: admin.role,
                units,
            }))
        })
        .await
}

/// Ends a session.
pub async fn sign_out(app: &App, cookie: &str, actor: Actor) -> Result<(), DbError> {
    let hash = secret_hash(cookie);
    let now = now_seconds();
    app.db
        .run(move |conn| {
            admins::delete_session(conn, &hash)?;
            audit::record(conn, &actor, AuditAction::SignOut, "", now)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_phc_strings() {
        let params = Argon2Params {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        };
        let phc = hash_password(params, "kuda lari di pantai").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
        assert!(verify_password(&phc, "kuda lari di pantai"));
        assert!(!verify_password(&phc, "kuda lari di pantai!"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn usernames_are_plain() {
        assert!(check_username("bkpsdm.admin").is_ok());
        assert!(check_username("Admin").is_err());
        assert!(check_username("ab").is_err());
        assert!(check_username("a b c").is_err());
    }
}
