//! Roster workbooks (XLSX): the first sheet read as a stream of cells into the CSV form that
//! [`super::roster::parse`] checks. A workbook is a zip of XML files, and a small one can claim
//! a cell at XFD1048576 or inflate to gigabytes; so every zip entry is measured by inflating it
//! (never trusting its declared size) before calamine reads it, cells arrive one at a time, and
//! columns, rows, cells and time are all bounded. A file over any bound is refused whole.

use super::roster::RosterFileError;
use super::workbook_parts::Part;
use calamine::{Data, Reader, Xlsx};
use std::io::{Cursor, Read};
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

/// The bounds a roster workbook must stay within.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Columns read (the roster has 7; a sheet may carry a few extra ones, which are ignored).
    pub columns: u32,
    /// Rows, the header included.
    pub rows: u32,
    /// Cells with a value.
    pub cells: u64,
    /// Uncompressed bytes of one zip entry.
    pub entry_bytes: u64,
    /// Uncompressed bytes of all entries together.
    pub total_bytes: u64,
    /// Entries in the zip.
    pub entries: usize,
    /// Wall time for the whole reading.
    pub time: Duration,
}

impl Limits {
    /// Room for a ministry's roster (200,000 employees) in a workbook, and no more.
    pub const ROSTER: Limits = Limits {
        columns: 32,
        rows: 200_001,
        cells: 200_001 * 16,
        entry_bytes: 32 << 20,
        total_bytes: 96 << 20,
        entries: 256,
        time: Duration::from_secs(60),
    };
}

/// Why a workbook was refused, for [`RosterFileError::Xlsx`].
fn refuse(message: String) -> RosterFileError {
    RosterFileError::Xlsx(message)
}

/// The first sheet of a workbook as CSV. Empty rows stay empty lines, so a CSV line number is
/// the spreadsheet's row number. A NIP stored as an Excel number has lost digits (Excel keeps
/// 15): it is passed on marked, so that its row fails the NIP rule instead of turning into
/// another, valid-looking NIP.
pub fn to_csv(bytes: &[u8], limits: Limits) -> Result<Vec<u8>, RosterFileError> {
    let started = Instant::now();
    measure_entries(bytes, limits, started)?;
    // The parts calamine trusts were checked above; should it still panic on something it
    // meets, the file is refused like any unreadable one, never a crash.
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        read_first_sheet(bytes, limits, started)
    }))
    .unwrap_or_else(|_| {
        Err(refuse(
            "isi buku kerja tidak dapat dibaca; simpan ulang dari Excel atau sebagai CSV".into(),
        ))
    })
}

/// The cells of the first sheet, once [`measure_entries`] has passed.
fn read_first_sheet(
    bytes: &[u8],
    limits: Limits,
    started: Instant,
) -> Result<Vec<u8>, RosterFileError> {
    let out_of_time = || {
        refuse(format!(
            "pembacaan melebihi {} detik; simpan roster sebagai CSV",
            limits.time.as_secs()
        ))
    };
    let fail = |e: &dyn std::fmt::Display| {
        refuse(format!(
            "isi buku kerja tidak dapat dibaca ({e}); simpan ulang dari Excel atau sebagai CSV"
        ))
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| fail(&e))?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| refuse("tidak ada lembar kerja".into()))?;
    let mut cells = book.worksheet_cells_reader(&first).map_err(|e| fail(&e))?;
    let mut sheet = SheetCsv::new(limits);
    let mut count = 0u64;
    while let Some(cell) = cells.next_cell().map_err(|e| fail(&e))? {
        let value: Data = cell.get_value().clone().into();
        if matches!(value, Data::Empty) {
            continue;
        }
        count += 1;
        if count > limits.cells {
            return Err(refuse(format!(
                "lebih dari {} sel berisi; simpan roster sebagai CSV",
                limits.cells
            )));
        }
        if count.is_multiple_of(4096) && started.elapsed() > limits.time {
            return Err(out_of_time());
        }
        let (row, column) = cell.get_position();
        sheet.put(row, column, value)?;
    }
    if started.elapsed() > limits.time {
        return Err(out_of_time());
    }
    sheet.finish()
}

