//! The offline verifier (docs/FORMATS.md, "Export bundle"): one streaming pass over a bundle that
//! checks the checkpoint signature, every entry and log rule, the root, the pact texts, the claimed
//! counts and, given an older checkpoint, that the log only grew since. Employee signatures are
//! checked in Ed25519 batches on every core while the next entries are read.

use crate::batch;
use crate::bundle::{EntryLine, Header, BUNDLE_FORMAT};
use crate::cosignature::WitnessKey;
use crate::entry::Entry;
use crate::finding::Finding;
use crate::merkle::{leaf_hash, StreamingRoot};
use crate::note::{Checkpoint, LogVerifier};
use crate::strict_json;
use crate::values::Sha256Digest;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;

/// Signatures per batch handed to a worker.
const BATCH: usize = 2048;

/// What to check besides the bundle itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A checkpoint kept from earlier: the bundle's log must extend it.
    pub since: Option<String>,
    /// The log key the auditor trusts; without it the bundle's own key is used.
    pub log_key: Option<String>,
    /// Worker threads for signature checks (0: one per core).
    pub threads: usize,
    /// Witnesses whose cosignatures the checkpoint must carry ([`Witnesses`]).
    pub witnesses: Witnesses,
}

/// Witnesses an auditor trusts, and how many of them must have cosigned.
#[derive(Debug, Clone, Default)]
pub struct Witnesses {
    pub keys: Vec<WitnessKey>,
    /// How many must have cosigned (default: all given).
    pub min: Option<usize>,
}

impl Witnesses {
    /// The names of the witnesses whose valid cosignature `checkpoint` carries.
    pub fn cosigned(&self, checkpoint: &str) -> Vec<String> {
        self.keys
            .iter()
            .filter(|key| key.cosigned_at(checkpoint).is_some())
            .map(|key| key.name().to_owned())
            .collect()
    }

    /// Whether `checkpoint` carries enough valid cosignatures; otherwise the names of those
    /// missing, for the finding.
    pub fn check(&self, checkpoint: &str) -> Result<(), String> {
        let need = self.min.unwrap_or(self.keys.len()).min(self.keys.len());
        let missing: Vec<&str> = self
            .keys
            .iter()
            .filter(|key| key.cosigned_at(checkpoint).is_none())
            .map(WitnessKey::name)
            .collect();
        if self.keys.len() - missing.len() >= need {
            Ok(())
        } else {
            Err(format!(
                "checkpoint tidak membawa cosignature sah dari {need} saksi yang dipercaya; tidak ada dari: {}",
                missing.join(", ")
            ))
        }
    }
}

/// One thing wrong, with the entry it concerns where there is one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fault {
    pub index: Option<u64>,
    pub code: Finding,
    pub message: String,
}

/// What the verifier found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    pub origin: String,
    /// Whether the auditor gave the log key; otherwise the bundle's own key was taken, which
    /// proves the bundle whole but not whose log it is.
    pub log_key_pinned: bool,
    pub checkpoint_size: Option<u64>,
    pub entries: u64,
    pub pacts: u64,
    pub keys: u64,
    pub signatures: u64,
    /// Signatures per (pact, unit), as recomputed from the entries.
    pub counts: BTreeMap<String, BTreeMap<String, u64>>,
    /// Signatures made with a key that replaced an earlier one of the same NIP (after a code
    /// reset), by unit: entry indexes for auditors to follow up. Not a fault.
    pub replaced_keys: BTreeMap<String, Vec<u64>>,
    pub since_size: Option<u64>,
    /// The trusted witnesses (`--witness`) whose cosignature the checkpoint carries.
    pub witnessed: Vec<String>,
    pub faults: Vec<Fault>,
}

impl Summary {
    /// Whether everything held.
    pub fn is_valid(&self) -> bool {
        self.faults.is_empty()
    }

