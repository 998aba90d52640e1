//! The verifier's command line, shared by `ikrar-verify` and `ikrar`:
//! `verify BUNDLE [--since CHECKPOINT] [--log-key KEY] [--json]` and
//! `verify-receipt RECEIPT [--log-key KEY] [--json]`: offline, no database, no configuration.

use crate::cosignature::WitnessKey;
use crate::receipt::ReceiptSummary;
use crate::verify::{verify_bundle, Fault, Options, Summary, Witnesses};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Exit codes shared by the commands: 0 all good, 1 bad input or a finding, 2 could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok = 0,
    Invalid = 1,
    Failed = 2,
}

impl From<Outcome> for std::process::ExitCode {
    fn from(o: Outcome) -> Self {
        std::process::ExitCode::from(o as u8)
    }
}

/// The arguments of `command` (made with [`in_indonesian`]); a mistake in them is said in
/// Bahasa Indonesia, like everything else the command line says, and ends the process with
/// exit code 2 (help and version end it with 0).
pub fn arguments(command: clap::Command) -> clap::ArgMatches {
    let name = command.get_name().to_owned();
    command
        .try_get_matches()
        .unwrap_or_else(|e| exit_with(&name, e))
}

/// Says what is wrong with the arguments, in Bahasa Indonesia, and exits.
fn exit_with(name: &str, e: clap::Error) -> ! {
    use clap::error::{ContextKind, ErrorKind};
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || matches!(
            e.kind(),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    {
        e.exit();
    }
    let context = |kind| e.get(kind).map(|v| v.to_string()).unwrap_or_default();
    let argument = context(ContextKind::InvalidArg);
    let said = match e.kind() {
        ErrorKind::UnknownArgument => format!("argumen tidak dikenal: {argument}"),
        ErrorKind::InvalidSubcommand => {
            format!(
                "perintah tidak dikenal: {}",
                context(ContextKind::InvalidSubcommand)
            )
        }
        ErrorKind::MissingRequiredArgument => format!("argumen wajib belum diberikan: {argument}"),
        ErrorKind::MissingSubcommand => "perintah belum diberikan".to_owned(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => format!(
            "nilai {} tidak sah untuk {argument}",
            context(ContextKind::InvalidValue)
        ),
        ErrorKind::ArgumentConflict => {
            format!("{argument} tidak dapat dipakai bersama argumen lain")
        }
        ErrorKind::TooManyValues => {
            format!("{argument} diberikan terlalu banyak")
        }
        _ => "argumen tidak dapat dibaca".to_owned(),
    };
    eprintln!("galat: {said}\nLihat `{name} --help` (atau `--help` setelah perintahnya).");
    std::process::exit(2)
}

/// The help of a command line in Bahasa Indonesia, like everything else the command line says:
/// clap's own headings and flags (`Usage`, `Options`, `--help`, `--version`) replaced, in
/// `command` and every subcommand.
pub fn in_indonesian(command: clap::Command) -> clap::Command {
    use clap::{Arg, ArgAction};
    const TEMPLATE: &str =
        "{before-help}{about-with-newline}\nPenggunaan: {usage}\n\n{all-args}{after-help}";
    let has_version = command.get_version().is_some();
    let command = command
        .help_template(TEMPLATE)
        .subcommand_help_heading("Perintah")
        .subcommand_value_name("PERINTAH")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .mut_args(|arg| {
            // Defaults and choices are said in the help text itself, in Indonesian.
            let heading = if arg.is_positional() {
                "Argumen"
            } else {
                "Opsi"
            };
            // A flag (`--json`) takes no value: it has no default or choices to hide, and clap
            // refuses to hide them on it.
            let flag = arg.get_value_parser().type_id() == clap::value_parser!(bool).type_id();
            let arg = arg.help_heading(heading);
            if flag {
                arg
            } else {
                arg.hide_default_value(true).hide_possible_values(true)
            }
        })
        .arg(
            Arg::new("bantuan")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Tampilkan bantuan ini")
                .help_heading("Opsi"),
        )
        .mut_subcommands(in_indonesian);
    if has_version {
        command.arg(
            Arg::new("versi")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Tampilkan versi")
                .help_heading("Opsi"),
        )
    } else {
        command
    }
}

/// A progress bar on a terminal; hidden (drawing nothing) when stderr is not one.
pub fn progress_bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len).with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta} lagi)") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The arguments of `ikrar verify`.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// The bundle (JSON Lines) made by `ikrar export bundle`
    #[arg(
        value_name = "BUNDEL.jsonl",
        help = "Bundel (JSON Lines) hasil `ikrar export bundle`"
    )]
    pub bundle: PathBuf,
    /// A checkpoint kept from earlier: check that the log only grew since
    #[arg(
        long,
        value_name = "CHECKPOINT.txt",
        help = "Checkpoint yang disimpan sebelumnya: periksa bahwa log hanya bertambah sejak itu"
    )]
    pub since: Option<PathBuf>,
    /// The log key you trust (verifier key string, or a file holding it); default: the bundle's
    #[arg(
        long,
        value_name = "KUNCI",
        help = "Kunci log yang Anda percayai (string kunci verifikasi, atau berkas yang memuatnya); bawaan: kunci di bundel"
    )]
    pub log_key: Option<String>,
    #[command(flatten)]
    pub witnesses: WitnessArgs,
    /// Print the summary as JSON
    #[arg(long, help = "Cetak ringkasan sebagai JSON")]
    pub json: bool,
}

