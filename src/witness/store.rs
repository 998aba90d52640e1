//! The witness's record: per log origin, the latest checkpoint it cosigned, in one SQLite file
//! written (and synced) before a cosignature leaves.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Text};
use ikrar_log::merkle::Hash;
use std::path::Path;

/// The store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
#[error("catatan saksi: {0}")]
pub struct StoreError(String);

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// The latest checkpoint cosigned for one log.
#[derive(Debug, Clone, PartialEq)]
pub struct Witnessed {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The checkpoint note as it was given.
    pub checkpoint: String,
    /// When it was cosigned (Unix seconds).
    pub cosigned_at: u64,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    size: i64,
    #[diesel(sql_type = Binary)]
    root: Vec<u8>,
    #[diesel(sql_type = Text)]
    checkpoint: String,
    #[diesel(sql_type = BigInt)]
    cosigned_at: i64,
}

/// The witness's SQLite file.
pub struct Store {
    conn: SqliteConnection,
}

impl Store {
    /// Opens (or creates, private to this user) the record at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let url = path.to_string_lossy();
        let mut conn = SqliteConnection::establish(&url).map_err(|e| StoreError(e.to_string()))?;
        conn.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS witnessed (
                 origin TEXT PRIMARY KEY NOT NULL,
                 size BIGINT NOT NULL,
                 root BLOB NOT NULL,
                 checkpoint TEXT NOT NULL,
                 cosigned_at BIGINT NOT NULL
             );",
        )?;
        Ok(Store { conn })
    }

    /// The latest checkpoint cosigned for `origin`.
    pub fn latest(&mut self, origin: &str) -> Result<Option<Witnessed>, StoreError> {
        let row: Option<Row> = diesel::sql_query(
            "SELECT size, root, checkpoint, cosigned_at FROM witnessed WHERE origin = ?",
        )
        .bind::<Text, _>(origin)
        .get_result(&mut self.conn)
        .optional()?;
        row.map(|row| {
            let root: [u8; 32] = row
                .root
                .try_into()
                .map_err(|_| StoreError("akar tersimpan rusak".into()))?;
            Ok(Witnessed {
                origin: origin.to_owned(),
                size: row.size as u64,
                root: Hash(root),
                checkpoint: row.checkpoint,
                cosigned_at: row.cosigned_at as u64,
            })
        })
        .transpose()
    }

    /// Records a newly cosigned checkpoint (durably, before it is answered).
    pub fn record(&mut self, seen: &Witnessed) -> Result<(), StoreError> {
        diesel::sql_query(
            "INSERT INTO witnessed (origin, size, root, checkpoint, cosigned_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root,
             checkpoint = excluded.checkpoint, cosigned_at = excluded.cosigned_at",
        )
        .bind::<Text, _>(&seen.origin)
        .bind::<BigInt, _>(seen.size as i64)
        .bind::<Binary, _>(seen.root.0.to_vec())
        .bind::<Text, _>(&seen.checkpoint)
        .bind::<BigInt, _>(seen.cosigned_at as i64)
        .execute(&mut self.conn)?;
        Ok(())
    }
}
