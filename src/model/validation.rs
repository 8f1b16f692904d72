//! What a provider said about a key: the status `scan --validate` puts on every finding.

use serde::Serialize;

/// The answer to "does this key still work?", read from one authenticated request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// 2xx: the provider accepted the key.
    Live,
    /// 403: the key authenticated but may not make this call.
    LiveLimited,
    /// 401, or the provider's own "revoked" / "expired" answer.
    Invalid,
    /// No answer that says either way: timeout, 429, 5xx, no network, no validator.
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::LiveLimited => "live-limited",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
        }
    }

    /// Whether the key works at all (what `--only-live` keeps).
    pub(crate) fn is_live(self) -> bool {
        matches!(self, Status::Live | Status::LiveLimited)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One finding's validation result. `detail` never holds the secret or the provider's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    pub(crate) status: Status,
    pub(crate) http_status: Option<u16>,
    pub(crate) detail: String,
}

impl Validation {
    pub(crate) fn unknown(detail: impl Into<String>) -> Self {
        Validation { status: Status::Unknown, http_status: None, detail: detail.into() }
    }
}

impl std::fmt::Display for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}
