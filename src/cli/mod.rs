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
pub mod witness;

pub use ikrar_log::cli::{progress_bar, Outcome};

/// Runs a service's future to its end on a runtime of its own (the command line has no other);
/// `None` if no runtime could be made.
pub fn block_on<F: std::future::Future>(future: F) -> Option<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .ok()?;
    Some(runtime.block_on(future))
}
