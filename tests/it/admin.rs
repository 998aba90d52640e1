//! The admin console over HTTP: each role's allowed and refused routes, sign-in rules, the counts
//! after scripted signatures, report contents, code reset and re-signing, API tokens, the audit
//! trail.

use crate::common::*;
use calamine::{Data, Reader, Xlsx};
use ikrar::domain::audit::AuditAction;
use std::io::Cursor;

const PACT_PAGE: &str = "/admin/pakta/netralitas-2024";

#[tokio::test]
async fn each_role_reaches_only_its_pages() {
    let (app, _) = console().await;
    let nobody = app.browser();
    for path in [
        "/admin",
        PACT_PAGE,
        "/admin/akun",
        "/admin/bundle",
        "/admin/audit",
    ] {
        let res = nobody.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path} without a session");
        assert_eq!(res.headers()["location"], "/admin/masuk");
    }
    let dinkes_unit = format!("{PACT_PAGE}/unit/DINKES");
    let dindik_unit = format!("{PACT_PAGE}/unit/DINDIKBUD");
    let report = format!("{PACT_PAGE}/laporan?per=unit&format=csv");
    let table: [(&str, &[(&str, u16)]); 3] = [
        (
            "bkpsdm",
            &[
                ("/admin", 200),
                (PACT_PAGE, 200),
                (&dinkes_unit, 200),
                (&dindik_unit, 200),
                (&report, 200),
                ("/admin/akun", 200),
                ("/admin/token", 200),
                ("/admin/audit", 200),
                ("/admin/bundle", 200),
            ],
        ),
        (
            "dinkes",
            &[
                ("/admin", 200),
                (PACT_PAGE, 200),
                (&dinkes_unit, 200),
                (&dindik_unit, 403),
                (&report, 200),
                ("/admin/akun", 403),
                ("/admin/token", 403),
                ("/admin/audit", 403),
                ("/admin/bundle", 403),
            ],
        ),
        (
            "bawaslu",
            &[
                ("/admin", 200),
                (PACT_PAGE, 200),
                (&dinkes_unit, 200),
                (&dindik_unit, 200),
                (&report, 200),
                ("/admin/akun", 403),
                ("/admin/token", 200),
                ("/admin/audit", 200),
                ("/admin/bundle", 200),
            ],
        ),
    ];
    for (username, routes) in table {
        let browser = signed_in(&app, username).await;
        for (path, expected) in routes {
            assert_eq!(
                status(&app, &browser, path).await,
                *expected,
                "{username} GET {path}"
            );
        }
    }
    // Changes: an auditor may not reset codes; a unit-admin not outside their units.
    let auditor = signed_in(&app, "bawaslu").await;
    assert_eq!(
        press_status(&app, &auditor, &format!("/admin/pegawai/{ANI}/reset")).await,
        403
    );
    let dinkes = signed_in(&app, "dinkes").await;
    assert_eq!(
        press_status(&app, &dinkes, &format!("/admin/pegawai/{BUDI}/reset")).await,
        404
    );
    assert_eq!(
        press_status(&app, &dinkes, &format!("/admin/pegawai/{ANI}/reset")).await,
        200
    );
    assert_eq!(
        press_status(&app, &dinkes, "/admin/akun/1/nonaktifkan").await,
        403
    );
    // The log's entries: auditor sessions yes, unit-admin sessions no.
    assert_eq!(
        status(&app, &auditor, "/log/entries?start=0&end=1").await,
        200
    );
    assert_eq!(
        status(&app, &dinkes, "/log/entries?start=0&end=1").await,
        401
    );
}

