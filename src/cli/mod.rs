//! The command line's glue: progress bars, files and summaries around the services. Each
//! command returns its exit code.

pub mod admin;
pub mod backup;
pub mod export;
pub mod nip_check;
pub mod report;
pub mod roster;
pub mod sample;
pub mod serve;

pub use ikrar_log::cli::{progress_bar, Outcome};
