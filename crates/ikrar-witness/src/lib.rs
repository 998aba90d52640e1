//! A witness for ikrar logs (C2SP `tlog-witness`): it keeps the latest checkpoint it cosigned
//! for each log it was told about, and cosigns a new one only when a consistency proof shows it
//! extends that one. Nothing of the app's employee data is in it: a key, a list of log keys and
//! one small SQLite file, so it runs on an auditor's own machine. It builds without the app
//! (`cargo install --locked --path crates/ikrar-witness` gives `ikrar-witness`); the app's
//! `ikrar witness` runs the same code.

#[cfg(feature = "cli")]
pub mod cli;
pub mod http;
pub mod store;

use ikrar_log::cosignature::{note_body, AddCheckpoint, WitnessSigner};
use ikrar_log::merkle::check_consistency;
use ikrar_log::note::{LogVerifier, NoteError};
use std::collections::HashMap;
use std::sync::Mutex;
use store::{Store, StoreError, Witnessed};

/// Why the witness does not cosign, each with its HTTP status (C2SP tlog-witness).
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("log tidak dikenal saksi ini")]
    UnknownLog,
    #[error("checkpoint tidak ditandatangani kunci log yang dikenal")]
    BadSignature,
    #[error("permintaan tidak sah: {0}")]
    BadRequest(String),
    #[error("saksi terakhir menandatangani ukuran {0}")]
    Conflict(u64),
    #[error("bukti konsistensi tidak sah")]
    BadProof,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A witness: its key, the logs it knows (by origin) and its record.
pub struct Witness {
    signer: WitnessSigner,
    logs: HashMap<String, LogVerifier>,
    /// One lock around check-and-record, so two requests cannot roll the record back.
    store: Mutex<Store>,
}

impl Witness {
    pub fn new(signer: WitnessSigner, logs: Vec<LogVerifier>, store: Store) -> Witness {
        Witness {
            signer,
            logs: logs
                .into_iter()
                .map(|log| (log.origin().to_owned(), log))
                .collect(),
            store: Mutex::new(store),
        }
    }

    /// Handles an `add-checkpoint` request body at `now` (Unix seconds): the cosignature line.
    pub fn add_checkpoint(&self, body: &str, now: u64) -> Result<String, Refusal> {
        let request = AddCheckpoint::parse(body).map_err(|e| Refusal::BadRequest(e.to_string()))?;
        let origin = request.checkpoint.split('\n').next().unwrap_or_default();
        let log = self.logs.get(origin).ok_or(Refusal::UnknownLog)?;
        let checkpoint = log.open(&request.checkpoint).map_err(|e| match e {
            NoteError::Malformed => Refusal::BadRequest(e.to_string()),
            _ => Refusal::BadSignature,
        })?;
        if request.old_size > checkpoint.size {
            return Err(Refusal::BadRequest(
                "ukuran lama melebihi ukuran checkpoint".into(),
            ));
        }
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        let latest = store.latest(origin)?;
        let latest_size = latest.as_ref().map_or(0, |w| w.size);
        if request.old_size != latest_size {
            return Err(Refusal::Conflict(latest_size));
        }
        match &latest {
            Some(seen) if seen.size == checkpoint.size && seen.root != checkpoint.root => {
                tracing::warn!(
                    origin,
                    size = seen.size,
                    "split view: another root at the same size"
                );
                return Err(Refusal::Conflict(latest_size));
            }
            Some(seen) if seen.size == checkpoint.size => {}
            Some(seen)
                if check_consistency(
                    &request.proof,
                    seen.size,
                    seen.root,
                    checkpoint.size,
                    checkpoint.root,
                )
                .is_err() =>
            {
                tracing::warn!(
                    origin,
                    from = seen.size,
                    to = checkpoint.size,
                    "inconsistent checkpoint refused"
                );
                return Err(Refusal::BadProof);
            }
            Some(_) => {}
            None if !request.proof.is_empty() => return Err(Refusal::BadProof),
            None => {}
        }
        let body = note_body(&request.checkpoint)
            .ok_or_else(|| Refusal::BadRequest("checkpoint tanpa badan".into()))?;
        store.record(&Witnessed {
            origin: origin.to_owned(),
            size: checkpoint.size,
            root: checkpoint.root,
            checkpoint: request.checkpoint.clone(),
            cosigned_at: now,
        })?;
        Ok(self.signer.cosign(body, now))
    }

