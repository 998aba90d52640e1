//! Storage: the only module that knows diesel. A pool of connections, embedded migrations, and
//! queries grouped by what they serve.

pub mod activity;
pub mod admins;
pub mod api_tokens;
pub mod audit;
pub mod code_batches;
pub mod counts;
mod dialect;
pub mod employees;
pub mod guess_limits;
pub mod listings;
pub mod log_store;
mod one_trip;
pub mod pacts;
pub mod replaced_keys;
pub mod reset_requests;
pub mod roster_uploads;
pub mod schema;
pub mod secrets;
pub mod signatures;
pub mod units;
pub mod witness_states;

use crate::config::{DatabaseUrl, PoolSettings};
use dialect::{Ended, Purpose};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use secrecy::ExposeSecret;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A connection to the configured backend; every query takes it. Queries are written once for
/// both; what differs lives in `dialect`.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A failure of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("tidak dapat membuka basis data {target}: {source}")]
    Open {
        target: String,
        #[source]
        source: Cause,
    },
    #[error("migrasi basis data gagal: {0}")]
    Migration(#[source] Cause),
    #[error("koneksi basis data tidak tersedia: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// The error of getting a connection, given to every request of the batch that needed it.
    #[error("{0}")]
    Shared(#[source] std::sync::Arc<DbError>),
    #[error("kueri basis data gagal: {0}")]
    Query(#[from] diesel::result::Error),
    /// The blocking task that held the connection panicked or was cancelled.
    #[error("tugas basis data terhenti: {0}")]
    TaskFailed(#[source] tokio::task::JoinError),
    /// The log's writer went away (the server is stopping) before it answered this request.
    #[error("penulis log berhenti sebelum menjawab")]
    WriterGone,
    /// The writer committed a batch without an answer for this request.
    #[error("batch log selesai tanpa jawaban untuk permintaan ini")]
    NoAnswer,
    #[error("log transparansi tidak dapat ditulis: {0}")]
    Log(#[source] Cause),
    #[error("tidak ada log ikrar di {0}: periksa IKRAR_DATA_DIR atau DATABASE_URL (basis data dibuat oleh `ikrar serve` atau `ikrar migrate`)")]
    Missing(String),
    #[error("ikrar backup menyalin berkas SQLite; basis data PostgreSQL dicadangkan dengan pg_dump (lihat README)")]
    BackupIsPgDump,
}

/// An error from below, kept as the cause.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

impl DbError {
    /// Whether the database could not be reached at all (it is restarting, down, or every
    /// connection is busy past the pool's wait): worth trying again in a moment, and nothing
    /// was written.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            DbError::Pool(_) | DbError::Open { .. } => true,
            DbError::Shared(inner) => inner.is_unavailable(),
            DbError::Query(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => true,
            // The disk is full (SQLITE_FULL; PostgreSQL's 53100): the transaction rolled back,
            // and freeing space is all it takes.
            DbError::Query(Error::DatabaseError(_, info)) => {
                let said = info.message();
                said.contains("database or disk is full") || said.contains("No space left")
            }
            _ => false,
        }
    }

    /// Whether the error is a broken uniqueness rule (e.g. a second signature).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// Settings every pooled SQLite connection gets: wait for the writer rather than fail, enforce
/// foreign keys, and make a commit durable before it returns (a receipt means "on disk").
/// PostgreSQL's defaults already do all three.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<Conn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        match conn {
            Conn::Sqlite(c) => c
                .batch_execute(
                    "PRAGMA busy_timeout = 15000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
                )
                .map_err(diesel::r2d2::Error::QueryError),
            Conn::Pg(_) => Ok(()),
        }
    }
}

/// Opens a connection to PostgreSQL. Everything in ikrar (and its tests) connects through here.
///
/// A process ends while other threads may still be inside libpq (a pool thread replacing a
/// connection, a web worker dropping its pool), and two libraries libpq uses tear down their
/// global state at exit under those threads, which then die of a double free, a segmentation
/// fault or an assertion after all the work is done:
/// - OpenSSL registers a clean-up at exit (OpenSSL's bug report #6214). It is started here first,
///   without that clean-up; the operating system reclaims everything at exit anyway.
/// - Kerberos (GSSAPI) finalises itself at exit, and libpq asks it at every connection whether
///   it could encrypt with GSSAPI. Unless the URL says otherwise (`gssencmode=…`), libpq is
///   told not to: connections are encrypted with TLS (`sslmode`) as before.
pub fn establish_postgres(url: &str) -> diesel::ConnectionResult<PgConnection> {
    openssl_sys::init();
    PgConnection::establish(&without_gss_encryption(url))
}

/// `url` with `gssencmode=disable` added, unless it names a `gssencmode` itself.
fn without_gss_encryption(url: &str) -> std::borrow::Cow<'_, str> {
    if url.contains("gssencmode=") {
        url.into()
    } else if !url.contains("://") {
        format!("{url} gssencmode=disable").into()
    } else if url.contains('?') {
        format!("{url}&gssencmode=disable").into()
    } else {
        format!("{url}?gssencmode=disable").into()
    }
}

