//! Passphrase strength: zxcvbn must score it at least 3 of 4, and a weak one is explained in the
//! employee's language.

use crate::i18n::{Lang, Words};
use zxcvbn::feedback::{Suggestion, Warning};
use zxcvbn::Score;

/// Shortest passphrase accepted before zxcvbn is even asked.
pub const MIN_CHARS: usize = 10;
/// Longest passphrase accepted (Argon2 takes any length; this bounds work per request).
pub const MAX_CHARS: usize = 256;

/// Why a passphrase is refused; [`WeakPassphrase::text`] says it as a sentence.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", ikrar_log::i18n::indonesian(self))]
pub struct WeakPassphrase {
    reason: Reason,
    warning: Option<Warning>,
    suggestions: Vec<Suggestion>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    TooShort,
    TooLong,
    Guessable,
}

impl WeakPassphrase {
    fn new(reason: Reason) -> WeakPassphrase {
        WeakPassphrase {
            reason,
            warning: None,
            suggestions: Vec::new(),
        }
    }

    /// The explanation in `lang`: the reason, then zxcvbn's warning and suggestions.
    pub fn text(&self, lang: Lang) -> String {
        let mut text = match self.reason {
            Reason::TooShort => {
                lang.fill("passphrase.too_short", &[("min", &MIN_CHARS.to_string())])
            }
            Reason::TooLong => lang.fill("passphrase.too_long", &[("max", &MAX_CHARS.to_string())]),
            Reason::Guessable => lang.text("passphrase.guessable").to_owned(),
        };
        if self.reason != Reason::Guessable {
            return text;
        }
        let feedback = self
            .warning
            .map(|w| format!("{w:?}"))
            .into_iter()
            .chain(self.suggestions.iter().map(|s| format!("{s:?}")));
        for variant in feedback {
            text.push(' ');
            text.push_str(lang.text(&format!("zxcvbn.{variant}")));
        }
        let asks_for_words = self.suggestions.iter().any(|s| {
            matches!(
                s,
                Suggestion::AddAnotherWordOrTwo | Suggestion::UseAFewWordsAvoidCommonPhrases
            )
        });
        if !asks_for_words {
            text.push(' ');
            text.push_str(lang.text("passphrase.add_words"));
        }
        text
    }
}

ikrar_log::localized!(WeakPassphrase);

/// Checks a new passphrase's length only: cheap, before anything else is done.
pub fn check_length(passphrase: &str) -> Result<(), WeakPassphrase> {
    let chars = passphrase.chars().count();
    if chars < MIN_CHARS {
        return Err(WeakPassphrase::new(Reason::TooShort));
    }
    if chars > MAX_CHARS {
        return Err(WeakPassphrase::new(Reason::TooLong));
    }
    Ok(())
}

/// What an attacker who knows the employee tries first: the NIP, the birth date it holds (in
/// the ways people write it), every part of the name and the name run together, and the unit;
/// and the words of the pact itself. For [`check_strength`].
pub fn employee_words(nip: &str, name: &str, unit: &str) -> Vec<String> {
    let mut words: Vec<String> = vec![nip.into(), unit.to_lowercase()];
    if let (Some(year), Some(month), Some(day)) = (nip.get(0..4), nip.get(4..6), nip.get(6..8)) {
        let short_year = &year[2..];
        words.extend([
            year.to_owned(),
            format!("{year}{month}{day}"),
            format!("{day}{month}{year}"),
            format!("{day}{month}{short_year}"),
            format!("{month}{year}"),
            format!("{day}{month}"),
        ]);
    }
    let name = name.to_lowercase();
    let parts: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|part| part.chars().count() >= 2)
        .collect();
    words.push(parts.concat());
    words.extend(parts.iter().map(|part| (*part).to_owned()));
    words.extend(["ikrar", "pakta", "netralitas", "asn"].map(str::to_owned));
    words
}

