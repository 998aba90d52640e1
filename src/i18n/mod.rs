//! The words of the web interface, one catalog per language: `id.toml` (Bahasa Indonesia, the
//! default) and `en.toml` (English). Keys are `section.name`; both catalogs hold the same keys
//! (a test checks it, and that every key a template uses exists). The messages of the log crate
//! (NIP rules, values, pact files) are in its own catalog, which [`Words::text`] falls back to.
//! Pure: no web imports.

use ikrar_log::i18n::Catalog;
pub use ikrar_log::i18n::Lang;

static INTERFACE: Catalog = Catalog::new([
    (Lang::Id, include_str!("id.toml")),
    (Lang::En, include_str!("en.toml")),
]);

/// The interface's text in a language.
pub trait Words {
    /// The text under `key`; empty, and logged, if missing (the tests keep that from happening).
    fn text(self, key: &str) -> &'static str;

    /// The text under `key` with each `{name}` replaced by its value.
    fn fill(self, key: &str, values: &[(&str, &str)]) -> String;
}

impl Words for Lang {
    fn text(self, key: &str) -> &'static str {
        match INTERFACE
            .get(self, key)
            .or_else(|| ikrar_log::i18n::words(self, key))
        {
            Some(text) => text,
            None => {
                tracing::warn!(key, lang = self.code(), "missing interface text");
                ""
            }
        }
    }

    fn fill(self, key: &str, values: &[(&str, &str)]) -> String {
        values
            .iter()
            .fold(self.text(key).to_owned(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }
}

/// The language a browser prefers from its `Accept-Language` header; Bahasa Indonesia when it
/// names neither.
pub fn from_accept_language(header: &str) -> Lang {
    let codes = Lang::ALL.map(Lang::code);
    accept_language::intersection(header, &codes)
        .first()
        .and_then(|code| Lang::from_code(code))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_hold_the_same_keys() {
        assert_eq!(INTERFACE.same_keys(), Ok(()));
    }

    #[test]
    fn every_key_the_templates_use_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut used = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let html = std::fs::read_to_string(&path).unwrap();
            for part in html.split("t.s(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                for lang in Lang::ALL {
                    let found = INTERFACE
                        .get(lang, key)
                        .or(ikrar_log::i18n::words(lang, key));
                    assert!(found.is_some(), "{}: unknown key {key}", path.display());
                }
                used += 1;
            }
        }
        assert!(used > 50, "templates use the catalog ({used} uses)");
    }

    #[test]
    fn the_log_crate_words_are_found_through_the_interface() {
        assert_eq!(Lang::En.text("nip.nip_length"), "A NIP has 18 digits");
    }

    #[test]
    fn accept_language_picks_english_only_when_preferred() {
        assert_eq!(from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(from_accept_language("id-ID,id;q=0.9,en;q=0.8"), Lang::Id);
        assert_eq!(from_accept_language("en;q=0.5,id;q=0.9"), Lang::Id);
        assert_eq!(from_accept_language("fr-FR"), Lang::Id);
        assert_eq!(from_accept_language(""), Lang::Id);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            Lang::En.fill("window.from", &[("open", "1 May 2024")]),
            "Opens 1 May 2024"
        );
    }
}
