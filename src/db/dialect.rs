//! What differs between SQLite and PostgreSQL in how statements run: how a transaction begins
//! (and so how writers queue), and a way to run statements that diesel writes in each
//! backend's own dialect (upserts) but that the shared connection type cannot express. The
//! statements PostgreSQL runs in one round trip where SQLite runs several are in
//! [`super::one_trip`]; every other query is written once for both.

use super::Conn;
use diesel::connection::SimpleConnection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

/// Runs one diesel statement on whichever backend `conn` is. The statement is written once;
/// diesel renders it for each dialect (e.g. `INSERT … ON CONFLICT … DO UPDATE`).
macro_rules! per_backend {
    ($conn:expr, $c:ident => $statement:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $statement,
            $crate::db::Conn::Pg($c) => $statement,
        }
    };
}
pub(crate) use per_backend;

/// Makes a statement written out by hand (a struct with a `QueryFragment` impl that pushes fixed
/// text and bind parameters) runnable with `execute` / `get_result`, and cached by its type:
/// prepared once per connection. diesel prepares upserts built with its DSL afresh on every
/// run, since their text may vary; a statement given here must push the same text whatever its
/// values.
macro_rules! fixed_statement {
    ($statement:ident) => {
        impl diesel::query_builder::QueryId for $statement<'_> {
            type QueryId = $statement<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl<C> diesel::RunQueryDsl<C> for $statement<'_> {}
    };
}
pub(crate) use fixed_statement;

/// The text `statement` sends to backend `DB`; its values go apart, as bind parameters.
#[cfg(test)]
pub(crate) fn text_of<DB>(statement: &impl diesel::query_builder::QueryFragment<DB>) -> String
where
    DB: diesel::backend::Backend + Default,
    DB::QueryBuilder: Default,
{
    use diesel::query_builder::QueryBuilder;
    let mut builder = DB::QueryBuilder::default();
    statement
        .to_sql(&mut builder, &DB::default())
        .expect("the statement renders");
    builder.finish()
}

/// The PostgreSQL advisory lock every writing transaction holds: ikrar's writes queue on it the
/// way SQLite's writers queue on the database file, whichever app server they come from.
const WRITE_LOCK: i64 = 0x0069_6b72_6172; // "ikrar" in ASCII

/// Begins a writer on PostgreSQL and queues it on [`WRITE_LOCK`] (its value written out; a test
/// checks it), in one round trip: two statements of one simple query.
const BEGIN_WRITE_PG: &str =
    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(452774224242)";

/// The PostgreSQL session lock held while migrations run, so that app servers starting together
/// do not migrate twice.
pub const MIGRATION_LOCK: i64 = WRITE_LOCK + 1;

/// What a transaction is for.
#[derive(Clone, Copy)]
pub enum Purpose {
    /// Reads that decide writes: the write lock is taken before the first read.
    Write,
    /// Reads only, all from one snapshot.
    Read,
    /// Group commit (`service::appender`): writes that need no lock of their own come first,
    /// and the log takes the write lock when its first entry is written ([`lock_log`]).
    Batch,
}

/// Begins a transaction for `purpose`.
///
/// SQLite: `BEGIN IMMEDIATE` takes the file's write lock at once; a plain `BEGIN` reads from one
/// snapshot. PostgreSQL: a writer begins at READ COMMITTED and first waits for [`WRITE_LOCK`],
/// so every statement after it sees every write committed before; a reader gets a REPEATABLE
/// READ, READ ONLY snapshot.
pub fn begin(conn: &mut Conn, purpose: Purpose) -> diesel::QueryResult<()> {
    match (conn, purpose) {
        (Conn::Sqlite(c), Purpose::Write | Purpose::Batch) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        (Conn::Sqlite(c), Purpose::Read) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")
        }
        (Conn::Pg(c), Purpose::Write) => {
            let begun = AnsiTransactionManager::begin_transaction_sql(c, BEGIN_WRITE_PG);
            if begun.is_err() {
                // BEGIN may have run before the lock failed: leave no transaction open.
                let _ = c.batch_execute("ROLLBACK");
            }
            begun
        }
        (Conn::Pg(c), Purpose::Read) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        ),
        (Conn::Pg(c), Purpose::Batch) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN ISOLATION LEVEL READ COMMITTED")
        }
    }
}

/// Takes the write lock inside a [`Purpose::Batch`] transaction, before the log is read to be
/// appended to (taking it again in a [`Purpose::Write`] one is harmless). SQLite's `BEGIN
/// IMMEDIATE` holds the file's lock already.
pub fn lock_log(conn: &mut Conn) -> diesel::QueryResult<()> {
    match conn {
        Conn::Sqlite(_) => Ok(()),
        Conn::Pg(c) => c.batch_execute(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})")),
    }
}

/// Ends the transaction [`begin`] started: commits `Ok`, rolls back `Err`.
pub fn finish<T, E>(conn: &mut Conn, outcome: Result<T, E>) -> Result<T, Ended<E>> {
    type Manager = <Conn as Connection>::TransactionManager;
    match outcome {
        // diesel's manager rolls back itself when COMMIT fails.
        Ok(value) => Manager::commit_transaction(conn)
            .map(|()| value)
            .map_err(Ended::Db),
        Err(e) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(Ended::Work(e)),
            Err(rollback) => Err(Ended::Db(rollback)),
        },
    }
}

/// Why a transaction ended without committing.
pub enum Ended<E> {
    /// The work inside it failed.
    Work(E),
    /// The database refused to begin, commit or roll back.
    Db(diesel::result::Error),
}

/// Whether the database already holds ikrar's log table (PostgreSQL; an SQLite file is checked
/// by its existence).
pub fn has_log(conn: &mut Conn) -> diesel::QueryResult<bool> {
    #[derive(diesel::QueryableByName)]
    struct Present {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        present: bool,
    }
    let sql = match conn {
        Conn::Sqlite(_) => {
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'log_head') AS present"
        }
        Conn::Pg(_) => "SELECT to_regclass('log_head') IS NOT NULL AS present",
    };
    diesel::RunQueryDsl::get_result::<Present>(diesel::sql_query(sql), conn).map(|p| p.present)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_postgres_writer_takes_the_write_lock() {
        let lock = format!("pg_advisory_xact_lock({WRITE_LOCK})");
        assert!(BEGIN_WRITE_PG.ends_with(&lock), "{BEGIN_WRITE_PG}");
        assert_eq!(MIGRATION_LOCK, WRITE_LOCK + 1);
    }
}
