//! Employee keys: an Ed25519 key made from the OS RNG whose 32-byte seed is sealed with
//! XChaCha20-Poly1305 under a key that Argon2id derives from the employee's passphrase. A
//! failed open means a wrong passphrase, so no separate password hash is kept.

use argon2::{Algorithm, Argon2, Block, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::SigningKey;
use ikrar_log::nip::Nip;
use rand_core::{OsRng, RngCore};
use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;
use zeroize::{Zeroize, Zeroizing};

thread_local! {
    /// Argon2 working memory, kept per thread between derivations.
    static ARGON2_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Argon2id cost parameters, written `m=19456,t=2,p=1` (memory in KiB, passes, lanes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    pub m_cost: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Argon2Params {
    /// OWASP's minimum for Argon2id, and ikrar's default: 19 MiB, 2 passes, 1 lane.
    pub const DEFAULT: Argon2Params = Argon2Params {
        m_cost: 19456,
        t_cost: 2,
        p_cost: 1,
    };

    /// Whether these parameters are at least as strong as [`Argon2Params::DEFAULT`].
    pub fn meets_minimum(&self) -> bool {
        self.m_cost >= Self::DEFAULT.m_cost
            && self.t_cost >= Self::DEFAULT.t_cost
            && self.p_cost >= Self::DEFAULT.p_cost
    }

    fn hasher(&self) -> Result<Argon2<'static>, argon2::Error> {
        let params = Params::new(self.m_cost, self.t_cost, self.p_cost, Some(32))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Derives a 32-byte key from a secret and a salt, in memory this thread keeps for the next
    /// derivation (19 MiB at the default: allocating and faulting it in each time costs about a
    /// quarter of the work). The memory is wiped after each use.
    pub fn derive(&self, secret: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        let mut out = Zeroizing::new([0u8; 32]);
        let hasher = self.hasher().map_err(|_| KeyError::Parameters)?;
        let blocks = hasher.params().block_count();
        ARGON2_MEMORY.with(|memory| {
            let mut memory = memory.borrow_mut();
            if memory.len() < blocks {
                memory.resize(blocks, Block::default());
            }
            let result = hasher.hash_password_into_with_memory(
                secret,
                salt,
                out.as_mut(),
                &mut memory[..blocks],
            );
            memory[..blocks].iter_mut().for_each(Zeroize::zeroize);
            result.map_err(|_| KeyError::Parameters)
        })?;
        Ok(out)
    }
}

impl fmt::Display for Argon2Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m={},t={},p={}", self.m_cost, self.t_cost, self.p_cost)
    }
}

impl FromStr for Argon2Params {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut values = [None; 3];
        for part in s.split(',') {
            let (name, value) = part.trim().split_once('=').ok_or(KeyError::Parameters)?;
            let slot = match name {
                "m" => 0,
                "t" => 1,
                "p" => 2,
                _ => return Err(KeyError::Parameters),
            };
            let value: u32 = value.parse().map_err(|_| KeyError::Parameters)?;
            if values[slot].replace(value).is_some() {
                return Err(KeyError::Parameters);
            }
        }
        let [Some(m_cost), Some(t_cost), Some(p_cost)] = values else {
            return Err(KeyError::Parameters);
        };
        let params = Argon2Params {
            m_cost,
            t_cost,
            p_cost,
        };
        params.hasher().map_err(|_| KeyError::Parameters)?;
        Ok(params)
    }
}

/// What can go wrong with a sealed key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("parameter Argon2 tidak sah (bentuk: m=19456,t=2,p=1)")]
    Parameters,
    #[error("frasa sandi salah")]
    WrongPassphrase,
}

/// An employee's seed as stored: ciphertext with the salt, nonce and Argon2 parameters that
/// open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedKey {
    pub params: Argon2Params,
    pub salt: [u8; 16],
    pub nonce: [u8; 24],
    pub ciphertext: Vec<u8>,
}

/// The associated data binding a sealed seed to its NIP and public key.
fn associated_data(nip: &Nip, public_key: &[u8; 32]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64);
    aad.extend_from_slice(b"ikrar/v1 sealed-key\n");
    aad.extend_from_slice(nip.as_str().as_bytes());
    aad.push(b'\n');
    aad.extend_from_slice(public_key);
    aad
}

