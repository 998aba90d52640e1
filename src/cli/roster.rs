//! `ikrar roster import FILE.csv [--dry-run] [--skip-invalid] [--codes-out F] [--report F]`.

use super::{progress_bar, Outcome};
use crate::domain::audit::Actor;
use crate::domain::csv_safe::{Cell, SafeCsv};
use crate::domain::file_format::FileFormat;
use crate::domain::roster;
use crate::i18n::Lang;
use crate::service::roster::{import, ImportOptions, ImportOutcome, ImportSource};
use crate::service::App;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The command's arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The roster: nip,nama,jenis,jabatan,unit_kode,unit_nama,instansi
    #[arg(help = "Roster: nip,nama,jenis,jabatan,unit_kode,unit_nama,instansi")]
    pub file: PathBuf,
    /// Check and report only; write nothing
    #[arg(help = "Periksa dan laporkan saja; tidak menulis apa pun")]
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good rows even when some rows are bad
    #[arg(help = "Impor baris yang benar walaupun ada baris yang salah")]
    #[arg(long)]
    pub skip_invalid: bool,
    /// Write new activation codes here (nip,kode_aktivasi,nama,unit_kode); without it no codes
    /// are issued
    #[arg(
        help = "Tulis kode aktivasi baru ke sini (nip,kode_aktivasi,nama,unit_kode); tanpanya tidak ada kode yang dibuat"
    )]
    #[arg(long, value_name = "CODES.csv")]
    pub codes_out: Option<PathBuf>,
    /// Write every bad line here (line,nip,code,message)
    #[arg(help = "Tulis setiap baris yang salah ke sini (line,nip,code,message)")]
    #[arg(long, value_name = "REPORT.csv")]
    pub report: Option<PathBuf>,
}

/// Why the command could not run at all (exit 2).
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("tidak dapat membaca {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("tidak dapat menulis {0}: {1}")]
    Write(PathBuf, std::io::Error),
    #[error(transparent)]
    Db(#[from] crate::service::DbError),
    #[error("runtime tidak dapat dijalankan")]
    Runtime,
}

/// Runs the import and prints a summary; returns the exit code.
pub fn run(app: &App, args: &ImportArgs) -> Outcome {
    match try_run(app, args) {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Failed
        }
    }
}

fn try_run(app: &App, args: &ImportArgs) -> Result<Outcome, Failure> {
    let bytes = std::fs::read(&args.file).map_err(|e| Failure::Read(args.file.clone(), e))?;
    let parsed = match roster::parse_any(&bytes, app.config.today()) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!(
                "galat: {}: {e}. Tidak ada yang ditulis.",
                args.file.display()
            );
            return Ok(Outcome::Invalid);
        }
    };
    // Open the codes file before importing: codes are kept only as hashes, so they must have
    // somewhere to go before they exist.
    let codes_file = match (&args.codes_out, args.dry_run) {
        (Some(path), false) => Some((path, create_private(path)?)),
        _ => None,
    };
    let options = ImportOptions {
        dry_run: args.dry_run,
        skip_invalid: args.skip_invalid,
        issue_codes: codes_file.is_some(),
    };
    let bar = progress_bar(parsed.rows.len() as u64, "Mengimpor");
    let source = ImportSource {
        actor: Actor::command_line("ikrar roster import"),
        file_name: args.file.display().to_string(),
    };
    let progress = bar.clone();
    let outcome = super::block_on(import(app, parsed, options, source, move |n| {
        progress.set_position(n)
    }))
    .ok_or(Failure::Runtime)??;
    bar.finish_and_clear();
    if let Some(path) = &args.report {
        write_report(path, &outcome)?;
    }
    if let Some((path, file)) = codes_file {
        if outcome.written {
            write_codes(path, file, &outcome)?;
        } else {
            drop(file);
            let _ = std::fs::remove_file(path);
        }
    }
    print_summary(args, &outcome);
    Ok(
        if outcome.errors.is_empty() || (outcome.written && args.skip_invalid) {
            Outcome::Ok
        } else {
            Outcome::Invalid
        },
    )
}

