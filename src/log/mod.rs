//! The transparency log's mathematics (RFC 6962 over SHA-256). Pure: no I/O.

use sha2::{Digest, Sha256};

/// The leaf hash of an entry: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_hash_has_the_rfc_6962_prefix() {
        // SHA-256 of the single byte 0x00: the leaf hash of an empty entry.
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}
