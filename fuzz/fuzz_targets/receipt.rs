//! Receipt files (JSON, or a PDF bukti carrying the JSON) read and verified: any bytes are a
//! receipt with a verdict or are refused, never a crash.
#![no_main]
use ikrar_log::receipt_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = receipt_file::check(bytes, None, &Default::default());
});
