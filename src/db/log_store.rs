//! The append-only log: entries, the Merkle tree's stored hashes and the newest signed
//! checkpoint, all written in the caller's transaction.

use super::dialect::{fixed_statement, per_backend};
use super::schema::{log_entries, log_head, tree_hashes};
use super::{Conn, DbError};
use crate::domain::log_index::LogIndex;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::backend::Backend;
use diesel::dsl::max;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Binary, Text, Timestamp};
use ikrar_log::integrate::{integrate, RightEdge};
use ikrar_log::merkle::{self, Hash, HashReader, ProofError};
use ikrar_log::note::LogSigner;
use std::cell::RefCell;
use std::collections::HashMap;

/// The kinds of entry, as stored in the `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Pact,
    Key,
    Signature,
}

impl EntryKind {
    const ALL: [EntryKind; 3] = [EntryKind::Pact, EntryKind::Key, EntryKind::Signature];

    /// The kind as stored.
    fn as_str(self) -> &'static str {
        match self {
            EntryKind::Pact => "pact",
            EntryKind::Key => "key",
            EntryKind::Signature => "signature",
        }
    }
}

/// A stored kind that is none of the three.
#[derive(Debug, thiserror::Error)]
#[error("jenis entri log tidak dikenal: {0}")]
pub struct UnknownEntryKind(String);

/// How the database gives a kind back.
impl TryFrom<String> for EntryKind {
    type Error = UnknownEntryKind;

    fn try_from(stored: String) -> Result<Self, Self::Error> {
        EntryKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == stored)
            .ok_or(UnknownEntryKind(stored))
    }
}

/// One stored entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = log_entries)]
pub struct StoredEntry {
    #[diesel(column_name = idx, deserialize_as = i64)]
    pub index: LogIndex,
    #[diesel(deserialize_as = String)]
    pub kind: EntryKind,
    pub body: Vec<u8>,
    pub leaf_hash: Vec<u8>,
}

/// The newest checkpoint.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = log_head)]
pub struct Head {
    #[diesel(deserialize_as = i64)]
    pub size: LogIndex,
    pub root: Vec<u8>,
    pub checkpoint: String,
    /// When the checkpoint was signed.
    pub signed_at: NaiveDateTime,
}

/// Appends an entry at the end of the log, with its tree hashes and a new signed checkpoint, and
/// returns its index.
///
/// Call it inside a [`super::write_transaction`]: that transaction's write lock is what makes
/// appends one at a time, so indexes are gap-free and checkpoints never go backwards.
pub fn append(
    conn: &mut Conn,
    signer: &LogSigner,
    kind: EntryKind,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let mut batch = Batch::default().under_lock();
    let index = batch.push(conn, kind, body, now)?;
    batch.finish(conn, signer, now)?;
    Ok(index)
}

/// Several entries appended in one transaction (group commit): each entry's row is written as
/// it comes, so that rows pointing at it can follow; the tree hashes of all of them go in one
/// multi-row insert, and one checkpoint is signed for the lot.
///
/// The tree logic is [`integrate`]'s: this batch only finds the log's right edge (the one the
/// writer's last batch left, or else read back) and stores what integration gives.
///
/// A batch lives inside one [`super::batch_transaction`], where its first entry takes the write
/// lock, or a [`super::write_transaction`] ([`Batch::under_lock`]); its first entry finds the
/// end of the log, so that indexes are gap-free and checkpoints never go backwards, whichever
/// server appends.
#[derive(Default)]
pub struct Batch {
    /// The transaction holds the write lock already.
    locked: bool,
    /// Where the log ended when the lock was taken: its size and its checkpoint's root.
    start: Option<(i64, Option<Vec<u8>>)>,
    /// The leaf hashes of the entries written, in order.
    leaves: Vec<Hash>,
    /// The right edge as the writer's last committed batch left it; once the lock is held, only
    /// if the log still ends there (so an append by another server, or a database put back
    /// from a backup, only costs reading it again).
    edge: Option<RightEdge>,
}

impl Batch {
    /// A batch that starts from `edge`, what the writer's last committed batch left.
    pub fn from_edge(edge: RightEdge) -> Batch {
        Batch {
            edge: Some(edge),
            ..Batch::default()
        }
    }

    /// The same batch in a transaction that holds the write lock from its start (a
    /// [`super::write_transaction`]), so its first entry need not take it.
    pub fn under_lock(self) -> Batch {
        Batch {
            locked: true,
            ..self
        }
    }

