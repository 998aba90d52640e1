//! The parts of a roster workbook that ikrar reads itself before calamine does, because calamine
//! trusts them: the shared strings' declared counts (it reserves room for that many) and the
//! sheets' cell references (it computes positions from them without bounds: a column of twenty
//! letters overflows). A part that claims more than a roster may hold, or a reference that is
//! not a cell of a sheet, refuses the whole file.

use super::roster::RosterFileError;
use quick_xml::events::{BytesStart, Event};

/// Excel's last column (XFD) and row.
const LAST_COLUMN: u32 = 16_384;
const LAST_ROW: u32 = 1_048_576;

/// A part checked before calamine reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    SharedStrings,
    Worksheet,
}

impl Part {
    /// The kind of the zip entry `name`, however it is cased or slashed (as calamine finds
    /// entries); `None` for parts calamine does not size anything by.
    pub fn of(name: Option<&str>) -> Option<Part> {
        let name = name?.replace('\\', "/").to_ascii_lowercase();
        if name.ends_with("sharedstrings.xml") {
            Some(Part::SharedStrings)
        } else if name.contains("worksheets/") && name.ends_with(".xml") {
            Some(Part::Worksheet)
        } else {
            None
        }
    }

    /// Refuses the part when its shared strings declare more than `most` strings (or declare
    /// them in any form but plain digits), or a sheet names a row, a cell or a range outside a
    /// sheet's bounds.
    pub fn check(self, xml: &[u8], most: u64) -> Result<(), RosterFileError> {
        let mut reader = quick_xml::Reader::from_reader(xml);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            let element = match reader
                .read_event_into(&mut buffer)
                .map_err(|e| broken(&e))?
            {
                Event::Start(e) | Event::Empty(e) => e,
                Event::Eof => return Ok(()),
                _ => continue,
            };
            match (self, element.local_name().as_ref()) {
                (Part::SharedStrings, "sst") => check_counts(&element, most)?,
                (Part::Worksheet, "c") => check_attribute(&element, "r", is_cell)?,
                (Part::Worksheet, "row") => check_attribute(&element, "r", is_row)?,
                (Part::Worksheet, "dimension") => check_attribute(&element, "ref", is_range)?,
                _ => {}
            }
        }
    }
}

fn broken(e: &dyn std::fmt::Display) -> RosterFileError {
    RosterFileError::Xlsx(format!(
        "isi buku kerja tidak dapat dibaca ({e}); simpan ulang dari Excel atau sebagai CSV"
    ))
}

/// `count` and `uniqueCount` of `<sst>`: plain digits, at most `most`.
fn check_counts(element: &BytesStart, most: u64) -> Result<(), RosterFileError> {
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| broken(&e))?;
        if !matches!(attribute.key.local_name().as_ref(), "count" | "uniqueCount") {
            continue;
        }
        let value: &str = attribute.value.as_ref();
        let plain = (1..=20).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit());
        let declared = plain.then(|| value.parse::<u64>().ok()).flatten();
        if declared.is_none_or(|n| n > most) {
            return Err(RosterFileError::Xlsx(format!(
                "buku kerja mengaku berisi {} teks; paling banyak {most}; simpan roster sebagai CSV",
                value.chars().take(24).collect::<String>()
            )));
        }
    }
    Ok(())
}

/// Refuses the element when its attribute `name` is present and not `valid`.
fn check_attribute(
    element: &BytesStart,
    name: &str,
    valid: fn(&str) -> bool,
) -> Result<(), RosterFileError> {
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| broken(&e))?;
        if attribute.key.local_name().as_ref() != name {
            continue;
        }
        let value: &str = attribute.value.as_ref();
        if !valid(value) {
            return Err(RosterFileError::Xlsx(format!(
                "buku kerja menyebut sel \"{}\" yang tidak ada di lembar kerja; simpan ulang dari Excel atau sebagai CSV",
                value.chars().take(24).collect::<String>()
            )));
        }
    }
    Ok(())
}

