//! Where content becomes findings. Every source (working tree, standard input, staged
//! changes, history) hands each piece of content to a [`Scanner`] of one shared [`Pipeline`],
//! so every step applies to all of them alike:
//!
//! 1. the path filter (`.keyhoundignore`, `[allow] paths`);
//! 2. the engine's matches (its value filter already applied), and its matches inside base64
//!    and hex runs that decode to text (`decoded`), placed at the encoded run;
//! 3. inline `keyhound:allow` markers and built-in path rules for generic rules;
//! 4. the checks (`.env` files, auth headers), and inline allows of their findings;
//! 5. de-duplication: a check's finding outranks a generic rule's on the same value, and so
//!    does a decoded finding a generic rule's match of its encoded text;
//! 6. pairing: a credential's two parts (an AWS key id and its secret) become one finding
//!    (`pairs`).
//!
//! Finding-level suppression (fingerprints, baseline) needs the whole scan's findings and runs
//! in [`crate::run`].

mod decoded;
mod pairs;

use std::{collections::HashMap, sync::Arc};

use decoded::DecodedMatch;

use crate::{
    checks,
    engine::{self, Engine},
    finding::Finding,
    input,
    model::{LineIndex, Location, Span, Tracking},
    rules::{CheckKind, Rule},
    suppress::Suppressions,
};

/// The engine and the suppressions of one scan. Build it once; share it between threads; give
/// each thread a [`Scanner`].
#[derive(Debug)]
pub struct Pipeline {
    engine: Engine,
    suppressions: Arc<Suppressions>,
    checks: checks::Prepared,
}

impl Pipeline {
    pub(crate) fn new(engine: Engine, suppressions: Suppressions) -> Self {
        let checks = checks::Prepared::new(&engine);
        Pipeline { engine, suppressions: Arc::new(suppressions), checks }
    }

    /// With the built-in suppression only (nothing configured), as rule examples are checked.
    pub fn builtin(engine: Engine) -> Self {
        Pipeline::new(engine, Suppressions::new(true))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn suppressions(&self) -> &Arc<Suppressions> {
        &self.suppressions
    }

    /// Per-thread state. Cheap to create.
    pub fn scanner(&self) -> Scanner<'_> {
        Scanner { pipeline: self, matcher: self.engine.scanner() }
    }
}

/// Whether content at `path` reaches the checks even when the engine matches nothing (so a
/// source must know its [`Tracking`]).
pub(crate) fn inspects_path(path: &str) -> bool {
    checks::inspects_path(path)
}

/// Spans to test others against for overlap in logarithmic time (a long line can hold
/// thousands of findings of both kinds).
struct SpanSet {
    /// By start.
    spans: Vec<Span>,
    /// The furthest end among `spans[..=i]`.
    furthest_end: Vec<(usize, usize)>,
}

impl SpanSet {
    fn new(spans: impl Iterator<Item = Span>) -> Self {
        let mut spans: Vec<Span> = spans.collect();
        spans.sort_unstable();
        let furthest_end = spans
            .iter()
            .scan((0, 0), |furthest, span| {
                *furthest = (*furthest).max((span.end_line, span.end_column));
                Some(*furthest)
            })
            .collect();
        SpanSet { spans, furthest_end }
    }

    /// Whether any span shares a character with `span`.
    fn overlaps(&self, span: &Span) -> bool {
        let starting_before_its_end =
            self.spans.partition_point(|s| (s.line, s.column) < (span.end_line, span.end_column));
        starting_before_its_end > 0
            && self.furthest_end[starting_before_its_end - 1] > (span.line, span.column)
    }
}

/// Drops a finding that says less about a secret than a check's finding at the same place:
/// one whose secret is the encoded text of a decoded finding (`Authorization: Basic <base64>`
/// as a hardcoded header), and a rule's finding of a secret a credential file's finding holds
/// (a GitHub token in `.git-credentials`).
fn drop_duplicates_of_checks(findings: &mut Vec<Finding>) {
    let mut by_line: HashMap<usize, Vec<usize>> = HashMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if finding.rule.check.is_some() {
            by_line.entry(finding.span.line).or_default().push(index);
        }
    }
    if by_line.is_empty() {
        return;
    }
    let says_less = |f: &Finding, c: &Finding| {
        if !c.span.overlaps(&f.span) {
            return false;
        }
        let decodes_it =
            f.encoded.is_none() && c.encoded.as_ref().is_some_and(|e| e.text == f.secret);
        let holds_it = c.rule.check.is_some_and(CheckKind::is_credential_file)
            && !f.rule.check.is_some_and(CheckKind::is_credential_file)
            && (c.secret.contains(&f.secret) || f.secret.contains(&c.secret));
        decodes_it || holds_it
    };
    let duplicate: Vec<bool> = findings
        .iter()
        .enumerate()
        .map(|(index, f)| {
            by_line.get(&f.span.line).is_some_and(|checks| {
                checks.iter().any(|&c| c != index && says_less(f, &findings[c]))
            })
        })
        .collect();
    let mut index = 0;
    findings.retain(|_| {
        index += 1;
        !duplicate[index - 1]
    });
}

