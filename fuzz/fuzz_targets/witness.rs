//! What a witness and a verifier read from others: `add-checkpoint` request bodies, and
//! checkpoints carrying cosignature lines checked against a witness key. Any bytes are read or
//! refused, never a crash.
#![no_main]
use ikrar_log::cosignature::{AddCheckpoint, WitnessKey, WitnessSigner};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(request) = AddCheckpoint::parse(text) {
        assert_eq!(AddCheckpoint::parse(&request.to_text()), Ok(request));
    }
    let signer = WitnessSigner::new(
        "saksi.fuzz",
        ed25519_dalek::SigningKey::from_bytes(&[5; 32]),
    );
    let key = signer
        .ok()
        .and_then(|s| WitnessKey::parse(&s.verifier_key()).ok());
    if let Some(key) = key {
        let _ = key.cosigned_at(text);
    }
    let _ = WitnessKey::parse(text);
});
