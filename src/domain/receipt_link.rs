//! Links to receipts and who may download them. The link `/bukti/{index}/{token}` (printed as a
//! QR code) carries a 128-bit token that is an HMAC of the index under a server secret: nothing
//! in the log, a bundle or another receipt derives it, and every app server computes the same
//! one. The full receipt (entry, proof, checkpoint) goes only to its signer: right after
//! signing, to that browser, by a short-lived grant (an HMAC of the index and an expiry); later
//! to whoever gives the NIP and passphrase again.

use super::log_index::LogIndex;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// How long after signing the browser that signed may download the full receipt.
pub const GRANT_SECONDS: i64 = 30 * 60;

/// Where a signature's public receipt page lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRef {
    pub index: LogIndex,
    pub token: String,
}

impl ReceiptRef {
    /// The receipt page's path.
    pub fn path(&self) -> String {
        format!("/bukti/{}/{}", self.index, self.token)
    }
}

/// The server secret behind receipt links and grants.
pub struct ReceiptKey(Zeroizing<Vec<u8>>);

impl ReceiptKey {
    /// A key from stored secret bytes.
    pub fn new(bytes: Vec<u8>) -> ReceiptKey {
        ReceiptKey(Zeroizing::new(bytes))
    }

    fn mac(&self, label: &[u8], message: &str) -> [u8; 32] {
        let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(e) => unreachable!("HMAC takes keys of any length: {e}"),
        };
        mac.update(label);
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The link of the receipt of log entry `index`.
    pub fn reference(&self, index: LogIndex) -> ReceiptRef {
        let mac = self.mac(b"ikrar/v1 receipt link\n", &index.to_string());
        ReceiptRef {
            index,
            token: URL_SAFE_NO_PAD.encode(&mac[..16]),
        }
    }

    /// Whether `token` is the link token of entry `index` (in constant time).
    pub fn is_token(&self, index: LogIndex, token: &str) -> bool {
        let expected = self.reference(index).token;
        expected.len() == token.len() && bool::from(expected.as_bytes().ct_eq(token.as_bytes()))
    }

    /// A grant to download the full receipt of `index` until `expires` (Unix seconds).
    pub fn grant(&self, index: LogIndex, expires: i64) -> String {
        let claim = format!("{index}.{expires}");
        let mac = self.mac(b"ikrar/v1 receipt grant\n", &claim);
        format!("{claim}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// Whether `value` is an unexpired grant for `index` at time `now` (Unix seconds).
    pub fn grants(&self, value: &str, index: LogIndex, now: i64) -> bool {
        let mut parts = value.splitn(3, '.');
        let (Some(i), Some(expires), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        let (Ok(i), Ok(expires)) = (i.parse::<u64>(), expires.parse::<i64>()) else {
            return false;
        };
        let expected = self.grant(LogIndex(i), expires);
        i == index.get()
            && now < expires
            && expected.len() == value.len()
            && bool::from(expected.as_bytes().ct_eq(value.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_keyed_and_128_bits() {
        let key = ReceiptKey::new(vec![1; 32]);
        let other = ReceiptKey::new(vec![2; 32]);
        let link = key.reference(LogIndex(41));
        assert_eq!(link.token.len(), 22, "16 bytes, base64url");
        assert_eq!(link.path(), format!("/bukti/41/{}", link.token));
        assert!(key.is_token(LogIndex(41), &link.token));
        assert!(!key.is_token(LogIndex(42), &link.token));
        assert!(!other.is_token(LogIndex(41), &link.token));
        assert_ne!(key.reference(LogIndex(42)).token, link.token);
    }

    #[test]
    fn grants_are_for_one_index_and_expire() {
        let key = ReceiptKey::new(vec![1; 32]);
        let grant = key.grant(LogIndex(7), 1_000);
        assert!(key.grants(&grant, LogIndex(7), 999));
        assert!(!key.grants(&grant, LogIndex(7), 1_000));
        assert!(!key.grants(&grant, LogIndex(8), 999));
        assert!(!key.grants(&grant.replace("7.1000", "8.1000"), LogIndex(8), 999));
        assert!(!key.grants(&grant.replace("1000", "9999"), LogIndex(7), 999));
        assert!(!ReceiptKey::new(vec![2; 32]).grants(&grant, LogIndex(7), 999));
        assert!(!key.grants("", LogIndex(7), 0) && !key.grants("7.x.y", LogIndex(7), 0));
    }
}