/// A row number: 1 to 1,048,576.
fn is_row(text: &str) -> bool {
    text.len() <= 7
        && text.bytes().all(|b| b.is_ascii_digit())
        && text
            .parse::<u32>()
            .is_ok_and(|row| (1..=LAST_ROW).contains(&row))
}

/// A cell: one to three letters (up to XFD) and a row.
fn is_cell(text: &str) -> bool {
    position(text).is_some()
}

/// A cell's column and row (1-based), if `text` is a cell of a sheet.
fn position(text: &str) -> Option<(u32, u32)> {
    let letters = text.bytes().take_while(u8::is_ascii_alphabetic).count();
    if !(1..=3).contains(&letters) {
        return None;
    }
    let column = text.bytes().take(letters).fold(0u32, |column, b| {
        column * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row = &text[letters..];
    (column <= LAST_COLUMN && is_row(row)).then(|| (column, row.parse().unwrap_or(0)))
}

/// A cell, or a range from a cell to one neither left of it nor above it.
fn is_range(text: &str) -> bool {
    match text.split_once(':') {
        Some((first, last)) => match (position(first), position(last)) {
            (Some((left, top)), Some((right, bottom))) => left <= right && top <= bottom,
            _ => false,
        },
        None => is_cell(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(part: Part, xml: &str) -> String {
        match part.check(xml.as_bytes(), 3_200_016) {
            Err(RosterFileError::Xlsx(said)) => said,
            other => panic!("{xml}: expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_declared_string_count_beyond_the_limits_is_refused() {
        for declared in [
            r#"uniqueCount="1000000000000000""#,
            r#"count="99999999999999999999999""#,
            r#"uniqueCount="+1000000000000""#,
            r#"uniqueCount="&#49;000000000000""#,
            r#"x:uniqueCount="1000000000000""#,
        ] {
            let sst = format!(r#"<?xml version="1.0"?><sst {declared}><si><t>nip</t></si></sst>"#);
            let said = refused(Part::SharedStrings, &sst);
            assert!(said.contains("mengaku berisi"), "{declared}: {said}");
        }
        let truthful = r#"<sst count="1" uniqueCount="1"><si><t>nip</t></si></sst>"#;
        assert!(Part::SharedStrings.check(truthful.as_bytes(), 10).is_ok());
    }

    #[test]
    fn cell_references_outside_a_sheet_are_refused() {
        for reference in [
            r#"<c r="AAAAAAAAAAAAAAAAAAAAA1"/>"#,
            r#"<c r="XFE1"/>"#,
            r#"<c r="A1048577"/>"#,
            r#"<c r="A99999999999"/>"#,
            r#"<c r="1A"/>"#,
            r#"<row r="0"/>"#,
            r#"<row r="4294967296"/>"#,
            r#"<dimension ref="A1:ZZZZZZZZ9"/>"#,
            r#"<dimension ref="sheetml"/>"#,
            r#"<dimension ref="I1:G2"/>"#,
            r#"<dimension ref="A9:B2"/>"#,
        ] {
            let sheet = format!("<worksheet><sheetData>{reference}</sheetData></worksheet>");
            let said = refused(Part::Worksheet, &sheet);
            assert!(
                said.contains("tidak ada di lembar kerja"),
                "{reference}: {said}"
            );
        }
        let fine = r#"<worksheet><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="a1" t="s"><v>0</v></c></row><c/></sheetData></worksheet>"#;
        assert!(Part::Worksheet.check(fine.as_bytes(), 10).is_ok());
    }

    #[test]
    fn parts_are_found_however_their_names_are_written() {
        assert_eq!(
            Part::of(Some("xl\\SharedStrings.XML")),
            Some(Part::SharedStrings)
        );
        assert_eq!(
            Part::of(Some("xl/worksheets/sheet1.xml")),
            Some(Part::Worksheet)
        );
        assert_eq!(Part::of(Some("xl/styles.xml")), None);
        assert_eq!(Part::of(None), None);
    }
}
