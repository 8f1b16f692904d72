//! The one step every string passes before it leaves keyhound: secrets redacted, control
//! characters escaped.
//!
//! A [`Redactor`] knows every secret the run found (suppressed ones too), and also runs the
//! rules over each string, so a token that only appears in a file name, a commit summary or an
//! author field is caught as well. Reporters, the baseline writer, the stale-baseline list and
//! warnings call it; SARIF and GitHub annotations use [`Redactor::public`], which redacts even
//! under `--show-secrets`.
//!
//! Escaping is for what reaches a terminal or a workflow log (text, GitHub annotations,
//! warnings): a file name with `\x1b]0;…` must not retitle the window, one with `\n` must not
//! forge a finding line. JSON and SARIF escape control characters by their own syntax.

use std::{borrow::Cow, cell::RefCell, ops::Range};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::{
    engine::{Engine, Scanner},
    finding::{Finding, Part, redact},
    model::Location,
};

/// Secrets shorter than this are redacted where they were found but not searched for in
/// other strings: a four-character password would otherwise blank every word that holds it.
const MIN_KNOWN_SECRET_CHARS: usize = 8;

/// Redacts the run's secrets in any string.
pub struct Redactor<'e> {
    show_secrets: bool,
    /// Every secret of the run, longest first among overlapping ones.
    known: Option<AhoCorasick>,
    engine: Option<&'e Engine>,
    scanner: RefCell<Option<Scanner<'e>>>,
}

impl<'e> Redactor<'e> {
    /// A redactor for a run's `findings` (before suppression, so baselined secrets stay
    /// hidden too); `engine` also finds secrets no finding holds.
    pub fn new(findings: &[Finding], engine: Option<&'e Engine>, show_secrets: bool) -> Self {
        // A decoded secret's encoded text gives it away as well as the secret does.
        let mut secrets: Vec<&str> = findings
            .iter()
            .flat_map(|f| {
                std::iter::once(f.secret.as_str())
                    .chain(f.encoded.iter().map(|e| e.text.as_str()))
                    .chain(f.part.iter().map(|p| p.secret.as_str()))
            })
            .filter(|s| s.chars().count() >= MIN_KNOWN_SECRET_CHARS)
            .collect();
        secrets.sort_unstable();
        secrets.dedup();
        let known = (!secrets.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&secrets)
                .expect("plain literal patterns always build")
        });
        Redactor { show_secrets, known, engine, scanner: RefCell::new(None) }
    }

    /// A redactor that only knows what the rules find.
    pub(crate) fn with_engine(engine: &'e Engine, show_secrets: bool) -> Self {
        Self::new(&[], Some(engine), show_secrets)
    }

    /// `text` for a report that honours `--show-secrets`.
    pub(crate) fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.show_secrets { Cow::Borrowed(text) } else { self.public(text) }
    }

    /// `text` with every secret redacted, whatever `--show-secrets` says (SARIF, GitHub
    /// annotations, baselines, warnings).
    pub fn public<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let ranges = self.secret_ranges(text);
        if ranges.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for range in ranges {
            out.push_str(&text[at..range.start]);
            out.push_str(&redact(&text[range.clone()]));
            at = range.end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// A location's name ([`Location::name`]) as [`Redactor::text`] leaves it.
    pub(crate) fn location<'t>(&self, location: &'t Location) -> Cow<'t, str> {
        match location.name() {
            Cow::Borrowed(name) => self.text(name),
            Cow::Owned(name) => Cow::Owned(self.text(&name).into_owned()),
        }
    }

    /// A finding's secret as reports show it.
    pub(crate) fn secret(&self, finding: &Finding) -> String {
        if self.show_secrets { finding.secret.clone() } else { finding.redacted_secret() }
    }

    /// The value of a credential's other part as reports show it.
    pub(crate) fn part_secret(&self, part: &Part) -> String {
        if self.show_secrets { part.secret.clone() } else { part.redacted_secret() }
    }

    /// For the terminal: redacted as [`Redactor::text`], then escaped.
    pub(crate) fn terminal(&self, text: &str) -> String {
        escape_control(&self.text(text)).into_owned()
    }

    /// For a workflow log: redacted as [`Redactor::public`], then escaped.
    pub(crate) fn public_terminal(&self, text: &str) -> String {
        escape_control(&self.public(text)).into_owned()
    }

    /// Byte ranges of secrets in `text`, sorted, merged where they overlap, on UTF-8
    /// boundaries.
    fn secret_ranges(&self, text: &str) -> Vec<Range<usize>> {
        let mut ranges: Vec<Range<usize>> = Vec::new();
        if let Some(known) = &self.known {
            ranges.extend(
                known.find_iter(text).map(|m| m.range()).filter(|r| !inside_a_word(text, r)),
            );
        }
        if let Some(engine) = self.engine {
            let mut scanner = self.scanner.borrow_mut();
            let scanner = scanner.get_or_insert_with(|| engine.scanner());
            ranges.extend(
                scanner
                    .scan(text.as_bytes())
                    .into_iter()
                    .filter(|m| m.secret_end > m.secret_start)
                    .map(|m| m.secret_start..m.secret_end),
            );
        }
        merge(ranges, text)
    }
}

/// A known secret of letters and digits only (`postgres`, a weak password) that `text` holds
/// inside a longer word (`postgresql/config.py`): that word is not the secret, and redacting
/// it would garble paths and prose. A secret with any other character, or standing alone, is
/// always redacted; provider formats are caught by the rules' pass whatever surrounds them.
fn inside_a_word(text: &str, range: &Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let word_byte = |b: &u8| b.is_ascii_alphanumeric();
    bytes[range.clone()].iter().all(word_byte)
        && (range.start.checked_sub(1).is_some_and(|i| word_byte(&bytes[i]))
            || bytes.get(range.end).is_some_and(word_byte))
}