/// One thread's way through the [`Pipeline`].
pub struct Scanner<'p> {
    pipeline: &'p Pipeline,
    matcher: engine::Scanner<'p>,
}

impl Scanner<'_> {
    /// The engine's matches in `content`, before any path-dependent step: for a source that
    /// reads content before it knows every path the content is at (history blobs).
    pub(crate) fn matches(&mut self, content: &[u8]) -> Vec<engine::Match> {
        let content = input::scannable(content);
        let found = self.matcher.scan(&content);
        if !found.is_empty() {
            return found;
        }
        decoded::matches(&mut self.matcher, &content)
            .iter()
            .map(DecodedMatch::at_encoded_run)
            .collect()
    }

    /// The engine's matches in `content` and, apart, its matches inside decoded runs (placed
    /// at the runs): all the matching a scan does, for the engine benchmark.
    pub fn matches_and_decoded(
        &mut self,
        content: &[u8],
    ) -> (Vec<engine::Match>, Vec<engine::Match>) {
        let content = input::scannable(content);
        let found = self.matcher.scan(&content);
        let decoded = decoded::matches(&mut self.matcher, &content);
        (found, decoded.iter().map(DecodedMatch::at_encoded_run).collect())
    }

    /// The findings in `content`, scanned as the file at `path`.
    pub fn scan(&mut self, path: &str, content: &[u8], tracking: Tracking) -> Vec<Finding> {
        self.scan_at(&Location::file(path), content, tracking)
    }

    /// The findings in `content`, scanned as `location`: path rules apply to files only.
    pub(crate) fn scan_at(
        &mut self,
        location: &Location,
        content: &[u8],
        tracking: Tracking,
    ) -> Vec<Finding> {
        let path = location.path();
        if path.is_some_and(|path| self.pipeline.suppressions.skips_path(path, false)) {
            return Vec::new();
        }
        // UTF-16 text is scanned as UTF-8: lines stay lines, columns count characters.
        let decoded = input::scannable(content);
        let content = &decoded[..];
        let matches = self.matcher.scan(content);
        let decoded = decoded::matches(&mut self.matcher, content);
        self.findings(location, content, tracking, matches, decoded)
    }

    /// Whether `content` (with `tracking`) can give a finding at some path. `false` means none at any path that
    /// no ignore pattern skips and no check inspects by name ([`inspects_path`]): for a source
    /// that reads content before it knows its paths (history blobs), which then scans again,
    /// at their paths, only the contents this accepts and those at inspected paths.
    ///
    /// Without a generic rule's match (plain or decoded), nothing the pipeline does depends on
    /// the path but the ignore patterns and the checks that [`inspects_path`] names (the
    /// built-in path rules only suppress generic rules' matches), so the findings at one
    /// neutral path stand for those at every such path.
    pub(crate) fn may_find(&mut self, content: &[u8], tracking: Tracking) -> bool {
        const NEUTRAL_PATH: &str = "keyhound-unplaced-content";
        let content = input::scannable(content);
        let matches = self.matcher.scan(&content);
        let engine = &self.pipeline.engine;
        if matches.iter().any(|m| engine.rule(m.rule).generic) {
            return true;
        }
        let decoded = decoded::matches(&mut self.matcher, &content);
        if matches.is_empty() && decoded.is_empty() {
            return false;
        }
        if decoded.iter().any(|d| engine.rule(d.rule).generic)
            || self.pipeline.suppressions.skips_path(NEUTRAL_PATH, false)
        {
            return true;
        }
        debug_assert!(!checks::inspects_path(NEUTRAL_PATH));
        !self
            .findings(&Location::file(NEUTRAL_PATH), &content, tracking, matches, decoded)
            .is_empty()
    }

    /// The findings of the engine's `matches` and `decoded` matches in `content` at `location`.
    fn findings(
        &mut self,
        location: &Location,
        content: &[u8],
        tracking: Tracking,
        mut matches: Vec<engine::Match>,
        decoded: Vec<DecodedMatch>,
    ) -> Vec<Finding> {
        let engine = &self.pipeline.engine;
        let suppressions = &self.pipeline.suppressions;
        let path = location.path();
        if matches.is_empty() && decoded.is_empty() && !path.is_some_and(checks::inspects_path) {
            return Vec::new();
        }
        let lines = LineIndex::new();
        suppressions.retain_matches(engine, path, content, &lines, &mut matches);
        let decoded = self.decoded_findings(location, content, &lines, decoded);
        // A line that repeats one secret (a generated or hostile file) is one finding.
        let mut seen_on_line = std::collections::HashSet::new();
        let mut findings: Vec<Finding> = matches
            .iter()
            .filter(|m| !checks::is_trigger(engine.rule(m.rule)))
            .filter(|m| reports_at(engine.rule(m.rule), path))
            .filter(|m| {
                let (line_start, _) = lines.line_bounds(content, m.secret_start);
                seen_on_line.insert((m.rule, line_start, &content[m.secret_start..m.secret_end]))
            })
            .map(|m| {
                let rule = engine.rule(m.rule).clone();
                Finding::new(rule, location.clone(), content, &lines, m.secret_start..m.secret_end)
                    .demoted(m.demotion)
            })
            .collect();
        // A generic rule's match of the encoded text says less than what it decodes to.
        let decoded_spans = SpanSet::new(decoded.iter().map(|d| d.span));
        findings.retain(|f| !f.rule.generic || !decoded_spans.overlaps(&f.span));
        findings.extend(decoded);
        let context = checks::Context {
            engine,
            location,
            prepared: &self.pipeline.checks,
            content,
            tracking,
            lines: &lines,
            matches: &matches,
        };
        let mut checked = checks::run(&context);
        suppressions.retain_check_findings(engine, content, &lines, &mut checked);
        // A check's finding (`dotenv-secret`) is more specific than a generic rule's on the
        // same value: report the value once.
        let checked_spans = SpanSet::new(checked.iter().map(|c| c.span));
        findings.retain(|f| !f.rule.generic || !checked_spans.overlaps(&f.span));
        findings.extend(checked);
        drop_duplicates_of_checks(&mut findings);
        pairs::join(&mut findings);
        findings
    }

    /// The findings of decoded matches that no inline allow or built-in path rule suppresses.
    fn decoded_findings(
        &self,
        location: &Location,
        content: &[u8],
        lines: &LineIndex,
        decoded: Vec<DecodedMatch>,
    ) -> Vec<Finding> {
        if decoded.is_empty() {
            return Vec::new();
        }
        let engine = &self.pipeline.engine;
        let mut kept: Vec<engine::Match> =
            decoded.iter().map(DecodedMatch::at_encoded_run).collect();
        let path = location.path();
        self.pipeline.suppressions.retain_matches(engine, path, content, lines, &mut kept);
        let mut kept = kept.into_iter().peekable();
        decoded
            .into_iter()
            .filter(|d| kept.next_if(|m| *m == d.at_encoded_run()).is_some())
            .filter(|d| reports_at(engine.rule(d.rule), path))
            .map(|d| {
                let rule = Arc::clone(engine.rule(d.rule));
                Finding::decoded(
                    rule,
                    location.clone(),
                    content,
                    lines,
                    d.encoded,
                    &d.secret,
                    d.layers,
                )
                .demoted(d.demotion)
            })
            .collect()
    }
}

