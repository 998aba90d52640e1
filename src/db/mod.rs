//! Storage: the only module that knows diesel. A pool of connections, embedded migrations, and
//! queries grouped by what they serve.

pub mod admins;
pub mod api_tokens;
pub mod audit;
pub mod counts;
pub mod employees;
pub mod guess_limits;
pub mod log_store;
pub mod pacts;
pub mod roster_uploads;
pub mod schema;
pub mod secrets;
pub mod signatures;
pub mod units;

use crate::config::DatabaseUrl;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// The connection type every query takes.
pub type Conn = SqliteConnection;
type Manager = ConnectionManager<Conn>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// A failure of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("tidak dapat membuka basis data {path}: {message}")]
    Open { path: String, message: String },
    #[error("migrasi basis data gagal: {0}")]
    Migration(String),
    #[error("koneksi basis data tidak tersedia: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("kueri basis data gagal: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("tugas basis data terhenti")]
    Join,
    #[error("log transparansi tidak dapat ditulis: {0}")]
    Log(String),
}

impl DbError {
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
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<Conn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 15000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// A handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
}

impl Db {
    /// Opens (creating if needed) and migrates the database, then builds the pool.
    pub fn open(url: &DatabaseUrl) -> Result<Db, DbError> {
        let DatabaseUrl::Sqlite(path) = url;
        let open_error = |message: String| DbError::Open {
            path: path.display().to_string(),
            message,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_error(e.to_string()))?;
        }
        let url = path.to_string_lossy().into_owned();
        let mut conn = Conn::establish(&url).map_err(|e| open_error(e.to_string()))?;
        // WAL is a property of the file: switch it on once, before any pooled connection.
        conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 15000;")?;
        conn.run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| DbError::Migration(e.to_string()))?;
        let pool = Pool::builder()
            .max_size(8)
            .connection_customizer(Box::new(SqlitePragmas))
            .build(Manager::new(url))?;
        Ok(Db { pool })
    }

    /// A connection for blocking code (CLI commands).
    pub fn conn(&self) -> Result<PooledConnection<Manager>, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs blocking database work off the async workers and returns its result.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            work(&mut conn)
        })
        .await
        .map_err(|_| DbError::Join)?
    }
}

/// Runs `work` in a transaction that takes the write lock at its start, so that reads made to
/// decide a write (the log's next index, "already signed?") cannot go stale before it commits.
/// An error from `work` rolls everything back.
pub fn write_transaction<T, E, F>(conn: &mut Conn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<DbError>,
{
    conn.immediate_transaction(|conn| work(conn).map_err(Failed::Work))
        .map_err(Failed::into_error)
}

/// Reads in one transaction, so that everything read describes the same moment.
pub fn read_transaction<T, E, F>(conn: &mut Conn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<DbError>,
{
    conn.transaction(|conn| work(conn).map_err(Failed::Work))
        .map_err(Failed::into_error)
}

/// A transaction ended by its work or by the database.
enum Failed<E> {
    Work(E),
    Db(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for Failed<E> {
    fn from(e: diesel::result::Error) -> Self {
        Failed::Db(e)
    }
}

impl<E: From<DbError>> Failed<E> {
    fn into_error(self) -> E {
        match self {
            Failed::Work(e) => e,
            Failed::Db(e) => E::from(DbError::from(e)),
        }
    }
}

impl Db {
    /// Writes a consistent copy of the live database to `out` (which must not exist), with
    /// SQLite's `VACUUM INTO`: readers and writers carry on meanwhile.
    pub fn backup_to(&self, out: &std::path::Path) -> Result<(), DbError> {
        let mut conn = self.conn()?;
        diesel::sql_query("VACUUM INTO ?")
            .bind::<diesel::sql_types::Text, _>(out.to_string_lossy().as_ref())
            .execute(&mut conn)?;
        Ok(())
    }
}
