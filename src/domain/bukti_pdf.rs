//! The PDF bukti: one page (two when a long pact needs it) a signer can keep and print, black on
//! white with DejaVu Sans embedded, and the receipt JSON attached as a file
//! ([`ikrar_log::receipt_file::PDF_ATTACHMENT`]), PDF/A-3a as e-invoices carry their XML. The
//! JSON is the proof: `ikrar verify-receipt bukti.pdf` reads it from the attachment. It is a
//! tagged PDF, PDF/UA-1: headings, paragraphs, the pact's numbered list and the QR code (with
//! its words) in reading order, so that a screen reader reads the bukti as a person sees it.

use crate::i18n::{Lang, Words};
use ikrar_log::pact::{Block, Pact};
use ikrar_log::receipt_file::PDF_ATTACHMENT;
use krilla::configure::{Accessibility, Archival, ConfigurationBuilder};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime as PdfDate, Metadata};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{ContentTag, SpanTag};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use qrcode::{Color, EcLevel, QrCode};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

mod structure;

use structure::{Role, Structure};

const REGULAR: &[u8] = include_bytes!("../../static/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../static/fonts/DejaVuSans-Bold.ttf");

/// The paper the bukti is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    A4,
    A5,
}

impl Paper {
    /// `a5` for A5, anything else A4.
    pub fn from_query(value: Option<&str>) -> Paper {
        match value {
            Some(v) if v.eq_ignore_ascii_case("a5") => Paper::A5,
            _ => Paper::A4,
        }
    }

    /// Width and height in points.
    fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::A5 => (419.53, 595.28),
        }
    }

    /// Page margin, body font size and QR code side, in points.
    fn scale(self) -> (f32, f32, f32) {
        match self {
            Paper::A4 => (56.0, 10.5, 128.0),
            Paper::A5 => (36.0, 8.5, 96.0),
        }
    }
}

/// What the bukti shows, already in words (the caller formats times and the unit).
pub struct Bukti<'a> {
    pub pact: &'a Pact,
    pub name: &'a str,
    pub masked_nip: &'a str,
    pub unit: &'a str,
    pub instansi: &'a str,
    /// Local time with its zone (e.g. `… pukul 07.31 WIB`), and UTC.
    pub time_local: &'a str,
    pub time_utc: &'a str,
    pub index: u64,
    /// The public receipt page, which the QR code opens.
    pub url: &'a str,
    /// The receipt JSON, attached as it was served.
    pub receipt_json: &'a [u8],
    /// When the PDF is made (its metadata and the attachment's date).
    pub made_at: chrono::DateTime<chrono::Utc>,
}

/// Why a PDF could not be made (a bug or a font problem, never the signer's input).
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("font tidak dapat dibaca")]
    Font,
    #[error("kode QR tidak dapat dibuat: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("konfigurasi PDF/A: {0}")]
    Config(String),
    #[error("PDF tidak dapat dibuat: {0:?}")]
    Krilla(krilla::error::KrillaError),
}

/// A font for drawing (krilla) and for measuring (skrifa).
struct Face {
    draw: Font,
    data: &'static [u8],
}

