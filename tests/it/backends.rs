//! The operations PostgreSQL runs in one round trip (`db::one_trip`) write the same rows as
//! the separate statements SQLite runs: each operation runs on the backend under test through
//! its public function, and on a second database of the same backend through the separate
//! statements, with the same input; every table they touch must then hold the same rows. On
//! PostgreSQL (`IKRAR_TEST_DATABASE_URL`) that compares the one-trip statements with the
//! separate ones; on SQLite both databases take the separate statements.

use crate::common::DataDir;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use ed25519_dalek::SigningKey;
use ikrar::config::PoolSettings;
use ikrar::db::employees::{self, Activation, RosterFields, StoredKey};
use ikrar::db::log_store::{self, Batch, EntryKind};
use ikrar::db::signatures::{self, Appended, NewSignature};
use ikrar::db::{batch_transaction, guess_limits, pacts, schema, units, Conn, Db, DbError};
use ikrar::domain::log_index::LogIndex;
use ikrar::keys::{Argon2Params, SealedKey};
use ikrar_log::nip::{Nip, NipKind};
use ikrar_log::note::LogSigner;
use ikrar_log::values::{PactId, UnitCode};

/// Which statements write.
#[derive(Clone, Copy)]
enum Path {
    /// The public function: one round trip on PostgreSQL.
    Chosen,
    /// The separate statements, on any backend.
    Steps,
}

const NIP: &str = "199004152019032004";
const UNIT: &str = "DINKES";
const PACT: &str = "netralitas-2024";
const CODE: [u8; 32] = [0x11; 32];

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_706_770_800 + seconds, 0).unwrap()
}

/// A database with one unit, one employee awaiting activation and one pact in the log.
fn seeded(data: &DataDir, signer: &LogSigner) -> Db {
    let db = Db::open(&data.database(), PoolSettings::default()).unwrap();
    let mut conn = db.conn().unwrap();
    let conn = &mut *conn;
    let unit = units::Unit {
        code: UNIT.into(),
        name: "Dinas Kesehatan".into(),
        instansi: "Pemerintah Kabupaten Uji".into(),
    };
    units::upsert(conn, &[unit]).unwrap();
    let nip = Nip::try_from(NIP.to_owned()).unwrap();
    let row = RosterFields {
        nip: &nip,
        name: "Siti Aminah",
        kind: NipKind::Pns,
        jabatan: "Perawat",
        unit_code: UNIT,
    };
    employees::upsert(conn, &row, at(0)).unwrap();
    employees::set_activation_code(conn, &nip, &CODE).unwrap();
    ikrar::db::write_transaction(conn, |conn| {
        let index = log_store::append(conn, signer, EntryKind::Pact, b"pakta uji\n", at(1))?;
        pacts::insert(
            conn,
            &pacts::NewPact {
                id: PACT,
                title: "Pakta uji",
                body: "isi",
                sha256: "00",
                published_at: at(1).naive_utc(),
                opens_at: None,
                closes_at: None,
                log_index: index,
            },
        )
    })
    .unwrap_or_else(|e: DbError| panic!("{e}"));
    db
}

/// Runs `work` as one batch of the log's writer.
fn in_batch<T>(
    db: &Db,
    signer: &LogSigner,
    work: impl FnOnce(&mut Conn, &mut Batch) -> Result<T, DbError>,
) -> T {
    let mut conn = db.conn().unwrap();
    batch_transaction(&mut conn, |conn| {
        let mut batch = Batch::default();
        let answer = work(conn, &mut batch)?;
        batch.finish(conn, signer, at(100))?;
        Ok::<_, DbError>(answer)
    })
    .unwrap()
}

/// What each operation answered, in order.
#[derive(Debug, PartialEq)]
enum Answer {
    Attempt(Result<bool, NaiveDateTime>),
    Activated(Option<i64>),
    Signed(Appended),
}

/// The operations, in the order a first-timer's morning makes them: a look-up that counts a
/// guess, a wrong code, the right code, the code again, a signature, the same signature again.
fn run(db: &Db, signer: &LogSigner, path: Path) -> Vec<Answer> {
    let nip = Nip::try_from(NIP.to_owned()).unwrap();
    let pact = PactId::parse(PACT).unwrap();
    let unit = UnitCode::parse(UNIT).unwrap();
    let key = StoredKey {
        public_key: [7; 32],
        sealed: SealedKey {
            params: Argon2Params::DEFAULT,
            salt: [1; 16],
            nonce: [2; 24],
            ciphertext: vec![3; 48],
        },
    };
    let mut answers = Vec::new();
    let mut conn = db.conn().unwrap();
    let subject = format!("aktivasi:{NIP}");
    let found = match path {
        Path::Chosen => guess_limits::attempt_then_find(&mut conn, &subject, &nip, at(2)),
        Path::Steps => match guess_limits::begin_attempt(&mut conn, &subject, at(2)).unwrap() {
            guess_limits::Attempt::Locked(until) => Ok(Err(until)),
            guess_limits::Attempt::Allowed => employees::find(&mut conn, &nip).map(Ok),
        },
    }
    .unwrap();
    answers.push(Answer::Attempt(
        found
            .map(|employee| employee.is_some())
            .map_err(|until| until.naive_utc()),
    ));
    drop(conn);
    for (code, seconds) in [([0x22; 32], 3), (CODE, 4), (CODE, 5)] {
        let body = format!("kunci uji {seconds}\n");
        let activation = Activation {
            nip: &nip,
            code_hash: &code,
            key: &key,
            body: body.as_bytes(),
            guesses: &subject,
            now: at(seconds),
        };
        let stored = in_batch(db, signer, |conn, batch| match path {
            Path::Chosen => employees::activate(conn, batch, &activation),
            Path::Steps => employees::activate_in_steps(conn, batch, &activation),
        });
        answers.push(Answer::Activated(stored));
    }
    for seconds in [6, 7] {
        let signature = NewSignature {
            pact_id: &pact,
            nip: &nip,
            unit_code: &unit,
            signed_at: at(seconds),
            key_generation: 1,
            kind: NipKind::Pns,
        };
        let body = format!("tanda tangan uji {seconds}\n");
        let guesses = format!("tanda-tangan:{NIP}");
        let appended = in_batch(db, signer, |conn, batch| match path {
            Path::Chosen => signatures::append(conn, batch, &signature, body.as_bytes(), &guesses),
            Path::Steps => {
                signatures::append_in_steps(conn, batch, &signature, body.as_bytes(), &guesses)
            }
        });
        answers.push(Answer::Signed(appended));
    }
    answers
}

