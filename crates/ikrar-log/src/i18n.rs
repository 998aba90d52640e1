//! Languages and word catalogs. The crate's own messages (NIP rules, values, pact files) are in
//! `words/id.toml` and `words/en.toml`; a program built on the crate keeps its own catalog in a
//! [`Catalog`] and falls back to [`words`] for these.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// A message people read, in every language: the `text(lang)` method of its type.
pub trait Localized {
    /// The message in `lang`.
    fn localized(&self, lang: Lang) -> String;
}

/// Implements [`Localized`] for a type whose `text(lang)` method gives its message.
#[macro_export]
macro_rules! localized {
    ($t:ty) => {
        impl $crate::i18n::Localized for $t {
            fn localized(&self, lang: $crate::i18n::Lang) -> String {
                self.text(lang).to_string()
            }
        }
    };
}

/// A message in Bahasa Indonesia, for logs and the command line: the `Display` of the error
/// types, as `#[error("{}", ikrar_log::i18n::indonesian(self))]` (thiserror).
pub fn indonesian<T: Localized>(message: &T) -> String {
    message.localized(Lang::Id)
}

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia.
    #[default]
    Id,
    /// English.
    En,
}

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
}

/// One catalog per language, written in TOML (`[section]` and `name = "text"`), read once on
/// first use. Keys are `section.name`.
pub struct Catalog {
    sources: [(Lang, &'static str); 2],
    parsed: OnceLock<Vec<(Lang, HashMap<String, String>)>>,
}

impl Catalog {
    /// A catalog from the TOML source of each language.
    pub const fn new(sources: [(Lang, &'static str); 2]) -> Catalog {
        Catalog {
            sources,
            parsed: OnceLock::new(),
        }
    }

    /// The text under `key` in `lang`, if the catalog has it.
    pub fn get(&'static self, lang: Lang, key: &str) -> Option<&'static str> {
        let all = self.parsed.get_or_init(|| {
            self.sources
                .iter()
                .map(|(lang, source)| (*lang, parse(source).unwrap_or_default()))
                .collect()
        });
        all.iter()
            .find(|(l, _)| *l == lang)
            .and_then(|(_, texts)| texts.get(key))
            .map(String::as_str)
    }

    /// Whether both languages hold the same keys; if not, the keys found in one only.
    pub fn same_keys(&self) -> Result<(), String> {
        let keys = |lang| -> Result<BTreeSet<String>, String> {
            Ok(self.keys(lang)?.into_iter().collect())
        };
        let (id, en) = (keys(Lang::Id)?, keys(Lang::En)?);
        let only_id: Vec<_> = id.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&id).collect();
        if only_id.is_empty() && only_en.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "only in id.toml: {only_id:?}; only in en.toml: {only_en:?}"
            ))
        }
    }

    /// Every key of `lang`'s catalog, or why its TOML does not parse (for tests).
    pub fn keys(&self, lang: Lang) -> Result<Vec<String>, String> {
        let (_, source) = self
            .sources
            .iter()
            .find(|(l, _)| *l == lang)
            .ok_or_else(|| format!("no {} catalog", lang.code()))?;
        let texts = parse(source).map_err(|e| format!("{}.toml: {e}", lang.code()))?;
        Ok(texts.into_keys().collect())
    }
}

static WORDS: Catalog = Catalog::new([
    (Lang::Id, include_str!("words/id.toml")),
    (Lang::En, include_str!("words/en.toml")),
]);

/// The crate's own text under `key` in `lang`.
pub fn words(lang: Lang, key: &str) -> Option<&'static str> {
    WORDS.get(lang, key)
}

/// The crate's own text under `key`; empty, and logged, if missing (the tests keep that from
/// happening).
pub(crate) fn text(lang: Lang, key: &str) -> &'static str {
    words(lang, key).unwrap_or_else(|| {
        eprintln!("ikrar-log: missing text {key} ({})", lang.code());
        ""
    })
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

    #[test]
    fn both_catalogs_hold_the_same_keys() {
        assert_eq!(WORDS.same_keys(), Ok(()));
        assert!(WORDS.keys(Lang::Id).unwrap().len() >= 18);
    }

    #[test]
    fn a_key_in_one_language_only_is_named() {
        static ODD: Catalog = Catalog::new([
            (Lang::Id, "[a]\nx = \"x\"\ny = \"y\""),
            (Lang::En, "[a]\nx = \"x\""),
        ]);
        let err = ODD.same_keys().unwrap_err();
        assert!(err.contains("a.y"), "{err}");
    }
}
