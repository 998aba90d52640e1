//! Growing the tree without storage: given the right edge of a tree (the roots of its perfect
//! subtrees) and the leaf hashes of new entries, the stored hashes to write, the new root and
//! the new right edge. This is all the tree logic a log's writer needs; reading and writing
//! hashes is the writer's storage's business.

use crate::merkle::{self, Hash, HashReader, ProofError};
use std::collections::BTreeMap;

/// The right edge of a tree of `size` leaves: the stored hashes at [`merkle::right_edge`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RightEdge {
    size: u64,
    hashes: BTreeMap<u64, Hash>,
}

impl RightEdge {
    /// The edge of the tree of `size` leaves from stored hashes; `found` may hold others, which
    /// are left out. [`ProofError::OutOfRange`] if one the edge needs is missing.
    pub fn new(
        size: u64,
        found: impl IntoIterator<Item = (u64, Hash)>,
    ) -> Result<Self, ProofError> {
        let found: BTreeMap<u64, Hash> = found.into_iter().collect();
        let hashes = merkle::right_edge(size)
            .into_iter()
            .map(|i| Some((i, *found.get(&i)?)))
            .collect::<Option<_>>()
            .ok_or(ProofError::OutOfRange)?;
        Ok(RightEdge { size, hashes })
    }

    /// How many leaves the tree has.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree's root.
    pub fn root(&self) -> Result<Hash, ProofError> {
        merkle::root(self.size, &Known(&self.hashes))
    }
}

/// What appending leaves to a tree gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Integrated {
    /// The new stored hashes, by storage index, in order.
    pub stored: Vec<(u64, Hash)>,
    /// The root of the grown tree.
    pub root: Hash,
    /// The right edge of the grown tree, for the next append.
    pub edge: RightEdge,
}

/// Appends `leaves` (leaf hashes, in order) to the tree whose right edge is `edge`.
/// Fails only if `edge` lacks a hash, which [`RightEdge::new`] does not allow.
pub fn integrate(edge: &RightEdge, leaves: &[Hash]) -> Result<Integrated, ProofError> {
    let mut hashes = edge.hashes.clone();
    let mut stored = Vec::new();
    for (n, leaf) in (edge.size..).zip(leaves) {
        // Appending leaf n reads only the edge of the tree of n leaves, all in `hashes`.
        let (first, new) = merkle::hashes_to_store(n, *leaf, &Known(&hashes))?;
        for (i, hash) in (first..).zip(new) {
            hashes.insert(i, hash);
            stored.push((i, hash));
        }
    }
    let size = edge.size + leaves.len() as u64;
    let hashes: BTreeMap<u64, Hash> = merkle::right_edge(size)
        .into_iter()
        .filter_map(|i| Some((i, *hashes.get(&i)?)))
        .collect();
    let edge = RightEdge { size, hashes };
    Ok(Integrated {
        stored,
        root: edge.root()?,
        edge,
    })
}

/// Hashes in memory, as a [`HashReader`].
struct Known<'a>(&'a BTreeMap<u64, Hash>);

impl HashReader for Known<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|i| {
                self.0
                    .get(i)
                    .copied()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::StreamingRoot;

    fn leaves(from: u64, n: u64) -> Vec<Hash> {
        (from..from + n)
            .map(|i| merkle::leaf_hash(format!("entry {i}").as_bytes()))
            .collect()
    }

    fn streaming_root(n: u64) -> Hash {
        let mut root = StreamingRoot::default();
        leaves(0, n).into_iter().for_each(|l| root.push(l));
        root.root()
    }

    #[test]
    fn batches_of_any_size_give_the_root_of_the_whole_tree() {
        for batch in [1, 2, 3, 7, 16, 33] {
            let mut edge = RightEdge::default();
            let mut all = BTreeMap::new();
            while edge.size() < 100 {
                let next = integrate(&edge, &leaves(edge.size(), batch)).unwrap();
                all.extend(next.stored.iter().copied());
                assert_eq!(next.root, streaming_root(next.edge.size()), "batch {batch}");
                assert_eq!(next.root, next.edge.root().unwrap());
                edge = next.edge;
            }
            // What was stored is every hash the tree has: the edge can be read back from it,
            // and proofs made from it check against the root.
            let size = edge.size();
            assert_eq!(RightEdge::new(size, all.clone()).unwrap(), edge);
            let proof = merkle::inclusion_proof(37, size, &Known(&all)).unwrap();
            merkle::check_inclusion(&proof, 37, size, leaves(37, 1)[0], edge.root().unwrap())
                .unwrap();
        }
    }

    #[test]
    fn an_empty_batch_changes_nothing() {
        let edge = integrate(&RightEdge::default(), &leaves(0, 5))
            .unwrap()
            .edge;
        let again = integrate(&edge, &[]).unwrap();
        assert!(again.stored.is_empty());
        assert_eq!(again.edge, edge);
        assert_eq!(RightEdge::default().root(), Ok(merkle::EMPTY_HASH));
    }

    #[test]
    fn an_edge_with_a_hash_missing_is_refused() {
        let grown = integrate(&RightEdge::default(), &leaves(0, 6)).unwrap();
        let mut stored: BTreeMap<u64, Hash> = grown.stored.into_iter().collect();
        let needed = merkle::right_edge(6);
        stored.remove(&needed[1]);
        assert_eq!(RightEdge::new(6, stored), Err(ProofError::OutOfRange));
    }
}
