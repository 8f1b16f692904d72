//! A finding: one secret, where it is, which rule found it, and how to identify it stably.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::{engine::Match, rules::Rule};

/// Where in the scanned content a finding sits (1-based; columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Span {
    /// Whether the two spans share a character.
    pub fn overlaps(&self, other: &Span) -> bool {
        (self.line, self.column) < (other.end_line, other.end_column)
            && (other.line, other.column) < (self.end_line, self.end_column)
    }
}

/// The git commit that introduced a finding (history scans).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Provenance {
    pub commit: String,
    pub author_name: String,
    pub author_email: String,
    /// Seconds since the Unix epoch, author time.
    pub time: i64,
    pub summary: String,
    pub blob: String,
    /// Line of the secret in the introducing commit's blob.
    pub line: usize,
    /// Whether HEAD's version of the path still holds the secret (`None`: no HEAD commit,
    /// or a blob no commit reaches).
    pub in_head: Option<bool>,
    /// Whether the working tree's file still holds it (`None`: a bare repository).
    pub in_worktree: Option<bool>,
    /// Every other place history holds the same secret (other commits, paths, lines).
    pub occurrences: Vec<Occurrence>,
}

/// Another place history holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Occurrence {
    /// Empty for a blob no commit reaches.
    pub commit: String,
    pub path: String,
    pub line: usize,
    pub blob: String,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Arc<Rule>,
    /// Relative to the scan root, `/`-separated; `-` for standard input.
    pub path: String,
    pub span: Span,
    pub secret: String,
    pub secret_sha256: String,
    /// Stable identity: rule, secret and path; no line numbers or commit ids, so it survives
    /// edits elsewhere in the file, rebases and squashes.
    pub fingerprint: String,
    /// The line holding the secret, with the secret redacted, trimmed for display.
    pub snippet: String,
    pub provenance: Option<Provenance>,
}

impl Finding {
    pub fn new(
        rule: Arc<Rule>,
        path: String,
        content: &[u8],
        lines: &LineIndex,
        m: &Match,
    ) -> Self {
        let secret_bytes = &content[m.secret_start..m.secret_end];
        let secret = String::from_utf8_lossy(secret_bytes).into_owned();
        let secret_sha256 = sha256_hex(secret_bytes);
        let fingerprint = fingerprint(&rule.id, &secret_sha256, &path);
        let (line, column) = lines.position(content, m.secret_start);
        let (end_line, end_column) = lines.position(content, m.secret_end);
        let snippet = redacted_line(content, lines, m.secret_start, m.secret_end, &secret);
        Finding {
            rule,
            path,
            span: Span { line, column, end_line, end_column },
            secret,
            secret_sha256,
            fingerprint,
            snippet,
            provenance: None,
        }
    }

