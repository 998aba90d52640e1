//! A form's yes: a ticked box or a confirmation's button, sent as `ya` (`setuju=ya`,
//! `konfirmasi=ya`). Anything else, or nothing, is no.

use serde::Deserialize;

/// A flag of a form: on only when sent as `ya`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum FormFlag {
    #[serde(rename = "ya")]
    Yes,
    #[default]
    #[serde(other)]
    No,
}

impl FormFlag {
    /// The value a form sends for yes.
    pub const YES: &'static str = "ya";

    /// Whether the flag is on.
    pub fn is_yes(self) -> bool {
        self == FormFlag::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        setuju: FormFlag,
    }

    fn read(body: &str) -> FormFlag {
        let fields: serde_json::Map<String, serde_json::Value> =
            form_urlencoded::parse(body.as_bytes())
                .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
                .collect();
        serde_json::from_value::<Form>(fields.into())
            .unwrap()
            .setuju
    }

    #[test]
    fn only_ya_is_yes() {
        assert!(read("setuju=ya").is_yes());
        for no in [
            "",
            "setuju=",
            "setuju=YA",
            "setuju=yes",
            "setuju=on",
            "setuju=ya%20",
        ] {
            assert_eq!(read(no), FormFlag::No, "{no}");
        }
        assert_eq!(FormFlag::YES, "ya");
    }
}
