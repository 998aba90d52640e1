//! NIP parsing: any text is judged, never a panic; a valid NIP is 18 digits that parse again
//! to the same NIP.
#![no_main]
use chrono::NaiveDate;
use ikrar_log::nip::Nip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    if let Ok(nip) = Nip::parse(text, today) {
        assert_eq!(nip.as_str().len(), 18);
        assert!(nip.as_str().bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(Nip::parse(nip.as_str(), today).unwrap(), nip);
    }
});
