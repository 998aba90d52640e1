//! The strict JSON reader against serde_json: whatever it passes, serde_json reads, with no
//! fraction, exponent or unsafe integer among the numbers; nothing makes it panic.
#![no_main]
use ikrar_log::strict_json::{self, StrictFault, MAX_SAFE_INTEGER};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn integers_only(value: &Value) -> bool {
    match value {
        Value::Number(n) => n
            .as_u64()
            .map(|n| n <= MAX_SAFE_INTEGER)
            .or_else(|| n.as_i64().map(|n| n.unsigned_abs() <= MAX_SAFE_INTEGER))
            .unwrap_or(false),
        Value::Array(items) => items.iter().all(integers_only),
        Value::Object(map) => map.values().all(integers_only),
        _ => true,
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    match strict_json::check(text) {
        Ok(()) => {
            let value: Value = serde_json::from_str(text).expect("strict JSON is JSON");
            assert!(integers_only(&value), "{text:?}");
        }
        Err(StrictFault::NotJson) => {}
        Err(StrictFault::DuplicateKey(_) | StrictFault::Number(_)) => {
            // Syntax held, so serde_json reads it too, unless a number is out of its range.
            let _ = serde_json::from_str::<Value>(text);
        }
    }
});
