//! A synthetic roster shaped like a kabupaten's (made-up people with valid NIPs, most staff in
//! schools and health), for training, demonstrations, tests and load runs:
//! `ikrar roster sample --count 8100 --seed 1 > roster.csv`. The same seed gives the same file.

use super::csv_safe::SafeCsv;
use super::roster::COLUMNS;
use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use std::collections::HashSet;
use std::io::Write;

const GIVEN: &[&str] = &[
    "Agus", "Ahmad", "Aisyah", "Andi", "Anisa", "Arif", "Ayu", "Bambang", "Budi", "Dewi", "Dian",
    "Dimas", "Eko", "Endah", "Fajar", "Fitri", "Gilang", "Hadi", "Hendra", "Ika", "Indah", "Joko",
    "Kartika", "Lestari", "Lina", "Made", "Maya", "Nur", "Nurul", "Putri", "Rahmat", "Ratna",
    "Rina", "Rizki", "Sari", "Siti", "Slamet", "Sri", "Sugeng", "Susanti", "Taufik", "Teguh",
    "Tri", "Wahyu", "Wati", "Yanti", "Yudi", "Yusuf", "Zainal",
];
const FAMILY: &[&str] = &[
    "Aminah",
    "Hidayat",
    "Kurniawan",
    "Lestari",
    "Nugroho",
    "Pratama",
    "Purnomo",
    "Rahayu",
    "Santoso",
    "Saputra",
    "Setiawan",
    "Simanjuntak",
    "Siregar",
    "Susilo",
    "Utami",
    "Wibowo",
    "Wijaya",
    "Wulandari",
    "Yulianto",
    "Gunawan",
    "Hasibuan",
    "Nasution",
    "Pangaribuan",
    "Sembiring",
    "Tanjung",
    "Daulay",
    "Harahap",
    "Lubis",
    "Rangkuti",
];
const JABATAN: &[&str] = &[
    "Guru Ahli Pertama",
    "Guru Ahli Muda",
    "Perawat Terampil",
    "Bidan Terampil",
    "Analis Kepegawaian",
    "Pengelola Keuangan",
    "Penata Kelola Sistem Informasi",
    "Arsiparis",
    "Pranata Komputer",
    "Kepala Seksi",
    "Kepala Bidang",
    "Camat",
    "Penyuluh Pertanian",
    "Pengadministrasi Umum",
];
/// Units of a kabupaten, with how many staff each holds relative to the others.
const UNITS: &[(&str, &str, u32)] = &[
    ("SETDA", "Sekretariat Daerah", 2),
    ("SETWAN", "Sekretariat DPRD", 2),
    ("INSPEKTORAT", "Inspektorat Daerah", 2),
    ("BAPPELITBANGDA", "Bappelitbangda", 2),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan SDM", 2),
    ("BPKPAD", "BPKPAD", 2),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", 2),
    ("KESBANGPOL", "Badan Kesbangpol", 2),
    ("DINDIKBUD", "Dinas Pendidikan dan Kebudayaan", 40),
    ("DINKES", "Dinas Kesehatan", 12),
    ("RSUD", "RSUD dr. R. Goeteng Taroenadibrata", 8),
    ("DINSOS", "Dinas Sosial", 2),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", 2),
    ("DINPERKIM", "Dinas Perkim", 2),
    ("DISHUB", "Dinas Perhubungan", 2),
    ("DLH", "Dinas Lingkungan Hidup", 2),
    ("DISPERTAN", "Dinas Pertanian", 2),
    ("DINKOMINFO", "Dinas Komunikasi dan Informatika", 2),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", 2),
    ("DPMPTSP", "DPMPTSP", 2),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", 2),
    ("DINPORAPAR", "Dinas Pemuda, Olahraga dan Pariwisata", 2),
    ("KEC-BOBOTSARI", "Kecamatan Bobotsari", 2),
    ("KEC-BUKATEJA", "Kecamatan Bukateja", 2),
    ("KEC-KALIGONDANG", "Kecamatan Kaligondang", 2),
    ("KEC-KALIMANAH", "Kecamatan Kalimanah", 2),
    ("KEC-KARANGANYAR", "Kecamatan Karanganyar", 2),
    ("KEC-KEMANGKON", "Kecamatan Kemangkon", 2),
    ("KEC-KUTASARI", "Kecamatan Kutasari", 2),
    ("KEC-MREBET", "Kecamatan Mrebet", 2),
    ("KEC-PURBALINGGA", "Kecamatan Purbalingga", 2),
];

