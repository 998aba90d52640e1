//! The transparency log: its mathematics and formats (SPEC.md), pure: no database, no web.
//! The file-reading parts take any `BufRead`, so that the verifier needs nothing but its input.

pub mod bundle;
pub mod merkle;
pub mod note;
pub mod receipt;
pub mod verify;

pub use merkle::leaf_hash;
