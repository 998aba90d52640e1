//! Looking up a receipt by its index and token.

use super::signing::ReceiptRef;
use super::App;
use crate::db::{log_store, pacts, units, DbError};
use crate::domain::entry::{Entry, SignatureEntry};
use subtle::ConstantTimeEq;

/// A signature as its receipt shows it.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub reference: ReceiptRef,
    pub signature: SignatureEntry,
    pub pact_title: String,
    pub unit_name: String,
    pub instansi: String,
}

/// The receipt at `index` if `token` is its token; `None` for anything else, so that a wrong
/// token and a missing entry look the same.
pub async fn find(app: &App, index: i64, token: String) -> Result<Option<Receipt>, DbError> {
    app.db
        .run(move |conn| {
            let Some(stored) = log_store::get(conn, index)? else {
                return Ok(None);
            };
            let reference = ReceiptRef::new(index, &stored.leaf_hash);
            if !bool::from(reference.token.as_bytes().ct_eq(token.as_bytes())) {
                return Ok(None);
            }
            let Ok(Entry::Signature(signature)) = Entry::parse(&stored.body) else {
                return Ok(None);
            };
            let pact_title = pacts::find(conn, &signature.claim.pact)?
                .map_or_else(|| signature.claim.pact.clone(), |p| p.title);
            let unit = units::find(conn, &signature.claim.unit)?;
            Ok(Some(Receipt {
                reference,
                pact_title,
                unit_name: unit.as_ref().map_or_else(String::new, |u| u.name.clone()),
                instansi: unit.map_or_else(String::new, |u| u.instansi),
                signature,
            }))
        })
        .await
}
