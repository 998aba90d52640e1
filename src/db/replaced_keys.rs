//! Keys replaced at BKPSDM's request, kept sealed as they were: whoever types the old
//! passphrase again is told that the key was replaced (and nobody else learns anything).

use super::employees::StoredKey;
use super::schema::replaced_keys;
use super::{Conn, DbError};
use crate::keys::{Argon2Params, SealedKey};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use ikrar_log::nip::Nip;

/// Keeps `key`, the employee's key that an approved reset is about to replace (once per key;
/// call it in the approval's transaction).
pub fn keep(
    conn: &mut Conn,
    nip: &Nip,
    key: &StoredKey,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let kept: i64 = replaced_keys::table
        .filter(replaced_keys::nip.eq(nip.as_str()))
        .filter(replaced_keys::public_key.eq(key.public_key.as_slice()))
        .count()
        .get_result(conn)?;
    if kept > 0 {
        return Ok(());
    }
    let sealed = &key.sealed;
    diesel::insert_into(replaced_keys::table)
        .values((
            replaced_keys::nip.eq(nip.as_str()),
            replaced_keys::public_key.eq(key.public_key.as_slice()),
            replaced_keys::sealed_seed.eq(sealed.ciphertext.as_slice()),
            replaced_keys::seal_salt.eq(sealed.salt.as_slice()),
            replaced_keys::seal_nonce.eq(sealed.nonce.as_slice()),
            replaced_keys::seal_params.eq(sealed.params.to_string()),
            replaced_keys::kept_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The employee's most recently replaced key other than `current` (their key now), if any.
pub fn latest(
    conn: &mut Conn,
    nip: &Nip,
    current: &[u8; 32],
) -> Result<Option<StoredKey>, DbError> {
    type Row = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, String, NaiveDateTime);
    // An employee has a key or two replaced at most: read them all, keep the latest.
    let rows: Vec<Row> = replaced_keys::table
        .filter(replaced_keys::nip.eq(nip.as_str()))
        .filter(replaced_keys::public_key.ne(current.as_slice()))
        .order(replaced_keys::kept_at.desc())
        .select((
            replaced_keys::public_key,
            replaced_keys::sealed_seed,
            replaced_keys::seal_salt,
            replaced_keys::seal_nonce,
            replaced_keys::seal_params,
            replaced_keys::kept_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|(public_key, ciphertext, salt, nonce, params, _)| {
            Some(StoredKey {
                public_key: public_key.as_slice().try_into().ok()?,
                sealed: SealedKey {
                    params: params.parse::<Argon2Params>().ok()?,
                    salt: salt.as_slice().try_into().ok()?,
                    nonce: nonce.as_slice().try_into().ok()?,
                    ciphertext,
                },
            })
        }))
}
