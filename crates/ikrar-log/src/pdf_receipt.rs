//! Finding the receipt in a PDF bukti (docs/FORMATS.md, "Finding the receipt in a PDF"): the
//! one rule both verifiers apply. The cross-reference sections are read from the last
//! `startxref` back through `/Prev` (a newer section's entry wins, as PDF readers resolve
//! incremental updates); the trailer's `/Root` catalog's `/Names /EmbeddedFiles` name tree is
//! walked; exactly one entry may be named `bukti-ikrar.json`; its file specification's
//! `/EF /F` stream, Flate-decoded, is the receipt JSON. Only the objects on that path are read.
//!
//! Every PDF is untrusted: the work is bounded by [`Budget`] whatever the file claims (object
//! counts, stream lengths, name-tree shapes), and anything the rule does not allow is an error
//! with its reason, never a guess.

use std::collections::{HashMap, HashSet};

/// The name of the receipt JSON attached to a PDF bukti.
pub const PDF_ATTACHMENT: &str = "bukti-ikrar.json";

/// The most a receipt JSON may hold once decompressed (a receipt is a few KiB).
pub const MAX_JSON_BYTES: usize = 1 << 20;

/// What reading one PDF may cost, at most.
mod limits {
    /// Cross-reference sections followed (a bukti has one; each update adds one).
    pub const XREF_SECTIONS: usize = 32;
    /// Indirect objects parsed.
    pub const OBJECTS: usize = 4096;
    /// Bytes scanned by the object parser, over the whole file and its decoded streams.
    pub const SCANNED: usize = 64 << 20;
    /// Bytes produced by decompression, all streams together.
    pub const INFLATED: usize = 16 << 20;
    /// Name-tree nodes visited, and how deep they may nest.
    pub const TREE_NODES: usize = 256;
    pub const TREE_DEPTH: usize = 16;
    /// Arrays and dictionaries nested inside one object.
    pub const NESTING: usize = 32;
}

/// Why no receipt could be taken from a PDF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("PDF tidak dapat dibaca: {0}")]
    Malformed(&'static str),
    #[error("PDF ini menuntut terlalu banyak pekerjaan untuk dibaca ({0}); bukan PDF bukti ikrar")]
    TooMuchWork(&'static str),
    #[error("PDF ini tidak memuat lampiran {PDF_ATTACHMENT}")]
    NoAttachment,
    #[error("PDF ini memuat lebih dari satu lampiran {PDF_ATTACHMENT}")]
    TwoAttachments,
}

type Result<T> = std::result::Result<T, PdfError>;
use PdfError::Malformed;

/// A PDF object.
#[derive(Debug, Clone, PartialEq)]
enum Obj {
    Null,
    Bool,
    Int(i64),
    Real,
    Name(Vec<u8>),
    Str(Vec<u8>),
    Array(Vec<Obj>),
    Dict(Dict),
    Ref(u32),
    /// A stream: its dictionary and where its raw bytes lie in the file.
    Stream(Dict, std::ops::Range<usize>),
}

type Dict = HashMap<Vec<u8>, Obj>;

fn key<'a>(dict: &'a Dict, name: &str) -> Option<&'a Obj> {
    dict.get(name.as_bytes())
}

/// The bytes of the attached file named [`PDF_ATTACHMENT`].
pub fn attachment(pdf: &[u8]) -> Result<Vec<u8>> {
    let mut reader = Reader::open(pdf)?;
    let root = reader.trailer_root()?;
    let catalog = reader.dict(&root)?;
    let names = match key(&catalog, "Names") {
        Some(names) => reader.dict(names)?,
        None => return Err(PdfError::NoAttachment),
    };
    let tree = match key(&names, "EmbeddedFiles") {
        Some(tree) => tree.clone(),
        None => return Err(PdfError::NoAttachment),
    };
    let mut found = Vec::new();
    let mut walk = Walk::default();
    reader.name_tree(&tree, 0, &mut walk, &mut found)?;
    let spec = match found.as_slice() {
        [] => return Err(PdfError::NoAttachment),
        [spec] => reader.dict(spec)?,
        _ => return Err(PdfError::TwoAttachments),
    };
    let ef = reader.dict(key(&spec, "EF").ok_or(Malformed("lampiran tanpa /EF"))?)?;
    let file = key(&ef, "F").ok_or(Malformed("lampiran tanpa /EF /F"))?;
    let Obj::Ref(number) = file else {
        return Err(Malformed("/EF /F bukan rujukan ke stream"));
    };
    match reader.object(*number)? {
        Obj::Stream(dict, raw) => reader.decode(&dict, raw, MAX_JSON_BYTES),
        _ => Err(Malformed("/EF /F bukan stream")),
    }
}