/// The witnesses an auditor trusts, shared by both commands.
#[derive(Debug, Clone, clap::Args)]
pub struct WitnessArgs {
    /// A witness you trust (cosignature/v1 verifier key, or a file holding it); repeatable
    #[arg(
        long = "witness",
        value_name = "KUNCI_SAKSI",
        help = "Saksi yang Anda percayai (kunci verifikasi cosignature/v1, atau berkas yang memuatnya); boleh berulang: checkpoint harus ditandatangani bersama olehnya"
    )]
    pub keys: Vec<String>,
    /// How many of them must have cosigned (default: all)
    #[arg(
        long = "witnesses-min",
        value_name = "K",
        requires = "keys",
        help = "Berapa saksi yang harus menandatangani bersama (bawaan: semua yang disebut)"
    )]
    pub min: Option<usize>,
}

impl WitnessArgs {
    /// The keys parsed; an unusable one is an error (exit 2).
    fn parse(&self) -> Result<Witnesses, String> {
        let keys = self
            .keys
            .iter()
            .map(|key| {
                let text = read_key(key).map_err(|e| format!("--witness: {e}"))?;
                WitnessKey::parse(&text).map_err(|e| format!("--witness {text}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if self.min.is_some_and(|k| k == 0 || k > keys.len()) {
            return Err(format!("--witnesses-min harus 1 sampai {}", keys.len()));
        }
        Ok(Witnesses {
            keys,
            min: self.min,
        })
    }
}

/// A key given as a string or as a file holding it.
fn read_key(key: &str) -> Result<String, std::io::Error> {
    let path = Path::new(key);
    if path.is_file() {
        Ok(std::fs::read_to_string(path)?.trim().to_owned())
    } else {
        Ok(key.trim().to_owned())
    }
}

/// Verifies a bundle and prints the summary.
pub fn bundle(args: &VerifyArgs) -> Outcome {
    let opened = (|| -> Result<_, String> {
        let file = std::fs::File::open(&args.bundle)
            .map_err(|e| format!("tidak dapat membaca {}: {e}", args.bundle.display()))?;
        let length = file.metadata().map(|m| m.len()).unwrap_or(0);
        let since = match &args.since {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("tidak dapat membaca {}: {e}", path.display()))?,
            ),
            None => None,
        };
        let log_key = match &args.log_key {
            Some(key) => Some(read_key(key).map_err(|e| format!("--log-key: {e}"))?),
            None => None,
        };
        let witnesses = args.witnesses.parse()?;
        Ok((file, length, since, log_key, witnesses))
    })();
    let (file, length, since, log_key, witnesses) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("galat: {e}");
            return Outcome::Failed;
        }
    };
    let options = Options {
        since,
        log_key,
        threads: 0,
        witnesses,
    };
    // Entries are about 500 bytes: a good enough estimate for the bar.
    let bar = progress_bar(length / 500 + 1, "Memverifikasi");
    // A signature worker that panics raises its panic here: no verdict, exit 2.
    let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        verify_bundle(
            BufReader::with_capacity(1 << 20, file),
            &options,
            &mut |n| bar.set_position(n),
        )
    }));
    bar.finish_and_clear();
    let Ok(result) = verified else {
        eprintln!("galat: pemeriksa tanda tangan berhenti di tengah jalan; tidak ada hasil");
        return Outcome::Failed;
    };
    match result {
        Ok(summary) => report(args.json, &summary, summary.is_valid(), print_summary),
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Failed
        }
    }
}

/// Said whenever no `--log-key` was given: a file that brings its own key proves only itself.
const UNPINNED: &str = "PERHATIAN: tanpa --log-key, kunci log diambil dari berkas itu sendiri. \
Itu hanya membuktikan berkas utuh dan konsisten, bukan bahwa ia berasal dari log BKPSDM; \
berikan kunci yang Anda simpan dengan --log-key.";

/// The verdict of a file with no finding when no `--log-key` was given: not a plain SAH.
const UNPINNED_VERDICT: &str =
    "sah menurut kunci di dalam berkas — belum dibandingkan dengan kunci resmi";

