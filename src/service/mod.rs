//! Use cases that join the domain and the database: import a roster, activate, sign, publish a
//! pact. The web handlers and the CLI both call these and nothing below them.
//!
//! One calling convention: a use case is a function of `&App` and its inputs (owned, typed) that
//! runs its own transaction, writes its own audit record and returns a typed error. It is
//! `async` (the database work runs on the blocking pool, Argon2 on the key workers), except the
//! few that write a file into a `Write` on the caller's blocking thread (bundle, report, audit
//! CSV, activation codes) or run once at start (`seed_default`, `demo::seed`).

pub mod account_states;
pub mod accounts;
pub mod activation;
pub mod appender;
pub mod audit;
pub mod clock;
pub mod cosigning;
pub mod dashboard;
pub mod demo;
pub mod export;
pub mod health;
pub mod log;
pub mod pacts;
mod passwords;
pub mod receipt;
pub mod reports;
pub mod resets;
pub mod roster;
pub mod secrets;
pub mod sessions;
pub mod signing;
pub mod telemetry;
pub mod tokens;

use crate::config::{Config, DatabaseUrl};
use crate::db::pacts::StoredPact;
use crate::db::Db;
use ikrar_log::values::PactId;

/// A failure of the storage below the services (the database, or the log it holds). Its text is
/// for logs; pages show people a general message instead (`web::error`).
pub use crate::db::DbError;
use crate::domain::receipt_link::ReceiptKey;
use ikrar_log::key_file::{self, KeyFileError};
use ikrar_log::note::{LogSigner, NoteError};
use std::sync::Arc;

/// What every use case needs: the configuration, the database, the log key, and the workers
/// that run Argon2 derivations (19 MiB each by default), one per core, so memory stays bounded
/// whatever the load.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub db: Db,
    /// The log's signing key, named by its origin.
    pub log: Arc<LogSigner>,
    /// The secret behind receipt links and download grants (kept in the database, so that
    /// every app server shares it).
    pub receipts: Arc<ReceiptKey>,
    key_workers: Arc<KeyWorkers>,
    pacts: Arc<pacts::PactCache>,
    appender: Arc<appender::Appender>,
    /// Group commit for writes that append nothing to the log (guess-limit attempts).
    side_writes: Arc<appender::Appender>,
    /// Woken after every append: the witnesses are asked to cosign the new checkpoint.
    pub checkpoint_moved: Arc<tokio::sync::Notify>,
    /// The time second-factor codes are judged at.
    pub clock: Arc<clock::Clock>,
    /// What this server measures about itself (`/metrics`, the health page).
    pub telemetry: Arc<telemetry::Telemetry>,
}

/// The workers are gone: the server is shutting down.
#[derive(Debug, thiserror::Error)]
#[error("server sedang berhenti")]
pub struct ShuttingDown;

/// Why the app cannot start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    LogKey(#[from] KeyFileError),
    #[error("IKRAR_ORIGIN tidak dapat menjadi nama kunci log: {0}")]
    Origin(NoteError),
    #[error("thread Argon2 tidak dapat dijalankan: {0}")]
    Workers(std::io::Error),
}

impl App {
    /// Loads (or creates) the log key and opens (and migrates) the database.
    pub fn open(config: Config) -> Result<App, OpenError> {
        let key = key_file::load_or_create(&config.log_key_path)?;
        let db = Db::open(&config.database, config.pool)?;
        Self::assemble(config, key, db)
    }

    /// Opens an existing deployment, for the commands that read its log (exports, reports,
    /// backups): a missing database or log key is an error, never created afresh, so that a
    /// wrong data directory cannot yield a new, empty log signed by a new key.
    pub fn open_existing(config: Config) -> Result<App, OpenError> {
        let db = Db::open_existing(&config.database, config.pool)?;
        let key = key_file::load(&config.log_key_path)?;
        Self::assemble(config, key, db)
    }

