//! Positions in the log: an entry's index, or the log's size (the index its next entry gets),
//! counted from 0 as the Merkle tree counts leaves. The database stores them as a
//! non-negative `BIGINT`; the conversions are checked here, once.

use std::fmt;

/// An entry's index, or a size of the log.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct LogIndex(pub u64);

/// A stored index that is negative, or one too large to store.
#[derive(Debug, thiserror::Error)]
#[error("indeks log di luar jangkauan: {0}")]
pub struct OutOfRange(i128);

impl LogIndex {
    /// The index as the tree counts it.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The index as stored.
    pub fn to_row(self) -> Result<i64, OutOfRange> {
        i64::try_from(self.0).map_err(|_| OutOfRange(i128::from(self.0)))
    }
}

/// How the database gives an index back.
impl TryFrom<i64> for LogIndex {
    type Error = OutOfRange;

    fn try_from(stored: i64) -> Result<Self, Self::Error> {
        u64::try_from(stored)
            .map(LogIndex)
            .map_err(|_| OutOfRange(i128::from(stored)))
    }
}

impl fmt::Display for LogIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_indexes_are_checked_both_ways() {
        assert_eq!(LogIndex::try_from(41).unwrap(), LogIndex(41));
        assert!(LogIndex::try_from(-1).is_err());
        assert_eq!(LogIndex(7).to_row().unwrap(), 7);
        assert!(LogIndex(u64::MAX).to_row().is_err());
        assert_eq!(LogIndex(12).to_string(), "12");
    }
}
