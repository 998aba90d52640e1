//! The `ikrar` command: each subcommand is one call into the library.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use ikrar::cli::{self, Outcome};
use ikrar::config::Config;
use ikrar::service::{App, OpenError};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ikrar",
    version,
    about = "Pakta integritas ASN dengan tanda tangan Ed25519 dan log transparansi"
)]
struct Args {
    /// Read settings from this file (KEY=VALUE lines, as the service's EnvironmentFile)
    #[arg(
        long,
        global = true,
        env = "IKRAR_ENV_FILE",
        value_name = "BERKAS",
        help = "Baca pengaturan dari berkas ini (baris KUNCI=NILAI, seperti EnvironmentFile layanan), mis. /etc/ikrar/ikrar.env"
    )]
    env_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app (migrates and seeds the default pact first)
    #[command(about = "Jalankan aplikasi web (migrasi dan pakta bawaan lebih dulu)")]
    Serve {
        /// Listen address (default IKRAR_BIND, else 127.0.0.1:8080)
        #[arg(
            long,
            value_name = "ALAMAT",
            help = "Alamat dengar (bawaan IKRAR_BIND, selain itu 127.0.0.1:8080)"
        )]
        bind: Option<String>,
        /// Add three made-up employees and print their activation codes
        #[arg(
            long,
            help = "Tambahkan tiga pegawai rekaan dan cetak kode aktivasinya"
        )]
        demo: bool,
    },
    /// Apply database migrations and exit
    #[command(about = "Terapkan migrasi basis data lalu keluar")]
    Migrate,
    /// NIP tools
    #[command(about = "Alat NIP")]
    Nip {
        #[command(subcommand)]
        command: NipCommand,
    },
    /// Roster tools
    #[command(about = "Alat roster")]
    Roster {
        #[command(subcommand)]
        command: RosterCommand,
    },
    /// Admin accounts
    #[command(about = "Akun admin")]
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Exports for auditors and reports
    #[command(about = "Ekspor untuk auditor dan laporan")]
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Write a consistent copy of the SQLite database while the app runs
    #[command(about = "Tulis salinan utuh basis data SQLite selagi aplikasi berjalan")]
    Backup {
        #[arg(value_name = "KELUARAN.db", help = "Berkas salinan (belum ada)")]
        out: std::path::PathBuf,
    },
    /// Verify an export bundle offline (exit 0 valid, 1 invalid, 2 unreadable)
    #[command(
        about = "Periksa bundel ekspor secara luring (keluar 0 sah, 1 tidak sah, 2 tidak terbaca)"
    )]
    Verify(ikrar_log::cli::VerifyArgs),
    /// Verify one receipt offline (exit 0 valid, 1 invalid, 2 unreadable)
    #[command(
        about = "Periksa satu bukti (PDF atau JSON) secara luring (keluar 0 sah, 1 tidak sah, 2 tidak terbaca)"
    )]
    VerifyReceipt(ikrar_log::cli::ReceiptArgs),
    /// A witness that cosigns ikrar log checkpoints (C2SP tlog-witness)
    #[command(
        about = "Saksi yang menandatangani bersama checkpoint log ikrar (C2SP tlog-witness)"
    )]
    Witness {
        #[command(subcommand)]
        command: WitnessCommand,
    },
}

#[derive(Subcommand)]
enum WitnessCommand {
    /// Print this witness's verifier key (cosignature/v1), creating the key on first use
    #[command(
        about = "Cetak kunci verifikasi saksi ini (cosignature/v1); kunci dibuat bila belum ada"
    )]
    Key,
    /// Run the witness for the logs given
    #[command(about = "Jalankan saksi untuk log yang disebut")]
    Serve(cli::witness::ServeArgs),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin account (prints its TOTP secret to scan)
    #[command(about = "Buat akun admin (mencetak rahasia TOTP untuk dipindai)")]
    Create(cli::admin::CreateArgs),
    /// Give an account a new TOTP secret (a lost phone); its sessions end
    #[command(
        name = "reset-2fa",
        about = "Beri akun rahasia TOTP baru (ponsel hilang); sesinya berakhir"
    )]
    ResetTotp(cli::admin::ResetTotpArgs),
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The whole log as the bundle of docs/FORMATS.md (JSON Lines), streamed
    #[command(about = "Seluruh log sebagai bundel docs/FORMATS.md (JSON Lines)")]
    Bundle {
        #[arg(value_name = "KELUARAN.jsonl", help = "Berkas bundel yang ditulis")]
        out: std::path::PathBuf,
    },
    /// A signing report (rekap per unit or daftar per pegawai) as CSV or XLSX
    #[command(
        about = "Laporan penandatanganan (rekap per unit atau daftar per pegawai) sebagai CSV atau XLSX"
    )]
    Report(cli::report::ReportArgs),
}

#[derive(Subcommand)]
enum NipCommand {
    /// Check NIPs against the rules; exit 0 when all are valid
    #[command(about = "Periksa NIP menurut aturannya; keluar 0 bila semuanya sah")]
    Check {
        /// NIPs as written; one starting with `-` is judged too, not taken for an option
        #[arg(
            required = true,
            allow_hyphen_values = true,
            value_name = "NIP",
            help = "NIP seperti tertulis; yang diawali `-` juga dinilai, bukan dianggap opsi"
        )]
        nips: Vec<String>,
    },
}

#[derive(Subcommand)]
enum RosterCommand {
    /// Import a roster CSV, all or nothing unless --skip-invalid
    #[command(
        about = "Impor roster CSV/XLSX: semua atau tidak sama sekali, kecuali --skip-invalid"
    )]
    Import(cli::roster::ImportArgs),
    /// Print a synthetic roster (made-up people, valid NIPs) for training and tests
    #[command(about = "Cetak roster rekaan (orang rekaan, NIP sah) untuk pelatihan dan pengujian")]
    Sample(cli::sample::SampleArgs),
}

