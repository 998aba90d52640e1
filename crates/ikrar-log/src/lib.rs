//! ikrar-log: what an auditor needs to check an ikrar transparency log, and nothing else — the
//! values and NIP rules, the pact document, log entries and the message a signer signs, the
//! Merkle tree and signed checkpoints (C2SP `tlog-checkpoint`, via `tlog_tiles` and
//! `signed_note`), receipts, export bundles and the offline verifier. No database, web, async
//! runtime or C library: `cargo install --path crates/ikrar-log` builds `ikrar-verify` with
//! Rust alone. The formats are written down in `docs/FORMATS.md`.

pub mod batch;
pub mod bundle;
#[cfg(feature = "cli")]
pub mod cli;
pub mod cosignature;
pub mod entry;
pub mod finding;
pub mod i18n;
pub mod integrate;
pub mod key_file;
pub mod merkle;
pub mod nip;
pub mod note;
pub mod pact;
pub mod pdf_receipt;
pub mod receipt;
pub mod receipt_file;
pub mod strict_json;
pub mod values;
pub mod verify;

pub use merkle::leaf_hash;
