//! Roster CSV reading: any bytes are a roster or a clear refusal; every good row passed the
//! rules, every error names a line.
#![no_main]
use chrono::NaiveDate;
use ikrar::domain::roster;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    if let Ok(parsed) = roster::parse(bytes, today) {
        for row in &parsed.rows {
            assert_eq!(row.nip.as_str().len(), 18);
            assert!(!row.name.is_empty() && row.name.chars().count() <= 200);
        }
        assert!(parsed.total() >= parsed.rows.len());
    }
});
