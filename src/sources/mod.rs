//! Inputs: each source turns some content into findings through the engine.

pub mod files;
pub mod history;
pub mod staged;
pub mod stdin;
pub mod tracking;

use std::sync::atomic::{AtomicU64, Ordering};

use crate::{
    checks,
    engine::Scanner,
    finding::{Finding, LineIndex},
    report::ScanSummary,
};

/// What every source read and skipped, for the summary line. Shared by all of a scan's
/// sources (a history scan also walks the working tree), so they count into one place.
#[derive(Debug, Default)]
pub struct ScanStats {
    files: AtomicU64,
    bytes: AtomicU64,
    skipped_binary: AtomicU64,
    skipped_large: AtomicU64,
}

impl ScanStats {
    /// Whether content of `size` bytes is within `--max-file-size`; counts it skipped if not.
    pub fn within_size_limit(&self, size: u64, max_file_size: u64) -> bool {
        let within = size <= max_file_size;
        if !within {
            self.skipped_large.fetch_add(1, Ordering::Relaxed);
        }
        within
    }

    /// Whether `content` is text to scan; counts it scanned, or skipped as binary.
    pub fn admit_text(&self, content: &[u8]) -> bool {
        if looks_binary(content) {
            self.skipped_binary.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(content.len() as u64, Ordering::Relaxed);
        true
    }

    /// Adds what a source counted itself.
    pub fn add(&self, summary: &ScanSummary) {
        self.files.fetch_add(summary.files, Ordering::Relaxed);
        self.bytes.fetch_add(summary.bytes, Ordering::Relaxed);
        self.skipped_binary.fetch_add(summary.skipped_binary, Ordering::Relaxed);
        self.skipped_large.fetch_add(summary.skipped_large, Ordering::Relaxed);
    }

    pub fn summary(&self) -> ScanSummary {
        ScanSummary {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            skipped_binary: self.skipped_binary.load(Ordering::Relaxed),
            skipped_large: self.skipped_large.load(Ordering::Relaxed),
        }
    }
}

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
    suppressions.retain_check_findings(engine, content, &lines, &mut checked);
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
