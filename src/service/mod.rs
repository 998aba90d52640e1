//! Use cases that join the domain and the database: import a roster, activate, sign, publish a
//! pact. The web handlers and the CLI both call these and nothing below them.

pub mod accounts;
pub mod activation;
pub mod dashboard;
pub mod demo;
pub mod export;
pub mod pacts;
pub mod receipt;
pub mod reports;
pub mod roster;
pub mod signing;

use crate::config::Config;
use crate::db::{Db, DbError};
use crate::log::note::{LogSigner, NoteError};
use crate::log_key::{self, LogKeyError};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What every use case needs: the configuration, the database and the gate that bounds how many
/// Argon2 derivations (19 MiB each by default) run at once.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub db: Db,
    /// The log's signing key, named by its origin.
    pub log: Arc<LogSigner>,
    argon2_gate: Arc<Semaphore>,
}

/// The gate was closed: the server is shutting down.
#[derive(Debug, thiserror::Error)]
#[error("server sedang berhenti")]
pub struct ShuttingDown;

/// Why the app cannot start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    LogKey(#[from] LogKeyError),
    #[error("IKRAR_ORIGIN tidak dapat menjadi nama kunci log: {0}")]
    Origin(NoteError),
}

impl App {
    /// Loads (or creates) the log key and opens (and migrates) the database.
    pub fn open(config: Config) -> Result<App, OpenError> {
        let key = log_key::load_or_create(&config.log_key_path)?;
        let log = LogSigner::new(&config.origin, key).map_err(OpenError::Origin)?;
        let db = Db::open(&config.database)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(App {
            config: Arc::new(config),
            db,
            log: Arc::new(log),
            argon2_gate: Arc::new(Semaphore::new(cores)),
        })
    }

    /// Runs CPU-heavy key work (Argon2) on the blocking pool, at most one per core at a time.
    pub async fn key_work<T, F>(&self, work: F) -> Result<T, ShuttingDown>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self.argon2_gate.acquire().await.map_err(|_| ShuttingDown)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| ShuttingDown)
    }
}
