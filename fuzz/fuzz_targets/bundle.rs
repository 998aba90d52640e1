//! Bundle reading and verification: any bytes give a verdict or "unreadable", never a panic;
//! a bundle without faults really has a checkpoint.
#![no_main]
use ikrar_log::verify::{verify_bundle, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let options = Options {
        threads: 1,
        ..Options::default()
    };
    if let Ok(summary) = verify_bundle(bytes, &options, &mut |_| {}) {
        if summary.is_valid() {
            assert!(summary.checkpoint_size.is_some());
            assert_eq!(summary.checkpoint_size, Some(summary.entries));
        }
    }
});