    /// Writes an entry's row and returns its index; its hashes wait for [`Batch::finish`].
    pub fn push(
        &mut self,
        conn: &mut Conn,
        kind: EntryKind,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let row = EntryRow::new(self.next_index(conn)?, kind, body, now);
        let leaf = row.leaf();
        per_backend!(conn, c => row.execute(c))?;
        self.written(conn, leaf)
    }

    /// The index the next entry gets. The first call takes the write lock (unless the
    /// transaction holds it) and reads the log's size and root, keeping the batch's edge only if
    /// they are still the edge's.
    pub fn next_index(&mut self, conn: &mut Conn) -> Result<i64, DbError> {
        let size = match &self.start {
            Some((size, _)) => *size,
            None => {
                if !self.locked {
                    super::dialect::lock_log(conn)?;
                }
                let (size, root) = size_and_root(conn)?;
                // Kept only if the log still ends where it did: a batch that then writes
                // nothing gives it back for the next.
                self.edge = self.edge.take().filter(|e| {
                    e.size() == size as u64
                        && e.root().ok().map(|r| r.0.to_vec()).as_ref() == root.as_ref()
                });
                self.start = Some((size, root));
                size
            }
        };
        Ok(size + self.leaves.len() as i64)
    }

    /// Takes in the entry whose row the caller has just written at [`Batch::next_index`], with
    /// leaf hash `leaf`, and returns its index; its tree hashes wait for [`Batch::finish`].
    pub fn written(&mut self, conn: &mut Conn, leaf: Hash) -> Result<i64, DbError> {
        let index = self.next_index(conn)?;
        self.leaves.push(leaf);
        Ok(index)
    }

    /// Stores the batch's tree hashes and signs one checkpoint for the log as it now stands; a
    /// batch with no entries writes nothing. Returns the right edge for the writer's next batch,
    /// once this one is committed: the log's new one, or the one it was given if it never
    /// looked at the log (`None` if it did and wrote nothing).
    pub fn finish(
        self,
        conn: &mut Conn,
        signer: &LogSigner,
        now: DateTime<Utc>,
    ) -> Result<Option<RightEdge>, DbError> {
        let Some((size, root)) = self.start.filter(|_| !self.leaves.is_empty()) else {
            // Nothing was written (the lock may have been taken to find the next index, say
            // for a signature then refused): the edge still holds.
            return Ok(self.edge);
        };
        let edge = match self.edge {
            Some(edge) => edge,
            None => read_edge(conn, size as u64, root)?,
        };
        let grown = integrate(&edge, &self.leaves).map_err(log_error)?;
        let rows: Vec<_> = grown
            .stored
            .iter()
            .map(|(i, h)| {
                (
                    tree_hashes::idx.eq(*i as i64),
                    tree_hashes::hash.eq(h.0.to_vec()),
                )
            })
            .collect();
        // In chunks: SQLite allows at most 32,766 bound values in one statement.
        for chunk in rows.chunks(4096) {
            // A multi-row INSERT: the shared connection type cannot render one for SQLite.
            per_backend!(conn, c => diesel::insert_into(tree_hashes::table)
                .values(chunk)
                .execute(c))?;
        }
        let size = grown.edge.size();
        let checkpoint = signer
            .sign_checkpoint(size, grown.root)
            .map_err(log_error)?;
        let head = SetHead {
            size: size as i64,
            root: grown.root.0.as_slice(),
            checkpoint: &checkpoint,
            signed_at: now.naive_utc(),
        };
        per_backend!(conn, c => head.execute(c))?;
        Ok(Some(grown.edge))
    }
}

/// The right edge of the log of `size` entries, read from the stored hashes and checked
/// against the root of its checkpoint.
fn read_edge(conn: &mut Conn, size: u64, root: Option<Vec<u8>>) -> Result<RightEdge, DbError> {
    let wanted: Vec<i64> = merkle::right_edge(size)
        .into_iter()
        .map(|i| i as i64)
        .collect();
    let found = read_stored(conn, &wanted)?;
    let edge = RightEdge::new(size, found).map_err(log_error)?;
    let expected = root.unwrap_or_else(|| merkle::EMPTY_HASH.0.to_vec());
    if edge.root().map_err(log_error)?.0.as_slice() != expected.as_slice() {
        return Err(log_error(ProofError::Invalid));
    }
    Ok(edge)
}