    /// A bundle judged on its header's one strict-JSON finding: nothing else can be read.
    fn refused(options: &Options, code: Finding, detail: String) -> Summary {
        Summary {
            log_key_pinned: options.log_key.is_some(),
            faults: vec![Fault {
                index: None,
                code,
                message: format!("header: {detail}"),
            }],
            ..Summary::default()
        }
    }
}

/// The bundle could not be read at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    #[error("tidak dapat membaca bundle: {0}")]
    Io(#[from] std::io::Error),
    #[error("berkas ini bukan bundle ekspor ikrar (baris pertamanya bukan JSON); pilih berkas .jsonl hasil `ikrar export bundle`")]
    NotBundle,
    /// A receipt (its JSON, or a PDF bukti) given where a bundle belongs.
    #[error("berkas ini adalah bukti satu tanda tangan, bukan bundle ekspor; periksa dengan `ikrar verify-receipt BERKAS` (atau `ikrar-verify receipt BERKAS`)")]
    Receipt,
    #[error("baris pertama bukan header bundle yang sah: {0}")]
    Header(String),
    #[error("format bundle tidak dikenal: {0}")]
    Format(String),
    #[error("checkpoint --since tidak dapat dibaca: {0}")]
    Since(String),
}

/// Whether the first line is a receipt's: a PDF bukti, or the receipt's JSON (its `format`).
fn is_receipt(first: &str) -> bool {
    first.starts_with("%PDF-")
        || serde_json::from_str::<serde_json::Value>(first)
            .is_ok_and(|v| v["format"] == crate::receipt::RECEIPT_FORMAT)
}

/// A signature waiting to be checked.
struct Job {
    index: u64,
    /// The entry; the signed message is its first `message_len` bytes.
    entry: String,
    message_len: usize,
    signature: [u8; 64],
    key: [u8; 32],
}

impl Job {
    fn message(&self) -> &[u8] {
        &self.entry.as_bytes()[..self.message_len]
    }
}

