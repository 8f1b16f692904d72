//! How a secret was wrapped where it was found: a finding of a decoded span says which
//! encodings keyhound took off (outermost first) to reach the secret.

use std::fmt;

/// One layer of encoding keyhound decodes before scanning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// RFC 4648 standard alphabet (`+`, `/`), padded or not.
    Base64,
    /// RFC 4648 URL-safe alphabet (`-`, `_`).
    Base64url,
    /// Hexadecimal digits, two per byte.
    Hex,
}

impl Encoding {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Base64url => "base64url",
            Encoding::Hex => "hex",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a decoded secret came from: the encodings taken off, outermost first, and the encoded
/// text as the file holds it (which reports redact like the secret itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub(crate) layers: Vec<Encoding>,
    pub(crate) text: String,
}

impl Encoded {
    /// `base64`, or `base64+hex` for a hex string inside base64: what reports print.
    pub(crate) fn label(&self) -> String {
        self.layers.iter().map(|l| l.as_str()).collect::<Vec<_>>().join("+")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_outermost_layer_first() {
        let encoded =
            Encoded { layers: vec![Encoding::Base64, Encoding::Hex], text: "NjE2Mg==".into() };
        assert_eq!(encoded.label(), "base64+hex");
    }
}