/// The stored tree hashes at `indexes` that are there.
fn read_stored(conn: &mut Conn, indexes: &[i64]) -> Result<Vec<(u64, Hash)>, DbError> {
    Ok(tree_hashes::table
        .filter(tree_hashes::idx.eq_any(indexes))
        .select((tree_hashes::idx, tree_hashes::hash))
        .load::<(i64, Vec<u8>)>(conn)?
        .into_iter()
        .filter_map(|(i, h)| Some((i as u64, Hash(<[u8; 32]>::try_from(h).ok()?))))
        .collect())
}

/// Writes the newest checkpoint over the last, as fixed text (prepared once per connection;
/// diesel would prepare its own upsert afresh for every batch).
struct SetHead<'a> {
    size: i64,
    root: &'a [u8],
    checkpoint: &'a str,
    signed_at: NaiveDateTime,
}

impl<DB> QueryFragment<DB> for SetHead<'_>
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
    [u8]: ToSql<Binary, DB>,
    str: ToSql<Text, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("INSERT INTO log_head (id, size, root, checkpoint, signed_at) VALUES (1, ");
        out.push_bind_param::<BigInt, _>(&self.size)?;
        out.push_sql(", ");
        out.push_bind_param::<Binary, _>(self.root)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.checkpoint)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.signed_at)?;
        out.push_sql(
            ") ON CONFLICT (id) DO UPDATE SET size = excluded.size, root = excluded.root, \
             checkpoint = excluded.checkpoint, signed_at = excluded.signed_at",
        );
        Ok(())
    }
}

fixed_statement!(SetHead);

/// An entry's row. [`Batch::push`] writes it as a statement of its own; on PostgreSQL,
/// statements that write it together with what goes with it (a signature's row, an employee's
/// key) in one round trip take it with [`EntryRow::walk_from`]: their caller takes its index
/// from [`Batch::next_index`] and hands it back with [`Batch::written`] once the row is there.
pub(super) struct EntryRow<'a> {
    index: i64,
    kind: EntryKind,
    body: &'a [u8],
    leaf: Hash,
    at: NaiveDateTime,
}

impl<'a> EntryRow<'a> {
    pub(super) fn new(index: i64, kind: EntryKind, body: &'a [u8], at: DateTime<Utc>) -> Self {
        EntryRow {
            index,
            kind,
            body,
            leaf: merkle::leaf_hash(body),
            at: at.naive_utc(),
        }
    }

    /// The entry's leaf hash.
    pub(super) fn leaf(&self) -> Hash {
        self.leaf
    }

    /// Pushes `INSERT INTO log_entries … SELECT <the row> <source> RETURNING idx`: `source`
    /// (fixed SQL: `FROM …`, `WHERE …`) decides whether the row is written.
    pub(super) fn walk_from<'b>(
        &'b self,
        mut out: AstPass<'_, 'b, Pg>,
        source: &'static str,
    ) -> QueryResult<()> {
        QueryFragment::<Pg>::walk_ast(self, out.reborrow())?;
        out.push_sql(" ");
        out.push_sql(source);
        out.push_sql(" RETURNING idx");
        Ok(())
    }
}

/// `INSERT INTO log_entries (…) SELECT <the row>`: the row alone, as [`Batch::push`] writes it.
impl<DB> QueryFragment<DB> for EntryRow<'_>
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
    [u8]: ToSql<Binary, DB>,
    str: ToSql<Text, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("INSERT INTO log_entries (idx, kind, body, leaf_hash, appended_at) SELECT ");
        out.push_bind_param::<BigInt, _>(&self.index)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.kind.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Binary, _>(self.body)?;
        out.push_sql(", ");
        out.push_bind_param::<Binary, _>(self.leaf.0.as_slice())?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        Ok(())
    }
}

fixed_statement!(EntryRow);

fn log_error(e: impl std::error::Error + Send + Sync + 'static) -> DbError {
    DbError::Log(Box::new(e))
}

/// The entry at `index`, if the log is that long.
pub fn get(conn: &mut Conn, index: LogIndex) -> Result<Option<StoredEntry>, DbError> {
    Ok(log_entries::table
        .find(row(index)?)
        .select(StoredEntry::as_select())
        .get_result(conn)
        .optional()?)
}

/// Entries `start ≤ n < end`, in order.
pub fn range(conn: &mut Conn, start: LogIndex, end: LogIndex) -> Result<Vec<StoredEntry>, DbError> {
    let (start, end) = (row(start)?, row(end)?);
    Ok(log_entries::table
        .filter(log_entries::idx.ge(start).and(log_entries::idx.lt(end)))
        .order(log_entries::idx)
        .select(StoredEntry::as_select())
        .load(conn)?)
}

