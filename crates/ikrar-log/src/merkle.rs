//! RFC 6962 / RFC 9162 Merkle trees over SHA-256, on top of `tlog_tiles` (Go's sumdb `tlog`
//! layout): leaf and node hashes, proofs from stored hashes, and a streaming root for verifiers.

pub use tlog_tiles::{Hash, HashReader, EMPTY_HASH};

/// A proof failed or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("indeks atau ukuran di luar pohon")]
    OutOfRange,
    #[error("bukti tidak cocok dengan akar pohon")]
    Invalid,
    #[error("hash pohon tidak dapat dibaca: {0}")]
    Storage(String),
}

fn storage(e: tlog_tiles::Error) -> ProofError {
    ProofError::Storage(e.to_string())
}

/// The leaf hash of an entry: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    tlog_tiles::record_hash(entry)
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: Hash, right: Hash) -> Hash {
    tlog_tiles::node_hash(left, right)
}

/// The stored hashes to write when appending leaf `n`, with the index of the first; the rest
/// follow it.
pub fn hashes_to_store(
    n: u64,
    leaf: Hash,
    reader: &impl HashReader,
) -> Result<(u64, Vec<Hash>), ProofError> {
    let hashes = tlog_tiles::stored_hashes_for_record_hash(n, leaf, reader).map_err(storage)?;
    Ok((tlog_tiles::stored_hash_index(0, n), hashes))
}

/// The storage indexes of the right edge of the tree of `size` leaves: the roots of its perfect
/// subtrees, largest first. Appending the next leaf and computing the new root read no other
/// stored hash.
pub fn right_edge(size: u64) -> Vec<u64> {
    // What `tree_hash` reads for the whole tree: its perfect subtrees' roots.
    tlog_tiles::sub_tree_index(0, size, Vec::new())
}

/// The root of the first `size` leaves.
pub fn root(size: u64, reader: &impl HashReader) -> Result<Hash, ProofError> {
    tlog_tiles::tree_hash(size, reader).map_err(storage)
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3).
pub fn inclusion_proof(
    index: u64,
    size: u64,
    reader: &impl HashReader,
) -> Result<Vec<Hash>, ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange);
    }
    tlog_tiles::prove_record(size, index, reader).map_err(storage)
}

/// The consistency proof from the tree of `from` leaves to the tree of `to` leaves (RFC 9162
/// §2.1.4). From an empty tree, or to the same size, the proof is empty.
pub fn consistency_proof(
    from: u64,
    to: u64,
    reader: &impl HashReader,
) -> Result<Vec<Hash>, ProofError> {
    if from > to {
        return Err(ProofError::OutOfRange);
    }
    if from == 0 || from == to {
        return Ok(Vec::new());
    }
    tlog_tiles::prove_tree(to, from, reader).map_err(storage)
}

/// Checks that `proof` proves `leaf` at `index` in the tree of `size` leaves with `root`.
pub fn check_inclusion(
    proof: &[Hash],
    index: u64,
    size: u64,
    leaf: Hash,
    root: Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange);
    }
    tlog_tiles::check_record(&proof.to_vec(), size, root, index, leaf)
        .map_err(|_| ProofError::Invalid)
}

/// Checks that the tree of `to` leaves with `new_root` extends the one of `from` leaves with
/// `old_root`.
pub fn check_consistency(
    proof: &[Hash],
    from: u64,
    old_root: Hash,
    to: u64,
    new_root: Hash,
) -> Result<(), ProofError> {
    match (from, to) {
        _ if from > to => Err(ProofError::OutOfRange),
        (0, _) => proof.is_empty().then_some(()).ok_or(ProofError::Invalid),
        _ if from == to => (proof.is_empty() && old_root == new_root)
            .then_some(())
            .ok_or(ProofError::Invalid),
        _ => tlog_tiles::check_tree(&proof.to_vec(), to, new_root, from, old_root)
            .map_err(|_| ProofError::Invalid),
    }
}

/// The root of a log read one leaf at a time, in O(log n) memory: the roots of the perfect
/// subtrees so far, largest first.
#[derive(Debug, Clone, Default)]
pub struct StreamingRoot {
    size: u64,
    peaks: Vec<Hash>,
}

