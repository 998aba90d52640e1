//! Signing a pact: one Argon2id derivation opens the employee's key, the `signature` entry is built
//! byte for byte as docs/FORMATS.md says, and the entry and its row are stored in one transaction.

use super::App;
use crate::db::{
    self, counts, employees, guess_limits, guess_limits::Attempt, log_store, signatures,
};
use crate::db::{Conn, DbError};
use crate::domain::receipt_link::ReceiptKey;
pub use crate::domain::receipt_link::ReceiptRef;
use crate::i18n::{Lang, Words};
use crate::keys::{self, KeyError};
use chrono::{DateTime, Utc};
use ikrar_log::entry::{Entry, SignatureClaim};
use ikrar_log::nip::{Nip, NipError, NipKind};
use ikrar_log::note::LogSigner;
use ikrar_log::values::now_seconds;
use zeroize::Zeroizing;

/// What the signing form sends.
pub struct SignRequest {
    pub pact_id: String,
    pub nip: String,
    pub passphrase: Zeroizing<String>,
    pub agreed: bool,
}

/// Why a signature was refused; no signature and no log entry was written.
#[derive(Debug, thiserror::Error)]
#[error("{}", ikrar_log::i18n::indonesian(self))]
pub enum SignError {
    PactNotFound,
    PactNotYetOpen,
    PactClosed,
    NotAgreed,
    InvalidNip(NipError),
    /// Unknown NIP, a NIP not activated yet, or a wrong passphrase: one answer for all three,
    /// so that the form does not tell who is on the roster.
    BadCredentials,
    Locked(DateTime<Utc>),
    AlreadySigned(ReceiptRef),
    Unavailable,
    Db(#[from] DbError),
}

impl SignError {
    /// What the employee reads, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let key = match self {
            SignError::InvalidNip(e) => return e.text(lang).to_owned(),
            SignError::Db(e) => return e.to_string(),
            SignError::PactNotFound => "sign.pact_not_found",
            SignError::PactNotYetOpen => "sign.not_yet_open",
            SignError::PactClosed => "sign.closed",
            SignError::NotAgreed => "sign.not_agreed",
            SignError::BadCredentials => "sign.bad_credentials",
            SignError::Locked(_) => "sign.locked",
            SignError::AlreadySigned(_) => "sign.already_signed",
            SignError::Unavailable => "sign.busy",
        };
        lang.text(key).to_owned()
    }
}

ikrar_log::localized!(SignError);

fn subject(nip: &Nip) -> String {
    format!("tanda-tangan:{nip}")
}

/// Signs a pact for an employee and returns where the receipt is.
pub async fn sign(app: &App, request: SignRequest) -> Result<ReceiptRef, SignError> {
    let pact = app
        .pact(&request.pact_id)
        .await?
        .ok_or(SignError::PactNotFound)?;
    let now = now_seconds();
    if pact.opens_at.is_some_and(|t| now.naive_utc() < t) {
        return Err(SignError::PactNotYetOpen);
    }
    if !pact.is_open(now) {
        return Err(SignError::PactClosed);
    }
    if !request.agreed {
        return Err(SignError::NotAgreed);
    }
    let nip = Nip::parse(&request.nip, app.config.today()).map_err(SignError::InvalidNip)?;

    let (employee, signing_key) = open_key(app, &nip, request.passphrase, now).await?;
    let claim = SignatureClaim {
        pact: pact.id.clone(),
        sha256: pact.sha256,
        nip: nip.clone().into(),
        name: employee.name.clone(),
        unit: employee.unit_code.clone(),
        key: signing_key.verifying_key().to_bytes(),
        time: now,
    };
    let entry = Entry::Signature(claim.sign(&signing_key));
    drop(signing_key);
    let (log, receipts) = (app.log.clone(), app.receipts.clone());
    app.db
        .run(move |conn| {
            let signer = Signer {
                nip: &nip,
                kind: employee.kind,
                key_generation: employee.key_count,
            };
            store_signature(conn, &log, &receipts, &signer, &entry, now)
        })
        .await
}