/// How many entries the log holds.
pub fn size(conn: &mut Conn) -> Result<LogIndex, DbError> {
    let last: Option<i64> = log_entries::table
        .select(max(log_entries::idx))
        .get_result(conn)?;
    LogIndex::try_from(last.map_or(0, |n| n + 1)).map_err(log_error)
}

/// An index as stored.
fn row(index: LogIndex) -> Result<i64, DbError> {
    index.to_row().map_err(log_error)
}

/// How many entries the log holds, and the root of its newest checkpoint, in one statement.
fn size_and_root(conn: &mut Conn) -> Result<(i64, Option<Vec<u8>>), DbError> {
    let (last, root): (Option<i64>, Option<Vec<u8>>) = diesel::select((
        log_entries::table
            .select(max(log_entries::idx))
            .single_value(),
        log_head::table
            .find(1)
            .select(log_head::root)
            .single_value(),
    ))
    .get_result(conn)?;
    Ok((last.map_or(0, |n| n + 1), root))
}

/// The newest signed checkpoint, if anything was ever appended.
pub fn head(conn: &mut Conn) -> Result<Option<Head>, DbError> {
    Ok(log_head::table
        .find(1)
        .select(Head::as_select())
        .get_result(conn)
        .optional()?)
}

/// The inclusion proof of entry `index` in the tree of `size` entries.
pub fn inclusion_proof(
    conn: &mut Conn,
    index: LogIndex,
    size: LogIndex,
) -> Result<Vec<Hash>, DbError> {
    merkle::inclusion_proof(index.get(), size.get(), &Hashes::new(conn)).map_err(log_error)
}

/// The consistency proof between trees of `from` and `to` entries.
pub fn consistency_proof(
    conn: &mut Conn,
    from: LogIndex,
    to: LogIndex,
) -> Result<Vec<Hash>, DbError> {
    merkle::consistency_proof(from.get(), to.get(), &Hashes::new(conn)).map_err(log_error)
}

/// The stored hashes, read through a connection, for proofs.
struct Hashes<'a>(RefCell<&'a mut Conn>);

impl<'a> Hashes<'a> {
    fn new(conn: &'a mut Conn) -> Self {
        Hashes(RefCell::new(conn))
    }
}

