//! Checkpoints (C2SP tlog-checkpoint) in signed notes (C2SP signed-note), and the log's verifier
//! key string, through `tlog_tiles` and `signed_note`.

use crate::finding::Finding;
use crate::merkle::Hash;
use ed25519_dalek::{SigningKey, VerifyingKey};
use signed_note::{Note, Signer, StandardVerifier, Verifier, VerifierList};

/// Why a checkpoint or a verifier key is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("kunci verifikasi log tidak sah")]
    BadVerifierKey,
    #[error("checkpoint tidak berbentuk catatan bertanda tangan yang sah")]
    Malformed,
    #[error("tanda tangan checkpoint tidak sah untuk kunci log ini")]
    BadSignature,
    #[error("origin checkpoint ({found}) berbeda dengan nama kunci log ({expected})")]
    WrongOrigin { expected: String, found: String },
}

impl NoteError {
    /// A stable code for programs.
    pub fn code(&self) -> Finding {
        match self {
            NoteError::BadVerifierKey => Finding::LogKeyInvalid,
            NoteError::Malformed => Finding::CheckpointMalformed,
            NoteError::BadSignature => Finding::CheckpointSignature,
            NoteError::WrongOrigin { .. } => Finding::CheckpointOrigin,
        }
    }
}

/// The log's signing key with its origin, the key name of every checkpoint it signs.
pub struct LogSigner {
    origin: String,
    key: SigningKey,
    key_id: u32,
}

impl LogSigner {
    /// A signer for `origin` (which must be a valid note key name: no spaces, no `+`).
    pub fn new(origin: &str, key: SigningKey) -> Result<LogSigner, NoteError> {
        if !signed_note::is_key_name_valid(origin) {
            return Err(NoteError::BadVerifierKey);
        }
        let key_id = signed_note::key_id(origin, &encoded_public_key(&key.verifying_key()));
        Ok(LogSigner {
            origin: origin.to_owned(),
            key,
            key_id,
        })
    }

    /// The origin, also the checkpoints' first line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier key string: `origin+<keyid>+base64(0x01 || public key)`.
    pub fn verifier_key(&self) -> String {
        signed_note::new_ed25519_verifier_key(&self.origin, &self.key.verifying_key())
    }

    /// Signs the checkpoint of a tree with `size` leaves and `root`, as note text.
    pub fn sign_checkpoint(&self, size: u64, root: Hash) -> Result<String, NoteError> {
        let checkpoint = tlog_tiles::Checkpoint::new(&self.origin, size, root, "")
            .map_err(|_| NoteError::Malformed)?;
        let mut note = Note::new(&checkpoint.to_bytes(), &[]).map_err(|_| NoteError::Malformed)?;
        note.add_sigs(&[self]).map_err(|_| NoteError::Malformed)?;
        String::from_utf8(note.to_bytes()).map_err(|_| NoteError::Malformed)
    }
}

impl Signer for LogSigner {
    fn name(&self) -> &str {
        &self.origin
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        use ed25519_dalek::Signer as _;
        Ok(self.key.sign(msg).to_bytes().to_vec())
    }
}

fn encoded_public_key(key: &VerifyingKey) -> Vec<u8> {
    let mut encoded = Vec::with_capacity(33);
    encoded.push(0x01);
    encoded.extend_from_slice(key.as_bytes());
    encoded
}

/// A checkpoint whose signature has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// A parsed verifier key.
#[derive(Clone)]
pub struct LogVerifier {
    verifier: StandardVerifier,
}

impl LogVerifier {
    /// Parses a verifier key string.
    pub fn new(verifier_key: &str) -> Result<LogVerifier, NoteError> {
        let verifier =
            StandardVerifier::new(verifier_key.trim()).map_err(|_| NoteError::BadVerifierKey)?;
        Ok(LogVerifier { verifier })
    }

    /// The key's name: the log's origin.
    pub fn origin(&self) -> &str {
        self.verifier.name()
    }