    /// The witness's verifier key.
    pub fn verifier_key(&self) -> String {
        self.signer.verifier_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use ikrar_log::cosignature::WitnessKey;
    use ikrar_log::merkle::{Hash, StreamingRoot};
    use ikrar_log::note::LogSigner;

    fn log() -> LogSigner {
        LogSigner::new("ikrar.test/log", SigningKey::from_bytes(&[1; 32])).unwrap()
    }

    fn witness(dir: &std::path::Path) -> Witness {
        let signer = WitnessSigner::new("saksi.test", SigningKey::from_bytes(&[2; 32])).unwrap();
        let logs = vec![LogVerifier::new(&log().verifier_key()).unwrap()];
        Witness::new(signer, logs, Store::open(&dir.join("witness.db")).unwrap())
    }

    /// The checkpoint of the first `n` of `leaves`.
    fn checkpoint(leaves: &[Hash], n: usize) -> String {
        let mut root = StreamingRoot::default();
        for leaf in &leaves[..n] {
            root.push(*leaf);
        }
        log().sign_checkpoint(n as u64, root.root()).unwrap()
    }

    fn request(old: u64, proof: Vec<Hash>, checkpoint: String) -> String {
        AddCheckpoint {
            old_size: old,
            proof,
            checkpoint,
        }
        .to_text()
    }

    #[test]
    fn cosigns_what_extends_its_record_and_refuses_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let w = witness(dir.path());
        let leaves: Vec<Hash> = (0..8u8).map(|i| Hash([i; 32])).collect();
        let key = WitnessKey::parse(&w.verifier_key()).unwrap();

        let first = checkpoint(&leaves, 3);
        let line = w
            .add_checkpoint(&request(0, vec![], first.clone()), 100)
            .unwrap();
        assert_eq!(key.cosigned_at(&format!("{first}{line}")), Some(100));

        // A client that thinks the witness is at 0 learns its size.
        let second = checkpoint(&leaves, 5);
        assert!(matches!(
            w.add_checkpoint(&request(0, vec![], second.clone()), 101),
            Err(Refusal::Conflict(3))
        ));
        // A wrong proof is refused; the right one (computed by the tree code) is accepted.
        assert!(matches!(
            w.add_checkpoint(&request(3, vec![Hash([9; 32])], second.clone()), 102),
            Err(Refusal::BadProof)
        ));
        let proof = consistency(&leaves, 3, 5);
        assert!(w
            .add_checkpoint(&request(3, proof, second.clone()), 103)
            .is_ok());

        // A split view: another log with the same key and size 5 but a different entry.
        let mut forked = leaves.clone();
        forked[4] = Hash([42; 32]);
        let fork = checkpoint(&forked, 5);
        assert!(matches!(
            w.add_checkpoint(&request(5, vec![], fork), 104),
            Err(Refusal::Conflict(5))
        ));
        let fork7 = checkpoint(&forked, 7);
        assert!(matches!(
            w.add_checkpoint(&request(5, consistency(&forked, 5, 7), fork7), 105),
            Err(Refusal::BadProof)
        ));

        // Unknown logs, bad signatures, sizes going backwards.
        let stranger = LogSigner::new("lain.test/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        let theirs = stranger.sign_checkpoint(1, Hash([0; 32])).unwrap();
        assert!(matches!(
            w.add_checkpoint(&request(0, vec![], theirs), 106),
            Err(Refusal::UnknownLog)
        ));
        let impostor = LogSigner::new("ikrar.test/log", SigningKey::from_bytes(&[6; 32])).unwrap();
        let forged = impostor.sign_checkpoint(6, Hash([0; 32])).unwrap();
        assert!(matches!(
            w.add_checkpoint(&request(5, vec![], forged), 107),
            Err(Refusal::BadSignature)
        ));
        assert!(matches!(
            w.add_checkpoint(&request(6, vec![], second), 108),
            Err(Refusal::BadRequest(_))
        ));

        // The record survives a restart.
        drop(w);
        let again = witness(dir.path());
        let third = checkpoint(&leaves, 8);
        assert!(matches!(
            again.add_checkpoint(&request(0, vec![], third.clone()), 109),
            Err(Refusal::Conflict(5))
        ));
        assert!(again
            .add_checkpoint(&request(5, consistency(&leaves, 5, 8), third), 110)
            .is_ok());
    }

    /// A consistency proof from the leaves, via the log's own tree code.
    fn consistency(leaves: &[Hash], from: u64, to: u64) -> Vec<Hash> {
        struct Memory(Vec<Hash>);
        impl ikrar_log::merkle::HashReader for Memory {
            fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
                Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
            }
        }
        let mut stored = Vec::new();
        for (n, leaf) in leaves.iter().enumerate() {
            let reader = Memory(stored.clone());
            let (_, hashes) = ikrar_log::merkle::hashes_to_store(n as u64, *leaf, &reader).unwrap();
            stored.extend(hashes);
        }
        ikrar_log::merkle::consistency_proof(from, to, &Memory(stored)).unwrap()
    }
}