/// Opens pooled connections to the one backend the configuration names (diesel's own manager
/// would try every backend in turn on the same URL).
#[derive(Debug, Clone)]
pub struct Manager(DatabaseUrl);

impl Manager {
    fn establish(&self) -> diesel::ConnectionResult<Conn> {
        match &self.0 {
            DatabaseUrl::Sqlite(path) => {
                SqliteConnection::establish(&path.to_string_lossy()).map(Conn::Sqlite)
            }
            DatabaseUrl::Postgres(url) => establish_postgres(url.expose_secret()).map(Conn::Pg),
        }
    }
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, Self::Error> {
        self.establish()
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.is_broken()
    }
}

/// A handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    /// Set when the pool waited its whole wait and could not open a connection (the database
    /// server does not answer): requests then take one short look for a connection instead of
    /// each waiting the whole wait, until a connection comes back.
    unreachable: Arc<AtomicBool>,
}

/// How long a request waits for a connection while the database server is known not to
/// answer: long enough for a pool that has just reconnected.
const WAIT_WHILE_UNREACHABLE: Duration = Duration::from_secs(1);

/// A connection from `pool` (see [`Db::unreachable`]).
fn pooled(
    pool: &Pool<Manager>,
    unreachable: &AtomicBool,
) -> Result<PooledConnection<Manager>, DbError> {
    let known_down = unreachable.load(Ordering::Relaxed);
    let got = if known_down {
        pool.get_timeout(WAIT_WHILE_UNREACHABLE.min(pool.connection_timeout()))
    } else {
        pool.get()
    };
    match got {
        Ok(conn) => {
            if known_down {
                unreachable.store(false, Ordering::Relaxed);
            }
            Ok(conn)
        }
        Err(e) => {
            // Every connection busy leaves the pool full; a server that does not answer
            // leaves it short of connections it could not open.
            if pool.state().connections < pool.max_size() {
                unreachable.store(true, Ordering::Relaxed);
            }
            Err(e.into())
        }
    }
}

impl Db {
    /// Opens (creating an SQLite file if needed) and migrates the database, then builds the
    /// pool.
    pub fn open(url: &DatabaseUrl, pool: PoolSettings) -> Result<Db, DbError> {
        let manager = Manager(url.clone());
        let _migrated = establish_migrated(url)?;
        let pool = Pool::builder()
            .max_size(pool.size)
            .connection_timeout(pool.timeout)
            .connection_customizer(Box::new(SqlitePragmas))
            .build(manager)?;
        Ok(Db {
            pool,
            unreachable: Arc::default(),
        })
    }

    /// Opens a database that must already hold ikrar's tables, for the commands that read the
    /// log: a missing SQLite file, or a PostgreSQL database without them, is refused rather
    /// than created empty.
    pub fn open_existing(url: &DatabaseUrl, pool: PoolSettings) -> Result<Db, DbError> {
        let missing = || DbError::Missing(url.to_string());
        match url {
            DatabaseUrl::Sqlite(path) if !path.is_file() => return Err(missing()),
            DatabaseUrl::Sqlite(_) => {}
            DatabaseUrl::Postgres(_) => {
                let mut conn = Manager(url.clone())
                    .establish()
                    .map_err(|e| DbError::Open {
                        target: url.to_string(),
                        source: e.into(),
                    })?;
                if !dialect::has_log(&mut conn)? {
                    return Err(missing());
                }
            }
        }
        Self::open(url, pool)
    }

    /// Applies pending migrations over one connection and closes it (`ikrar migrate`).
    pub fn migrate(url: &DatabaseUrl) -> Result<(), DbError> {
        establish_migrated(url).map(drop)
    }

    /// The pool's connections: (open, of them idle, at most).
    pub fn pool_use(&self) -> (u32, u32, u32) {
        let state = self.pool.state();
        (
            state.connections,
            state.idle_connections,
            self.pool.max_size(),
        )
    }

    /// A connection for blocking code (CLI commands).
    pub fn conn(&self) -> Result<PooledConnection<Manager>, DbError> {
        pooled(&self.pool, &self.unreachable)
    }

    /// Runs blocking database work off the async workers and returns its result.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (pool, unreachable) = (self.pool.clone(), self.unreachable.clone());
        tokio::task::spawn_blocking(move || {
            let mut conn = pooled(&pool, &unreachable)?;
            work(&mut conn)
        })
        .await
        .map_err(DbError::TaskFailed)?
    }
}

