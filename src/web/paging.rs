//! The page number of a listing (`hal=`): whatever a link or a hand-typed address says, it is a
//! page from 1 to [`PageNumber::MAX`], so no listing ever sends the database a negative or
//! overflowing offset.

use serde::{Deserialize, Deserializer};

/// A listing's page, 1-based and clamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageNumber(i64);

impl PageNumber {
    /// The last page any listing shows (a million rows at a hundred a page, and far more).
    pub const MAX: i64 = 100_000;

    /// Reads `hal=` as typed: digits are clamped to 1..=MAX; anything else is page 1.
    pub fn parse(text: &str) -> PageNumber {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return PageNumber(1);
        }
        let number = text.parse::<i64>().unwrap_or(Self::MAX);
        PageNumber(number.clamp(1, Self::MAX))
    }

    /// The page's number.
    pub fn get(self) -> i64 {
        self.0
    }

    /// The first row of this page when a page holds `per_page` rows.
    pub fn offset(self, per_page: i64) -> i64 {
        (self.0 - 1).saturating_mul(per_page.max(0))
    }
}

impl Default for PageNumber {
    fn default() -> Self {
        PageNumber(1)
    }
}

impl<'de> Deserialize<'de> for PageNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(PageNumber::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_number_is_a_page() {
        assert_eq!(PageNumber::parse("3").get(), 3);
        assert_eq!(PageNumber::parse("0").get(), 1);
        assert_eq!(PageNumber::parse("-5").get(), 1);
        assert_eq!(PageNumber::parse("abc").get(), 1);
        assert_eq!(PageNumber::parse("").get(), 1);
        assert_eq!(
            PageNumber::parse("9223372036854775807").get(),
            PageNumber::MAX
        );
        assert_eq!(
            PageNumber::parse("99999999999999999999999").get(),
            PageNumber::MAX
        );
        let last = PageNumber::parse("9223372036854775807");
        assert!(last.offset(100) > 0);
        assert_eq!(PageNumber::parse("1").offset(50), 0);
    }

    #[test]
    fn a_query_string_gives_a_clamped_page() {
        #[derive(Deserialize)]
        struct Query {
            #[serde(default)]
            hal: PageNumber,
        }
        let q: Query = serde_urlencoded_like("hal=9223372036854775807");
        assert_eq!(q.hal.get(), PageNumber::MAX);
        let q: Query = serde_urlencoded_like("");
        assert_eq!(q.hal.get(), 1);

        fn serde_urlencoded_like<T: serde::de::DeserializeOwned>(query: &str) -> T {
            actix_web::web::Query::<T>::from_query(query)
                .unwrap()
                .into_inner()
        }
    }
}
