//! Activation: an employee proves their one-time code, chooses a passphrase, and gets an Ed25519
//! key whose public half is bound to their NIP by a `key` log entry.

use super::App;
use crate::db::{employees, guess_limits, log_store, Conn, DbError};
use crate::domain::activation_code;
use crate::domain::passphrase::{check_length, check_strength, employee_words, WeakPassphrase};
use crate::i18n::{Lang, Words};
use crate::keys::{self, KeyError};
use chrono::{DateTime, Utc};
use ikrar_log::entry::{Entry, KeyEntry};
use ikrar_log::nip::{Nip, NipError};
use ikrar_log::values::now_seconds;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// What the activation form sends.
pub struct ActivationRequest {
    pub nip: String,
    pub code: Zeroizing<String>,
    pub passphrase: Zeroizing<String>,
    pub passphrase_again: Zeroizing<String>,
}

/// A finished activation.
#[derive(Debug, Clone)]
pub struct Activated {
    pub nip: Nip,
    pub name: String,
    pub log_index: i64,
}

/// Why an activation was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("{}", ikrar_log::i18n::indonesian(self))]
pub enum ActivationError {
    InvalidNip(NipError),
    PassphraseMismatch,
    Weak(WeakPassphrase),
    BadCredentials,
    Locked(DateTime<Utc>),
    Unavailable,
    /// The key could not be made; what went wrong is its source, for the logs.
    Key(#[source] KeyError),
    /// Logged with its cause; the page says only that the database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ActivationError {
    /// What the employee reads, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let key = match self {
            ActivationError::InvalidNip(e) => return e.text(lang).to_owned(),
            ActivationError::Weak(weak) => return weak.text(lang),
            ActivationError::Db(_) => "error.database",
            ActivationError::PassphraseMismatch => "sign.mismatch",
            ActivationError::BadCredentials => "sign.bad_code",
            ActivationError::Locked(_) => "sign.locked",
            ActivationError::Unavailable => "sign.busy",
            ActivationError::Key(_) => "sign.key",
        };
        lang.text(key).to_owned()
    }
}

ikrar_log::localized!(ActivationError);

/// The guess-limit subject of activation attempts for a NIP.
fn subject(nip: &Nip) -> String {
    format!("aktivasi:{nip}")
}

/// Activates an employee's account.
pub async fn activate(app: &App, request: ActivationRequest) -> Result<Activated, ActivationError> {
    let started = std::time::Instant::now();
    let activated = activate_unmeasured(app, request).await;
    if activated.is_ok() {
        app.telemetry.activated(started.elapsed());
    }
    activated
}

async fn activate_unmeasured(
    app: &App,
    request: ActivationRequest,
) -> Result<Activated, ActivationError> {
    let nip = Nip::parse(&request.nip, app.config.today()).map_err(ActivationError::InvalidNip)?;
    if request.passphrase.as_bytes() != request.passphrase_again.as_bytes() {
        return Err(ActivationError::PassphraseMismatch);
    }
    check_length(&request.passphrase).map_err(ActivationError::Weak)?;
    let code_hash = activation_code::normalize(&request.code)
        .map(|code| activation_code::hash(nip.as_str(), &code));

    let now = now_seconds();
    let subject = subject(&nip);
    let employee = super::signing::attempt_then_find(app, subject.clone(), &nip, now)
        .await?
        .map_err(ActivationError::Locked)?;
    let matches = match (&employee, &code_hash) {
        (Some(e), Some(given)) => e
            .activation_code_hash
            .as_deref()
            .is_some_and(|stored| bool::from(stored.ct_eq(given.as_slice()))),
        _ => false,
    };
    let employee = match employee {
        Some(employee) if matches => employee,
        _ => {
            app.db
                .run(move |conn| guess_limits::record_failure(conn, &subject, now))
                .await?;
            return Err(ActivationError::BadCredentials);
        }
    };
    let code_hash = code_hash.ok_or(ActivationError::BadCredentials)?;
    // Judged once the code is right, so that the employee's own name and unit count as known
    // words (and a stranger learns nothing of them); a weak passphrase spends nothing.
    let personal = employee_words(nip.as_str(), &employee.name, &employee.unit_code);
    let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
    if let Err(weak) = check_strength(&request.passphrase, &personal) {
        // The code was right: this try does not count toward the lock.
        app.db
            .run(move |conn| guess_limits::clear(conn, &subject))
            .await?;
        return Err(ActivationError::Weak(weak));
    }

    let params = app.config.argon2;
    let passphrase = request.passphrase;
    let seal_nip = nip.clone();
    let (signing_key, sealed) = app
        .key_work(move || keys::generate_and_seal(&seal_nip, &passphrase, params))
        .await
        .map_err(|_| ActivationError::Unavailable)?
        .map_err(ActivationError::Key)?;
    let stored = employees::StoredKey {
        public_key: signing_key.verifying_key().to_bytes(),
        sealed,
    };
    drop(signing_key);

    let entry = Entry::Key(KeyEntry {
        nip: nip.clone().into(),
        name: employee.name.clone(),
        unit: employee.unit_code.clone(),
        key: stored.public_key,
        time: now,
    });
    let (done_nip, body) = (nip.clone(), entry.to_text());
    let log_index = app
        .append(move |conn, batch| {
            store_key(conn, batch, &done_nip, &code_hash, &stored, &body, now)
        })
        .await?
        // Another request spent the code first.
        .ok_or(ActivationError::BadCredentials)?;
    Ok(Activated {
        nip,
        name: employee.name,
        log_index,
    })
}

/// Stores the key and its log entry, spends the code and forgets the NIP's failed guesses, in
/// the batch's transaction; `None` (nothing written) if another request spent the code first.
fn store_key(
    conn: &mut Conn,
    batch: &mut log_store::Batch,
    nip: &Nip,
    code_hash: &[u8; 32],
    key: &employees::StoredKey,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbError> {
    let activation = employees::Activation {
        nip,
        code_hash,
        key,
        body: body.as_bytes(),
        guesses: &subject(nip),
        now,
    };
    employees::activate(conn, batch, &activation)
}
