//! The log as its HTTP API and health check read it: size, the newest checkpoint, entries and
//! proofs. Appending is the work of the use cases that write entries (signing, activation,
//! publishing).

use super::App;
use crate::db::{log_store, witness_states, DbError};
use crate::domain::log_index::LogIndex;
use ikrar_log::merkle::{Hash, EMPTY_HASH};

/// How many entries the log holds.
pub async fn size(app: &App) -> Result<u64, DbError> {
    Ok(app.db.run(log_store::size).await?.get())
}

/// The newest signed checkpoint, with the witnesses' cosignatures of it; for an empty log, one
/// signed now for size 0.
pub async fn checkpoint(app: &App) -> Result<String, DbError> {
    let head = app
        .db
        .run(|conn| match log_store::head(conn)? {
            Some(head) => witness_states::attach(conn, head.checkpoint).map(Some),
            None => Ok(None),
        })
        .await?;
    match head {
        Some(checkpoint) => Ok(checkpoint),
        None => app
            .log
            .sign_checkpoint(0, EMPTY_HASH)
            .map_err(|e| DbError::Log(e.into())),
    }
}

/// Entries `start..end`, each with its index, as stored (bytes of the entry's text).
pub async fn entries(app: &App, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>, DbError> {
    let rows = app
        .db
        .run(move |conn| log_store::range(conn, LogIndex(start), LogIndex(end)))
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.index.get(), row.body))
        .collect())
}

/// The proof that entry `index` is in the tree of `size` entries.
pub async fn inclusion_proof(app: &App, index: u64, size: u64) -> Result<Vec<Hash>, DbError> {
    app.db
        .run(move |conn| log_store::inclusion_proof(conn, LogIndex(index), LogIndex(size)))
        .await
}

/// The proof that the tree of `from` entries is a prefix of the tree of `to`.
pub async fn consistency_proof(app: &App, from: u64, to: u64) -> Result<Vec<Hash>, DbError> {
    app.db
        .run(move |conn| log_store::consistency_proof(conn, LogIndex(from), LogIndex(to)))
        .await
}
