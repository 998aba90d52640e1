//! `ikrar witness key` and `ikrar witness serve --bind ADDR --log LOGKEY…`: the witness of
//! `crates/ikrar-witness`, with its key and record in `IKRAR_DATA_DIR`.

use super::Outcome;
use crate::config::Config;
pub use ikrar_witness::cli::ServeArgs;

/// Prints the witness's verifier key (cosignature/v1).
pub fn key(config: &Config) -> Outcome {
    finish(ikrar_witness::cli::key(&config.data_dir).map(|key| println!("{key}")))
}

/// Runs the witness until stopped.
pub fn serve(config: &Config, args: &ServeArgs) -> Outcome {
    finish(ikrar_witness::cli::serve(&config.data_dir, args))
}

fn finish(done: Result<(), ikrar_witness::cli::Failure>) -> Outcome {
    match done {
        Ok(()) => Outcome::Ok,
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Failed
        }
    }
}
