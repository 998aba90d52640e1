//! The witness's record: per log origin, the latest checkpoint it cosigned, in one SQLite file
//! written (and synced) before a cosignature leaves.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Text};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use ikrar_log::merkle::Hash;
use std::path::Path;

/// The record's schema (`crates/ikrar-witness/migrations/`), applied when it is opened.
const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("catatan saksi tidak dapat dibuka: {0}")]
    Open(#[source] diesel::ConnectionError),
    #[error("skema catatan saksi tidak dapat dipasang: {0}")]
    Migration(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("catatan saksi tidak dapat dibaca atau ditulis: {0}")]
    Query(#[from] diesel::result::Error),
    /// A stored root is not 32 bytes long.
    #[error("akar tersimpan untuk {origin} rusak ({length} bita)")]
    BadRoot { origin: String, length: usize },
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
        let mut conn = SqliteConnection::establish(&url).map_err(StoreError::Open)?;
        conn.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;",
        )?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(StoreError::Migration)?;
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
            let root: [u8; 32] =
                row.root
                    .try_into()
                    .map_err(|stored: Vec<u8>| StoreError::BadRoot {
                        origin: origin.to_owned(),
                        length: stored.len(),
                    })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(size: u64) -> Witnessed {
        Witnessed {
            origin: "ikrar.test/log".into(),
            size,
            root: Hash([size as u8; 32]),
            checkpoint: format!("ikrar.test/log\n{size}\n"),
            cosigned_at: 1_706_770_800 + size,
        }
    }

    #[test]
    fn a_record_made_before_migrations_is_kept_and_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("witness.db");
        // The table as witnesses created it inline, with one record in it.
        let mut old = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
        old.batch_execute(
            "CREATE TABLE witnessed (origin TEXT PRIMARY KEY NOT NULL, size BIGINT NOT NULL,
             root BLOB NOT NULL, checkpoint TEXT NOT NULL, cosigned_at BIGINT NOT NULL);",
        )
        .unwrap();
        drop(old);
        Store::open(&path).unwrap().record(&seen(5)).unwrap();
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.latest("ikrar.test/log").unwrap(), Some(seen(5)));
        store.record(&seen(7)).unwrap();
        assert_eq!(store.latest("ikrar.test/log").unwrap(), Some(seen(7)));
        assert_eq!(store.latest("lain.test/log").unwrap(), None);
    }

    #[test]
    fn a_damaged_root_is_an_error_that_names_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("witness.db")).unwrap();
        store.record(&seen(3)).unwrap();
        store
            .conn
            .batch_execute("UPDATE witnessed SET root = X'0102'")
            .unwrap();
        let error = store.latest("ikrar.test/log").unwrap_err();
        assert!(
            matches!(error, StoreError::BadRoot { length: 2, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("ikrar.test/log"));
    }
}
