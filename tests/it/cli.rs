//! The command line as an operator and an admin use it: `ikrar nip check`, `ikrar roster import`,
//! and what `ikrar serve` says at start.

use crate::common::*;
use ikrar::db::{employees, units};
use ikrar::service::App;

fn counts(dir: &DataDir) -> (i64, Option<String>) {
    let app = App::open(config(dir)).unwrap();
    let mut conn = app.db.conn().unwrap();
    let employees = employees::count(&mut conn).unwrap();
    let siti = employees::find(&mut conn, &nip("199004152019032004"))
        .unwrap()
        .map(|e| format!("{}|{}", e.name, e.unit_code));
    (employees, siti)
}

#[test]
fn nip_check_follows_the_fixture_cases() {
    let dir = DataDir::new();
    let cases = include_str!("../../crates/ikrar-log/tests/fixtures/nip-cases.tsv");
    for line in cases.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.split('\t');
        let (input, expected, why) = (
            cols.next().unwrap(),
            cols.next().unwrap(),
            cols.next().unwrap(),
        );
        let out = ikrar_in(&dir, &["nip", "check", input]);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let fields: Vec<&str> = stdout.trim_end_matches('\n').split('\t').collect();
        assert_eq!(fields[0], input, "{why}");
        assert_eq!(fields[1], expected, "{why}: {stdout}");
        if expected == "valid" {
            assert_eq!(out.status.code(), Some(0));
            assert!(why.starts_with(fields[2]), "{why}: {stdout}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{why}");
            assert_eq!(fields.len(), 4, "{stdout}");
            assert!(fields[2].starts_with("nip_"), "{stdout}");
        }
    }
    // Several at once: one line each, exit 1 if any is invalid.
    let out = ikrar_in(
        &dir,
        &["nip", "check", "199004152019032004", "198807022023211007"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);
    let out = ikrar_in(&dir, &["nip", "check", "199004152019032004", "1"]);
    assert_eq!(out.status.code(), Some(1));
    // A NIP typed with a leading minus is judged, not taken for an option.
    for args in [
        &["nip", "check", "-199004152019032004"][..],
        &["nip", "check", "199004152019032004", "-1"][..],
    ] {
        let out = ikrar_in(&dir, args);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let stdout = String::from_utf8(out.stdout).unwrap();
        let minus = stdout.lines().find(|l| l.starts_with('-')).unwrap();
        assert!(minus.contains("\tinvalid\tnip_"), "{stdout}");
    }
}

const BAD_ROW: &str = "199004152019032004,Siti Aminah,PPPK,Perawat,DINKES,Dinas Kesehatan,Pemkab\n";

#[test]
fn a_bad_row_stops_the_whole_import() {
    let dir = DataDir::deployed();
    let roster = dir.path().join("roster.csv");
    let report = dir.path().join("report.csv");
    let codes = dir.path().join("codes.csv");
    let content = format!(
        "{ROSTER_HEADER}198807022023211007,Budi,PPPK,Guru,DINDIKBUD,Dinas Pendidikan,Pemkab\n{BAD_ROW}\
         19900415201903200A,X,PNS,,DINKES,Dinas Kesehatan,Pemkab\n"
    );
    std::fs::write(&roster, content).unwrap();
    let out = ikrar_in(
        &dir,
        &[
            "roster",
            "import",
            roster.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--codes-out",
            codes.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("tidak ada yang ditulis"),
        "{}",
        text(&out)
    );
    assert_eq!(counts(&dir).0, 0, "nothing may be written");
    assert!(!codes.exists(), "no codes file for a refused import");
    let report = std::fs::read_to_string(&report).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "line,nip,code,message");
    assert!(
        lines[1].starts_with("3,199004152019032004,jenis_mismatch,"),
        "{report}"
    );
    assert!(
        lines[2].starts_with("4,19900415201903200A,nip_length,NIP harus 18 digit angka"),
        "{report}"
    );
    assert_eq!(lines.len(), 3);
}

#[test]
fn dry_run_reports_and_writes_nothing() {
    let dir = DataDir::deployed();
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, small_roster()).unwrap();
    let out = ikrar_in(
        &dir,
        &["roster", "import", roster.to_str().unwrap(), "--dry-run"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("pegawai baru: 3"), "{}", text(&out));
    assert_eq!(counts(&dir).0, 0);
}

