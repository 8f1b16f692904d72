//! The working tree: a parallel walk (the `ignore` crate, as ripgrep walks) that reads each
//! text file once and scans it on the walking thread.

use std::{
    path::{Path, PathBuf},
    sync::Mutex,
};

use ignore::{WalkBuilder, WalkState};

use crate::{
    diagnostics::Diagnostics,
    finding::Finding,
    input,
    model::Tracking,
    pipeline::{self, Pipeline},
    sources::{ScanStats, tracking::GitTracking},
};

#[derive(Debug, Clone)]
pub(crate) struct WalkOptions {
    /// Also scan files that `.gitignore`, `.ignore` and git's excludes leave out.
    pub(crate) no_ignore: bool,
    pub(crate) max_file_size: u64,
    pub(crate) threads: usize,
}

/// Walks `root` (a directory or one file) and returns every finding, ordered by path and line.
pub(crate) fn scan_tree(
    pipeline: &Pipeline,
    root: &Path,
    options: &WalkOptions,
    diagnostics: &Diagnostics,
    stats: &ScanStats,
) -> Vec<Finding> {
    let findings = Mutex::new(Vec::new());
    // The entry filter must own what it reads: it outlives this call's borrows.
    let suppressions = std::sync::Arc::clone(pipeline.suppressions());
    let walk_root = root.to_path_buf();
    let git = GitTracking::discover(root);
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .git_global(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .parents(!options.no_ignore)
        .require_git(false)
        .follow_links(false)
        .threads(options.threads)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            entry.file_name() != ".git"
                && (entry.depth() == 0
                    || !suppressions.skips_path(&display_path(&walk_root, entry.path()), is_dir))
        })
        .build_parallel();
    walker.run(|| {
        let mut scanner = pipeline.scanner();
        let findings = &findings;
        let git = &git;
        Box::new(move |entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    diagnostics.warn(&walk_error_subject(&err, root), walk_error_message(&err));
                    return WalkState::Continue;
                }
            };
            if entry.file_type().is_some_and(|t| t.is_file()) {
                let path = entry.path();
                let display = display_path(root, path);
                if let Some(content) = read_candidate(path, &display, options, diagnostics, stats) {
                    // Only the `.env` check reads tracking, and resolving it reads the git
                    // index: not for the other files.
                    let tracking = if pipeline::inspects_path(&display) {
                        git.of(path, diagnostics)
                    } else {
                        Tracking::NoRepository
                    };
                    let found = scanner.scan(&display, &content, tracking);
                    if !found.is_empty() {
                        findings.lock().expect("findings lock").extend(found);
                    }
                }
            }
            WalkState::Continue
        })
    });
    let mut findings = findings.into_inner().expect("findings lock");
    findings.sort_by(|a, b| (&a.location, a.span).cmp(&(&b.location, b.span)));
    findings
}

/// Reads a file unless it is too large, binary or unreadable (each reported or counted).
fn read_candidate(
    path: &Path,
    display: &str,
    options: &WalkOptions,
    diagnostics: &Diagnostics,
    stats: &ScanStats,
) -> Option<Vec<u8>> {
    let size = match std::fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(err) => {
            diagnostics.warn(display, format!("cannot read: {}", io_reason(&err)));
            return None;
        }
    };
    if !stats.within_size_limit(size, options.max_file_size) {
        return None;
    }
    let content = match input::read_text_file(path, size) {
        Ok(Some(content)) => content,
        Ok(None) => {
            stats.skip_binary();
            return None;
        }
        Err(err) => {
            diagnostics.warn(display, format!("cannot read: {}", io_reason(&err)));
            return None;
        }
    };
    if !stats.admit_text(&content) {
        return None;
    }
    if input::sniff(&content) == input::Encoding::Bytes && std::str::from_utf8(&content).is_err() {
        diagnostics.warn(display, "not valid UTF-8; scanned as bytes");
    }
    Some(content)
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

/// `path` relative to `root`, with `/` separators; a file root keeps the name it was given.
pub(crate) fn display_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).ok().filter(|p| !p.as_os_str().is_empty());
    let shown: PathBuf = relative.map_or_else(|| path.to_path_buf(), Path::to_path_buf);
    let text = shown.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).replace('\\', "/")
}

fn walk_error_subject(err: &ignore::Error, root: &Path) -> String {
    match err {
        ignore::Error::WithPath { path, .. } => display_path(root, path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_subject(err, root)
        }
        ignore::Error::Loop { child, .. } => display_path(root, child),
        _ => root.display().to_string(),
    }
}

fn walk_error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_message(err),
        ignore::Error::Io(io) => format!("cannot read: {}", io_reason(io)),
        ignore::Error::Loop { ancestor, .. } => {
            format!("symlink loop back to {}; not followed", ancestor.display())
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_are_relative_and_slash_separated() {
        assert_eq!(display_path(Path::new("."), Path::new("./src/a.rs")), "src/a.rs");
        assert_eq!(display_path(Path::new("/r"), Path::new("/r/x/y.py")), "x/y.py");
        assert_eq!(display_path(Path::new("one.txt"), Path::new("one.txt")), "one.txt");
    }
}
