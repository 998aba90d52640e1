//! Admin passwords: Argon2id PHC strings, checked in the time a real one takes even for an
//! unknown username.

use crate::keys::Argon2Params;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand_core::OsRng;
use std::sync::OnceLock;

fn hasher(params: Argon2Params) -> Result<Argon2<'static>, String> {
    let params = Params::new(params.m_cost, params.t_cost, params.p_cost, None)
        .map_err(|e| e.to_string())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// An Argon2id PHC string of `password`.
pub(super) fn hash_password(params: Argon2Params, password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher(params)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches a PHC string (its own parameters are used).
pub(super) fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check unknown usernames against, so they take as long as known ones.
pub(super) fn dummy_hash(params: Argon2Params) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(params, "ikrar-dummy-password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_phc_strings() {
        let params = Argon2Params {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        };
        let phc = hash_password(params, "kuda lari di pantai").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
        assert!(verify_password(&phc, "kuda lari di pantai"));
        assert!(!verify_password(&phc, "kuda lari di pantai!"));
        assert!(!verify_password("not a hash", "x"));
    }
}