    fn assemble(config: Config, key: ed25519_dalek::SigningKey, db: Db) -> Result<App, OpenError> {
        let log = LogSigner::new(&config.origin, key).map_err(OpenError::Origin)?;
        let receipt_key = shared_secret(&db, "receipt-hmac-key")?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let log = Arc::new(log);
        let appender = Arc::new(appender::Appender::new(
            db.clone(),
            log.clone(),
            config.append_batch,
        ));
        // SQLite has one writer per file: other writes join the log's batches. PostgreSQL
        // writes them beside the log, on a connection of their own, so that the log's writer
        // (the one queue every append goes through) does nothing else.
        let side_writes = match config.database {
            DatabaseUrl::Sqlite(_) => appender.clone(),
            DatabaseUrl::Postgres(_) => Arc::new(appender::Appender::beside_log(
                db.clone(),
                log.clone(),
                config.append_batch,
            )),
        };
        Ok(App {
            config: Arc::new(config),
            db,
            log,
            appender,
            side_writes,
            checkpoint_moved: Arc::default(),
            clock: Arc::default(),
            telemetry: Arc::default(),
            receipts: Arc::new(ReceiptKey::new(receipt_key)),
            key_workers: Arc::new(KeyWorkers::start(cores).map_err(OpenError::Workers)?),
            pacts: Arc::default(),
        })
    }

    /// Sets up a deployment without serving it (`ikrar migrate`): applies pending migrations
    /// and creates the log key (0600) if there is none, so that the other commands find a
    /// deployment to open.
    pub fn migrate(config: &Config) -> Result<(), OpenError> {
        Db::migrate(&config.database)?;
        key_file::load_or_create(&config.log_key_path)?;
        Ok(())
    }

    /// Writes a consistent copy of the SQLite database to `out` while the app keeps running,
    /// and returns the newest checkpoint in the copy (none for an empty log).
    pub fn backup_to(
        &self,
        out: &std::path::Path,
    ) -> Result<Option<crate::db::log_store::Head>, DbError> {
        self.db.backup_to(out)
    }

    /// A random secret shared by every app server (kept in the database), made on first use.
    pub fn shared_secret(&self, name: &str) -> Result<Vec<u8>, DbError> {
        shared_secret(&self.db, name)
    }

    /// The published pact `id`, read from the database once per server: a published pact never
    /// changes (its log entry fixes it), so the copy stays true on every app server.
    pub async fn pact(&self, id: &PactId) -> Result<Option<Arc<StoredPact>>, DbError> {
        if let Some(pact) = self.pacts.get(id) {
            return Ok(Some(pact));
        }
        let owned = id.clone();
        let found = self
            .db
            .run(move |conn| crate::db::pacts::find(conn, &owned))
            .await?;
        Ok(found.map(|pact| self.pacts.keep(pact)))
    }

    /// Appends to the log with group commit (see [`appender`]): `work` runs inside a batch's
    /// transaction, and its answer comes back once the batch is committed.
    pub async fn append<T, W>(&self, work: W) -> Result<T, DbError>
    where
        T: Send + 'static,
        W: appender::Work<T>,
    {
        let appended = self.appender.append(work).await;
        if appended.is_ok() {
            self.checkpoint_moved.notify_one();
        }
        appended
    }

    /// Writes that append nothing to the log, with group commit: on SQLite in the log's own
    /// batches, on PostgreSQL in batches of their own, written beside the log's.
    pub async fn write_beside_log<T, W>(&self, work: W) -> Result<T, DbError>
    where
        T: Send + 'static,
        W: appender::Work<T>,
    {
        self.side_writes.append(work).await
    }

    /// How many batches and appends this server has committed.
    pub fn append_stats(&self) -> appender::AppendStats {
        self.appender.stats()
    }

    /// Argon2id jobs waiting for a worker.
    pub fn key_work_waiting(&self) -> usize {
        self.key_workers.jobs.len()
    }

