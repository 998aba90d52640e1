//! The finding codes both verifiers give — `ikrar verify`, `verify-receipt` and the `/periksa`
//! page — as one type (docs/FORMATS.md, "Verdicts and finding codes" lists the same codes; a
//! test holds the two together, and the page's table of messages to them).

/// Something wrong with a bundle or a receipt, named for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Finding {
    LogKeyMismatch,
    LogKeyInvalid,
    CheckpointMalformed,
    CheckpointSignature,
    CheckpointOrigin,
    OriginMismatch,
    SinceShrunk,
    SinceMismatch,
    SinceMissing,
    ExtraLines,
    LineMalformed,
    IndexOrder,
    EntryNotUtf8,
    EntryLineEndings,
    EntryUnknownType,
    EntryFieldOrder,
    EntryBadValue,
    EntryTrailingLines,
    PactRepublished,
    NipInvalid,
    PactUnknown,
    PactDigest,
    KeyNotEnrolled,
    KeyMismatch,
    TimeBeforeKey,
    DoubleSignature,
    SignatureInvalid,
    Truncated,
    RootMismatch,
    PactTextUnknown,
    PactTextMismatch,
    PactTextMissing,
    ReportMismatch,
    WitnessMissing,
    JsonDuplicateKey,
    JsonNumber,
    ReceiptFormat,
    ReceiptNotSignature,
    InclusionProof,
}

impl Finding {
    /// Every finding.
    pub const ALL: [Finding; 39] = [
        Finding::LogKeyMismatch,
        Finding::LogKeyInvalid,
        Finding::CheckpointMalformed,
        Finding::CheckpointSignature,
        Finding::CheckpointOrigin,
        Finding::OriginMismatch,
        Finding::SinceShrunk,
        Finding::SinceMismatch,
        Finding::SinceMissing,
        Finding::ExtraLines,
        Finding::LineMalformed,
        Finding::IndexOrder,
        Finding::EntryNotUtf8,
        Finding::EntryLineEndings,
        Finding::EntryUnknownType,
        Finding::EntryFieldOrder,
        Finding::EntryBadValue,
        Finding::EntryTrailingLines,
        Finding::PactRepublished,
        Finding::NipInvalid,
        Finding::PactUnknown,
        Finding::PactDigest,
        Finding::KeyNotEnrolled,
        Finding::KeyMismatch,
        Finding::TimeBeforeKey,
        Finding::DoubleSignature,
        Finding::SignatureInvalid,
        Finding::Truncated,
        Finding::RootMismatch,
        Finding::PactTextUnknown,
        Finding::PactTextMismatch,
        Finding::PactTextMissing,
        Finding::ReportMismatch,
        Finding::WitnessMissing,
        Finding::JsonDuplicateKey,
        Finding::JsonNumber,
        Finding::ReceiptFormat,
        Finding::ReceiptNotSignature,
        Finding::InclusionProof,
    ];

    /// The stable code, as the JSON output and the page write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::LogKeyMismatch => "log_key_mismatch",
            Finding::LogKeyInvalid => "log_key_invalid",
            Finding::CheckpointMalformed => "checkpoint_malformed",
            Finding::CheckpointSignature => "checkpoint_signature",
            Finding::CheckpointOrigin => "checkpoint_origin",
            Finding::OriginMismatch => "origin_mismatch",
            Finding::SinceShrunk => "since_shrunk",
            Finding::SinceMismatch => "since_mismatch",
            Finding::SinceMissing => "since_missing",
            Finding::ExtraLines => "extra_lines",
            Finding::LineMalformed => "line_malformed",
            Finding::IndexOrder => "index_order",
            Finding::EntryNotUtf8 => "entry_not_utf8",
            Finding::EntryLineEndings => "entry_line_endings",
            Finding::EntryUnknownType => "entry_unknown_type",
            Finding::EntryFieldOrder => "entry_field_order",
            Finding::EntryBadValue => "entry_bad_value",
            Finding::EntryTrailingLines => "entry_trailing_lines",
            Finding::PactRepublished => "pact_republished",
            Finding::NipInvalid => "nip_invalid",
            Finding::PactUnknown => "pact_unknown",
            Finding::PactDigest => "pact_digest",
            Finding::KeyNotEnrolled => "key_not_enrolled",
            Finding::KeyMismatch => "key_mismatch",
            Finding::TimeBeforeKey => "time_before_key",
            Finding::DoubleSignature => "double_signature",
            Finding::SignatureInvalid => "signature_invalid",
            Finding::Truncated => "truncated",
            Finding::RootMismatch => "root_mismatch",
            Finding::PactTextUnknown => "pact_text_unknown",
            Finding::PactTextMismatch => "pact_text_mismatch",
            Finding::PactTextMissing => "pact_text_missing",
            Finding::ReportMismatch => "report_mismatch",
            Finding::WitnessMissing => "witness_missing",
            Finding::JsonDuplicateKey => "json_duplicate_key",
            Finding::JsonNumber => "json_number",
            Finding::ReceiptFormat => "receipt_format",
            Finding::ReceiptNotSignature => "receipt_not_signature",
            Finding::InclusionProof => "inclusion_proof",
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Finding {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_documented_codes_are_the_findings() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/FORMATS.md");
        let formats = std::fs::read_to_string(path).unwrap();
        let section = formats
            .split("### Verdicts and finding codes")
            .nth(1)
            .and_then(|rest| rest.split("\n### ").next())
            .unwrap();
        let documented: BTreeSet<&str> = section
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|word| {
                word.starts_with(|c: char| c.is_ascii_lowercase())
                    && word
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
            // The verdicts and the page's `data-kunci` values are in the same section.
            .filter(|word| !["sah", "galat", "berkas", "disematkan"].contains(word))
            .collect();
        let ours: BTreeSet<&str> = Finding::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(documented, ours);
        let unique: BTreeSet<Finding> = Finding::ALL.into_iter().collect();
        assert_eq!(unique.len(), Finding::ALL.len());
    }
}