/// Whether `rule` reports in the file at `path`: a configuration-only rule (`salt: ...`) is
/// silent in code, for what it finds there in an encoded run too.
fn reports_at(rule: &Rule, path: Option<&str>) -> bool {
    !rule.configuration_only || path.is_some_and(crate::finding::is_configuration)
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::{checks::headers::take_examined, classify::ValueFilter, rules::builtin_rules};

    /// The built-in rules' pipeline, built once for the module's tests.
    pub(super) fn pipeline() -> &'static Pipeline {
        static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
        PIPELINE.get_or_init(|| {
            Pipeline::builtin(
                Engine::new(builtin_rules().unwrap(), ValueFilter::standard()).unwrap(),
            )
        })
    }

    #[test]
    fn span_sets_find_overlaps() {
        let span = |line, column, end_column| Span { line, column, end_line: line, end_column };
        let set = SpanSet::new([span(1, 5, 30), span(1, 8, 10), span(3, 1, 4)].into_iter());
        assert!(set.overlaps(&span(1, 20, 22)), "inside the long one");
        assert!(!set.overlaps(&span(1, 30, 40)), "touching its end");
        assert!(!set.overlaps(&span(2, 1, 9)));
        assert!(set.overlaps(&span(3, 3, 9)));
    }

    /// Bytes the header checks read to scan `line`.
    fn work(line: &[u8]) -> usize {
        take_examined();
        pipeline().scanner().scan("client.py", line, Tracking::Committed);
        take_examined()
    }

    #[test]
    fn header_work_is_linear_in_the_length_of_a_line() {
        for unit in crate::fake::HOSTILE_LINE_SHAPES {
            let line = |bytes: usize| unit.repeat(bytes / unit.len()).into_bytes();
            let (short, long) = (line(32 << 10), line(128 << 10));
            let (short_work, long_work) = (work(&short), work(&long));
            assert!(short_work > 0, "{unit}: the checks read nothing");
            let ratio = long_work as f64 / short_work as f64;
            let expected = long.len() as f64 / short.len() as f64;
            assert!(
                ratio < expected * 1.1,
                "{unit}: 4x the line, {ratio:.1}x the work ({short_work} -> {long_work} bytes)"
            );
        }
    }

    #[test]
    fn a_configuration_only_rule_is_silent_in_code() {
        let salt = crate::fake::FakeGen::new(4).string_from(b"0123456789abcdef", 32);
        let line = format!("password_salt: \"{salt}\"\n");
        let rules_of = |path: &str| -> Vec<String> {
            let found = pipeline().scanner().scan(path, line.as_bytes(), Tracking::Committed);
            found.into_iter().map(|f| f.rule.id.clone()).collect()
        };
        assert_eq!(rules_of("config/app.yml"), ["salt-or-nonce-assignment"]);
        assert!(rules_of("spec/crypto_test.rb").is_empty());
    }

    #[test]
    fn a_line_repeating_one_secret_is_one_finding() {
        let token = crate::fake::FakeGen::new(3).crc32_token("ghp_");
        let header = format!(r#"{{"Authorization": "Bearer {token}"}}, "#);
        let scan = |text: &str| {
            pipeline().scanner().scan("client.py", text.as_bytes(), Tracking::Committed)
        };
        let once = scan(&header);
        assert!(!once.is_empty());
        let repeated = scan(&header.repeat(10_000));
        assert_eq!(
            repeated.len(),
            once.len(),
            "{:?}",
            repeated.iter().map(|f| &f.rule.id).collect::<Vec<_>>()
        );
        let lines = scan(&format!("{header}\n{header}\n"));
        assert_eq!(lines.len(), 2 * once.len(), "one per line");
    }

    #[test]
    fn content_that_may_find_nothing_gives_nothing_at_any_uninspected_path() {
        let mut fake = crate::fake::FakeGen::new(5);
        let token = fake.crc32_token("ghp_");
        let password =
            fake.string_from(b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
        let may_find =
            |text: &str| pipeline().scanner().may_find(text.as_bytes(), Tracking::Committed);
        let header_trigger =
            "curl -H \"Authorization: Basic $CREDENTIALS\" https://example.test/\n";
        let plain = "fn main() { println!(\"hello\"); }\n";
        assert!(!pipeline().scanner().matches(header_trigger.as_bytes()).is_empty());
        for text in [header_trigger, plain] {
            assert!(!may_find(text), "{text}");
            for path in ["src/client.py", "t/fixtures/auth.sh", "Cargo.lock", "vendor/x/y.js"] {
                let found = pipeline().scanner().scan(path, text.as_bytes(), Tracking::Committed);
                assert!(found.is_empty(), "{path}: {found:?}");
            }
        }
        assert!(may_find(&format!("token = \"{token}\"\n")), "a provider key");
        let generic = format!("db_password = \"{password}\"\n");
        assert!(may_find(&generic), "a generic rule's match depends on the path");
        let scan = |path| pipeline().scanner().scan(path, generic.as_bytes(), Tracking::Committed);
        assert!(!scan("src/db.py").is_empty());
        assert!(scan("Cargo.lock").is_empty());
    }

    #[test]
    fn utf16_content_is_decoded_before_it_is_scanned() {
        let secret = crate::fake::FakeGen::new(2).crc32_token("ghp_");
        let text = format!("\u{feff}# one\r\n$token = \"{secret}\"\r\n");
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_ne!(input::sniff(&utf16), input::Encoding::Binary);
        let findings = pipeline().scanner().scan("a.ps1", &utf16, Tracking::NoRepository);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!((findings[0].span.line, findings[0].secret.as_str()), (2, secret.as_str()));
        assert!(!pipeline().scanner().matches(&utf16).is_empty(), "the history prefilter too");
    }
}
