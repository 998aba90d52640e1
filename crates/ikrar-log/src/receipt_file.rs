//! A receipt as a file: the JSON itself, or a PDF bukti that carries the JSON as an attached
//! file named [`PDF_ATTACHMENT`] (docs/FORMATS.md, "The PDF bukti"). Either way the JSON is
//! what is verified; the PDF's visible page is for people.

use crate::finding::Finding;
pub use crate::pdf_receipt::PDF_ATTACHMENT;
use crate::pdf_receipt::{self, PdfError};
use crate::receipt::{self, Receipt, ReceiptSummary};
use crate::strict_json;
use crate::verify::Witnesses;

/// Why a file is not a readable receipt.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptFileError {
    #[error("bukan berkas bukti ikrar: {0}")]
    NotReceipt(String),
    /// JSON that breaks a strict rule: a finding (exit 1), not an unreadable file.
    #[error("{detail}")]
    Strict { code: Finding, detail: String },
    #[error(transparent)]
    Pdf(#[from] PdfError),
}

/// Reads a receipt from the bytes of a `.json` file or a PDF bukti.
pub fn read(bytes: &[u8]) -> Result<Receipt, ReceiptFileError> {
    if bytes.starts_with(b"%PDF-") {
        parse(&pdf_receipt::attachment(bytes)?)
    } else {
        parse(bytes)
    }
}

/// Reads and checks a receipt file: JSON that breaks a strict rule is a summary with that one
/// finding; a file that is no receipt at all is an error (no verdict).
pub fn check(
    bytes: &[u8],
    pinned_key: Option<&str>,
    witnesses: &Witnesses,
) -> Result<ReceiptSummary, ReceiptFileError> {
    match read(bytes) {
        Ok(receipt) => Ok(receipt::check(&receipt, pinned_key, witnesses)),
        Err(ReceiptFileError::Strict { code, detail }) => {
            Ok(ReceiptSummary::refused(pinned_key.is_some(), code, detail))
        }
        Err(e) => Err(e),
    }
}

/// The receipt in strict JSON (docs/FORMATS.md, "Strict JSON").
fn parse(json: &[u8]) -> Result<Receipt, ReceiptFileError> {
    let not_receipt = |e: &dyn std::fmt::Display| ReceiptFileError::NotReceipt(e.to_string());
    let text = std::str::from_utf8(json).map_err(|e| not_receipt(&e))?;
    if let Err(fault) = strict_json::check(text) {
        if let Some(code) = fault.code() {
            let detail = fault.detail();
            return Err(ReceiptFileError::Strict { code, detail });
        }
    }
    serde_json::from_str(text).map_err(|e| not_receipt(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_in_loose_json_are_findings() {
        for (json, code) in [
            (
                r#"{"format":"x","format":"ikrar-receipt/v1"}"#,
                "json_duplicate_key",
            ),
            (r#"{"index":62.0}"#, "json_number"),
        ] {
            let summary = check(json.as_bytes(), None, &Witnesses::default()).unwrap();
            let codes: Vec<_> = summary.faults.iter().map(|f| f.code).collect();
            assert_eq!(codes, [code], "{json}");
        }
        assert!(check(b"{\"a\":", None, &Witnesses::default()).is_err());
    }

    #[test]
    fn json_and_garbage() {
        assert!(matches!(read(b"{"), Err(ReceiptFileError::NotReceipt(_))));
        assert!(matches!(
            read(b"%PDF-1.7\nbukan pdf"),
            Err(ReceiptFileError::Pdf(_))
        ));
    }
}
