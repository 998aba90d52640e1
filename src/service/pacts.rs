//! Publishing pacts: a `pact` log entry and its row, written together and never changed.

use crate::db::pacts::StoredPact;
use crate::db::{self, log_store, log_store::EntryKind, pacts, Conn, DbError};
use crate::i18n::{Lang, Words};
use chrono::{DateTime, Utc};
use ikrar_log::entry::{Entry, PactEntry};
use ikrar_log::note::LogSigner;
use ikrar_log::pact::Pact;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Why a pact cannot be published.
#[derive(Debug)]
pub enum PublishError {
    IdTaken(String),
    Window,
    Db(DbError),
}

impl PublishError {
    /// What the admin reads, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            PublishError::IdTaken(id) => lang.fill("publish.id_taken", &[("id", id)]),
            PublishError::Window => lang.text("publish.window").to_owned(),
            PublishError::Db(e) => e.to_string(),
        }
    }
}

ikrar_log::indonesian_display!(PublishError);

impl From<DbError> for PublishError {
    fn from(e: DbError) -> Self {
        PublishError::Db(e)
    }
}

/// When signing is allowed; `None` leaves that side open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
}

/// Publishes a pact; publishing the same text under the same id again changes nothing.
/// Returns the pact's log index.
pub fn publish(
    conn: &mut Conn,
    log: &LogSigner,
    pact: &Pact,
    window: Window,
    now: DateTime<Utc>,
) -> Result<i64, PublishError> {
    if let (Some(open), Some(close)) = (window.opens_at, window.closes_at) {
        if close <= open {
            return Err(PublishError::Window);
        }
    }
    let digest = pact.digest_hex();
    db::write_transaction(conn, |conn| {
        if let Some(existing) = pacts::find(conn, &pact.id)? {
            return if existing.sha256 == digest {
                Ok(existing.log_index)
            } else {
                Err(PublishError::IdTaken(pact.id.clone()))
            };
        }
        let entry = Entry::Pact(PactEntry {
            id: pact.id.clone(),
            title: pact.title.clone(),
            sha256: digest.clone(),
            time: now,
        });
        let index = log_store::append(conn, log, EntryKind::Pact, entry.to_text().as_bytes(), now)?;
        pacts::insert(
            conn,
            &pacts::NewPact {
                id: &pact.id,
                title: &pact.title,
                body: &pact.body,
                sha256: &digest,
                published_at: now.naive_utc(),
                opens_at: window.opens_at.map(|t| t.naive_utc()),
                closes_at: window.closes_at.map(|t| t.naive_utc()),
                log_index: index,
            },
        )?;
        Ok(index)
    })
}

/// Publishes the default pact unless a pact with its id exists.
pub fn seed_default(
    conn: &mut Conn,
    log: &LogSigner,
    now: DateTime<Utc>,
) -> Result<(), PublishError> {
    publish(conn, log, &Pact::default_pact(), Window::default(), now).map(|_| ())
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
            map.insert(pact.id.clone(), pact.clone());
        }
        pact
    }
}
