//! Receipt reading and verification: any bytes are a receipt with a verdict or are refused.
#![no_main]
use ikrar_log::receipt::{self, Receipt};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(parsed) = serde_json::from_slice::<Receipt>(bytes) {
        let _ = receipt::verify(&parsed, None);
    }
});
