//! Upgrades: a database made by the oldest migrations (the signing spine and the Merkle tree of
//! 2026-11-23), holding a pact, a key and a signature written as that schema held them, is
//! brought to today's schema by the next start and still verifies — on the backend under test.

use crate::common::*;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use ed25519_dalek::SigningKey;
use ikrar::db::log_store::{self, EntryKind};
use ikrar::db::{write_transaction, Conn, DbError};
use ikrar_log::entry::{Entry, KeyEntry, PactEntry, SignatureClaim};
use ikrar_log::nip::NipDigits;
use ikrar_log::note::LogSigner;
use ikrar_log::values::{parse_time, PactId, Sha256Digest, UnitCode};

/// How many migrations the oldest schema with a log had.
const OLDEST: usize = 2;

/// Runs the first [`OLDEST`] migrations of `backend` on `conn`.
fn oldest<C: MigrationHarness<B>, B: diesel::backend::Backend>(conn: &mut C, backend: &str)
where
    FileBasedMigrations: MigrationSource<B>,
{
    let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let source = FileBasedMigrations::from_path(dir).unwrap();
    for _ in 0..OLDEST {
        conn.run_next_migration(source.clone()).unwrap();
    }
}

/// An empty PostgreSQL database of its own, dropped at the end.
struct Empty {
    server: String,
    name: String,
}

impl Drop for Empty {
    fn drop(&mut self) {
        if let Ok(mut admin) = ikrar::db::establish_postgres(&self.server) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

#[test]
fn a_database_from_the_oldest_migrations_upgrades_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let server = std::env::var(crate::common::data::PG_VARIABLE)
        .ok()
        .filter(|v| !v.is_empty());
    let (database_url, _empty, mut conn) = match &server {
        Some(server) => {
            let name = format!("ikrar_upgrade_{}", std::process::id());
            let mut admin = ikrar::db::establish_postgres(server).unwrap();
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .unwrap();
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            let url = format!("{}/{name}", &server[..server.rfind('/').unwrap()]);
            let mut pg = PgConnection::establish(&url).unwrap();
            oldest(&mut pg, "postgres");
            let empty = Empty {
                server: server.clone(),
                name,
            };
            (url, Some(empty), Conn::Pg(pg))
        }
        None => {
            let path = dir.path().join("ikrar.db");
            let mut sqlite = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
            oldest(&mut sqlite, "sqlite");
            (
                format!("sqlite://{}", path.display()),
                None,
                Conn::Sqlite(sqlite),
            )
        }
    };

    // What a server of that time wrote: a pact, an employee's key and signature, in the log
    // and in the rows of the oldest schema.
    let log_key = dir.path().join("log-key.pem");
    let signer = LogSigner::new(
        "ikrar.localhost/log",
        ikrar_log::key_file::load_or_create(&log_key).unwrap(),
    )
    .unwrap();
    let time = parse_time("2023-11-24T02:00:00Z").unwrap();
    let (title, body) = ("Pakta lama".to_owned(), "Isi pakta lama.".to_owned());
    let sha256 = Sha256Digest::of(format!("{title}\n\n{body}\n").as_bytes());
    let employee = SigningKey::from_bytes(&[4; 32]);
    let nip = NipDigits::parse(SITI).unwrap();
    let (pact, unit) = (
        PactId::parse("pakta-lama").unwrap(),
        UnitCode::parse("DINKES").unwrap(),
    );
    let key = employee.verifying_key().to_bytes();
    let entries = [
        (
            EntryKind::Pact,
            Entry::Pact(PactEntry {
                id: pact.clone(),
                title: title.clone(),
                sha256,
                time,
            }),
        ),
        (
            EntryKind::Key,
            Entry::Key(KeyEntry {
                nip: nip.clone(),
                name: "Siti Aminah".into(),
                unit: unit.clone(),
                key,
                time,
            }),
        ),
        (
            EntryKind::Signature,
            Entry::Signature(
                SignatureClaim {
                    pact: pact.clone(),
                    sha256,
                    nip,
                    name: "Siti Aminah".into(),
                    unit,
                    key,
                    time,
                }
                .sign(&employee),
            ),
        ),
    ];
    write_transaction(&mut conn, |conn| {
        for (kind, entry) in &entries {
            log_store::append(conn, &signer, *kind, entry.to_text().as_bytes(), time)?;
        }
        Ok::<_, DbError>(())
    })
    .unwrap();
    let rows = format!(
        "INSERT INTO units (code, name, instansi) VALUES ('DINKES', 'Dinas Kesehatan', 'Pemkab');
         INSERT INTO employees (nip, name, kind, jabatan, unit_code, public_key, activated_at, created_at, updated_at)
           VALUES ('{SITI}', 'Siti Aminah', 'PNS', 'Perawat', 'DINKES', {key}, '2023-11-24 02:00:00', '2023-11-24 01:00:00', '2023-11-24 02:00:00');
         INSERT INTO pacts (id, title, body, sha256, published_at, log_index)
           VALUES ('pakta-lama', '{title}', '{body}', '{sha256}', '2023-11-24 02:00:00', 0);
         INSERT INTO signatures (pact_id, nip, unit_code, signed_at, log_index)
           VALUES ('pakta-lama', '{SITI}', 'DINKES', '2023-11-24 02:00:00', 2);",
        key = match &conn {
            Conn::Pg(_) => format!("'\\x{}'::bytea", hex::encode(key)),
            Conn::Sqlite(_) => format!("X'{}'", hex::encode(key)),
        },
        sha256 = sha256,
    );
    match &mut conn {
        Conn::Pg(c) => c.batch_execute(&rows),
        Conn::Sqlite(c) => c.batch_execute(&rows),
    }
    .unwrap();
    drop(conn);

    // Today's server opens it: every later migration runs, and the log still verifies.
    let ikrar = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ikrar"))
            .args(args)
            .env("IKRAR_DATA_DIR", dir.path())
            .env("DATABASE_URL", &database_url)
            .env("IKRAR_LOG_KEY", &log_key)
            .output()
            .unwrap()
    };
    let migrated = ikrar(&["migrate"]);
    assert!(migrated.status.success(), "{}", text(&migrated));
    let bundle = dir.path().join("bundle.jsonl");
    let exported = ikrar(&["export", "bundle", bundle.to_str().unwrap()]);
    assert!(exported.status.success(), "{}", text(&exported));
    let report = dir.path().join("rekap.csv");
    let reported = ikrar(&[
        "export",
        "report",
        report.to_str().unwrap(),
        "--pact",
        "pakta-lama",
    ]);
    assert!(reported.status.success(), "{}", text(&reported));
    assert!(std::fs::read_to_string(&report).unwrap().contains("DINKES"));
    let key_file = dir.path().join("log-key.txt");
    std::fs::write(&key_file, signer.verifier_key()).unwrap();
    let out = ikrar_offline(
        dir.path(),
        &[
            "verify",
            bundle.to_str().unwrap(),
            "--log-key",
            key_file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("1 tanda tangan"), "{}", text(&out));
}
