//! The export bundle (docs/FORMATS.md, "Export bundle"): JSON Lines, a header then one line per
//! entry.

use serde::{Deserialize, Serialize};
use std::io::{self, Write};

/// The `format` value of a bundle header.
pub const BUNDLE_FORMAT: &str = "ikrar-bundle/v1";

/// Line 1 of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub format: String,
    pub origin: String,
    pub log_key: String,
    pub checkpoint: String,
    pub exported_at: String,
    pub pacts: Vec<PactText>,
    pub units: Vec<UnitInfo>,
    pub report: Vec<ReportRow>,
}

/// A pact's text, so that auditors can hash it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PactText {
    pub id: String,
    pub title: String,
    pub body: String,
}

/// A unit kerja and its instansi.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitInfo {
    pub code: String,
    pub name: String,
    pub instansi: String,
}

/// How many signatures the server claims for a pact and unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRow {
    pub pact: String,
    pub unit: String,
    pub signed: u64,
}

/// One entry line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryLine {
    pub index: u64,
    pub entry: String,
}

/// Writes the header line.
pub fn write_header(out: &mut impl Write, header: &Header) -> io::Result<()> {
    serde_json::to_writer(&mut *out, header)?;
    out.write_all(b"\n")
}

/// Writes one entry line.
pub fn write_entry(out: &mut impl Write, index: u64, entry: &str) -> io::Result<()> {
    #[derive(Serialize)]
    struct Line<'a> {
        index: u64,
        entry: &'a str,
    }
    serde_json::to_writer(&mut *out, &Line { index, entry })?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_the_spec_field_order() {
        let mut out = Vec::new();
        write_entry(&mut out, 3, "ikrar/v1 key\nnip 1\n").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"index\":3,\"entry\":\"ikrar/v1 key\\nnip 1\\n\"}\n"
        );
        let header = Header {
            format: BUNDLE_FORMAT.into(),
            origin: "o".into(),
            log_key: "k".into(),
            checkpoint: "c".into(),
            exported_at: "t".into(),
            pacts: vec![],
            units: vec![],
            report: vec![ReportRow {
                pact: "p".into(),
                unit: "u".into(),
                signed: 2,
            }],
        };
        let mut out = Vec::new();
        write_header(&mut out, &header).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"format\":\"ikrar-bundle/v1\",\"origin\":\"o\",\"log_key\":\"k\",\"checkpoint\":\"c\",\
             \"exported_at\":\"t\",\"pacts\":[],\"units\":[],\"report\":[{\"pact\":\"p\",\"unit\":\"u\",\"signed\":2}]}\n"
        );
    }
}
