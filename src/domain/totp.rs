//! Second factor for admins: TOTP (RFC 6238, through `totp-rs`): 6 digits, 30-second steps,
//! SHA-1 as every authenticator app supports, one step of clock drift either way. A code is
//! taken once: only a step later than the last one used opens a session.

use rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

/// Seconds per step.
pub const STEP_SECONDS: u64 = 30;
/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "ikrar";

/// A new secret: 160 random bits, as RFC 4226 recommends.
pub fn new_secret() -> Zeroizing<Vec<u8>> {
    let mut secret = Zeroizing::new(vec![0u8; 20]);
    OsRng.fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], account: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
}

/// The `otpauth://totp/…` URI an authenticator app scans.
pub fn uri(secret: &[u8], account: &str) -> String {
    totp(secret, account).get_url()
}

/// The step a Unix time falls in.
pub fn step_of(unix: u64) -> u64 {
    unix / STEP_SECONDS
}

/// The code of step `step`.
pub fn code_at(secret: &[u8], step: u64) -> String {
    totp(secret, "-").generate(step * STEP_SECONDS)
}

/// The step `code` belongs to, if it is one of the steps around `now` (Unix seconds) and later
/// than `last_used`; compared in constant time.
pub fn matching_step(secret: &[u8], code: &str, now: u64, last_used: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_of(now);
    (current.saturating_sub(1)..=current + 1)
        .filter(|&step| step > last_used)
        .find(|&step| bool::from(code_at(secret, step).as_bytes().ct_eq(code.as_bytes())))
}

/// The URI as a QR code for a terminal (two rows of modules per text line).
pub fn terminal_qr(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vector() {
        // RFC 6238 appendix B: time 59 → 94287082 (8 digits); the last 6 digits here.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 1), "287082");
    }

    #[test]
    fn codes_work_once_and_near_now_only() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let step = step_of(now);
        let code = code_at(&secret, step);
        assert_eq!(matching_step(&secret, &code, now, 0), Some(step));
        assert_eq!(matching_step(&secret, &code, now, step), None, "used once");
        let previous = code_at(&secret, step - 1);
        assert_eq!(matching_step(&secret, &previous, now, 0), Some(step - 1));
        let old = code_at(&secret, step - 2);
        assert_eq!(matching_step(&secret, &old, now, 0), None, "too old");
        assert_eq!(matching_step(&secret, "12345", now, 0), None);
        assert_eq!(matching_step(&secret, "abcdef", now, 0), None);
    }

    #[test]
    fn uri_names_the_account() {
        let uri = uri(&[7; 20], "bkpsdm");
        assert!(
            uri.starts_with("otpauth://totp/ikrar:bkpsdm?secret="),
            "{uri}"
        );
        assert!(terminal_qr(&uri).is_some_and(|qr| qr.lines().count() > 10));
    }
}
