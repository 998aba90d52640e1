//! Admin accounts: creation (with a second superadmin's approval where it takes two people)
//! and usernames. Signing in and sessions are in [`super::sessions`]; API tokens in
//! [`super::tokens`].

use super::passwords::hash_password;
use super::App;
use crate::db::audit;
use crate::db::{admins, units, Conn, DbError};
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::passphrase::{check_strength, WeakPassphrase};
use crate::domain::role::Role;
use crate::domain::totp;
use crate::i18n::{Lang, Words};
use crate::keys::Argon2Params;
use ikrar_log::values::now_seconds;
use zeroize::Zeroizing;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain() {
        assert!(check_username("bkpsdm.admin").is_ok());
        assert!(check_username("Admin").is_err());
        assert!(check_username("ab").is_err());
        assert!(check_username("a b c").is_err());
    }
}