type EmployeeRow = (
    String,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<String>,
    Option<NaiveDateTime>,
    NaiveDateTime,
    i32,
);

type EntryRow = (i64, String, Vec<u8>, Vec<u8>, NaiveDateTime);

/// Every row the operations may have touched, in a fixed order.
#[derive(Debug, PartialEq)]
struct Rows {
    employees: Vec<EmployeeRow>,
    entries: Vec<EntryRow>,
    tree_hashes: Vec<(i64, Vec<u8>)>,
    head: Vec<(i64, Vec<u8>, String, NaiveDateTime)>,
    signatures: Vec<(String, String, String, NaiveDateTime, i64, i32)>,
    signed_counts: Vec<(String, String, String, i64)>,
    guess_limits: Vec<(String, i32, NaiveDateTime, Option<NaiveDateTime>)>,
}

fn rows(db: &Db) -> Rows {
    use schema::*;
    let mut conn = db.conn().unwrap();
    let c = &mut *conn;
    Rows {
        employees: employees::table
            .order(employees::nip)
            .select((
                employees::nip,
                employees::activation_code_hash,
                employees::public_key,
                employees::sealed_seed,
                employees::seal_salt,
                employees::seal_nonce,
                employees::seal_params,
                employees::activated_at,
                employees::updated_at,
                employees::key_count,
            ))
            .load(c)
            .unwrap(),
        entries: log_entries::table
            .order(log_entries::idx)
            .select((
                log_entries::idx,
                log_entries::kind,
                log_entries::body,
                log_entries::leaf_hash,
                log_entries::appended_at,
            ))
            .load(c)
            .unwrap(),
        tree_hashes: tree_hashes::table
            .order(tree_hashes::idx)
            .select((tree_hashes::idx, tree_hashes::hash))
            .load(c)
            .unwrap(),
        head: log_head::table
            .select((
                log_head::size,
                log_head::root,
                log_head::checkpoint,
                log_head::signed_at,
            ))
            .load(c)
            .unwrap(),
        signatures: signatures::table
            .order((signatures::pact_id, signatures::nip))
            .select((
                signatures::pact_id,
                signatures::nip,
                signatures::unit_code,
                signatures::signed_at,
                signatures::log_index,
                signatures::key_generation,
            ))
            .load(c)
            .unwrap(),
        signed_counts: signed_counts::table
            .order((signed_counts::pact_id, signed_counts::unit_code))
            .select((
                signed_counts::pact_id,
                signed_counts::unit_code,
                signed_counts::kind,
                signed_counts::signed,
            ))
            .load(c)
            .unwrap(),
        guess_limits: guess_limits::table
            .order(guess_limits::subject)
            .select((
                guess_limits::subject,
                guess_limits::attempts,
                guess_limits::window_started_at,
                guess_limits::locked_until,
            ))
            .load(c)
            .unwrap(),
    }
}

#[test]
fn one_round_trip_writes_what_the_separate_statements_write() {
    let signer = LogSigner::new("ikrar.test/log", SigningKey::from_bytes(&[5; 32])).unwrap();
    let (chosen_data, steps_data) = (DataDir::new(), DataDir::new());
    let (chosen, steps) = (seeded(&chosen_data, &signer), seeded(&steps_data, &signer));
    let answers = run(&chosen, &signer, Path::Chosen);
    assert_eq!(answers, run(&steps, &signer, Path::Steps));
    // What the morning must have done, so that the comparison covers every write.
    assert_eq!(
        answers,
        [
            Answer::Attempt(Ok(true)),
            Answer::Activated(None),
            Answer::Activated(Some(1)),
            Answer::Activated(None),
            Answer::Signed(Appended::New(LogIndex(2))),
            Answer::Signed(Appended::Existing(LogIndex(2))),
        ]
    );
    let written = rows(&chosen);
    assert_eq!(written, rows(&steps));
    assert_eq!(written.signatures.len(), 1);
    assert_eq!(written.signed_counts.len(), 1);
    assert_eq!(written.entries.len(), 3);
    assert_eq!(written.head[0].0, 3);
    // The key's and the signature's guesses were forgotten once each succeeded.
    assert!(
        written.guess_limits.is_empty(),
        "{:?}",
        written.guess_limits
    );
}
