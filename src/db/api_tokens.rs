//! Tokens: API tokens for auditors' monitoring scripts, and screen links that open one pact's
//! ceremony screen (`/layar`) on a projector without signing in. Stored as SHA-256, revocable;
//! each kind opens only its own door.

use super::schema::{admins, api_tokens};
use super::{Conn, DbError};
use crate::domain::screen_grouping::Grouping;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use ikrar_log::values::PactId;

/// A token as listed (never its secret).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    /// A screen link's pact (`None`: an API token).
    pub screen_pact: Option<String>,
    /// A screen link's grouping (`instansi` or `unit`).
    pub screen_grouping: Option<String>,
}

/// What a screen link opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenLink {
    pub pact: PactId,
    pub grouping: Grouping,
}

/// Stores a new token's hash: an API token, or a screen link when `screen` is given.
pub fn create(
    conn: &mut Conn,
    name: &str,
    token_hash: &[u8; 32],
    created_by: &str,
    screen: Option<&ScreenLink>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash.as_slice()),
            api_tokens::created_by.eq(created_by),
            api_tokens::created_at.eq(now.naive_utc()),
            api_tokens::screen_pact.eq(screen.map(|s| s.pact.as_str())),
            api_tokens::screen_grouping.eq(screen.map(|s| s.grouping.code())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every token, newest first.
pub fn all(conn: &mut Conn) -> Result<Vec<ApiToken>, DbError> {
    Ok(api_tokens::table
        .order(api_tokens::id.desc())
        .select(ApiToken::as_select())
        .load(conn)?)
}

/// A token by id.
pub fn find(conn: &mut Conn, id: i64) -> Result<Option<ApiToken>, DbError> {
    Ok(api_tokens::table
        .find(id)
        .select(ApiToken::as_select())
        .get_result(conn)
        .optional()?)
}

/// Revokes a token; returns its name if it was live.
pub fn revoke(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<Option<String>, DbError> {
    Ok(diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(now.naive_utc())))
    .returning(api_tokens::name)
    .get_result(conn)
    .optional()?)
}

/// Revokes every live token an account made; returns how many.
pub fn revoke_all_of(
    conn: &mut Conn,
    username: &str,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        api_tokens::table
            .filter(api_tokens::created_by.eq(username))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(now.naive_utc())))
    .execute(conn)?)
}

/// The live tokens with this hash: not revoked, their maker's account not disabled.
fn live(token_hash: &[u8; 32]) -> api_tokens::BoxedQuery<'static, <Conn as Connection>::Backend> {
    let active_owners = admins::table
        .filter(admins::disabled_at.is_null())
        .select(admins::username);
    api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash.to_vec()))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::created_by.eq_any(active_owners))
        .into_boxed()
}

/// Whether a live API token (not a screen link) has this hash.
pub fn is_live(conn: &mut Conn, token_hash: &[u8; 32]) -> Result<bool, DbError> {
    let count: i64 = live(token_hash)
        .filter(api_tokens::screen_pact.is_null())
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// What the live screen link with this hash opens, if there is one.
pub fn screen_link(conn: &mut Conn, token_hash: &[u8; 32]) -> Result<Option<ScreenLink>, DbError> {
    let found: Option<(Option<String>, Option<String>)> = live(token_hash)
        .select((api_tokens::screen_pact, api_tokens::screen_grouping))
        .get_result(conn)
        .optional()?;
    Ok(found.and_then(|(pact, grouping)| {
        Some(ScreenLink {
            pact: PactId::parse(&pact?).ok()?,
            grouping: Grouping::from_code(&grouping?)?,
        })
    }))
}