impl StreamingRoot {
    /// Adds the next leaf's hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut n = self.size;
        while n & 1 == 1 {
            if let Some(left) = self.peaks.pop() {
                hash = node_hash(left, hash);
            }
            n >>= 1;
        }
        self.peaks.push(hash);
        self.size += 1;
    }

    /// How many leaves were pushed.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(&last) = peaks.next() else {
            return EMPTY_HASH;
        };
        peaks.fold(last, |right, &left| node_hash(left, right))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Stored hashes in memory, the way the database keeps them.
    #[derive(Default)]
    struct Memory(RefCell<Vec<Hash>>);

    impl HashReader for Memory {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
            let stored = self.0.borrow();
            indexes
                .iter()
                .map(|&i| {
                    stored
                        .get(i as usize)
                        .copied()
                        .ok_or(tlog_tiles::Error::IndexesNotInTree)
                })
                .collect()
        }
    }

    /// Only the right edge of a tree is needed to append to it: a reader that holds nothing else
    /// (and the hashes being appended) can append the next leaf and give the same root.
    #[test]
    fn the_right_edge_is_all_an_append_reads() {
        let leaves: Vec<Vec<u8>> = (0..70u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let full = build(&leaves);
        for size in 0..leaves.len() as u64 - 1 {
            let stored = full.0.borrow();
            let edge = right_edge(size);
            assert_eq!(edge.len(), size.count_ones() as usize);
            let mut known: Vec<Option<Hash>> = vec![None; stored.len()];
            for &i in &edge {
                known[i as usize] = Some(stored[i as usize]);
            }
            let only = Partial(RefCell::new(known));
            let leaf = leaf_hash(&leaves[size as usize]);
            let (first, hashes) = hashes_to_store(size, leaf, &only).unwrap();
            for (i, h) in (first..).zip(hashes) {
                only.0.borrow_mut()[i as usize] = Some(h);
            }
            assert_eq!(
                root(size + 1, &only).unwrap(),
                root(size + 1, &full).unwrap()
            );
        }
    }

    /// Some stored hashes; reading any other is an error.
    struct Partial(RefCell<Vec<Option<Hash>>>);

    impl HashReader for Partial {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
            let known = self.0.borrow();
            indexes
                .iter()
                .map(|&i| {
                    known
                        .get(i as usize)
                        .copied()
                        .flatten()
                        .ok_or(tlog_tiles::Error::IndexesNotInTree)
                })
                .collect()
        }
    }

    fn build(leaves: &[Vec<u8>]) -> Memory {
        let memory = Memory::default();
        for (n, leaf) in leaves.iter().enumerate() {
            let (first, hashes) = hashes_to_store(n as u64, leaf_hash(leaf), &memory).unwrap();
            assert_eq!(first as usize, memory.0.borrow().len());
            memory.0.borrow_mut().extend(hashes);
        }
        memory
    }

    // A straightforward recursive RFC 6962 / RFC 9162 implementation to check against.
    fn split(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => EMPTY_HASH,
            1 => leaves[0],
            n => {
                let k = split(n);
                node_hash(mth(&leaves[..k]), mth(&leaves[k..]))
            }
        }
    }

    fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = split(n);
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    fn subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if whole { vec![] } else { vec![mth(leaves)] };
        }
        let k = split(n);
        if m <= k {
            let mut p = subproof(m, &leaves[..k], whole);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = subproof(m - k, &leaves[k..], false);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    fn leaves(n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| format!("entry {i}\n").into_bytes())
            .collect()
    }

    #[test]
    fn roots_and_proofs_match_the_rfc_for_sizes_0_to_70() {
        let data = leaves(70);
        let hashes: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        let memory = build(&data);
        let mut streaming = StreamingRoot::default();
        assert_eq!(streaming.root(), EMPTY_HASH);
        for size in 0..=70usize {
            let expected = mth(&hashes[..size]);
            assert_eq!(root(size as u64, &memory).unwrap(), expected, "root {size}");
            if size > 0 {
                streaming.push(hashes[size - 1]);
            }
            assert_eq!(streaming.root(), expected, "streaming root {size}");
            for index in 0..size {
                let proof = inclusion_proof(index as u64, size as u64, &memory).unwrap();
                assert_eq!(
                    proof,
                    path(index, &hashes[..size]),
                    "inclusion {index} in {size}"
                );
                check_inclusion(&proof, index as u64, size as u64, hashes[index], expected)
                    .unwrap();
            }
            for from in 1..=size {
                let proof = consistency_proof(from as u64, size as u64, &memory).unwrap();
                let reference = if from == size {
                    vec![]
                } else {
                    subproof(from, &hashes[..size], true)
                };
                assert_eq!(proof, reference, "consistency {from} → {size}");
                let old = mth(&hashes[..from]);
                check_consistency(&proof, from as u64, old, size as u64, expected).unwrap();
            }
        }
    }

    #[test]
    fn wrong_proofs_fail() {
        let data = leaves(13);
        let memory = build(&data);
        let root13 = root(13, &memory).unwrap();
        let proof = inclusion_proof(5, 13, &memory).unwrap();
        assert!(check_inclusion(&proof, 5, 13, leaf_hash(b"other"), root13).is_err());
        assert!(check_inclusion(&proof, 6, 13, leaf_hash(&data[5]), root13).is_err());
        assert!(check_inclusion(&proof[1..], 5, 13, leaf_hash(&data[5]), root13).is_err());
        assert_eq!(
            inclusion_proof(13, 13, &memory),
            Err(ProofError::OutOfRange)
        );
        let root7 = root(7, &memory).unwrap();
        let consistency = consistency_proof(7, 13, &memory).unwrap();
        check_consistency(&consistency, 7, root7, 13, root13).unwrap();
        assert!(check_consistency(&consistency, 7, root13, 13, root13).is_err());
        assert!(check_consistency(&[], 13, root7, 13, root13).is_err());
        assert!(consistency_proof(0, 13, &memory).unwrap().is_empty());
    }

    #[test]
    fn empty_tree_and_leaf_hashes() {
        assert_eq!(
            EMPTY_HASH.0,
            <[u8; 32]>::try_from(
                hex::decode("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                    .unwrap()
            )
            .unwrap()
        );
        assert_eq!(
            hex::encode(leaf_hash(b"").0),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}
