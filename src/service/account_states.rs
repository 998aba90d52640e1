//! Accounts as the accounts page manages them: the list with each account's state, and the
//! changes of state. A superadmin made in the console waits until a *second* superadmin approves
//! it: one whose chain of makers does not meet its maker's, and who neither approved its maker
//! nor was approved by it ([`admins::bound`]). A disabled account can be enabled again; one
//! refused never.

use super::sessions::SignedIn;
use super::App;
use crate::db::audit;
use crate::db::{admins, api_tokens, Conn, DbError};
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::role::Role;
use crate::i18n::{Lang, Words};
use chrono::NaiveDateTime;
use ikrar_log::values::now_seconds;

/// Where an account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    Active,
    Disabled,
    /// A superadmin made in the console, not approved yet.
    AwaitingApproval,
    /// A superadmin made in the console whose approval was refused.
    Refused,
}

impl AccountState {
    fn of(admin: &admins::Admin) -> AccountState {
        match (admin.approved_at.is_some(), admin.disabled_at.is_some()) {
            (true, false) => AccountState::Active,
            (true, true) => AccountState::Disabled,
            (false, false) => AccountState::AwaitingApproval,
            (false, true) => AccountState::Refused,
        }
    }

    /// The state as the page shows it.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.text(match self {
            AccountState::Active => "account.state_active",
            AccountState::Disabled => "account.state_disabled",
            AccountState::AwaitingApproval => "account.state_awaiting",
            AccountState::Refused => "account.state_refused",
        })
    }
}

/// One account as the accounts page lists it.
pub struct AccountSummary {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub units: Vec<String>,
    pub state: AccountState,
    pub created_at: NaiveDateTime,
    /// Who made it in the console (`None`: the server's command line).
    pub created_by: Option<String>,
    /// Who approved it, for a superadmin made in the console.
    pub approved_by: Option<String>,
    /// Whether the admin reading the list may approve it (it waits, and they are another
    /// person than its maker).
    pub approvable: bool,
}

/// Every account, by username, with the units of each, as `reader` sees the list.
pub async fn list(app: &App, reader: &SignedIn) -> Result<Vec<AccountSummary>, DbError> {
    let reader = reader.id;
    app.db
        .run(move |conn| {
            let all = admins::all(conn)?;
            let find = |id: Option<i64>| id.and_then(|id| all.iter().find(|a| a.id == id));
            let name_of = |id: Option<i64>| find(id).map(|a| a.username.clone());
            let reader = find(Some(reader)).cloned();
            let mut rows = Vec::new();
            for a in &all {
                let mut row = summary(conn, a, name_of(a.created_by), name_of(a.approved_by))?;
                row.approvable = match (row.state, &reader, find(a.created_by)) {
                    (AccountState::AwaitingApproval, Some(reader), Some(maker)) => {
                        !admins::bound(conn, reader, maker)?
                    }
                    _ => false,
                };
                rows.push(row);
            }
            Ok(rows)
        })
        .await
}

/// One account, for a confirmation page.
pub async fn find(app: &App, id: i64) -> Result<Option<AccountSummary>, DbError> {
    app.db
        .run(move |conn| {
            let Some(admin) = admins::find(conn, id)? else {
                return Ok(None);
            };
            let mut name_of = |id: Option<i64>| match id {
                Some(id) => admins::username_of(conn, id),
                None => Ok(None),
            };
            let (made, approved) = (name_of(admin.created_by)?, name_of(admin.approved_by)?);
            summary(conn, &admin, made, approved).map(Some)
        })
        .await
}

fn summary(
    conn: &mut Conn,
    admin: &admins::Admin,
    created_by: Option<String>,
    approved_by: Option<String>,
) -> Result<AccountSummary, DbError> {
    Ok(AccountSummary {
        units: admins::units_of(conn, admin.id)?,
        id: admin.id,
        username: admin.username.clone(),
        role: admin.role,
        state: AccountState::of(admin),
        created_at: admin.created_at,
        created_by,
        approved_by,
        approvable: false,
    })
}

/// Why a change of state was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("{}", ikrar_log::i18n::indonesian(self))]
pub enum StateError {
    NotFound,
    /// The account is not in the state the change starts from (decided already, say).
    WrongState,
    /// The approver made the account, or is bound to its maker.
    SamePerson,
    /// An admin's own account (disabling oneself).
    Own,
    /// Logged with its cause; the page says only that the database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl StateError {
    /// What the admin reads, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let key = match self {
            StateError::NotFound => "account.not_found",
            StateError::WrongState => "account.wrong_state",
            StateError::SamePerson => "account.same_person",
            StateError::Own => "account.own",
            StateError::Db(_) => "error.database",
        };
        lang.text(key).to_owned()
    }
}

ikrar_log::localized!(StateError);

/// What a change of state does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Approve,
    Refuse,
    Disable,
    Enable,
}

/// Applies `change` to account `id` as `by`, and records it in the audit trail. Approval takes a
/// second person; nobody disables themselves.
pub async fn change(
    app: &App,
    id: i64,
    change: Change,
    by: &SignedIn,
    actor: Actor,
) -> Result<(), StateError> {
    let by_id = by.id;
    app.db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| change_in(conn, id, change, by_id, &actor))
        })
        .await
}

fn change_in(
    conn: &mut Conn,
    id: i64,
    change: Change,
    by: i64,
    actor: &Actor,
) -> Result<(), StateError> {
    let now = now_seconds();
    let target = admins::find(conn, id)?.ok_or(StateError::NotFound)?;
    let state = AccountState::of(&target);
    let (action, detail) = match change {
        Change::Approve | Change::Refuse => {
            if state != AccountState::AwaitingApproval {
                return Err(StateError::WrongState);
            }
            if change == Change::Approve {
                let approver = admins::find(conn, by)?.ok_or(StateError::NotFound)?;
                let maker = match target.created_by {
                    Some(maker) => admins::find(conn, maker)?,
                    None => None,
                };
                let Some(maker) = maker else {
                    return Err(StateError::SamePerson);
                };
                if admins::bound(conn, &approver, &maker)? {
                    return Err(StateError::SamePerson);
                }
                if !admins::approve(conn, id, by, now)? {
                    return Err(StateError::WrongState);
                }
                (AuditAction::AccountApprove, target.username.clone())
            } else {
                admins::disable(conn, id, now)?;
                (AuditAction::AccountReject, target.username.clone())
            }
        }
        Change::Disable => {
            if id == by {
                return Err(StateError::Own);
            }
            if state != AccountState::Active {
                return Err(StateError::WrongState);
            }
            admins::disable(conn, id, now)?;
            let revoked = api_tokens::revoke_all_of(conn, &target.username, now)?;
            let detail = format!("{} ({revoked} token dicabut)", target.username);
            (AuditAction::AccountDisable, detail)
        }
        Change::Enable => {
            if state != AccountState::Disabled || !admins::enable(conn, id)? {
                return Err(StateError::WrongState);
            }
            (AuditAction::AccountEnable, target.username.clone())
        }
    };
    audit::record(conn, actor, action, &detail, now)?;
    Ok(())
}
