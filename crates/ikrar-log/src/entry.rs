//! Log entries (docs/FORMATS.md, "Log entries"): build them, render them to their exact bytes, and
//! parse them strictly, refusing anything that does not render back to the same bytes.

use crate::finding::Finding;
use crate::nip::NipDigits;
use crate::values::{format_time, normalize_text, parse_time, PactId, Sha256Digest, UnitCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::fmt::Write;

const PACT_TYPE: &str = "ikrar/v1 pact";
const KEY_TYPE: &str = "ikrar/v1 key";
const SIGNATURE_TYPE: &str = "ikrar/v1 signature";

/// A pact published in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PactEntry {
    pub id: PactId,
    pub title: String,
    /// SHA-256 of the pact document.
    pub sha256: Sha256Digest,
    pub time: DateTime<Utc>,
}

/// An employee's public key bound to their NIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEntry {
    pub nip: NipDigits,
    pub name: String,
    pub unit: UnitCode,
    pub key: [u8; 32],
    pub time: DateTime<Utc>,
}

/// The part of a signature entry that the employee signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureClaim {
    pub pact: PactId,
    pub sha256: Sha256Digest,
    pub nip: NipDigits,
    pub name: String,
    pub unit: UnitCode,
    pub key: [u8; 32],
    pub time: DateTime<Utc>,
}

/// A pact signed by an employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureEntry {
    pub claim: SignatureClaim,
    pub sig: [u8; 64],
}

/// Any log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Pact(PactEntry),
    Key(KeyEntry),
    Signature(SignatureEntry),
}

/// Why bytes are not a well-formed entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("entri bukan UTF-8 yang sah")]
    NotUtf8,
    #[error("entri harus diakhiri LF dan tidak boleh berisi CR")]
    LineEndings,
    #[error("jenis entri tidak dikenal: {0:?}")]
    UnknownType(String),
    #[error("baris {line}: diharapkan kolom `{expected}`")]
    MissingField { line: usize, expected: &'static str },
    #[error("kolom `{field}` tidak sah: {reason}")]
    BadValue { field: &'static str, reason: String },
    #[error("ada baris lebih setelah kolom terakhir")]
    TrailingLines,
}

impl EntryError {
    /// A stable code for programs.
    pub fn code(&self) -> Finding {
        match self {
            EntryError::NotUtf8 => Finding::EntryNotUtf8,
            EntryError::LineEndings => Finding::EntryLineEndings,
            EntryError::UnknownType(_) => Finding::EntryUnknownType,
            EntryError::MissingField { .. } => Finding::EntryFieldOrder,
            EntryError::BadValue { .. } => Finding::EntryBadValue,
            EntryError::TrailingLines => Finding::EntryTrailingLines,
        }
    }
}

impl SignatureClaim {
    /// The signed message: the entry up to and including the LF ending the `time` line.
    pub fn message(&self) -> String {
        let mut out = String::with_capacity(320);
        push_line(&mut out, SIGNATURE_TYPE);
        push_field(&mut out, "pact", &self.pact);
        push_field(&mut out, "sha256", &self.sha256.to_string());
        push_field(&mut out, "nip", self.nip.as_str());
        push_field(&mut out, "name", &self.name);
        push_field(&mut out, "unit", &self.unit);
        push_field(&mut out, "key", &B64.encode(self.key));
        push_field(&mut out, "time", &format_time(self.time));
        out
    }

    /// Signs the message with the employee's key, whose public half must be `self.key`.
    pub fn sign(self, key: &SigningKey) -> SignatureEntry {
        let sig = key.sign(self.message().as_bytes()).to_bytes();
        SignatureEntry { claim: self, sig }
    }
}

impl SignatureEntry {
    /// Whether `sig` is a valid Ed25519 signature by `key` of the signed message.
    pub fn verify(&self) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.claim.key) else {
            return false;
        };
        key.verify_strict(
            self.claim.message().as_bytes(),
            &Signature::from_bytes(&self.sig),
        )
        .is_ok()
    }
}

impl Entry {
    /// The entry's exact bytes, as stored in the log and hashed into the tree.
    pub fn to_text(&self) -> String {
        match self {
            Entry::Pact(p) => {
                let mut out = String::with_capacity(256);
                push_line(&mut out, PACT_TYPE);
                push_field(&mut out, "id", &p.id);
                push_field(&mut out, "title", &p.title);
                push_field(&mut out, "sha256", &p.sha256.to_string());
                push_field(&mut out, "time", &format_time(p.time));
                out
            }
            Entry::Key(k) => {
                let mut out = String::with_capacity(256);
                push_line(&mut out, KEY_TYPE);
                push_field(&mut out, "nip", k.nip.as_str());
                push_field(&mut out, "name", &k.name);
                push_field(&mut out, "unit", &k.unit);
                push_field(&mut out, "key", &B64.encode(k.key));
                push_field(&mut out, "time", &format_time(k.time));
                out
            }
            Entry::Signature(s) => {
                let mut out = s.claim.message();
                push_field(&mut out, "sig", &B64.encode(s.sig));
                out
            }
        }
    }

