//! Random bearer secrets (session cookies, API tokens) and the hash that is stored instead.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A new random secret (session cookie or API token) and its stored hash.
pub(super) fn new_secret() -> (Zeroizing<String>, [u8; 32]) {
    let mut bytes = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(bytes.as_mut());
    let secret = Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()));
    let hash = secret_hash(&secret);
    (secret, hash)
}

/// The stored form of a session cookie or API token.
pub(super) fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}