/// Checks a new passphrase; `personal` holds words an attacker would try first (NIP, name).
pub fn check_strength(passphrase: &str, personal: &[&str]) -> Result<(), WeakPassphrase> {
    check_length(passphrase)?;
    let entropy = zxcvbn::zxcvbn(passphrase, personal);
    if entropy.score() >= Score::Three {
        return Ok(());
    }
    let mut weak = WeakPassphrase::new(Reason::Guessable);
    if let Some(feedback) = entropy.feedback() {
        weak.warning = feedback.warning();
        weak.suggestions = feedback.suggestions().to_vec();
    }
    Err(weak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passphrase_from_ones_own_name_and_birth_year_is_weak() {
        let words = employee_words("196903122000032001", "Ratna Rangkuti", "DINKES");
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        for mine in ["ratnarangkuti1969", "rangkuti12031969"] {
            assert!(check_strength(mine, &words).is_err(), "{mine}");
        }
        // Without knowing whose it is, zxcvbn lets the first through: the words are the fix.
        assert!(check_strength("ratnarangkuti1969", &[]).is_ok());
        assert!(check_strength("jeruk lampu sepeda awan", &words).is_ok());
    }

    /// zxcvbn's feedback is looked up by the variant's name at run time: every variant has its
    /// words, in both languages.
    #[test]
    fn every_zxcvbn_feedback_has_words() {
        use zxcvbn::feedback::{Suggestion as S, Warning as W};
        let warnings = [
            W::StraightRowsOfKeysAreEasyToGuess,
            W::ShortKeyboardPatternsAreEasyToGuess,
            W::RepeatsLikeAaaAreEasyToGuess,
            W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
            W::ThisIsATop10Password,
            W::ThisIsATop100Password,
            W::ThisIsACommonPassword,
            W::ThisIsSimilarToACommonlyUsedPassword,
            W::SequencesLikeAbcAreEasyToGuess,
            W::RecentYearsAreEasyToGuess,
            W::AWordByItselfIsEasyToGuess,
            W::DatesAreOftenEasyToGuess,
            W::NamesAndSurnamesByThemselvesAreEasyToGuess,
            W::CommonNamesAndSurnamesAreEasyToGuess,
        ];
        let suggestions = [
            S::UseAFewWordsAvoidCommonPhrases,
            S::NoNeedForSymbolsDigitsOrUppercaseLetters,
            S::AddAnotherWordOrTwo,
            S::CapitalizationDoesntHelpVeryMuch,
            S::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase,
            S::ReversedWordsArentMuchHarderToGuess,
            S::PredictableSubstitutionsDontHelpVeryMuch,
            S::UseALongerKeyboardPatternWithMoreTurns,
            S::AvoidRepeatedWordsAndCharacters,
            S::AvoidSequences,
            S::AvoidRecentYears,
            S::AvoidYearsThatAreAssociatedWithYou,
            S::AvoidDatesAndYearsThatAreAssociatedWithYou,
        ];
        let names = warnings
            .iter()
            .map(|w| format!("{w:?}"))
            .chain(suggestions.iter().map(|s| format!("{s:?}")));
        for name in names {
            for lang in [Lang::Id, Lang::En] {
                assert!(!lang.text(&format!("zxcvbn.{name}")).is_empty(), "{name}");
            }
        }
    }

    #[test]
    fn strong_phrases_pass() {
        assert!(check_strength("kuda merah makan tahu goreng", &[]).is_ok());
        assert!(check_strength("jembatan biru di ujung pelangi", &[]).is_ok());
    }

    #[test]
    fn weak_phrases_are_explained() {
        let short = check_strength("abc", &[]).unwrap_err();
        assert!(short.to_string().contains("terlalu pendek"), "{short}");
        assert!(short.text(Lang::En).contains("too short"), "{short}");
        let common = check_strength("password123", &[]).unwrap_err();
        assert!(common.to_string().contains("mudah ditebak"), "{common}");
        let english = common.text(Lang::En);
        assert!(english.contains("too easy to guess"), "{english}");
        assert!(
            !english.contains("  ") && !english.ends_with(' '),
            "{english}"
        );
        let personal = check_strength("199004152019032004", &["199004152019032004"]).unwrap_err();
        assert!(personal.to_string().contains("mudah ditebak"), "{personal}");
        assert!(check_strength(&"kuda ".repeat(60), &[]).is_err());
    }

    #[test]
    fn common_weak_phrases_read_well_in_both_languages() {
        // Each variant is looked up by name; a missing one would leave a gap in the sentence.
        for lang in Lang::ALL {
            for phrase in [
                "password123",
                "qwertyuiop",
                "aaaaaaaaaaaa",
                "abcdefghij",
                "2019 2020 2021",
            ] {
                if let Err(weak) = check_strength(phrase, &[]) {
                    assert!(
                        !weak.text(lang).contains("  "),
                        "{phrase}: {}",
                        weak.text(lang)
                    );
                }
            }
        }
    }
}
