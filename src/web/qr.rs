//! QR codes as inline SVG (receipts, authenticator enrolment).

use qrcode::render::svg::Color;
use qrcode::QrCode;

/// An SVG QR code of `text`, without the XML declaration so it can sit inside HTML.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    svg.find("<svg").map(|start| svg[start..].to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn qr_is_inline_svg() {
        let svg = super::svg("http://127.0.0.1:8080/bukti/3/abc").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(!svg.contains("style="));
    }
}
