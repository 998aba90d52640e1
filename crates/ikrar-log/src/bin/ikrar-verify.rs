//! `ikrar-verify`: the offline verifier alone, for auditors. `ikrar-verify bundle …` does what
//! `ikrar verify …` does and `ikrar-verify receipt …` what `ikrar verify-receipt …` does: same
//! arguments, output and exit codes (0 valid, 1 invalid, 2 unreadable).

use clap::Parser;
use ikrar_log::cli::{self, ReceiptArgs, VerifyArgs};
use std::process::ExitCode;

/// Verifies ikrar export bundles and receipts offline, with no access to the server.
#[derive(Debug, Parser)]
#[command(name = "ikrar-verify", version)]
enum Command {
    /// Verify an export bundle offline (exit 0 valid, 1 invalid, 2 unreadable)
    Bundle(VerifyArgs),
    /// Verify one receipt offline (exit 0 valid, 1 invalid, 2 unreadable)
    Receipt(ReceiptArgs),
}

fn main() -> ExitCode {
    match Command::parse() {
        Command::Bundle(args) => cli::bundle(&args),
        Command::Receipt(args) => cli::receipt(&args),
    }
    .into()
}
