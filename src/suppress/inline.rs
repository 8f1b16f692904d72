//! Inline allows: a `keyhound:allow` marker in a comment on a finding's line (or
//! `keyhound:allow-next-line` on the line above) suppresses it. Only lines that hold findings
//! are ever looked at, so the marker costs nothing on clean files.
//!
//! After the marker, words that are rule ids scope the allow to those rules
//! (`keyhound:allow github-classic-pat, aws-access-key`); other words are a free-text reason,
//! so `# keyhound:allow test fixture` allows every rule on the line. A kebab-case word counts
//! as a rule id even if no loaded rule has it, so a misspelt or retired id narrows the allow to
//! nothing rather than widening it to every rule.
//!
//! The peers' markers allow every rule, so that a repository moving from gitleaks or
//! detect-secrets keeps the allows it has: `gitleaks:allow` and `pragma: allowlist secret` on
//! the line, `pragma: allowlist nextline secret` on the line above.

use memchr::memmem;

const MARKER: &[u8] = b"keyhound:allow";
const NEXT_LINE: &[u8] = b"-next-line";
/// gitleaks' and detect-secrets' markers for the line they are on.
const PEER_SAME_LINE: &[&[u8]] = &[b"gitleaks:allow", b"pragma: allowlist secret"];
/// detect-secrets' marker for the line below it.
const PEER_NEXT_LINE: &[u8] = b"pragma: allowlist nextline secret";

/// Whether `rule_id`'s finding starting at byte `offset` is allowed by a marker.
/// `is_rule_id` tells rule ids from free text.
pub(crate) fn is_allowed(
    content: &[u8],
    offset: usize,
    rule_id: &str,
    is_rule_id: &dyn Fn(&str) -> bool,
) -> bool {
    let (start, end) = line_bounds(content, offset);
    if allows(&content[start..end], Form::SameLine, rule_id, is_rule_id) {
        return true;
    }
    if start == 0 {
        return false;
    }
    let (previous_start, previous_end) = line_bounds(content, start - 1);
    allows(&content[previous_start..previous_end], Form::NextLine, rule_id, is_rule_id)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    SameLine,
    NextLine,
}

fn allows(line: &[u8], wanted: Form, rule_id: &str, is_rule_id: &dyn Fn(&str) -> bool) -> bool {
    let peer_allows = match wanted {
        Form::SameLine => PEER_SAME_LINE.iter().any(|m| memmem::find(line, m).is_some()),
        Form::NextLine => memmem::find(line, PEER_NEXT_LINE).is_some(),
    };
    peer_allows
        || memmem::find_iter(line, MARKER).any(|at| {
            let rest = &line[at + MARKER.len()..];
            let (form, rest) = match rest.strip_prefix(NEXT_LINE) {
                Some(after) => (Form::NextLine, after),
                None => (Form::SameLine, rest),
            };
            // `keyhound:allowed` or `keyhound:allow-foo` is not the marker.
            let boundary = rest.first().is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'-'));
            form == wanted && boundary && scope_includes(rest, rule_id, is_rule_id)
        })
}

/// An allow without rule ids covers every rule; with ids, only those.
fn scope_includes(rest: &[u8], rule_id: &str, is_rule_id: &dyn Fn(&str) -> bool) -> bool {
    let text = String::from_utf8_lossy(rest);
    let ids: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty() && (is_rule_id(word) || looks_like_rule_id(word)))
        .collect();
    ids.is_empty() || ids.contains(&rule_id)
}

/// `lowercase-words-with-hyphens`, as every rule id is written.
fn looks_like_rule_id(word: &str) -> bool {
    word.contains('-')
        && !word.starts_with('-')
        && !word.ends_with('-')
        && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn line_bounds(content: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(content.len());
    let start = memchr::memrchr(b'\n', &content[..offset]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &content[offset..]).map_or(content.len(), |i| offset + i);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(word: &str) -> bool {
        matches!(word, "rule-a" | "rule-b")
    }

    fn allowed(text: &str, needle: &str, rule: &str) -> bool {
        let offset = text.find(needle).expect("needle in text");
        is_allowed(text.as_bytes(), offset, rule, &known)
    }

    #[test]
    fn a_bare_marker_allows_every_rule_on_its_line_only() {
        let text = "a = SECRET1 # keyhound:allow\nb = SECRET2\n";
        assert!(allowed(text, "SECRET1", "rule-a"));
        assert!(allowed(text, "SECRET1", "rule-b"));
        assert!(!allowed(text, "SECRET2", "rule-a"));
    }

    #[test]
    fn gitleaks_and_detect_secrets_markers_allow_every_rule() {
        let text =
            "a = SECRET1 # gitleaks:allow\nb = SECRET2 # pragma: allowlist secret\nc = SECRET3\n";
        assert!(allowed(text, "SECRET1", "rule-a"));
        assert!(allowed(text, "SECRET2", "rule-b"));
        assert!(!allowed(text, "SECRET3", "rule-a"));
        let next = "# pragma: allowlist nextline secret\nx = SECRET1\ny = SECRET2\n";
        assert!(allowed(next, "SECRET1", "rule-a"));
        assert!(!allowed(next, "SECRET2", "rule-a"));
        assert!(!allowed("x = SECRET # pragma: allowlist nextline secret", "SECRET", "rule-a"));
    }

    #[test]
    fn rule_ids_scope_the_allow() {
        let text = "x = SECRET // keyhound:allow rule-a, other-words\n";
        assert!(allowed(text, "SECRET", "rule-a"));
        assert!(!allowed(text, "SECRET", "rule-b"));
        let both = "x = SECRET /* keyhound:allow rule-a rule-b */";
        assert!(allowed(both, "SECRET", "rule-b"));
    }

    #[test]
    fn free_text_after_the_marker_is_a_reason_not_a_scope() {
        let text = "x = SECRET <!-- keyhound:allow test fixture from the docs -->";
        assert!(allowed(text, "SECRET", "rule-a"));
    }

    #[test]
    fn an_unknown_kebab_case_id_narrows_rather_than_widens() {
        let text = "x = SECRET # keyhound:allow retired-rule-id";
        assert!(!allowed(text, "SECRET", "rule-a"));
    }

    #[test]
    fn next_line_form_applies_to_the_following_line_only() {
        let text = "# keyhound:allow-next-line rule-a\nx = SECRET1\ny = SECRET2\n";
        assert!(allowed(text, "SECRET1", "rule-a"));
        assert!(!allowed(text, "SECRET1", "rule-b"));
        assert!(!allowed(text, "SECRET2", "rule-a"));
        let same_line = "x = SECRET # keyhound:allow-next-line";
        assert!(
            !allowed(same_line, "SECRET", "rule-a"),
            "next-line form does not allow its own line"
        );
    }

    #[test]
    fn lookalike_markers_do_not_allow() {
        assert!(!allowed("x = SECRET # keyhound:allowed", "SECRET", "rule-a"));
        assert!(!allowed("x = SECRET # keyhound:allow-list", "SECRET", "rule-a"));
        assert!(!allowed("x = SECRET # keyhound: allow", "SECRET", "rule-a"));
    }

    #[test]
    fn crlf_lines_work() {
        let text = "# keyhound:allow-next-line\r\nx = SECRET\r\n";
        assert!(allowed(text, "SECRET", "rule-a"));
    }
}