/// Sorted, non-overlapping ranges widened to character boundaries (a rule may match bytes
/// inside a multi-byte character).
fn merge(mut ranges: Vec<Range<usize>>, text: &str) -> Vec<Range<usize>> {
    ranges.sort_unstable_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        let mut start = range.start.min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = range.end.min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        match merged.last_mut() {
            Some(last) if start <= last.end => last.end = last.end.max(end),
            _ => merged.push(start..end),
        }
    }
    merged
}

/// Redacts what the rules find in `text` and escapes it: for warnings, which are printed
/// while the scan runs, before its findings are known.
pub(crate) fn for_warning(engine: &Engine, text: &str) -> String {
    Redactor::with_engine(engine, false).public_terminal(text)
}

/// An error message as one safe line: it can name a ref, a path or a config value, and it may
/// come before any rules were loaded, so the built-in rules redact it.
pub fn for_error(message: &str) -> String {
    let line = message.replace('\n', " ");
    match crate::rules::builtin_rules().map(|rules| Engine::new(rules, Default::default())) {
        Ok(Ok(engine)) => for_warning(&engine, &line),
        _ => escape_control(&line).into_owned(),
    }
}

/// Control characters as escapes (`\n`, `\t`, `\r`, `\x1b`, `\u{202e}`), so a string from a
/// repository cannot move the cursor, run a terminal escape sequence, start a new line of
/// output or reorder text (bidirectional overrides).
pub(crate) fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && needs_escape(c) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fake::FakeGen, model::Tracking, pipeline::Pipeline, rules::builtin_rules};

    fn engine() -> Engine {
        Engine::new(builtin_rules().unwrap(), Default::default()).unwrap()
    }

    fn scan_content(engine: Engine, path: &str, content: &[u8]) -> (Vec<Finding>, Pipeline) {
        let pipeline = Pipeline::builtin(engine);
        let findings = pipeline.scanner().scan(path, content, Tracking::NoRepository);
        (findings, pipeline)
    }

    #[test]
    fn two_secrets_on_one_line_are_both_redacted_in_each_snippet() {
        let mut fake = FakeGen::new(3);
        let (a, b) = (fake.crc32_token("ghp_"), fake.crc32_token("ghp_"));
        let line = format!("tokens = [\"{a}\", \"{b}\"]\n");
        let (findings, pipeline) = scan_content(engine(), "t.py", line.as_bytes());
        assert_eq!(findings.len(), 2);
        let redactor = Redactor::new(&findings, Some(pipeline.engine()), false);
        for finding in &findings {
            let snippet = redactor.text(&finding.snippet);
            assert!(!snippet.contains(&a) && !snippet.contains(&b), "{snippet}");
        }
    }

    #[test]
    fn a_known_secret_is_redacted_in_any_string_even_where_no_rule_matches() {
        let secret = "s3cr3t-Value-9f8e7d";
        let token = FakeGen::new(1).crc32_token("ghp_");
        let (mut findings, _) = scan_content(engine(), "a.txt", token.as_bytes());
        findings[0].secret = secret.into();
        let redactor = Redactor::new(&findings, None, false);
        assert_eq!(redactor.text(&format!("fix: drop {secret}!")), "fix: drop s3cr****!");
        assert_eq!(Redactor::new(&findings, None, true).text(secret), secret);
        assert_eq!(redactor.public("nothing here"), "nothing here");
    }

    #[test]
    fn a_word_like_secret_inside_a_longer_word_is_left_alone() {
        let token = FakeGen::new(2).crc32_token("ghp_");
        let (mut findings, _) = scan_content(engine(), "a.txt", token.as_bytes());
        findings[0].secret = "postgres".into();
        let redactor = Redactor::new(&findings, None, false);
        assert_eq!(redactor.text("postgresql/config.py"), "postgresql/config.py");
        assert_eq!(redactor.text("db/postgres/config.py"), "db/po****/config.py");
        assert_eq!(redactor.text("pw=postgres"), "pw=po****");
        findings[0].secret = "pg-s3cret".into();
        let redactor = Redactor::new(&findings, None, false);
        assert_eq!(
            redactor.text("xpg-s3cretx"),
            "xpg****x",
            "a secret with a symbol is redacted anywhere"
        );
    }

    #[test]
    fn a_token_in_a_file_name_is_found_by_the_rules() {
        let engine = engine();
        let token = FakeGen::new(4).crc32_token("ghp_");
        let redactor = Redactor::new(&[], Some(&engine), true);
        let path = format!("keys/{token}.txt");
        assert_eq!(redactor.text(&path), path, "--show-secrets shows it");
        assert_eq!(redactor.public(&path), "keys/ghp_****.txt");
    }

    #[test]
    fn errors_are_one_redacted_escaped_line() {
        let token = FakeGen::new(9).crc32_token("ghp_");
        let message = format!("cannot read ref refs/heads/{token}:\nbad\x1b[2J");
        assert_eq!(for_error(&message), "cannot read ref refs/heads/ghp_****: bad\\x1b[2J");
    }

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(escape_control("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
        assert_eq!(escape_control("x.txt\nfake.py:1:1: critical"), "x.txt\\nfake.py:1:1: critical");
        assert_eq!(escape_control("ab\u{202e}cd\u{85}"), "ab\\u{202e}cd\\x85");
        assert_eq!(escape_control("plain ü/path"), "plain ü/path");
    }

    #[test]
    fn overlapping_ranges_merge_on_character_boundaries() {
        let text = "éabcdef";
        assert_eq!(merge(vec![3..5, 1..4, 6..7], text), vec![0..5, 6..7]);
    }
}
