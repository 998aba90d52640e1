//! Group commit: log appends that arrive while another batch is being written wait for it and
//! are then written together, in one transaction with one checkpoint and one commit (one
//! fsync, one lock), instead of queueing on the write lock one by one.
//!
//! There is no thread of its own. The first request to find nobody writing becomes the writer:
//! on a blocking thread it takes what is queued (at most `IKRAR_APPEND_BATCH` at a time),
//! writes it, answers each request after the commit, and goes on until the queue is empty.
//! Everything that can refuse a request is decided before its entry is written (a refusal
//! writes nothing), and if the batch's transaction fails as a whole (say, a signature another
//! server stored a moment earlier), each write is tried again alone, so that one request never
//! fails the others.

use crate::db::log_store::Batch;
use crate::db::{self, Conn, Db, DbError};
use ikrar_log::integrate::RightEdge;
use ikrar_log::note::LogSigner;
use ikrar_log::values::now_seconds;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// One request's writes, done inside a batch's transaction: what it returns is its answer, an
/// error rolls back the whole batch (and it is tried again alone). It may run more than once.
pub trait Work<T>: FnMut(&mut Conn, &mut Batch) -> Result<T, DbError> + Send + 'static {}

impl<T, F> Work<T> for F where F: FnMut(&mut Conn, &mut Batch) -> Result<T, DbError> + Send + 'static
{}

/// Writes queued log appends in batches.
pub struct Appender {
    db: Db,
    log: Arc<LogSigner>,
    /// Its batches append to the log, so they take the write lock as they begin (on
    /// PostgreSQL in the same round trip); otherwise only a batch that appends takes it.
    for_log: bool,
    limit: usize,
    queue: Mutex<Queue>,
    /// The log's right edge after this appender's last committed batch (one writer at a time
    /// uses it).
    edge: Mutex<RightEdge>,
    batches: AtomicU64,
    writes: AtomicU64,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Box<dyn Pending>>,
    writing: bool,
}

/// How many batches and writes were committed (`writes / batches` is the mean batch size),
/// and how many requests wait for the batch being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendStats {
    pub batches: u64,
    pub writes: u64,
    pub waiting: u64,
}

impl Appender {
    /// The log's appender, writing at most `limit` requests per transaction.
    pub fn new(db: Db, log: Arc<LogSigner>, limit: usize) -> Appender {
        Appender::with(db, log, limit, true)
    }

    /// An appender for writes that (as a rule) append nothing to the log.
    pub fn beside_log(db: Db, log: Arc<LogSigner>, limit: usize) -> Appender {
        Appender::with(db, log, limit, false)
    }

    fn with(db: Db, log: Arc<LogSigner>, limit: usize, for_log: bool) -> Appender {
        Appender {
            db,
            log,
            for_log,
            limit: limit.max(1),
            queue: Mutex::default(),
            edge: Mutex::default(),
            batches: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        }
    }

    /// Queues `work` for the next batch and returns its answer once the batch is committed.
    pub async fn append<T, W>(self: &Arc<Self>, work: W) -> Result<T, DbError>
    where
        T: Send + 'static,
        W: Work<T>,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let pending = Box::new(Request {
            work,
            answer: None,
            reply,
        });
        let start = {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.waiting.push_back(pending);
            !std::mem::replace(&mut queue.writing, true)
        };
        if start {
            let writer = Writer {
                appender: Arc::clone(self),
                finished: false,
            };
            tokio::task::spawn_blocking(move || writer.run());
        }
        answer.await.map_err(|_| DbError::WriterGone)?
    }

    /// Batches and writes committed so far, and requests waiting now.
    pub fn stats(&self) -> AppendStats {
        let waiting = self
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .waiting
            .len() as u64;
        AppendStats {
            batches: self.batches.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            waiting,
        }
    }

    /// Writes batches until nothing is queued. A panic in one request's work fails that
    /// batch's requests (their answers are dropped) and writing goes on.
    fn write_queued(&self) {
        loop {
            let batch: Vec<_> = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                if queue.waiting.is_empty() {
                    queue.writing = false;
                    return;
                }
                let n = queue.waiting.len().min(self.limit);
                queue.waiting.drain(..n).collect()
            };
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.write(batch)));
        }
    }

    /// Writes one batch: together if it can, else each request alone.
    fn write(&self, mut requests: Vec<Box<dyn Pending>>) {
        let mut conn = match self.db.conn() {
            Ok(conn) => conn,
            Err(e) => {
                let shared = std::sync::Arc::new(e);
                for request in requests {
                    request.reply(Some(DbError::Shared(shared.clone())));
                }
                return;
            }
        };
        let together = requests.len() > 1
            && self
                .transaction(&mut conn, |conn, batch| {
                    requests.iter_mut().try_for_each(|r| r.write(conn, batch))
                })
                .is_ok();
        if together {
            tracing::debug!(requests = requests.len(), "batch committed");
            self.count(1, requests.len());
            requests.into_iter().for_each(|r| r.reply(None));
            return;
        }
        for mut request in requests {
            let failure = self
                .transaction(&mut conn, |conn, batch| request.write(conn, batch))
                .err();
            if failure.is_none() {
                self.count(1, 1);
            }
            request.reply(failure);
        }
    }

    /// Runs `work` on a new batch in one transaction and signs the batch's checkpoint; keeps the
    /// log's new right edge once the transaction is committed.
    fn transaction(
        &self,
        conn: &mut Conn,
        work: impl FnOnce(&mut Conn, &mut Batch) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let mut edge = self.edge.lock().unwrap_or_else(PoisonError::into_inner);
        let batch = |conn: &mut Conn| {
            let mut batch = Batch::from_edge(std::mem::take(&mut *edge));
            if self.for_log {
                batch = batch.under_lock();
            }
            work(conn, &mut batch)?;
            batch.finish(conn, &self.log, now_seconds())
        };
        let committed = if self.for_log {
            db::write_transaction(conn, batch)
        } else {
            db::batch_transaction(conn, batch)
        }?;
        if let Some(new) = committed {
            *edge = new;
        }
        Ok(())
    }

    fn count(&self, batches: u64, writes: usize) {
        self.batches.fetch_add(batches, Ordering::Relaxed);
        self.writes.fetch_add(writes as u64, Ordering::Relaxed);
        if self.for_log {
            super::telemetry::batch_committed(writes, self.stats().waiting);
        }
    }
}

