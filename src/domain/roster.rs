//! Roster files (docs/INTERFACE.md): CSV with columns `nip,nama,jenis,jabatan,unit_kode,unit_nama,
//! instansi`. Parsing checks every row and reports every bad line; it never stops at the first.

use crate::i18n::{Lang, Words};
use chrono::NaiveDate;
use ikrar_log::nip::{Nip, NipError, NipKind};
use ikrar_log::values::{check_unit_code, normalize_text, ValueError};
use std::collections::HashMap;

/// The columns a roster must have, in the order the report and generator use.
pub const COLUMNS: [&str; 7] = [
    "nip",
    "nama",
    "jenis",
    "jabatan",
    "unit_kode",
    "unit_nama",
    "instansi",
];

/// A row that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    pub line: u64,
    pub nip: Nip,
    pub name: String,
    pub kind: NipKind,
    pub jabatan: String,
    pub unit_code: String,
    pub unit_name: String,
    pub instansi: String,
}

/// A bad row: its line in the file, the NIP as written, a stable code and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub nip: String,
    pub code: &'static str,
    problem: Problem,
}

/// What is wrong with a row, to be said in either language.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    Nip(NipError),
    DuplicateNip {
        first: u64,
    },
    UnitConflict {
        unit: String,
        name: String,
        instansi: String,
    },
    KindInvalid,
    KindMismatch {
        kind: NipKind,
        nip_kind: NipKind,
    },
    Value {
        column: &'static str,
        error: ValueError,
    },
    /// A character a reader cannot see ([`super::lookalike::hidden_character`]).
    Hidden {
        column: &'static str,
        character: char,
    },
}

impl RowError {
    /// What is wrong, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match &self.problem {
            Problem::Nip(e) => e.text(lang).to_owned(),
            Problem::DuplicateNip { first } => {
                lang.fill("row.duplicate_nip", &[("line", &first.to_string())])
            }
            Problem::UnitConflict {
                unit,
                name,
                instansi,
            } => lang.fill(
                "row.unit_conflict",
                &[("unit", unit), ("name", name), ("instansi", instansi)],
            ),
            Problem::KindInvalid => lang.text("row.kind_invalid").to_owned(),
            Problem::KindMismatch { kind, nip_kind } => lang.fill(
                "row.kind_mismatch",
                &[("kind", kind.label()), ("nip_kind", nip_kind.label())],
            ),
            Problem::Value { column, error } => format!("{column}: {}", error.text(lang)),
            Problem::Hidden { column, character } => lang.fill(
                "row.hidden_character",
                &[
                    ("column", column),
                    ("code", &format!("U+{:04X}", u32::from(*character))),
                ],
            ),
        }
    }
}

/// A whole roster file: its good rows and every error.
#[derive(Debug, Clone, Default)]
pub struct ParsedRoster {
    pub rows: Vec<RosterRow>,
    pub errors: Vec<RowError>,
}

impl ParsedRoster {
    /// How many data rows the file had.
    pub fn total(&self) -> usize {
        let bad_lines: std::collections::HashSet<u64> =
            self.errors.iter().map(|e| e.line).collect();
        self.rows.len() + bad_lines.len()
    }
}

/// Why a file cannot be read as a roster at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", ikrar_log::i18n::indonesian(self))]
pub enum RosterFileError {
    NotUtf8,
    Empty,
    MissingColumns(String),
    /// The columns look missing because the header is one field holding this separator (a
    /// file saved with another one than the rest of it, or by hand).
    Separator(char),
    RepeatedColumn(String),
    Csv(String),
    Xlsx(String),
}

impl RosterFileError {
    /// What is wrong with the file, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let (key, detail) = match self {
            RosterFileError::NotUtf8 => ("roster_file.not_utf8", ""),
            RosterFileError::Empty => ("roster_file.empty", ""),
            RosterFileError::MissingColumns(c) => ("roster_file.missing_columns", c.as_str()),
            RosterFileError::Separator(';') => ("roster_file.separator_semicolon", ""),
            RosterFileError::Separator(_) => ("roster_file.separator_other", ""),
            RosterFileError::RepeatedColumn(c) => ("roster_file.repeated_column", c.as_str()),
            RosterFileError::Csv(e) => ("roster_file.csv", e.as_str()),
            RosterFileError::Xlsx(e) => ("roster_file.xlsx", e.as_str()),
        };
        lang.fill(key, &[("detail", detail)])
    }
}

ikrar_log::localized!(RosterFileError);

/// Parses a roster given as CSV or as XLSX (its first sheet, read within
/// [`super::roster_xlsx::Limits::ROSTER`]), told apart by content.
pub fn parse_any(bytes: &[u8], today: NaiveDate) -> Result<ParsedRoster, RosterFileError> {
    if bytes.starts_with(b"PK\x03\x04") {
        let csv = super::roster_xlsx::to_csv(bytes, super::roster_xlsx::Limits::ROSTER)?;
        parse(&csv, today)
    } else {
        parse(bytes, today)
    }
}