/// Where an object lives, by the cross-reference sections.
#[derive(Debug, Clone, Copy)]
enum Location {
    Free,
    At(usize),
    /// The `index`-th object of object stream `stream`.
    InStream {
        stream: u32,
        index: usize,
    },
}

/// A decoded object stream: its bytes and the `(number, offset)` pairs of its header.
struct ObjectStream {
    data: Vec<u8>,
    pairs: Vec<(u32, usize)>,
}

#[derive(Default)]
struct Walk {
    nodes: usize,
    seen: HashSet<u32>,
}

struct Reader<'a> {
    pdf: &'a [u8],
    xref: HashMap<u32, Location>,
    trailer: Dict,
    cache: HashMap<u32, Obj>,
    /// Decoded object streams, by number.
    streams: HashMap<u32, ObjectStream>,
    resolving: HashSet<u32>,
    objects: usize,
    scanned: usize,
    inflated: usize,
}

impl<'a> Reader<'a> {
    fn open(pdf: &'a [u8]) -> Result<Reader<'a>> {
        if !pdf.starts_with(b"%PDF-") {
            return Err(Malformed("tidak diawali %PDF-"));
        }
        let mut reader = Reader {
            pdf,
            xref: HashMap::new(),
            trailer: Dict::new(),
            cache: HashMap::new(),
            streams: HashMap::new(),
            resolving: HashSet::new(),
            objects: 0,
            scanned: 0,
            inflated: 0,
        };
        let mut next = Some(reader.startxref()?);
        let mut seen = HashSet::new();
        let mut newest = true;
        while let Some(offset) = next {
            if !seen.insert(offset) {
                return Err(Malformed("rantai /Prev berputar"));
            }
            if seen.len() > limits::XREF_SECTIONS {
                return Err(PdfError::TooMuchWork("bagian xref"));
            }
            let trailer = reader.section(offset)?;
            // A hybrid file's cross-reference stream belongs to the same section.
            if let Some(Obj::Int(stream)) = key(&trailer, "XRefStm") {
                let at = usize::try_from(*stream).map_err(|_| Malformed("/XRefStm"))?;
                if seen.insert(at) {
                    reader.section(at)?;
                }
            }
            next = match key(&trailer, "Prev") {
                Some(Obj::Int(prev)) => {
                    Some(usize::try_from(*prev).map_err(|_| Malformed("/Prev"))?)
                }
                None => None,
                Some(_) => return Err(Malformed("/Prev bukan bilangan")),
            };
            if newest {
                reader.trailer = trailer;
                newest = false;
            }
        }
        Ok(reader)
    }

    /// The offset after the last `startxref` in the file's final KiB.
    fn startxref(&self) -> Result<usize> {
        let tail_start = self.pdf.len().saturating_sub(1024);
        let tail = &self.pdf[tail_start..];
        let at = tail
            .windows(9)
            .rposition(|w| w == b"startxref")
            .ok_or(Malformed("tanpa startxref"))?;
        let mut lexer = Lexer::new(self.pdf, tail_start + at + 9);
        match lexer.token()? {
            Token::Int(offset) => usize::try_from(offset).map_err(|_| Malformed("startxref")),
            _ => Err(Malformed("startxref bukan bilangan")),
        }
    }

    /// Reads the cross-reference section at `offset` (a table or a stream), adding the entries
    /// not already known (newer sections are read first); returns its trailer dictionary.
    fn section(&mut self, offset: usize) -> Result<Dict> {
        if self.pdf.get(offset..offset + 4) == Some(b"xref") {
            self.table(offset + 4)
        } else {
            let (_, obj) = self.indirect_at(offset, None)?;
            let Obj::Stream(dict, raw) = obj else {
                return Err(Malformed("startxref tidak menunjuk xref"));
            };
            if key(&dict, "Type") != Some(&Obj::Name(b"XRef".to_vec())) {
                return Err(Malformed("startxref tidak menunjuk xref"));
            }
            self.xref_stream(&dict, raw)?;
            Ok(dict)
        }
    }

    fn add(&mut self, number: u32, location: Location) {
        self.xref.entry(number).or_insert(location);
    }

    fn table(&mut self, offset: usize) -> Result<Dict> {
        let mut lexer = Lexer::new(self.pdf, offset);
        loop {
            match lexer.token()? {
                Token::Keyword(word) if word == b"trailer" => break,
                Token::Int(start) => {
                    let Token::Int(count) = lexer.token()? else {
                        return Err(Malformed("subbagian xref"));
                    };
                    let start = u32::try_from(start).map_err(|_| Malformed("nomor objek"))?;
                    let count = u32::try_from(count).map_err(|_| Malformed("jumlah xref"))?;
                    for number in start..start.checked_add(count).ok_or(Malformed("xref"))? {
                        let (Token::Int(at), Token::Int(_), Token::Keyword(kind)) =
                            (lexer.token()?, lexer.token()?, lexer.token()?)
                        else {
                            return Err(Malformed("baris xref"));
                        };
                        let location = match kind.as_slice() {
                            b"n" => Location::At(
                                usize::try_from(at).map_err(|_| Malformed("offset xref"))?,
                            ),
                            b"f" => Location::Free,
                            _ => return Err(Malformed("baris xref")),
                        };
                        self.add(number, location);
                    }
                }
                _ => return Err(Malformed("tabel xref")),
            }
        }
        self.scanned += lexer.at - offset;
        match lexer.object(0)? {
            Obj::Dict(trailer) => Ok(trailer),
            _ => Err(Malformed("trailer bukan kamus")),
        }
    }

    fn xref_stream(&mut self, dict: &Dict, raw: std::ops::Range<usize>) -> Result<()> {
        let widths = match key(dict, "W") {
            Some(Obj::Array(w)) if w.len() == 3 => w
                .iter()
                .map(|w| match w {
                    Obj::Int(n @ 0..=8) => Ok(*n as usize),
                    _ => Err(Malformed("/W")),
                })
                .collect::<Result<Vec<_>>>()?,
            _ => return Err(Malformed("/W")),
        };
        let size = match key(dict, "Size") {
            Some(Obj::Int(n)) if *n >= 0 => *n,
            _ => return Err(Malformed("/Size")),
        };
        let index = match key(dict, "Index") {
            None => vec![0, size],
            Some(Obj::Array(list)) if list.len() % 2 == 0 => list
                .iter()
                .map(|n| match n {
                    Obj::Int(n) if *n >= 0 => Ok(*n),
                    _ => Err(Malformed("/Index")),
                })
                .collect::<Result<Vec<_>>>()?,
            _ => return Err(Malformed("/Index")),
        };
        let data = self.decode(dict, raw, limits::INFLATED)?;
        let row: usize = widths.iter().sum();
        let field = |bytes: &[u8]| bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
        let mut rows = data.chunks_exact(row.max(1));
        for pair in index.chunks(2) {
            let start = u32::try_from(pair[0]).map_err(|_| Malformed("/Index"))?;
            for k in 0..pair[1] {
                let entry = rows.next().ok_or(Malformed("xref stream terlalu pendek"))?;
                let number =
                    u32::try_from(i64::from(start) + k).map_err(|_| Malformed("/Index"))?;
                let (a, rest) = entry.split_at(widths[0]);
                let (b, c) = rest.split_at(widths[1]);
                let kind = if widths[0] == 0 { 1 } else { field(a) };
                let location = match kind {
                    0 => Location::Free,
                    1 => Location::At(usize::try_from(field(b)).map_err(|_| Malformed("offset"))?),
                    2 => Location::InStream {
                        stream: u32::try_from(field(b)).map_err(|_| Malformed("objstm"))?,
                        index: usize::try_from(field(c)).map_err(|_| Malformed("objstm"))?,
                    },
                    _ => continue, // reserved types are to be ignored (ISO 32000-1 7.5.8.3)
                };
                self.add(number, location);
            }
        }
        Ok(())
    }

    /// The trailer's `/Root`.
    fn trailer_root(&self) -> Result<Obj> {
        match key(&self.trailer, "Root") {
            Some(root @ Obj::Ref(_)) => Ok(root.clone()),
            _ => Err(Malformed("trailer tanpa /Root")),
        }
    }

    /// `obj` as a dictionary, following a reference.
    fn dict(&mut self, obj: &Obj) -> Result<Dict> {
        match obj {
            Obj::Dict(dict) => Ok(dict.clone()),
            Obj::Ref(number) => match self.object(*number)? {
                Obj::Dict(dict) => Ok(dict),
                _ => Err(Malformed("yang dirujuk bukan kamus")),
            },
            _ => Err(Malformed("bukan kamus")),
        }
    }

    /// `obj` itself, or the object it refers to.
    fn resolve(&mut self, obj: &Obj) -> Result<Obj> {
        match obj {
            Obj::Ref(number) => self.object(*number),
            other => Ok(other.clone()),
        }
    }

    /// Indirect object `number`, as the cross-reference sections place it.
    fn object(&mut self, number: u32) -> Result<Obj> {
        if let Some(obj) = self.cache.get(&number) {
            return Ok(obj.clone());
        }
        self.objects += 1;
        if self.objects > limits::OBJECTS {
            return Err(PdfError::TooMuchWork("objek"));
        }
        if !self.resolving.insert(number) {
            return Err(Malformed("objek merujuk dirinya sendiri"));
        }
        let obj = match self.xref.get(&number).copied() {
            None | Some(Location::Free) => Obj::Null,
            Some(Location::At(offset)) => self.indirect_at(offset, Some(number))?.1,
            Some(Location::InStream { stream, index }) => self.in_stream(stream, index, number)?,
        };
        self.resolving.remove(&number);
        self.cache.insert(number, obj.clone());
        Ok(obj)
    }

    /// The indirect object `n g obj … endobj` at `offset` (which must be `expected`).
    fn indirect_at(&mut self, offset: usize, expected: Option<u32>) -> Result<(u32, Obj)> {
        let mut lexer = Lexer::new(self.pdf, offset);
        let (Token::Int(number), Token::Int(_), Token::Keyword(word)) =
            (lexer.token()?, lexer.token()?, lexer.token()?)
        else {
            return Err(Malformed("xref tidak menunjuk objek"));
        };
        let number = u32::try_from(number).map_err(|_| Malformed("nomor objek"))?;
        if word != b"obj" || expected.is_some_and(|n| n != number) {
            return Err(Malformed("xref tidak menunjuk objek itu"));
        }
        let value = lexer.object(0)?;
        let value = match value {
            Obj::Dict(dict) if lexer.peek_keyword(b"stream") => {
                lexer.keyword(b"stream")?;
                // The data starts after CRLF or LF.
                if lexer.bytes.get(lexer.at) == Some(&b'\r') {
                    lexer.at += 1;
                }
                if lexer.bytes.get(lexer.at) != Some(&b'\n') {
                    return Err(Malformed("stream tanpa akhir baris"));
                }
                lexer.at += 1;
                let length = match key(&dict, "Length") {
                    Some(Obj::Int(n)) => *n,
                    Some(Obj::Ref(r)) => match self.object(*r)? {
                        Obj::Int(n) => n,
                        _ => return Err(Malformed("/Length")),
                    },
                    _ => return Err(Malformed("/Length")),
                };
                let length = usize::try_from(length).map_err(|_| Malformed("/Length"))?;
                let start = lexer.at;
                let end = start
                    .checked_add(length)
                    .filter(|end| *end <= self.pdf.len())
                    .ok_or(Malformed("/Length melewati akhir berkas"))?;
                lexer.at = end;
                lexer.keyword(b"endstream")?;
                Obj::Stream(dict, start..end)
            }
            other => other,
        };
        lexer.keyword(b"endobj")?;
        self.scanned += lexer.at - offset;
        if self.scanned > limits::SCANNED {
            return Err(PdfError::TooMuchWork("bita dibaca"));
        }
        Ok((number, value))
    }

    /// Object `number`, the `index`-th of object stream `stream`.
    fn in_stream(&mut self, stream: u32, index: usize, number: u32) -> Result<Obj> {
        if !self.streams.contains_key(&stream) {
            let (dict, raw) = match self.xref.get(&stream).copied() {
                Some(Location::At(offset)) => match self.indirect_at(offset, Some(stream))?.1 {
                    Obj::Stream(dict, raw) => (dict, raw),
                    _ => return Err(Malformed("object stream bukan stream")),
                },
                _ => return Err(Malformed("object stream tidak ada")),
            };
            if key(&dict, "Type") != Some(&Obj::Name(b"ObjStm".to_vec())) {
                return Err(Malformed("object stream tanpa /Type /ObjStm"));
            }
            let (Some(Obj::Int(n)), Some(Obj::Int(first))) = (key(&dict, "N"), key(&dict, "First"))
            else {
                return Err(Malformed("object stream tanpa /N atau /First"));
            };
            let data = self.decode(&dict, raw, limits::INFLATED)?;
            let first = usize::try_from(*first)
                .ok()
                .filter(|f| *f <= data.len())
                .ok_or(Malformed("/First"))?;
            // Each pair takes at least four bytes: /N cannot claim more than the header holds.
            let n = usize::try_from(*n)
                .ok()
                .filter(|n| n.saturating_mul(4) <= first)
                .ok_or(Malformed("/N"))?;
            let mut lexer = Lexer::new(&data[..first], 0);
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let (Token::Int(num), Token::Int(at)) = (lexer.token()?, lexer.token()?) else {
                    return Err(Malformed("kepala object stream"));
                };
                let num = u32::try_from(num).map_err(|_| Malformed("kepala object stream"))?;
                let at = usize::try_from(at).map_err(|_| Malformed("kepala object stream"))?;
                pairs.push((num, first.checked_add(at).ok_or(Malformed("offset"))?));
            }
            self.scanned += first;
            self.streams.insert(stream, ObjectStream { data, pairs });
        }
        let ObjectStream { data, pairs } = &self.streams[&stream];
        let &(listed, at) = pairs.get(index).ok_or(Malformed("indeks object stream"))?;
        if listed != number || at > data.len() {
            return Err(Malformed("object stream tidak memuat objek itu"));
        }
        let mut lexer = Lexer::new(data, at);
        let obj = lexer.object(0)?;
        self.scanned += lexer.at - at;
        if self.scanned > limits::SCANNED {
            return Err(PdfError::TooMuchWork("bita dibaca"));
        }
        if matches!(obj, Obj::Stream(..)) {
            return Err(Malformed("stream di dalam object stream"));
        }
        Ok(obj)
    }

