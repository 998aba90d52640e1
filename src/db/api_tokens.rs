//! API tokens for auditors' monitoring scripts: stored as SHA-256, revocable.

use super::schema::{admins, api_tokens};
use super::{Conn, DbError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// A token as listed (never its secret).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Stores a new token's hash.
pub fn create(
    conn: &mut Conn,
    name: &str,
    token_hash: &[u8; 32],
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash.as_slice()),
            api_tokens::created_by.eq(created_by),
            api_tokens::created_at.eq(now.naive_utc()),
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

/// Whether a live token has this hash: not revoked, and its owner's account not disabled.
pub fn is_live(conn: &mut Conn, token_hash: &[u8; 32]) -> Result<bool, DbError> {
    let active_owners = admins::table
        .filter(admins::disabled_at.is_null())
        .select(admins::username);
    let count: i64 = api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash.as_slice()))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::created_by.eq_any(active_owners))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}