/// Parses and checks a roster; `today` bounds the NIPs' appointment dates.
pub fn parse(bytes: &[u8], today: NaiveDate) -> Result<ParsedRoster, RosterFileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| RosterFileError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(RosterFileError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(separator(text))
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| RosterFileError::Csv(e.to_string()))?
        .clone();
    let columns = column_positions(&header)?;
    let mut parsed = ParsedRoster::default();
    let mut seen_nips: HashMap<String, u64> = HashMap::new();
    let mut unit_names: HashMap<String, (String, String)> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| RosterFileError::Csv(e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let fields = Fields {
            record: &record,
            columns: &columns,
        };
        match check_row(line, &fields, today) {
            Ok(row) => {
                if let Some(first) = seen_nips.insert(row.nip.as_str().to_owned(), line) {
                    parsed.errors.push(RowError {
                        line,
                        nip: row.nip.to_string(),
                        code: "duplicate_nip",
                        problem: Problem::DuplicateNip { first },
                    });
                    continue;
                }
                let unit = (row.unit_name.clone(), row.instansi.clone());
                match unit_names.get(&row.unit_code) {
                    Some(known) if *known != unit => parsed.errors.push(RowError {
                        line,
                        nip: row.nip.to_string(),
                        code: "unit_conflict",
                        problem: Problem::UnitConflict {
                            unit: row.unit_code.clone(),
                            name: known.0.clone(),
                            instansi: known.1.clone(),
                        },
                    }),
                    _ => {
                        unit_names.insert(row.unit_code.clone(), unit);
                        parsed.rows.push(row);
                    }
                }
            }
            Err(errors) => parsed.errors.extend(errors),
        }
    }
    Ok(parsed)
}

/// The file's separator: `;` (Excel in Indonesian, and ikrar's own reports) when its header
/// line has more of them than commas, else `,`.
fn separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c| header.chars().filter(|&h| h == c).count();
    if count(';') > count(',') {
        b';'
    } else {
        b','
    }
}

fn column_positions(header: &csv::StringRecord) -> Result<HashMap<String, usize>, RosterFileError> {
    if let (1, Some(only)) = (header.len(), header.get(0)) {
        if let Some(other) = only.chars().find(|c| matches!(c, ';' | ',' | '\t' | '|')) {
            return Err(RosterFileError::Separator(other));
        }
    }
    let mut positions = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        if COLUMNS.contains(&name.as_str()) && positions.insert(name.clone(), i).is_some() {
            return Err(RosterFileError::RepeatedColumn(name));
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !positions.contains_key(*c))
        .collect();
    if missing.is_empty() {
        Ok(positions)
    } else {
        Err(RosterFileError::MissingColumns(missing.join(", ")))
    }
}

/// One record's values by column name.
struct Fields<'a> {
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl<'a> Fields<'a> {
    fn get(&self, name: &str) -> &'a str {
        self.columns
            .get(name)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }
}

