//! Publishing pacts: a `pact` log entry and its row, written together and never changed.

use super::App;
pub use crate::db::pacts::StoredPact;
use crate::db::{self, audit, log_store, log_store::EntryKind, pacts, Conn, DbError};
use crate::domain::audit::{Actor, AuditAction};
use crate::i18n::{Lang, Words};
use chrono::{DateTime, Utc};
use ikrar_log::entry::{Entry, PactEntry};
use ikrar_log::note::LogSigner;
use ikrar_log::pact::Pact;
use ikrar_log::values::now_seconds;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Why a pact cannot be published.
#[derive(Debug, thiserror::Error)]
#[error("{}", ikrar_log::i18n::indonesian(self))]
pub enum PublishError {
    IdTaken(String),
    Window,
    /// Logged with its cause; the page says only that the database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl PublishError {
    /// What the admin reads, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            PublishError::IdTaken(id) => lang.fill("publish.id_taken", &[("id", id)]),
            PublishError::Window => lang.text("publish.window").to_owned(),
            PublishError::Db(_) => lang.text("error.database").to_owned(),
        }
    }
}

ikrar_log::localized!(PublishError);

/// When signing is allowed; `None` leaves that side open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
}

impl Window {
    fn of(pact: &StoredPact) -> Window {
        Window {
            opens_at: pact.opens_at.map(|t| t.and_utc()),
            closes_at: pact.closes_at.map(|t| t.and_utc()),
        }
    }
}

/// Publishes a pact: its log entry, its row and the audit record, in one transaction. An id is
/// published once: the same pact again (a form sent twice) changes nothing and answers with the
/// first one's log index; another text or window under that id is refused. Returns the pact's
/// log index.
pub async fn publish(
    app: &App,
    actor: Actor,
    pact: Pact,
    window: Window,
) -> Result<i64, PublishError> {
    let log = app.log.clone();
    app.db
        .run(move |conn| publish_in(conn, &log, &pact, window, now_seconds(), Some(&actor)))
        .await
}

fn publish_in(
    conn: &mut Conn,
    log: &LogSigner,
    pact: &Pact,
    window: Window,
    now: DateTime<Utc>,
    actor: Option<&Actor>,
) -> Result<i64, PublishError> {
    if let (Some(open), Some(close)) = (window.opens_at, window.closes_at) {
        if close <= open {
            return Err(PublishError::Window);
        }
    }
    let digest = pact.digest();
    db::write_transaction(conn, |conn| {
        if let Some(existing) = pacts::find(conn, &pact.id)? {
            return if existing.sha256 == digest && Window::of(&existing) == window {
                Ok(existing.log_index)
            } else {
                Err(PublishError::IdTaken(pact.id.to_string()))
            };
        }
        let entry = Entry::Pact(PactEntry {
            id: pact.id.clone(),
            title: pact.title.clone(),
            sha256: digest,
            time: now,
        });
        let index = log_store::append(conn, log, EntryKind::Pact, entry.to_text().as_bytes(), now)?;
        pacts::insert(
            conn,
            &pacts::NewPact {
                id: &pact.id,
                title: &pact.title,
                body: &pact.body,
                sha256: &digest.to_string(),
                published_at: now.naive_utc(),
                opens_at: window.opens_at.map(|t| t.naive_utc()),
                closes_at: window.closes_at.map(|t| t.naive_utc()),
                log_index: index,
            },
        )?;
        if let Some(actor) = actor {
            let detail = format!("{} (entri {index})", pact.id);
            audit::record(conn, actor, AuditAction::PactPublish, &detail, now)?;
        }
        Ok(index)
    })
}

/// Every published pact, newest first.
pub async fn all(app: &App) -> Result<Vec<StoredPact>, DbError> {
    app.db.run(pacts::all).await
}

/// Publishes the default pact unless it is there (at every start; not an admin's action, so not
/// in the audit trail).
pub fn seed_default(app: &App) -> Result<(), PublishError> {
    let mut conn = app.db.conn()?;
    let pact = Pact::default_pact();
    publish_in(
        &mut conn,
        &app.log,
        &pact,
        Window::default(),
        now_seconds(),
        None,
    )
    .map(|_| ())
}

/// Published pacts a server has read, by id. Only pacts that exist are kept, so the map holds no
/// more than the pacts published.
#[derive(Default)]
pub struct PactCache(RwLock<HashMap<String, Arc<StoredPact>>>);

impl PactCache {
    /// The pact `id`, if read before.
    pub fn get(&self, id: &str) -> Option<Arc<StoredPact>> {
        self.0.read().ok()?.get(id).cloned()
    }

    /// Keeps `pact` and returns it shared.
    pub fn keep(&self, pact: StoredPact) -> Arc<StoredPact> {
        let pact = std::sync::Arc::new(pact);
        if let Ok(mut map) = self.0.write() {
            map.insert(pact.id.to_string(), pact.clone());
        }
        pact
    }
}
