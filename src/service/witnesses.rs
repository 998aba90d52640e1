//! Asking witnesses (`IKRAR_WITNESSES`) to cosign the log's newest checkpoint, in the
//! background: after every append (and every 30 seconds, for a witness that was down) each
//! witness gets a C2SP tlog-witness `add-checkpoint` with a consistency proof from the size it
//! last cosigned. A 409 teaches the size it holds and the request is made again once from there.
//! Signing never waits for a witness. Cosignatures are stored and attached to the checkpoint
//! wherever it is handed out (`/log/checkpoint`, receipts, bundles).

use super::App;
use crate::config::WitnessConfig;
use crate::db::{log_store, witness_states, DbError};
use ikrar_log::cosignature::{note_body, AddCheckpoint};
use std::time::Duration;

/// How long a witness may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

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
    pub size: i64,
    pub cosigned_at: Option<chrono::NaiveDateTime>,
    /// Its last refusal or failure, when the last request did not end in a cosignature.
    pub error: Option<String>,
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
                size: state.map_or(0, |s| s.size),
                cosigned_at: state.and_then(|s| s.cosigned_at),
                error: state.and_then(|s| s.last_error.clone()),
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
        let held = state.map_or(0, |s| s.size);
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
    mut held: i64,
) -> Result<(), DbError> {
    for _ in 0..2 {
        let outcome = if held > head.size {
            Err((None, format!("saksi memegang ukuran {held}, lebih besar dari log ini ({}): ia melihat log lain dengan kunci ini", head.size)))
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
            Err((size, error)) => {
                tracing::warn!(witness = %witness.key.name(), "{error}");
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
    held: i64,
) -> Result<Result<String, (Option<i64>, String)>, DbError> {
    let proof = if held == 0 {
        Vec::new()
    } else {
        super::log::consistency_proof(app, held as u64, head.size as u64).await?
    };
    let request = AddCheckpoint {
        old_size: held as u64,
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
        Err(e) => return Ok(Err((None, format!("saksi tidak dapat dihubungi: {e}")))),
    };
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if status == reqwest::StatusCode::CONFLICT {
        let size = text.trim().parse::<i64>().ok();
        return Ok(Err((
            size,
            format!("409: saksi menandatangani ukuran {}", text.trim()),
        )));
    }
    if !status.is_success() {
        let reason = text
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>();
        return Ok(Err((None, format!("{}: {reason}", status.as_u16()))));
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
    Ok(line.ok_or((None, "jawaban saksi tanpa cosignature yang sah".to_owned())))
}
