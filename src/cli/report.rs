//! `ikrar export report OUT.csv|OUT.xlsx --pact ID [--by unit|employee]`.

use super::Outcome;
use crate::domain::audit::Actor;
use crate::service::reports::{self, FileFormat, ReportKind, ReportRequest};
use crate::service::App;
use ikrar_log::values::now_seconds;
use ikrar_log::values::PactId;
use std::io::BufWriter;
use std::path::PathBuf;

/// What to group the report by.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum By {
    /// Rekap per unit kerja
    Unit,
    /// Daftar per pegawai
    Employee,
}

/// The command's arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// The file to write; .csv or .xlsx decides the format
    #[arg(help = "Berkas yang ditulis; .csv atau .xlsx menentukan formatnya")]
    #[arg(value_name = "OUT.csv|OUT.xlsx")]
    pub out: PathBuf,
    /// The pact's id, e.g. netralitas-2024
    #[arg(help = "ID pakta, mis. netralitas-2024")]
    #[arg(long, value_parser = |id: &str| PactId::parse(id))]
    pub pact: PactId,
    /// Rekap per unit (default) or daftar per pegawai
    #[arg(help = "`unit`: rekap per unit kerja (bawaan), atau `employee`: daftar per pegawai")]
    #[arg(long, value_enum, default_value = "unit")]
    pub by: By,
}

/// Writes the report to a temporary file and renames it into place.
pub fn run(app: &App, args: &ReportArgs) -> Outcome {
    let Some(format) = FileFormat::from_path(&args.out.to_string_lossy()) else {
        eprintln!("galat: nama berkas harus berakhiran .csv atau .xlsx");
        return Outcome::Invalid;
    };
    let request = ReportRequest {
        pact_id: args.pact.clone(),
        kind: match args.by {
            By::Unit => ReportKind::ByUnit,
            By::Employee => ReportKind::ByEmployee,
        },
        format,
        units: crate::domain::unit_scope::UnitScope::All,
        tz: app.config.tz,
        now: now_seconds(),
    };
    let partial = args.out.with_extension("partial");
    let actor = Actor::command_line("ikrar export report");
    let destination = args.out.display().to_string();
    let result = (|| -> Result<(), reports::ReportError> {
        let file = crate::hardening::private_file(&partial)?;
        reports::write(app, &request, &actor, &destination, BufWriter::new(file))?;
        std::fs::rename(&partial, &args.out)?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            println!("Laporan ditulis ke {}", args.out.display());
            Outcome::Ok
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            eprintln!("galat: {e}");
            match e {
                reports::ReportError::UnknownPact(_) => Outcome::Invalid,
                _ => Outcome::Failed,
            }
        }
    }
}
