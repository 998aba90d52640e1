//! Receipt files (JSON, or a PDF bukti carrying the JSON) read and verified: any bytes are a
//! receipt with a verdict or are refused, never a crash.
#![no_main]
use ikrar_log::{receipt, receipt_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(parsed) = receipt_file::read(bytes) {
        let _ = receipt::verify(&parsed, None, &Default::default());
    }
});
