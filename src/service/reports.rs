//! Reports to send upward: the rekap per unit and the daftar per pegawai, as CSV (streamed) or
//! XLSX (bold frozen header, autofilter, percent format, column widths, a title row).

use super::dashboard::{self, Order, PactProgress};
use super::App;
use crate::db::listings::{self, EmployeeRow, SignatureRow};
use crate::db::{audit, pacts, Conn, DbError};
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::csv_safe::{Cell, SafeCsv};
pub use crate::domain::file_format::FileFormat;
use crate::domain::unit_scope::UnitScope;
use crate::i18n::{Lang, Words};
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use ikrar_log::values::PactId;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::collections::HashMap;
use std::io::Write;

/// Rows read per query for the daftar.
const CHUNK: i64 = 20_000;

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// One row per unit: instansi, unit, roster, sudah, belum, persen.
    ByUnit,
    /// One row per employee: NIP, nama, jenis, jabatan, unit, status, waktu, log index.
    ByEmployee,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}", Lang::Id.fill("publish.unknown_pact", &[("id", .0)]))]
    UnknownPact(PactId),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("gagal menulis laporan: {0}")]
    Io(#[from] std::io::Error),
    #[error("gagal menulis CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("gagal menulis XLSX: {0}")]
    Xlsx(#[from] XlsxError),
}

/// What a report covers.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub pact_id: PactId,
    pub kind: ReportKind,
    pub format: FileFormat,
    /// Only these units (a unit-admin's), or all.
    pub units: UnitScope,
    pub tz: Tz,
    pub now: DateTime<Utc>,
}

impl ReportRequest {
    /// A file name carrying the pact and the date: `rekap-netralitas-2024-2024-01-10.xlsx`.
    pub fn file_name(&self) -> String {
        let what = match self.kind {
            ReportKind::ByUnit => "rekap",
            ReportKind::ByEmployee => "daftar",
        };
        let date = self.now.with_timezone(&self.tz).format("%Y-%m-%d");
        format!("{what}-{}-{date}.{}", self.pact_id, self.format.extension())
    }
}

const UNIT_HEADER: [&str; 7] = [
    "instansi",
    "unit_kode",
    "unit",
    "roster",
    "sudah",
    "belum",
    "persen",
];
const EMPLOYEE_HEADER: [&str; 8] = [
    "nip",
    "nama",
    "jenis",
    "jabatan",
    "unit_kode",
    "status",
    "waktu",
    "log_index",
];

/// Writes a report to `out`, recorded first in the audit trail as asked by `actor` for
/// `destination` (a file name or path). Runs on the caller's (blocking) thread.
pub fn write(
    app: &App,
    request: &ReportRequest,
    actor: &Actor,
    destination: &str,
    out: impl Write + Send,
) -> Result<(), ReportError> {
    let mut conn = app.db.conn()?;
    audit::record(
        &mut conn,
        actor,
        AuditAction::ExportReport,
        destination,
        request.now,
    )?;
    write_to(&mut conn, request, out)
}

