//! Headless Chromium through chromedriver (WebDriver), for the browser tests: start it, visit
//! pages, save a screenshot of each, run axe-core on them, print them.

use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where the screenshots and printed PDFs go, for a reviewer to look at.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("e2e");
    std::fs::create_dir_all(&dir).expect("target/e2e");
    dir
}

/// axe-core, installed next to this file by `npm ci --prefix tests/browser`.
fn axe_source() -> Option<String> {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/browser/node_modules/axe-core/axe.min.js"
    ))
    .ok()
}

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How a browser test session looks at the app.
#[derive(Clone, Copy)]
pub struct Device {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub javascript: bool,
    /// A phone: its screen is emulated, and pages must fit its width exactly.
    pub mobile: bool,
    /// The browser's `Accept-Language`.
    pub languages: &'static str,
}

pub const PHONE: Device = Device {
    name: "ponsel",
    width: 360,
    height: 800,
    javascript: true,
    mobile: true,
    languages: "id-ID,id",
};
pub const PHONE_WITHOUT_JS: Device = Device {
    name: "ponsel-tanpa-js",
    width: 360,
    height: 800,
    javascript: false,
    mobile: true,
    languages: "id-ID,id",
};
pub const DESKTOP: Device = Device {
    name: "desktop",
    width: 1366,
    height: 768,
    javascript: true,
    mobile: false,
    languages: "id-ID,id",
};
/// A desktop whose browser asks for English.
pub const DESKTOP_IN_ENGLISH: Device = Device {
    name: "desktop-inggris",
    languages: "en-GB,en",
    ..DESKTOP
};
/// A phone whose browser asks for English.
pub const PHONE_IN_ENGLISH: Device = Device {
    name: "ponsel-inggris",
    languages: "en-GB,en",
    ..PHONE
};

/// What the browser tests need and this machine lacks, each with how to get it; `None` when
/// they can run.
pub fn missing() -> Option<String> {
    let mut lacking = Vec::new();
    if !Path::new(CHROMIUM).exists() {
        lacking.push(format!("{CHROMIUM} (apt install chromium)"));
    }
    if !Path::new(CHROMEDRIVER).exists() {
        lacking.push(format!("{CHROMEDRIVER} (apt install chromium-driver)"));
    }
    if axe_source().is_none() {
        lacking
            .push("axe-core in tests/browser/node_modules (npm ci --prefix tests/browser)".into());
    }
    (!lacking.is_empty()).then(|| lacking.join(", "))
}

/// Whether a missing browser must fail the run (`IKRAR_E2E=1`, as in CI) instead of leaving
/// the tests ignored.
pub fn required() -> bool {
    std::env::var("IKRAR_E2E").is_ok_and(|v| v == "1")
}

/// A headless Chromium session, its chromedriver and its own profile directory.
pub struct Browser {
    pub client: Client,
    device: Device,
    driver: Child,
    _profile: tempfile::TempDir,
    downloads: tempfile::TempDir,
    shots: usize,
    prefix: String,
}

