//! Asking witnesses (`IKRAR_WITNESSES`) to cosign the log's newest checkpoint, in the
//! background: after every append (and every 30 seconds, for a witness that was down) each
//! witness gets a C2SP tlog-witness `add-checkpoint` with a consistency proof from the size it
//! last cosigned. A 409 teaches the size it holds and the request is made again once from there.
//! Signing never waits for a witness. Cosignatures are stored and attached to the checkpoint
//! wherever it is handed out (`/log/checkpoint`, receipts, bundles).

use super::App;
use crate::config::WitnessConfig;
use crate::db::{log_store, witness_states, DbError};
use crate::domain::log_index::LogIndex;
use crate::i18n::{Lang, Words};
use ikrar_log::cosignature::{note_body, AddCheckpoint};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long a witness may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The most read of a witness's answer: a few cosignature lines are a few hundred bytes.
const MAX_ANSWER: usize = 16 * 1024;

/// How often the witnesses are asked again when nothing was appended.
const RETRY: Duration = Duration::from_secs(30);

/// Runs until the process ends; returns at once when no witness is configured.
pub async fn run(app: App) {
    if app.config.witnesses.is_empty() {
        return;
    }
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!("no HTTP client for witnesses: {e}");
            return;
        }
    };
    loop {
        if let Err(e) = round(&app, &client).await {
            tracing::warn!("asking witnesses: {e}");
        }
        let _ = tokio::time::timeout(RETRY, app.checkpoint_moved.notified()).await;
    }
}

/// A configured witness as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct WitnessStatus {
    pub name: String,
    /// The size of the newest checkpoint it cosigned for this log (0: none).
    pub size: LogIndex,
    pub cosigned_at: Option<chrono::NaiveDateTime>,
    /// Its last refusal or failure, when the last request did not end in a cosignature.
    pub error: Option<WitnessFailure>,
}

/// Why a request to a witness did not end in a cosignature. It is stored as JSON, so that each
/// admin reads it in their own language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WitnessFailure {
    /// The witness holds a larger tree than this log has: it has seen another log under this key.
    AheadOfLog { held: LogIndex, size: LogIndex },
    /// No answer: connection refused, time-out.
    Unreachable { detail: String },
    /// 409: the witness has cosigned another size (the body of its answer).
    Conflict { held: String },
    /// Any other status that is not a success, with the first line of the answer.
    Refused { status: u16, reason: String },
    /// A success without a cosignature that verifies on this checkpoint.
    NoCosignature,
    /// An answer longer than [`MAX_ANSWER`] bytes: not read further.
    TooLong,
    /// Text stored by an earlier version, which wrote it in Indonesian; shown as it is.
    Earlier { text: String },
}

impl WitnessFailure {
    /// What the failure says in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            WitnessFailure::AheadOfLog { held, size } => lang.fill(
                "witness.ahead_of_log",
                &[("held", &held.to_string()), ("size", &size.to_string())],
            ),
            WitnessFailure::Unreachable { detail } => {
                lang.fill("witness.unreachable", &[("detail", detail)])
            }
            WitnessFailure::Conflict { held } => lang.fill("witness.conflict", &[("held", held)]),
            WitnessFailure::Refused { status, reason } => lang.fill(
                "witness.refused",
                &[("status", &status.to_string()), ("reason", reason)],
            ),
            WitnessFailure::NoCosignature => lang.text("witness.no_cosignature").to_owned(),
            WitnessFailure::TooLong => lang.fill(
                "witness.too_long",
                &[("kib", &(MAX_ANSWER / 1024).to_string())],
            ),
            WitnessFailure::Earlier { text } => text.clone(),
        }
    }

    /// The stored form.
    fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the stored form back; text that is not one is an earlier version's.
    fn from_stored(text: &str) -> WitnessFailure {
        serde_json::from_str(text).unwrap_or_else(|_| WitnessFailure::Earlier {
            text: text.to_owned(),
        })
    }
}

/// Every configured witness, with what it last did.
pub async fn status(app: &App) -> Result<Vec<WitnessStatus>, DbError> {
    let states = app.db.run(witness_states::all).await?;
    Ok(app
        .config
        .witnesses
        .iter()
        .map(|w| {
            let state = states.iter().find(|s| s.witness_key == w.key_text);
            WitnessStatus {
                name: w.key.name().to_owned(),
                size: state.map_or(LogIndex(0), |s| s.size),
                cosigned_at: state.and_then(|s| s.cosigned_at),
                error: state
                    .and_then(|s| s.last_error.as_deref())
                    .map(WitnessFailure::from_stored),
            }
        })
        .collect())
}

/// Asks every witness that has not cosigned the newest checkpoint.
pub async fn round(app: &App, client: &reqwest::Client) -> Result<(), DbError> {
    let Some(head) = app.db.run(log_store::head).await? else {
        return Ok(());
    };
    let Some(body) = note_body(&head.checkpoint).map(str::to_owned) else {
        return Ok(());
    };
    for witness in &app.config.witnesses {
        let key = witness.key_text.clone();
        let state = app
            .db
            .run(move |conn| witness_states::get(conn, &key))
            .await?;
        if state.as_ref().and_then(|s| s.checkpoint_body.as_deref()) == Some(body.as_str()) {
            continue;
        }
        let held = state.map_or(LogIndex(0), |s| s.size);
        ask(app, client, witness, &head, &body, held).await?;
    }
    Ok(())
}