    /// The secret as reports show it unless `--show-secrets` is given.
    pub fn redacted_secret(&self) -> String {
        redact(&self.secret)
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprint SARIF, the ignore file and baselines share.
pub fn fingerprint(rule_id: &str, secret_sha256: &str, path: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [rule_id, secret_sha256, path] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Keeps the first four characters (fewer for short secrets) so a reader can tell which
/// key it is without the report itself leaking it.
pub fn redact(secret: &str) -> String {
    let chars = secret.chars().count();
    let shown = 4.min(chars / 4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}****")
}

const SNIPPET_MAX_CHARS: usize = 160;

fn redacted_line(
    content: &[u8],
    lines: &LineIndex,
    start: usize,
    end: usize,
    secret: &str,
) -> String {
    let (line_start, line_end) = lines.line_bounds(content, start);
    let before = String::from_utf8_lossy(&content[line_start..start]);
    // A multi-line secret (a PEM block) ends the snippet.
    let after =
        if end <= line_end { String::from_utf8_lossy(&content[end..line_end]) } else { "".into() };
    let text = format!("{}{}{}", before.trim_start(), redact(secret), after.trim_end());
    truncate_chars(&text, SNIPPET_MAX_CHARS)
}

/// `text` cut to at most `max` characters (then `…`). A cut inside a run of token characters
/// drops the whole run, so truncation never leaves a recognisable part of a secret that a
/// later redaction could no longer match.
fn truncate_chars(text: &str, max: usize) -> String {
    let Some((cut, next)) = text.char_indices().nth(max) else {
        return text.to_string();
    };
    let is_token_char =
        |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '/' | '=' | '.' | '~' | '%');
    let kept = if is_token_char(next) {
        text[..cut].trim_end_matches(is_token_char)
    } else {
        &text[..cut]
    };
    format!("{kept}…")
}

/// Byte offset → line and column, built on first use (most files have no findings).
#[derive(Debug, Default)]
pub struct LineIndex {
    starts: std::cell::OnceCell<Vec<usize>>,
}

impl LineIndex {
    pub fn new() -> Self {
        Self::default()
    }

    fn starts(&self, content: &[u8]) -> &[usize] {
        self.starts.get_or_init(|| {
            std::iter::once(0).chain(memchr::memchr_iter(b'\n', content).map(|i| i + 1)).collect()
        })
    }

    /// 1-based line and column (in characters) of `offset`.
    pub fn position(&self, content: &[u8], offset: usize) -> (usize, usize) {
        let starts = self.starts(content);
        let line = starts.partition_point(|&s| s <= offset);
        let line_start = starts[line - 1];
        let column = 1 + count_chars(&content[line_start..offset]);
        (line, column)
    }

    /// Byte offset of the start of 1-based `line` (the end of `content` past its last line).
    pub fn line_start(&self, content: &[u8], line: usize) -> usize {
        let starts = self.starts(content);
        line.checked_sub(1).and_then(|i| starts.get(i)).copied().unwrap_or(content.len())
    }

    /// Start and end (excluding the newline) of the line holding `offset`.
    pub fn line_bounds(&self, content: &[u8], offset: usize) -> (usize, usize) {
        let starts = self.starts(content);
        let line = starts.partition_point(|&s| s <= offset);
        let start = starts[line - 1];
        let end = starts.get(line).map_or(content.len(), |next| next - 1);
        let end = if end > start && content[end - 1] == b'\r' { end - 1 } else { end };
        (start, end.max(start))
    }
}

/// UTF-8 characters, counting each invalid byte as one.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_in_characters() {
        let text = "ab\ncé tok\n".as_bytes();
        let index = LineIndex::new();
        assert_eq!(index.position(text, 0), (1, 1));
        assert_eq!(index.position(text, 3), (2, 1));
        let tok = text.windows(3).position(|w| w == b"tok").unwrap();
        assert_eq!(index.position(text, tok), (2, 4));
        assert_eq!(index.line_bounds(text, tok), (3, text.len() - 1));
    }

    #[test]
    fn spans_overlap_when_they_share_a_character() {
        let span = |line, column, end_column| Span { line, column, end_line: line, end_column };
        assert!(span(1, 5, 10).overlaps(&span(1, 9, 12)));
        assert!(!span(1, 5, 10).overlaps(&span(1, 10, 12)));
        assert!(!span(1, 5, 10).overlaps(&span(2, 5, 10)));
    }

    #[test]
    fn line_starts() {
        let text = b"ab\ncd\n\nef";
        let index = LineIndex::new();
        assert_eq!([1, 2, 3, 4, 9].map(|line| index.line_start(text, line)), [0, 3, 6, 7, 9]);
    }

    #[test]
    fn snippet_truncation_never_keeps_part_of_a_token() {
        let text = format!("key = {}", "A".repeat(40));
        assert_eq!(truncate_chars(&text, 20), "key = …");
        assert_eq!(truncate_chars("a b c d", 4), "a b …");
        assert_eq!(truncate_chars("short", 10), "short");
    }

    #[test]
    fn redaction_keeps_at_most_four_characters() {
        assert_eq!(redact("ghp_abcdefghijklmnop"), "ghp_****");
        assert_eq!(redact("hunter2x"), "hu****");
        assert_eq!(redact("abc"), "****");
    }

    #[test]
    fn fingerprint_ignores_position_but_not_path_or_rule() {
        let a = fingerprint("r", "h", "a.py");
        assert_eq!(a, fingerprint("r", "h", "a.py"));
        assert_ne!(a, fingerprint("r", "h", "b.py"));
        assert_ne!(a, fingerprint("s", "h", "a.py"));
        assert_eq!(a.len(), 32);
    }
}
