//! Chrome DevTools commands through chromedriver's `goog/cdp/execute` endpoint, for what
//! WebDriver itself cannot do: show a page as it prints.

use fantoccini::wd::WebDriverCompatibleCommand;

/// One DevTools command.
#[derive(Debug)]
pub struct Cdp {
    pub cmd: &'static str,
    pub params: serde_json::Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Shows pages with `media` (`"print"`, or `""` for the screen again).
pub fn emulate_media(media: &str) -> Cdp {
    Cdp {
        cmd: "Emulation.setEmulatedMedia",
        params: serde_json::json!({ "media": media }),
    }
}