/// What to make.
#[derive(Debug, Clone)]
pub struct SampleRequest {
    pub count: usize,
    pub seed: u64,
    pub instansi: String,
}

/// Writes a roster of `request.count` made-up employees as CSV (the roster's columns).
pub fn write_sample(request: &SampleRequest, out: impl Write) -> std::io::Result<()> {
    let mut rng = StdRng::seed_from_u64(request.seed);
    let mut csv = SafeCsv::new(out);
    csv.text_row(COLUMNS).map_err(std::io::Error::other)?;
    let total_weight: u32 = UNITS.iter().map(|u| u.2).sum();
    let mut seen = HashSet::with_capacity(request.count);
    for _ in 0..request.count {
        let (nip, kind) = new_nip(&mut rng, &mut seen);
        let mut pick = rng.random_range(0..total_weight);
        let unit = UNITS
            .iter()
            .find(|u| {
                let here = pick < u.2;
                pick = pick.saturating_sub(u.2);
                here
            })
            .unwrap_or(&UNITS[0]);
        let name = format!(
            "{} {}",
            GIVEN.choose(&mut rng).unwrap_or(&"Siti"),
            FAMILY.choose(&mut rng).unwrap_or(&"Aminah")
        );
        let jabatan = JABATAN.choose(&mut rng).unwrap_or(&JABATAN[0]);
        csv.text_row([
            nip.as_str(),
            &name,
            kind,
            jabatan,
            unit.0,
            unit.1,
            &request.instansi,
        ])
        .map_err(std::io::Error::other)?;
    }
    csv.flush()
}

/// A NIP not in `seen`: about 70 % PNS (appointment month), 30 % PPPK (code 21 or 24), born
/// 1964–2000, appointed 20 or more years later but not after 2023.
fn new_nip(rng: &mut StdRng, seen: &mut HashSet<String>) -> (String, &'static str) {
    let first = NaiveDate::from_ymd_opt(1964, 1, 1).unwrap_or_default();
    loop {
        let birth = first + Duration::days(rng.random_range(0..365 * 37));
        let sex = if rng.random_bool(0.5) { 1 } else { 2 };
        let (start, code, kind) = if rng.random_bool(0.7) {
            let start = (birth.year() + rng.random_range(20..=35)).min(2023);
            (start, format!("{:02}", rng.random_range(1..=12)), "PNS")
        } else {
            let start = (birth.year() + rng.random_range(22..=40)).min(2023);
            let code = if rng.random_bool(0.75) { "21" } else { "24" };
            (start, code.to_owned(), "PPPK")
        };
        let stem = format!("{}{start}{code}{sex}", birth.format("%Y%m%d"));
        if let Some(nip) = (1..1000)
            .map(|seq| format!("{stem}{seq:03}"))
            .find(|nip| !seen.contains(nip))
        {
            seen.insert(nip.clone());
            return (nip, kind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_valid_rosters_and_repeatable() {
        let request = SampleRequest {
            count: 500,
            seed: 7,
            instansi: "Pemerintah Kabupaten Purbalingga".into(),
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_sample(&request, &mut a).unwrap();
        write_sample(&request, &mut b).unwrap();
        assert_eq!(a, b, "the same seed gives the same file");
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let parsed = super::super::roster::parse(&a, today).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", &parsed.errors[..1]);
        assert_eq!(parsed.rows.len(), 500);
        let pppk = parsed
            .rows
            .iter()
            .filter(|r| r.kind.label() == "PPPK")
            .count();
        assert!((50..250).contains(&pppk), "{pppk} PPPK of 500");
    }
}
