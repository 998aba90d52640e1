//! The two formats of every file ikrar hands out for people to open: CSV (`;`-separated, for
//! Excel in Indonesian) and XLSX.

use serde::Deserialize;

/// A report's or a code list's format, as a form or query names it (`format=csv|xlsx`;
/// anything else is CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Xlsx,
    #[default]
    #[serde(other)]
    Csv,
}

impl FileFormat {
    /// The format of a file name (`.csv` or `.xlsx`).
    pub fn from_path(path: &str) -> Option<FileFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(FileFormat::Csv)
        } else if lower.ends_with(".xlsx") {
            Some(FileFormat::Xlsx)
        } else {
            None
        }
    }

    /// The extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }

    /// The media type a download of this format is sent with.
    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8",
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Query {
        #[serde(default)]
        format: FileFormat,
    }

    fn read(query: &str) -> FileFormat {
        serde_urlencoded_like(query)
    }

    /// A query as actix reads one (`serde` over `key=value` pairs).
    fn serde_urlencoded_like(query: &str) -> FileFormat {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let value = serde_json::Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
        );
        serde_json::from_value::<Query>(value).unwrap().format
    }

    #[test]
    fn a_form_names_the_format_and_anything_else_is_csv() {
        assert_eq!(read("format=xlsx"), FileFormat::Xlsx);
        assert_eq!(read("format=csv"), FileFormat::Csv);
        assert_eq!(read("format=pdf"), FileFormat::Csv);
        assert_eq!(read(""), FileFormat::Csv);
        assert_eq!(FileFormat::from_path("rekap.XLSX"), Some(FileFormat::Xlsx));
        assert_eq!(FileFormat::from_path("rekap.pdf"), None);
    }
}