fn write_to(
    conn: &mut Conn,
    request: &ReportRequest,
    out: impl Write + Send,
) -> Result<(), ReportError> {
    let pact = pacts::find(conn, &request.pact_id)?
        .ok_or_else(|| ReportError::UnknownPact(request.pact_id.clone()))?;
    let title = format!(
        "{} — {} per {}",
        match request.kind {
            ReportKind::ByUnit => "Rekap penandatanganan",
            ReportKind::ByEmployee => "Daftar penandatangan",
        },
        pact.title,
        crate::domain::display::local_time(request.now.naive_utc(), request.tz)
    );
    match (request.kind, request.format) {
        (ReportKind::ByUnit, format) => {
            let progress =
                dashboard::progress(conn, &request.pact_id, None, &request.units, Order::Name)?
                    .ok_or_else(|| ReportError::UnknownPact(request.pact_id.clone()))?;
            match format {
                FileFormat::Csv => unit_csv(&progress, out),
                FileFormat::Xlsx => unit_xlsx(&progress, &title, out),
            }
        }
        (ReportKind::ByEmployee, FileFormat::Csv) => {
            let mut csv = SafeCsv::for_spreadsheet(out)?;
            csv.text_row(EMPLOYEE_HEADER)?;
            let (mut times, mut index) = (LocalTimes::new(request.tz), String::new());
            each_employee(conn, request, |e, signature| {
                let [nip, name, kind, jabatan, unit, status, time, log_index] =
                    employee_fields(e, signature, &mut times, &mut index);
                csv.row(&[
                    Cell::Id(nip),
                    Cell::Text(name),
                    Cell::Text(kind),
                    Cell::Text(jabatan),
                    Cell::Text(unit),
                    Cell::Text(status),
                    Cell::Text(time),
                    Cell::Number(log_index),
                ])?;
                Ok(())
            })?;
            csv.flush()?;
            Ok(())
        }
        (ReportKind::ByEmployee, FileFormat::Xlsx) => {
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet_with_constant_memory()?;
            sheet.set_name("Daftar")?;
            let mut row = start_sheet(
                sheet,
                &title,
                &EMPLOYEE_HEADER,
                &[20.0, 30.0, 8.0, 28.0, 16.0, 8.0, 34.0, 10.0],
            )?;
            let (mut times, mut index) = (LocalTimes::new(request.tz), String::new());
            each_employee(conn, request, |e, signature| {
                for (col, value) in employee_fields(e, signature, &mut times, &mut index)
                    .iter()
                    .enumerate()
                {
                    if let (7, Some((_, _, log_index))) = (col, signature) {
                        sheet.write_number(row, col as u16, *log_index as f64)?;
                    } else {
                        sheet.write_string(row, col as u16, *value)?;
                    }
                }
                row += 1;
                Ok(())
            })?;
            sheet.autofilter(
                2,
                0,
                row.saturating_sub(1).max(2),
                EMPLOYEE_HEADER.len() as u16 - 1,
            )?;
            workbook.save_to_writer(out)?;
            Ok(())
        }
    }
}

/// Local times as shown, remembered per stored time: a day of signing has at most 86,400
/// distinct seconds, while a report may show a million signatures.
struct LocalTimes {
    tz: Tz,
    /// Stored time → position in `shown`.
    seen: HashMap<NaiveDateTime, usize>,
    shown: Vec<String>,
}

impl LocalTimes {
    const LIMIT: usize = 100_000;

    fn new(tz: Tz) -> LocalTimes {
        LocalTimes {
            tz,
            seen: HashMap::new(),
            shown: Vec::new(),
        }
    }

    /// A UTC time as people read it in the deployment's zone.
    fn show(&mut self, stored: NaiveDateTime) -> &str {
        let at = match self.seen.get(&stored) {
            Some(&at) => at,
            None => {
                if self.shown.len() >= Self::LIMIT {
                    self.seen.clear();
                    self.shown.clear();
                }
                self.shown
                    .push(crate::domain::display::local_time(stored, self.tz));
                self.seen.insert(stored, self.shown.len() - 1);
                self.shown.len() - 1
            }
        };
        &self.shown[at]
    }
}

/// One employee's report fields, borrowed where they can be: `index` holds the log index's
/// digits.
fn employee_fields<'a>(
    e: &'a EmployeeRow,
    signature: Option<&'a SignatureRow>,
    times: &'a mut LocalTimes,
    index: &'a mut String,
) -> [&'a str; 8] {
    index.clear();
    let (status, local) = match signature {
        Some((_, signed_at, log_index)) => {
            use std::fmt::Write as _;
            let _ = write!(index, "{log_index}");
            ("sudah", times.show(*signed_at))
        }
        None => ("belum", ""),
    };
    [
        &e.nip,
        &e.name,
        e.kind.label(),
        &e.jabatan,
        &e.unit_code,
        status,
        local,
        index,
    ]
}

