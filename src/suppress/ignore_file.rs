//! `.keyhoundignore`: gitignore-style path patterns, and finding fingerprints (32 hex digits,
//! as every report prints them) one per line. `#` starts a comment line; a fingerprint may be
//! followed by `# why` on its line.
//!
//! ```text
//! # generated fixtures
//! tests/fixtures/
//! *.pem.sample
//! 3f9a0c2b7d1e4f5a6b7c8d9e0f1a2b3c  # rotated 2024-05, history only
//! ```

use std::{collections::HashSet, path::Path};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::rules::RuleError;

pub(crate) const IGNORE_FILE_NAME: &str = ".keyhoundignore";

/// Gitignore-style path patterns, matched against `/`-separated paths relative to the scan
/// root. `prefix` is the scan root's place below the patterns' directory (patterns read from a
/// repository root while a subdirectory is scanned).
#[derive(Debug, Clone)]
pub(crate) struct PathPatterns {
    matcher: Gitignore,
    prefix: String,
}

impl PathPatterns {
    /// Patterns read from `file` (for errors), one per `(line number, pattern)`.
    pub(crate) fn new<'a>(
        file: &str,
        root: &Path,
        prefix: &str,
        patterns: impl IntoIterator<Item = (usize, &'a str)>,
    ) -> Result<Self, RuleError> {
        let mut builder = GitignoreBuilder::new(root);
        for (line, pattern) in patterns {
            builder.add_line(None, pattern).map_err(|err| RuleError {
                file: file.to_string(),
                line,
                message: format!("invalid path pattern `{pattern}`: {}", glob_reason(&err)),
            })?;
        }
        let matcher = builder.build().map_err(|err| RuleError {
            file: file.to_string(),
            line: 1,
            message: format!("invalid path patterns: {err}"),
        })?;
        let prefix = match prefix.trim_matches('/') {
            "" | "." => String::new(),
            trimmed => format!("{trimmed}/"),
        };
        Ok(PathPatterns { matcher, prefix })
    }

    /// Whether `path` (relative, `/`-separated) or a directory above it is matched (and not
    /// re-included by a `!pattern`).
    pub(crate) fn matches(&self, path: &str, is_dir: bool) -> bool {
        let path = path.strip_prefix("./").unwrap_or(path);
        if path.is_empty() || path == "." || Path::new(path).has_root() || path.contains("..") {
            // Outside the patterns' tree (a file root given as an absolute path).
            return false;
        }
        let full = format!("{}{path}", self.prefix);
        self.matcher.matched_path_or_any_parents(&full, is_dir).is_ignore()
    }
}

fn glob_reason(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Glob { err, .. } => err.clone(),
        other => other.to_string(),
    }
}

/// A parsed ignore file.
#[derive(Debug, Clone)]
pub(crate) struct IgnoreFile {
    pub(crate) paths: PathPatterns,
    pub(crate) fingerprints: HashSet<String>,
}

impl IgnoreFile {
    pub(crate) fn parse(
        file: &str,
        root: &Path,
        prefix: &str,
        text: &str,
    ) -> Result<Self, RuleError> {
        let mut fingerprints = HashSet::new();
        let mut patterns = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim_end();
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            match fingerprint_of(line) {
                Some(fingerprint) => {
                    fingerprints.insert(fingerprint.to_ascii_lowercase());
                }
                None => patterns.push((index + 1, line)),
            }
        }
        let paths = PathPatterns::new(file, root, prefix, patterns)?;
        Ok(IgnoreFile { paths, fingerprints })
    }

    pub(crate) fn load(path: &Path, root: &Path, prefix: &str) -> Result<Self, RuleError> {
        let (name, text) = crate::rules::read_text(path, "ignore file")?;
        Self::parse(&name, root, prefix, &text)
    }
}

/// `3f9a...` (32 hex digits), optionally followed by whitespace and a `#` comment.
fn fingerprint_of(line: &str) -> Option<&str> {
    let line = line.trim();
    let (head, tail) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let is_fingerprint = head.len() == 32 && head.bytes().all(|b| b.is_ascii_hexdigit());
    let tail = tail.trim();
    (is_fingerprint && (tail.is_empty() || tail.starts_with('#'))).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FINGERPRINT: &str = "0123abcd0123abcd0123abcd0123abcd";

    fn parse(text: &str) -> IgnoreFile {
        IgnoreFile::parse(".keyhoundignore", Path::new("/repo"), "", text).unwrap()
    }

    #[test]
    fn separates_fingerprints_from_patterns() {
        let file = parse(&format!("# comment\n\n{FINGERPRINT}  # rotated\ndocs/*.md\n"));
        assert!(file.fingerprints.contains(FINGERPRINT));
        assert_eq!(file.fingerprints.len(), 1);
        assert!(file.paths.matches("docs/setup.md", false));
        assert!(!file.paths.matches("docs/sub/setup.md", false));
        assert!(!file.paths.matches("src/main.rs", false));
    }

    #[test]
    fn gitignore_semantics() {
        let file = parse("fixtures/\n*.sample\n!keep.sample\n/top.txt\n");
        assert!(
            file.paths.matches("tests/fixtures/a/b.json", false),
            "dir pattern covers files below"
        );
        assert!(file.paths.matches("fixtures", true));
        assert!(!file.paths.matches("fixtures", false), "a file named fixtures is not the dir");
        assert!(file.paths.matches("a/b/c.sample", false));
        assert!(!file.paths.matches("a/keep.sample", false), "negation re-includes");
        assert!(file.paths.matches("top.txt", false));
        assert!(!file.paths.matches("sub/top.txt", false), "anchored at the root");
        assert!(!file.paths.matches("/abs/x.sample", false), "absolute paths are outside");
    }

    #[test]
    fn prefix_places_a_subdirectory_scan_under_the_repository_patterns() {
        let file =
            IgnoreFile::parse("i", Path::new("/repo"), "svc/api", "/svc/api/gen/\n").unwrap();
        assert!(file.paths.matches("gen/x.py", false));
        assert!(!file.paths.matches("src/x.py", false));
    }

    #[test]
    fn a_bad_pattern_names_its_line() {
        let err = IgnoreFile::parse("i", Path::new("/r"), "", "ok/\n\nbad[z-a]\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("bad[z-a]"), "{err}");
    }
}