#[test]
fn skip_invalid_imports_the_good_rows() {
    let dir = DataDir::deployed();
    let roster = dir.path().join("roster.csv");
    let codes = dir.path().join("codes.csv");
    std::fs::write(
        &roster,
        format!("{ROSTER_HEADER}198807022023211007,Budi,PPPK,Guru,DINDIKBUD,Dinas Pendidikan,Pemkab\n{BAD_ROW}"),
    )
    .unwrap();
    let out = ikrar_in(
        &dir,
        &[
            "roster",
            "import",
            roster.to_str().unwrap(),
            "--skip-invalid",
            "--codes-out",
            codes.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(counts(&dir).0, 1);
    let issued = read_codes(&codes);
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].0, "198807022023211007");
    assert_eq!(issued[0].1.len(), 14);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&codes).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "codes file must be private");
    }
}

#[test]
fn reimport_updates_people_and_issues_codes_only_to_those_without() {
    let dir = DataDir::deployed();
    let roster = dir.path().join("roster.csv");
    let codes = dir.path().join("codes.csv");
    let import = |content: String| {
        std::fs::write(&roster, content).unwrap();
        let out = import_with_codes(&dir, &roster, &codes);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        read_codes(&codes)
    };
    assert_eq!(import(small_roster()).len(), 3);
    // Mutasi: Siti moves to RSUD under a new name; a new employee joins.
    let moved = small_roster().replace(
        "199004152019032004,Siti Aminah,PNS,Perawat,DINKES,Dinas Kesehatan",
        "199004152019032004,Siti Aminah Lubis,PNS,Perawat,RSUD,RSUD dr. R. Goeteng Taroenadibrata",
    ) + "198512302010011003,Dewi,PNS,Camat,KEC-KUTASARI,Kecamatan Kutasari,Pemerintah Kabupaten Purbalingga\n";
    let second = import(moved);
    assert_eq!(
        second.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        ["198512302010011003"]
    );
    let (count, siti) = counts(&dir);
    assert_eq!(count, 4);
    assert_eq!(siti.as_deref(), Some("Siti Aminah Lubis|RSUD"));
    let app = App::open(config(&dir)).unwrap();
    let unit = units::find(&mut app.db.conn().unwrap(), "RSUD")
        .unwrap()
        .unwrap();
    assert_eq!(unit.name, "RSUD dr. R. Goeteng Taroenadibrata");
}

#[test]
fn unreadable_rosters_are_refused_clearly() {
    let dir = DataDir::deployed();
    let missing = ikrar_in(&dir, &["roster", "import", "/nonexistent/roster.csv"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing).contains("tidak dapat membaca"));
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, "nip,nama\n199004152019032004,Siti\n").unwrap();
    let out = ikrar_in(&dir, &["roster", "import", roster.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("kolom wajib tidak ada"),
        "{}",
        text(&out)
    );
    std::fs::write(&roster, b"nip,nama\n\xff\xfe\n").unwrap();
    let out = ikrar_in(&dir, &["roster", "import", roster.to_str().unwrap()]);
    assert!(text(&out).contains("UTF-8"), "{}", text(&out));
    assert_eq!(counts(&dir).0, 0);
}

#[test]
fn a_kabupaten_roster_imports_whole() {
    let dir = DataDir::deployed();
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, generated_roster(8100, 7)).unwrap();
    let codes = dir.path().join("codes.csv");
    let out = import_with_codes(&dir, &roster, &codes);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(counts(&dir).0, 8100);
    assert_eq!(read_codes(&codes).len(), 8100);
}

#[test]
fn commands_that_read_the_log_never_invent_one() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().join("data-salah");
    let out_file = empty.path().join("bundle.jsonl");
    let report = empty.path().join("rekap.csv");
    let backup = empty.path().join("cadangan.db");
    for args in [
        vec!["export", "bundle", out_file.to_str().unwrap()],
        vec![
            "export",
            "report",
            report.to_str().unwrap(),
            "--pact",
            "netralitas-2024",
        ],
        vec!["backup", backup.to_str().unwrap()],
    ] {
        let out = ikrar_command_sqlite(&dir).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains("tidak ada log ikrar"), "{}", text(&out));
    }
    assert!(!dir.join("ikrar.db").exists() && !dir.join("log-key.pem").exists());
    assert!(!out_file.exists() && !report.exists() && !backup.exists());

    // A database without its log key is refused too: a new key would sign a log it never kept.
    let served = DataDir::new();
    let migrated = ikrar_in(&served, &["migrate"]);
    assert!(migrated.status.success(), "{}", text(&migrated));
    let key = served.path().join("log-key.pem");
    let _ = std::fs::remove_file(&key);
    let out = ikrar_in(&served, &["export", "bundle", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("berkas kunci") && text(&out).contains("log-key.pem"),
        "{}",
        text(&out)
    );
    assert!(!key.exists() && !out_file.exists());
}

