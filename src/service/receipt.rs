//! Receipts. The public page behind a receipt's link (its QR code) shows only what
//! [`PublicReceipt`] holds: pact, name, masked NIP, unit, time, log index and whether the entry is
//! in the log under the current checkpoint. The full receipt (the JSON of docs/FORMATS.md,
//! "Receipts" with the entry and its proof, which carry the full NIP) goes only to the signer: see
//! [`full`] and [`redownload`].

use super::signing::{self, SignError};
use super::App;
use crate::db::{log_store, pacts, units, Conn, DbError};
use crate::domain::log_index::LogIndex;
use crate::domain::receipt_link::ReceiptRef;
use chrono::{DateTime, Utc};
use ikrar_log::entry::{Entry, SignatureEntry};
use ikrar_log::merkle::{check_inclusion, leaf_hash, Hash};
use ikrar_log::nip::{mask, Nip};
use ikrar_log::receipt::Receipt;
use ikrar_log::values::now_seconds;
use ikrar_log::values::PactId;
use zeroize::Zeroizing;

/// What anyone holding a receipt's link may see, and nothing more.
#[derive(Debug, Clone)]
pub struct PublicReceipt {
    pub reference: ReceiptRef,
    pub pact_id: PactId,
    pub pact_title: String,
    pub name: String,
    pub masked_nip: String,
    pub unit_code: String,
    pub unit_name: String,
    pub instansi: String,
    pub time: DateTime<Utc>,
    /// The size of the current checkpoint, when the entry is proven in its tree.
    pub in_checkpoint: Option<LogIndex>,
}

/// The signature entry at `index`, if there is one.
fn signature_at(
    conn: &mut Conn,
    index: LogIndex,
) -> Result<Option<(String, SignatureEntry)>, DbError> {
    let Some(stored) = log_store::get(conn, index)? else {
        return Ok(None);
    };
    let Ok(text) = String::from_utf8(stored.body) else {
        return Ok(None);
    };
    match Entry::parse(text.as_bytes()) {
        Ok(Entry::Signature(signature)) => Ok(Some((text, signature))),
        _ => Ok(None),
    }
}

/// The public page's content, if `token` is the link of a signature at `index` (a wrong token
/// and a missing entry look the same).
pub async fn find(
    app: &App,
    index: LogIndex,
    token: String,
) -> Result<Option<PublicReceipt>, DbError> {
    if !app.receipts.is_token(index, &token) {
        return Ok(None);
    }
    let reference = app.receipts.reference(index);
    app.db
        .run(move |conn| {
            crate::db::read_transaction(conn, |conn| {
                let Some((text, signature)) = signature_at(conn, index)? else {
                    return Ok(None);
                };
                let claim = signature.claim;
                let pact_title = pacts::find(conn, &claim.pact)?
                    .map_or_else(|| claim.pact.to_string(), |p| p.title);
                let unit = units::find(conn, &claim.unit)?;
                let in_checkpoint = proven_size(conn, index, &text)?;
                Ok(Some(PublicReceipt {
                    reference,
                    pact_title,
                    name: claim.name,
                    masked_nip: mask(claim.nip.as_str()),
                    unit_name: unit.as_ref().map_or_else(String::new, |u| u.name.clone()),
                    instansi: unit.map_or_else(String::new, |u| u.instansi),
                    unit_code: claim.unit.to_string(),
                    pact_id: claim.pact.clone(),
                    time: claim.time,
                    in_checkpoint,
                }))
            })
        })
        .await
}

/// The current checkpoint's size if the entry `text` at `index` is proven in its tree.
fn proven_size(conn: &mut Conn, index: LogIndex, text: &str) -> Result<Option<LogIndex>, DbError> {
    let Some(head) = log_store::head(conn)? else {
        return Ok(None);
    };
    if index >= head.size {
        return Ok(None);
    }
    let Ok(root) = <[u8; 32]>::try_from(head.root.as_slice()) else {
        return Ok(None);
    };
    let proof = log_store::inclusion_proof(conn, index, head.size)?;
    let proven = check_inclusion(
        &proof,
        index.get(),
        head.size.get(),
        leaf_hash(text.as_bytes()),
        Hash(root),
    );
    Ok(proven.is_ok().then_some(head.size))
}

/// The full receipt of the signature at `index`: the entry, its inclusion proof and the newest
/// checkpoint. Only for a caller who has shown it is the signer.
pub async fn full(app: &App, index: LogIndex) -> Result<Option<Receipt>, DbError> {
    let log_key = app.log.verifier_key();
    app.db
        .run(move |conn| {
            // One read transaction: the proof is for the tree the checkpoint signs.
            crate::db::read_transaction(conn, |conn| {
                let Some((text, _)) = signature_at(conn, index)? else {
                    return Ok(None);
                };
                let Some(head) = log_store::head(conn)? else {
                    return Ok(None);
                };
                let proof = log_store::inclusion_proof(conn, index, head.size)?;
                let checkpoint = crate::db::witness_states::attach(conn, head.checkpoint)?;
                Ok(Some(Receipt::new(
                    log_key,
                    index.get(),
                    text,
                    &proof,
                    checkpoint,
                )))
            })
        })
        .await
}

/// The full receipt for whoever gives the signer's NIP and passphrase again. A NIP that is not
/// the entry's, an unknown one and a wrong passphrase get the same answer
/// ([`SignError::BadCredentials`]), in the same time, and count against the guess limit.
pub async fn redownload(
    app: &App,
    index: LogIndex,
    token: String,
    nip: &str,
    passphrase: Zeroizing<String>,
) -> Result<Receipt, SignError> {
    if !app.receipts.is_token(index, &token) {
        return Err(SignError::PactNotFound);
    }
    let nip = Nip::parse(nip, app.config.today()).map_err(SignError::InvalidNip)?;
    let signer = app
        .db
        .run(move |conn| signature_at(conn, index))
        .await?
        .map(|(_, signature)| signature.claim.nip)
        .ok_or(SignError::PactNotFound)?;
    let now = now_seconds();
    let (_, key) = signing::open_key(app, &nip, passphrase, now).await?;
    drop(key);
    if nip.as_str() != signer.as_str() {
        signing::record_failure(app, &nip, now).await?;
        return Err(SignError::BadCredentials);
    }
    let forget = nip.clone();
    app.db
        .run(move |conn| signing::forget_failures(conn, &forget))
        .await?;
    full(app, index).await?.ok_or(SignError::PactNotFound)
}
