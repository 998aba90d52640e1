//! The audit trail's vocabulary: who did something ([`Actor`]) and what ([`AuditAction`]).

use std::fmt;

/// Who did something, from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub name: String,
    pub ip: String,
    pub user_agent: String,
}

/// How the trail names someone at the server's command line: `cli:` and the OS user.
const COMMAND_LINE: &str = "cli:";

impl Actor {
    /// Whether a recorded actor's name is someone at the server's command line.
    pub fn is_command_line(name: &str) -> bool {
        name.starts_with(COMMAND_LINE)
    }

    /// Someone at the server's command line, named by the OS user.
    pub fn command_line(command: &str) -> Actor {
        Actor {
            name: format!(
                "{COMMAND_LINE}{}",
                std::env::var("USER").unwrap_or_else(|_| "?".into())
            ),
            ip: "-".into(),
            user_agent: command.to_owned(),
        }
    }
}

/// Every action the audit trail records; [`AuditAction::code`] is what the trail stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    AccountApprove,
    AccountCreate,
    AccountDisable,
    AccountEnable,
    AccountReject,
    CodeReset,
    CodesIssue,
    ExportBundle,
    ExportReport,
    PactPublish,
    ResetApprove,
    ResetReject,
    ResetRequest,
    RosterImport,
    ScreenLinkCreate,
    SignIn,
    SignInEnrol,
    SignInFailed,
    SignInLocked,
    SignOut,
    TokenCreate,
    TokenRevoke,
    TotpEnrol,
    TotpReset,
}

impl AuditAction {
    /// Every action, in the order of their codes.
    pub const ALL: [AuditAction; 24] = [
        AuditAction::AccountApprove,
        AuditAction::AccountCreate,
        AuditAction::AccountDisable,
        AuditAction::AccountEnable,
        AuditAction::AccountReject,
        AuditAction::CodeReset,
        AuditAction::CodesIssue,
        AuditAction::ExportBundle,
        AuditAction::ExportReport,
        AuditAction::PactPublish,
        AuditAction::ResetApprove,
        AuditAction::ResetReject,
        AuditAction::ResetRequest,
        AuditAction::RosterImport,
        AuditAction::ScreenLinkCreate,
        AuditAction::SignIn,
        AuditAction::SignInEnrol,
        AuditAction::SignInFailed,
        AuditAction::SignInLocked,
        AuditAction::SignOut,
        AuditAction::TokenCreate,
        AuditAction::TokenRevoke,
        AuditAction::TotpEnrol,
        AuditAction::TotpReset,
    ];

    /// The code the trail stores and its exports show (`pact_publish`, …).
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::AccountApprove => "account_approve",
            AuditAction::AccountCreate => "account_create",
            AuditAction::AccountDisable => "account_disable",
            AuditAction::AccountEnable => "account_enable",
            AuditAction::AccountReject => "account_reject",
            AuditAction::CodeReset => "code_reset",
            AuditAction::CodesIssue => "codes_issue",
            AuditAction::ExportBundle => "export_bundle",
            AuditAction::ExportReport => "export_report",
            AuditAction::PactPublish => "pact_publish",
            AuditAction::ResetApprove => "reset_approve",
            AuditAction::ResetReject => "reset_reject",
            AuditAction::ResetRequest => "reset_request",
            AuditAction::RosterImport => "roster_import",
            AuditAction::ScreenLinkCreate => "screen_link_create",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInEnrol => "sign_in_enrol",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignInLocked => "sign_in_locked",
            AuditAction::SignOut => "sign_out",
            AuditAction::TokenCreate => "token_create",
            AuditAction::TokenRevoke => "token_revoke",
            AuditAction::TotpEnrol => "totp_enrol",
            AuditAction::TotpReset => "totp_reset",
        }
    }

    /// The action with this code.
    pub fn from_code(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// A stored action code that names no [`AuditAction`].
#[derive(Debug, thiserror::Error)]
#[error("tindakan audit tidak dikenal: {0}")]
pub struct UnknownAction(String);

/// How the database gives an action back.
impl TryFrom<String> for AuditAction {
    type Error = UnknownAction;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        AuditAction::from_code(&code).ok_or(UnknownAction(code))
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_read_back() {
        let codes: std::collections::HashSet<_> =
            AuditAction::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_code(action.code()), Some(action));
        }
        assert_eq!(AuditAction::from_code("drop_table"), None);
        assert!(AuditAction::try_from("drop_table".to_owned()).is_err());
        assert_eq!(
            AuditAction::try_from("reset_reject".to_owned()).ok(),
            Some(AuditAction::ResetReject)
        );
    }
}