/// One witness, from the size it is believed to hold; once more from the size a 409 names.
async fn ask(
    app: &App,
    client: &reqwest::Client,
    witness: &WitnessConfig,
    head: &log_store::Head,
    body: &str,
    mut held: LogIndex,
) -> Result<(), DbError> {
    for _ in 0..2 {
        let outcome = if held > head.size {
            Err((
                None,
                WitnessFailure::AheadOfLog {
                    held,
                    size: head.size,
                },
            ))
        } else {
            post(app, client, witness, head, held).await?
        };
        let key = witness.key_text.clone();
        let now = chrono::Utc::now().naive_utc();
        match outcome {
            Ok(line) => {
                let (size, body, line) = (head.size, body.to_owned(), line);
                return app
                    .db
                    .run(move |conn| {
                        witness_states::record_cosignature(conn, &key, size, &body, &line, now)
                    })
                    .await;
            }
            Err((size, failure)) => {
                tracing::warn!(witness = %witness.key.name(), "{}", failure.text(Lang::En));
                let error = failure.to_stored();
                let retry = size.filter(|&s| s != held);
                app.db
                    .run(move |conn| witness_states::record_failure(conn, &key, size, &error, now))
                    .await?;
                match retry {
                    Some(size) => held = size,
                    None => return Ok(()),
                }
            }
        }
    }
    Ok(())
}

/// Posts `add-checkpoint`: the witness's cosignature line, or (the size it holds if it said,
/// why not).
async fn post(
    app: &App,
    client: &reqwest::Client,
    witness: &WitnessConfig,
    head: &log_store::Head,
    held: LogIndex,
) -> Result<Result<String, (Option<LogIndex>, WitnessFailure)>, DbError> {
    let proof = if held == LogIndex(0) {
        Vec::new()
    } else {
        super::log::consistency_proof(app, held.get(), head.size.get()).await?
    };
    let request = AddCheckpoint {
        old_size: held.get(),
        proof,
        checkpoint: head.checkpoint.clone(),
    };
    let sent = client
        .post(format!("{}/add-checkpoint", witness.url))
        .body(request.to_text())
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(e) => {
            let detail = e.to_string();
            return Ok(Err((None, WitnessFailure::Unreachable { detail })));
        }
    };
    let status = response.status();
    let text = match read_capped(response).await {
        Ok(text) => text,
        Err(failure) => return Ok(Err((None, failure))),
    };
    if status == reqwest::StatusCode::CONFLICT {
        let size = text.trim().parse::<u64>().ok().map(LogIndex);
        let held = text.trim().chars().take(40).collect();
        return Ok(Err((size, WitnessFailure::Conflict { held })));
    }
    if !status.is_success() {
        let reason = text
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>();
        let status = status.as_u16();
        return Ok(Err((None, WitnessFailure::Refused { status, reason })));
    }
    // Only a line that verifies under the configured key, on this very checkpoint, is kept.
    let line = text
        .split_inclusive('\n')
        .find(|line| {
            witness
                .key
                .cosigned_at(&format!("{}{line}", head.checkpoint))
                .is_some()
        })
        .map(str::to_owned);
    Ok(line.ok_or((None, WitnessFailure::NoCosignature)))
}

/// Reads a witness's answer, at most [`MAX_ANSWER`] bytes: a checkpoint's cosignatures are a
/// few hundred bytes, so a longer answer is refused without being held (the client's
/// [`TIMEOUT`] bounds the time).
async fn read_capped(mut response: reqwest::Response) -> Result<String, WitnessFailure> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER as u64)
    {
        return Err(WitnessFailure::TooLong);
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_ANSWER {
                    return Err(WitnessFailure::TooLong);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                let detail = e.to_string();
                return Err(WitnessFailure::Unreachable { detail });
            }
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_stored_without_a_language_and_read_in_either() {
        let failure = WitnessFailure::Refused {
            status: 422,
            reason: "inconsistent checkpoint refused".to_owned(),
        };
        let stored = failure.to_stored();
        assert!(!stored.contains("saksi") && !stored.contains("witness answered"));
        let read = WitnessFailure::from_stored(&stored);
        assert_eq!(read, failure);
        assert_eq!(
            read.text(Lang::Id),
            "saksi menjawab 422: inconsistent checkpoint refused"
        );
        assert_eq!(
            read.text(Lang::En),
            "the witness answered 422: inconsistent checkpoint refused"
        );
    }

    #[test]
    fn text_an_earlier_version_stored_is_shown_as_it_is() {
        let earlier = "409: saksi menandatangani ukuran 5";
        assert_eq!(WitnessFailure::from_stored(earlier).text(Lang::En), earlier);
    }
}
