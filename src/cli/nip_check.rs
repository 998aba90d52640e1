//! `ikrar nip check NIP...`: one line per NIP, exit 0 when all are valid.

use super::Outcome;
use chrono::NaiveDate;
use ikrar_log::nip::Nip;
use std::io::Write;

/// Checks each NIP and writes `NIP<TAB>valid<TAB>KIND` or `NIP<TAB>invalid<TAB>CODE<TAB>message`.
/// The NIP is echoed as given, so that each line can be matched to its input.
pub fn run(nips: &[String], today: NaiveDate, out: &mut impl Write) -> std::io::Result<Outcome> {
    let mut outcome = Outcome::Ok;
    for input in nips {
        match Nip::parse(input, today) {
            Ok(nip) => writeln!(out, "{input}\tvalid\t{}", nip.kind())?,
            Err(e) => {
                outcome = Outcome::Invalid;
                writeln!(out, "{input}\tinvalid\t{}\t{e}", e.code())?;
            }
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_one_line_per_nip() {
        let mut out = Vec::new();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let nips = ["199004152019032004".to_owned(), "123".to_owned()];
        assert_eq!(run(&nips, today, &mut out).unwrap(), Outcome::Invalid);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "199004152019032004\tvalid\tPNS\n123\tinvalid\tnip_length\tNIP harus 18 digit angka\n"
        );
    }
}
