//! `ikrar witness key` and `ikrar witness serve --bind ADDR --log LOGKEY…`: a witness for ikrar
//! logs (C2SP tlog-witness), with its key (`witness-key.pem`, 0600) and its record
//! (`witness.db`) in `IKRAR_DATA_DIR`, named by `IKRAR_WITNESS_NAME`.

use super::Outcome;
use crate::config::Config;
use crate::witness::store::Store;
use crate::witness::{http, Witness};
use ikrar_log::cosignature::WitnessSigner;
use ikrar_log::note::LogVerifier;
use std::net::TcpListener;

/// The witness's name when `IKRAR_WITNESS_NAME` is not set.
const DEFAULT_NAME: &str = "ikrar-witness.localhost";

/// The arguments of `ikrar witness serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Listen address
    #[arg(
        long,
        value_name = "ALAMAT",
        help = "Alamat dengar, mis. 127.0.0.1:8090"
    )]
    pub bind: String,
    /// A log this witness cosigns: its verifier key (from the log's /log/key); repeatable
    #[arg(
        long = "log",
        value_name = "KUNCI_LOG",
        required = true,
        help = "Log yang disaksikan: kunci verifikasinya (dari /log/key log itu); boleh berulang"
    )]
    pub logs: Vec<String>,
}

/// The witness's signer, its key created on first use.
fn signer(config: &Config) -> Result<WitnessSigner, String> {
    crate::hardening::private_dir(&config.data_dir).map_err(|e| e.to_string())?;
    let key = crate::log_key::load_or_create(&config.data_dir.join("witness-key.pem"))
        .map_err(|e| e.to_string())?;
    let name = std::env::var("IKRAR_WITNESS_NAME")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| DEFAULT_NAME.into());
    WitnessSigner::new(&name, key).map_err(|e| format!("IKRAR_WITNESS_NAME: {e}"))
}

/// Prints the witness's verifier key (cosignature/v1).
pub fn key(config: &Config) -> Outcome {
    match signer(config) {
        Ok(signer) => {
            println!("{}", signer.verifier_key());
            Outcome::Ok
        }
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Failed
        }
    }
}

/// Runs the witness until stopped.
pub fn serve(config: &Config, args: &ServeArgs) -> Outcome {
    match try_serve(config, args) {
        Ok(()) => Outcome::Ok,
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Failed
        }
    }
}

fn try_serve(config: &Config, args: &ServeArgs) -> Result<(), String> {
    let signer = signer(config)?;
    let logs = args
        .logs
        .iter()
        .map(|key| LogVerifier::new(key).map_err(|e| format!("--log {key}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let store = Store::open(&config.data_dir.join("witness.db")).map_err(|e| e.to_string())?;
    let witness = Witness::new(signer, logs, store);
    let key = witness.verifier_key();
    let listener = TcpListener::bind(&args.bind)
        .map_err(|e| format!("tidak dapat membuka {}: {e}", args.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    actix_web::rt::System::new().block_on(async move {
        let server = http::build(witness, listener).map_err(|e| e.to_string())?;
        println!("saksi {key} berjalan di http://{address} (Ctrl+C untuk berhenti)");
        server.await.map_err(|e| e.to_string())
    })
}