/// Verifies a bundle read from `input`; `progress` is told how many entries were read.
pub fn verify_bundle(
    input: impl BufRead,
    options: &Options,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, Unreadable> {
    verify_with(input, options, progress, check_batch)
}

/// [`verify_bundle`] with the batch check given: the bad indexes of a batch. A worker that
/// panics makes the whole verification panic with it, instead of passing its batches
/// unchecked.
fn verify_with(
    mut input: impl BufRead,
    options: &Options,
    progress: &mut dyn FnMut(u64),
    check: fn(&[Job]) -> Vec<u64>,
) -> Result<Summary, Unreadable> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    let first = line.trim_end_matches('\n');
    if is_receipt(first) {
        return Err(Unreadable::Receipt);
    }
    if let Err(fault) = strict_json::check(first) {
        // Two readers could take different values from such a header: a finding, and no more.
        return match fault.code() {
            Some(code) => Ok(Summary::refused(options, code, fault.detail())),
            None => Err(Unreadable::NotBundle),
        };
    }
    let header: Header =
        serde_json::from_str(first).map_err(|e| Unreadable::Header(e.to_string()))?;
    if header.format != BUNDLE_FORMAT {
        return Err(Unreadable::Format(header.format));
    }
    let mut state = State::new(&header);
    state.summary.log_key_pinned = options.log_key.is_some();
    let (checkpoint, verifier) = state.open_checkpoint(&header, options);
    let since = match (&options.since, &verifier) {
        (Some(text), Some(verifier)) => Some(
            verifier
                .open(text)
                .map_err(|e| Unreadable::Since(e.to_string()))?,
        ),
        (Some(_), None) => return Err(Unreadable::Since("kunci log tidak sah".into())),
        (None, _) => None,
    };
    if let (Some(old), Some(new)) = (&since, &checkpoint) {
        if old.size > new.size {
            state.fault(
                None,
                Finding::SinceShrunk,
                format!(
                    "log menyusut: checkpoint lama berukuran {}, bundle hanya {}",
                    old.size, new.size
                ),
            );
        }
    }
    state.summary.since_size = since.as_ref().map(|c| c.size);
    if checkpoint.is_some() && !options.witnesses.keys.is_empty() {
        state.summary.witnessed = options.witnesses.cosigned(&header.checkpoint);
        if let Err(message) = options.witnesses.check(&header.checkpoint) {
            state.fault(None, Finding::WitnessMissing, message);
        }
    }
    if let Some(checkpoint) = &checkpoint {
        state.reserve(checkpoint.size);
    }
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };

    let bad_signatures = std::thread::scope(|scope| -> Result<Vec<u64>, Unreadable> {
        let (job_tx, job_rx) = crossbeam_channel::bounded::<Vec<Job>>(threads * 2);
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let job_rx = job_rx.clone();
                scope.spawn(move || {
                    job_rx
                        .iter()
                        .flat_map(|batch| check(&batch))
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        drop(job_rx);
        let mut pending = Vec::with_capacity(BATCH);
        let expected = checkpoint.as_ref().map(|c| c.size);
        let mut read_error = None;
        loop {
            line.clear();
            match input.read_line(&mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
            let n = state.root.size();
            if expected.is_some_and(|size| n >= size) {
                state.fault(
                    Some(n),
                    Finding::ExtraLines,
                    "ada baris setelah entri terakhir checkpoint".into(),
                );
                break;
            }
            if let Some(job) = state.entry(line.trim_end_matches('\n')) {
                pending.push(job);
                if pending.len() == BATCH {
                    let full = std::mem::replace(&mut pending, Vec::with_capacity(BATCH));
                    // Fails only when every worker is gone: their panic is raised below.
                    if job_tx.send(full).is_err() {
                        break;
                    }
                }
            }
            if let Some(old) = since.as_ref().filter(|old| old.size == state.root.size()) {
                state.check_since(old);
            }
            if state.root.size().is_multiple_of(4096) {
                progress(state.root.size());
            }
        }
        if !pending.is_empty() {
            let _ = job_tx.send(pending);
        }
        drop(job_tx);
        let mut bad = Vec::new();
        for worker in workers {
            // A worker that panicked left batches unchecked: no verdict can be given, so its
            // panic goes on to the caller rather than a summary that would pass them.
            match worker.join() {
                Ok(found) => bad.extend(found),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        progress(state.root.size());
        match read_error {
            Some(e) => Err(Unreadable::Io(e)),
            None => Ok(bad),
        }
    })?;
    for index in bad_signatures {
        state.fault(
            Some(index),
            Finding::SignatureInvalid,
            "tanda tangan pegawai tidak sah".into(),
        );
    }
    state.finish(&header, checkpoint.as_ref(), since.as_ref());
    let mut summary = state.summary;
    summary.faults.sort_by_key(|f| (f.index.is_none(), f.index));
    Ok(summary)
}

/// The indexes of the bad signatures of a batch ([`crate::batch`]: each R and key decompressed
/// once, here on the workers, not on the reading thread).
fn check_batch(batch: &[Job]) -> Vec<u64> {
    let items: Vec<batch::Item> = batch
        .iter()
        .map(|job| batch::Item {
            key: &job.key,
            signature: &job.signature,
            message: job.message(),
        })
        .collect();
    batch::invalid(&items)
        .into_iter()
        .map(|position| batch[position].index)
        .collect()
}

/// What the reading so far has established.
/// Memory stays small for millions of employees: a NIP is kept as the number it is, a pact as
/// its position in `pacts`.
struct State {
    root: StreamingRoot,
    /// pact id → (sha256, title, number)
    pacts: HashMap<String, (Sha256Digest, String, u32)>,
    /// NIP → (public key, time of its key entry in Unix seconds, how many keys the NIP has had)
    keys: HashMap<u64, ([u8; 32], i64, u32)>,
    /// (pact number, NIP) of every signature so far
    signed: HashSet<(u32, u64)>,
    summary: Summary,
}

impl State {
    fn new(header: &Header) -> State {
        State {
            root: StreamingRoot::default(),
            pacts: HashMap::new(),
            keys: HashMap::new(),
            signed: HashSet::new(),
            summary: Summary {
                origin: header.origin.clone(),
                ..Summary::default()
            },
        }
    }

    /// Sizes the tables once for a log of `size` entries (at most one key and one signature per
    /// two entries), so they never hold an old and a new copy while growing. Capped, so that a
    /// forged size cannot make the verifier allocate without bound.
    fn reserve(&mut self, size: u64) {
        let expected = (size / 2).min(4_000_000) as usize;
        self.keys.reserve(expected);
        self.signed.reserve(expected);
    }

    fn fault(&mut self, index: Option<u64>, code: Finding, message: String) {
        self.summary.faults.push(Fault {
            index,
            code,
            message,
        });
    }

    /// Opens the bundle's checkpoint with the trusted key; faults where it fails.
    fn open_checkpoint(
        &mut self,
        header: &Header,
        options: &Options,
    ) -> (Option<Checkpoint>, Option<LogVerifier>) {
        let key = options
            .log_key
            .as_deref()
            .map_or(header.log_key.as_str(), str::trim);
        if key != header.log_key {
            self.fault(
                None,
                Finding::LogKeyMismatch,
                "kunci log di bundle berbeda dengan kunci yang dipercaya".into(),
            );
        }
        let verifier = match LogVerifier::new(key) {
            Ok(v) => v,
            Err(e) => {
                self.fault(None, e.code(), e.to_string());
                return (None, None);
            }
        };
        let checkpoint = match verifier.open(&header.checkpoint) {
            Ok(c) => c,
            Err(e) => {
                self.fault(None, e.code(), e.to_string());
                return (None, Some(verifier));
            }
        };
        if checkpoint.origin != header.origin {
            self.fault(
                None,
                Finding::OriginMismatch,
                format!(
                    "origin header ({}) berbeda dengan checkpoint ({})",
                    header.origin, checkpoint.origin
                ),
            );
        }
        self.summary.checkpoint_size = Some(checkpoint.size);
        (Some(checkpoint), Some(verifier))
    }

    /// Reads one entry line: tree, form and log rules. Returns the signature to check, if any.
    fn entry(&mut self, line: &str) -> Option<Job> {
        let n = self.root.size();
        self.summary.entries += 1;
        // serde refuses a key given twice and a fraction where the index belongs; the strict
        // scan, needed only then or for an index beyond 2^53 − 1, says which rule broke.
        let parsed: Result<EntryLine, String> = match serde_json::from_str::<EntryLine>(line) {
            Ok(parsed) if parsed.index <= strict_json::MAX_SAFE_INTEGER => Ok(parsed),
            Ok(_) => Err(String::new()),
            Err(e) => Err(e.to_string()),
        };
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                // Keep the tree's shape: count the line as a leaf that cannot match.
                self.root.push(leaf_hash(line.as_bytes()));
                match strict_json::check(line)
                    .err()
                    .and_then(|f| Some((f.code()?, f)))
                {
                    Some((code, fault)) => self.fault(Some(n), code, fault.detail()),
                    None => self.fault(
                        Some(n),
                        Finding::LineMalformed,
                        format!("baris entri bukan JSON yang sah: {error}"),
                    ),
                }
                return None;
            }
        };
        self.root.push(leaf_hash(parsed.entry.as_bytes()));
        if parsed.index != n {
            self.fault(
                Some(n),
                Finding::IndexOrder,
                format!("baris ke-{n} bernomor {}", parsed.index),
            );
        }
        let entry = match Entry::parse(parsed.entry.as_bytes()) {
            Ok(entry) => entry,
            Err(e) => {
                self.fault(Some(n), e.code(), e.to_string());
                return None;
            }
        };
        match entry {
            Entry::Pact(pact) => {
                self.summary.pacts += 1;
                let republished = format!("pakta {} diterbitkan lebih dari sekali", pact.id);
                let number = self.pacts.len() as u32;
                match self.pacts.entry(pact.id.to_string()) {
                    std::collections::hash_map::Entry::Occupied(_) => {
                        self.fault(Some(n), Finding::PactRepublished, republished)
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert((pact.sha256, pact.title, number));
                    }
                }
                None
            }
            Entry::Key(key) => {
                self.summary.keys += 1;
                if let Err(e) = key.nip.check(key.time.date_naive()) {
                    self.fault(
                        Some(n),
                        Finding::NipInvalid,
                        format!("NIP {} tidak sah: {e}", key.nip),
                    );
                }
                let generation = match self.keys.get(&key.nip.number()) {
                    Some((_, _, earlier)) => earlier + 1,
                    None => 1,
                };
                self.keys.insert(
                    key.nip.number(),
                    (key.key, key.time.timestamp(), generation),
                );
                None
            }
            Entry::Signature(signature) => {
                self.summary.signatures += 1;
                let claim = &signature.claim;
                self.count(&claim.pact, &claim.unit);
                let pact_number = self.pacts.get(claim.pact.as_str()).map(|p| p.2);
                match self.pacts.get(claim.pact.as_str()) {
                    None => self.fault(
                        Some(n),
                        Finding::PactUnknown,
                        format!("pakta {} belum diterbitkan sebelum entri ini", claim.pact),
                    ),
                    Some((sha, _, _)) if *sha != claim.sha256 => self.fault(
                        Some(n),
                        Finding::PactDigest,
                        format!("SHA-256 pakta {} tidak cocok", claim.pact),
                    ),
                    Some(_) => {}
                }
                let nip = claim.nip.number();
                match self.keys.get(&nip) {
                    None => self.fault(
                        Some(n),
                        Finding::KeyNotEnrolled,
                        format!("NIP {} belum punya entri kunci", claim.nip),
                    ),
                    Some((key, _, _)) if *key != claim.key => self.fault(
                        Some(n),
                        Finding::KeyMismatch,
                        format!("kunci bukan kunci terakhir NIP {}", claim.nip),
                    ),
                    Some((_, time, _)) if claim.time.timestamp() < *time => self.fault(
                        Some(n),
                        Finding::TimeBeforeKey,
                        "waktu tanda tangan lebih awal dari entri kuncinya".into(),
                    ),
                    Some((_, _, generation)) if *generation > 1 => self
                        .summary
                        .replaced_keys
                        .entry(claim.unit.to_string())
                        .or_default()
                        .push(n),
                    Some(_) => {}
                }
                let first = pact_number.is_none_or(|p| self.signed.insert((p, nip)));
                if !first {
                    self.fault(
                        Some(n),
                        Finding::DoubleSignature,
                        format!(
                            "NIP {} menandatangani pakta {} lebih dari sekali",
                            claim.nip, claim.pact
                        ),
                    );
                }

                // The signed message is the entry without its last line (`sig …`).
                let text = parsed.entry.as_bytes();
                let message_len = text[..text.len() - 1]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                Some(Job {
                    index: n,
                    signature: signature.sig,
                    key: claim.key,
                    entry: parsed.entry,
                    message_len,
                })
            }
        }
    }

    /// Counts a signature for its pact and unit, allocating only for a pair not seen before.
    fn count(&mut self, pact: &str, unit: &str) {
        let counts = &mut self.summary.counts;
        if !counts.contains_key(pact) {
            counts.insert(pact.to_owned(), BTreeMap::new());
        }
        if let Some(units) = counts.get_mut(pact) {
            match units.get_mut(unit) {
                Some(n) => *n += 1,
                None => {
                    units.insert(unit.to_owned(), 1);
                }
            }
        }
    }

    /// At the old checkpoint's size: the prefix must have the old root.
    fn check_since(&mut self, old: &Checkpoint) {
        if self.root.root() != old.root {
            self.fault(None, Finding::SinceMismatch, format!(
                "{} entri pertama tidak lagi sama dengan checkpoint lama: ada entri yang diubah, dihapus atau ditukar",
                old.size
            ));
        }
    }

    /// The checks that need the whole log: size, root, pact texts, claimed counts.
    fn finish(
        &mut self,
        header: &Header,
        checkpoint: Option<&Checkpoint>,
        since: Option<&Checkpoint>,
    ) {
        let read = self.root.size();
        if let Some(checkpoint) = checkpoint {
            if read < checkpoint.size {
                self.fault(
                    None,
                    Finding::Truncated,
                    format!(
                        "bundle berisi {read} entri, checkpoint menyebut {}",
                        checkpoint.size
                    ),
                );
            } else if self.root.root() != checkpoint.root {
                self.fault(
                    None,
                    Finding::RootMismatch,
                    "akar pohon entri tidak sama dengan akar checkpoint".into(),
                );
            }
        }
        if let Some(old) = since {
            if old.size == 0 {
                // The first 0 entries: the empty tree.
                if old.root != StreamingRoot::default().root() {
                    self.fault(
                        None,
                        Finding::SinceMismatch,
                        "checkpoint lama berukuran 0 tidak berakar pohon kosong".into(),
                    );
                }
            } else if read < old.size {
                self.fault(
                    None,
                    Finding::SinceMissing,
                    format!(
                        "bundle lebih pendek ({read}) dari checkpoint lama ({})",
                        old.size
                    ),
                );
            }
        }
        self.check_pact_texts(header);
        self.check_report(header);
    }

    fn check_pact_texts(&mut self, header: &Header) {
        let mut seen = HashSet::new();
        for text in &header.pacts {
            seen.insert(text.id.as_str());
            let document = format!("{}\n\n{}\n", text.title, text.body);
            let digest = Sha256Digest::of(document.as_bytes());
            match self.pacts.get(&text.id) {
                None => self.fault(
                    None,
                    Finding::PactTextUnknown,
                    format!("teks pakta {} tidak ada di log", text.id),
                ),
                Some((sha, title, _)) if *sha != digest || *title != text.title => self.fault(
                    None,
                    Finding::PactTextMismatch,
                    format!("teks pakta {} tidak cocok dengan SHA-256 di log", text.id),
                ),
                Some(_) => {}
            }
        }
        let mut missing: Vec<String> = self
            .pacts
            .keys()
            .filter(|id| !seen.contains(id.as_str()))
            .cloned()
            .collect();
        missing.sort();
        for id in missing {
            self.fault(
                None,
                Finding::PactTextMissing,
                format!("bundle tidak memuat teks pakta {id}"),
            );
        }
    }

    fn check_report(&mut self, header: &Header) {
        let mut claimed: BTreeMap<(String, String), u64> = BTreeMap::new();
        for row in &header.report {
            *claimed
                .entry((row.pact.clone(), row.unit.clone()))
                .or_default() += row.signed;
        }
        let mut counted: BTreeMap<(String, String), u64> = BTreeMap::new();
        for (pact, units) in &self.summary.counts {
            for (unit, n) in units {
                counted.insert((pact.clone(), unit.clone()), *n);
            }
        }
        let keys: std::collections::BTreeSet<_> =
            claimed.keys().chain(counted.keys()).cloned().collect();
        for key in keys {
            let (c, r) = (
                claimed.get(&key).copied().unwrap_or(0),
                counted.get(&key).copied().unwrap_or(0),
            );
            if c != r {
                self.fault(
                    None,
                    Finding::ReportMismatch,
                    format!(
                        "laporan server: pakta {} unit {} = {c}, dihitung dari log = {r}",
                        key.0, key.1
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{write_entry, write_header, PactText, ReportRow};
    use crate::entry::{KeyEntry, PactEntry, SignatureClaim};
    use crate::nip::NipDigits;
    use crate::note::LogSigner;
    use crate::values::{parse_time, PactId, UnitCode};
    use ed25519_dalek::SigningKey;

    /// A valid bundle: one pact, one key, one signature.
    fn one_signature_bundle() -> Vec<u8> {
        let time = parse_time("2023-11-24T02:00:00Z").unwrap();
        let (title, body) = ("Pakta uji".to_owned(), "Isi pakta.".to_owned());
        let sha256 = Sha256Digest::of(format!("{title}\n\n{body}\n").as_bytes());
        let employee = SigningKey::from_bytes(&[1; 32]);
        let nip = NipDigits::parse("199004152019032004").unwrap();
        let key = employee.verifying_key().to_bytes();
        let claim = SignatureClaim {
            pact: PactId::parse("uji").unwrap(),
            sha256,
            nip: nip.clone(),
            name: "Siti".into(),
            unit: UnitCode::parse("DINKES").unwrap(),
            key,
            time,
        };
        let entries = [
            Entry::Pact(PactEntry {
                id: PactId::parse("uji").unwrap(),
                title: title.clone(),
                sha256,
                time,
            }),
            Entry::Key(KeyEntry {
                nip,
                name: "Siti".into(),
                unit: UnitCode::parse("DINKES").unwrap(),
                key,
                time,
            }),
            Entry::Signature(claim.sign(&employee)),
        ]
        .map(|e| e.to_text());
        let mut root = StreamingRoot::default();
        for entry in &entries {
            root.push(leaf_hash(entry.as_bytes()));
        }
        let signer = LogSigner::new("ikrar.test/log", SigningKey::from_bytes(&[7; 32])).unwrap();
        let header = Header {
            format: BUNDLE_FORMAT.into(),
            origin: "ikrar.test/log".into(),
            log_key: signer.verifier_key(),
            checkpoint: signer.sign_checkpoint(3, root.root()).unwrap(),
            exported_at: "2023-11-24T03:00:00Z".into(),
            pacts: vec![PactText {
                id: "uji".into(),
                title,
                body,
            }],
            units: vec![],
            report: vec![ReportRow {
                pact: "uji".into(),
                unit: "DINKES".into(),
                signed: 1,
            }],
        };
        let mut out = Vec::new();
        write_header(&mut out, &header).unwrap();
        for (n, entry) in entries.iter().enumerate() {
            write_entry(&mut out, n as u64, entry).unwrap();
        }
        out
    }

    /// A receipt given as a bundle is named as a receipt, with the command that checks it.
    #[test]
    fn a_receipt_given_as_a_bundle_is_named() {
        for receipt in [
            "{\"format\":\"ikrar-receipt/v1\",\"log_key\":\"k\"}\n".as_bytes(),
            b"%PDF-1.7\n%\xe2\xe3\n".as_slice(),
        ] {
            let read = verify_bundle(receipt, &Options::default(), &mut |_| {});
            let Err(why) = read else {
                panic!("a receipt read as a bundle")
            };
            assert!(matches!(why, Unreadable::Receipt), "{why}");
            assert!(why.to_string().contains("verify-receipt"), "{why}");
        }
    }

    #[test]
    fn a_worker_that_dies_leaves_no_verdict() {
        let bundle = one_signature_bundle();
        let options = Options {
            threads: 2,
            ..Options::default()
        };
        let summary = verify_with(&bundle[..], &options, &mut |_| {}, check_batch).unwrap();
        assert!(summary.is_valid(), "{:?}", summary.faults);
        assert_eq!(summary.signatures, 1);
        fn dies(_: &[Job]) -> Vec<u64> {
            panic!("a worker dies");
        }
        let raised = std::panic::catch_unwind(|| {
            verify_with(&bundle[..], &options, &mut |_| {}, dies).map(|s| s.is_valid())
        });
        let panic = raised.expect_err("the worker's panic reaches the caller");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"a worker dies"));
    }
}
