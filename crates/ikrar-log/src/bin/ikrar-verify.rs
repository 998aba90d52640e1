//! `ikrar-verify`: the offline verifier alone, for auditors. `ikrar-verify bundle …` does what
//! `ikrar verify …` does and `ikrar-verify receipt …` what `ikrar verify-receipt …` does: same
//! arguments, output and exit codes (0 valid, 1 invalid, 2 unreadable).

use clap::{CommandFactory, FromArgMatches, Parser};
use ikrar_log::cli::{self, ReceiptArgs, VerifyArgs};
use std::process::ExitCode;

/// Verifies ikrar export bundles and receipts offline, with no access to the server.
#[derive(Debug, Parser)]
#[command(
    name = "ikrar-verify",
    version,
    about = "Memeriksa bundel ekspor dan bukti ikrar secara luring, tanpa akses ke server"
)]
enum Command {
    /// Verify an export bundle offline (exit 0 valid, 1 invalid, 2 unreadable)
    #[command(
        about = "Periksa bundel ekspor secara luring (keluar 0 sah, 1 tidak sah, 2 tidak terbaca)"
    )]
    Bundle(VerifyArgs),
    /// Verify one receipt offline (exit 0 valid, 1 invalid, 2 unreadable)
    #[command(
        about = "Periksa satu bukti secara luring (keluar 0 sah, 1 tidak sah, 2 tidak terbaca)"
    )]
    Receipt(ReceiptArgs),
}

fn main() -> ExitCode {
    let matches = cli::arguments(cli::in_indonesian(Command::command()));
    let command = match Command::from_arg_matches(&matches) {
        Ok(command) => command,
        Err(e) => e.exit(),
    };
    match command {
        Command::Bundle(args) => cli::bundle(&args),
        Command::Receipt(args) => cli::receipt(&args),
    }
    .into()
}
