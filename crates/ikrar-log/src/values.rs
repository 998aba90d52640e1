//! The small values of docs/FORMATS.md ("Values"): text, unit codes, pact ids and times.

use crate::i18n::{text, Lang};
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Utc};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// Why a value does not have the form docs/FORMATS.md gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", crate::i18n::indonesian(self))]
pub enum ValueError {
    EmptyText,
    TextTooLong,
    ControlCharacter,
    /// A zero-width or bidirectional control character, which makes one name look like another.
    InvisibleCharacter,
    UnitCode,
    PactId,
    Time,
}

impl ValueError {
    /// The rule broken, in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        text(
            lang,
            match self {
                ValueError::EmptyText => "value.empty_text",
                ValueError::TextTooLong => "value.text_too_long",
                ValueError::ControlCharacter => "value.control_character",
                ValueError::InvisibleCharacter => "value.invisible_character",
                ValueError::UnitCode => "value.unit_code",
                ValueError::PactId => "value.pact_id",
                ValueError::Time => "value.time",
            },
        )
    }
}

crate::localized!(ValueError);

/// Normalizes a name or title: NFC, outer white space removed, inner runs folded to one space,
/// no control characters, 1 to 200 characters.
pub fn normalize_text(input: &str) -> Result<String, ValueError> {
    if is_plain_normal_ascii(input) {
        return Ok(input.to_owned());
    }
    let nfc: String = input.nfc().collect();
    let mut out = String::with_capacity(nfc.len());
    for word in nfc.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().any(char::is_control) {
        return Err(ValueError::ControlCharacter);
    }
    if out.chars().any(is_invisible) {
        return Err(ValueError::InvisibleCharacter);
    }
    match out.chars().count() {
        0 => Err(ValueError::EmptyText),
        1..=200 => Ok(out),
        _ => Err(ValueError::TextTooLong),
    }
}

/// Zero-width and bidirectional control characters (U+200B–U+200F, U+202A–U+202E,
/// U+2066–U+2069, U+FEFF): invisible, they let `Siti` and `Si\u{200b}ti`, or a name reversed by
/// U+202E, pass for someone else.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Whether ASCII text is already a normal text value (the common case, checked cheaply).
fn is_plain_normal_ascii(text: &str) -> bool {
    let bytes = text.as_bytes();
    (1..=200).contains(&bytes.len())
        && bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
        && bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && !text.contains("  ")
}

/// Defines a text value that is checked once, when it is made, and then carried as its type.
macro_rules! checked_text {
    ($(#[$doc:meta])* $name:ident, $check:ident) => {
        $(#[$doc])*
        ///
        /// Read by serde (a URL's path, a form) through the same check.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks `value` and keeps it.
            pub fn parse(value: &str) -> Result<$name, ValueError> {
                $check(value)?;
                Ok($name(value.to_owned()))
            }

            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// How a database or a file gives the value back: checked again.
        impl TryFrom<String> for $name {
            type Error = ValueError;

            fn try_from(value: String) -> Result<$name, ValueError> {
                $check(&value)?;
                Ok($name(value))
            }
        }
    };
}

checked_text!(
    /// A unit kerja's code: `[A-Za-z0-9._-]{1,64}`.
    UnitCode,
    check_unit_code
);

checked_text!(
    /// A pact's id: `[a-z0-9-]{1,64}`.
    PactId,
    check_pact_id
);

/// A SHA-256 digest, written as 64 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha256Digest {
        use sha2::Digest;
        Sha256Digest(sha2::Sha256::digest(bytes).into())
    }

    /// Reads the 64 lowercase hexadecimal digits of a digest (nothing else).
    pub fn parse_hex(hex: &str) -> Option<Sha256Digest> {
        let lower = hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let mut digest = [0u8; 32];
        (lower && hex::decode_to_slice(hex, &mut digest).is_ok()).then_some(Sha256Digest(digest))
    }
}

impl std::fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl std::fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sha256Digest({self})")
    }
}

/// Not 64 lowercase hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SHA-256 harus 64 digit heksadesimal huruf kecil")]
pub struct NotSha256;

/// How a database gives a digest back.
impl TryFrom<String> for Sha256Digest {
    type Error = NotSha256;

    fn try_from(hex: String) -> Result<Sha256Digest, NotSha256> {
        Sha256Digest::parse_hex(&hex).ok_or(NotSha256)
    }
}

