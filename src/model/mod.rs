//! The data every layer above shares and none of them owns: where scanned content sits in a
//! file ([`LineIndex`], [`Span`]) and which content it is ([`Location`]), whether it is
//! committed ([`Tracking`]), stable identities ([`fingerprint`]), a rule's place in the rule
//! set ([`RuleIndex`]), how a decoded secret was wrapped ([`Encoded`]), what a scan read
//! ([`ScanSummary`]) and what a provider said about a key ([`Validation`]). Depends on nothing
//! else in the crate.

mod encoding;
mod fingerprint;
mod lines;
mod location;
mod validation;

pub use encoding::{Encoded, Encoding};
pub use fingerprint::{fingerprint, sha256_hex, sha256_hex_bytes};
pub(crate) use lines::{LineIndex, Span};
pub(crate) use location::Location;
pub use validation::{Status, Validation};

/// Whether scanned content is committed to git. Only the checks of paths that
/// [`crate::pipeline::inspects_path`] accepts (committed `.env` files) depend on it; the
/// working-tree walk resolves it for those paths only. Rule files name it for their examples
/// (`tracking = "untracked"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tracking {
    /// In git: tracked in the index, staged, or a blob from history.
    #[default]
    Committed,
    /// In a git work tree but not tracked.
    Untracked,
    /// Not in a git repository (or unknown, as for standard input).
    NoRepository,
}

/// A rule's position in the engine's rule set: what a match carries instead of the rule
/// itself, and what looks the rule up again (`Engine::rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleIndex(usize);

impl RuleIndex {
    pub(crate) fn new(position: usize) -> Self {
        RuleIndex(position)
    }

    /// The position in the rule set.
    pub fn get(self) -> usize {
        self.0
    }
}

/// What was scanned, for the text summary.
#[derive(Debug, Clone, Default)]
pub struct ScanSummary {
    pub(crate) files: u64,
    pub(crate) bytes: u64,
    pub(crate) skipped_binary: u64,
    pub(crate) skipped_large: u64,
}
