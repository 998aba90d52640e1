//! Receipts: looked up by index and token, shown as a page or given as SPEC.md's JSON.

use super::signing::ReceiptRef;
use super::App;
use crate::db::{log_store, pacts, units, Conn, DbError};
use crate::domain::entry::{Entry, SignatureEntry};
use crate::log::receipt::Receipt;
use subtle::ConstantTimeEq;

/// A signature as its receipt page shows it.
#[derive(Debug, Clone)]
pub struct ReceiptView {
    pub reference: ReceiptRef,
    pub signature: SignatureEntry,
    pub pact_title: String,
    pub unit_name: String,
    pub instansi: String,
}

/// The signature entry at `index` if `token` is its token; `None` for anything else, so that a
/// wrong token and a missing entry look the same.
fn lookup(
    conn: &mut Conn,
    index: i64,
    token: &str,
) -> Result<Option<(ReceiptRef, String, SignatureEntry)>, DbError> {
    let Some(stored) = log_store::get(conn, index)? else {
        return Ok(None);
    };
    let reference = ReceiptRef::new(index, &stored.leaf_hash);
    if !bool::from(reference.token.as_bytes().ct_eq(token.as_bytes())) {
        return Ok(None);
    }
    let Ok(text) = String::from_utf8(stored.body) else {
        return Ok(None);
    };
    match Entry::parse(text.as_bytes()) {
        Ok(Entry::Signature(signature)) => Ok(Some((reference, text, signature))),
        _ => Ok(None),
    }
}

/// The receipt page's content.
pub async fn find(app: &App, index: i64, token: String) -> Result<Option<ReceiptView>, DbError> {
    app.db
        .run(move |conn| {
            let Some((reference, _, signature)) = lookup(conn, index, &token)? else {
                return Ok(None);
            };
            let pact_title = pacts::find(conn, &signature.claim.pact)?
                .map_or_else(|| signature.claim.pact.clone(), |p| p.title);
            let unit = units::find(conn, &signature.claim.unit)?;
            Ok(Some(ReceiptView {
                reference,
                pact_title,
                unit_name: unit.as_ref().map_or_else(String::new, |u| u.name.clone()),
                instansi: unit.map_or_else(String::new, |u| u.instansi),
                signature,
            }))
        })
        .await
}

/// The receipt as SPEC.md's JSON: the entry, its inclusion proof and the newest checkpoint.
pub async fn json(app: &App, index: i64, token: String) -> Result<Option<Receipt>, DbError> {
    let log_key = app.log.verifier_key();
    app.db
        .run(move |conn| {
            // One read transaction: the proof is for the tree the checkpoint signs.
            crate::db::read_transaction(conn, |conn| {
                let Some((_, text, _)) = lookup(conn, index, &token)? else {
                    return Ok(None);
                };
                let Some(head) = log_store::head(conn)? else {
                    return Ok(None);
                };
                let proof = log_store::inclusion_proof(conn, index as u64, head.size as u64)?;
                Ok(Some(Receipt::new(
                    log_key,
                    index as u64,
                    text,
                    &proof,
                    head.checkpoint,
                )))
            })
        })
        .await
}
