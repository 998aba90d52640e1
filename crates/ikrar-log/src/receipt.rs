//! Receipts (docs/FORMATS.md, "Receipts"): one signature entry with its inclusion proof and a
//! signed checkpoint, checkable offline.

use crate::entry::{Entry, EntryError, SignatureEntry};
use crate::merkle::{check_inclusion, leaf_hash, Hash};
use crate::note::{LogVerifier, NoteError};
use crate::verify::Witnesses;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The `format` value of a receipt.
pub const RECEIPT_FORMAT: &str = "ikrar-receipt/v1";

/// A receipt as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub format: String,
    pub log_key: String,
    pub index: u64,
    pub entry: String,
    pub proof: Vec<String>,
    pub checkpoint: String,
}

impl Receipt {
    /// A receipt for the entry at `index`, proven in the tree of `checkpoint`.
    pub fn new(
        log_key: String,
        index: u64,
        entry: String,
        proof: &[Hash],
        checkpoint: String,
    ) -> Receipt {
        Receipt {
            format: RECEIPT_FORMAT.to_owned(),
            log_key,
            index,
            entry,
            proof: proof.iter().map(|h| B64.encode(h.0)).collect(),
            checkpoint,
        }
    }
}

/// Why a receipt is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptFault {
    #[error("format bukti tidak dikenal: {0}")]
    Format(String),
    #[error("kunci log pada bukti berbeda dengan kunci yang dipercaya")]
    KeyMismatch,
    #[error("checkpoint: {0}")]
    Checkpoint(NoteError),
    #[error("entri: {0}")]
    Entry(EntryError),
    #[error("entri bukan tanda tangan pakta")]
    NotASignature,
    #[error("tanda tangan pegawai tidak sah")]
    Signature,
    #[error("bukti inklusi tidak sah: entri {index} tidak ada di pohon berukuran {size}")]
    Inclusion { index: u64, size: u64 },
    #[error("{0}")]
    Witnesses(String),
}

impl ReceiptFault {
    /// A stable code for programs.
    pub fn code(&self) -> &'static str {
        match self {
            ReceiptFault::Format(_) => "receipt_format",
            ReceiptFault::KeyMismatch => "log_key_mismatch",
            ReceiptFault::Checkpoint(e) => e.code(),
            ReceiptFault::Entry(e) => e.code(),
            ReceiptFault::NotASignature => "receipt_not_signature",
            ReceiptFault::Signature => "signature_invalid",
            ReceiptFault::Inclusion { .. } => "inclusion_proof",
            ReceiptFault::Witnesses(_) => "witness_missing",
        }
    }
}

/// Checks a receipt; `pinned_key`, when given, is the only log key trusted; the checkpoint
/// must carry the cosignatures `witnesses` asks for.
pub fn verify(
    receipt: &Receipt,
    pinned_key: Option<&str>,
    witnesses: &Witnesses,
) -> Result<SignatureEntry, ReceiptFault> {
    if receipt.format != RECEIPT_FORMAT {
        return Err(ReceiptFault::Format(receipt.format.clone()));
    }
    if pinned_key.is_some_and(|k| k.trim() != receipt.log_key) {
        return Err(ReceiptFault::KeyMismatch);
    }
    let verifier = LogVerifier::new(&receipt.log_key).map_err(ReceiptFault::Checkpoint)?;
    let checkpoint = verifier
        .open(&receipt.checkpoint)
        .map_err(ReceiptFault::Checkpoint)?;
    witnesses
        .check(&receipt.checkpoint)
        .map_err(ReceiptFault::Witnesses)?;
    let entry = match Entry::parse(receipt.entry.as_bytes()).map_err(ReceiptFault::Entry)? {
        Entry::Signature(signature) => signature,
        _ => return Err(ReceiptFault::NotASignature),
    };
    if !entry.verify() {
        return Err(ReceiptFault::Signature);
    }
    let inclusion = ReceiptFault::Inclusion {
        index: receipt.index,
        size: checkpoint.size,
    };
    let proof = receipt
        .proof
        .iter()
        .map(|p| Hash::parse_hash(p).map_err(|_| inclusion.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    check_inclusion(
        &proof,
        receipt.index,
        checkpoint.size,
        leaf_hash(receipt.entry.as_bytes()),
        checkpoint.root,
    )
    .map_err(|_| inclusion)?;
    Ok(entry)
}
