//! The PDF bukti reader: any bytes give the attachment or a refusal, within its limits, never a
//! crash, a hang or unbounded memory (run with `-rss_limit_mb=512 -timeout=5`).
#![no_main]
use ikrar_log::pdf_receipt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(json) = pdf_receipt::attachment(bytes) {
        assert!(json.len() <= pdf_receipt::MAX_JSON_BYTES);
    }
});
