//! Passphrase strength: zxcvbn must score it at least 3 of 4, and a weak one is explained in
//! Bahasa Indonesia.

use zxcvbn::feedback::{Suggestion, Warning};
use zxcvbn::Score;

/// Shortest passphrase accepted before zxcvbn is even asked.
pub const MIN_CHARS: usize = 10;
/// Longest passphrase accepted (Argon2 takes any length; this bounds work per request).
pub const MAX_CHARS: usize = 256;

/// Why a passphrase is refused, as a sentence for the employee.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WeakPassphrase(pub String);

/// Checks a new passphrase; `personal` holds words an attacker would try first (NIP, name).
pub fn check_strength(passphrase: &str, personal: &[&str]) -> Result<(), WeakPassphrase> {
    let chars = passphrase.chars().count();
    if chars < MIN_CHARS {
        return Err(WeakPassphrase(format!(
            "Frasa sandi terlalu pendek: minimal {MIN_CHARS} karakter. Gunakan tiga atau empat kata yang tidak berhubungan."
        )));
    }
    if chars > MAX_CHARS {
        return Err(WeakPassphrase(format!(
            "Frasa sandi terlalu panjang: maksimal {MAX_CHARS} karakter."
        )));
    }
    let entropy = zxcvbn::zxcvbn(passphrase, personal);
    if entropy.score() >= Score::Three {
        return Ok(());
    }
    let mut message = String::from("Frasa sandi terlalu mudah ditebak.");
    if let Some(feedback) = entropy.feedback() {
        if let Some(warning) = feedback.warning() {
            message.push(' ');
            message.push_str(warning_text(warning));
        }
        for suggestion in feedback.suggestions() {
            message.push(' ');
            message.push_str(suggestion_text(*suggestion));
        }
    }
    if !message.contains("kata") {
        message.push_str(" Tambahkan satu atau dua kata yang tidak umum.");
    }
    Err(WeakPassphrase(message))
}

fn warning_text(warning: Warning) -> &'static str {
    match warning {
        Warning::StraightRowsOfKeysAreEasyToGuess => "Deretan tombol keyboard mudah ditebak.",
        Warning::ShortKeyboardPatternsAreEasyToGuess => "Pola keyboard pendek mudah ditebak.",
        Warning::RepeatsLikeAaaAreEasyToGuess => "Pengulangan seperti \"aaa\" mudah ditebak.",
        Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "Pengulangan seperti \"abcabc\" hanya sedikit lebih sulit ditebak daripada \"abc\"."
        }
        Warning::ThisIsATop10Password
        | Warning::ThisIsATop100Password
        | Warning::ThisIsACommonPassword => "Ini termasuk kata sandi yang sangat umum.",
        Warning::ThisIsSimilarToACommonlyUsedPassword => {
            "Ini mirip dengan kata sandi yang umum dipakai."
        }
        Warning::SequencesLikeAbcAreEasyToGuess => {
            "Urutan seperti \"abc\" atau \"6543\" mudah ditebak."
        }
        Warning::RecentYearsAreEasyToGuess => "Tahun-tahun terakhir mudah ditebak.",
        Warning::AWordByItselfIsEasyToGuess => "Satu kata saja mudah ditebak.",
        Warning::DatesAreOftenEasyToGuess => "Tanggal mudah ditebak.",
        Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
        | Warning::CommonNamesAndSurnamesAreEasyToGuess => "Nama orang mudah ditebak.",
    }
}

fn suggestion_text(suggestion: Suggestion) -> &'static str {
    match suggestion {
        Suggestion::UseAFewWordsAvoidCommonPhrases => {
            "Gunakan beberapa kata, hindari ungkapan yang umum."
        }
        Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters => {
            "Tidak perlu simbol, angka, atau huruf besar."
        }
        Suggestion::AddAnotherWordOrTwo => "Tambahkan satu atau dua kata yang tidak umum.",
        Suggestion::CapitalizationDoesntHelpVeryMuch => "Huruf besar tidak banyak membantu.",
        Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => {
            "Semua huruf besar hampir sama mudahnya ditebak dengan semua huruf kecil."
        }
        Suggestion::ReversedWordsArentMuchHarderToGuess => {
            "Kata yang dibalik tidak jauh lebih sulit ditebak."
        }
        Suggestion::PredictableSubstitutionsDontHelpVeryMuch => {
            "Penggantian yang mudah diduga (mis. \"@\" untuk \"a\") tidak banyak membantu."
        }
        Suggestion::UseALongerKeyboardPatternWithMoreTurns => {
            "Gunakan pola keyboard yang lebih panjang dengan lebih banyak belokan."
        }
        Suggestion::AvoidRepeatedWordsAndCharacters => "Hindari kata dan karakter yang berulang.",
        Suggestion::AvoidSequences => "Hindari urutan.",
        Suggestion::AvoidRecentYears => "Hindari tahun-tahun terakhir.",
        Suggestion::AvoidYearsThatAreAssociatedWithYou => {
            "Hindari tahun yang berkaitan dengan Anda."
        }
        Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou => {
            "Hindari tanggal dan tahun yang berkaitan dengan Anda."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_phrases_pass() {
        assert!(check_strength("kuda merah makan tahu goreng", &[]).is_ok());
        assert!(check_strength("jembatan biru di ujung pelangi", &[]).is_ok());
    }

    #[test]
    fn weak_phrases_are_explained() {
        let short = check_strength("abc", &[]).unwrap_err();
        assert!(short.0.contains("terlalu pendek"), "{short}");
        let common = check_strength("password123", &[]).unwrap_err();
        assert!(common.0.contains("mudah ditebak"), "{common}");
        let personal = check_strength("199004152019032004", &["199004152019032004"]).unwrap_err();
        assert!(personal.0.contains("mudah ditebak"), "{personal}");
        assert!(check_strength(&"kuda ".repeat(60), &[]).is_err());
    }
}
