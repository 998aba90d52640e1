//! Admin roles and what each may do. BKPSDM's superadmin does everything; an OPD's unit-admin
//! sees and manages only their own units; an auditor reads everything and changes nothing.

use crate::i18n::{Lang, Words};
use std::fmt;
use std::str::FromStr;

/// An admin account's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Superadmin,
    UnitAdmin,
    Auditor,
}

impl Role {
    /// The role's name on the command line and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Superadmin => "superadmin",
            Role::UnitAdmin => "unit-admin",
            Role::Auditor => "auditor",
        }
    }

    /// How the role is shown to people.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.text(match self {
            Role::Superadmin => "admin.role_superadmin",
            Role::UnitAdmin => "admin.role_unit_admin",
            Role::Auditor => "admin.role_auditor",
        })
    }

    /// Whether the role sees every unit (otherwise only its own).
    pub fn sees_all_units(self) -> bool {
        matches!(self, Role::Superadmin | Role::Auditor)
    }

    /// Whether the role may change data: import, reset codes, publish, manage accounts.
    pub fn may_change(self) -> bool {
        !matches!(self, Role::Auditor)
    }

    /// Whether the role may manage accounts, API tokens and pacts, and import rosters.
    pub fn is_superadmin(self) -> bool {
        matches!(self, Role::Superadmin)
    }

    /// Whether the role may read the whole log (bundles, `/log` entries and proofs).
    pub fn may_read_log(self) -> bool {
        self.sees_all_units()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is none of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("peran harus superadmin, unit-admin atau auditor")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "superadmin" => Ok(Role::Superadmin),
            "unit-admin" => Ok(Role::UnitAdmin),
            "auditor" => Ok(Role::Auditor),
            _ => Err(UnknownRole),
        }
    }
}

/// How the database gives a role back.
impl TryFrom<String> for Role {
    type Error = UnknownRole;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_rule() {
        for role in [Role::Superadmin, Role::UnitAdmin, Role::Auditor] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("admin".parse::<Role>().is_err());
        assert!(Role::Auditor.sees_all_units() && !Role::Auditor.may_change());
        assert!(!Role::UnitAdmin.sees_all_units() && Role::UnitAdmin.may_change());
        assert!(!Role::UnitAdmin.is_superadmin() && !Role::UnitAdmin.may_read_log());
    }
}