    /// A stream's bytes: raw, or Flate-decoded (with a PNG predictor) within `most` bytes.
    fn decode(&mut self, dict: &Dict, raw: std::ops::Range<usize>, most: usize) -> Result<Vec<u8>> {
        let raw = &self.pdf[raw];
        let filter = match key(dict, "Filter") {
            None => None,
            Some(Obj::Name(name)) => Some(name.clone()),
            Some(Obj::Array(list)) => match list.as_slice() {
                [] => None,
                [Obj::Name(name)] => Some(name.clone()),
                _ => return Err(Malformed("filter stream tidak didukung")),
            },
            Some(_) => return Err(Malformed("/Filter")),
        };
        let data = match filter.as_deref() {
            None => raw.to_vec(),
            Some(b"FlateDecode") => {
                let room = most.min(limits::INFLATED - self.inflated);
                let data = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(raw, room)
                    .map_err(|e| match e.status {
                        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                            PdfError::TooMuchWork("isi stream terlalu besar")
                        }
                        _ => Malformed("isi stream Flate rusak"),
                    })?;
                self.inflated += data.len();
                data
            }
            Some(_) => return Err(Malformed("filter stream tidak didukung")),
        };
        if data.len() > most {
            return Err(PdfError::TooMuchWork("isi stream terlalu besar"));
        }
        let params = match key(dict, "DecodeParms") {
            None | Some(Obj::Null) => return Ok(data),
            Some(Obj::Array(list)) if list.len() == 1 => self.resolve(&list[0])?,
            Some(other) => self.resolve(&other.clone())?,
        };
        let Obj::Dict(params) = params else {
            return Ok(data);
        };
        match key(&params, "Predictor") {
            None | Some(Obj::Int(1)) => Ok(data),
            Some(Obj::Int(10..=15)) => {
                let columns = match key(&params, "Columns") {
                    None => 1,
                    Some(Obj::Int(c @ 1..=65536)) => *c as usize,
                    _ => return Err(Malformed("/Columns")),
                };
                for (name, default) in [("Colors", 1), ("BitsPerComponent", 8)] {
                    match key(&params, name) {
                        None => {}
                        Some(Obj::Int(n)) if *n == default => {}
                        _ => return Err(Malformed("prediktor tidak didukung")),
                    }
                }
                unpredict_png(&data, columns)
            }
            Some(_) => Err(Malformed("prediktor tidak didukung")),
        }
    }

    /// Collects the values named [`PDF_ATTACHMENT`] in name-tree node `node` and its kids.
    fn name_tree(
        &mut self,
        node: &Obj,
        depth: usize,
        walk: &mut Walk,
        out: &mut Vec<Obj>,
    ) -> Result<()> {
        if depth > limits::TREE_DEPTH {
            return Err(PdfError::TooMuchWork("pohon nama terlalu dalam"));
        }
        walk.nodes += 1;
        if walk.nodes > limits::TREE_NODES {
            return Err(PdfError::TooMuchWork("simpul pohon nama"));
        }
        if let Obj::Ref(number) = node {
            if !walk.seen.insert(*number) {
                return Err(Malformed("pohon nama memuat simpul yang sama dua kali"));
            }
        }
        let dict = self.dict(node)?;
        if let Some(names) = key(&dict, "Names") {
            let Obj::Array(names) = self.resolve(names)? else {
                return Err(Malformed("/Names pohon nama bukan larik"));
            };
            if !names.len().is_multiple_of(2) {
                return Err(Malformed("/Names pohon nama ganjil"));
            }
            for pair in names.chunks(2) {
                let Obj::Str(name) = self.resolve(&pair[0])? else {
                    return Err(Malformed("nama di pohon nama bukan string"));
                };
                if text_string(&name).as_deref() == Some(PDF_ATTACHMENT) {
                    out.push(pair[1].clone());
                }
            }
        }
        if let Some(kids) = key(&dict, "Kids") {
            let Obj::Array(kids) = self.resolve(kids)? else {
                return Err(Malformed("/Kids bukan larik"));
            };
            for kid in &kids {
                if !matches!(kid, Obj::Ref(_)) {
                    return Err(Malformed("/Kids harus berisi rujukan"));
                }
                self.name_tree(kid, depth + 1, walk, out)?;
            }
        }
        Ok(())
    }
}