impl HashReader for Hashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let wanted: Vec<i64> = indexes.iter().map(|&i| i as i64).collect();
        let found: HashMap<u64, Hash> = read_stored(*self.0.borrow_mut(), &wanted)
            .map_err(|e| tlog_tiles::Error::InvalidInput(e.to_string()))?
            .into_iter()
            .collect();
        indexes
            .iter()
            .map(|i| {
                found
                    .get(i)
                    .copied()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;
    use crate::config::PoolSettings;
    use crate::db::dialect::text_of;
    use crate::db::{batch_transaction, Db};
    use diesel::sqlite::Sqlite;
    use ed25519_dalek::SigningKey;
    use ikrar_log::merkle::StreamingRoot;

    fn log(dir: &tempfile::TempDir) -> (Db, LogSigner) {
        let url = DatabaseUrl::Sqlite(dir.path().join("ikrar.db"));
        let db = Db::open(&url, PoolSettings::default()).unwrap();
        let signer = LogSigner::new("ikrar.test/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        (db, signer)
    }

    /// Appends `bodies` in one committed batch begun from `edge`; the edge for the next.
    fn append_from(
        (db, signer): &(Db, LogSigner),
        edge: RightEdge,
        bodies: &[String],
    ) -> Result<Option<RightEdge>, DbError> {
        let now = DateTime::from_timestamp(1_706_770_800, 0).unwrap();
        let mut conn = db.conn()?;
        batch_transaction(&mut conn, |conn| {
            let mut batch = Batch::from_edge(edge);
            for body in bodies {
                batch.push(conn, EntryKind::Pact, body.as_bytes(), now)?;
            }
            batch.finish(conn, signer, now)
        })
    }

    /// Appends `bodies` one batch each, carrying the edge along.
    fn append_each(log: &(Db, LogSigner), bodies: &[String]) -> RightEdge {
        bodies.iter().fold(RightEdge::default(), |edge, body| {
            append_from(log, edge, std::slice::from_ref(body))
                .unwrap()
                .unwrap()
        })
    }

    fn bodies(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix} {i}")).collect()
    }

    /// The root of the checkpoint stored, and the root of `bodies` computed from scratch.
    fn roots((db, _): &(Db, LogSigner), bodies: &[String]) -> (Vec<u8>, Vec<u8>) {
        let mut streaming = StreamingRoot::default();
        for body in bodies {
            streaming.push(merkle::leaf_hash(body.as_bytes()));
        }
        let stored = head(&mut db.conn().unwrap()).unwrap().unwrap().root;
        (stored, streaming.root().0.to_vec())
    }

    /// `n` entries appended one batch each, then every stored tree hash deleted: only what the
    /// edge returned holds can make the next root.
    fn appended_then_hashes_forgotten(log: &(Db, LogSigner), n: usize) -> (Vec<String>, RightEdge) {
        let all = bodies("a", n);
        let edge = append_each(log, &all);
        diesel::delete(tree_hashes::table)
            .execute(&mut *log.0.conn().unwrap())
            .unwrap();
        (all, edge)
    }

    #[test]
    fn a_batch_begun_from_the_edge_reads_no_stored_hash() {
        let dir = tempfile::tempdir().unwrap();
        let log = log(&dir);
        let (mut all, edge) = appended_then_hashes_forgotten(&log, 11);
        let more = bodies("b", 3);
        let edge = append_from(&log, edge, &more).unwrap().unwrap();
        all.extend(more);
        let (stored, expected) = roots(&log, &all);
        assert_eq!(stored, expected);
        let next = bodies("c", 1);
        append_from(&log, edge, &next).unwrap();
        assert!(append_from(&log, RightEdge::default(), &next).is_err());
    }

    #[test]
    fn a_batch_that_writes_nothing_gives_its_edge_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = log(&dir);
        let (mut all, edge) = appended_then_hashes_forgotten(&log, 6);
        // A batch that looks up the next index (as a refused signature does) and writes nothing.
        let now = DateTime::from_timestamp(1_706_770_800, 0).unwrap();
        let kept = batch_transaction(&mut log.0.conn().unwrap(), |conn| {
            let mut batch = Batch::from_edge(edge);
            assert_eq!(batch.next_index(conn)?, 6);
            batch.finish(conn, &log.1, now)
        })
        .unwrap()
        .expect("the edge, given back");
        let more = bodies("b", 2);
        append_from(&log, kept, &more).unwrap();
        all.extend(more);
        let (stored, expected) = roots(&log, &all);
        assert_eq!(stored, expected);
    }

    #[test]
    fn an_edge_from_another_log_of_the_same_size_is_not_used() {
        let (one, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (one, other) = (log(&one), log(&other));
        let edge = append_each(&one, &bodies("a", 5));
        let mut all = bodies("b", 5);
        append_each(&other, &all);
        let more = bodies("c", 2);
        append_from(&other, edge, &more).unwrap();
        all.extend(more);
        let (stored, expected) = roots(&other, &all);
        assert_eq!(stored, expected);
    }

    /// The statement is cached by its type, so its text must not change with its values.
    #[test]
    fn writing_an_entry_sends_the_same_text_whatever_its_values() {
        let at = |seconds| DateTime::from_timestamp(seconds, 0).unwrap();
        let plain = EntryRow::new(7, EntryKind::Pact, b"ikrar.test pact", at(1_706_770_800));
        let hostile = EntryRow::new(
            1 << 40,
            EntryKind::Signature,
            b"x'); DROP TABLE log_entries; --",
            at(1_706_857_200),
        );
        for (a, b) in [
            (text_of::<Pg>(&plain), text_of::<Pg>(&hostile)),
            (text_of::<Sqlite>(&plain), text_of::<Sqlite>(&hostile)),
        ] {
            assert_eq!(a, b);
            assert!(!a.contains("ikrar.test") && !a.contains("DROP"), "{a}");
        }
    }

    /// The statement is cached by its type, so its text must not change with its values.
    #[test]
    fn writing_the_head_sends_the_same_text_whatever_its_values() {
        let at = |seconds| DateTime::from_timestamp(seconds, 0).unwrap().naive_utc();
        let plain = SetHead {
            size: 7,
            root: &[1; 32],
            checkpoint: "ikrar.test/log\n7\nAQE=\n",
            signed_at: at(1_706_770_800),
        };
        let hostile = SetHead {
            size: 1 << 40,
            root: &[0x27; 32],
            checkpoint: "x'); DROP TABLE log_head; --",
            signed_at: at(1_706_857_200),
        };
        for (a, b) in [
            (text_of::<Pg>(&plain), text_of::<Pg>(&hostile)),
            (text_of::<Sqlite>(&plain), text_of::<Sqlite>(&hostile)),
        ] {
            assert_eq!(a, b);
            assert!(!a.contains("ikrar.test") && !a.contains("DROP"), "{a}");
        }
    }
}
