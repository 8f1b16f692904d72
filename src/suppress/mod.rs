//! Noise control: everything that decides a match is *not* worth reporting, in one object that
//! every source shares, so a working-tree scan, a history scan and a staged scan suppress
//! exactly alike.
//!
//! Three levels, each applied at a point every source goes through:
//! - **path**: [`Suppressions::skips_path`] (`.keyhoundignore` patterns, `[allow] paths` of
//!   `keyhound.toml`). The walk calls it so as not to enter ignored directories; the pipeline
//!   calls it before scanning anything, for every source.
//! - **content**: [`Suppressions::retain_matches`], called by the pipeline: inline
//!   `keyhound:allow` markers and the built-in path rules for generic rules. Value checks for
//!   generic rules (UUIDs, digests, encoded text) are not suppression: they are the engine's
//!   value filter ([`crate::classify::ValueFilter`]).
//! - **finding**: [`Suppressions::filter_findings`] over the final list: fingerprints from
//!   the ignore file, and the baseline.

pub mod baseline;
pub(crate) mod builtin;
pub(crate) mod ignore_file;
pub(crate) mod inline;

use std::collections::{HashMap, HashSet};

pub use baseline::{Baseline, BaselineEntry};
pub(crate) use ignore_file::{IgnoreFile, PathPatterns};

use crate::{
    engine::{Engine, Match},
    finding::Finding,
    model::{LineIndex, RuleIndex},
};

#[derive(Debug, Clone)]
pub(crate) struct Suppressions {
    builtin: bool,
    paths: Vec<PathPatterns>,
    fingerprints: HashSet<String>,
    baseline: Option<Baseline>,
}

/// The final findings, and what the finding-level suppressions did.
#[derive(Debug, Default)]
pub(crate) struct Filtered {
    pub(crate) findings: Vec<Finding>,
    /// Baseline entries that matched no finding: fixed, or moved to another path.
    pub(crate) stale: Vec<BaselineEntry>,
}

impl Suppressions {
    /// `builtin`: the built-in suppression of lock files, vendored code, test fakes, UUIDs,
    /// digests and encoded text for generic rules.
    pub(crate) fn new(builtin: bool) -> Self {
        Suppressions { builtin, paths: Vec::new(), fingerprints: HashSet::new(), baseline: None }
    }

    pub(crate) fn add_ignore_file(&mut self, file: IgnoreFile) {
        self.paths.push(file.paths);
        self.fingerprints.extend(file.fingerprints);
    }

    pub(crate) fn add_path_patterns(&mut self, patterns: PathPatterns) {
        self.paths.push(patterns);
    }

    pub(crate) fn set_baseline(&mut self, baseline: Baseline) {
        self.baseline = Some(baseline);
    }

    /// Whether a source should skip `path` (relative to the scan root, `/`-separated) without
    /// reading it. History and staged scans pass blob paths; the walk passes directories too,
    /// so ignored trees are not descended.
    pub(crate) fn skips_path(&self, path: &str, is_dir: bool) -> bool {
        self.paths.iter().any(|patterns| patterns.matches(path, is_dir))
    }

    /// How well `path` suits scanning a blob found at several paths in history: 0 all rules
    /// apply, 1 generic rules are off there (lock files, vendored code), 2 it is ignored.
    pub(crate) fn path_rank(&self, path: &str, is_dir: bool) -> u8 {
        if self.skips_path(path, is_dir) {
            2
        } else if self.builtin && builtin::skips_generic_rules_under(path, is_dir) {
            1
        } else {
            0
        }
    }

    /// Drops `matches` in `content` (at `path`, for a file) that an inline allow or a built-in
    /// path rule suppresses. Only the lines of matches are looked at.
    pub(crate) fn retain_matches(
        &self,
        engine: &Engine,
        path: Option<&str>,
        content: &[u8],
        lines: &LineIndex,
        matches: &mut Vec<Match>,
    ) {
        let skip_generic = self.builtin && path.is_some_and(builtin::skips_generic_rules);
        let is_rule_id = |word: &str| engine.rule_index(word).is_some();
        // A line's allow is read once per rule, however many matches the line holds.
        let mut allowed: HashMap<(usize, RuleIndex), bool> = HashMap::new();
        matches.retain(|m| {
            let rule = engine.rule(m.rule);
            if rule.generic && self.builtin {
                let secret = &content[m.secret_start..m.secret_end];
                if skip_generic || path.is_some_and(|path| builtin::is_test_fake(path, secret)) {
                    return false;
                }
            }
            let (line_start, _) = lines.line_bounds(content, m.secret_start);
            !*allowed.entry((line_start, m.rule)).or_insert_with(|| {
                inline::is_allowed(content, m.secret_start, &rule.id, &is_rule_id)
            })
        });
    }

    /// Drops findings of content checks (which come from no single match) on lines an inline
    /// allow covers.
    pub(crate) fn retain_check_findings(
        &self,
        engine: &Engine,
        content: &[u8],
        lines: &LineIndex,
        findings: &mut Vec<Finding>,
    ) {
        if findings.is_empty() {
            return;
        }
        let is_rule_id = |word: &str| engine.rule_index(word).is_some();
        let mut allowed: HashMap<(usize, String), bool> = HashMap::new();
        findings.retain(|finding| {
            let offset = lines.line_start(content, finding.span.line);
            !*allowed.entry((offset, finding.rule.id.clone())).or_insert_with(|| {
                inline::is_allowed(content, offset, &finding.rule.id, &is_rule_id)
            })
        });
    }

    /// Applies fingerprints and the baseline to the final findings of a scan.
    pub(crate) fn filter_findings(&self, findings: Vec<Finding>) -> Filtered {
        let mut matched_baseline = HashSet::new();
        let kept: Vec<Finding> = findings
            .into_iter()
            .filter(|finding| {
                let mut in_baseline = false;
                if let Some(baseline) = &self.baseline {
                    if let Some(stored) = baseline.matching(&BaselineEntry::of(finding)) {
                        in_baseline = true;
                        matched_baseline.insert(stored.clone());
                    }
                }
                !in_baseline && !self.fingerprints.contains(&finding.fingerprint)
            })
            .collect();
        let stale = self.baseline.as_ref().map_or_else(Vec::new, |baseline| {
            baseline.entries().filter(|e| !matched_baseline.contains(*e)).cloned().collect()
        });
        Filtered { findings: kept, stale }
    }
}
