//! The words of the web interface, one catalog per language: `id.toml` (Bahasa Indonesia, the
//! default) and `en.toml` (English). Keys are `section.name`; both catalogs hold the same keys
//! (a test checks it, and that every key a template uses exists). Pure: no web imports.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Implements `Display` (the text in Bahasa Indonesia, for logs and the command line) and
/// `Error` for message types that have a `text(Lang)` method.
macro_rules! indonesian_display {
    ($t:ty) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let text = self.text($crate::i18n::Lang::Id);
                f.write_str(text.as_ref())
            }
        }

        impl std::error::Error for $t {}
    };
}
pub(crate) use indonesian_display;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia.
    #[default]
    Id,
    /// English.
    En,
}

const SOURCES: [(Lang, &str); 2] = [
    (Lang::Id, include_str!("id.toml")),
    (Lang::En, include_str!("en.toml")),
];

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];

    /// The language's code (`id`, `en`), as in `<html lang>` and the language cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The language with this code.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language a browser prefers from its `Accept-Language` header; Bahasa Indonesia when
    /// it names neither.
    pub fn from_accept_language(header: &str) -> Lang {
        let codes = Lang::ALL.map(Lang::code);
        accept_language::intersection(header, &codes)
            .first()
            .and_then(|code| Lang::from_code(code))
            .unwrap_or_default()
    }

    /// The text under `key`; empty, and logged, if missing (the tests keep that from happening).
    pub fn text(self, key: &str) -> &'static str {
        match catalog(self).get(key) {
            Some(text) => text,
            None => {
                tracing::warn!(key, lang = self.code(), "missing interface text");
                ""
            }
        }
    }

    /// The text under `key` with each `{name}` replaced by its value.
    pub fn fill(self, key: &str, values: &[(&str, &str)]) -> String {
        values
            .iter()
            .fold(self.text(key).to_owned(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }
}

/// A language's catalog, read once.
fn catalog(lang: Lang) -> &'static HashMap<String, String> {
    static CATALOGS: OnceLock<Vec<(Lang, HashMap<String, String>)>> = OnceLock::new();
    let all = CATALOGS.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(lang, source)| (*lang, parse(source).unwrap_or_default()))
            .collect()
    });
    all.iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, c)| c)
        .unwrap_or(&all[0].1)
}

/// A catalog's TOML, flattened to `section.name` keys.
fn parse(source: &str) -> Result<HashMap<String, String>, toml::de::Error> {
    let table: toml::Table = source.parse()?;
    let mut flat = HashMap::new();
    flatten("", &table, &mut flat);
    Ok(flat)
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&key, inner, out),
            toml::Value::String(text) => {
                out.insert(key, text.clone());
            }
            // Only text belongs in a catalog; anything else is left out, so the tests that
            // look for its key fail.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(lang: Lang) -> BTreeSet<String> {
        let source = SOURCES.iter().find(|(l, _)| *l == lang).unwrap().1;
        parse(source)
            .unwrap_or_else(|e| panic!("{}.toml: {e}", lang.code()))
            .into_keys()
            .collect()
    }

    #[test]
    fn both_catalogs_hold_the_same_keys() {
        let (id, en) = (keys(Lang::Id), keys(Lang::En));
        let only_id: Vec<_> = id.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&id).collect();
        assert!(
            only_id.is_empty() && only_en.is_empty(),
            "only in id.toml: {only_id:?}\nonly in en.toml: {only_en:?}"
        );
    }

    #[test]
    fn every_key_the_templates_use_exists() {
        let known = keys(Lang::Id);
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut used = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let html = std::fs::read_to_string(&path).unwrap();
            for part in html.split("t.s(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                assert!(known.contains(key), "{}: unknown key {key}", path.display());
                used += 1;
            }
        }
        assert!(used > 50, "templates use the catalog ({used} uses)");
    }

    #[test]
    fn accept_language_picks_english_only_when_preferred() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("id-ID,id;q=0.9,en;q=0.8"),
            Lang::Id
        );
        assert_eq!(Lang::from_accept_language("en;q=0.5,id;q=0.9"), Lang::Id);
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::Id);
        assert_eq!(Lang::from_accept_language(""), Lang::Id);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            Lang::En.fill("window.from", &[("open", "1 May 2024")]),
            "Opens 1 May 2024"
        );
    }
}
