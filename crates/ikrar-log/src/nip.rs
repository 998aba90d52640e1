//! The NIP (Nomor Induk Pegawai) of a PNS and the NI PPPK of a PPPK: 18 digits whose parts carry
//! a birth date, an appointment date, a gender and a sequence number (docs/NIP.md).

use crate::i18n::{text, Lang};
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// What kind of civil servant a NIP belongs to, read from its digits 13–14.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NipKind {
    /// Pegawai Negeri Sipil: digits 13–14 are the TMT CPNS month.
    Pns,
    /// Pegawai Pemerintah dengan Perjanjian Kerja: digits 13–14 are `21` or `24`.
    Pppk,
}

impl NipKind {
    /// The label used in rosters and reports: `PNS` or `PPPK`.
    pub fn label(self) -> &'static str {
        match self {
            NipKind::Pns => "PNS",
            NipKind::Pppk => "PPPK",
        }
    }

    /// Reads a roster's `jenis` column (case-insensitive `PNS` or `PPPK`).
    pub fn from_label(label: &str) -> Option<NipKind> {
        match label.trim().to_ascii_uppercase().as_str() {
            "PNS" => Some(NipKind::Pns),
            "PPPK" => Some(NipKind::Pppk),
            _ => None,
        }
    }
}

/// A kind label that is neither `PNS` nor `PPPK`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("jenis pegawai harus PNS atau PPPK: {0}")]
pub struct UnknownNipKind(pub String);

/// How a database gives a kind back.
impl TryFrom<String> for NipKind {
    type Error = UnknownNipKind;

    fn try_from(label: String) -> Result<Self, Self::Error> {
        NipKind::from_label(&label).ok_or(UnknownNipKind(label))
    }
}

impl fmt::Display for NipKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The rule of docs/NIP.md that a NIP breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", crate::i18n::indonesian(self))]
pub enum NipError {
    Length,
    BirthDate,
    KindCode,
    AppointmentTooEarly,
    AppointmentInFuture,
    Gender,
    Sequence,
}

impl NipError {
    /// A stable code for programs (`ikrar nip check`, import reports).
    pub fn code(self) -> &'static str {
        match self {
            NipError::Length => "nip_length",
            NipError::BirthDate => "nip_birth_date",
            NipError::KindCode => "nip_kind_code",
            NipError::AppointmentTooEarly => "nip_appointment_too_early",
            NipError::AppointmentInFuture => "nip_appointment_in_future",
            NipError::Gender => "nip_gender",
            NipError::Sequence => "nip_sequence",
        }
    }

    /// The rule as a sentence in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        text(lang, &format!("nip.{}", self.code()))
    }
}

crate::localized!(NipError);

/// A NIP that satisfies every rule of docs/NIP.md: exactly 18 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nip(String);

impl Nip {
    /// Parses typed input, which may group the digits with spaces or dots, and checks every
    /// rule, with `today` bounding the appointment date.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Nip, NipError> {
        let digits: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect();
        Self::parse_digits(&digits, today)
    }

    /// Checks a NIP that must already be 18 digits with nothing around them (log entries).
    pub fn parse_digits(digits: &str, today: NaiveDate) -> Result<Nip, NipError> {
        if digits.len() != 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NipError::Length);
        }
        let num = |range: std::ops::Range<usize>| -> u32 {
            digits[range]
                .bytes()
                .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        let birth_year = num(0..4) as i32;
        let birth = NaiveDate::from_ymd_opt(birth_year, num(4..6), num(6..8))
            .filter(|_| birth_year >= 1900)
            .ok_or(NipError::BirthDate)?;
        let start_year = num(8..12) as i32;
        let code = num(12..14);
        match code {
            1..=12 => {
                let months = |y: i32, m: u32| y * 12 + m as i32;
                if months(start_year, code) < months(birth.year() + 15, birth.month()) {
                    return Err(NipError::AppointmentTooEarly);
                }
                if months(start_year, code) > months(today.year(), today.month()) + 12 {
                    return Err(NipError::AppointmentInFuture);
                }
            }
            21 | 24 => {
                if start_year < birth.year() + 15 {
                    return Err(NipError::AppointmentTooEarly);
                }
                if start_year > today.year() + 1 {
                    return Err(NipError::AppointmentInFuture);
                }
            }
            _ => return Err(NipError::KindCode),
        }
        if !matches!(num(14..15), 1 | 2) {
            return Err(NipError::Gender);
        }
        if num(15..18) == 0 {
            return Err(NipError::Sequence);
        }
        Ok(Nip(digits.to_owned()))
    }

    /// PNS or PPPK, from digits 13–14.
    pub fn kind(&self) -> NipKind {
        match &self.0[12..14] {
            "21" | "24" => NipKind::Pppk,
            _ => NipKind::Pns,
        }
    }

    /// The 18 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The NIP as shown on receipts: first and last four digits, the rest hidden.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Hides all but the first and last four characters of an 18-digit NIP.
