//! `ikrar admin create USERNAME --role superadmin|unit-admin|auditor [--unit CODE]... [--password-stdin]`
//! and `ikrar admin reset-2fa USERNAME`.

use super::Outcome;
use crate::domain::audit::Actor;
use crate::domain::role::Role;
use crate::i18n::Lang;
use crate::service::{accounts, App};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand_core::{OsRng, RngCore};
use std::io::BufRead;
use zeroize::Zeroizing;

/// The command's arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct CreateArgs {
    /// Lowercase letters, digits, `.`, `_`, `-` (3–32)
    #[arg(help = "Huruf kecil, angka, `.`, `_`, `-` (3–32)")]
    pub username: String,
    /// superadmin (BKPSDM), unit-admin (OPD operator) or auditor (read only)
    #[arg(help = "`superadmin` (BKPSDM), `unit-admin` (operator OPD) atau `auditor` (hanya baca)")]
    #[arg(long)]
    pub role: Role,
    /// A unit a unit-admin may see (repeat for several)
    #[arg(help = "Unit yang boleh dilihat unit-admin (ulangi untuk beberapa unit)")]
    #[arg(long = "unit", value_name = "CODE")]
    pub units: Vec<String>,
    /// Read the password from the first line of standard input; without it a strong random
    /// password is made and printed once
    #[arg(
        help = "Baca kata sandi dari baris pertama masukan standar; tanpanya dibuat kata sandi acak yang kuat dan dicetak sekali"
    )]
    #[arg(long)]
    pub password_stdin: bool,
}

/// Creates the account and prints the outcome.
pub fn create(app: &App, args: &CreateArgs) -> Outcome {
    let password = if args.password_stdin {
        let mut line = Zeroizing::new(String::new());
        if let Err(e) = std::io::stdin().lock().read_line(&mut line) {
            eprintln!("galat: tidak dapat membaca kata sandi: {e}");
            return Outcome::Failed;
        }
        Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        let mut bytes = Zeroizing::new([0u8; 18]);
        OsRng.fill_bytes(bytes.as_mut());
        Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()))
    };
    let actor = Actor::command_line("ikrar admin create");
    let account = accounts::NewAccount {
        username: args.username.clone(),
        role: args.role,
        units: args.units.clone(),
        password: password.clone(),
        enrolment: accounts::Enrolment::Now,
        created_by: None,
    };
    let Some(result) = super::block_on(accounts::create(app, account, actor)) else {
        eprintln!("galat: runtime tidak dapat dijalankan");
        return Outcome::Failed;
    };
    match result {
        Ok(uri) => {
            println!(
                "Akun {} ({}) dibuat.",
                args.username,
                args.role.label(Lang::Id)
            );
            if !args.password_stdin {
                println!(
                    "Kata sandi (ditampilkan sekali ini saja): {}",
                    password.as_str()
                );
            }
            print_totp(&uri);
            Outcome::Ok
        }
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Invalid
        }
    }
}

/// Prints a second factor's URI and its QR code for the account holder to scan.
fn print_totp(uri: &str) {
    println!("Verifikasi dua langkah (TOTP): pindai kode QR ini dengan aplikasi autentikator,");
    println!("atau masukkan URI berikut (rahasia; ditampilkan sekali ini saja):");
    println!("{uri}");
    if let Some(qr) = crate::domain::totp::terminal_qr(uri) {
        println!("{qr}");
    }
}

/// The arguments of `ikrar admin reset-2fa`.
#[derive(Debug, Clone, clap::Args)]
pub struct ResetTotpArgs {
    /// The account whose phone was lost
    #[arg(help = "Akun yang ponselnya hilang")]
    pub username: String,
}

/// Gives an account a new second factor (a lost phone) and prints it; its sessions end.
pub fn reset_totp(app: &App, args: &ResetTotpArgs) -> Outcome {
    let actor = Actor::command_line("ikrar admin reset-2fa");
    let Some(result) = super::block_on(accounts::reset_totp(app, args.username.clone(), actor))
    else {
        eprintln!("galat: runtime tidak dapat dijalankan");
        return Outcome::Failed;
    };
    match result {
        Ok(uri) => {
            println!(
                "Verifikasi dua langkah akun {} diganti; sesi lamanya berakhir.",
                args.username
            );
            print_totp(&uri);
            Outcome::Ok
        }
        Err(accounts::AccountError::Db(e)) => {
            eprintln!("galat: {e}");
            Outcome::Failed
        }
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Invalid
        }
    }
}
