//! API tokens for monitoring scripts and auditors, and screen links for the ceremony screen:
//! made, listed, revoked; the secret is shown once and kept only as a hash.

use super::secrets::{new_secret, secret_hash};
use super::sessions::SignedIn;
use super::App;
use crate::db::{api_tokens, audit, DbError};
use crate::domain::audit::{Actor, AuditAction};
use crate::i18n::{Lang, Words};
use ikrar_log::values::now_seconds;
use zeroize::Zeroizing;

pub use crate::db::api_tokens::{ApiToken, ScreenLink};

/// Every token, newest first.
pub async fn list(app: &App) -> Result<Vec<ApiToken>, DbError> {
    app.db.run(api_tokens::all).await
}

/// Makes an API token for a monitoring script; the secret is returned once and kept only as a
/// hash.
pub async fn create(app: &App, name: String, actor: Actor) -> Result<Zeroizing<String>, DbError> {
    make(app, name, None, AuditAction::TokenCreate, actor).await
}

/// Makes a screen link: it opens the ceremony screen of `link.pact` (grouped as it says) without
/// signing in, until it is revoked; the secret is returned once and kept only as a hash.
pub async fn create_screen_link(
    app: &App,
    name: String,
    link: ScreenLink,
    actor: Actor,
) -> Result<Zeroizing<String>, DbError> {
    make(app, name, Some(link), AuditAction::ScreenLinkCreate, actor).await
}

async fn make(
    app: &App,
    name: String,
    screen: Option<ScreenLink>,
    action: AuditAction,
    actor: Actor,
) -> Result<Zeroizing<String>, DbError> {
    let (secret, hash) = new_secret();
    let now = now_seconds();
    app.db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                api_tokens::create(conn, &name, &hash, &actor.name, screen.as_ref(), now)?;
                let detail = match &screen {
                    Some(link) => format!("{name} ({}, per {})", link.pact, link.grouping.code()),
                    None => name.clone(),
                };
                audit::record(conn, &actor, action, &detail, now)
            })
        })
        .await?;
    Ok(secret)
}

/// Why a token could not be revoked.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// Only a superadmin revokes someone else's token (the page answers 403).
    #[error("{}", Lang::Id.text("account.token_not_yours"))]
    NotYours,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Revokes an API token: one's own, or anyone's for a superadmin.
pub async fn revoke(app: &App, id: i64, by: &SignedIn, actor: Actor) -> Result<(), RevokeError> {
    let now = now_seconds();
    let (username, superadmin) = (by.username.clone(), by.role.is_superadmin());
    app.db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let Some(token) = api_tokens::find(conn, id)? else {
                    return Ok(());
                };
                if token.created_by != username && !superadmin {
                    return Err(RevokeError::NotYours);
                }
                if let Some(name) = api_tokens::revoke(conn, id, now)? {
                    audit::record(conn, &actor, AuditAction::TokenRevoke, &name, now)?;
                }
                Ok(())
            })
        })
        .await
}

/// What a live screen link opens, if `token` is one.
pub async fn screen_link(app: &App, token: &str) -> Result<Option<ScreenLink>, DbError> {
    let hash = secret_hash(token);
    app.db
        .run(move |conn| api_tokens::screen_link(conn, &hash))
        .await
}

/// Whether a bearer token is a live API token.
pub async fn is_live(app: &App, token: &str) -> Result<bool, DbError> {
    let hash = secret_hash(token);
    app.db
        .run(move |conn| api_tokens::is_live(conn, &hash))
        .await
}
