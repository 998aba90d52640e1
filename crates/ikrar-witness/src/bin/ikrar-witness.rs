//! `ikrar-witness`: a witness for ikrar logs, built without the app.

use clap::{Parser, Subcommand};
use ikrar_witness::cli::{self, ServeArgs};
use std::path::PathBuf;
use std::process::ExitCode;

/// A witness for ikrar logs (C2SP tlog-witness)
#[derive(Parser)]
#[command(
    name = "ikrar-witness",
    version,
    about = "Saksi untuk log ikrar (C2SP tlog-witness)"
)]
struct Args {
    /// Where the witness keeps its key and record
    #[arg(
        long,
        env = "IKRAR_DATA_DIR",
        default_value = "data",
        value_name = "DIREKTORI",
        help = "Tempat kunci dan catatan saksi"
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the witness's verifier key (creating the key on first use)
    #[command(about = "Cetak kunci verifikasi saksi (kunci dibuat pada pemakaian pertama)")]
    Key,
    /// Cosigns the given logs' checkpoints over HTTP
    #[command(about = "Tandatangani bersama checkpoint log yang disebut, lewat HTTP")]
    Serve(ServeArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let done = match &args.command {
        Command::Key => cli::key(&args.data_dir).map(|key| println!("{key}")),
        Command::Serve(serve) => cli::serve(&args.data_dir, serve),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("galat: {e}");
            ExitCode::from(2)
        }
    }
}
