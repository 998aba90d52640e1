//! Signing in and out of the console: sign-in with the same guess limits as signing, the
//! second factor's enrolment, and sessions that any app server can check (they live in the
//! database).

use super::passwords::{dummy_hash, verify_password};
use super::secrets::{new_secret, secret_hash};
use super::App;
use crate::db::audit;
use crate::db::{admins, guess_limits, guess_limits::Attempt, DbError};
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::role::Role;
use crate::domain::totp;
use crate::domain::unit_scope::UnitScope;
use crate::i18n::{Lang, Words};
use chrono::{DateTime, Duration, Utc};
use ikrar_log::values::{now_seconds, UnitCode};

use zeroize::Zeroizing;

/// A session ends after this long without a request.
pub const IDLE_MINUTES: i64 = 30;
/// A session ends this long after sign-in, however busy.
pub const MAX_SESSION_HOURS: i64 = 12;

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