#[tokio::test]
async fn an_import_whose_audit_record_fails_writes_nothing() {
    let app = TestApp::spawn().await;
    let before = app.counts();
    // The audit trail cannot be written: the import must not happen without its record.
    app.tamper("ALTER TABLE audit_events RENAME TO audit_events_hidden;");
    let roster = app.dir.path().join("roster.csv");
    std::fs::write(&roster, small_roster()).unwrap();
    let out = app.ikrar(&["roster", "import", roster.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        app.counts(),
        before,
        "nothing imported without its audit record"
    );
}

#[test]
fn command_line_help_is_in_bahasa_indonesia_only() {
    let dir = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 16] = [
        &[],
        &["serve"],
        &["migrate"],
        &["nip"],
        &["nip", "check"],
        &["roster"],
        &["roster", "import"],
        &["roster", "sample"],
        &["admin"],
        &["admin", "create"],
        &["admin", "reset-2fa"],
        &["export"],
        &["export", "bundle"],
        &["export", "report"],
        &["verify"],
        &["verify-receipt"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = ikrar_offline(dir.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let help = text(&out);
        assert!(help.contains("Penggunaan: ikrar"), "{args:?}: {help}");
        assert!(help.contains("Tampilkan bantuan ini"), "{args:?}: {help}");
        for english in [
            "Usage:",
            "Options:",
            "Commands:",
            "Arguments:",
            "Print help",
            "Possible values",
            "[default",
        ] {
            assert!(!help.contains(english), "{args:?} says {english:?}: {help}");
        }
    }
}

/// What `ikrar serve` says before it ends for want of a database: the PostgreSQL URL's
/// `hostaddr` is no address at all, so libpq gives up before sending anything (and nothing is
/// listened on).
fn serve_on(url: &str, bind: &str, public_url: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = ikrar_command_sqlite(dir.path());
    command
        .env("DATABASE_URL", url)
        .env("IKRAR_DB_TIMEOUT", "1")
        .env_remove("IKRAR_PUBLIC_URL")
        .env_remove("PGSSLMODE")
        .env_remove("PGHOST")
        .env_remove("PGHOSTADDR")
        .args(["serve", "--bind", bind]);
    if let Some(public_url) = public_url {
        command.env("IKRAR_PUBLIC_URL", public_url);
    }
    let out = command.output().expect("run ikrar");
    assert_eq!(out.status.code(), Some(2), "no database, no server");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A certificate checked, on loopback: nothing to warn about.
const CHECKED: &str = "postgres://ikrar@/ikrar?hostaddr=bukan-alamat&sslmode=verify-full";

#[test]
fn serve_warns_of_a_database_link_that_checks_no_certificate() {
    let said = serve_on(
        "postgres://ikrar:rahasia-db@/ikrar?hostaddr=bukan-alamat",
        "127.0.0.1:0",
        None,
    );
    assert!(
        said.contains(
            "peringatan: PostgreSQL di bukan-alamat dihubungi lewat jaringan tanpa memeriksa \
             sertifikat server (sslmode=prefer); pakai sslmode=verify-full"
        ),
        "{said}"
    );
    assert!(
        !said.contains("rahasia"),
        "the password is never shown: {said}"
    );
    let said = serve_on(CHECKED, "127.0.0.1:0", None);
    assert!(!said.contains("peringatan"), "{said}");
    assert!(
        said.contains("galat: tidak dapat membuka basis data"),
        "{said}"
    );
}

#[test]
fn serve_warns_when_it_takes_the_network_without_https() {
    let said = serve_on(CHECKED, "0.0.0.0:0", None);
    assert!(
        said.contains(
            "peringatan: ikrar menerima sambungan dari jaringan di 0.0.0.0:0, tetapi \
             IKRAR_PUBLIC_URL (http://0.0.0.0:0) bukan https://"
        ),
        "{said}"
    );
    // Behind a TLS proxy or load balancer that the public address names: fine.
    let said = serve_on(
        CHECKED,
        "0.0.0.0:0",
        Some("https://ikrar.purbalinggakab.go.id"),
    );
    assert!(!said.contains("peringatan"), "{said}");
}

/// Run where there is no deployment (another directory, a typo in a `sqlite://` path), a
/// command that needs one says where it looked and how to point it elsewhere, exits 2, and
/// creates nothing: no second database that the server never sees, no second log key.
#[test]
fn commands_outside_a_deployment_refuse_and_create_nothing() {
    let empty = tempfile::tempdir().unwrap();
    let roster = empty.path().join("roster.csv");
    std::fs::write(&roster, small_roster()).unwrap();
    let roster = roster.to_str().unwrap();
    let typo = format!("sqlite://{}/data/ikarr.db", empty.path().display());
    for (env, args) in [
        (
            None,
            vec!["admin", "create", "kepala", "--role", "superadmin"],
        ),
        (None, vec!["roster", "import", roster, "--dry-run"]),
        (None, vec!["roster", "import", roster]),
        (None, vec!["export", "bundle", "b.jsonl"]),
        (None, vec!["admin", "reset-2fa", "kepala"]),
        (
            Some(typo.as_str()),
            vec!["admin", "create", "kepala", "--role", "superadmin"],
        ),
    ] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ikrar"));
        command
            .args(&args)
            .current_dir(empty.path())
            .env_remove("IKRAR_DATA_DIR")
            .env_remove("DATABASE_URL")
            .env_remove("IKRAR_LOG_KEY");
        if let Some(url) = env {
            command.env("DATABASE_URL", url);
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let said = text(&out);
        assert!(said.contains("tidak ada log ikrar di"), "{args:?}: {said}");
        assert!(
            said.contains("IKRAR_DATA_DIR") && said.contains("DATABASE_URL"),
            "{said}"
        );
        let left: Vec<_> = std::fs::read_dir(empty.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("roster.csv")],
            "{args:?}"
        );
    }
}

/// Output piped into `head` ends the command quietly (no panic, no error about a broken pipe).
#[test]
fn output_piped_into_head_ends_quietly() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ikrar"))
        .args(["roster", "sample", "--count", "100000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("nip,nama"), "{first}");
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.is_empty(), "{said}");
    assert_ne!(out.status.code(), Some(101), "no panic");
}

/// A port in use is named, with the two ways to choose another.
#[tokio::test]
async fn a_busy_port_names_bind_and_ikrar_bind() {
    let data = DataDir::deployed();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = ikrar_command(&data)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("--bind") && said.contains("IKRAR_BIND"),
        "{said}"
    );
}

/// A mistake in the arguments is said in Bahasa Indonesia, like the rest, with exit code 2.
#[test]
fn argument_mistakes_are_said_in_bahasa_indonesia() {
    for (args, said) in [
        (
            vec!["serve", "--bogus"],
            "galat: argumen tidak dikenal: --bogus",
        ),
        (
            vec!["export", "report"],
            "galat: argumen wajib belum diberikan: --pact",
        ),
        (
            vec!["roster", "sample", "--count", "abc"],
            "galat: nilai abc tidak sah untuk --count",
        ),
        (vec!["bogus"], "galat: perintah tidak dikenal: bogus"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ikrar"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = text(&out);
        assert!(text.starts_with(said), "{args:?}: {text}");
        assert!(
            !text.contains("error:") && !text.contains("Usage"),
            "{text}"
        );
    }
}

/// `--env-file` (or IKRAR_ENV_FILE) reads the service's settings file, so a command run by hand
/// works on the deployment the service runs; a file others may read is refused.
#[test]
fn commands_read_the_services_settings_file() {
    let data = DataDir::deployed();
    let elsewhere = tempfile::tempdir().unwrap();
    let env_file = elsewhere.path().join("ikrar.env");
    let mut settings = format!(
        "# as /etc/ikrar/ikrar.env\nIKRAR_DATA_DIR=\"{}\"\nIKRAR_ARGON2={TEST_ARGON2}\nIKRAR_ALLOW_WEAK_ARGON2=1\n",
        data.path().display()
    );
    if let Some(url) = data.database_url() {
        settings.push_str(&format!("DATABASE_URL='{url}'\n"));
    }
    std::fs::write(&env_file, settings).unwrap();
    let run = |args: &[&str], env: Option<&std::path::Path>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ikrar"));
        command
            .args(args)
            .current_dir(elsewhere.path())
            .env_remove("IKRAR_DATA_DIR")
            .env_remove("DATABASE_URL");
        if let Some(file) = env {
            command.env("IKRAR_ENV_FILE", file);
        }
        command.output().unwrap()
    };
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&env_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let file = env_file.to_str().unwrap();
    let exposed = run(
        &[
            "--env-file",
            file,
            "admin",
            "create",
            "kepala",
            "--role",
            "superadmin",
        ],
        None,
    );
    assert_eq!(exposed.status.code(), Some(2));
    assert!(text(&exposed).contains("chmod 600"), "{}", text(&exposed));
    std::fs::set_permissions(&env_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let made = run(
        &[
            "--env-file",
            file,
            "admin",
            "create",
            "kepala",
            "--role",
            "superadmin",
        ],
        None,
    );
    assert!(made.status.success(), "{}", text(&made));
    // The variable does the same; the account is in the deployment's database.
    let again = run(
        &["admin", "create", "kepala", "--role", "superadmin"],
        Some(&env_file),
    );
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(text(&again).contains("sudah dipakai"), "{}", text(&again));
}
