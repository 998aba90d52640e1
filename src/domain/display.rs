//! How times and numbers are shown to people: in the deployment's zone, the Indonesian way.

use crate::i18n::{Lang, Words};
use chrono::format::Item;
use chrono::{DateTime, Datelike, DurationRound, NaiveDateTime, TimeDelta};
use chrono_tz::Tz;
use ikrar_log::values::parsed_format;
use std::sync::OnceLock;

/// A stored UTC time as `24 November 2023 pukul 09.15.07 WIB` (reports, the CLI).
pub fn local_time(utc: NaiveDateTime, tz: Tz) -> String {
    local_time_in(utc, tz, Lang::Id)
}

/// A stored UTC time in `lang`: `24 November 2023 pukul 09.15.07 WIB` or
/// `24 November 2023 at 09:15:07 WIB`.
pub fn local_time_in(utc: NaiveDateTime, tz: Tz, lang: Lang) -> String {
    let local = utc.and_utc().with_timezone(&tz);
    let month = lang
        .text("time.months")
        .split_whitespace()
        .nth(local.month0() as usize)
        .unwrap_or_default();
    format!(
        "{} {month} {} {}",
        local.day(),
        local.year(),
        clock(local, lang, Precision::Seconds)
    )
}

/// A stored UTC time in a table's few characters: `7 Des 09.15` or `7 Dec 09:15`.
pub fn short_time_in(utc: NaiveDateTime, tz: Tz, lang: Lang) -> String {
    let local = utc.and_utc().with_timezone(&tz);
    let month: String = lang
        .text("time.months")
        .split_whitespace()
        .nth(local.month0() as usize)
        .unwrap_or_default()
        .chars()
        .take(3)
        .collect();
    let clock = match lang {
        Lang::Id => local.format("%H.%M"),
        Lang::En => local.format("%H:%M"),
    };
    format!("{} {month} {clock}", local.day())
}

/// The clock time a short wait ends, rounded up to the minute so that it is never too early:
/// `pukul 09.16 WIB` or `at 09:16 WIB`.
pub fn clock_in(utc: NaiveDateTime, tz: Tz, lang: Lang) -> String {
    let rounded = utc.duration_round_up(TimeDelta::minutes(1)).unwrap_or(utc);
    clock(
        rounded.and_utc().with_timezone(&tz),
        lang,
        Precision::Minutes,
    )
}

/// A count as people read it in `lang`: `8.100` in Indonesian, `8,100` in English.
pub fn count_in(n: i64, lang: Lang) -> String {
    let separator = match lang {
        Lang::Id => '.',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        grouped.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    grouped
}

#[derive(Clone, Copy)]
enum Precision {
    Minutes,
    Seconds,
}

/// `pukul 09.15.07 WIB` / `at 09:15:07 WIB`, or without the seconds.
fn clock(local: DateTime<Tz>, lang: Lang, precision: Precision) -> String {
    static CLOCKS: OnceLock<[Vec<Item<'static>>; 4]> = OnceLock::new();
    let clocks = CLOCKS
        .get_or_init(|| ["%H.%M %Z", "%H:%M %Z", "%H.%M.%S %Z", "%H:%M:%S %Z"].map(parsed_format));
    let seconds = usize::from(matches!(precision, Precision::Seconds));
    let format = &clocks[2 * seconds + usize::from(lang == Lang::En)];
    format!(
        "{} {}",
        lang.text("time.at"),
        local.format_with_items(format.iter())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_times_are_short() {
        let at = chrono::NaiveDate::from_ymd_opt(2024, 2, 14)
            .unwrap()
            .and_hms_opt(1, 5, 9)
            .unwrap();
        let tz: Tz = "Asia/Jakarta".parse().unwrap();
        assert_eq!(short_time_in(at, tz, Lang::Id), "14 Feb 08.05");
        assert_eq!(short_time_in(at, tz, Lang::En), "14 Feb 08:05");
    }

    #[test]
    fn counts_are_grouped_in_thousands_the_languages_way() {
        assert_eq!(count_in(8100, Lang::Id), "8.100");
        assert_eq!(count_in(8100, Lang::En), "8,100");
        assert_eq!(count_in(3_412_000, Lang::Id), "3.412.000");
        assert_eq!(count_in(999, Lang::Id), "999");
        assert_eq!(count_in(0, Lang::En), "0");
        assert_eq!(count_in(-1200, Lang::Id), "-1.200");
    }

    #[test]
    fn a_wait_ends_at_the_next_whole_minute() {
        let at = |h, m, s| {
            chrono::NaiveDate::from_ymd_opt(2024, 2, 14)
                .unwrap()
                .and_hms_opt(h, m, s)
                .unwrap()
        };
        let jakarta = chrono_tz::Asia::Jakarta;
        assert_eq!(clock_in(at(2, 15, 7), jakarta, Lang::Id), "pukul 09.16 WIB");
        assert_eq!(clock_in(at(2, 15, 0), jakarta, Lang::Id), "pukul 09.15 WIB");
        assert_eq!(clock_in(at(2, 59, 30), jakarta, Lang::En), "at 10:00 WIB");
        let just_before = at(2, 15, 59) + chrono::Duration::milliseconds(500);
        assert_eq!(clock_in(just_before, jakarta, Lang::Id), "pukul 09.16 WIB");
        assert_eq!(
            clock_in(at(2, 15, 0), chrono_tz::Asia::Jayapura, Lang::Id),
            "pukul 11.15 WIT"
        );
    }

    #[test]
    fn shows_wib_wita_wit() {
        let t = chrono::NaiveDate::from_ymd_opt(2023, 11, 24)
            .unwrap()
            .and_hms_opt(2, 15, 7)
            .unwrap();
        assert_eq!(
            local_time(t, chrono_tz::Asia::Jakarta),
            "24 November 2023 pukul 09.15.07 WIB"
        );
        assert_eq!(
            local_time(t, chrono_tz::Asia::Makassar),
            "24 November 2023 pukul 10.15.07 WITA"
        );
        assert_eq!(
            local_time(t, chrono_tz::Asia::Jayapura),
            "24 November 2023 pukul 11.15.07 WIT"
        );
        let march = chrono::NaiveDate::from_ymd_opt(2024, 3, 1)
            .unwrap()
            .and_hms_opt(1, 2, 3)
            .unwrap();
        assert_eq!(
            local_time_in(march, chrono_tz::Asia::Jakarta, Lang::En),
            "1 March 2024 at 08:02:03 WIB"
        );
        assert_eq!(
            local_time_in(march, chrono_tz::Asia::Jakarta, Lang::Id),
            "1 Maret 2024 pukul 08.02.03 WIB"
        );
    }
}
