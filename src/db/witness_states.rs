//! What the log knows of each witness: the newest checkpoint it cosigned for this log (with the
//! cosignature line) and its last refusal or failure.

use super::dialect::per_backend;
use super::schema::witness_states;
use super::{Conn, DbError};
use crate::domain::log_index::LogIndex;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use ikrar_log::cosignature::{note_body, with_signatures};

/// One witness's state, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = witness_states)]
pub struct WitnessState {
    pub witness_key: String,
    /// The size of the newest checkpoint the witness cosigned for this log (0: none yet).
    #[diesel(deserialize_as = i64)]
    pub size: LogIndex,
    pub checkpoint_body: Option<String>,
    pub cosignature: Option<String>,
    pub cosigned_at: Option<NaiveDateTime>,
    /// Why the last request failed, if it did.
    pub last_error: Option<String>,
    pub last_try_at: Option<NaiveDateTime>,
}

/// Every witness's state, by key.
pub fn all(conn: &mut Conn) -> Result<Vec<WitnessState>, DbError> {
    Ok(witness_states::table
        .select(WitnessState::as_select())
        .order(witness_states::witness_key)
        .load(conn)?)
}

/// The state of the witness with `key`, if it was ever asked.
pub fn get(conn: &mut Conn, key: &str) -> Result<Option<WitnessState>, DbError> {
    Ok(witness_states::table
        .find(key)
        .select(WitnessState::as_select())
        .get_result(conn)
        .optional()?)
}

fn ensure(conn: &mut Conn, key: &str) -> Result<(), DbError> {
    per_backend!(conn, c => diesel::insert_into(witness_states::table)
        .values(witness_states::witness_key.eq(key))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Records a cosignature of the checkpoint with `body` and `size`.
pub fn record_cosignature(
    conn: &mut Conn,
    key: &str,
    size: LogIndex,
    body: &str,
    line: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    ensure(conn, key)?;
    diesel::update(witness_states::table.find(key))
        .set((
            witness_states::size.eq(row(size)?),
            witness_states::checkpoint_body.eq(body),
            witness_states::cosignature.eq(line),
            witness_states::cosigned_at.eq(now),
            witness_states::last_error.eq(None::<String>),
            witness_states::last_try_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed request (the witness refused, or could not be reached); `size`, when the
/// witness said which size it holds (409), is remembered for the next request.
pub fn record_failure(
    conn: &mut Conn,
    key: &str,
    size: Option<LogIndex>,
    error: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    ensure(conn, key)?;
    let update = diesel::update(witness_states::table.find(key));
    match size {
        Some(size) => update
            .set((
                witness_states::size.eq(row(size)?),
                witness_states::last_error.eq(error),
                witness_states::last_try_at.eq(now),
            ))
            .execute(conn)?,
        None => update
            .set((
                witness_states::last_error.eq(error),
                witness_states::last_try_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// `note` with the cosignatures witnesses made of exactly its body.
pub fn attach(conn: &mut Conn, note: String) -> Result<String, DbError> {
    let Some(body) = note_body(&note) else {
        return Ok(note);
    };
    let lines: Vec<String> = witness_states::table
        .filter(witness_states::checkpoint_body.eq(body))
        .select(witness_states::cosignature)
        .order(witness_states::witness_key)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    Ok(with_signatures(&note, &lines))
}

/// A size as stored.
fn row(size: LogIndex) -> Result<i64, DbError> {
    size.to_row().map_err(|e| DbError::Log(e.into()))
}
