//! The units someone may see and act in: every unit (superadmins, auditors), or only some
//! (a unit-admin's).

use ikrar_log::values::UnitCode;

/// The units an admin's pages, reports and resets are limited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitScope {
    All,
    Only(Vec<UnitCode>),
}

impl UnitScope {
    /// Whether unit `code` is in scope.
    pub fn allows(&self, code: &str) -> bool {
        match self {
            UnitScope::All => true,
            UnitScope::Only(units) => units.iter().any(|u| u.as_str() == code),
        }
    }

    /// The codes to filter by, or `None` for every unit.
    pub fn codes(&self) -> Option<Vec<&str>> {
        match self {
            UnitScope::All => None,
            UnitScope::Only(units) => Some(units.iter().map(UnitCode::as_str).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_allows_every_unit_and_only_its_own() {
        let only = UnitScope::Only(vec![UnitCode::parse("DINKES").unwrap()]);
        assert!(UnitScope::All.allows("DINDIKBUD") && UnitScope::All.codes().is_none());
        assert!(only.allows("DINKES") && !only.allows("DINDIKBUD") && !only.allows("dinkes"));
        assert_eq!(only.codes(), Some(vec!["DINKES"]));
        assert_eq!(UnitScope::Only(vec![]).codes(), Some(vec![]));
    }
}