#[tokio::test]
async fn sign_in_is_uniform_limited_rotated_and_ends() {
    let (app, _) = console().await;
    let browser = app.browser();
    let wrong = post_sign_in(&app, &browser, "bkpsdm", "salah sekali ini").await;
    assert_eq!(wrong.status(), 401);
    let wrong_page = wrong.text().await.unwrap();
    let wrong_text = error_text(&wrong_page).unwrap();
    // The name stays; the cursor waits in the password field.
    let password = wrong_page
        .lines()
        .find(|l| l.contains("id=\"password\""))
        .unwrap();
    assert!(password.contains("autofocus"), "{password}");
    let unknown = post_sign_in(&app, &browser, "tidak-ada", ADMIN_PASSWORD).await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(
        error_text(&unknown.text().await.unwrap()).unwrap(),
        wrong_text
    );

    // A new session id at every sign-in; signing out ends it.
    let cookie_of = |res: &reqwest::Response| {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("ikrar_admin="))
            .map(str::to_owned)
            .unwrap()
    };
    let first = post_sign_in(&app, &browser, "bkpsdm", ADMIN_PASSWORD).await;
    let second = post_sign_in(&app, &browser, "bkpsdm", ADMIN_PASSWORD).await;
    let (c1, c2) = (cookie_of(&first), cookie_of(&second));
    assert_ne!(c1, c2);
    assert!(
        c2.contains("HttpOnly") && c2.contains("SameSite=Strict"),
        "{c2}"
    );
    assert_eq!(status(&app, &browser, "/admin").await, 200);
    assert_eq!(press_status(&app, &browser, "/admin/keluar").await, 303);
    assert_eq!(status(&app, &browser, "/admin").await, 303);
    // An idle session ends.
    let idle = signed_in(&app, "bawaslu").await;
    {
        use diesel::prelude::*;
        use ikrar::db::schema::admin_sessions;
        let half_an_hour_ago = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(31);
        diesel::update(admin_sessions::table)
            .set(admin_sessions::last_seen_at.eq(half_an_hour_ago))
            .execute(&mut *app.app.db.conn().unwrap())
            .unwrap();
    }
    assert_eq!(status(&app, &idle, "/admin").await, 303);
    // The old cookie, replayed, is dead too.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let value = c2.split(';').next().unwrap().to_owned();
    let res = replay
        .get(app.url("/admin"))
        .header("cookie", value)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // Five failures lock the account, even for the right password.
    for _ in 0..5 {
        assert_eq!(
            post_sign_in(&app, &browser, "bawaslu", "salah sekali ini")
                .await
                .status(),
            401
        );
    }
    assert_eq!(
        post_sign_in(&app, &browser, "bawaslu", ADMIN_PASSWORD)
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn counts_follow_the_signatures() {
    let (app, _) = console().await;
    let browser = signed_in(&app, "bkpsdm").await;
    let home = app.page(&browser, "/admin").await;
    assert!(home.contains("2 dari 3 pegawai (66,7\u{a0}%)"), "{home}");
    let page = app.page(&browser, PACT_PAGE).await;
    assert!(text_of(&page).contains("Sudah: 2 dari 3 pegawai"), "{page}");
    assert!(page.contains("50,0\u{a0}%") && page.contains("100,0\u{a0}%"));
    let pppk = app.page(&browser, &format!("{PACT_PAGE}?jenis=PPPK")).await;
    assert!(text_of(&pppk).contains("Sudah: 1 dari 1 pegawai"), "{pppk}");
    // A unit-admin sees only their units in the totals.
    let dinkes = signed_in(&app, "dinkes").await;
    let theirs = app.page(&dinkes, PACT_PAGE).await;
    assert!(
        text_of(&theirs).contains("Sudah: 1 dari 2 pegawai") && !theirs.contains("DINDIKBUD"),
        "{theirs}"
    );
    // The unit list: status and search.
    let list = app
        .page(&browser, &format!("{PACT_PAGE}/unit/DINKES"))
        .await;
    assert!(list.contains("Siti Aminah") && list.contains("Ani Lestari") && list.contains("sudah"));
    let search = app
        .page(&browser, &format!("{PACT_PAGE}/unit/DINKES?q=ani"))
        .await;
    assert!(search.contains("Ani Lestari") && !search.contains("Siti Aminah"));
    let by_nip = app
        .page(&browser, &format!("{PACT_PAGE}/unit/DINKES?q=1990"))
        .await;
    assert!(by_nip.contains("Siti Aminah") && !by_nip.contains("Ani Lestari"));
    // Mutasi moves the counts with the person.
    app.import_roster(&small_roster().replace(
        ",Bidan,DINKES,Dinas Kesehatan,",
        ",Bidan,DINDIKBUD,Dinas Pendidikan dan Kebudayaan,",
    ));
    let moved = app.page(&browser, &format!("{PACT_PAGE}?urut=nama")).await;
    assert!(text_of(&moved).contains("Sudah: 2 dari 3 pegawai"));
    let units = app
        .page(&browser, &format!("{PACT_PAGE}/unit/DINKES"))
        .await;
    assert!(!units.contains("Ani Lestari"));
}

/// A page's text without its tags, as a person reads it.
fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// A reader of the `;`-separated CSV made for spreadsheets.
fn spreadsheet_csv(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes())
}

