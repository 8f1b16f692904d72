//! Inputs: each source turns some content into findings through the engine.

pub mod files;
pub mod history;
pub mod staged;
pub mod stdin;
pub mod tracking;

use crate::{
    checks,
    engine::Scanner,
    finding::{Finding, LineIndex},
};

/// Whether scanned content is committed to git. Only the checks of paths
/// [`checks::inspects_path`] accepts (committed `.env` files) depend on it; the working-tree
/// walk resolves it for those paths only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracking {
    /// In git: tracked in the index, staged, or a blob from history.
    Committed,
    /// In a git work tree but not tracked.
    Untracked,
    /// Not in a git repository (or unknown, as for standard input).
    NoRepository,
}

/// Scans one piece of content and turns the matches into findings for `path`. Every source
/// goes through here, so every check applies alike to files, history and staged changes.
pub fn scan_content(
    scanner: &mut Scanner<'_>,
    path: &str,
    content: &[u8],
    tracking: Tracking,
) -> Vec<Finding> {
    let engine = scanner.engine();
    let suppressions = engine.suppressions();
    if suppressions.skips_path(path, false) {
        return Vec::new();
    }
    let mut matches = scanner.scan(content);
    if matches.is_empty() && !checks::inspects_path(path) {
        return Vec::new();
    }
    suppressions.retain_matches(engine, path, content, &mut matches);
    let lines = LineIndex::new();
    let mut findings: Vec<Finding> = matches
        .iter()
        .filter(|m| !checks::is_trigger(engine.rule(m.rule)))
        .map(|m| Finding::new(engine.rule(m.rule).clone(), path.to_string(), content, &lines, m))
        .collect();
    let context =
        checks::Context { engine, path, content, tracking, lines: &lines, matches: &matches };
    let mut checked = checks::run(&context);
    suppressions.retain_check_findings(engine, content, &mut checked);
    // A check's finding (`dotenv-secret`) is more specific than a generic rule's on the same
    // value: report the value once.
    findings.retain(|f| !f.rule.generic || !checked.iter().any(|c| c.span.overlaps(&f.span)));
    findings.extend(checked);
    findings
}

/// Binary content: a NUL byte in the first 8 KiB, as git and ripgrep decide it.
pub fn looks_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(8192)]).is_some()
}
