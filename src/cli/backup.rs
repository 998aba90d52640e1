//! `ikrar backup OUT.db`: a consistent copy of the SQLite database while the app keeps running.
//! (For PostgreSQL, use `pg_dump`.)

use super::Outcome;
use crate::service::App;
use crate::service::DbError;
use std::path::Path;

/// Writes the copy and checks that it opens.
pub fn run(app: &App, out: &Path) -> Outcome {
    if out.exists() {
        eprintln!("galat: {} sudah ada; pilih nama berkas baru", out.display());
        return Outcome::Invalid;
    }
    match app.backup_to(out) {
        Ok(head) => {
            println!("Salinan basis data ditulis ke {}", out.display());
            // The checkpoint the copy holds: a log restored from it has this root at this size.
            if let Some(head) = head {
                println!("Checkpoint di dalam salinan:\n{}", head.checkpoint);
            }
            Outcome::Ok
        }
        Err(e @ DbError::BackupIsPgDump) => {
            eprintln!("galat: {e}");
            Outcome::Invalid
        }
        Err(e) => {
            eprintln!("galat: cadangan gagal: {e}");
            Outcome::Failed
        }
    }
}
