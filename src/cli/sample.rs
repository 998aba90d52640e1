//! `ikrar roster sample [--count N] [--seed S] [--instansi NAME]`: a synthetic roster on
//! standard output, for training, demonstrations and load runs. Needs no data directory.

use super::Outcome;
use crate::domain::roster_sample::{write_sample, SampleRequest};

/// The command's arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct SampleArgs {
    /// How many made-up employees
    #[arg(help = "Berapa pegawai rekaan (bawaan 8100)")]
    #[arg(long, default_value_t = 8100)]
    pub count: usize,
    /// The same seed gives the same roster
    #[arg(help = "Benih yang sama menghasilkan roster yang sama (bawaan 1)")]
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The instansi every row names
    #[arg(help = "Instansi yang disebut setiap baris (bawaan: Pemerintah Kabupaten Purbalingga)")]
    #[arg(long, default_value = "Pemerintah Kabupaten Purbalingga")]
    pub instansi: String,
}

/// Writes the roster to standard output.
pub fn run(args: &SampleArgs) -> Outcome {
    let request = SampleRequest {
        count: args.count,
        seed: args.seed,
        instansi: args.instansi.clone(),
    };
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    match write_sample(&request, out) {
        Ok(()) => Outcome::Ok,
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Failed
        }
    }
}