/// The turn to write, handed to a blocking thread. On a runtime that is shutting down that thread
/// never starts and the closure holding this is dropped unrun: then the queued requests are
/// failed (their callers get [`DbError::WriterGone`] instead of waiting forever) and the queue is free
/// for a later writer, instead of saying "someone is writing" for ever.
struct Writer {
    appender: Arc<Appender>,
    finished: bool,
}

impl Writer {
    fn run(mut self) {
        self.appender.write_queued();
        self.finished = true;
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.finished {
            let mut queue = self
                .appender
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            queue.waiting.clear();
            queue.writing = false;
        }
    }
}

/// A queued request, whatever its answer's type.
trait Pending: Send {
    /// Does the request's writes in the batch and keeps its answer.
    fn write(&mut self, conn: &mut Conn, batch: &mut Batch) -> Result<(), DbError>;
    /// Sends the kept answer, or `failure` if the writes did not commit.
    fn reply(self: Box<Self>, failure: Option<DbError>);
}

struct Request<T, W> {
    work: W,
    answer: Option<T>,
    reply: tokio::sync::oneshot::Sender<Result<T, DbError>>,
}

impl<T: Send + 'static, W: Work<T>> Pending for Request<T, W> {
    fn write(&mut self, conn: &mut Conn, batch: &mut Batch) -> Result<(), DbError> {
        self.answer = Some((self.work)(conn, batch)?);
        Ok(())
    }

    fn reply(self: Box<Self>, failure: Option<DbError>) {
        let answer = match (failure, self.answer) {
            (None, Some(answer)) => Ok(answer),
            (Some(e), _) => Err(e),
            (None, None) => Err(DbError::NoAnswer),
        };
        // The request may have gone (its client left); the writes stand all the same.
        let _ = self.reply.send(answer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;
    use crate::config::PoolSettings;
    use ed25519_dalek::SigningKey;
    use std::future::Future;

    fn appender(dir: &std::path::Path) -> Arc<Appender> {
        appender_with(dir, PoolSettings::default())
    }

    fn appender_with(dir: &std::path::Path, pool: PoolSettings) -> Arc<Appender> {
        let url = DatabaseUrl::Sqlite(dir.join("ikrar.db"));
        let db = Db::open(&url, pool).unwrap();
        let log = LogSigner::new("ikrar.test/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        Arc::new(Appender::new(db, Arc::new(log), 16))
    }

    #[test]
    fn a_batch_without_a_connection_fails_each_request_as_a_pool_error() {
        let dir = tempfile::tempdir().unwrap();
        let pool = PoolSettings {
            size: 1,
            timeout: std::time::Duration::from_millis(200),
        };
        let appender = appender_with(dir.path(), pool);
        let held = appender.db.conn().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let answers = runtime.block_on(async {
            let one = appender.append(|_: &mut Conn, _: &mut Batch| Ok(()));
            let two = appender.append(|_: &mut Conn, _: &mut Batch| Ok(()));
            tokio::join!(one, two)
        });
        drop(held);
        for answer in [answers.0, answers.1] {
            assert!(matches!(answer, Err(DbError::Shared(_))), "{answer:?}");
        }
    }

    #[test]
    fn a_writer_that_never_ran_fails_its_requests_and_frees_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let appender = appender(dir.path());
        // A runtime that is gone: the blocking thread for the writer never starts.
        let dead = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let handle = dead.handle().clone();
        drop(dead);
        let live = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let answer = live.block_on(async {
            let queued = appender.append(|_: &mut Conn, _: &mut Batch| Ok(()));
            let mut queued = std::pin::pin!(queued);
            // The request queues and hands the writer to the dead runtime's blocking pool.
            let first = {
                let _inside = handle.enter();
                std::future::poll_fn(|cx| std::task::Poll::Ready(queued.as_mut().poll(cx))).await
            };
            match first {
                std::task::Poll::Ready(answer) => answer,
                std::task::Poll::Pending => {
                    tokio::time::timeout(std::time::Duration::from_secs(10), queued)
                        .await
                        .expect("the request is failed, not left waiting")
                }
            }
        });
        assert!(matches!(answer, Err(DbError::WriterGone)), "{answer:?}");
        let queue = appender.queue.lock().unwrap();
        assert!(!queue.writing && queue.waiting.is_empty());
    }
}