/// Calls `each` for every employee in the request's units, in NIP order, with their signature
/// of the pact if any. Reads a chunk of employees and the signatures in the same NIP range, and
/// merges the two ordered lists.
fn each_employee(
    conn: &mut Conn,
    request: &ReportRequest,
    mut each: impl FnMut(&EmployeeRow, Option<&SignatureRow>) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut after: Option<String> = None;
    loop {
        let chunk = listings::employees_after(conn, &request.units, after.as_deref(), CHUNK)?;
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            return Ok(());
        };
        let signed = listings::signatures_between(conn, &request.pact_id, &first.nip, &last.nip)?;
        let mut signed = signed.iter().peekable();
        for employee in &chunk {
            while signed.next_if(|s| s.0 < employee.nip).is_some() {}
            each(employee, signed.next_if(|s| s.0 == employee.nip))?;
        }
        if (chunk.len() as i64) < CHUNK {
            return Ok(());
        }
        after = Some(last.nip.clone());
    }
}

fn unit_csv(progress: &PactProgress, out: impl Write) -> Result<(), ReportError> {
    let mut csv = SafeCsv::for_spreadsheet(out)?;
    csv.text_row(UNIT_HEADER)?;
    for u in progress
        .units
        .iter()
        .chain(std::iter::once(&progress.total))
    {
        let (roster, signed, pending, ratio) = (
            u.roster.to_string(),
            u.signed.to_string(),
            u.pending().to_string(),
            // 0–100 with one decimal and the decimal comma, as the dashboard and the XLSX
            // (a percent format) show it.
            format!("{:.1}", u.ratio() * 100.0).replace('.', ","),
        );
        csv.row(&[
            Cell::Text(&u.instansi),
            Cell::Text(&u.code),
            Cell::Text(&u.name),
            Cell::Number(&roster),
            Cell::Number(&signed),
            Cell::Number(&pending),
            Cell::Number(&ratio),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

fn unit_xlsx(
    progress: &PactProgress,
    title: &str,
    out: impl Write + Send,
) -> Result<(), ReportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Rekap")?;
    let percent = Format::new().set_num_format("0.0%");
    let bold = Format::new().set_bold();
    let bold_percent = Format::new().set_bold().set_num_format("0.0%");
    let mut row = start_sheet(
        sheet,
        title,
        &UNIT_HEADER,
        &[32.0, 16.0, 40.0, 10.0, 10.0, 10.0, 10.0],
    )?;
    let first = row;
    for u in &progress.units {
        sheet.write_string(row, 0, &u.instansi)?;
        sheet.write_string(row, 1, &u.code)?;
        sheet.write_string(row, 2, &u.name)?;
        sheet.write_number(row, 3, u.roster as f64)?;
        sheet.write_number(row, 4, u.signed as f64)?;
        sheet.write_number(row, 5, u.pending() as f64)?;
        sheet.write_number_with_format(row, 6, u.ratio(), &percent)?;
        row += 1;
    }
    sheet.autofilter(first - 1, 0, row.saturating_sub(1).max(first - 1), 6)?;
    let total = &progress.total;
    sheet.write_string_with_format(row, 0, "Jumlah", &bold)?;
    sheet.write_number_with_format(row, 3, total.roster as f64, &bold)?;
    sheet.write_number_with_format(row, 4, total.signed as f64, &bold)?;
    sheet.write_number_with_format(row, 5, total.pending() as f64, &bold)?;
    sheet.write_number_with_format(row, 6, total.ratio(), &bold_percent)?;
    workbook.save_to_writer(out)?;
    Ok(())
}

/// Writes the title row, the bold header on row 3, freezes below it and sets widths; returns the
/// first data row.
fn start_sheet(
    sheet: &mut Worksheet,
    title: &str,
    header: &[&str],
    widths: &[f64],
) -> Result<u32, XlsxError> {
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, title, &Format::new().set_bold().set_font_size(13))?;
    for (col, name) in header.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, *name, &bold)?;
    }
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    sheet.set_freeze_panes(3, 0)?;
    Ok(3)
}