/// One connection to a migrated database; an SQLite file (and its directory) is created private
/// first if missing.
fn establish_migrated(url: &DatabaseUrl) -> Result<Conn, DbError> {
    let open_error = |source: Cause| DbError::Open {
        target: url.to_string(),
        source,
    };
    if let DatabaseUrl::Sqlite(path) = url {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::hardening::private_dir(dir).map_err(|e| open_error(e.into()))?;
        }
        private_sqlite_files(path).map_err(|e| open_error(e.into()))?;
    }
    let mut conn = Manager(url.clone())
        .establish()
        .map_err(|e| open_error(e.into()))?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Creates the SQLite file with mode 0600 before SQLite opens it (SQLite gives its `-wal` and
/// `-shm` files the database file's mode), and makes existing ones 0600: they hold password
/// hashes, sealed keys and personal data.
fn private_sqlite_files(path: &std::path::Path) -> std::io::Result<()> {
    if !path.exists() {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        if file.exists() {
            crate::hardening::make_private(&file)?;
        }
    }
    Ok(())
}

/// Applies pending migrations: once per SQLite file (switching it to WAL first), and under a
/// PostgreSQL session lock so that app servers starting together take turns.
fn migrate(conn: &mut Conn) -> Result<(), DbError> {
    let failed = DbError::Migration;
    match conn {
        Conn::Sqlite(c) => {
            // WAL is a property of the file: switch it on once, before any pooled connection.
            c.batch_execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 15000;")?;
            c.run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(failed)?;
        }
        Conn::Pg(c) => {
            let lock = |c: &mut PgConnection, sql: &str| {
                diesel::sql_query(sql)
                    .bind::<diesel::sql_types::BigInt, _>(dialect::MIGRATION_LOCK)
                    .execute(c)
            };
            lock(c, "SELECT pg_advisory_lock($1)")?;
            let migrated = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(drop);
            lock(c, "SELECT pg_advisory_unlock($1)")?;
            migrated.map_err(failed)?;
        }
    }
    Ok(())
}

/// Runs `work` in a transaction that holds the write lock from its start, so that reads made to
/// decide a write (the log's next index, "already signed?") cannot go stale before it commits,
/// whichever app server or process writes meanwhile. An error from `work` rolls everything back.
pub fn write_transaction<T, E, F>(conn: &mut Conn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<DbError>,
{
    transaction(conn, Purpose::Write, work)
}

/// Runs a group-commit batch in one transaction (see `service::appender`): on PostgreSQL the
/// write lock is taken only when the batch first appends to the log, so that writes which need
/// no lock (guess-limit counters) do not queue behind other servers' appends.
pub fn batch_transaction<T, E, F>(conn: &mut Conn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<DbError>,
{
    transaction(conn, Purpose::Batch, work)
}

/// Reads in one transaction, so that everything read describes the same moment.
pub fn read_transaction<T, E, F>(conn: &mut Conn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<DbError>,
{
    transaction(conn, Purpose::Read, work)
}

fn transaction<T, E, F>(conn: &mut Conn, purpose: Purpose, work: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<DbError>,
{
    dialect::begin(conn, purpose).map_err(|e| E::from(DbError::from(e)))?;
    let outcome = work(conn);
    dialect::finish(conn, outcome).map_err(|ended| match ended {
        Ended::Work(e) => e,
        Ended::Db(e) => E::from(DbError::from(e)),
    })
}

impl Db {
    /// Writes a consistent copy of the live SQLite database to `out` (which must not exist),
    /// with SQLite's `VACUUM INTO`: readers and writers carry on meanwhile. PostgreSQL has
    /// `pg_dump` for this.
    pub fn backup_to(&self, out: &std::path::Path) -> Result<Option<log_store::Head>, DbError> {
        match &mut *self.conn()? {
            Conn::Sqlite(c) => {
                // An empty file is a valid target; made first so that it is private from the
                // start.
                drop(
                    crate::hardening::private_file(out).map_err(|e| DbError::Open {
                        target: out.display().to_string(),
                        source: e.into(),
                    })?,
                );
                diesel::sql_query("VACUUM INTO ?")
                    .bind::<diesel::sql_types::Text, _>(out.to_string_lossy().as_ref())
                    .execute(c)?;
            }
            Conn::Pg(_) => return Err(DbError::BackupIsPgDump),
        }
        // The copy opens, and holds a log: its newest checkpoint names what it holds.
        let mut copy = Conn::Sqlite(SqliteConnection::establish(&out.to_string_lossy()).map_err(
            |e| DbError::Open {
                target: out.display().to_string(),
                source: e.into(),
            },
        )?);
        log_store::head(&mut copy)
    }
}

#[cfg(test)]
mod tests {
    use super::without_gss_encryption;

    #[test]
    fn gss_encryption_is_turned_off_unless_the_url_names_it() {
        for (url, expected) in [
            ("postgres://u@h/db", "postgres://u@h/db?gssencmode=disable"),
            (
                "postgres://u@h/db?sslmode=require",
                "postgres://u@h/db?sslmode=require&gssencmode=disable",
            ),
            ("host=h dbname=db", "host=h dbname=db gssencmode=disable"),
            (
                "postgres://u@h/db?gssencmode=require",
                "postgres://u@h/db?gssencmode=require",
            ),
        ] {
            assert_eq!(without_gss_encryption(url), expected);
        }
    }
}