/// Checks a unit code: `[A-Za-z0-9._-]{1,64}`.
pub fn check_unit_code(code: &str) -> Result<(), ValueError> {
    let ok = (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(()).ok_or(ValueError::UnitCode)
}

/// Checks a pact id: `[a-z0-9-]{1,64}`.
pub fn check_pact_id(id: &str) -> Result<(), ValueError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then_some(()).ok_or(ValueError::PactId)
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// Renders a time as docs/FORMATS.md wants it: `2023-11-24T02:15:07Z`.
pub fn format_time(time: DateTime<Utc>) -> String {
    static ITEMS: OnceLock<Vec<Item<'static>>> = OnceLock::new();
    let items = ITEMS.get_or_init(|| parsed_format(TIME_FORMAT));
    time.format_with_items(items.iter()).to_string()
}

/// A strftime pattern parsed once, so that formatting millions of times (reports, exports)
/// does not parse it again each time.
pub fn parsed_format(pattern: &'static str) -> Vec<Item<'static>> {
    StrftimeItems::new(pattern).parse().unwrap_or_default()
}

/// A `YYYY-MM-DDTHH:MM:SSZ` time as people in western Indonesia read it, with the UTC form
/// after it: `2023-11-24 09.03.00 WIB (2023-11-24T02:03:00Z)`. The offline verifier knows no
/// deployment's zone; WIB (UTC+7) is the zone of the receipt pages' default. Text that is not
/// such a time is shown as it is.
pub fn wib(utc: &str) -> String {
    let Ok(time) = parse_time(utc) else {
        return utc.to_owned();
    };
    let Some(zone) = chrono::FixedOffset::east_opt(7 * 3600) else {
        return utc.to_owned();
    };
    static ITEMS: OnceLock<Vec<Item<'static>>> = OnceLock::new();
    let items = ITEMS.get_or_init(|| parsed_format("%Y-%m-%d %H.%M.%S WIB"));
    format!(
        "{} ({utc})",
        time.with_timezone(&zone).format_with_items(items.iter())
    )
}

/// Parses a time in exactly the form [`format_time`] writes, and nothing else: the shape is
/// checked byte by byte (`YYYY-MM-DDTHH:MM:SSZ`), the calendar by chrono.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, ValueError> {
    const SHAPE: &[u8; 20] = b"0000-00-00T00:00:00Z";
    let bytes = text.as_bytes();
    let shaped = bytes.len() == SHAPE.len()
        && bytes.iter().zip(SHAPE).all(|(b, s)| match s {
            b'0' => b.is_ascii_digit(),
            other => b == other,
        });
    if !shaped {
        return Err(ValueError::Time);
    }
    let time = DateTime::parse_from_rfc3339(text).map_err(|_| ValueError::Time)?;
    Ok(time.with_timezone(&Utc))
}

/// The current time truncated to whole seconds, as every stored and signed time is.
pub fn now_seconds() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde reads (a URL's path, a form) passes the same check as `parse`.
    #[test]
    fn values_read_by_serde_are_checked() {
        let id: PactId = serde_json::from_str("\"netralitas-2024\"").unwrap();
        assert_eq!(id, PactId::parse("netralitas-2024").unwrap());
        assert!(serde_json::from_str::<PactId>("\"Netralitas 2024\"").is_err());
        assert!(serde_json::from_str::<UnitCode>("\"DINKES\"").is_ok());
        assert!(serde_json::from_str::<UnitCode>("\"../etc\\\\passwd\"").is_err());
    }

    #[test]
    fn times_read_in_wib_with_the_utc_form() {
        assert_eq!(
            wib("2023-11-24T20:03:00Z"),
            "2023-11-25 03.03.00 WIB (2023-11-24T20:03:00Z)"
        );
        assert_eq!(wib("kemarin"), "kemarin");
    }

    #[test]
    fn checked_values_are_checked_once_and_carried() {
        assert_eq!(
            UnitCode::parse("KEC-KUTASARI").unwrap().as_str(),
            "KEC-KUTASARI"
        );
        assert_eq!(UnitCode::parse("A B"), Err(ValueError::UnitCode));
        assert_eq!(PactId::parse("Netralitas"), Err(ValueError::PactId));
        assert!(PactId::try_from("netralitas-2024".to_owned()).is_ok());
        let digest = Sha256Digest::of(b"");
        let hex = digest.to_string();
        assert_eq!(
            hex,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Sha256Digest::parse_hex(&hex), Some(digest));
        assert_eq!(Sha256Digest::parse_hex(&hex.to_uppercase()), None);
        assert_eq!(Sha256Digest::parse_hex(&hex[1..]), None);
    }

    #[test]
    fn text_is_folded_and_composed() {
        assert_eq!(
            normalize_text("  Siti \t Aminah \n").unwrap(),
            "Siti Aminah"
        );
        // "e" followed by a combining acute accent becomes one code point.
        assert_eq!(normalize_text("Rene\u{301}").unwrap(), "Ren\u{e9}");
        assert_eq!(normalize_text("   "), Err(ValueError::EmptyText));
        assert_eq!(normalize_text("a\u{7}b"), Err(ValueError::ControlCharacter));
        for invisible in [
            '\u{200b}', '\u{200f}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{feff}',
        ] {
            assert_eq!(
                normalize_text(&format!("Siti{invisible}Aminah")),
                Err(ValueError::InvisibleCharacter),
                "U+{:04X}",
                invisible as u32
            );
        }
        assert_eq!(
            normalize_text(&"x".repeat(201)),
            Err(ValueError::TextTooLong)
        );
        assert!(normalize_text(&"é".repeat(200)).is_ok());
    }

    #[test]
    fn codes_and_ids() {
        assert!(check_unit_code("PBG.DINKES").is_ok());
        assert!(check_unit_code("KEC-BOBOTSARI").is_ok());
        assert!(check_unit_code("DIN KES").is_err());
        assert!(check_unit_code("").is_err());
        assert!(check_pact_id("netralitas-2024").is_ok());
        assert!(check_pact_id("Netralitas").is_err());
        assert!(check_pact_id(&"a".repeat(65)).is_err());
    }

    #[test]
    fn times_round_trip_strictly() {
        let t = parse_time("2023-11-24T02:15:07Z").unwrap();
        assert_eq!(format_time(t), "2023-11-24T02:15:07Z");
        assert!(parse_time("2023-11-24T02:15:07.5Z").is_err());
        assert!(parse_time("2023-11-24T02:15:07+00:00").is_err());
        assert!(parse_time("2023-11-24 02:15:07Z").is_err());
        assert!(parse_time("2023-11-24T2:15:07Z").is_err());
        assert!(parse_time("2023-02-30T02:15:07Z").is_err());
        assert!(parse_time("2023-11-24T24:15:07Z").is_err());
        assert!(parse_time("2023-11-24t02:15:07z").is_err());
    }
}
