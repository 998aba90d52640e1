//! Witness cosignatures (C2SP `tlog-cosignature`, the Ed25519 `cosignature/v1` type) and the
//! body of a C2SP `tlog-witness` `add-checkpoint` request. A witness cosigns a checkpoint after
//! checking that it extends the last one it cosigned for that log; a checkpoint carrying
//! cosignatures from witnesses an auditor trusts cannot be one of two split views, unless those
//! witnesses lied too. The notes themselves are `signed_note`'s.

use crate::merkle::Hash;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use signed_note::{Note, VerificationError, Verifier, VerifierList, Verifiers};

/// The signature type byte of `cosignature/v1` keys (in key ids and verifier keys).
const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Why a witness key, cosignature or request is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    #[error("kunci saksi tidak sah (harus kunci verifikasi cosignature/v1)")]
    BadKey,
    #[error("nama saksi tidak sah")]
    BadName,
    #[error("permintaan add-checkpoint tidak berbentuk sah")]
    BadRequest,
}

/// The message a witness signs: `cosignature/v1`, the time, then the checkpoint's body.
fn signed_message(time: u64, body: &[u8]) -> Vec<u8> {
    let mut message = format!("cosignature/v1\ntime {time}\n").into_bytes();
    message.extend_from_slice(body);
    message
}

fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut encoded = vec![ALG_COSIGNATURE_V1];
    encoded.extend_from_slice(key.as_bytes());
    signed_note::key_id(name, &encoded).to_be_bytes()
}

/// A witness's signing key and name.
pub struct WitnessSigner {
    name: String,
    key: SigningKey,
}

impl WitnessSigner {
    /// A witness called `name` (a note key name: no white space, no `+`).
    pub fn new(name: &str, key: SigningKey) -> Result<WitnessSigner, CosignatureError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(CosignatureError::BadName);
        }
        Ok(WitnessSigner {
            name: name.to_owned(),
            key,
        })
    }

    /// The verifier key: `name+keyid+base64(0x04 || public key)`.
    pub fn verifier_key(&self) -> String {
        let public = self.key.verifying_key();
        let mut encoded = vec![ALG_COSIGNATURE_V1];
        encoded.extend_from_slice(public.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(key_id(&self.name, &public)),
            B64.encode(encoded)
        )
    }

    /// The cosignature line for a checkpoint body (its text up to and including the LF before
    /// the blank line), made at `time` (Unix seconds).
    pub fn cosign(&self, body: &str, time: u64) -> String {
        let signature = self
            .key
            .sign(&signed_message(time, body.as_bytes()))
            .to_bytes();
        let mut bytes = key_id(&self.name, &self.key.verifying_key()).to_vec();
        bytes.extend_from_slice(&time.to_be_bytes());
        bytes.extend_from_slice(&signature);
        format!("\u{2014} {} {}\n", self.name, B64.encode(bytes))
    }
}

/// A witness's public key, as auditors and logs are given it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessKey {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

impl WitnessKey {
    /// Parses `name+keyid+base64(0x04 || public key)`.
    pub fn parse(text: &str) -> Result<WitnessKey, CosignatureError> {
        let text = text.trim();
        let (name, rest) = text.split_once('+').ok_or(CosignatureError::BadKey)?;
        let (id, encoded) = rest.split_once('+').ok_or(CosignatureError::BadKey)?;
        let encoded = B64.decode(encoded).map_err(|_| CosignatureError::BadKey)?;
        let [ALG_COSIGNATURE_V1, public @ ..] = encoded.as_slice() else {
            return Err(CosignatureError::BadKey);
        };
        let public: [u8; 32] = public.try_into().map_err(|_| CosignatureError::BadKey)?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| CosignatureError::BadKey)?;
        if !signed_note::is_key_name_valid(name) || key.is_weak() {
            return Err(CosignatureError::BadKey);
        }
        let expected = key_id(name, &key);
        if id.len() != 8 || !id.eq_ignore_ascii_case(&hex::encode(expected)) {
            return Err(CosignatureError::BadKey);
        }
        Ok(WitnessKey {
            name: name.to_owned(),
            id: expected,
            key,
        })
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The time (Unix seconds) of this witness's valid cosignature on `note`, if it has one.
    /// Other signatures, valid or not, are ignored.
    pub fn cosigned_at(&self, note: &str) -> Option<u64> {
        let note = Note::from_bytes(note.as_bytes()).ok()?;
        let (verified, _) = note
            .verify(&VerifierList::new(vec![Box::new(self.clone())]))
            .ok()?;
        let sig = verified.first()?.signature();
        Some(u64::from_be_bytes(sig.get(..8)?.try_into().ok()?))
    }
}

impl Verifier for WitnessKey {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        u32::from_be_bytes(self.id)
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Some((time, signature)) = sig.split_first_chunk::<8>() else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(signature) else {
            return false;
        };
        self.key
            .verify_strict(&signed_message(u64::from_be_bytes(*time), msg), &signature)
            .is_ok()
    }
}

