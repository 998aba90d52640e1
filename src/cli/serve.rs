//! `ikrar serve [--bind ADDR] [--demo]` and `ikrar migrate`.

use super::Outcome;
use crate::config::pg_link;
use crate::config::{env_var, Config};
use crate::service::{demo, pacts, App};
use crate::web;
use std::net::TcpListener;

/// Seeds the default pact (and, with `demo`, the demo employees), then serves until stopped.
pub fn run(app: App, with_demo: bool) -> Outcome {
    match try_run(app, with_demo) {
        Ok(()) => Outcome::Ok,
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Failed
        }
    }
}

fn try_run(app: App, with_demo: bool) -> Result<(), Box<dyn std::error::Error>> {
    let bind = app.config.bind.clone();
    pacts::seed_default(&app)?;
    if with_demo {
        print_demo(&demo::seed(&app)?);
    }
    let listener = TcpListener::bind(&bind).map_err(|e| {
        format!(
            "tidak dapat membuka {bind}: {e}; bila alamat itu sudah dipakai, pilih yang lain \
             dengan --bind ALAMAT atau IKRAR_BIND"
        )
    })?;
    let address = listener.local_addr()?;
    let metrics = match &app.config.metrics_bind {
        Some(bind) => Some(
            TcpListener::bind(bind)
                .map_err(|e| format!("tidak dapat membuka {bind} (IKRAR_METRICS_BIND): {e}"))?,
        ),
        None => None,
    };
    actix_web::rt::System::new().block_on(async move {
        if let Some(listener) = metrics {
            let at = listener.local_addr()?;
            actix_web::rt::spawn(web::metrics::build(app.clone(), listener)?);
            tracing::info!(address = %at, "metrics");
        }
        let running = web::build(app, listener)?;
        println!("ikrar berjalan di http://{address} (Ctrl+C untuk berhenti)");
        tracing::info!(%address, "serving");
        running.server.await?;
        Ok(())
    })
}

/// Says on standard error what in the configuration would expose people's secrets on a network:
/// PostgreSQL reached without its certificate checked (`config::pg_link`), or the app listening
/// beyond this machine while its public address is plain HTTP (then passphrases cross the
/// network in clear, unless a TLS proxy in front is named by `IKRAR_PUBLIC_URL`).
pub fn warn_of_exposed_settings(config: &Config) {
    let link = config
        .database
        .postgres_url()
        .and_then(|url| pg_link::unverified_network_link(url, env_var));
    if let Some(link) = link {
        eprintln!(
            "peringatan: PostgreSQL di {} dihubungi lewat jaringan tanpa memeriksa sertifikat \
             server (sslmode={}); pakai sslmode=verify-full, atau soket Unix bila basis data \
             ada di mesin yang sama",
            link.host, link.sslmode
        );
    }
    if listens_beyond_this_machine(&config.bind) && !config.public_url.starts_with("https://") {
        eprintln!(
            "peringatan: ikrar menerima sambungan dari jaringan di {}, tetapi IKRAR_PUBLIC_URL \
             ({}) bukan https://, sehingga passphrase pegawai bisa lewat jaringan tanpa \
             enkripsi; pasang proxy TLS di depan dan isi IKRAR_PUBLIC_URL dengan alamat \
             https-nya",
            config.bind, config.public_url
        );
    }
}

/// Whether `bind` (`IKRAR_BIND`, `--bind`) takes connections from other machines.
fn listens_beyond_this_machine(bind: &str) -> bool {
    match bind.parse::<std::net::SocketAddr>() {
        Ok(address) => !address.ip().is_loopback(),
        Err(_) => !bind.starts_with("localhost:"),
    }
}

fn print_demo(employees: &[demo::DemoEmployee]) {
    println!(
        "Pegawai contoh (--demo), untuk mencoba alur di /aktivasi lalu /pakta/netralitas-2024:"
    );
    for e in employees {
        match &e.code {
            Some(issued) => println!(
                "  NIP {}  kode aktivasi {}  ({})",
                e.nip,
                issued.code.as_str(),
                e.name
            ),
            None => println!("  NIP {}  sudah diaktivasi  ({})", e.nip, e.name),
        }
    }
}

/// Applies pending migrations, creates the log key if there is none, and reports.
pub fn migrate(config: &Config) -> Outcome {
    match App::migrate(config) {
        Ok(()) => {
            println!(
                "Basis data {} siap: semua migrasi sudah diterapkan.",
                config.database
            );
            Outcome::Ok
        }
        Err(e) => {
            eprintln!("galat: {e}");
            Outcome::Failed
        }
    }
}