/// Undoes the PNG predictors (ISO 32000-1 7.4.4.4) on rows of `columns` bytes.
fn unpredict_png(data: &[u8], columns: usize) -> Result<Vec<u8>> {
    let stride = columns + 1;
    if !data.len().is_multiple_of(stride) {
        return Err(Malformed("data prediktor"));
    }
    let mut out = Vec::with_capacity(data.len() / stride * columns);
    let mut previous = vec![0u8; columns];
    for row in data.chunks_exact(stride) {
        let mut current = row[1..].to_vec();
        for i in 0..columns {
            let left = if i > 0 { current[i - 1] } else { 0 };
            let up = previous[i];
            let corner = if i > 0 { previous[i - 1] } else { 0 };
            let add = match row[0] {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, corner),
                _ => return Err(Malformed("prediktor PNG tidak dikenal")),
            };
            current[i] = current[i].wrapping_add(add);
        }
        out.extend_from_slice(&current);
        previous = current;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// A PDF text string as text: UTF-16BE or UTF-8 with their marks; otherwise PDFDocEncoding,
/// read here only where it agrees with ASCII (the attachment's name is ASCII).
fn text_string(bytes: &[u8]) -> Option<String> {
    if let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        if !utf16.len().is_multiple_of(2) {
            return None;
        }
        let units = utf16.chunks(2).map(|p| u16::from_be_bytes([p[0], p[1]]));
        return char::decode_utf16(units)
            .collect::<std::result::Result<String, _>>()
            .ok();
    }
    if let Some(utf8) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(utf8.to_vec()).ok();
    }
    bytes
        .iter()
        .all(u8::is_ascii)
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// A token of PDF syntax.
#[derive(Debug)]
enum Token {
    Int(i64),
    Real,
    Name(Vec<u8>),
    Str(Vec<u8>),
    Keyword(Vec<u8>),
    ArrayOpen,
    ArrayClose,
    DictOpen,
    DictClose,
}