/// Proves that whoever gives `nip` and `passphrase` holds the NIP's key, and opens it. Every
/// path spends one Argon2 derivation, so that an unknown NIP, one not activated yet and a wrong
/// passphrase look alike and take the same time; each failure counts against the NIP's guess
/// limit (shared by signing and downloading a receipt again).
pub(super) async fn open_key(
    app: &App,
    nip: &Nip,
    passphrase: Zeroizing<String>,
    now: DateTime<Utc>,
) -> Result<(employees::Employee, ed25519_dalek::SigningKey), SignError> {
    let (lookup_nip, limit_subject) = (nip.clone(), subject(nip));
    let employee = app
        .db
        .run(move |conn| -> Result<_, SignError> {
            if let Attempt::Locked(until) = guess_limits::begin_attempt(conn, &limit_subject, now)?
            {
                return Err(SignError::Locked(until));
            }
            Ok(employees::find(conn, &lookup_nip)?)
        })
        .await?;
    let params = app.config.argon2;
    let key = employee.as_ref().and_then(employees::Employee::key);
    let open_nip = nip.clone();
    let opened = app
        .key_work(move || match key {
            Some(key) => Some(keys::unseal(
                &key.sealed,
                &open_nip,
                &key.public_key,
                &passphrase,
            )),
            None => {
                keys::dummy_unseal(params, &passphrase);
                None
            }
        })
        .await
        .map_err(|_| SignError::Unavailable)?;
    let failure = match (employee, opened) {
        (Some(employee), Some(Ok(signing_key))) => return Ok((employee, signing_key)),
        (_, Some(Err(KeyError::Parameters))) => SignError::Unavailable,
        _ => SignError::BadCredentials,
    };
    record_failure(app, nip, now).await?;
    Err(failure)
}

/// Counts a failed guess against the NIP.
pub(super) async fn record_failure(
    app: &App,
    nip: &Nip,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let limit_subject = subject(nip);
    app.db
        .run(move |conn| guess_limits::record_failure(conn, &limit_subject, now))
        .await
}

/// Forgets the NIP's failed guesses (its passphrase was right).
pub(super) fn forget_failures(conn: &mut Conn, nip: &Nip) -> Result<(), DbError> {
    guess_limits::clear(conn, &subject(nip))
}

/// Writes the entry and the signature row, and forgets the NIP's failed guesses, in one
/// transaction; a signature already there (from an earlier or a simultaneous request) refuses
/// the second.
/// Who signs: the NIP, its kind (PNS or PPPK) and the generation of the key.
struct Signer<'a> {
    nip: &'a Nip,
    kind: NipKind,
    key_generation: i32,
}

fn store_signature(
    conn: &mut Conn,
    log: &LogSigner,
    receipts: &ReceiptKey,
    signer: &Signer,
    entry: &Entry,
    now: DateTime<Utc>,
) -> Result<ReceiptRef, SignError> {
    let Entry::Signature(signature) = entry else {
        return Err(SignError::Unavailable);
    };
    let claim = &signature.claim;
    let result = db::write_transaction(conn, |conn| {
        if let Some(existing) = signatures::find(conn, &claim.pact, signer.nip)? {
            return Err(SignError::AlreadySigned(
                receipts.reference(existing.log_index),
            ));
        }
        forget_failures(conn, signer.nip)?;
        let body = entry.to_text();
        let index = log_store::append(
            conn,
            log,
            log_store::EntryKind::Signature,
            body.as_bytes(),
            now,
        )?;
        signatures::insert(
            conn,
            &claim.pact,
            signer.nip,
            &claim.unit,
            now,
            index,
            signer.key_generation,
        )?;
        counts::count_signature(conn, &claim.pact, &claim.unit, signer.kind)?;
        Ok(receipts.reference(index))
    });
    let result = match result {
        Err(SignError::Db(e)) if e.is_unique_violation() => {
            let existing = signatures::find(conn, &claim.pact, signer.nip)?;
            Err(existing.map_or(SignError::Db(e), |s| {
                SignError::AlreadySigned(receipts.reference(s.log_index))
            }))
        }
        other => other,
    };
    if let Err(SignError::AlreadySigned(_)) = &result {
        // The passphrase was right all the same.
        forget_failures(conn, signer.nip)?;
    }
    result
}
