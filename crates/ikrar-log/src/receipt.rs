//! Receipts (docs/FORMATS.md, "Receipts"): one signature entry with its inclusion proof and a
//! signed checkpoint, checkable offline.

use crate::entry::Entry;
use crate::finding::Finding;
use crate::merkle::{check_inclusion, leaf_hash, Hash};
use crate::note::LogVerifier;
use crate::values::format_time;
use crate::verify::{Fault, Witnesses};
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

/// What checking a receipt found: every finding, and the signer when the entry could be read.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReceiptSummary {
    /// Whether the auditor gave the log key; otherwise the receipt's own key was taken.
    pub log_key_pinned: bool,
    /// The entry's index in the log, as the receipt gives it.
    pub index: Option<u64>,
    /// Who signed what, when the entry is a readable signature entry.
    pub signer: Option<Signer>,
    /// The trusted witnesses whose cosignature the checkpoint carries.
    pub witnessed: Vec<String>,
    pub faults: Vec<Fault>,
}

/// The claim of a receipt's signature entry, as people read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Signer {
    pub pact: String,
    pub nip: String,
    pub name: String,
    pub unit: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub time: String,
}

impl ReceiptSummary {
    /// Whether everything held.
    pub fn is_valid(&self) -> bool {
        self.faults.is_empty()
    }

    /// A receipt judged on one finding alone (a file whose JSON is not strict).
    pub fn refused(pinned: bool, code: Finding, message: String) -> ReceiptSummary {
        let mut summary = ReceiptSummary {
            log_key_pinned: pinned,
            ..ReceiptSummary::default()
        };
        summary.fault(code, message);
        summary
    }

    fn fault(&mut self, code: Finding, message: impl Into<String>) {
        self.faults.push(Fault {
            index: None,
            code,
            message: message.into(),
        });
    }
}

/// Checks a receipt and reports every finding (docs/FORMATS.md, "Checking a receipt"), in this
/// order: the format (an unknown one ends the check), the pinned key, the checkpoint, the
/// witnesses, the entry, its signature, the inclusion proof. `pinned_key`, when given, is the
/// only log key trusted; the checkpoint must carry the cosignatures `witnesses` asks for.
pub fn check(receipt: &Receipt, pinned_key: Option<&str>, witnesses: &Witnesses) -> ReceiptSummary {
    let mut summary = ReceiptSummary {
        log_key_pinned: pinned_key.is_some(),
        index: Some(receipt.index),
        ..ReceiptSummary::default()
    };
    if receipt.format != RECEIPT_FORMAT {
        summary.fault(
            Finding::ReceiptFormat,
            format!("format bukti tidak dikenal: {}", receipt.format),
        );
        return summary;
    }
    let key = match pinned_key.map(str::trim) {
        Some(pinned) if pinned != receipt.log_key => {
            summary.fault(
                Finding::LogKeyMismatch,
                "kunci log pada bukti berbeda dengan kunci yang dipercaya",
            );
            pinned
        }
        Some(pinned) => pinned,
        None => receipt.log_key.as_str(),
    };
    let checkpoint = match LogVerifier::new(key).and_then(|v| v.open(&receipt.checkpoint)) {
        Ok(checkpoint) => Some(checkpoint),
        Err(e) => {
            summary.fault(e.code(), format!("checkpoint: {e}"));
            None
        }
    };
    if checkpoint.is_some() && !witnesses.keys.is_empty() {
        summary.witnessed = witnesses.cosigned(&receipt.checkpoint);
        if let Err(message) = witnesses.check(&receipt.checkpoint) {
            summary.fault(Finding::WitnessMissing, message);
        }
    }
    match Entry::parse(receipt.entry.as_bytes()) {
        Ok(Entry::Signature(entry)) => {
            if !entry.verify() {
                summary.fault(Finding::SignatureInvalid, "tanda tangan pegawai tidak sah");
            }
            let claim = &entry.claim;
            summary.signer = Some(Signer {
                pact: claim.pact.to_string(),
                nip: claim.nip.as_str().to_owned(),
                name: claim.name.clone(),
                unit: claim.unit.to_string(),
                time: format_time(claim.time),
            });
        }
        Ok(_) => summary.fault(
            Finding::ReceiptNotSignature,
            "entri bukan tanda tangan pakta",
        ),
        Err(e) => summary.fault(e.code(), format!("entri: {e}")),
    }
    if let Some(checkpoint) = checkpoint {
        let proof: Option<Vec<Hash>> = receipt
            .proof
            .iter()
            .map(|p| Hash::parse_hash(p).ok())
            .collect();
        let included = proof.is_some_and(|proof| {
            check_inclusion(
                &proof,
                receipt.index,
                checkpoint.size,
                leaf_hash(receipt.entry.as_bytes()),
                checkpoint.root,
            )
            .is_ok()
        });
        if !included {
            summary.fault(
                Finding::InclusionProof,
                format!(
                    "bukti inklusi tidak sah: entri {} tidak ada di pohon berukuran {}",
                    receipt.index, checkpoint.size
                ),
            );
        }
    }
    summary
}