/// Inflates every zip entry into nothing, counting bytes, so that no entry (shared strings,
/// styles, the sheet) can be larger than the limits once calamine reads it.
fn measure_entries(bytes: &[u8], limits: Limits, started: Instant) -> Result<(), RosterFileError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        refuse(format!(
            "bukan berkas XLSX yang utuh: arsipnya rusak atau terpotong ({e})"
        ))
    })?;
    if zip.len() > limits.entries {
        return Err(refuse(format!(
            "berkas berisi {} bagian; paling banyak {}",
            zip.len(),
            limits.entries
        )));
    }
    let too_big = |name: &str| {
        refuse(format!(
            "bagian {name} terlalu besar setelah dibuka (lebih dari {} MiB); simpan roster sebagai CSV",
            limits.entry_bytes >> 20
        ))
    };
    let mut total = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| refuse(format!("bagian ke-{} berkas XLSX rusak ({e})", i + 1)))?;
        let name: String = entry
            .name()
            .map(|n| n.chars().take(80).collect())
            .unwrap_or_default();
        if entry.size() > limits.entry_bytes {
            return Err(too_big(&name));
        }
        // The parts calamine would trust (the shared strings' counts, the sheets' cell
        // references) are kept, bounded by the entry limit, and checked before it reads them.
        let part = Part::of(entry.name().ok().as_deref());
        let mut kept = part.map(|_| Vec::new());
        let mut size = 0u64;
        loop {
            let n = entry
                .read(&mut buffer)
                .map_err(|e| refuse(format!("bagian {name} rusak ({e})")))?;
            if n == 0 {
                break;
            }
            if let Some(kept) = kept.as_mut() {
                kept.extend_from_slice(&buffer[..n]);
            }
            size += n as u64;
            total += n as u64;
            if size > limits.entry_bytes {
                return Err(too_big(&name));
            }
            if total > limits.total_bytes {
                return Err(refuse(format!(
                    "isi berkas lebih dari {} MiB setelah dibuka; simpan roster sebagai CSV",
                    limits.total_bytes >> 20
                )));
            }
            if started.elapsed() > limits.time {
                return Err(refuse(format!(
                    "pembacaan melebihi {} detik; simpan roster sebagai CSV",
                    limits.time.as_secs()
                )));
            }
        }
        if let (Some(part), Some(xml)) = (part, kept) {
            part.check(&xml, limits.cells)?;
        }
    }
    Ok(())
}

/// Cells gathered row by row into CSV.
struct SheetCsv {
    limits: Limits,
    out: Vec<u8>,
    /// The row being gathered and its cells by column.
    row: u32,
    cells: Vec<String>,
    /// Rows written so far (row numbers below this are done).
    written: u32,
    /// The column holding NIPs, once the header row is known.
    nip_column: Option<usize>,
}

impl SheetCsv {
    fn new(limits: Limits) -> SheetCsv {
        SheetCsv {
            limits,
            out: Vec::new(),
            row: 0,
            cells: Vec::new(),
            written: 0,
            nip_column: None,
        }
    }

    fn put(&mut self, row: u32, column: u32, value: Data) -> Result<(), RosterFileError> {
        if column >= self.limits.columns {
            return Err(refuse(format!(
                "ada isi di kolom ke-{} (baris {}); roster hanya memakai {} kolom pertama",
                column + 1,
                row + 1,
                self.limits.columns
            )));
        }
        if row >= self.limits.rows {
            return Err(refuse(format!(
                "ada isi di baris {}; paling banyak {} baris",
                row + 1,
                self.limits.rows
            )));
        }
        if row < self.row || (row > self.row && row < self.written) {
            return Err(refuse(format!("sel baris {} tidak berurutan", row + 1)));
        }
        if row > self.row {
            self.flush_row()?;
            self.row = row;
        }
        let column = column as usize;
        if self.cells.len() <= column {
            self.cells.resize(column + 1, String::new());
        }
        self.cells[column] = match value {
            Data::Float(f) if row > 0 && Some(column) == self.nip_column => {
                format!("(angka Excel {f}; format sel NIP sebagai Teks)")
            }
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            other => other.to_string(),
        };
        Ok(())
    }

