//! Inputs: each source turns some content into findings through the engine.

pub mod files;
pub mod stdin;

use crate::{
    engine::Scanner,
    finding::{Finding, LineIndex},
};

/// Scans one piece of content and turns the matches into findings for `path`.
pub fn scan_content(scanner: &mut Scanner<'_>, path: &str, content: &[u8]) -> Vec<Finding> {
    let matches = scanner.scan(content);
    if matches.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new();
    let engine = scanner.engine();
    matches
        .iter()
        .map(|m| Finding::new(engine.rule(m.rule).clone(), path.to_string(), content, &lines, m))
        .collect()
}

/// Binary content: a NUL byte in the first 8 KiB, as git and ripgrep decide it.
pub fn looks_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(8192)]).is_some()
}