    /// Runs CPU-heavy key work (Argon2) on the key workers, waiting its turn. If the work
    /// panics, the panic is raised again here, in the caller.
    pub async fn key_work<T, F>(&self, work: F) -> Result<T, ShuttingDown>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.key_workers.run(work).await
    }
}

fn shared_secret(db: &Db, name: &str) -> Result<Vec<u8>, DbError> {
    crate::db::secrets::get_or_create(&mut *db.conn()?, name, || {
        let mut key = vec![0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut key);
        key
    })
}

type KeyJob = Box<dyn FnOnce() + Send>;

/// A fixed set of threads for Argon2: each keeps its own working memory between derivations
/// (see [`crate::keys::Argon2Params::derive`]), so the memory held is one block per core.
struct KeyWorkers {
    jobs: crossbeam_channel::Sender<KeyJob>,
}

impl KeyWorkers {
    fn start(threads: usize) -> std::io::Result<KeyWorkers> {
        let (jobs, queue) = crossbeam_channel::unbounded::<KeyJob>();
        for i in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("ikrar-argon2-{i}"))
                .spawn(move || queue.iter().for_each(|job| job()))?;
        }
        Ok(KeyWorkers { jobs })
    }

    async fn run<T, F>(&self, work: F) -> Result<T, ShuttingDown>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let queued = std::time::Instant::now();
        let job: KeyJob = Box::new(move || {
            telemetry::argon2_waited(queued.elapsed());
            // The worker outlives a panicking job; the panic travels to the caller.
            let _ = reply.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)));
        });
        self.jobs.send(job).map_err(|_| ShuttingDown)?;
        match answer.await.map_err(|_| ShuttingDown)? {
            Ok(value) => Ok(value),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Words};

    /// A database failure reaches a page as the catalog's sentence, whatever refusal carries
    /// it, and the log (its `Display`) with its cause.
    #[test]
    fn database_failures_are_told_in_the_catalogs_words_and_logged_with_their_cause() {
        let failure = || DbError::Query(diesel::result::Error::NotFound);
        let cause = failure().to_string();
        let check = |logged: String, page: &dyn Fn(Lang) -> String| {
            assert_eq!(logged, cause);
            for lang in Lang::ALL {
                assert_eq!(page(lang), lang.text("error.database"));
            }
        };
        use account_states::StateError;
        use accounts::AccountError;
        use sessions::SignInError;
        check(signing::SignError::Db(failure()).to_string(), &|l| {
            signing::SignError::Db(failure()).text(l)
        });
        check(
            activation::ActivationError::Db(failure()).to_string(),
            &|l| activation::ActivationError::Db(failure()).text(l),
        );
        check(resets::ResetError::Db(failure()).to_string(), &|l| {
            resets::ResetError::Db(failure()).text(l)
        });
        check(AccountError::Db(failure()).to_string(), &|l| {
            AccountError::Db(failure()).text(l)
        });
        check(SignInError::Db(failure()).to_string(), &|l| {
            SignInError::Db(failure()).text(l)
        });
        check(StateError::Db(failure()).to_string(), &|l| {
            StateError::Db(failure()).text(l)
        });
        check(pacts::PublishError::Db(failure()).to_string(), &|l| {
            pacts::PublishError::Db(failure()).text(l)
        });
    }

    #[test]
    fn key_work_raises_a_panic_in_the_caller_and_the_workers_go_on() {
        let workers = Arc::new(KeyWorkers::start(1).unwrap());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let run = |work: Box<dyn FnOnce() -> u32 + Send>| {
            let workers = workers.clone();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                runtime.block_on(workers.run(work))
            }))
        };
        let panic = run(Box::new(|| panic!("argon2 broke"))).expect_err("raised again");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"argon2 broke"));
        assert_eq!(run(Box::new(|| 7)).unwrap().unwrap(), 7);
    }
}