    /// Parses an entry, refusing any deviation from the exact form.
    pub fn parse(bytes: &[u8]) -> Result<Entry, EntryError> {
        let text = std::str::from_utf8(bytes).map_err(|_| EntryError::NotUtf8)?;
        let body = text
            .strip_suffix('\n')
            .filter(|b| !b.contains('\r'))
            .ok_or(EntryError::LineEndings)?;
        let mut lines = Fields {
            lines: body.split('\n'),
            line: 1,
        };
        let kind = lines.lines.next().unwrap_or_default();
        let entry = match kind {
            PACT_TYPE => Entry::Pact(PactEntry {
                id: lines.pact_id("id")?,
                title: lines.text("title")?,
                sha256: lines.sha256("sha256")?,
                time: lines.time("time")?,
            }),
            KEY_TYPE => Entry::Key(KeyEntry {
                nip: lines.nip("nip")?,
                name: lines.text("name")?,
                unit: lines.unit("unit")?,
                key: lines.bytes("key")?,
                time: lines.time("time")?,
            }),
            SIGNATURE_TYPE => Entry::Signature(SignatureEntry {
                claim: SignatureClaim {
                    pact: lines.pact_id("pact")?,
                    sha256: lines.sha256("sha256")?,
                    nip: lines.nip("nip")?,
                    name: lines.text("name")?,
                    unit: lines.unit("unit")?,
                    key: lines.bytes("key")?,
                    time: lines.time("time")?,
                },
                sig: lines.bytes("sig")?,
            }),
            other => return Err(EntryError::UnknownType(other.chars().take(40).collect())),
        };
        if lines.lines.next().is_some() {
            return Err(EntryError::TrailingLines);
        }
        Ok(entry)
    }
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line);
    out.push('\n');
}

fn push_field(out: &mut String, field: &str, value: &str) {
    let _ = writeln!(out, "{field} {value}");
}

/// A cursor over an entry's field lines that checks each value's form.
struct Fields<'a> {
    lines: std::str::Split<'a, char>,
    line: usize,
}