fn main() -> ExitCode {
    if let Err(e) = ikrar::hardening::harden() {
        eprintln!("galat: proses tidak dapat diamankan (umask, core dump): {e}");
        return Outcome::Failed.into();
    }
    let matches = ikrar_log::cli::arguments(ikrar_log::cli::in_indonesian(Args::command()));
    let args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    // The service's settings, read before anything else looks at the environment, so that a
    // command run by hand sees the deployment the service sees.
    if let Some(file) = &args.env_file {
        if let Err(e) = ikrar::config::load_env_file(file) {
            eprintln!("galat konfigurasi: {e}");
            return Outcome::Failed.into();
        }
    }
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .with_writer(std::io::stderr);
    // IKRAR_LOG_FORMAT: `text` for people, `json` (one object a line) for log shippers.
    match std::env::var("IKRAR_LOG_FORMAT").ok().as_deref() {
        None | Some("" | "text") => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        Some("json") => logs.json().flatten_event(true).init(),
        Some(other) => {
            eprintln!("galat: IKRAR_LOG_FORMAT harus text atau json, bukan {other:?}");
            return Outcome::Failed.into();
        }
    }
    if args.command.serves() {
        few_malloc_arenas();
    } else {
        quiet_on_closed_pipe();
    }
    run(args.command).into()
}

/// Output piped into `head` (or any reader that stops early) ends the command quietly, as
/// other Unix tools end, instead of a panic or an error about a broken pipe. Not for the
/// servers: a client that goes away must not end them.
fn quiet_on_closed_pipe() {
    // SAFETY: restoring the default action of one signal, before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// A server allocates from two malloc arenas, unless `MALLOC_ARENA_MAX` says otherwise. glibc
/// gives each thread that allocates (request workers, blocking database work, reports being
/// built) an arena of its own, up to eight per core, and memory freed in one is not reused by
/// another: under a steady ceremony load the server's memory grew by 62 % in fifteen minutes,
/// and with two arenas it stays flat at the same speed (BENCHMARKS.md, "Soak").
fn few_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: a tunable of the C allocator, set before any thread is started.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

impl Command {
    /// Whether the command runs a server (the app or a witness).
    fn serves(&self) -> bool {
        matches!(
            self,
            Command::Serve { .. }
                | Command::Witness {
                    command: WitnessCommand::Serve(_)
                }
        )
    }
}

fn run(command: Command) -> Outcome {
    match command {
        // The verifiers (and the sample roster) need no configuration, database or network.
        Command::Verify(verify) => ikrar_log::cli::bundle(&verify),
        Command::Roster {
            command: RosterCommand::Sample(sample),
        } => cli::sample::run(&sample),
        Command::VerifyReceipt(receipt) => ikrar_log::cli::receipt(&receipt),
        Command::Nip {
            command: NipCommand::Check { nips },
        } => with_config(|config| {
            let mut out = std::io::stdout().lock();
            cli::nip_check::run(&nips, config.today(), &mut out).unwrap_or(Outcome::Failed)
        }),
        Command::Serve { bind, demo } => with_config(|mut config| {
            if let Some(bind) = bind {
                config.set_bind(bind);
            }
            cli::serve::warn_of_exposed_settings(&config);
            with_app(config, |app| cli::serve::run(app, demo))
        }),
        Command::Migrate => with_config(|config| cli::serve::migrate(&config)),
        Command::Roster {
            command: RosterCommand::Import(import),
        } => with_config(|config| with_existing(config, |app| cli::roster::run(&app, &import))),
        Command::Export {
            command: ExportCommand::Bundle { out },
        } => with_config(|config| with_existing(config, |app| cli::export::bundle(&app, &out))),
        Command::Export {
            command: ExportCommand::Report(report),
        } => with_config(|config| with_existing(config, |app| cli::report::run(&app, &report))),
        Command::Backup { out } => {
            with_config(|config| with_existing(config, |app| cli::backup::run(&app, &out)))
        }
        Command::Witness {
            command: WitnessCommand::Key,
        } => with_config(|config| cli::witness::key(&config)),
        Command::Witness {
            command: WitnessCommand::Serve(serve),
        } => with_config(|config| cli::witness::serve(&config, &serve)),
        Command::Admin {
            command: AdminCommand::Create(create),
        } => with_config(|config| with_existing(config, |app| cli::admin::create(&app, &create))),
        Command::Admin {
            command: AdminCommand::ResetTotp(reset),
        } => {
            with_config(|config| with_existing(config, |app| cli::admin::reset_totp(&app, &reset)))
        }
    }
}

/// Runs `work` with the configuration from the environment.
fn with_config(work: impl FnOnce(Config) -> Outcome) -> Outcome {
    match Config::from_env() {
        Ok(config) => work(config),
        Err(e) => {
            eprintln!("galat konfigurasi: {e}");
            Outcome::Failed
        }
    }
}

/// Runs `work` with the app opened (log key loaded or created, database migrated).
fn with_app(config: Config, work: impl FnOnce(App) -> Outcome) -> Outcome {
    opened(App::open(config), work)
}

/// Runs `work` on an existing deployment: every command but `serve` and `migrate` opens one
/// or refuses, saying where it looked, so that one run from the wrong directory cannot make a
/// second database (an account the server never sees) or a second log key.
fn with_existing(config: Config, work: impl FnOnce(App) -> Outcome) -> Outcome {
    opened(App::open_existing(config), work)
}

fn opened(app: Result<App, OpenError>, work: impl FnOnce(App) -> Outcome) -> Outcome {
    match app {
        Ok(app) => work(app),
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Failed
        }
    }
}