impl Verifiers for WitnessKey {
    fn verifier(&self, name: &str, id: u32) -> Result<&dyn Verifier, VerificationError> {
        if name == self.name && id == self.key_id() {
            Ok(self)
        } else {
            Err(VerificationError::UnknownKey {
                name: name.to_owned(),
                id,
            })
        }
    }
}

/// The body of a note: its text up to and including the LF before the blank line.
pub fn note_body(note: &str) -> Option<&str> {
    note.find("\n\n").map(|at| &note[..=at])
}

/// A note with signature lines added (each ending in LF) after its own.
pub fn with_signatures(note: &str, lines: &[String]) -> String {
    let mut out = note.to_owned();
    for line in lines {
        if !out.contains(line.as_str()) {
            out.push_str(line);
        }
    }
    out
}

/// A C2SP tlog-witness `add-checkpoint` request: the size the client believes the witness
/// last cosigned, the consistency proof from it, and the checkpoint note.
#[derive(Debug, Clone, PartialEq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    pub checkpoint: String,
}

impl AddCheckpoint {
    /// The request body.
    pub fn to_text(&self) -> String {
        let mut out = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            out.push_str(&B64.encode(hash.0));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses a request body strictly (at most 63 proof lines, canonical numbers and base64).
    pub fn parse(text: &str) -> Result<AddCheckpoint, CosignatureError> {
        let bad = CosignatureError::BadRequest;
        let (head, checkpoint) = text.split_once("\n\n").ok_or(bad.clone())?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or(bad.clone())?;
        let old_size: u64 = old.parse().map_err(|_| bad.clone())?;
        if old_size.to_string() != old {
            return Err(bad);
        }
        let proof = lines
            .map(|line| {
                let bytes = B64.decode(line).map_err(|_| bad.clone())?;
                let hash: [u8; 32] = bytes.try_into().map_err(|_| bad.clone())?;
                Ok(Hash(hash))
            })
            .collect::<Result<Vec<Hash>, CosignatureError>>()?;
        if proof.len() > 63 {
            return Err(bad);
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::LogSigner;

    fn witness() -> WitnessSigner {
        WitnessSigner::new("saksi.test/w1", SigningKey::from_bytes(&[3; 32])).unwrap()
    }

    #[test]
    fn a_cosignature_verifies_under_its_key_and_only_on_its_checkpoint() {
        let log = LogSigner::new("ikrar.test/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        let note = log.sign_checkpoint(5, Hash([7; 32])).unwrap();
        let body = note_body(&note).unwrap();
        assert_eq!(body.lines().count(), 3);
        let line = witness().cosign(body, 1_700_000_000);
        let key = WitnessKey::parse(&witness().verifier_key()).unwrap();
        let cosigned = with_signatures(&note, std::slice::from_ref(&line));
        assert_eq!(key.cosigned_at(&cosigned), Some(1_700_000_000));
        assert_eq!(key.cosigned_at(&note), None, "no cosignature");
        // The same line on another checkpoint does not verify.
        let other = log.sign_checkpoint(6, Hash([7; 32])).unwrap();
        assert_eq!(key.cosigned_at(&with_signatures(&other, &[line])), None);
        // Another witness's key does not accept it.
        let stranger =
            WitnessSigner::new("saksi.test/w1", SigningKey::from_bytes(&[4; 32])).unwrap();
        let stranger = WitnessKey::parse(&stranger.verifier_key()).unwrap();
        assert_eq!(stranger.cosigned_at(&cosigned), None);
    }

    #[test]
    fn witness_keys_are_cosignature_v1_keys() {
        let text = witness().verifier_key();
        assert!(WitnessKey::parse(&text).is_ok());
        // A log's key (type 0x01) is not a witness key.
        let log = LogSigner::new("saksi.test/w1", SigningKey::from_bytes(&[3; 32])).unwrap();
        assert_eq!(
            WitnessKey::parse(&log.verifier_key()),
            Err(CosignatureError::BadKey)
        );
        let (name, rest) = text.split_once('+').unwrap();
        let bad_id = format!("{name}+00000000{}", &rest[8..]);
        assert_eq!(WitnessKey::parse(&bad_id), Err(CosignatureError::BadKey));
    }

    #[test]
    fn add_checkpoint_requests_round_trip_and_refuse_variants() {
        let request = AddCheckpoint {
            old_size: 3,
            proof: vec![Hash([1; 32]), Hash([2; 32])],
            checkpoint: "o\n5\nAAAA\n\n\u{2014} o x\n".into(),
        };
        let text = request.to_text();
        assert_eq!(AddCheckpoint::parse(&text), Ok(request));
        for bad in [
            "old 03\n\nx",
            "old -1\n\nx",
            "old 3\nnotbase64\n\nx",
            "old 3\nx",
        ] {
            assert!(AddCheckpoint::parse(bad).is_err(), "{bad:?}");
        }
        let many = format!(
            "old 1\n{}\nx",
            "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n".repeat(64)
        );
        assert!(AddCheckpoint::parse(&many).is_err());
    }
}
