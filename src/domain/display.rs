//! How times and numbers are shown to people: in the deployment's zone, the Indonesian way.

use super::values::parsed_format;
use chrono::format::Item;
use chrono::{Datelike, NaiveDateTime};
use chrono_tz::Tz;
use std::sync::OnceLock;

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// A stored UTC time as `24 November 2023 pukul 09.15.07 WIB`.
pub fn local_time(utc: NaiveDateTime, tz: Tz) -> String {
    let local = utc.and_utc().with_timezone(&tz);
    let month = MONTHS[local.month0() as usize];
    static ITEMS: OnceLock<Vec<Item<'static>>> = OnceLock::new();
    let items = ITEMS.get_or_init(|| parsed_format("%H.%M.%S %Z"));
    format!(
        "{} {month} {} pukul {}",
        local.day(),
        local.year(),
        local.format_with_items(items.iter())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
