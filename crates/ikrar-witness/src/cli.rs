//! `key` and `serve --bind ADDR --log LOGKEY…`, as `ikrar-witness` and the app's `ikrar witness`
//! run them: the witness's key (`witness-key.pem`, 0600) and record (`witness.db`) in a data
//! directory, its name from `IKRAR_WITNESS_NAME`.

use super::store::{Store, StoreError};
use super::{http, Witness};
use ikrar_log::cosignature::{CosignatureError, WitnessSigner};
use ikrar_log::key_file::{self, KeyFileError};
use ikrar_log::note::{LogVerifier, NoteError};
use std::net::TcpListener;
use std::path::Path;

/// The witness's name when `IKRAR_WITNESS_NAME` is not set.
const DEFAULT_NAME: &str = "ikrar-witness.localhost";

/// The arguments of `serve`.
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

/// Why the witness cannot start.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("direktori data {dir} tidak dapat dibuat: {source}")]
    DataDir {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Key(#[from] KeyFileError),
    #[error("IKRAR_WITNESS_NAME: {0}")]
    Name(#[source] CosignatureError),
    #[error("--log {key}: {source}")]
    LogKey {
        key: String,
        #[source]
        source: NoteError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("tidak dapat membuka {bind}: {source}")]
    Bind {
        bind: String,
        #[source]
        source: std::io::Error,
    },
    #[error("saksi berhenti: {0}")]
    Server(#[source] std::io::Error),
}

/// The witness's signer, its key created on first use.
fn signer(data_dir: &Path) -> Result<WitnessSigner, Failure> {
    key_file::private_dir(data_dir).map_err(|source| Failure::DataDir {
        dir: data_dir.display().to_string(),
        source,
    })?;
    let key = key_file::load_or_create(&data_dir.join("witness-key.pem"))?;
    let name = std::env::var("IKRAR_WITNESS_NAME")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| DEFAULT_NAME.into());
    WitnessSigner::new(&name, key).map_err(Failure::Name)
}

/// The witness's verifier key (cosignature/v1), its key created on first use.
pub fn key(data_dir: &Path) -> Result<String, Failure> {
    Ok(signer(data_dir)?.verifier_key())
}

/// Runs the witness until stopped.
pub fn serve(data_dir: &Path, args: &ServeArgs) -> Result<(), Failure> {
    let signer = signer(data_dir)?;
    let logs = args
        .logs
        .iter()
        .map(|key| {
            LogVerifier::new(key).map_err(|source| Failure::LogKey {
                key: key.clone(),
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let store = Store::open(&data_dir.join("witness.db"))?;
    let witness = Witness::new(signer, logs, store);
    let key = witness.verifier_key();
    let bind = |source| Failure::Bind {
        bind: args.bind.clone(),
        source,
    };
    let listener = TcpListener::bind(&args.bind).map_err(bind)?;
    let address = listener.local_addr().map_err(bind)?;
    actix_web::rt::System::new().block_on(async move {
        let server = http::build(witness, listener).map_err(Failure::Server)?;
        println!("saksi {key} berjalan di http://{address} (Ctrl+C untuk berhenti)");
        server.await.map_err(Failure::Server)
    })
}