/// Makes a new key from the OS RNG and seals its seed under the passphrase.
pub fn generate_and_seal(
    nip: &Nip,
    passphrase: &str,
    params: Argon2Params,
) -> Result<(SigningKey, SealedKey), KeyError> {
    let signing_key = SigningKey::generate(&mut OsRng);
    let public = signing_key.verifying_key().to_bytes();
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut nonce);
    let wrapping = params.derive(passphrase.as_bytes(), &salt)?;
    let cipher = XChaCha20Poly1305::new(wrapping.as_ref().into());
    let seed = Zeroizing::new(signing_key.to_bytes());
    let aad = associated_data(nip, &public);
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: seed.as_ref(),
                aad: &aad,
            },
        )
        .map_err(|_| KeyError::Parameters)?;
    let sealed = SealedKey {
        params,
        salt,
        nonce,
        ciphertext,
    };
    Ok((signing_key, sealed))
}

/// Opens a sealed seed; a wrong passphrase (or a tampered record) fails authentication.
pub fn unseal(
    sealed: &SealedKey,
    nip: &Nip,
    public_key: &[u8; 32],
    passphrase: &str,
) -> Result<SigningKey, KeyError> {
    let wrapping = sealed.params.derive(passphrase.as_bytes(), &sealed.salt)?;
    let cipher = XChaCha20Poly1305::new(wrapping.as_ref().into());
    let aad = associated_data(nip, public_key);
    let mut seed = cipher
        .decrypt(
            XNonce::from_slice(&sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| KeyError::WrongPassphrase)?;
    let seed_array: Result<[u8; 32], _> = seed.as_slice().try_into();
    seed.zeroize();
    let mut seed_array = seed_array.map_err(|_| KeyError::WrongPassphrase)?;
    let key = SigningKey::from_bytes(&seed_array);
    seed_array.zeroize();
    if key.verifying_key().to_bytes() != *public_key {
        return Err(KeyError::WrongPassphrase);
    }
    Ok(key)
}

/// Spends the same work as [`unseal`] for a NIP that has no key, so that an unknown NIP and a
/// wrong passphrase cannot be told apart by time.
pub fn dummy_unseal(params: Argon2Params, passphrase: &str) {
    let _ = params.derive(passphrase.as_bytes(), b"ikrar-dummy-salt");
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: Argon2Params = Argon2Params {
        m_cost: 64,
        t_cost: 1,
        p_cost: 1,
    };

    fn nip(digits: &str) -> Nip {
        Nip::parse(digits, chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()).unwrap()
    }

    #[test]
    fn seal_and_unseal() {
        let (key, sealed) =
            generate_and_seal(&nip("199004152019032004"), "kuda lari cepat", CHEAP).unwrap();
        let public = key.verifying_key().to_bytes();
        let siti = nip("199004152019032004");
        let opened = unseal(&sealed, &siti, &public, "kuda lari cepat").unwrap();
        assert_eq!(opened.to_bytes(), key.to_bytes());
        assert_eq!(
            unseal(&sealed, &siti, &public, "salah").unwrap_err(),
            KeyError::WrongPassphrase
        );
        // The seal is bound to the NIP: another NIP cannot use it.
        let budi = nip("198807022023211007");
        assert!(unseal(&sealed, &budi, &public, "kuda lari cepat").is_err());
    }

    #[test]
    fn params_parse_and_minimum() {
        let p: Argon2Params = "m=19456,t=2,p=1".parse().unwrap();
        assert_eq!(p, Argon2Params::DEFAULT);
        assert_eq!(p.to_string(), "m=19456,t=2,p=1");
        assert!(p.meets_minimum());
        assert!(!CHEAP.meets_minimum());
        for bad in [
            "m=19456,t=2",
            "m=x,t=2,p=1",
            "m=1,t=1,p=1,m=2",
            "q=1,t=2,p=1",
            "",
        ] {
            assert!(bad.parse::<Argon2Params>().is_err(), "{bad}");
        }
    }
}