pub fn mask(nip: &str) -> String {
    if nip.len() != 18 || !nip.is_ascii() {
        return "•".repeat(18);
    }
    format!("{}{}{}", &nip[..4], "•".repeat(10), &nip[14..])
}

/// How a database gives back a NIP it stored once checked: checked again, as of today.
impl TryFrom<String> for Nip {
    type Error = NipError;

    fn try_from(digits: String) -> Result<Nip, NipError> {
        Nip::parse_digits(&digits, chrono::Utc::now().date_naive())
    }
}

/// A NIP as a log entry writes it: 18 ASCII digits, not yet checked against the rules (the
/// verifier checks them as of the entry's time, and reports a NIP that breaks one).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NipDigits(String);

impl NipDigits {
    /// Reads exactly 18 ASCII digits.
    pub fn parse(digits: &str) -> Result<NipDigits, NipError> {
        let ok = digits.len() == 18 && digits.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| NipDigits(digits.to_owned()))
            .ok_or(NipError::Length)
    }

    /// Checks every rule, with `today` bounding the appointment date.
    pub fn check(&self, today: NaiveDate) -> Result<Nip, NipError> {
        Nip::parse_digits(&self.0, today)
    }

    /// The digits as a number (18 digits fit in 64 bits): a compact key for big tables.
    pub fn number(&self) -> u64 {
        self.0.bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0'))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Nip> for NipDigits {
    fn from(nip: Nip) -> NipDigits {
        NipDigits(nip.0)
    }
}

impl fmt::Display for NipDigits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Nip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message of each rule is looked up by its code at run time: every rule has words, in
    /// both languages.
    #[test]
    fn every_rule_has_words() {
        let rules = [
            NipError::Length,
            NipError::BirthDate,
            NipError::KindCode,
            NipError::AppointmentTooEarly,
            NipError::AppointmentInFuture,
            NipError::Gender,
            NipError::Sequence,
        ];
        for rule in rules {
            for lang in [Lang::Id, Lang::En] {
                assert!(!rule.text(lang).is_empty(), "{}", rule.code());
            }
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    /// Every case of the shared fixture file.
    #[test]
    fn fixture_cases() {
        let cases = include_str!("../tests/fixtures/nip-cases.tsv");
        let mut count = 0;
        for line in cases.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let input = cols.next().unwrap();
            let expected = cols.next().unwrap();
            let why = cols.next().unwrap();
            let result = Nip::parse(input, today());
            match expected {
                "valid" => {
                    let nip = result.unwrap_or_else(|e| panic!("{input:?} ({why}): {e}"));
                    assert!(why.starts_with(nip.kind().label()), "{input:?}: {why}");
                }
                "invalid" => assert!(result.is_err(), "{input:?} should fail: {why}"),
                other => panic!("unknown expectation {other}"),
            }
            count += 1;
        }
        assert_eq!(count, 19);
    }

    #[test]
    fn errors_name_the_rule() {
        let t = today();
        assert_eq!(Nip::parse("19900415201903200A", t), Err(NipError::Length));
        // Typed with dots, as spaces are: the same NIP.
        assert_eq!(
            Nip::parse("19900415.201903.2.004", t).map(|n| n.to_string()),
            Ok("199004152019032004".to_owned())
        );
        assert!(Nip::parse_digits("19900415.201903.2.004", t).is_err());
        assert_eq!(
            Nip::parse("199002302019032004", t),
            Err(NipError::BirthDate)
        );
        assert_eq!(Nip::parse("198807022023221007", t), Err(NipError::KindCode));
        assert_eq!(
            Nip::parse("199004152000032004", t),
            Err(NipError::AppointmentTooEarly)
        );
        assert_eq!(Nip::parse("199004152019033004", t), Err(NipError::Gender));
        assert_eq!(Nip::parse("199004152019032000", t), Err(NipError::Sequence));
        assert_eq!(
            Nip::parse("199004152027112004", t),
            Ok(Nip("199004152027112004".into()))
        );
        assert_eq!(
            Nip::parse("199004152027122004", t),
            Err(NipError::AppointmentInFuture)
        );
        assert_eq!(
            Nip::parse("198807022028211007", t),
            Err(NipError::AppointmentInFuture)
        );
        assert_eq!(
            Nip::parse("198807022002211007", t),
            Err(NipError::AppointmentTooEarly)
        );
    }

    #[test]
    fn masks_the_middle() {
        let nip = Nip::parse("19900415 201903 2 004", today()).unwrap();
        assert_eq!(nip.masked(), "1990••••••••••2004");
        assert_eq!(nip.as_str(), "199004152019032004");
    }
}
