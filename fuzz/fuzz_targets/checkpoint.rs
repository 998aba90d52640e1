//! Checkpoints (C2SP signed notes) and verifier keys: any text opens or is refused. The first
//! line is taken as a verifier key, the rest as a note, and the note is also checked against a
//! fixed key, so that both parsers see fuzzed input.
#![no_main]
use ed25519_dalek::SigningKey;
use ikrar_log::note::{LogSigner, LogVerifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let (key, note) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(verifier) = LogVerifier::new(key) {
        let _ = verifier.open(note);
    }
    let signer = LogSigner::new("ikrar.test/log", SigningKey::from_bytes(&[7; 32])).unwrap();
    let fixed = LogVerifier::new(&signer.verifier_key()).unwrap();
    if let Ok(checkpoint) = fixed.open(text) {
        // Only the fixed key's signature opens a note under it.
        assert_eq!(
            signer
                .sign_checkpoint(checkpoint.size, checkpoint.root)
                .unwrap(),
            text
        );
    }
});