/// Checks one row, collecting every problem it has.
fn check_row(line: u64, fields: &Fields, today: NaiveDate) -> Result<RosterRow, Vec<RowError>> {
    let field = |name: &str| fields.get(name);
    let raw_nip = field("nip").trim();
    let mut errors = Vec::new();
    let mut fail = |code: &'static str, problem: Problem| {
        errors.push(RowError {
            line,
            nip: raw_nip.to_owned(),
            code,
            problem,
        })
    };
    let nip = Nip::parse(raw_nip, today)
        .map_err(|e| fail(e.code(), Problem::Nip(e)))
        .ok();
    let kind = match NipKind::from_label(field("jenis")) {
        None => {
            fail("jenis_invalid", Problem::KindInvalid);
            None
        }
        Some(kind) => {
            if let Some(nip) = nip.as_ref().filter(|n| n.kind() != kind) {
                fail(
                    "jenis_mismatch",
                    Problem::KindMismatch {
                        kind,
                        nip_kind: nip.kind(),
                    },
                );
            }
            Some(kind)
        }
    };
    let mut text = |column: &'static str, code: &'static str, required: bool| -> Option<String> {
        let value = field(column);
        if !required && value.trim().is_empty() {
            return Some(String::new());
        }
        let text = normalize_text(value)
            .map_err(|error| fail(code, Problem::Value { column, error }))
            .ok()?;
        match super::lookalike::hidden_character(&text) {
            Some(character) => {
                fail(code, Problem::Hidden { column, character });
                None
            }
            None => Some(text),
        }
    };
    let name = text("nama", "nama_invalid", true);
    let jabatan = text("jabatan", "jabatan_invalid", false);
    let unit_name = text("unit_nama", "unit_nama_invalid", true);
    let instansi = text("instansi", "instansi_invalid", true);
    let unit_code = field("unit_kode").trim().to_owned();
    if let Err(e) = check_unit_code(&unit_code) {
        fail(
            "unit_kode_invalid",
            Problem::Value {
                column: "unit_kode",
                error: e,
            },
        );
    }
    match (nip, kind, name, jabatan, unit_name, instansi) {
        (Some(nip), Some(kind), Some(name), Some(jabatan), Some(unit_name), Some(instansi))
            if errors.is_empty() =>
        {
            Ok(RosterRow {
                line,
                nip,
                name,
                kind,
                jabatan,
                unit_code,
                unit_name,
                instansi,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "nip,nama,jenis,jabatan,unit_kode,unit_nama,instansi\n";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn rosters_saved_by_excel_in_indonesian_use_semicolons() {
        let csv = "nip;nama;jenis;jabatan;unit_kode;unit_nama;instansi\r\n\
                   199004152019032004;Siti Aminah;PNS;Perawat, Ahli;DINKES;Dinas Kesehatan;Pemkab\r\n";
        let parsed = parse(csv.as_bytes(), today()).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.rows[0].jabatan, "Perawat, Ahli");
        // A separator that is neither: the header reads as one column, and the refusal says so.
        let tabs = HEADER.replace(',', "\t");
        let refused = parse(tabs.as_bytes(), today()).unwrap_err();
        assert_eq!(refused, RosterFileError::Separator('\t'));
        for lang in Lang::ALL {
            assert!(
                refused.text(lang).contains("CSV UTF-8"),
                "{}",
                refused.text(lang)
            );
        }
    }

    #[test]
    fn good_rows_are_normalized() {
        let csv = format!(
            "\u{feff}{HEADER}19900415 201903 2 004,\"  Siti   Aminah \",pns,Perawat,DINKES,Dinas Kesehatan,Pemkab\n\
             198807022023211007,Budi,PPPK,,DINKES,Dinas Kesehatan,Pemkab\n"
        );
        let parsed = parse(csv.as_bytes(), today()).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].nip.as_str(), "199004152019032004");
        assert_eq!(parsed.rows[0].name, "Siti Aminah");
        assert_eq!(parsed.rows[0].line, 2);
        assert_eq!(parsed.rows[1].jabatan, "");
    }

    #[test]
    fn every_bad_line_is_reported() {
        let csv = format!(
            "{HEADER}199004152019032004,Siti,PPPK,X,DINKES,Dinas Kesehatan,Pemkab\n\
             19900415,Budi,PNS,X,DINKES,Dinas Kesehatan,Pemkab\n\
             198807022023211007,Budi,PPPK,X,DIN KES,Dinas Kesehatan,Pemkab\n\
             198807022023211007,,PPPK,X,DINKES,Dinas Kesehatan,Pemkab\n\
             200002292022012001,Ani,PNS,X,DINKES,Dinas Kesehatan,Pemkab\n\
             200002292022012001,Ani,PNS,X,DINKES,Dinas Kesehatan,Pemkab\n\
             199004152019032004,Siti,PNS,X,DINKES,Dinkes Lain,Pemkab\n\
             198807022025241002,Ana,PPPK,X,DINSOS,Dinas Sosial,Pemkab,extra\n"
        );
        let parsed = parse(csv.as_bytes(), today()).unwrap();
        let codes: Vec<(u64, &str)> = parsed.errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(
            codes,
            vec![
                (2, "jenis_mismatch"),
                (3, "nip_length"),
                (4, "unit_kode_invalid"),
                (5, "nama_invalid"),
                (7, "duplicate_nip"),
                (8, "unit_conflict"),
            ]
        );
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.total(), 8);
    }

    #[test]
    fn xlsx_rosters_read_like_csv_and_numeric_nips_are_refused() {
        let bytes = super::super::roster_xlsx::tests::workbook(|sheet| {
            sheet.write_number(2, 0, 198807022023211007.0).unwrap();
            for (col, value) in [
                "Budi",
                "PPPK",
                "Guru",
                "DINKES",
                "Dinas Kesehatan",
                "Pemkab",
            ]
            .iter()
            .enumerate()
            {
                sheet.write_string(2, col as u16 + 1, *value).unwrap();
            }
        });
        let parsed = parse_any(&bytes, today()).unwrap();
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].nip.as_str(), "199004152019032004");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].code, "nip_length");
        assert!(parsed.errors[0].nip.contains("format sel NIP sebagai Teks"));
        assert!(matches!(
            parse_any(b"PK\x03\x04broken", today()),
            Err(RosterFileError::Xlsx(_))
        ));
    }

    #[test]
    fn unreadable_files_are_refused() {
        assert_eq!(parse(b"", today()).unwrap_err(), RosterFileError::Empty);
        assert_eq!(
            parse(b"\xff\xfe", today()).unwrap_err(),
            RosterFileError::NotUtf8
        );
        assert_eq!(
            parse(b"nip,nama\n1,2\n", today()).unwrap_err(),
            RosterFileError::MissingColumns(
                "jenis, jabatan, unit_kode, unit_nama, instansi".into()
            )
        );
    }
}