struct Lexer<'b> {
    bytes: &'b [u8],
    at: usize,
}

fn is_white(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

impl<'b> Lexer<'b> {
    fn new(bytes: &'b [u8], at: usize) -> Lexer<'b> {
        Lexer { bytes, at }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.at += 1;
            } else if b == b'%' {
                while !matches!(self.peek(), None | Some(b'\r' | b'\n')) {
                    self.at += 1;
                }
            } else {
                break;
            }
        }
    }

    fn peek_keyword(&mut self, word: &[u8]) -> bool {
        let at = self.at;
        let found = matches!(self.token(), Ok(Token::Keyword(w)) if w == word);
        self.at = at;
        found
    }

    fn keyword(&mut self, word: &[u8]) -> Result<()> {
        match self.token()? {
            Token::Keyword(w) if w == word => Ok(()),
            _ => Err(Malformed("kata kunci PDF yang diharapkan tidak ada")),
        }
    }

    fn token(&mut self) -> Result<Token> {
        self.skip_space();
        let b = self
            .peek()
            .ok_or(Malformed("berkas berakhir di tengah objek"))?;
        self.at += 1;
        match b {
            b'[' => Ok(Token::ArrayOpen),
            b']' => Ok(Token::ArrayClose),
            b'<' if self.peek() == Some(b'<') => {
                self.at += 1;
                Ok(Token::DictOpen)
            }
            b'>' if self.peek() == Some(b'>') => {
                self.at += 1;
                Ok(Token::DictClose)
            }
            b'<' => self.hex_string(),
            b'(' => self.literal_string(),
            b'/' => {
                let mut name = Vec::new();
                while let Some(c) = self.peek().filter(|c| is_regular(*c)) {
                    self.at += 1;
                    if c == b'#' {
                        let hex = self
                            .bytes
                            .get(self.at..self.at + 2)
                            .ok_or(Malformed("nama"))?;
                        let text = std::str::from_utf8(hex).map_err(|_| Malformed("nama"))?;
                        name.push(u8::from_str_radix(text, 16).map_err(|_| Malformed("nama"))?);
                        self.at += 2;
                    } else {
                        name.push(c);
                    }
                }
                Ok(Token::Name(name))
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => {
                let start = self.at - 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || c == b'.') {
                    self.at += 1;
                }
                let text = std::str::from_utf8(&self.bytes[start..self.at])
                    .map_err(|_| Malformed("angka"))?;
                if text.contains('.') {
                    return Ok(Token::Real);
                }
                // Within 2^53 − 1, as the page's reader holds integers.
                text.parse::<i64>()
                    .ok()
                    .filter(|n| n.unsigned_abs() <= crate::strict_json::MAX_SAFE_INTEGER)
                    .map(Token::Int)
                    .ok_or(Malformed("angka"))
            }
            c if is_regular(c) => {
                let start = self.at - 1;
                while self.peek().is_some_and(is_regular) {
                    self.at += 1;
                }
                Ok(Token::Keyword(self.bytes[start..self.at].to_vec()))
            }
            _ => Err(Malformed("sintaks PDF")),
        }
    }

    fn hex_string(&mut self) -> Result<Token> {
        let mut digits = Vec::new();
        loop {
            let b = self.peek().ok_or(Malformed("string heksadesimal"))?;
            self.at += 1;
            match b {
                b'>' => break,
                b if is_white(b) => {}
                b if b.is_ascii_hexdigit() => digits.push(b),
                _ => return Err(Malformed("string heksadesimal")),
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(b'0');
        }
        let bytes = digits
            .chunks(2)
            .map(|p| {
                let text = std::str::from_utf8(p).unwrap_or("00");
                u8::from_str_radix(text, 16).unwrap_or(0)
            })
            .collect();
        Ok(Token::Str(bytes))
    }

    fn literal_string(&mut self) -> Result<Token> {
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let b = self.peek().ok_or(Malformed("string tanpa penutup"))?;
            self.at += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(Token::Str(out));
                    }
                    out.push(b);
                }
                b'\\' => {
                    let e = self.peek().ok_or(Malformed("string tanpa penutup"))?;
                    self.at += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut value = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        value = value * 8 + u32::from(d - b'0');
                                        self.at += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((value & 0xFF) as u8);
                        }
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.at += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                b'\r' => {
                    if self.peek() == Some(b'\n') {
                        self.at += 1;
                    }
                    out.push(b'\n');
                }
                other => out.push(other),
            }
        }
    }

    /// One object (a reference `n g R` included), nested at most [`limits::NESTING`] deep.
    fn object(&mut self, depth: usize) -> Result<Obj> {
        if depth > limits::NESTING {
            return Err(PdfError::TooMuchWork("objek bersarang terlalu dalam"));
        }
        match self.token()? {
            Token::Int(n) => {
                let at = self.at;
                if let (Ok(Token::Int(_)), Ok(Token::Keyword(r))) = (self.token(), self.token()) {
                    if r == b"R" {
                        let number = u32::try_from(n).map_err(|_| Malformed("rujukan"))?;
                        return Ok(Obj::Ref(number));
                    }
                }
                self.at = at;
                Ok(Obj::Int(n))
            }
            Token::Real => Ok(Obj::Real),
            Token::Name(name) => Ok(Obj::Name(name)),
            Token::Str(s) => Ok(Obj::Str(s)),
            Token::Keyword(word) => match word.as_slice() {
                b"null" => Ok(Obj::Null),
                b"true" | b"false" => Ok(Obj::Bool),
                _ => Err(Malformed("kata kunci di tempat nilai")),
            },
            Token::ArrayOpen => {
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.peek() == Some(b']') {
                        self.at += 1;
                        return Ok(Obj::Array(items));
                    }
                    items.push(self.object(depth + 1)?);
                }
            }
            Token::DictOpen => {
                let mut dict = Dict::new();
                loop {
                    match self.token()? {
                        Token::DictClose => return Ok(Obj::Dict(dict)),
                        Token::Name(name) => {
                            let value = self.object(depth + 1)?;
                            // Readers differ on which of two values to take: refuse.
                            if dict.insert(name, value).is_some() {
                                return Err(Malformed("kamus PDF menyebut satu kunci dua kali"));
                            }
                        }
                        _ => return Err(Malformed("kunci kamus bukan nama")),
                    }
                }
            }
            Token::ArrayClose | Token::DictClose => Err(Malformed("sintaks PDF")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictors_and_text_strings() {
        // Two rows of three columns, the second with the Up predictor.
        let data = [0, 1, 2, 3, 2, 1, 1, 1];
        assert_eq!(unpredict_png(&data, 3).unwrap(), vec![1, 2, 3, 2, 3, 4]);
        assert_eq!(
            text_string(b"bukti-ikrar.json").as_deref(),
            Some(PDF_ATTACHMENT)
        );
        let utf16: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(PDF_ATTACHMENT.bytes().flat_map(|b| [0, b]))
            .collect();
        assert_eq!(text_string(&utf16).as_deref(), Some(PDF_ATTACHMENT));
    }

    #[test]
    fn literal_strings_unescape() {
        let mut lexer = Lexer::new(b"(a\\(b\\)c\\142\\\n(d))", 0);
        match lexer.token().unwrap() {
            Token::Str(s) => assert_eq!(s, b"a(b)cb(d)"),
            other => panic!("{other:?}"),
        }
    }
}
