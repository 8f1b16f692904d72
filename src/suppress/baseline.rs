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
pub const BASELINE_VERSION: u32 = 1;
pub const DEFAULT_BASELINE_FILE: &str = ".keyhound-baseline.json";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub rule_id: String,
    pub path: String,
    pub secret_sha256: String,
}

impl BaselineEntry {
    pub fn of(finding: &Finding) -> Self {
        BaselineEntry {
            rule_id: finding.rule.id.clone(),
            path: finding.path.clone(),
            secret_sha256: finding.secret_sha256.clone(),
        }
    }
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

    pub fn entries(&self) -> impl Iterator<Item = &BaselineEntry> {
        self.entries.iter()
    }

    pub fn contains(&self, entry: &BaselineEntry) -> bool {
        self.entries.contains(entry)
    }

    /// Sorted, pretty JSON, so a baseline diffs well in review.
    pub fn to_json(&self) -> String {
        let file = BaselineFile {
            version: BASELINE_VERSION,
            entries: self.entries.iter().cloned().collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).expect("a baseline serialises");
        text.push('\n');
        text
    }

    pub fn from_json(name: &str, text: &str) -> Result<Self> {
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

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
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
