//! Strict JSON (docs/FORMATS.md, "Strict JSON"): the one reading of bundle lines and receipts
//! that every verifier shares. RFC 8259 JSON read as I-JSON (RFC 7493) with integers only: no
//! object names a key twice, every number is an integer written in plain digits no larger in
//! magnitude than 2^53 − 1 (what JavaScript and every double-based reader hold exactly), no
//! string holds a lone surrogate, nesting stays within [`MAX_DEPTH`]. A reader that silently
//! took the last of two keys, or rounded `62.0` to 62, would judge a file that another reader
//! refuses; here both are findings. The `/periksa` page carries the same scanner in JavaScript.
//!
//! serde_json reads the values afterwards; this scan only decides whether the text is strict.

use crate::finding::Finding;

/// The largest integer a strict document may hold (JavaScript's `Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// How deeply arrays and objects may nest (serde_json stops at 128).
pub const MAX_DEPTH: usize = 64;

/// Why a text is not strict JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrictFault {
    /// Not JSON at all (syntax, a lone surrogate, too deep).
    NotJson,
    /// An object names this key twice.
    DuplicateKey(String),
    /// A number with a fraction or exponent, `-0`, or beyond ±[`MAX_SAFE_INTEGER`].
    Number(String),
}

impl StrictFault {
    /// The finding code, the same in every verifier (`None` for text that is not JSON).
    pub fn code(&self) -> Option<Finding> {
        match self {
            StrictFault::NotJson => None,
            StrictFault::DuplicateKey(_) => Some(Finding::JsonDuplicateKey),
            StrictFault::Number(_) => Some(Finding::JsonNumber),
        }
    }

    /// What was found, for people (Indonesian; the code says it for programs).
    pub fn detail(&self) -> String {
        match self {
            StrictFault::NotJson => "bukan JSON yang sah".into(),
            StrictFault::DuplicateKey(key) => format!("kunci JSON \"{key}\" muncul dua kali"),
            StrictFault::Number(n) => {
                format!("angka {n} bukan bilangan bulat sampai 2^53 − 1")
            }
        }
    }
}

/// Checks `text`: syntax first (text that is not JSON is [`StrictFault::NotJson`] whatever
/// else it holds), then the first strict rule broken, in document order.
pub fn check(text: &str) -> Result<(), StrictFault> {
    let mut scan = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        first: None,
    };
    scan.space();
    scan.value(0).ok_or(StrictFault::NotJson)?;
    scan.space();
    if scan.at != scan.bytes.len() {
        return Err(StrictFault::NotJson);
    }
    match scan.first {
        Some(fault) => Err(fault),
        None => Ok(()),
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The first strict rule broken so far.
    first: Option<StrictFault>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn broke(&mut self, fault: StrictFault) {
        self.first.get_or_insert(fault);
    }

    /// One value; `None` when the text is not JSON.
    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(drop),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn word(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'{')?;
        self.space();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        let mut keys = std::collections::HashSet::new();
        loop {
            self.space();
            let key = self.string()?;
            if !keys.insert(key.clone()) {
                self.broke(StrictFault::DuplicateKey(key));
            }
            self.space();
            self.eat(b':')?;
            self.space();
            self.value(depth)?;
            self.space();
            if self.eat(b'}').is_some() {
                return Some(());
            }
            self.eat(b',')?;
        }
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'[')?;
        self.space();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.space();
            self.value(depth)?;
            self.space();
            if self.eat(b']').is_some() {
                return Some(());
            }
            self.eat(b',')?;
        }
    }

    /// A string, decoded (keys are compared decoded: `"a"` and `"\u0061"` are one key).
    fn string(&mut self) -> Option<String> {
        self.eat(b'"')?;
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // The input is a str and the run stops at ASCII bytes: a whole UTF-8 sequence.
            out.push_str(std::str::from_utf8(&self.bytes[start..self.at]).ok()?);
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.at += 1;
                    let escaped = self.peek()?;
                    self.at += 1;
                    out.push(match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.code_point()?,
                        _ => return None,
                    });
                }
                _ => return None, // a control character
            }
        }
    }

    /// The character of a `\u` escape (after the `u`), joining a surrogate pair.
    fn code_point(&mut self) -> Option<char> {
        let high = self.hex4()?;
        match high {
            0xD800..=0xDBFF => {
                self.word(b"\\u")?;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return None;
                }
                char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            }
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(high),
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.at += 4;
        u32::from_str_radix(text, 16).ok()
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Option<()> {
        let start = self.at;
        let negative = self.eat(b'-').is_some();
        let int_start = self.at;
        let int_digits = self.digits();
        if int_digits == 0 || (int_digits > 1 && self.bytes[int_start] == b'0') {
            return None;
        }
        let mut integer = true;
        if self.eat(b'.').is_some() {
            integer = false;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        let text = &self.bytes[start..self.at];
        let digits = &self.bytes[int_start..int_start + int_digits];
        let safe = integer
            && !(negative && digits == b"0")
            && digits.len() <= 16
            && std::str::from_utf8(digits)
                .ok()
                .and_then(|d| d.parse::<u64>().ok())
                .is_some_and(|n| n <= MAX_SAFE_INTEGER);
        if !safe {
            let shown = String::from_utf8_lossy(text).into_owned();
            self.broke(StrictFault::Number(shown));
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<&'static str> {
        check(text)
            .err()
            .map(|f| f.code().map_or("not_json", Finding::as_str))
    }

    #[test]
    fn strict_documents_pass() {
        for ok in [
            "{}",
            " [1, -2, 0, 9007199254740991, -9007199254740991] ",
            r#"{"a":{"a":[true,false,null,"\u00e9\ud83d\ude00\n"]}}"#,
            r#"{"index":62,"entry":"ikrar/v1 key\n"}"#,
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn duplicates_and_loose_numbers_are_findings() {
        assert_eq!(code(r#"{"index":1,"index":2}"#), Some("json_duplicate_key"));
        // Keys are compared decoded.
        assert_eq!(
            code(r#"{"index":1,"ind\u0065x":2}"#),
            Some("json_duplicate_key")
        );
        for number in [
            "62.0",
            "6.2e1",
            "1E2",
            "-0",
            "9007199254740992",
            "1e400",
            "-9007199254740992",
        ] {
            assert_eq!(
                code(&format!("{{\"index\":{number}}}")),
                Some("json_number"),
                "{number}"
            );
        }
        // The first broken rule in document order.
        assert_eq!(
            check(r#"{"a":1.5,"a":1}"#),
            Err(StrictFault::Number("1.5".into()))
        );
    }

    #[test]
    fn what_is_not_json_says_so_first() {
        for bad in [
            "",
            "{",
            r#"{"a":1.5,}"#,
            "01",
            "1.",
            "-",
            r#""\ud800""#,
            r#""\udc00x""#,
            "\u{feff}{}",
            "{\"a\":\"\t\"}",
            "[1] x",
            "nul",
            r#""\x""#,
        ] {
            assert_eq!(code(bad), Some("not_json"), "{bad:?}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(code(&deep), Some("not_json"));
        let deepest = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert_eq!(check(&deepest), Ok(()));
    }

    #[test]
    fn whatever_passes_serde_json_reads() {
        for ok in ["{}", r#"{"a":[1,{"b":"\ud83d\ude00"}]}"#, "[[[[]]]]"] {
            assert!(check(ok).is_ok());
            assert!(serde_json::from_str::<serde_json::Value>(ok).is_ok());
        }
    }
}
