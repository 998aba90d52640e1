//! A receipt as a file: the JSON itself, or a PDF bukti that carries the JSON as an attached
//! file named [`PDF_ATTACHMENT`] (docs/FORMATS.md, "The PDF bukti"). Either way the JSON is
//! what is verified; the PDF's visible page is for people.

use crate::receipt::{self, Receipt, ReceiptSummary};
use crate::strict_json::{self, StrictFault};
use crate::verify::Witnesses;
use lopdf::{Dictionary, Document, LoadOptions, Object};

/// The name of the receipt JSON attached to a PDF bukti.
pub const PDF_ATTACHMENT: &str = "bukti-ikrar.json";

/// The most a receipt JSON may hold once decompressed (a receipt is a few KiB).
const MAX_JSON_BYTES: usize = 1 << 20;

/// The most the PDF's compressed objects may inflate to while it is read (a bukti is ~100 KiB).
const MAX_PDF_OBJECTS_BYTES: usize = 64 << 20;

/// Why a file is not a readable receipt.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptFileError {
    #[error("bukan berkas bukti ikrar: {0}")]
    NotReceipt(String),
    /// JSON that breaks a strict rule: a finding (exit 1), not an unreadable file.
    #[error("{}", .0.detail())]
    Strict(StrictFault),
    #[error("PDF tidak dapat dibaca: {0}")]
    Pdf(String),
    #[error("PDF ini tidak memuat lampiran {PDF_ATTACHMENT}")]
    NoAttachment,
    #[error("PDF ini memuat lebih dari satu lampiran {PDF_ATTACHMENT}")]
    TwoAttachments,
}

/// Reads a receipt from the bytes of a `.json` file or a PDF bukti.
pub fn read(bytes: &[u8]) -> Result<Receipt, ReceiptFileError> {
    if bytes.starts_with(b"%PDF-") {
        parse(&attachment(bytes)?)
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
        Err(ReceiptFileError::Strict(fault)) => Ok(ReceiptSummary::refused(
            pinned_key.is_some(),
            fault.code().unwrap_or("json_strict"),
            fault.detail(),
        )),
        Err(e) => Err(e),
    }
}

/// The receipt in strict JSON (docs/FORMATS.md, "Strict JSON").
fn parse(json: &[u8]) -> Result<Receipt, ReceiptFileError> {
    let not_receipt = |e: &dyn std::fmt::Display| ReceiptFileError::NotReceipt(e.to_string());
    let text = std::str::from_utf8(json).map_err(|e| not_receipt(&e))?;
    match strict_json::check(text) {
        Err(StrictFault::NotJson) | Ok(()) => {}
        Err(fault) => return Err(ReceiptFileError::Strict(fault)),
    }
    serde_json::from_str(text).map_err(|e| not_receipt(&e))
}

/// The bytes of the one attached file named [`PDF_ATTACHMENT`].
fn attachment(pdf: &[u8]) -> Result<Vec<u8>, ReceiptFileError> {
    let bad = |e: lopdf::Error| ReceiptFileError::Pdf(e.to_string());
    // A parser of untrusted input: a panic in it is a refusal, never a crash of the verifier.
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_PDF_OBJECTS_BYTES),
        ..LoadOptions::default()
    };
    let doc = std::panic::catch_unwind(|| Document::load_mem_with_options(pdf, options))
        .map_err(|_| ReceiptFileError::Pdf("struktur rusak".into()))?
        .map_err(bad)?;
    let names = doc
        .catalog()
        .and_then(|c| c.get_deref(b"Names", &doc))
        .and_then(Object::as_dict)
        .and_then(|n| n.get_deref(b"EmbeddedFiles", &doc))
        .and_then(Object::as_dict)
        .map_err(|_| ReceiptFileError::NoAttachment)?;
    let mut found = Vec::new();
    collect(&doc, names, 0, &mut found);
    match found.as_slice() {
        [] => Err(ReceiptFileError::NoAttachment),
        [spec] => {
            let stream = spec
                .get_deref(b"EF", &doc)
                .and_then(Object::as_dict)
                .and_then(|ef| ef.get_deref(b"F", &doc))
                .and_then(Object::as_stream)
                .map_err(bad)?;
            stream
                .get_plain_content_with_limit(MAX_JSON_BYTES)
                .map_err(bad)
        }
        _ => Err(ReceiptFileError::TwoAttachments),
    }
}

/// The file specifications named [`PDF_ATTACHMENT`] in a name tree node and its kids.
fn collect<'a>(doc: &'a Document, node: &'a Dictionary, depth: u8, out: &mut Vec<&'a Dictionary>) {
    if depth > 8 {
        return;
    }
    if let Ok(pairs) = node.get_deref(b"Names", doc).and_then(Object::as_array) {
        for pair in pairs.chunks(2) {
            let [name, spec] = pair else { continue };
            let named = doc
                .dereference(name)
                .ok()
                .and_then(|(_, n)| lopdf::decode_text_string(n).ok());
            if named.as_deref() == Some(PDF_ATTACHMENT) {
                if let Ok((_, Object::Dictionary(spec))) = doc.dereference(spec) {
                    out.push(spec);
                }
            }
        }
    }
    if let Ok(kids) = node.get_deref(b"Kids", doc).and_then(Object::as_array) {
        for kid in kids {
            if let Ok((_, Object::Dictionary(kid))) = doc.dereference(kid) {
                collect(doc, kid, depth + 1, out);
            }
        }
    }
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