impl Browser {
    /// Starts chromedriver and a Chromium session as `device`; `prefix` names its screenshots.
    pub async fn start(device: Device, prefix: &str) -> Browser {
        let port = crate::common::free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let downloads = tempfile::tempdir().expect("download dir");
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!(
                "--lang={}",
                device.languages.split(',').next().unwrap_or("id")
            ),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={},{}", device.width, device.height),
        ];
        if !device.javascript {
            args.push("--blink-settings=scriptEnabled=false".to_owned());
        }
        let mut options = serde_json::json!({
            "binary": CHROMIUM,
            "args": args,
            "prefs": {
                "download.default_directory": downloads.path(),
                "download.prompt_for_download": false,
                "intl.accept_languages": device.languages,
            },
        });
        if device.mobile {
            // A desktop window cannot be as narrow as a phone; emulate the phone's screen.
            options["mobileEmulation"] = serde_json::json!({
                "deviceMetrics": {
                    "width": device.width,
                    "height": device.height,
                    "pixelRatio": 1.0,
                    "mobile": true,
                    "touch": false,
                },
            });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    if !device.javascript {
                        assert_scripts_do_not_run(&client).await;
                    }
                    return Browser {
                        client,
                        device,
                        driver,
                        _profile: profile,
                        downloads,
                        shots: 0,
                        prefix: prefix.to_owned(),
                    };
                }
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no WebDriver session: {last_error}");
    }

    /// Opens `url`, checks the page (screenshot, axe, what every page must have) and returns
    /// its visible text.
    pub async fn visit(&mut self, url: &str, name: &str) -> String {
        self.client.goto(url).await.expect("navigate");
        self.look(name).await
    }

    /// The text of the element `locator` finds.
    pub async fn text_of(&self, locator: Locator<'_>) -> String {
        self.client
            .find(locator)
            .await
            .expect("the element")
            .text()
            .await
            .expect("its text")
    }

    /// The width of the window, in CSS pixels.
    pub fn device_width(&self) -> u32 {
        self.device.width
    }

    /// Whether pages run JavaScript in this session.
    pub fn javascript(&self) -> bool {
        self.device.javascript
    }

    /// Saves a screenshot of the page now shown.
    pub async fn snapshot(&mut self, name: &str) {
        self.shots += 1;
        let file = artifacts().join(format!(
            "{}-{}-{:02}-{name}.png",
            self.prefix, self.device.name, self.shots
        ));
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(&file, png).expect("write screenshot");
    }

    /// A number the page computes (`script` returns it).
    pub async fn number(&self, script: &str) -> f64 {
        self.client
            .execute(script, vec![])
            .await
            .expect("script")
            .as_f64()
            .expect("a number")
    }

    /// Asks the page's script to fetch its figures at once (the event `perbarui` on `#box`),
    /// then waits until the text of `css` is `expected`; returns the text it last had.
    pub async fn refreshed_text(&self, box_id: &str, css: &str, expected: &str) -> String {
        let ask =
            format!("document.getElementById('{box_id}').dispatchEvent(new Event('perbarui'));");
        self.client.execute(&ask, vec![]).await.expect("perbarui");
        let read = format!("return document.querySelector('{css}').textContent;");
        let mut text = String::new();
        for _ in 0..50 {
            let value = self.client.execute(&read, vec![]).await.expect("text");
            text = value.as_str().unwrap_or_default().to_owned();
            if text == expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        text
    }

    /// Checks the page now shown (after a navigation or a form post) and returns its text.
    pub async fn look(&mut self, name: &str) -> String {
        self.snapshot(name).await;
        let body = self
            .client
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .expect("text");
        let h1 = self.client.find_all(Locator::Css("h1")).await.expect("h1");
        assert_eq!(h1.len(), 1, "{name}: one h1 per page");
        self.no_horizontal_scroll(name).await;
        if self.device.javascript {
            self.every_text_readable(name).await;
            self.every_field_labelled(name).await;
            self.axe(name).await;
        }
        body
    }

    /// Fails if the page is wider than the window (content cut off on a phone).
    async fn no_horizontal_scroll(&self, name: &str) {
        if !self.device.javascript {
            return;
        }
        let widths = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .expect("widths");
        let (content, window) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        if self.device.mobile {
            assert_eq!(
                window,
                u64::from(self.device.width),
                "{name}: the phone's width"
            );
        }
        assert!(
            content <= window,
            "{name}: {content}px of content in a {window}px window"
        );
    }

    /// Fails if any visible text has less contrast against its effective background than WCAG
    /// AA asks (4.5 : 1; 3 : 1 for large text). axe only marks such text "needs review" when the
    /// background is not plain, which let an invisible language link through.
    async fn every_text_readable(&self, name: &str) {
        let poor = self
            .client
            .execute(CONTRAST_SCRIPT, vec![])
            .await
            .expect("contrast");
        assert_eq!(
            poor,
            serde_json::json!([]),
            "{name}: text below AA contrast"
        );
    }

    /// Fails if a form field has no `<label>` (axe accepts a placeholder; people need more).
    async fn every_field_labelled(&self, name: &str) {
        let unlabelled = self
            .client
            .execute(
                "return [...document.querySelectorAll('input, select, textarea')]
                   .filter(f => !['hidden', 'submit', 'button'].includes(f.type))
                   .filter(f => f.labels.length === 0 && !f.getAttribute('aria-label'))
                   .map(f => f.id || f.name);",
                vec![],
            )
            .await
            .expect("fields");
        assert_eq!(
            unlabelled,
            serde_json::json!([]),
            "{name}: fields without a label"
        );
    }

    /// Runs axe-core on the page; any serious or critical violation fails the test.
    pub async fn axe(&self, name: &str) {
        let source = axe_source().expect("axe-core");
        self.client
            .execute(&source, vec![])
            .await
            .expect("inject axe-core");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ': ' + v.help + ' — ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("run axe-core");
        let violations: Vec<String> = serde_json::from_value(result).expect("axe result");
        assert!(
            violations.is_empty(),
            "{name}: accessibility violations:\n{}",
            violations.join("\n")
        );
    }

    /// Types `value` into the field with id `id` (clearing it first).
    pub async fn fill(&self, id: &str, value: &str) {
        let field = self
            .client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("field #{id}"));
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }

    /// Clicks the element matched by `css`.
    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("element {css}"))
            .click()
            .await
            .expect("click");
    }

    /// The text of the page's error box.
    pub async fn error(&self) -> String {
        self.client
            .find(Locator::Css(".error"))
            .await
            .expect("an error message")
            .text()
            .await
            .expect("text")
    }

    /// Shows the page as it prints (CSS `@media print`) and saves a screenshot of that.
    pub async fn as_printed(&mut self, name: &str) {
        self.client
            .issue_cmd(crate::cdp::emulate_media("print"))
            .await
            .expect("emulate print");
        self.snapshot(name).await;
    }

    /// Shows the page for the screen again.
    pub async fn as_screen(&self) {
        self.client
            .issue_cmd(crate::cdp::emulate_media(""))
            .await
            .expect("emulate screen");
    }

    /// Fails unless the element matched by `css`, focused from the keyboard, shows an outline.
    pub async fn assert_focus_visible(&self, css: &str) {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("element {css}"));
        element.send_keys("").await.expect("focus");
        let outline = self
            .client
            .execute(
                "const s = getComputedStyle(document.activeElement);
                 return [document.activeElement.matches(':focus-visible'), s.outlineStyle, s.outlineWidth];",
                vec![],
            )
            .await
            .expect("outline");
        assert_eq!(outline[0], true, "{css} is not focused visibly: {outline}");
        assert_ne!(outline[1], "none", "{css} has no focus outline: {outline}");
        assert_ne!(outline[2], "0px", "{css} has no focus outline: {outline}");
    }

    /// Whether any element matched by `css` is displayed.
    pub async fn visible(&self, css: &str) -> bool {
        for element in self.client.find_all(Locator::Css(css)).await.expect("find") {
            if element.is_displayed().await.expect("displayed") {
                return true;
            }
        }
        false
    }

    /// Every text, background and border colour in use on the page, as computed now.
    pub async fn colours(&self) -> Vec<String> {
        let found = self
            .client
            .execute(
                "const seen = new Set();
                 for (const el of document.querySelectorAll('body, body *')) {
                   const s = getComputedStyle(el);
                   // Only what is drawn: not inside a hidden ancestor, not invisible.
                   if (el.getClientRects().length === 0 || s.visibility === 'hidden') continue;
                   seen.add(s.color); seen.add(s.backgroundColor);
                   if (parseFloat(s.borderTopWidth) > 0) seen.add(s.borderTopColor);
                   if (parseFloat(s.borderLeftWidth) > 0) seen.add(s.borderLeftColor);
                   if (parseFloat(s.borderBottomWidth) > 0) seen.add(s.borderBottomColor);
                 }
                 return [...seen];",
                vec![],
            )
            .await
            .expect("colours");
        serde_json::from_value(found).expect("colour list")
    }

    /// Clicks the link matched by `css` and returns the text of the file it downloads.
    ///
    /// Chromium reserves the final name with an empty file while it writes `*.crdownload`, then
    /// renames over it: a download is done when no `.crdownload` is left and the file has bytes.
    pub async fn download(&self, css: &str) -> String {
        self.click(css).await;
        for _ in 0..200 {
            let files: Vec<PathBuf> = std::fs::read_dir(self.downloads.path())
                .expect("download dir")
                .map(|e| e.expect("entry").path())
                .collect();
            let writing = files
                .iter()
                .any(|p| p.extension().is_some_and(|e| e == "crdownload"));
            if let ([file], false) = (files.as_slice(), writing) {
                let text = std::fs::read_to_string(file).expect("downloaded file");
                if !text.is_empty() {
                    std::fs::remove_file(file).expect("remove download");
                    return text;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("nothing downloaded from {css}");
    }

    /// Prints the page to PDF on `size`, saves it under `target/e2e` and returns its page count.
    pub async fn print(&self, name: &str, size: fantoccini::wd::PrintSize) -> usize {
        let config = fantoccini::wd::PrintConfiguration::builder()
            .size(size)
            .build()
            .expect("print configuration");
        let pdf = self.client.print(config).await.expect("print");
        std::fs::write(
            artifacts().join(format!("{}-{name}.pdf", self.prefix)),
            &pdf,
        )
        .expect("write pdf");
        count_pages(&pdf)
    }

    /// Ends the session and its driver.
    pub async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Makes sure that pages really run no script in a session meant to have JavaScript off: a page
/// whose script would change its title keeps it.
async fn assert_scripts_do_not_run(client: &Client) {
    client
        .goto("data:text/html,<title>mati</title><script>document.title='hidup'</script>")
        .await
        .expect("open a test page");
    assert_eq!(
        client.title().await.expect("title"),
        "mati",
        "JavaScript is on"
    );
}

/// Pages in a PDF as Chromium writes it: one `/Type /Page` object each.
fn count_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// Lists visible text whose contrast is below WCAG AA: each element with its own text, its
/// colour against the first opaque background up its ancestors (white at the top).
const CONTRAST_SCRIPT: &str = r#"
const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => {
  const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
};
const background = el => {
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
  }
  return [255, 255, 255];
};
const poor = [];
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('svg')) continue;
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  if (style.visibility !== 'visible' || rect.width === 0 || rect.height === 0 || rect.right <= 0) continue;
  const fg = rgb(style.color), bg = background(el);
  const [a, b] = [lum(fg) + 0.05, lum(bg) + 0.05];
  const ratio = Math.max(a, b) / Math.min(a, b);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  if (ratio < (large ? 3 : 4.5)) {
    poor.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" ${ratio.toFixed(2)}:1`);
  }
}
return poor;
"#;
