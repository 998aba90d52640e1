//! A browser's `User-Agent` summarised for people reading the audit trail: "Chrome 131 ·
//! Android". The full string stays available beside it.

/// The browser (with its major version) and the system a user agent names, as far as known.
pub fn summary(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
        ("curl/", "curl"),
        ("reqwest", "reqwest"),
    ]
    .iter()
    .find_map(|(token, name)| {
        let at = user_agent.find(token)?;
        let version: String = user_agent[at + token.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        Some(if version.is_empty() {
            (*name).to_owned()
        } else {
            format!("{name} {version}")
        })
    });
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(token, _)| user_agent.contains(token))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b,
        (None, Some(s)) => s.to_owned(),
        (None, None) if user_agent.is_empty() => "-".to_owned(),
        (None, None) => user_agent.chars().take(24).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn common_browsers_are_named() {
        let android = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
        assert_eq!(summary(android), "Chrome 131 · Android");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(summary(iphone), "Safari 17 · iOS");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0";
        assert_eq!(summary(edge), "Edge 130 · Windows");
        assert_eq!(summary(""), "-");
        assert_eq!(summary("skrip-buatan-sendiri/1"), "skrip-buatan-sendiri/1");
    }
}
