//! Roster XLSX reading: any bytes that look like a zip are a roster or a clear refusal, within
//! the reader's memory and time limits (libFuzzer's RSS limit catches a reader that inflates).
#![no_main]
use chrono::NaiveDate;
use ikrar::domain::roster;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let _ = roster::parse_any(bytes, today);
});
