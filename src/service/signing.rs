//! Signing a pact: one Argon2id derivation opens the employee's key, the `signature` entry is built
//! byte for byte as docs/FORMATS.md says, and the entry and its row are stored in one transaction
//! (shared with the signatures that arrive at the same moment: [`super::appender`]).

use super::telemetry::Refusal;
use super::App;
use crate::db::signatures::{self, Appended};
use crate::db::{employees, guess_limits, log_store, replaced_keys};
use crate::db::{Conn, DbError};
pub use crate::domain::receipt_link::ReceiptRef;
use crate::i18n::{Lang, Words};
use crate::keys::{self, KeyError};
use chrono::{DateTime, Utc};
use ikrar_log::entry::{Entry, SignatureClaim};
use ikrar_log::nip::{Nip, NipError, NipKind};
use ikrar_log::values::{now_seconds, PactId};
use zeroize::Zeroizing;

/// What the signing form sends.
pub struct SignRequest {
    pub pact_id: PactId,
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
    /// The passphrase opened the employee's *replaced* key: the key was replaced at this time
    /// (told only to whoever proved the old passphrase).
    KeyReplaced(DateTime<Utc>),
    AlreadySigned(ReceiptRef),
    Unavailable,
    /// Logged with its cause; the page says only that the database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl SignError {
    /// What the employee reads, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let key = match self {
            SignError::InvalidNip(e) => return e.text(lang).to_owned(),
            SignError::Db(_) => "error.database",
            SignError::PactNotFound => "sign.pact_not_found",
            SignError::PactNotYetOpen => "sign.not_yet_open",
            SignError::PactClosed => "sign.closed",
            SignError::NotAgreed => "sign.not_agreed",
            SignError::BadCredentials => "sign.bad_credentials",
            SignError::Locked(_) => "sign.locked",
            SignError::KeyReplaced(_) => "sign.key_replaced_at_unknown",
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
    let started = std::time::Instant::now();
    let signed = sign_unmeasured(app, request).await;
    match &signed {
        Ok(_) => app.telemetry.signed(started.elapsed()),
        Err(e) => app.telemetry.refused(e.refusal()),
    }
    signed
}

impl SignError {
    /// The refusal as the health page and `/metrics` count it.
    fn refusal(&self) -> Refusal {
        match self {
            SignError::BadCredentials => Refusal::BadCredentials,
            SignError::Locked(_) => Refusal::Locked,
            SignError::PactClosed | SignError::PactNotYetOpen => Refusal::Closed,
            SignError::AlreadySigned(_) => Refusal::AlreadySigned,
            _ => Refusal::Other,
        }
    }
}

async fn sign_unmeasured(app: &App, request: SignRequest) -> Result<ReceiptRef, SignError> {
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
    let entry = Entry::Signature(claim.clone().sign(&signing_key));
    drop(signing_key);
    let stored = Stored {
        body: entry.to_text(),
        claim,
        kind: employee.kind,
        key_generation: employee.key_count,
    };
    let write_nip = nip.clone();
    let outcome = app
        .append(move |conn, batch| store_signature(conn, batch, &write_nip, &stored))
        .await;
    let existing = match outcome {
        Ok(Appended::New(index)) => return Ok(app.receipts.reference(index)),
        Ok(Appended::Existing(index)) => index,
        Err(e) if e.is_unique_violation() => {
            // A simultaneous request (here or on another server) stored it first.
            let (find_nip, pact_id) = (nip.clone(), pact.id.clone());
            let found = app
                .db
                .run(move |conn| signatures::find(conn, &pact_id, &find_nip))
                .await?;
            found.ok_or(SignError::Db(e))?.log_index
        }
        Err(e) => return Err(e.into()),
    };
    // The passphrase was right all the same.
    let forget_nip = nip.clone();
    app.db
        .run(move |conn| forget_failures(conn, &forget_nip))
        .await?;
    Err(SignError::AlreadySigned(app.receipts.reference(existing)))
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
    let employee = attempt_then_find(app, subject(nip), nip, now)
        .await?
        .map_err(SignError::Locked)?;
    let params = app.config.argon2;
    let key = employee.as_ref().and_then(employees::Employee::key);
    let open_nip = nip.clone();
    let passphrase_again = passphrase.clone();
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
        (Some(employee), Some(Err(_))) if employee.key_count > 1 => {
            replaced_key_opens(app, &employee, passphrase_again)
                .await?
                .unwrap_or(SignError::BadCredentials)
        }
        _ => SignError::BadCredentials,
    };
    record_failure(app, nip, now).await?;
    Err(failure)
}

/// For an employee whose key was replaced, whether `passphrase` opens the key before it: then
/// [`SignError::KeyReplaced`], so that someone whose key was replaced without their asking
/// learns of it. (One more derivation, only on a failure, only for a replaced key.)
async fn replaced_key_opens(
    app: &App,
    employee: &employees::Employee,
    passphrase: Zeroizing<String>,
) -> Result<Option<SignError>, SignError> {
    let Some(current) = employee.key() else {
        return Ok(None);
    };
    let lookup_nip = employee.nip.clone();
    let Some(old) = app
        .db
        .run(move |conn| replaced_keys::latest(conn, &lookup_nip, &current.public_key))
        .await?
    else {
        return Ok(None);
    };
    let open_nip = employee.nip.clone();
    let opens = app
        .key_work(move || {
            keys::unseal(&old.sealed, &open_nip, &old.public_key, &passphrase).is_ok()
        })
        .await
        .map_err(|_| SignError::Unavailable)?;
    let replaced_at = employee
        .activated_at
        .map_or_else(now_seconds, |t| t.and_utc());
    Ok(opens.then_some(SignError::KeyReplaced(replaced_at)))
}

/// Counts an attempt against `subject`'s guess limit and, unless it is locked (until the time
/// returned), reads the employee `nip`: both in one round trip, with group commit (an attempt
/// is a write on every signature and activation).
pub(super) async fn attempt_then_find(
    app: &App,
    subject: String,
    nip: &Nip,
    now: DateTime<Utc>,
) -> Result<Result<Option<employees::Employee>, DateTime<Utc>>, DbError> {
    let nip = nip.clone();
    app.write_beside_log(move |conn, _| guess_limits::attempt_then_find(conn, &subject, &nip, now))
        .await
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

/// A signature ready to be stored: its entry's text and what its row and counts need.
struct Stored {
    body: String,
    claim: SignatureClaim,
    kind: NipKind,
    /// The generation of the key that signed (1: the employee's first).
    key_generation: i32,
}

/// Appends the signature in the batch's transaction (see [`signatures::append`]).
fn store_signature(
    conn: &mut Conn,
    batch: &mut log_store::Batch,
    nip: &Nip,
    stored: &Stored,
) -> Result<Appended, DbError> {
    let claim = &stored.claim;
    let signature = signatures::NewSignature {
        pact_id: &claim.pact,
        nip,
        unit_code: &claim.unit,
        signed_at: claim.time,
        key_generation: stored.key_generation,
        kind: stored.kind,
    };
    signatures::append(
        conn,
        batch,
        &signature,
        stored.body.as_bytes(),
        &subject(nip),
    )
}
