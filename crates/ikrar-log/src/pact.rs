//! A pact: a title and a body, its canonical document and its SHA-256 digest
//! (docs/FORMATS.md, "The pact document").

use crate::i18n::{text, Lang};
use crate::values::{normalize_text, PactId, Sha256Digest, ValueError};

/// The pact ikrar seeds on first start.
pub const DEFAULT_PACT_ID: &str = "netralitas-2024";
const DEFAULT_PACT_FILE: &str = include_str!("pacts/netralitas-2024.txt");

/// A pact's id, title and normalized body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pact {
    pub id: PactId,
    pub title: String,
    pub body: String,
}

/// Why a pact cannot be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", crate::i18n::indonesian(self))]
pub enum PactError {
    Id(ValueError),
    Title(ValueError),
    EmptyBody,
    FileShape,
}

impl PactError {
    /// What is wrong, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            PactError::Id(e) => format!("{} {}", text(lang, "pact_file.bad_id"), e.text(lang)),
            PactError::Title(e) => {
                format!("{} {}", text(lang, "pact_file.bad_title"), e.text(lang))
            }
            PactError::EmptyBody => text(lang, "pact_file.empty_body").to_owned(),
            PactError::FileShape => text(lang, "pact_file.file_shape").to_owned(),
        }
    }
}

crate::localized!(PactError);

impl Pact {
    /// Builds a pact, normalizing the title as a text value and the body as docs/FORMATS.md says.
    pub fn new(id: &str, title: &str, body: &str) -> Result<Pact, PactError> {
        let id = PactId::parse(id).map_err(PactError::Id)?;
        let title = normalize_text(title).map_err(PactError::Title)?;
        let body = normalize_body(body);
        if body.is_empty() {
            return Err(PactError::EmptyBody);
        }
        Ok(Pact { id, title, body })
    }

    /// Reads a pact file: the title on line 1, an empty line 2, the body after it.
    pub fn from_file(id: &str, text: &str) -> Result<Pact, PactError> {
        let text = text.replace("\r\n", "\n");
        let (title, rest) = text.split_once('\n').ok_or(PactError::FileShape)?;
        let body = rest.strip_prefix('\n').ok_or(PactError::FileShape)?;
        Pact::new(id, title, body)
    }

    /// The pact ikrar ships: `netralitas-2024`.
    pub fn default_pact() -> Pact {
        match Pact::from_file(DEFAULT_PACT_ID, DEFAULT_PACT_FILE) {
            Ok(pact) => pact,
            Err(e) => unreachable!("the embedded default pact is well formed: {e}"),
        }
    }

    /// The document that is hashed: `title LF LF body LF`.
    pub fn document(&self) -> String {
        format!("{}\n\n{}\n", self.title, self.body)
    }

    /// The SHA-256 of the document.
    pub fn digest(&self) -> Sha256Digest {
        Sha256Digest::of(self.document().as_bytes())
    }

    /// The body laid out for reading: paragraphs, and runs of numbered lines ("1. …") as lists.
    pub fn blocks(&self) -> Vec<Block<'_>> {
        self.body
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|paragraph| {
                let items: Option<Vec<ListItem>> = paragraph.lines().map(ListItem::parse).collect();
                match items {
                    Some(items) => Block::List(items),
                    None => Block::Paragraph(paragraph),
                }
            })
            .collect()
    }
}

/// A part of a pact's body as it is shown and printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block<'a> {
    /// Running text.
    Paragraph(&'a str),
    /// Numbered points, each on its own line in the pact file.
    List(Vec<ListItem<'a>>),
}

/// One numbered point: its number as written and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem<'a> {
    pub number: &'a str,
    pub text: &'a str,
}

impl<'a> ListItem<'a> {
    /// `"1. text"` or `"1) text"`; `None` for any other line.
    fn parse(line: &'a str) -> Option<ListItem<'a>> {
        let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let rest = line.get(digits..)?;
        let text = rest
            .strip_prefix(". ")
            .or_else(|| rest.strip_prefix(") "))?
            .trim();
        (digits > 0 && !text.is_empty()).then_some(ListItem {
            number: &line[..digits],
            text,
        })
    }
}

/// CRLF to LF, trailing spaces removed from every line, leading and trailing empty lines removed.
pub fn normalize_body(body: &str) -> String {
    let body = body.replace("\r\n", "\n");
    let lines: Vec<&str> = body.split('\n').map(|l| l.trim_end_matches(' ')).collect();
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    match (first, last) {
        (Some(first), Some(last)) => lines[first..=last].join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pact_digest_matches_spec() {
        let pact = Pact::default_pact();
        assert_eq!(
            pact.digest().to_string(),
            "2e6a38c7b0936742082f3f71b5095af00b15be3654cb3c086a21f0b4df8bfd9e"
        );
        assert_eq!(pact.document(), DEFAULT_PACT_FILE);
        assert_eq!(
            pact.title,
            "Pakta Integritas Netralitas Pegawai ASN pada Pemilu dan Pemilihan Tahun 2024"
        );
        let blocks = pact.blocks();
        assert_eq!(blocks.len(), 3);
        let Block::List(points) = &blocks[1] else {
            panic!("the four points are a list: {blocks:?}")
        };
        assert_eq!(points.len(), 4);
        assert_eq!(points[3].number, "4");
        assert!(points[3].text.starts_with("Menolak politik uang"));
        assert!(matches!(blocks[0], Block::Paragraph(p) if p.starts_with("Saya yang")));
    }

    #[test]
    fn body_is_normalized() {
        assert_eq!(
            normalize_body("\r\n\n  a  \r\nb \n\n c\n\n\n"),
            "  a\nb\n\n c"
        );
        assert_eq!(normalize_body(" \n \n"), "");
        let crlf = Pact::new("x", "T", "line one \r\nline two\r\n").unwrap();
        assert_eq!(crlf.document(), "T\n\nline one\nline two\n");
    }

    #[test]
    fn bad_pacts_are_refused() {
        assert!(matches!(Pact::new("X", "T", "b"), Err(PactError::Id(_))));
        assert!(matches!(Pact::new("x", " ", "b"), Err(PactError::Title(_))));
        assert_eq!(Pact::new("x", "T", "\n \n"), Err(PactError::EmptyBody));
        assert_eq!(Pact::from_file("x", "T\nbody"), Err(PactError::FileShape));
    }
}