/// Creates a file only its owner can read (it will hold secrets).
fn create_private(path: &Path) -> Result<File, Failure> {
    crate::hardening::private_file(path).map_err(|e| Failure::Write(path.to_owned(), e))
}

fn write_codes(path: &Path, file: File, outcome: &ImportOutcome) -> Result<(), Failure> {
    crate::service::roster::write_codes(&outcome.codes, FileFormat::Csv, file)
        .map_err(|e| Failure::Write(path.to_owned(), std::io::Error::other(e)))
}

fn write_report(path: &Path, outcome: &ImportOutcome) -> Result<(), Failure> {
    let failed = |e: csv::Error| Failure::Write(path.to_owned(), e.into());
    let file = create_private(path)?;
    let mut out = SafeCsv::new(file);
    out.text_row(["line", "nip", "code", "message"])
        .map_err(failed)?;
    for e in &outcome.errors {
        let line = e.line.to_string();
        let message = e.message(Lang::Id);
        out.row(&[
            Cell::Number(&line),
            Cell::Text(&e.nip),
            Cell::Text(e.code),
            Cell::Text(&message),
        ])
        .map_err(failed)?;
    }
    for l in &outcome.lookalikes {
        let line = l.person.line.unwrap_or_default().to_string();
        let message = l.message(Lang::Id);
        out.row(&[
            Cell::Number(&line),
            Cell::Text(&l.person.nip),
            Cell::Text(LOOKALIKE_CODE),
            Cell::Text(&message),
        ])
        .map_err(failed)?;
    }
    out.flush().map_err(|e| Failure::Write(path.to_owned(), e))
}

const ERRORS_SHOWN: usize = 20;
/// The report's code of a look-alike name (a warning; the row is imported).
const LOOKALIKE_CODE: &str = "nama_mirip";

fn print_summary(args: &ImportArgs, outcome: &ImportOutcome) {
    let mut err = std::io::stderr().lock();
    for e in outcome.errors.iter().take(ERRORS_SHOWN) {
        let _ = writeln!(
            err,
            "baris {}: {} [{}] {}",
            e.line,
            e.nip,
            e.code,
            e.message(Lang::Id)
        );
    }
    if outcome.errors.len() > ERRORS_SHOWN {
        let _ = writeln!(
            err,
            "… dan {} kesalahan lain{}",
            outcome.errors.len() - ERRORS_SHOWN,
            if args.report.is_some() {
                " (lihat laporan)"
            } else {
                " (pakai --report untuk daftar lengkap)"
            }
        );
    }
    for l in outcome.lookalikes.iter().take(ERRORS_SHOWN) {
        let line = l.person.line.unwrap_or_default();
        let _ = writeln!(
            err,
            "peringatan, baris {line}: {} [{LOOKALIKE_CODE}] {}",
            l.person.nip,
            l.message(Lang::Id)
        );
    }
    let verdict = if args.dry_run {
        "Uji coba (--dry-run): tidak ada yang ditulis."
    } else if outcome.written {
        "Impor selesai."
    } else {
        "Impor dibatalkan: ada baris yang salah, tidak ada yang ditulis (perbaiki berkas, atau pakai --skip-invalid)."
    };
    println!("{verdict}");
    println!(
        "Baris: {} · sah: {} · salah: {} · pegawai baru: {} · diperbarui: {} · unit: {}",
        outcome.total_rows,
        outcome.valid_rows,
        outcome.total_rows - outcome.valid_rows,
        outcome.added,
        outcome.updated,
        outcome.units
    );
    if outcome.written {
        match &args.codes_out {
            Some(path) => println!(
                "Kode aktivasi baru: {} (ditulis ke {})",
                outcome.codes.len(),
                path.display()
            ),
            None => println!(
                "Kode aktivasi tidak diterbitkan; jalankan ulang dengan --codes-out CODES.csv untuk menerbitkannya."
            ),
        }
    }
}
