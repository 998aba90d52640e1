//! New activation codes for one employee (a forgotten passphrase). For someone who has not
//! activated yet, the code is issued at once. For someone who has, a new code means a new key
//! that can sign in their name, so it takes two people: an admin of their unit (or a
//! superadmin) asks with a reason, and a *different* superadmin approves before any code
//! exists. Both steps are in the audit trail; a later activation appends a new `key` entry,
//! earlier signatures stay valid, and signatures made with the new key are named for auditors.

use super::roster::{issue_code, IssuedCode};
use super::App;
use crate::db::audit;
use crate::db::{self, admins, employees, replaced_keys, reset_requests, Conn, DbError};
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::unit_scope::UnitScope;
use crate::i18n::{Lang, Words};
use chrono::{DateTime, Utc};
use ikrar_log::nip::Nip;
use ikrar_log::values::{normalize_text, now_seconds};

/// The shortest reason accepted for a reset of an activated employee.
pub const MIN_REASON_CHARS: usize = 10;

pub use crate::db::reset_requests::ResetRequest;

/// The requests waiting for a decision, each with the employee's name and unit.
pub async fn pending(app: &App) -> Result<Vec<(ResetRequest, String, String)>, DbError> {
    app.db.run(reset_requests::pending).await
}

/// What a reset did.
#[derive(Debug)]
pub enum ResetOutcome {
    /// The employee had not activated: here is their code.
    Issued(IssuedCode),
    /// The employee has a key: a request now waits for another superadmin.
    Requested { nip: String, name: String },
}

/// Why a reset, an approval or a rejection was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("{}", ikrar_log::i18n::indonesian(self))]
pub enum ResetError {
    NotFound,
    ReasonRequired,
    AlreadyRequested,
    OwnRequest,
    /// The decider made or approved the requester's account, or the reverse.
    BoundRequester,
    Decided,
    /// Logged with its cause; the page says only that the database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ResetError {
    /// What the admin reads, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let key = match self {
            ResetError::NotFound => "reset.not_found",
            ResetError::ReasonRequired => {
                return lang.fill(
                    "reset.reason_required",
                    &[("n", &MIN_REASON_CHARS.to_string())],
                )
            }
            ResetError::AlreadyRequested => "reset.already_requested",
            ResetError::OwnRequest => "reset.own_request",
            ResetError::BoundRequester => "reset.bound_requester",
            ResetError::Decided => "reset.decided",
            ResetError::Db(_) => "error.database",
        };
        lang.text(key).to_owned()
    }
}

ikrar_log::localized!(ResetError);

/// Resets `nip`'s code, or asks for it when they have activated. `scope` limits a
/// unit-admin to their units (an employee elsewhere is "not found").
pub async fn request_or_issue(
    app: &App,
    nip: String,
    reason: String,
    scope: UnitScope,
    actor: Actor,
) -> Result<ResetOutcome, ResetError> {
    // A NIP that breaks the rules names nobody.
    let nip = Nip::parse(&nip, app.config.today()).map_err(|_| ResetError::NotFound)?;
    app.db
        .run(move |conn| request_or_issue_in(conn, &nip, &reason, &scope, &actor, now_seconds()))
        .await
}

fn request_or_issue_in(
    conn: &mut Conn,
    nip: &Nip,
    reason: &str,
    scope: &UnitScope,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ResetOutcome, ResetError> {
    db::write_transaction(conn, |conn| {
        let employee = employees::find(conn, nip)?.ok_or(ResetError::NotFound)?;
        if !scope.allows(&employee.unit_code) {
            return Err(ResetError::NotFound);
        }
        if employee.key_count == 0 && employee.public_key.is_none() {
            let issued = issue_code(conn, nip, &employee.name, &employee.unit_code)?;
            audit::record(conn, actor, AuditAction::CodeReset, nip.as_str(), now)?;
            return Ok(ResetOutcome::Issued(issued));
        }
        let reason = normalize_text(reason)
            .ok()
            .filter(|r| r.chars().count() >= MIN_REASON_CHARS)
            .ok_or(ResetError::ReasonRequired)?;
        match reset_requests::open(conn, nip, &reason, &actor.name, now) {
            Err(e) if e.is_unique_violation() => return Err(ResetError::AlreadyRequested),
            other => other?,
        };
        audit::record(
            conn,
            actor,
            AuditAction::ResetRequest,
            &format!("{nip}: {reason}"),
            now,
        )?;
        Ok(ResetOutcome::Requested {
            nip: nip.to_string(),
            name: employee.name,
        })
    })
}

/// A superadmin's decision on someone else's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum Decision {
    /// The request is granted: a new code is issued, and the key it replaces is kept sealed.
    #[serde(rename = "setujui")]
    Approve,
    #[serde(rename = "tolak")]
    Reject,
}

/// What a decision did.
#[derive(Debug)]
pub enum Decided {
    /// The new code, to hand to the employee.
    Approved(IssuedCode),
    Rejected,
}

/// Decides request `id` as `actor` (a superadmin who neither asked nor is bound to who asked).
pub async fn decide(
    app: &App,
    id: i64,
    decision: Decision,
    actor: Actor,
) -> Result<Decided, ResetError> {
    app.db
        .run(move |conn| decide_in(conn, id, decision, &actor, now_seconds()))
        .await
}

fn decide_in(
    conn: &mut Conn,
    id: i64,
    decision: Decision,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Decided, ResetError> {
    db::write_transaction(conn, |conn| {
        let approved = decision == Decision::Approve;
        let request = mark_decided(conn, id, actor, approved, now)?;
        if !approved {
            let detail = format!("{} (diminta {})", request.nip, request.requested_by);
            audit::record(conn, actor, AuditAction::ResetReject, &detail, now)?;
            return Ok(Decided::Rejected);
        }
        let employee = employees::find(conn, &request.nip)?.ok_or(ResetError::NotFound)?;
        // The key being replaced stays, sealed, so that its passphrase can tell its owner.
        if let Some(key) = employee.key() {
            replaced_keys::keep(conn, &request.nip, &key, now)?;
        }
        let issued = issue_code(conn, &request.nip, &employee.name, &employee.unit_code)?;
        let detail = format!(
            "{} (diminta {}: {})",
            request.nip, request.requested_by, request.reason
        );
        audit::record(conn, actor, AuditAction::ResetApprove, &detail, now)?;
        Ok(Decided::Approved(issued))
    })
}

fn mark_decided(
    conn: &mut Conn,
    id: i64,
    actor: &Actor,
    approved: bool,
    now: DateTime<Utc>,
) -> Result<ResetRequest, ResetError> {
    let request = reset_requests::find(conn, id)?.ok_or(ResetError::NotFound)?;
    if request.decided_at.is_some() {
        return Err(ResetError::Decided);
    }
    if request.requested_by == actor.name {
        return Err(ResetError::OwnRequest);
    }
    // The second person must really be another ([`admins::bound`]): not in the requester's
    // chain of makers, and neither approved by the requester nor its approver.
    let decider = admins::find_by_username(conn, &actor.name)?;
    let requester = admins::find_by_username(conn, &request.requested_by)?;
    if let (Some(decider), Some(requester)) = (decider, requester) {
        if admins::bound(conn, &decider, &requester)? {
            return Err(ResetError::BoundRequester);
        }
    }
    if !reset_requests::decide(conn, id, &actor.name, approved, now)? {
        return Err(ResetError::Decided);
    }
    Ok(request)
}