impl Face {
    fn new(data: &'static [u8]) -> Result<Face, PdfError> {
        let draw = Font::new(data.into(), 0).ok_or(PdfError::Font)?;
        FontRef::new(data).map_err(|_| PdfError::Font)?;
        Ok(Face { draw, data })
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(font) = FontRef::new(self.data) else {
            return 0.0;
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .filter_map(|c| charmap.map(c).and_then(|g| metrics.advance_width(g)))
            .sum()
    }

    /// `text` broken into lines no wider than `width`.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.width(&candidate, size) <= width || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            }
            // A word wider than the line (a URL, a digest) is cut where it must be.
            while self.width(&line, size) > width && line.chars().count() > 1 {
                let mut cut = String::new();
                for c in line.chars() {
                    if self.width(&format!("{cut}{c}"), size) > width {
                        break;
                    }
                    cut.push(c);
                }
                let rest = line[cut.len()..].to_owned();
                lines.push(cut);
                line = rest;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// One line of text to draw: where its baseline starts, its face and size, the part of the
/// document it belongs to and, when it differs from the document's, its language.
struct TextLine {
    x: f32,
    y: f32,
    bold: bool,
    size: f32,
    text: String,
    part: usize,
    lang: Option<&'static str>,
}

/// Text laid out down the page, starting a new page when one is full.
struct Flow {
    paper: Paper,
    /// The lines of the page being filled.
    lines: Vec<TextLine>,
    pages: Vec<Vec<TextLine>>,
    y: f32,
    structure: Structure,
    /// The language of the lines being laid out, when not the document's.
    lang: Option<&'static str>,
}

impl Flow {
    fn margin(&self) -> f32 {
        self.paper.scale().0
    }

    fn bottom(&self) -> f32 {
        self.paper.size().1 - self.margin()
    }

    /// Moves down by `height`, on a new page if this one has no room.
    fn room(&mut self, height: f32) {
        if self.y + height > self.bottom() {
            self.pages.push(std::mem::take(&mut self.lines));
            self.y = self.margin();
        }
    }

    /// A line of `part`, below the last one.
    fn line(&mut self, part: usize, x: f32, bold: bool, size: f32, text: String) {
        let height = size * 1.45;
        self.room(height);
        self.y += height;
        self.lines.push(TextLine {
            x,
            y: self.y - size * 0.35,
            bold,
            size,
            text,
            part,
            lang: self.lang,
        });
    }

    /// Lines of `part` with `text` wrapped to `width`.
    fn text(&mut self, part: usize, face: &Face, bold: bool, size: f32, width: f32, text: &str) {
        for wrapped in face.wrap(text, size, width) {
            self.line(part, self.margin(), bold, size, wrapped);
        }
    }

    fn gap(&mut self, height: f32) {
        self.y += height;
    }
}

/// The PDF bytes of a bukti on `paper`, in `lang` (the pact itself stays in its own words).
pub fn render(bukti: &Bukti, paper: Paper, lang: Lang) -> Result<Vec<u8>, PdfError> {
    let regular = Face::new(REGULAR)?;
    let bold = Face::new(BOLD)?;
    let (width, height) = paper.size();
    let (margin, body, qr_side) = paper.scale();
    let text_width = width - 2.0 * margin;

    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_A)
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| PdfError::Config(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut doc = Document::new_with(settings);
    let made = pdf_date(bukti.made_at);
    doc.set_metadata(
        Metadata::new()
            .title(format!("{} — {}", lang.text("pdf.title"), bukti.pact.title))
            .authors(vec![bukti.name.to_owned()])
            .language(lang.code().to_owned())
            .creator("ikrar".to_owned())
            .creation_date(made),
    );
    doc.embed_file(EmbeddedFile {
        path: PDF_ATTACHMENT.to_owned(),
        mime_type: MimeType::new("application/json"),
        description: Some(lang.text("pdf.attachment").to_owned()),
        association_kind: AssociationKind::Source,
        data: bukti.receipt_json.to_vec().into(),
        modification_date: Some(made),
        compress: Some(true),
        location: None,
    });

    let mut flow = Flow {
        paper,
        lines: Vec::new(),
        pages: Vec::new(),
        y: margin,
        structure: Structure::default(),
        lang: None,
    };
    // The pact keeps its own words, in Bahasa Indonesia, whatever the bukti's language.
    let pact_lang = (lang != Lang::Id).then_some("id");
    // The head: title and details on the left, the QR code on the right.
    let left_width = text_width - qr_side - 12.0;
    let title = flow.structure.heading(1, lang.text("pdf.title"));
    flow.line(
        title,
        margin,
        true,
        body * 1.6,
        lang.text("pdf.title").to_owned(),
    );
    let pact_title = flow.structure.paragraph();
    flow.lang = pact_lang;
    flow.text(
        pact_title,
        &bold,
        true,
        body * 1.1,
        left_width,
        &bukti.pact.title,
    );
    flow.lang = None;
    flow.gap(body * 0.4);
    // What happened, in one sentence, before the details.
    let summary = lang.fill(
        "pdf.summary",
        &[("name", bukti.name), ("time", bukti.time_local)],
    );
    let said = flow.structure.paragraph();
    flow.text(said, &regular, false, body, left_width, &summary);
    flow.gap(body * 0.6);
    let unit = if bukti.instansi.is_empty() {
        bukti.unit.to_owned()
    } else {
        format!("{}, {}", bukti.unit, bukti.instansi)
    };
    let index = bukti.index.to_string();
    let details = [
        ("receipt.name", bukti.name),
        ("receipt.nip", bukti.masked_nip),
        ("receipt.unit", unit.as_str()),
        ("receipt.time", bukti.time_local),
        ("pdf.time_utc", bukti.time_utc),
        ("receipt.index", index.as_str()),
    ];
    for (label, value) in details {
        let detail = flow.structure.paragraph();
        flow.line(
            detail,
            margin,
            true,
            body * 0.85,
            lang.text(label).to_owned(),
        );
        flow.text(detail, &regular, false, body, left_width, value);
    }
    let qr_alt = lang.fill("pdf.qr_alt", &[("url", bukti.url)]);
    let qr_part = flow.structure.open(Role::Figure(qr_alt), None);
    let head_end = flow.y.max(margin + body * 1.6 * 1.45 + qr_side + 4.0);
    flow.y = head_end + body;

    let heading = flow.structure.heading(2, lang.text("pdf.pact_text"));
    flow.line(
        heading,
        margin,
        true,
        body * 1.15,
        lang.text("pdf.pact_text").to_owned(),
    );
    flow.gap(body * 0.3);
    flow.lang = pact_lang;
    let pact_title = flow.structure.heading(3, &bukti.pact.title);
    flow.text(pact_title, &bold, true, body, text_width, &bukti.pact.title);
    flow.gap(body * 0.5);
    let indent = regular.width("00. ", body);
    for block in bukti.pact.blocks() {
        match block {
            Block::Paragraph(paragraph) => {
                let part = flow.structure.paragraph();
                for text in paragraph.lines() {
                    flow.text(part, &regular, false, body, text_width, text);
                }
            }
            Block::List(items) => {
                let list = flow.structure.open(Role::List, None);
                for item in items {
                    let entry = flow.structure.open(Role::Item, Some(list));
                    let label = flow.structure.open(Role::Label, Some(entry));
                    let content = flow.structure.open(Role::Body, Some(entry));
                    let lines = regular.wrap(item.text, body, text_width - indent);
                    for (i, wrapped) in lines.into_iter().enumerate() {
                        if i == 0 {
                            flow.room(body * 1.45);
                            flow.lines.push(TextLine {
                                x: margin,
                                y: flow.y + body * 1.1,
                                bold: false,
                                size: body,
                                text: format!("{}.", item.number),
                                part: label,
                                lang: flow.lang,
                            });
                        }
                        flow.line(content, margin + indent, false, body, wrapped);
                    }
                    flow.gap(body * 0.3);
                }
            }
        }
        flow.gap(body * 0.6);
    }
    flow.lang = None;
    flow.gap(body * 0.4);
    let small = body * 0.8;
    // Where to check it, in the words a person uses: the checker page on the same site.
    let site = bukti.url.split("/bukti/").next().unwrap_or_default();
    let checker = format!("{site}/periksa");
    for key in ["pdf.check", "pdf.proof"] {
        let text = lang.fill(key, &[("file", PDF_ATTACHMENT), ("checker", &checker)]);
        let part = flow.structure.paragraph();
        flow.text(part, &regular, false, small, text_width, &text);
    }
    let link = flow.structure.paragraph();
    flow.text(link, &regular, false, small, text_width, bukti.url);
    let last = std::mem::take(&mut flow.lines);
    let mut pages = std::mem::take(&mut flow.pages);
    pages.push(last);
    let mut structure = flow.structure;
    // Where each part's first line was drawn: (part, page, top left of the line).
    let mut drawn: Vec<(usize, usize, Point)> = Vec::new();

    let qr = QrCode::with_error_correction_level(bukti.url.as_bytes(), EcLevel::M)?;
    for (number, lines) in pages.into_iter().enumerate() {
        let Some(settings) = PageSettings::from_wh(width, height) else {
            return Err(PdfError::Font);
        };
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        for line in lines {
            let face = if line.bold { &bold } else { &regular };
            let id = surface.start_tagged(ContentTag::Span(SpanTag::empty().with_lang(line.lang)));
            surface.draw_text(
                Point::from_xy(line.x, line.y),
                face.draw.clone(),
                line.size,
                &line.text,
                false,
                TextDirection::Auto,
            );
            surface.end_tagged();
            structure.mark(line.part, id);
            if drawn.last().is_none_or(|&(part, ..)| part != line.part) {
                drawn.push((
                    line.part,
                    number,
                    Point::from_xy(line.x, line.y - line.size),
                ));
            }
        }
        if number == 0 {
            let (x, y) = (width - margin - qr_side, margin);
            let id = surface.start_tagged(ContentTag::Other);
            draw_qr(&mut surface, &qr, x, y, qr_side);
            surface.end_tagged();
            structure.mark(qr_part, id);
            structure.place(qr_part, Rect::from_xywh(x, y, qr_side, qr_side));
        }
        surface.finish();
        page.finish();
    }
    doc.set_outline(structure.outline(&drawn));
    doc.set_tag_tree(structure.into_tree(lang));
    doc.finish().map_err(PdfError::Krilla)
}

/// The QR code as black squares, `side` points wide with its top left at (`x`, `y`).
fn draw_qr(surface: &mut Surface, qr: &QrCode, x: f32, y: f32, side: f32) {
    let modules = qr.width();
    let quiet = 2;
    let cell = side / (modules + 2 * quiet) as f32;
    let mut path = PathBuilder::new();
    for (i, color) in qr.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (row, col) = (i / modules, i % modules);
            let left = x + (col + quiet) as f32 * cell;
            let top = y + (row + quiet) as f32 * cell;
            // A hair wider than the cell, so that no seam shows between dark squares.
            if let Some(rect) = Rect::from_xywh(left, top, cell + 0.05, cell + 0.05) {
                path.push_rect(rect);
            }
        }
    }
    if let Some(path) = path.finish() {
        surface.set_fill(Some(krilla::paint::Fill::default()));
        surface.draw_path(&path);
    }
}

fn pdf_date(at: chrono::DateTime<chrono::Utc>) -> PdfDate {
    use chrono::{Datelike, Timelike};
    let two = |v: u32| u8::try_from(v).unwrap_or(0);
    PdfDate::new(u16::try_from(at.year()).unwrap_or(2000))
        .month(two(at.month()))
        .day(two(at.day()))
        .hour(two(at.hour()))
        .minute(two(at.minute()))
        .second(two(at.second()))
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(json: &[u8]) -> Bukti<'_> {
        static PACT: std::sync::OnceLock<Pact> = std::sync::OnceLock::new();
        Bukti {
            pact: PACT.get_or_init(Pact::default_pact),
            name: "Siti Aminah",
            masked_nip: "199004••••••••2004",
            unit: "Dinas Pendidikan (DINDIK)",
            instansi: "Pemerintah Kabupaten Purbalingga",
            time_local: "24 November 2023 pukul 07.31 WIB",
            time_utc: "2023-11-24T00:31:00Z",
            index: 42,
            url: "https://ikrar.example.go.id/bukti/42/AbCdEfGhIjKlMnOpQrStUv",
            receipt_json: json,
            made_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn the_attached_json_comes_back_out_byte_for_byte() {
        let json = br#"{"format":"ikrar-receipt/v1"}"#;
        for paper in [Paper::A4, Paper::A5] {
            let pdf = render(&sample(json), paper, Lang::Id).unwrap();
            assert!(pdf.starts_with(b"%PDF-"));
            let back = ikrar_log::receipt_file::read(&pdf);
            // The sample is not a full receipt: reading it fails at the JSON, after the
            // attachment was found.
            assert!(
                matches!(
                    back,
                    Err(ikrar_log::receipt_file::ReceiptFileError::NotReceipt(_))
                ),
                "{back:?}"
            );
        }
    }

    #[test]
    fn the_bukti_is_tagged_for_screen_readers() {
        let json = br#"{"format":"ikrar-receipt/v1"}"#;
        for lang in [Lang::Id, Lang::En] {
            let pdf = render(&sample(json), Paper::A4, lang).unwrap();
            // The structure's objects are written uncompressed; the content streams are not.
            let text = String::from_utf8_lossy(&pdf);
            for needed in [
                "/StructTreeRoot",
                "/MarkInfo<</Marked true",
                "<pdfuaid:part>1</pdfuaid:part>",
                "<pdfaid:conformance>A</pdfaid:conformance>",
                "/DisplayDocTitle true",
                "/Outlines",
                "/S/H1/",
                "/S/H2/",
                "/S/H3/",
                "/S/P/",
                "/S/L/",
                "/S/Figure/",
                "/Alt(",
            ] {
                assert!(text.contains(needed), "{lang:?}: no {needed}");
            }
            // The pact's four points: a list item each, with its number and its words.
            for item in ["/S/LI/", "/S/Lbl/", "/S/LBody/"] {
                assert_eq!(text.matches(item).count(), 4, "{lang:?}: {item}");
            }
            assert!(
                text.contains(&format!("/Lang({})", lang.code())),
                "{lang:?}"
            );
        }
    }

    #[test]
    fn long_words_are_cut_and_lines_fit() {
        let face = Face::new(REGULAR).unwrap();
        let lines = face.wrap(&"x".repeat(500), 10.0, 100.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| face.width(l, 10.0) <= 100.0));
        assert_eq!(face.wrap("satu dua", 10.0, 1000.0), vec!["satu dua"]);
    }

    #[test]
    fn a5_is_asked_for_by_name() {
        assert_eq!(Paper::from_query(Some("A5")), Paper::A5);
        assert_eq!(Paper::from_query(Some("a4")), Paper::A4);
        assert_eq!(Paper::from_query(None), Paper::A4);
    }
}