    /// Checks a checkpoint's signature under this key and reads it. The checkpoint must be
    /// signed by this key; it may carry others' signatures (witnesses) too.
    pub fn open(&self, note_text: &str) -> Result<Checkpoint, NoteError> {
        let note = Note::from_bytes(note_text.as_bytes()).map_err(|_| NoteError::Malformed)?;
        let known = VerifierList::new(vec![Box::new(self.verifier.clone())]);
        note.verify(&known).map_err(|e| match e {
            signed_note::NoteError::MalformedNote => NoteError::Malformed,
            _ => NoteError::BadSignature,
        })?;
        let checkpoint =
            tlog_tiles::Checkpoint::from_bytes(note.text()).map_err(|_| NoteError::Malformed)?;
        if !checkpoint.extension().is_empty() {
            return Err(NoteError::Malformed);
        }
        if checkpoint.origin() != self.origin() {
            return Err(NoteError::WrongOrigin {
                expected: self.origin().to_owned(),
                found: checkpoint.origin().to_owned(),
            });
        }
        Ok(Checkpoint {
            origin: checkpoint.origin().to_owned(),
            size: checkpoint.size(),
            root: *checkpoint.hash(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine;
    use ed25519_dalek::Signer as _;
    use sha2::{Digest, Sha256};

    const ORIGIN: &str = "ikrar.purbalinggakab.go.id/2024";

    fn test_key() -> SigningKey {
        SigningKey::from_bytes(&[42u8; 32])
    }

    /// The checkpoint built by hand from docs/FORMATS.md, byte for byte.
    #[test]
    fn checkpoint_matches_a_note_built_from_the_spec() {
        let key = test_key();
        let public = key.verifying_key().to_bytes();
        let root = super::super::merkle::leaf_hash(b"hello");
        let body = format!("{ORIGIN}\n7\n{}\n", B64.encode(root.0));
        let mut id_input = Vec::new();
        id_input.extend_from_slice(ORIGIN.as_bytes());
        id_input.push(b'\n');
        id_input.push(0x01);
        id_input.extend_from_slice(&public);
        let key_id = &Sha256::digest(&id_input)[..4];
        let sig = key.sign(body.as_bytes()).to_bytes();
        let mut id_sig = key_id.to_vec();
        id_sig.extend_from_slice(&sig);
        let expected = format!("{body}\n\u{2014} {ORIGIN} {}\n", B64.encode(&id_sig));

        let signer = LogSigner::new(ORIGIN, key).unwrap();
        let note = signer.sign_checkpoint(7, root).unwrap();
        assert_eq!(note, expected);

        let vkey = format!(
            "{ORIGIN}+{}+{}",
            hex::encode(key_id),
            B64.encode([&[0x01u8][..], &public].concat())
        );
        assert_eq!(signer.verifier_key(), vkey);

        let opened = LogVerifier::new(&vkey).unwrap().open(&note).unwrap();
        assert_eq!(
            opened,
            Checkpoint {
                origin: ORIGIN.into(),
                size: 7,
                root
            }
        );
    }

    /// tlog_tiles and C2SP allow extension lines in a checkpoint; ikrar's format (docs/FORMATS.md)
    /// does not, and wins.
    #[test]
    fn extension_lines_are_refused_though_the_crate_accepts_them() {
        let key = test_key();
        let root = super::super::merkle::leaf_hash(b"x");
        let with_extension = tlog_tiles::Checkpoint::new(ORIGIN, 3, root, "extra line\n").unwrap();
        assert!(tlog_tiles::Checkpoint::from_bytes(&with_extension.to_bytes()).is_ok());
        let signer = LogSigner::new(ORIGIN, key).unwrap();
        let mut note = Note::new(&with_extension.to_bytes(), &[]).unwrap();
        note.add_sigs(&[&signer]).unwrap();
        let text = String::from_utf8(note.to_bytes()).unwrap();
        let verifier = LogVerifier::new(&signer.verifier_key()).unwrap();
        assert_eq!(verifier.open(&text), Err(NoteError::Malformed));
    }

    #[test]
    fn forged_checkpoints_fail() {
        let signer = LogSigner::new(ORIGIN, test_key()).unwrap();
        let root = super::super::merkle::leaf_hash(b"x");
        let note = signer.sign_checkpoint(7, root).unwrap();
        let verifier = LogVerifier::new(&signer.verifier_key()).unwrap();
        let bigger = note.replacen("\n7\n", "\n8\n", 1);
        assert_eq!(verifier.open(&bigger), Err(NoteError::BadSignature));
        let other = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[1u8; 32])).unwrap();
        let by_other = other.sign_checkpoint(7, root).unwrap();
        assert!(verifier.open(&by_other).is_err());
        assert_eq!(verifier.open("nonsense"), Err(NoteError::Malformed));
        assert!(LogVerifier::new("nonsense").is_err());
        assert!(LogSigner::new("bad origin", test_key()).is_err());
    }
}
