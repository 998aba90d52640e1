//! Log entry parsing: any bytes parse or are refused; an entry that parses is written back
//! byte for byte (one text per entry, as the Merkle tree needs).
#![no_main]
use ikrar_log::entry::Entry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(entry) = Entry::parse(bytes) {
        assert_eq!(entry.to_text().as_bytes(), bytes);
    }
});
