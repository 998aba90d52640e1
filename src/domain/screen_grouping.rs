//! How the ceremony screen (`/layar`) groups its progress bars: per instansi, or per unit kerja
//! (the admin chooses; a screen link keeps the choice).

use serde::Deserialize;

/// The rows of the ceremony screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Grouping {
    #[default]
    #[serde(rename = "instansi")]
    Instansi,
    #[serde(rename = "unit")]
    Unit,
}

impl Grouping {
    /// Both, in the order a form offers them.
    pub const ALL: [Grouping; 2] = [Grouping::Instansi, Grouping::Unit];

    /// The grouping as a query and the database name it (`per=instansi`).
    pub fn code(self) -> &'static str {
        match self {
            Grouping::Instansi => "instansi",
            Grouping::Unit => "unit",
        }
    }

    /// The grouping with this code.
    pub fn from_code(code: &str) -> Option<Grouping> {
        Grouping::ALL.into_iter().find(|g| g.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back() {
        for grouping in Grouping::ALL {
            assert_eq!(Grouping::from_code(grouping.code()), Some(grouping));
        }
        assert_eq!(Grouping::from_code("nama"), None);
        assert_eq!(Grouping::default(), Grouping::Instansi);
    }
}