fn print_summary(summary: &Summary) {
    println!("Log: {}", summary.origin);
    if !summary.log_key_pinned {
        println!("{UNPINNED}");
    }
    match summary.checkpoint_size {
        Some(size) => println!("Checkpoint: {size} entri"),
        None => println!("Checkpoint: tidak dapat diverifikasi"),
    }
    println!(
        "Dibaca: {} entri ({} pakta, {} kunci, {} tanda tangan)",
        summary.entries, summary.pacts, summary.keys, summary.signatures
    );
    if let Some(size) = summary.since_size {
        println!("Dibandingkan dengan checkpoint lama berukuran {size}");
    }
    if !summary.witnessed.is_empty() {
        println!("Disaksikan oleh: {}", summary.witnessed.join(", "));
    }
    for (pact, units) in &summary.counts {
        println!("Pakta {pact}:");
        for (unit, n) in units {
            println!("  {unit}\t{n}");
        }
    }
    if !summary.replaced_keys.is_empty() {
        println!(
            "Tanda tangan dengan kunci pengganti (setelah reset kode; perlu ditindaklanjuti):"
        );
        for (unit, indexes) in &summary.replaced_keys {
            let list: Vec<String> = indexes.iter().map(u64::to_string).collect();
            println!("  {unit}\tentri {}", list.join(", "));
        }
    }
    print_verdict(summary.log_key_pinned, &summary.faults);
}

/// The arguments of `ikrar verify-receipt`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReceiptArgs {
    /// The receipt downloaded from the receipt page: the PDF bukti or its .json
    #[arg(
        value_name = "BUKTI",
        help = "Bukti yang diunduh dari halaman bukti: PDF bukti atau berkas .json-nya"
    )]
    pub receipt: PathBuf,
    /// The log key you trust (verifier key string, or a file holding it); default: the receipt's
    #[arg(
        long,
        value_name = "KUNCI",
        help = "Kunci log yang Anda percayai (string kunci verifikasi, atau berkas yang memuatnya); bawaan: kunci di bukti"
    )]
    pub log_key: Option<String>,
    #[command(flatten)]
    pub witnesses: WitnessArgs,
    /// Print the findings as JSON
    #[arg(long, help = "Cetak hasil sebagai JSON")]
    pub json: bool,
}

/// Verifies one receipt and prints every finding.
pub fn receipt(args: &ReceiptArgs) -> Outcome {
    let checked = (|| -> Result<_, String> {
        let key = match args.log_key.as_deref() {
            Some(key) => Some(read_key(key).map_err(|e| format!("--log-key: {e}"))?),
            None => None,
        };
        let witnesses = args.witnesses.parse()?;
        let bytes = std::fs::read(&args.receipt)
            .map_err(|e| format!("tidak dapat membaca {}: {e}", args.receipt.display()))?;
        crate::receipt_file::check(&bytes, key.as_deref(), &witnesses).map_err(|e| e.to_string())
    })();
    let summary = match checked {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!("galat: {e}");
            return Outcome::Failed;
        }
    };
    report(args.json, &summary, summary.is_valid(), print_receipt)
}

/// Prints a summary as JSON (`--json`) or for people, and gives the exit code of its verdict.
fn report<T: serde::Serialize>(json: bool, summary: &T, valid: bool, human: fn(&T)) -> Outcome {
    if json {
        match serde_json::to_string_pretty(summary) {
            Ok(json) => println!("{json}"),
            Err(e) => eprintln!("galat: {e}"),
        }
    } else {
        human(summary);
    }
    if valid {
        Outcome::Ok
    } else {
        Outcome::Invalid
    }
}

fn print_receipt(summary: &ReceiptSummary) {
    if !summary.log_key_pinned {
        println!("{UNPINNED}");
    }
    if let Some(signer) = &summary.signer {
        println!("Pakta: {}", signer.pact);
        println!(
            "NIP: {}  Nama: {}  Unit: {}",
            signer.nip, signer.name, signer.unit
        );
        println!("Waktu: {}", crate::values::wib(&signer.time));
    }
    if let Some(index) = summary.index {
        println!("Entri log: {index}");
    }
    if !summary.witnessed.is_empty() {
        println!("Disaksikan oleh: {}", summary.witnessed.join(", "));
    }
    print_verdict(summary.log_key_pinned, &summary.faults);
}

/// The verdict line and, when there are any, every finding.
fn print_verdict(pinned: bool, faults: &[Fault]) {
    match (faults.is_empty(), pinned) {
        (true, true) => println!("HASIL: SAH — semua pemeriksaan lolos."),
        (true, false) => println!("HASIL: {UNPINNED_VERDICT}."),
        (false, _) => {
            println!("HASIL: TIDAK SAH — {} temuan:", faults.len());
            for fault in faults {
                match fault.index {
                    Some(i) => println!("  entri {i}: [{}] {}", fault.code, fault.message),
                    None => println!("  [{}] {}", fault.code, fault.message),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[derive(Debug, clap::Parser)]
    #[command(name = "uji", version)]
    enum Uji {
        /// A subcommand with a flag and a value
        Satu {
            #[arg(long)]
            flag: bool,
            #[arg(long, default_value_t = 3)]
            count: u32,
        },
    }

    #[test]
    fn the_indonesian_help_passes_clap_s_own_checks() {
        in_indonesian(Uji::command()).debug_assert();
        in_indonesian(Uji::command())
            .find_subcommand_mut("satu")
            .unwrap()
            .clone()
            .debug_assert();
    }
}
