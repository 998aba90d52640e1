//! Names that pass for other names. A character a reader cannot see (format and control
//! characters, unassigned and private-use code points, line separators, and every
//! default-ignorable code point: soft hyphens, joiners, Hangul fillers, tag characters,
//! variation selectors) is refused outright; names that still *look* alike are found by their
//! confusable skeleton (Unicode TR39), so that an import can warn about them.

use crate::i18n::{Lang, Words};
use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory, GeneralCategoryGroup};
use icu_properties::{CodePointMapData, CodePointSetData};
use std::collections::HashMap;

/// The first character of `text` that a reader cannot see or that has no meaning of its own.
pub fn hidden_character(text: &str) -> Option<char> {
    let categories = CodePointMapData::<GeneralCategory>::new();
    let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>();
    let hidden = GeneralCategoryGroup::Other // Cc, Cf, Cs, Co, Cn
        .union(GeneralCategoryGroup::LineSeparator)
        .union(GeneralCategoryGroup::ParagraphSeparator);
    text.chars()
        .find(|&c| hidden.contains(categories.get(c)) || ignorable.contains(c))
}

/// The TR39 skeleton of a name: two names with one skeleton look alike.
pub fn skeleton(name: &str) -> String {
    unicode_security::skeleton(name).collect()
}

/// A name in one unit, from the roster file (with its line) or already stored (without).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPerson {
    pub line: Option<u64>,
    pub nip: String,
    pub name: String,
    pub unit: String,
}

/// Two people of one unit whose names look alike: `person` comes from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookalike {
    pub person: NamedPerson,
    pub other: NamedPerson,
}

impl Lookalike {
    /// The warning, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let other = match self.other.line {
            Some(line) => lang.fill(
                "lookalike.in_file",
                &[("nip", &self.other.nip), ("line", &line.to_string())],
            ),
            None => lang.fill("lookalike.on_roster", &[("nip", &self.other.nip)]),
        };
        lang.fill(
            "lookalike.warning",
            &[
                ("name", &self.person.name),
                ("other_name", &self.other.name),
                ("other", &other),
                ("unit", &self.person.unit),
            ],
        )
    }
}

/// Every person of `incoming` whose name looks like another person's in the same unit, among
/// `stored` (the roster as it is) and `incoming` (the file, which overrides what is stored for
/// its NIPs). Each pair is named once, at its later line.
pub fn lookalikes(stored: Vec<NamedPerson>, incoming: &[NamedPerson]) -> Vec<Lookalike> {
    let in_file: std::collections::HashSet<&str> =
        incoming.iter().map(|p| p.nip.as_str()).collect();
    let mut seen: HashMap<(String, String), Vec<NamedPerson>> = HashMap::new();
    for person in stored
        .into_iter()
        .filter(|p| !in_file.contains(p.nip.as_str()))
    {
        let key = (person.unit.clone(), skeleton(&person.name));
        seen.entry(key).or_default().push(person);
    }
    let mut found = Vec::new();
    for person in incoming {
        let key = (person.unit.clone(), skeleton(&person.name));
        let others = seen.entry(key).or_default();
        if let Some(other) = others.iter().find(|o| o.nip != person.nip) {
            found.push(Lookalike {
                person: person.clone(),
                other: other.clone(),
            });
        }
        if others.iter().all(|o| o.nip != person.nip) {
            others.push(person.clone());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_meaningless_characters_are_found_by_class() {
        for c in [
            '\u{061c}',
            '\u{00ad}',
            '\u{034f}',
            '\u{180e}',
            '\u{2060}',
            '\u{2061}',
            '\u{2062}',
            '\u{2063}',
            '\u{2064}',
            '\u{206a}',
            '\u{206f}',
            '\u{fff9}',
            '\u{fffb}',
            '\u{3164}',
            '\u{115f}',
            '\u{1160}',
            '\u{ffa0}',
            '\u{e0041}',
            '\u{fe0f}',
            '\u{200b}',
            '\u{202e}',
            '\u{2028}',
            '\u{e000}',
            '\u{0378}',
            '\u{0007}',
        ] {
            let name = format!("Budi{c} Santoso");
            assert_eq!(hidden_character(&name), Some(c), "U+{:04X}", c as u32);
        }
        for fine in [
            "Budi Santoso",
            "Siti Nur'aini, S.Kep.",
            "René Ñúñez",
            "Ni Luh Putu Ayu",
        ] {
            assert_eq!(hidden_character(fine), None, "{fine}");
        }
    }

    fn person(line: Option<u64>, nip: &str, name: &str, unit: &str) -> NamedPerson {
        NamedPerson {
            line,
            nip: nip.into(),
            name: name.into(),
            unit: unit.into(),
        }
    }

    #[test]
    fn lookalike_names_in_one_unit_are_flagged_against_the_file_and_the_roster() {
        let stored = vec![
            person(None, "1", "Budi Santoso", "DINKES"),
            person(None, "2", "Ani Lestari", "DINKES"),
        ];
        let incoming = vec![
            // Cyrillic "о" and "В": not the same letters, the same look.
            person(Some(2), "3", "Budi Sant\u{043e}so", "DINKES"),
            person(Some(3), "4", "\u{0412}udi Santoso", "DINDIKBUD"),
            person(Some(4), "5", "Budi Santoso", "DINDIKBUD"),
            // Ani's own row again (an update) is not a look-alike of herself.
            person(Some(5), "2", "Ani Lestari", "DINKES"),
        ];
        let found = lookalikes(stored, &incoming);
        let pairs: Vec<(&str, &str)> = found
            .iter()
            .map(|l| (l.person.nip.as_str(), l.other.nip.as_str()))
            .collect();
        assert_eq!(pairs, [("3", "1"), ("5", "4")]);
    }
}