#[tokio::test]
async fn reports_carry_the_right_numbers() {
    let (app, _) = console().await;
    let browser = signed_in(&app, "bkpsdm").await;
    let res = browser
        .get(app.url(&format!("{PACT_PAGE}/laporan?per=unit&format=csv")))
        .send()
        .await
        .unwrap();
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("rekap-netralitas-2024-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let csv_text = res.text().await.unwrap();
    // For Excel set to Indonesian: a BOM, `;`, decimal commas, NIPs kept as text.
    let csv_text = csv_text.strip_prefix('\u{feff}').expect("a UTF-8 BOM");
    let mut reader = spreadsheet_csv(csv_text);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(
        &reader.headers().unwrap().iter().collect::<Vec<_>>(),
        &[
            "instansi",
            "unit_kode",
            "unit",
            "roster",
            "sudah",
            "belum",
            "persen"
        ]
    );
    let dinkes = rows.iter().find(|r| r[1] == "DINKES").unwrap();
    assert_eq!(&dinkes[3..], &["2", "1", "1", "50,0"]);
    let total = rows.last().unwrap();
    assert_eq!(&total[3..6], &["3", "2", "1"]);

    let daftar = app
        .page(
            &browser,
            &format!("{PACT_PAGE}/laporan?per=pegawai&format=csv"),
        )
        .await;
    let mut reader = spreadsheet_csv(daftar.strip_prefix('\u{feff}').unwrap());
    let people: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(people.len(), 3);
    let as_text = |nip: &str| format!("=\"{nip}\"");
    let siti = people.iter().find(|r| r[0] == as_text(SITI)).unwrap();
    assert_eq!(&siti[5], "sudah");
    assert!(siti[6].contains("WIB") && !siti[7].is_empty());
    let ani = people.iter().find(|r| r[0] == as_text(ANI)).unwrap();
    assert_eq!((&ani[5], &ani[6]), ("belum", ""));

    // XLSX: a title row, the header on row 3, numbers and percentages as numbers.
    let bytes = browser
        .get(app.url(&format!("{PACT_PAGE}/laporan?per=unit&format=xlsx")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("Rekap").unwrap();
    let title = sheet.get_value((0, 0)).unwrap().to_string();
    assert!(
        title.contains("Pakta Integritas Netralitas") && title.contains("WIB"),
        "{title}"
    );
    assert_eq!(
        sheet.get_value((2, 1)),
        Some(&Data::String("unit_kode".into()))
    );
    let dinkes_row = (3..6)
        .find(|r| sheet.get_value((*r, 1)) == Some(&Data::String("DINKES".into())))
        .unwrap();
    assert_eq!(sheet.get_value((dinkes_row, 3)), Some(&Data::Float(2.0)));
    assert_eq!(sheet.get_value((dinkes_row, 6)), Some(&Data::Float(0.5)));

    // A unit-admin's report covers their units only.
    let dinkes_admin = signed_in(&app, "dinkes").await;
    let theirs = app
        .page(
            &dinkes_admin,
            &format!("{PACT_PAGE}/laporan?per=pegawai&format=csv"),
        )
        .await;
    assert!(theirs.contains(SITI) && theirs.contains(ANI) && !theirs.contains(BUDI));

    // The same reports from the command line.
    for (file, by) in [("rekap.xlsx", "unit"), ("daftar.csv", "employee")] {
        let path = app.dir.path().join(file);
        let out = app.ikrar(&[
            "export",
            "report",
            path.to_str().unwrap(),
            "--pact",
            PACT,
            "--by",
            by,
        ]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(std::fs::metadata(&path).unwrap().len() > 100);
    }
    let daftar = std::fs::read_to_string(app.dir.path().join("daftar.csv")).unwrap();
    assert_eq!(daftar.lines().count(), 4);
    let audit = app.page(&browser, "/admin/audit?aksi=export_report").await;
    assert!(
        audit.contains("daftar.csv") && audit.contains("cli:"),
        "CLI exports are audited"
    );
    // Named as done at the server's command line, with the command, not an address.
    assert!(
        audit.contains("<td>baris perintah (server)</td>")
            && audit.contains("<code>ikrar export report</code>"),
        "{audit}"
    );
    let bad = app.ikrar(&["export", "report", "x.pdf", "--pact", PACT]);
    assert_eq!(bad.status.code(), Some(1));
    let unknown = app.ikrar(&[
        "export",
        "report",
        app.dir.path().join("y.csv").to_str().unwrap(),
        "--pact",
        "tidak-ada",
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown).contains("tidak ditemukan"));
}

#[tokio::test]
async fn a_reset_code_reactivates_and_old_signatures_stay_valid() {
    let (app, _) = console().await;
    create_admin(&app, "bkpsdm2", "superadmin", None);
    // Siti has activated: the unit's admin asks, another superadmin approves.
    let dinkes = signed_in(&app, "dinkes").await;
    let reason = "HP hilang, lapor langsung ke BKPSDM";
    assert_eq!(
        request_reset(&app, &dinkes, SITI, reason).await.status(),
        200
    );
    let admin = signed_in(&app, "bkpsdm").await;
    let html = approve_first_request(&app, &admin).await;
    let code = code_in(&html);
    assert_eq!(
        switch_returns_to(&html),
        "/admin/reset",
        "the approval path takes no GET: back to the requests"
    );

    // Siti re-activates with a new passphrase: a second key entry.
    let employee = app.browser();
    let new_passphrase = "lampu merah di jalan raya";
    let res = app
        .activate_with(&employee, SITI, &code, new_passphrase)
        .await;
    assert_eq!(res.status(), 200);
    // She already signed this pact: not again, not even with her new key.
    assert_eq!(
        app.sign(&employee, SITI, new_passphrase).await.status(),
        409
    );
    assert_eq!(app.sign(&employee, SITI, PASSPHRASE).await.status(), 403);
    // The whole log, old signature and new key, verifies.
    let bundle = app.export("after-reset.jsonl");
    let out = app.ikrar(&["verify", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("3 kunci"), "{}", text(&out)); // Siti twice, Budi once
}

#[tokio::test]
async fn api_tokens_open_the_log_until_revoked() {
    let (app, _) = console().await;
    let auditor = signed_in(&app, "bawaslu").await;
    let secret = create_api_token(&app, &auditor, "Pemantau Bawaslu").await;
    let script = reqwest::Client::new();
    let entries = |bearer: String| {
        script
            .get(app.url("/log/entries?start=0&end=2"))
            .bearer_auth(bearer)
            .send()
    };
    assert_eq!(entries(secret.clone()).await.unwrap().status(), 200);
    assert_eq!(entries("tebakan".into()).await.unwrap().status(), 401);
    assert!(
        !app.page(&auditor, "/admin/token").await.contains(&secret),
        "a token is shown once"
    );
    assert_eq!(
        press_status(&app, &auditor, "/admin/token/1/cabut").await,
        303
    );
    assert_eq!(entries(secret).await.unwrap().status(), 401);
}

#[tokio::test]
async fn the_audit_trail_records_admin_actions() {
    let (app, _) = console().await;
    let browser = app.browser();
    assert_eq!(
        post_sign_in(&app, &browser, "bkpsdm", "salah sekali ini")
            .await
            .status(),
        401
    );
    let admin = signed_in(&app, "bkpsdm").await;
    assert_eq!(
        press_status(&app, &admin, &format!("/admin/pegawai/{ANI}/reset")).await,
        200
    );
    app.page(&admin, &format!("{PACT_PAGE}/laporan?per=unit&format=csv"))
        .await;
    let page = app.page(&admin, "/admin/audit").await;
    for action in [
        "account_create",
        "sign_in_failed",
        "sign_in",
        "code_reset",
        "export_report",
    ] {
        assert!(
            page.contains(&format!("<span title=\"{action}\">")),
            "audit lacks {action}"
        );
    }
    // Actions in the page's language, the browser summarised, the full user agent on demand.
    assert!(page.contains(">Gagal masuk</span>"), "{page}");
    assert!(
        page.contains("<code>ikrar admin create</code>"),
        "the command of an account made on the server: {page}"
    );
    // A username of any length is refused like a wrong one, and only its start is recorded.
    let long = "x".repeat(10_000);
    assert_eq!(
        post_sign_in(&app, &browser, &long, ADMIN_PASSWORD)
            .await
            .status(),
        401
    );
    let mut conn = app.app.db.conn().unwrap();
    let failed =
        ikrar::db::audit::list(&mut conn, Some(AuditAction::SignInFailed), None, 0, 10).unwrap();
    assert!(
        failed
            .iter()
            .all(|e| e.detail.len() <= 64 && e.actor.len() <= 64),
        "{failed:?}"
    );
    drop(conn);
    let filtered = app.page(&admin, "/admin/audit?aksi=code_reset").await;
    assert!(filtered.contains(ANI) && !filtered.contains("title=\"sign_in_failed\""));
    assert!(filtered.contains("<option value=\"code_reset\" selected>"));
    app.page(&admin, "/bahasa/en?kembali=/admin/audit").await;
    let page = app.page(&admin, "/admin/audit").await;
    assert!(page.contains(">Sign-in failed</span>"), "{page}");
    app.page(&admin, "/bahasa/id?kembali=/admin/audit").await;
    let csv_text = app.page(&admin, "/admin/audit?format=csv").await;
    assert!(csv_text.starts_with("waktu,waktu_utc,aktor,aksi,rincian,ip,user_agent"));
    assert!(csv_text.contains("code_reset") && csv_text.contains("127.0.0.1"));
}

/// Behind a reverse proxy every connection comes from the proxy: the audit trail takes the
/// client's address from `X-Forwarded-For`, but only when the operator trusts that proxy, and
/// never what the client wrote about itself.
#[tokio::test]
async fn the_audit_trail_names_the_client_behind_a_trusted_proxy_only() {
    for (trusted, recorded) in [(true, "203.0.113.9"), (false, "127.0.0.1")] {
        let app = TestApp::spawn_configured(DataDir::new(), |config| {
            if trusted {
                config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
            }
        })
        .await;
        create_admin(&app, "bkpsdm", "superadmin", None);
        let mut headers = reqwest::header::HeaderMap::new();
        // "192.0.2.1" is the client's own claim; the proxy appended the address it saw.
        let forwarded = "192.0.2.1, 203.0.113.9".parse().unwrap();
        headers.insert("x-forwarded-for", forwarded);
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        let wrong = post_sign_in(&app, &browser, "bkpsdm", "salah sekali ini").await;
        assert_eq!(wrong.status(), 401);
        let mut conn = app.app.db.conn().unwrap();
        let failed =
            ikrar::db::audit::list(&mut conn, Some(AuditAction::SignInFailed), None, 0, 10)
                .unwrap();
        let ips: Vec<_> = failed.iter().map(|e| e.ip.as_str()).collect();
        assert_eq!(ips, [recorded], "trusted: {trusted}");
    }
}

#[tokio::test]
async fn roster_upload_previews_then_imports_all_or_nothing() {
    let (app, _) = console().await;
    let admin = signed_in(&app, "bkpsdm").await;
    let good = "198512302010011003,Dewi Lestari,PNS,Camat,KEC-KUTASARI,Kecamatan Kutasari,Pemerintah Kabupaten Purbalingga\n";
    let bad = "19851230201001100X,Joko,PNS,Camat,KEC-KUTASARI,Kecamatan Kutasari,Pemerintah Kabupaten Purbalingga\n";
    let (status, preview) =
        upload_roster(&app, &admin, format!("{ROSTER_HEADER}{good}{bad}")).await;
    assert_eq!(status, 200);
    assert!(
        preview.contains("Pegawai baru: 1")
            && preview.contains("nip_length")
            && preview.contains("NIP harus 18 digit angka"),
        "{preview}"
    );
    let before = app.counts();
    assert_eq!(before.2, 3, "the preview writes nothing");

    // Import without skipping: refused, nothing written.
    let id = upload_id(&preview);
    let token = app.csrf(&admin, "/admin/roster").await;
    let res = admin
        .post(app.url(&format!("/admin/roster/{id}")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(app.counts(), before);
    // With "skip the bad rows": the good one is in.
    let res = admin
        .post(app.url(&format!("/admin/roster/{id}")))
        .form(&[("csrf_token", token.as_str()), ("lewati", "ya")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let done = res.text().await.unwrap();
    assert!(done.contains("1 pegawai baru"));
    assert!(
        done.contains("id=\"lanjut\" href=\"/admin\""),
        "a way onward: {done}"
    );
    assert_eq!(switch_returns_to(&done), "/admin/roster");
    assert_eq!(app.counts().2, 4);
    // The upload is spent; an unreadable file is refused with a clear message.
    let again = admin
        .post(app.url(&format!("/admin/roster/{id}")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    let (status, page) = upload_roster(&app, &admin, "nip,nama\n1,2\n".into()).await;
    assert_eq!(status, 422);
    assert!(page.contains("kolom wajib tidak ada"), "{page}");
    // Only the superadmin imports.
    let dinkes = signed_in(&app, "dinkes").await;
    assert_eq!(status_of_upload(&app, &dinkes).await, 403);
    assert!(app
        .page(&admin, "/admin/audit?aksi=roster_import")
        .await
        .contains("1 baru"));
}

async fn status_of_upload(app: &TestApp, browser: &reqwest::Client) -> u16 {
    let token = app.csrf(browser, "/aktivasi").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .part(
            "berkas",
            reqwest::multipart::Part::bytes(small_roster().into_bytes()).file_name("r.csv"),
        );
    browser
        .post(app.url("/admin/roster"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn unit_codes_are_issued_for_distribution_and_work() {
    let (app, _) = console().await;
    let dinkes = signed_in(&app, "dinkes").await;
    let token = app.csrf(&dinkes, "/admin/masuk").await;
    let audit_before = app
        .page(&signed_in(&app, "bkpsdm").await, "/admin/audit")
        .await;
    // The first press asks, saying how many handed-out codes stop working; nothing changes.
    let unit_page = "/admin/pakta/netralitas-2024/unit/DINKES";
    let res = dinkes
        .post(app.url("/admin/unit/DINKES/kode"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("format", "csv"),
            ("kembali", unit_page),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = res.text().await.unwrap();
    assert!(page.contains("1 kode yang sudah dibagikan"), "{page}");
    assert!(page.contains("name=\"konfirmasi\" value=\"ya\""), "{page}");
    assert!(
        page.contains(&format!("href=\"{unit_page}\"")),
        "cancel goes back: {page}"
    );
    assert!(
        page.contains("hanya menyimpan sidik"),
        "says why earlier codes are gone"
    );
    assert_eq!(
        app.page(&signed_in(&app, "bkpsdm").await, "/admin/audit")
            .await
            .matches("codes_issue")
            .count(),
        audit_before.matches("codes_issue").count(),
        "nothing issued before the confirmation"
    );
    let start = page.find("name=\"kumpulan\" value=\"").unwrap() + 23;
    let batch = &page[start..start + 32];
    let res = confirm_unit_codes(&app, &dinkes, "DINKES", "csv", batch).await;
    assert_eq!(res.status(), 200);
    let csv_text = res.text().await.unwrap();
    // A second tap (or a reload) of the same confirmation makes nothing and voids nothing.
    let again = confirm_unit_codes(&app, &dinkes, "DINKES", "csv", batch).await;
    assert_eq!(again.status(), 409);
    let said = again.text().await.unwrap();
    assert!(
        said.contains("sudah dibuat pada pukul") && said.contains("oleh dinkes (1 kode)"),
        "{said}"
    );
    let lines: Vec<&str> = csv_text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "nip,kode_aktivasi,nama,unit_kode");
    assert_eq!(lines.len(), 2, "only Ani has not activated: {csv_text}");
    let code = lines[1].split(',').nth(1).unwrap();
    let employee = app.browser();
    app.activate_ok(&employee, ANI, code).await;
    assert_eq!(app.sign(&employee, ANI, PASSPHRASE).await.status(), 303);
    // Not for another unit's employees; XLSX too.
    let res = dinkes
        .post(app.url("/admin/unit/DINDIKBUD/kode"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let admin = signed_in(&app, "bkpsdm").await;
    let xlsx = unit_codes(&app, &admin, "DINKES", "xlsx")
        .await
        .bytes()
        .await
        .unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.to_vec())).unwrap();
    let sheet = book.worksheet_range("Kode aktivasi").unwrap();
    assert_eq!(
        sheet.get_value((0, 1)),
        Some(&Data::String("kode_aktivasi".into()))
    );
    assert_eq!(sheet.height(), 1, "everyone in DINKES has activated now");
}

#[tokio::test]
async fn published_pacts_open_and_close_on_time() {
    let (app, _) = console().await;
    let admin = signed_in(&app, "bkpsdm").await;
    let publish = |id: &'static str, opens: String, closes: String| {
        let admin = admin.clone();
        let url = app.url("/admin/pakta-baru");
        let token_page = app.url("/admin/pakta-baru");
        async move {
            let page = admin
                .get(token_page)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let token = csrf_from(&page);
            admin
                .post(url)
                .form(&[
                    ("id", id),
                    ("judul", "Pakta Uji"),
                    ("isi", "Saya berjanji.\r\n\r\nTitik dua.  "),
                    ("dibuka", opens.as_str()),
                    ("ditutup", closes.as_str()),
                    ("csrf_token", token.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let local = |days: i64| {
        (chrono::Utc::now() + chrono::Duration::days(days))
            .with_timezone(&chrono_tz::Asia::Jakarta)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    assert_eq!(
        publish("uji-terbuka", String::new(), local(1))
            .await
            .status(),
        303
    );
    let (opens, closes) = (local(1), local(2));
    assert_eq!(
        publish("uji-nanti", opens.clone(), closes.clone())
            .await
            .status(),
        303
    );
    // The same form sent twice publishes once.
    let size = app.counts().0;
    assert_eq!(publish("uji-nanti", opens, closes).await.status(), 303);
    assert_eq!(app.counts().0, size, "no second pact entry");
    // Bad input: same id again, a window that closes before it opens, an invalid id.
    let taken = publish("uji-terbuka", String::new(), String::new()).await;
    assert_eq!(taken.status(), 422);
    assert!(error_text(&taken.text().await.unwrap())
        .unwrap()
        .contains("sudah diterbitkan"));
    let backwards = publish("uji-mundur", local(2), local(1)).await;
    assert!(error_text(&backwards.text().await.unwrap())
        .unwrap()
        .contains("setelah waktu buka"));
    let bad_id = publish("Uji Salah", String::new(), String::new()).await;
    assert_eq!(bad_id.status(), 422);

    let employee = app.browser();
    let fields = [("nip", SITI), ("passphrase", PASSPHRASE), ("setuju", "ya")];
    assert_eq!(
        app.sign_pact(&employee, "uji-terbuka", &fields)
            .await
            .status(),
        303
    );
    let early = app.sign_pact(&employee, "uji-nanti", &fields).await;
    assert_eq!(early.status(), 403);
    assert!(error_text(&early.text().await.unwrap())
        .unwrap()
        .contains("belum dibuka"));
    let page = app.page(&employee, "/").await;
    assert!(page.contains("uji-terbuka") && page.contains("Dibuka"));
    // The published text is normalized and fixed by its log entry; the log verifies.
    let bundle = app.export("pacts.jsonl");
    let out = app.ikrar(&["verify", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(app
        .page(&admin, "/admin/audit?aksi=pact_publish")
        .await
        .contains("uji-nanti"));
}

#[tokio::test]
async fn rosters_upload_as_xlsx_too() {
    let (app, _) = console().await;
    let admin = signed_in(&app, "bkpsdm").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        ikrar::domain::roster::COLUMNS,
        [
            "198512302010011003",
            "Dewi Lestari",
            "PNS",
            "Camat",
            "KEC-KUTASARI",
            "Kecamatan Kutasari",
            "Pemerintah Kabupaten Purbalingga",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    let (status, preview) =
        upload_file(&app, &admin, book.save_to_buffer().unwrap(), "roster.xlsx").await;
    assert_eq!(status, 200);
    assert!(
        preview.contains("Pegawai baru: 1") && preview.contains("roster.xlsx"),
        "{preview}"
    );
    let token = app.csrf(&admin, "/admin/roster").await;
    let id = upload_id(&preview);
    let res = admin
        .post(app.url(&format!("/admin/roster/{id}")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.counts().2, 4);
}

#[tokio::test]
async fn a_new_code_for_one_employee_is_asked_first_and_leads_back_to_the_unit() {
    let (app, codes) = console().await;
    let admin = signed_in(&app, "bkpsdm").await;
    let unit_page = "/admin/pakta/netralitas-2024/unit/DINKES";
    let page = app.page(&admin, unit_page).await;
    assert!(
        page.contains("Dinas Kesehatan"),
        "the unit's name heads its page: {page}"
    );
    assert!(page.contains("sudah menandatangani"), "{page}");
    let token = app.csrf(&admin, "/admin/masuk").await;
    let post = |confirmed: bool| {
        let mut form = vec![
            ("csrf_token", token.clone()),
            ("kembali", unit_page.to_owned()),
        ];
        if confirmed {
            form.push(("konfirmasi", "ya".to_owned()));
        }
        admin
            .post(app.url(&format!("/admin/pegawai/{ANI}/reset")))
            .form(&form)
            .send()
    };
    let page = post(false).await.unwrap().text().await.unwrap();
    assert!(page.contains("Kode aktivasi baru untuk NIP"), "{page}");
    assert!(
        page.contains(&ikrar_log::nip::mask(ANI)),
        "the NIP, masked, on the question"
    );
    // Not confirmed: Ani's code still works.
    let ani_code = codes.iter().find(|(n, _)| n == ANI).unwrap().1.clone();
    let page = post(true).await.unwrap().text().await.unwrap();
    assert!(page.contains("class=\"code\""), "{page}");
    assert!(
        page.contains(&format!("href=\"{unit_page}\"")),
        "back to the unit: {page}"
    );
    // Confirmed: the earlier code stopped working.
    let employee = app.browser();
    assert_eq!(app.activate(&employee, ANI, &ani_code).await.status(), 403);
}

#[tokio::test]
async fn the_dashboard_updates_its_numbers_in_place_from_a_small_json() {
    let (app, codes) = console().await;
    let admin = signed_in(&app, "bkpsdm").await;
    let page = app
        .page(&admin, &format!("{PACT_PAGE}?jenis=PNS&urut=nama"))
        .await;
    // The script fetches the numbers with the page's own filters; the table is the chart.
    assert!(
        page.contains("data-src=\"/admin/pakta/netralitas-2024/angka?jenis=PNS&#38;urut=nama\""),
        "{page}"
    );
    assert!(!page.contains("<svg"), "no chart repeating the table");
    assert!(page.contains("<tr data-unit=\"DINKES\">"), "{page}");
    let numbers = |who: reqwest::Client| {
        let url = app.url(&format!("{PACT_PAGE}/angka"));
        async move {
            let res = who.get(url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(res.headers()["cache-control"], "no-store");
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let live = numbers(admin.clone()).await;
    assert_eq!(live["total"]["signed"], 2);
    assert_eq!(live["total"]["roster"], 3);
    assert_eq!(live["units"]["DINKES"]["signed"], 1);
    assert_eq!(live["units"]["DINKES"]["percent"], "50,0\u{a0}%");
    // Read in English, the share has the English decimal point, on the page and in the JSON.
    app.page(&admin, "/bahasa/en?kembali=/admin").await;
    assert_eq!(
        numbers(admin.clone()).await["units"]["DINKES"]["percent"],
        "50.0%"
    );
    let english = app.page(&admin, "/admin").await;
    assert!(
        english.contains("(66.7%)") && !english.contains("66,7"),
        "{english}"
    );
    app.page(&admin, "/bahasa/id?kembali=/admin").await;
    // The home page shows each pact's summary with the units to push.
    let home = app.page(&admin, "/admin").await;
    assert!(home.contains("Unit dengan persentase terendah"), "{home}");
    assert!(
        home.contains("href=\"/admin/pakta/netralitas-2024/unit/DINKES\""),
        "{home}"
    );
    // A new signature shows in the next fetch.
    let employee = app.browser();
    app.activate_ok(
        &employee,
        ANI,
        &codes.iter().find(|(n, _)| n == ANI).unwrap().1,
    )
    .await;
    assert_eq!(app.sign(&employee, ANI, PASSPHRASE).await.status(), 303);
    let live = numbers(admin.clone()).await;
    assert_eq!(live["units"]["DINKES"]["signed"], 2);
    assert_eq!(live["units"]["DINKES"]["permille"], 1000);
    // A unit-admin gets their units only; nobody signed out gets anything.
    let dinkes = numbers(signed_in(&app, "dinkes").await).await;
    let units: Vec<&String> = dinkes["units"].as_object().unwrap().keys().collect();
    assert_eq!(units, ["DINKES"]);
    let res = app
        .browser()
        .get(app.url(&format!("{PACT_PAGE}/angka")))
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_redirection() || res.status() == 401,
        "{}",
        res.status()
    );
}

#[tokio::test]
async fn no_button_disables_oneself_and_an_empty_token_list_says_so() {
    let (app, _) = console().await;
    let admin = signed_in(&app, "bkpsdm").await;
    let page = app.page(&admin, "/admin/akun").await;
    let row_of = |name: &str| {
        let start = page.find(&format!("<td>{name}</td>")).expect("the row");
        let end = start + page[start..].find("</tr>").unwrap();
        page[start..end].to_owned()
    };
    let own_row = row_of("bkpsdm");
    assert!(!own_row.contains("nonaktifkan"), "{own_row}");
    assert!(own_row.contains("(Anda)"), "{own_row}");
    let other_row = row_of("dinkes");
    assert!(other_row.contains("nonaktifkan"), "{other_row}");
    let tokens = app.page(&admin, "/admin/token").await;
    assert!(
        tokens.contains("Belum ada token API.") && !tokens.contains("<table"),
        "{tokens}"
    );
}

/// Any page number, however large or odd, is a page: never a negative offset or a 500.
#[tokio::test]
async fn every_page_number_is_a_page() {
    let (app, _) = console().await;
    let admin = signed_in(&app, "bkpsdm").await;
    for hal in [
        "9223372036854775807",
        "99999999999999999999",
        "-1",
        "0",
        "abc",
        "1e9",
    ] {
        for path in [
            format!("/admin/pakta/{PACT}/unit/DINKES?hal={hal}"),
            format!("/admin/audit?hal={hal}"),
        ] {
            assert_eq!(status(&app, &admin, &path).await, 200, "{path}");
        }
    }
}

#[tokio::test]
async fn a_rejected_reset_changes_nothing_and_an_unknown_decision_is_not_found() {
    let (app, _) = console().await;
    create_admin(&app, "bkpsdm2", "superadmin", None);
    let dinkes = signed_in(&app, "dinkes").await;
    let res = request_reset(&app, &dinkes, SITI, "lupa frasa sandi, datang ke kantor").await;
    assert_eq!(res.status(), 200);
    let request = open_request(&app, SITI);
    let bkpsdm = signed_in(&app, "bkpsdm").await;
    // A decision the console does not know is no route at all: nothing is decided.
    let unknown = format!("/admin/reset/{request}/hapus");
    assert_eq!(press_status(&app, &bkpsdm, &unknown).await, 404);
    assert_eq!(open_request(&app, SITI), request);
    // Rejected: back to the list, no code, the key and its count as they were.
    let res = press(&app, &bkpsdm, &format!("/admin/reset/{request}/tolak")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/reset");
    let mut conn = app.app.db.conn().unwrap();
    let siti = ikrar::db::employees::find(&mut conn, &nip(SITI))
        .unwrap()
        .unwrap();
    assert!(siti.activation_code_hash.is_none() && siti.key_count == 1);
    let trail = ikrar::db::audit::list(&mut conn, None, None, 0, 50).unwrap();
    assert!(trail
        .iter()
        .any(|e| e.actor == "bkpsdm" && e.action == AuditAction::ResetReject));
    drop(conn);
    // Decided once: approving it afterwards is refused.
    let approve = format!("/admin/reset/{request}/setujui");
    assert_eq!(press_status(&app, &bkpsdm, &approve).await, 409);
}
