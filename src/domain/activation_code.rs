//! One-time activation codes: 60 random bits in Crockford's base32 (no I, L, O or U), written
//! `7KQ2-MX9P-4TZD`, kept only as a hash bound to the NIP.

use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUPS: usize = 3;
const GROUP_LEN: usize = 4;

/// Makes a new code from the OS RNG.
pub fn generate() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; GROUPS * GROUP_LEN]);
    OsRng.fill_bytes(bytes.as_mut());
    let mut code = Zeroizing::new(String::with_capacity(GROUPS * (GROUP_LEN + 1)));
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % GROUP_LEN == 0 {
            code.push('-');
        }
        // 256 is a multiple of 32, so the low five bits are uniform.
        code.push(char::from(ALPHABET[usize::from(b & 31)]));
    }
    code
}

/// Reads a code as typed: case, spaces and dashes do not matter, and the look-alikes O, I and L
/// count as 0, 1 and 1. Returns `None` when it cannot be a code.
pub fn normalize(input: &str) -> Option<String> {
    let mut out = String::with_capacity(GROUPS * GROUP_LEN);
    for c in input.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
    }
    (out.len() == GROUPS * GROUP_LEN).then_some(out)
}

/// The stored form of a code: SHA-256 over a label, the NIP and the normalized code.
pub fn hash(nip: &str, normalized_code: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"ikrar/v1 activation-code\n");
    h.update(nip.as_bytes());
    h.update(b"\n");
    h.update(normalized_code.as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_read_back() {
        let code = generate();
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);
        let normal = normalize(&code).unwrap();
        assert_eq!(normal, code.replace('-', ""));
        assert_ne!(*generate(), *code);
    }

    #[test]
    fn typing_is_forgiving_but_bound_to_the_nip() {
        assert_eq!(normalize("7kq2 mx9p 4tzd").unwrap(), "7KQ2MX9P4TZD");
        assert_eq!(normalize("OIL2-MX9P-4TZD").unwrap(), "0112MX9P4TZD");
        assert_eq!(normalize("7KQ2-MX9P-4TZ"), None);
        assert_eq!(normalize("7KQ2-MX9P-4TZU"), None);
        assert_ne!(
            hash("199004152019032004", "7KQ2MX9P4TZD"),
            hash("198807022023211007", "7KQ2MX9P4TZD")
        );
    }
}