impl<'a> Fields<'a> {
    fn value(&mut self, field: &'static str) -> Result<&'a str, EntryError> {
        self.line += 1;
        let missing = EntryError::MissingField {
            line: self.line,
            expected: field,
        };
        let line = self.lines.next().ok_or(missing.clone())?;
        let (name, value) = line.split_once(' ').ok_or(missing.clone())?;
        if name != field {
            return Err(missing);
        }
        Ok(value)
    }

    fn bad(field: &'static str, reason: impl ToString) -> EntryError {
        EntryError::BadValue {
            field,
            reason: reason.to_string(),
        }
    }

    fn pact_id(&mut self, field: &'static str) -> Result<PactId, EntryError> {
        PactId::parse(self.value(field)?).map_err(|e| Self::bad(field, e))
    }

    fn unit(&mut self, field: &'static str) -> Result<UnitCode, EntryError> {
        UnitCode::parse(self.value(field)?).map_err(|e| Self::bad(field, e))
    }

    fn text(&mut self, field: &'static str) -> Result<String, EntryError> {
        let value = self.value(field)?;
        match normalize_text(value) {
            Ok(normal) if normal == value => Ok(normal),
            Ok(_) => Err(Self::bad(field, "teks belum dinormalkan")),
            Err(e) => Err(Self::bad(field, e)),
        }
    }

    fn sha256(&mut self, field: &'static str) -> Result<Sha256Digest, EntryError> {
        Sha256Digest::parse_hex(self.value(field)?)
            .ok_or_else(|| Self::bad(field, "harus 64 digit heksadesimal huruf kecil"))
    }

    fn nip(&mut self, field: &'static str) -> Result<NipDigits, EntryError> {
        NipDigits::parse(self.value(field)?)
            .map_err(|_| Self::bad(field, "NIP harus 18 digit angka"))
    }

    fn time(&mut self, field: &'static str) -> Result<DateTime<Utc>, EntryError> {
        let value = self.value(field)?;
        parse_time(value).map_err(|e| Self::bad(field, e))
    }

    fn bytes<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], EntryError> {
        let value = self.value(field)?;
        // The standard engine refuses missing padding and non-zero trailing bits, so what it
        // decodes is the one canonical encoding of those bytes.
        let bytes = B64
            .decode(value)
            .map_err(|_| Self::bad(field, "base64 tidak sah"))?;
        bytes
            .try_into()
            .map_err(|_| Self::bad(field, format!("harus tepat {N} byte")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn claim() -> SignatureClaim {
        SignatureClaim {
            pact: PactId::parse("netralitas-2024").unwrap(),
            sha256: Sha256Digest::parse_hex(
                "2e6a38c7b0936742082f3f71b5095af00b15be3654cb3c086a21f0b4df8bfd9e",
            )
            .unwrap(),
            nip: NipDigits::parse("199004152019032004").unwrap(),
            name: "Siti Aminah".into(),
            unit: UnitCode::parse("DINKES").unwrap(),
            key: key().verifying_key().to_bytes(),
            time: parse_time("2023-11-24T02:15:07Z").unwrap(),
        }
    }

    #[test]
    fn pact_entry_matches_spec_example() {
        let entry = Entry::Pact(PactEntry {
            id: PactId::parse("netralitas-2024").unwrap(),
            title: "Pakta Integritas Netralitas Pegawai ASN pada Pemilu dan Pemilihan Tahun 2024"
                .into(),
            sha256: Sha256Digest::parse_hex(
                "2e6a38c7b0936742082f3f71b5095af00b15be3654cb3c086a21f0b4df8bfd9e",
            )
            .unwrap(),
            time: parse_time("2023-11-20T01:00:00Z").unwrap(),
        });
        let text = "ikrar/v1 pact\nid netralitas-2024\n\
            title Pakta Integritas Netralitas Pegawai ASN pada Pemilu dan Pemilihan Tahun 2024\n\
            sha256 2e6a38c7b0936742082f3f71b5095af00b15be3654cb3c086a21f0b4df8bfd9e\n\
            time 2023-11-20T01:00:00Z\n";
        assert_eq!(entry.to_text(), text);
        assert_eq!(Entry::parse(text.as_bytes()).unwrap(), entry);
    }

    #[test]
    fn key_entry_matches_spec_example() {
        let public = B64.encode(key().verifying_key().to_bytes());
        let entry = Entry::Key(KeyEntry {
            nip: NipDigits::parse("199004152019032004").unwrap(),
            name: "Siti Aminah".into(),
            unit: UnitCode::parse("DINKES").unwrap(),
            key: key().verifying_key().to_bytes(),
            time: parse_time("2023-11-21T03:00:00Z").unwrap(),
        });
        let text = format!(
            "ikrar/v1 key\nnip 199004152019032004\nname Siti Aminah\nunit DINKES\n\
             key {public}\ntime 2023-11-21T03:00:00Z\n"
        );
        assert_eq!(entry.to_text(), text);
        assert_eq!(Entry::parse(text.as_bytes()).unwrap(), entry);
    }

    #[test]
    fn signature_signs_exactly_the_message() {
        let entry = claim().sign(&key());
        let public = B64.encode(key().verifying_key().to_bytes());
        let message = format!(
            "ikrar/v1 signature\npact netralitas-2024\n\
             sha256 2e6a38c7b0936742082f3f71b5095af00b15be3654cb3c086a21f0b4df8bfd9e\n\
             nip 199004152019032004\nname Siti Aminah\nunit DINKES\nkey {public}\n\
             time 2023-11-24T02:15:07Z\n"
        );
        assert_eq!(entry.claim.message(), message);
        let text = Entry::Signature(entry.clone()).to_text();
        assert_eq!(text, format!("{message}sig {}\n", B64.encode(entry.sig)));
        // An independent check with the public key over exactly the message bytes.
        let vk = VerifyingKey::from_bytes(&entry.claim.key).unwrap();
        vk.verify_strict(message.as_bytes(), &Signature::from_bytes(&entry.sig))
            .unwrap();
        assert!(entry.verify());
        let mut forged = entry.clone();
        forged.claim.unit = UnitCode::parse("DINSOS").unwrap();
        assert!(!forged.verify());
        assert_eq!(
            Entry::parse(text.as_bytes()).unwrap(),
            Entry::Signature(entry)
        );
    }

    #[test]
    fn strict_parsing_refuses_variants() {
        let good = Entry::Signature(claim().sign(&key())).to_text();
        assert!(Entry::parse(good.as_bytes()).is_ok());
        let variants = [
            good.trim_end().to_owned(),                             // no final LF
            good.replace('\n', "\r\n"),                             // CRLF
            format!("{good}\n"),                                    // blank line
            format!("{good}extra x\n"),                             // unknown field
            good.replace("name Siti Aminah", "name Siti  Aminah"),  // not normalized
            good.replace("unit DINKES\n", ""),                      // missing field
            good.replace("pact netralitas-2024\nsha256", "sha256"), // order
            good.replace("nip 1990", "nip 990"),
            good.replace("T02:15:07Z", "T02:15:07.000Z"),
            good.replace("sha256 2e6a", "sha256 2E6A"),
            good.replace("ikrar/v1 signature", "ikrar/v2 signature"),
            good.replace("==\n", "\n"), // base64 without padding
        ];
        for bad in variants {
            assert!(Entry::parse(bad.as_bytes()).is_err(), "accepted {bad:?}");
        }
        let mut bytes = good.into_bytes();
        bytes[30] = 0xff;
        assert_eq!(Entry::parse(&bytes), Err(EntryError::NotUtf8));
    }
}