    /// Writes the gathered row, after empty lines for the rows without a value.
    fn flush_row(&mut self) -> Result<(), RosterFileError> {
        if self.row == 0 && self.written == 0 {
            self.nip_column = self
                .cells
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case("nip"));
        }
        while self.written < self.row {
            self.out.push(b'\n');
            self.written += 1;
        }
        if self.cells.is_empty() {
            self.out.push(b'\n');
        } else {
            let mut writer = csv::WriterBuilder::new()
                .buffer_capacity(1024)
                .from_writer(&mut self.out);
            writer
                .write_record(&self.cells)
                .map_err(|e| refuse(e.to_string()))?;
            writer.flush().map_err(|e| refuse(e.to_string()))?;
            drop(writer);
            self.cells.clear();
        }
        self.written = self.row + 1;
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>, RosterFileError> {
        if self.cells.is_empty() && self.written == 0 {
            return Ok(Vec::new());
        }
        self.flush_row()?;
        Ok(self.out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A workbook with the roster header, one row (Siti), and whatever `extra` adds to the sheet.
    pub(crate) fn workbook(extra: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (col, name) in super::super::roster::COLUMNS.iter().enumerate() {
            sheet.write_string(0, col as u16, *name).unwrap();
        }
        let row = [
            "199004152019032004",
            "Siti Aminah",
            "PNS",
            "Perawat",
            "DINKES",
            "Dinas Kesehatan",
            "Pemkab",
        ];
        for (col, value) in row.iter().enumerate() {
            sheet.write_string(1, col as u16, *value).unwrap();
        }
        extra(sheet);
        book.save_to_buffer().unwrap()
    }

    fn message(result: Result<Vec<u8>, RosterFileError>) -> String {
        match result {
            Err(RosterFileError::Xlsx(m)) => m,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn rows_keep_their_spreadsheet_line_numbers() {
        let bytes = workbook(|sheet| {
            sheet.write_string(4, 0, "198807022023211007").unwrap();
            sheet.write_string(4, 1, "Budi").unwrap();
        });
        let csv = String::from_utf8(to_csv(&bytes, Limits::ROSTER).unwrap()).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 5, "{csv}");
        assert!(lines[0].starts_with("nip,nama"));
        assert!(lines[1].starts_with("199004152019032004,Siti Aminah"));
        assert_eq!(lines[2], "");
        assert!(lines[4].starts_with("198807022023211007,Budi"));
    }

    #[test]
    fn a_far_away_cell_is_refused_without_a_grid() {
        let bytes = workbook(|sheet| {
            sheet.write_string(1_048_575, 16_383, "x").unwrap();
        });
        assert!(bytes.len() < 10_000);
        let refused = message(to_csv(&bytes, Limits::ROSTER));
        assert!(refused.contains("kolom ke-16384"), "{refused}");
        let rows = message(to_csv(
            &workbook(|sheet| {
                sheet.write_string(1_048_575, 0, "x").unwrap();
            }),
            Limits::ROSTER,
        ));
        assert!(rows.contains("baris 1048576"), "{rows}");
    }

    #[test]
    fn an_entry_that_inflates_too_far_is_refused() {
        // A zip whose one entry is 4 MiB of zeros: a few KiB on disk.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        zip.write_all(&vec![0u8; 4 << 20]).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let limits = Limits {
            entry_bytes: 1 << 20,
            ..Limits::ROSTER
        };
        let refused = message(to_csv(&bytes, limits));
        assert!(
            refused.contains("sharedStrings.xml terlalu besar"),
            "{refused}"
        );
        // The same entry claiming to be 100 bytes: inflating it shows the truth.
        let mut lying = bytes.clone();
        for (signature, offset) in [
            ([0x50, 0x4b, 0x03, 0x04], 22),
            ([0x50, 0x4b, 0x01, 0x02], 24),
        ] {
            let at = lying.windows(4).position(|w| w == signature).unwrap() + offset;
            lying[at..at + 4].copy_from_slice(&100u32.to_le_bytes());
        }
        assert!(to_csv(&lying, limits).is_err());
    }

    #[test]
    fn too_many_cells_or_too_long_is_refused() {
        let bytes = workbook(|_| {});
        let few = Limits {
            cells: 10,
            ..Limits::ROSTER
        };
        // Its shared strings already declare more than ten, so it stops there.
        let said = message(to_csv(&bytes, few));
        assert!(said.contains("paling banyak 10;"), "{said}");
        let no_time = Limits {
            time: Duration::ZERO,
            ..Limits::ROSTER
        };
        assert!(message(to_csv(&bytes, no_time)).contains("detik"));
    }
}
