//! Baselines: the findings a team has accepted (to rotate later, or known false positives),
//! recorded so that only new findings are reported.
//!
//! An entry is a rule id, a path and the SHA-256 of the secret: never the secret, and no line
//! number or commit id, so an entry survives moved lines, rebases and squash merges.

use std::{collections::BTreeSet, path::Path};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// The format version this keyhound writes and reads.
pub(crate) const BASELINE_VERSION: u32 = 1;
pub const DEFAULT_BASELINE_FILE: &str = ".keyhound-baseline.json";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub(crate) rule_id: String,
    pub(crate) path: String,
    pub(crate) secret_sha256: String,
}

/// What a redacted secret leaves in a path (`ghp_****`): a stored path with it matches any
/// characters there.
const REDACTED: &str = "****";

impl BaselineEntry {
    pub(crate) fn of(finding: &Finding) -> Self {
        BaselineEntry {
            rule_id: finding.rule.id.clone(),
            path: finding.location.to_string(),
            secret_sha256: finding.secret_sha256.clone(),
        }
    }

    /// Whether this stored entry stands for `found`: the same entry, or the same rule and
    /// secret at a path this one's redactions stand for.
    pub(crate) fn matches(&self, found: &BaselineEntry) -> bool {
        self.rule_id == found.rule_id
            && self.secret_sha256 == found.secret_sha256
            && (self.path == found.path || redacted_path_matches(&self.path, &found.path))
    }
}

/// Whether `path` is `pattern` with each `****` standing for one or more characters.
fn redacted_path_matches(pattern: &str, path: &str) -> bool {
    let mut parts = pattern.split(REDACTED);
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = path.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return false };
    for part in middle {
        // The wildcard before `part` takes at least one character.
        let Some(skip) = rest.char_indices().nth(1).map(|(i, _)| i) else { return false };
        let Some(at) = rest[skip..].find(part) else { return false };
        rest = &rest[skip + at + part.len()..];
    }
    rest.len() > last.len() && rest.ends_with(last)
}

impl std::fmt::Display for BaselineEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = &self.secret_sha256[..self.secret_sha256.len().min(12)];
        write!(f, "{} in {} (secret sha256 {short}…)", self.rule_id, self.path)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    entries: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeSet<BaselineEntry>,
}

impl Baseline {
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        Baseline { entries: findings.into_iter().map(BaselineEntry::of).collect() }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = &BaselineEntry> {
        self.entries.iter()
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, entry: &BaselineEntry) -> bool {
        self.matching(entry).is_some()
    }

    /// The stored entry that stands for `found`, if any (see [`BaselineEntry::matches`]).
    pub(crate) fn matching(&self, found: &BaselineEntry) -> Option<&BaselineEntry> {
        if let Some(exact) = self.entries.get(found) {
            return Some(exact);
        }
        let first_of_rule = BaselineEntry {
            rule_id: found.rule_id.clone(),
            path: String::new(),
            secret_sha256: String::new(),
        };
        self.entries
            .range(first_of_rule..)
            .take_while(|e| e.rule_id == found.rule_id)
            .find(|e| e.path.contains(REDACTED) && e.matches(found))
    }

    /// The same entries with each path passed through `redact` (a baseline is committed, so a
    /// secret in a file name must not be stored).
    pub fn redact_paths(self, redact: impl Fn(&str) -> std::borrow::Cow<'_, str>) -> Self {
        let entries = self
            .entries
            .into_iter()
            .map(|e| BaselineEntry { path: redact(&e.path).into_owned(), ..e })
            .collect();
        Baseline { entries }
    }

    /// Sorted, pretty JSON, so a baseline diffs well in review.
    pub(crate) fn to_json(&self) -> String {
        let file = BaselineFile {
            version: BASELINE_VERSION,
            entries: self.entries.iter().cloned().collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).expect("a baseline serialises");
        text.push('\n');
        text
    }

    /// Writes [`Baseline::to_json`] to `path`.
    pub fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_json())
            .with_context(|| format!("cannot write {}", path.display()))
    }

    pub(crate) fn from_json(name: &str, text: &str) -> Result<Self> {
        #[derive(Deserialize)]
        struct Version {
            version: Option<u32>,
        }
        let version: Version = serde_json::from_str(text)
            .with_context(|| format!("{name}: not a keyhound baseline (invalid JSON)"))?;
        match version.version {
            Some(BASELINE_VERSION) => {}
            Some(other) => bail!(
                "{name}: baseline format version {other} is not supported (this keyhound reads version {BASELINE_VERSION})"
            ),
            None => bail!("{name}: not a keyhound baseline (no `version`)"),
        }
        let file: BaselineFile = serde_json::from_str(text)
            .map_err(|err| anyhow::anyhow!("{name}:{}: invalid baseline: {err}", err.line()))?;
        Ok(Baseline { entries: file.entries.into_iter().collect() })
    }

    pub(crate) fn load(path: &Path) -> Result<Self> {
        let text = crate::input::read_input_file(path)
            .with_context(|| format!("cannot read baseline {}", path.display()))?;
        Self::from_json(&path.display().to_string(), &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rule: &str, path: &str) -> BaselineEntry {
        BaselineEntry { rule_id: rule.into(), path: path.into(), secret_sha256: "ab".repeat(32) }
    }

    #[test]
    fn a_redacted_path_still_matches_its_finding() {
        let stored = Baseline { entries: [entry("r1", "keys/ghp_****.txt")].into() };
        assert!(stored.contains(&entry("r1", "keys/ghp_abcdefghijkl.txt")));
        assert!(!stored.contains(&entry("r1", "keys/ghp_.txt")), "the secret took characters");
        assert!(!stored.contains(&entry("r1", "other/ghp_abcdefghijkl.txt")));
        assert!(!stored.contains(&entry("r2", "keys/ghp_abcdefghijkl.txt")));
        assert!(redacted_path_matches("a/AKIA****-x/ghp_****", "a/AKIAQQQQ-x/ghp_zz"));
        assert!(!redacted_path_matches("a/AKIA****-x/ghp_****", "a/AKIAQQQQ-x/ghp_"));
        assert!(stored.contains(&entry("r1", "keys/ghp_****.txt")), "exact entries too");
    }

    #[test]
    fn round_trips_sorted_and_versioned() {
        let baseline = Baseline { entries: [entry("r2", "b"), entry("r1", "a")].into() };
        let json = baseline.to_json();
        assert!(json.contains("\"version\": 1"), "{json}");
        assert!(json.find("r1").unwrap() < json.find("r2").unwrap());
        assert_eq!(Baseline::from_json("b.json", &json).unwrap(), baseline);
    }

    #[test]
    fn other_versions_and_shapes_are_clear_errors() {
        let err = Baseline::from_json("b.json", r#"{"version": 7, "entries": []}"#).unwrap_err();
        assert!(err.to_string().contains("version 7"), "{err}");
        let err = Baseline::from_json("b.json", "[]").unwrap_err();
        assert!(format!("{err:#}").contains("not a keyhound baseline"), "{err:#}");
        let err = Baseline::from_json("b.json", "{\"version\": 1,\n\"entries\": [{\"rule\": 1}]}")
            .unwrap_err();
        assert!(err.to_string().starts_with("b.json:2:"), "{err}");
    }
}
