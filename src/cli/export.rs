//! `ikrar export bundle OUT.jsonl`: the whole log for auditors, written to a temporary file and
//! renamed into place, so a failed export never leaves a half bundle under the final name.

use super::{progress_bar, Outcome};
use crate::domain::audit::Actor;
use crate::service::{export, App};
use std::io::BufWriter;
use std::path::Path;

/// Writes the bundle and prints a summary.
pub fn bundle(app: &App, out: &Path) -> Outcome {
    let partial = out.with_extension("jsonl.partial");
    let result = (|| -> Result<u64, Box<dyn std::error::Error>> {
        let size = export::snapshot(app)?.1.get();
        let bar = progress_bar(size, "Mengekspor");
        let file = crate::hardening::private_file(&partial)?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        let actor = Actor::command_line("ikrar export bundle");
        let destination = out.display().to_string();
        let written = export::write_bundle(app, &actor, &destination, &mut writer, &mut |n| {
            bar.set_position(n)
        })?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&partial, out)?;
        bar.finish_and_clear();
        Ok(written)
    })();
    match result {
        Ok(size) => {
            println!("Bundle ditulis ke {}: {size} entri.", out.display());
            Outcome::Ok
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            eprintln!("galat: ekspor gagal: {e}");
            Outcome::Failed
        }
    }
}
