//! The matching engine. One Aho-Corasick pass over every byte (`pass.rs`) finds each rule's
//! literal prefixes (or its keywords); each hit is confirmed by that rule's regex anchored at
//! the hit over a bounded range, or, for context rules, on the hit's line. See
//! `docs/engine-design.md` for why this shape and not a `RegexSet`.

mod analysis;
mod literals;
mod pass;
mod resolve;

/// The built-in rules' regexes, analysed by `build.rs`, sorted by pattern.
mod built {
    use super::analysis::BuiltAnalysis;
    include!(concat!(env!("OUT_DIR"), "/regex_analyses.rs"));
}

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use memchr::memmem;
use regex_automata::{
    Anchored, Input,
    meta::{self, Regex},
    util::{captures::Captures, syntax},
};

use crate::{
    classify::{Demotion, Look, ValueFilter},
    entropy::shannon_entropy,
    model::RuleIndex,
    rules::{CheckKind, Rule, RuleError},
};
use analysis::RegexAnalysis;
pub(crate) use literals::MIN_LITERAL_LEN;
use pass::{LiteralHit, LiteralPass};

/// The longest range an anchored confirmation reads, whatever the rule says.
pub(crate) const MAX_CONFIRM_LEN: usize = 64 * 1024;
/// How far a context rule's confirmation reaches either side of a keyword hit on its line
/// (minified files put a whole program on one line).
const CONTEXT_REACH: usize = 1024;

/// A rule lint: not fatal, but a rule that will be slow or noisy.
pub(crate) type RuleLint = crate::rules::RuleProblem;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
    /// Anchored at the literal hit, reading at most `max_len` bytes; every match starts with
    /// `known_prefix` literal bytes (not part of a secret's random body).
    Anchored { max_len: usize, known_prefix: usize },
    /// On the line around a keyword hit: unanchored, or anchored at the line's start when
    /// every match starts there (`(?m)^...`), which lets the search stop at the first byte
    /// that cannot continue a match instead of trying every start on the line.
    Line { from_line_start: bool },
}

/// A rule ready to confirm hits. Its regex is built on the first hit, not up front: building
/// every rule's NFAs costs tens of milliseconds (large bounded repetitions such as PEM bodies
/// dominate), which would be most of a pre-commit hook's run on a small change. The pattern
/// was parsed when the engine was built, so a syntax error is still reported then, with its
/// file and line.
#[derive(Debug)]
struct CompiledRule {
    pattern: String,
    regex: OnceLock<Regex>,
    confirm: Confirm,
    secret_group: Option<usize>,
    /// Literals one of which every match holds (see `literals::required_literals`): a hit
    /// whose confirmation range holds none is rejected without running the regex.
    required: Vec<memmem::Finder<'static>>,
}

impl CompiledRule {
    /// Whether `window` can hold a match, as far as its required literals tell.
    fn may_match(&self, window: &[u8]) -> bool {
        self.required.is_empty() || self.required.iter().any(|f| f.find(window).is_some())
    }

    fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            build_regex(&self.pattern).expect("parsed when the engine was built; no size limit")
        })
    }
}

/// The confirmation regex: bytes, ASCII classes. No NFA size limit, so building a pattern that
/// parsed cannot fail (bounded repetitions keep every rule's NFA finite).
fn build_regex(pattern: &str) -> Result<Regex, Box<meta::BuildError>> {
    Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(Regex::config().utf8_empty(false).nfa_size_limit(None))
        .build(pattern)
        .map_err(Box::new)
}

/// A confirmed, filtered match of one rule: byte ranges of the secret and the whole match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub rule: RuleIndex,
    pub secret_start: usize,
    pub secret_end: usize,
    pub match_start: usize,
    pub match_end: usize,
    /// Set when the match is reported at `low` confidence, and why.
    pub demotion: Option<Demotion>,
}

/// What the engine makes of a confirmed match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accepted,
    /// Reported, at `low` confidence.
    Demoted(Demotion),
    /// Not reported (a placeholder, too little entropy, a failed checksum); its span is still
    /// claimed against generic rules.
    Rejected,
}

/// A confirmation before filtering; rejected ones still claim their span (see `resolve`).
#[derive(Debug, Clone)]
struct Candidate {
    found: Match,
    generic: bool,
    accepted: bool,
}

/// The compiled rule set. Build it once; share it between threads; give each thread a
/// [`Scanner`].
pub struct Engine {
    rules: Vec<Arc<Rule>>,
    compiled: Vec<CompiledRule>,
    pass: LiteralPass,
    /// For each Aho-Corasick pattern, the rules it gates.
    targets: Vec<Vec<u32>>,
    ids: HashMap<String, usize>,
    /// The rule each built-in check reports.
    checks: HashMap<CheckKind, usize>,
    values: ValueFilter,
    lints: Vec<RuleLint>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("rules", &self.rules.len()).finish_non_exhaustive()
    }
}

impl Engine {
    /// The engine for `rules`; `values` decides which matched values are placeholders or
    /// look-alikes rather than credentials.
    pub fn new(rules: Vec<Rule>, values: ValueFilter) -> Result<Engine, RuleError> {
        let mut compiled = Vec::with_capacity(rules.len());
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut targets: Vec<Vec<u32>> = Vec::new();
        let mut pattern_index = HashMap::new();
        let mut lints = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let (rule_compiled, gates, rule_lints) = compile_rule(rule)?;
            lints.extend(rule_lints);
            for literal in gates {
                let slot = *pattern_index.entry(literal.clone()).or_insert_with(|| {
                    patterns.push(literal);
                    targets.push(Vec::new());
                    targets.len() - 1
                });
                targets[slot].push(index as u32);
            }
            compiled.push(rule_compiled);
        }
        let pass = LiteralPass::new(&patterns).map_err(|message| RuleError {
            file: "<rules>".into(),
            line: 1,
            message: format!("cannot build the literal pass: {message}"),
        })?;
        let ids = rules.iter().enumerate().map(|(index, rule)| (rule.id.clone(), index)).collect();
        let checks = rules
            .iter()
            .enumerate()
            .filter_map(|(index, rule)| Some((rule.check?, index)))
            .collect();
        Ok(Engine {
            ids,
            checks,
            rules: rules.into_iter().map(Arc::new).collect(),
            compiled,
            pass,
            targets,
            values,
            lints,
        })
    }

    pub fn rules(&self) -> &[Arc<Rule>] {
        &self.rules
    }

    pub fn rule(&self, index: RuleIndex) -> &Arc<Rule> {
        &self.rules[index.get()]
    }

    /// The index of the rule with this id, if the rule set has it.
    pub(crate) fn rule_index(&self, id: &str) -> Option<RuleIndex> {
        self.ids.get(id).copied().map(RuleIndex::new)
    }

    /// The index of the rule `check` reports, if the rule set has it.
    pub(crate) fn rule_for_check(&self, check: CheckKind) -> Option<RuleIndex> {
        self.checks.get(&check).copied().map(RuleIndex::new)
    }

    /// Problems that make rules slow or noisy without making them wrong.
    pub fn lints(&self) -> &[RuleLint] {
        &self.lints
    }

    /// The filter matched values pass, which the checks consult too.
    pub(crate) fn values(&self) -> &ValueFilter {
        &self.values
    }

    /// How many rules' regexes have been built so far (they are built on a rule's first hit).
    #[cfg(test)]
    pub(crate) fn built_regexes(&self) -> usize {
        self.compiled.iter().filter(|c| c.regex.get().is_some()).count()
    }

    /// Per-thread matching state (regex caches, made on a rule's first hit). Cheap to create.
    pub fn scanner(&self) -> Scanner<'_> {
        Scanner {
            engine: self,
            caches: self.compiled.iter().map(|_| None).collect(),
            context_reached: vec![0; self.compiled.len()],
            context_rules: Vec::new(),
            hits: Vec::new(),
            candidates: Vec::new(),
        }
    }
}

type Gates = Vec<Vec<u8>>;

fn compile_rule(rule: &Rule) -> Result<(CompiledRule, Gates, Vec<RuleLint>), RuleError> {
    let regex_error = |message: String| RuleError {
        file: rule.origin.file.clone(),
        line: rule.regex_line,
        message: format!("rule `{}`: {message}", rule.id),
    };
    let lint = |message: String| RuleLint {
        rule_id: rule.id.clone(),
        file: rule.origin.file.clone(),
        line: rule.origin.line,
        message,
    };
    if rule.regex.is_empty() && rule.check.is_some() {
        // A check rule without a regex (a path check): reported by its check, never matched.
        let never = Regex::new_many::<&str>(&[])
            .map_err(|err| regex_error(format!("cannot build an empty regex: {err}")))?;
        return Ok((
            CompiledRule {
                pattern: String::new(),
                regex: OnceLock::from(never),
                confirm: Confirm::Line { from_line_start: false },
                secret_group: None,
                required: Vec::new(),
            },
            Vec::new(),
            Vec::new(),
        ));
    }
    let analysis = analysed(&rule.regex).map_err(&regex_error)?;
    let secret_group = analysis.secret_group;
    let mut lints = Vec::new();
    if secret_group.is_none() {
        lints.push(lint("regex has no `secret` group; the whole match is reported".into()));
    }
    let (confirm, gates) = match analysis.prefix {
        Some((gates, known_prefix)) => {
            let max_len = match analysis.max_len {
                Some(len) if len <= MAX_CONFIRM_LEN => len,
                _ => {
                    lints.push(lint(format!(
                        "regex can match more than {MAX_CONFIRM_LEN} bytes; confirmation is capped there (bound its repetitions)"
                    )));
                    MAX_CONFIRM_LEN
                }
            };
            (Confirm::Anchored { max_len, known_prefix }, gates)
        }
        None => {
            if rule.keywords.is_empty() {
                return Err(regex_error(format!(
                    "regex has no literal prefix of at least {MIN_LITERAL_LEN} bytes on every branch; add `keywords`"
                )));
            }
            for keyword in &rule.keywords {
                if let Some(problem) = literals::keyword_problem(keyword) {
                    lints.push(lint(problem));
                }
            }
            let gates = rule.keywords.iter().map(|k| k.as_bytes().to_vec()).collect();
            (Confirm::Line { from_line_start: analysis.from_line_start }, gates)
        }
    };
    let required = match analysis.required {
        // Every gate holding one of them (`://` in `https://`), the test would reject nothing.
        Some(required)
            if !gates.iter().all(|gate| {
                required
                    .iter()
                    .any(|lit| gate.windows(lit.len()).any(|w| w.eq_ignore_ascii_case(lit)))
            }) =>
        {
            required.iter().map(|lit| memmem::Finder::new(lit).into_owned()).collect()
        }
        _ => Vec::new(),
    };
    let compiled = CompiledRule {
        pattern: rule.regex.clone(),
        regex: OnceLock::new(),
        confirm,
        secret_group,
        required,
    };
    Ok((compiled, gates, lints))
}

/// `pattern`'s analysis: written at build time for a built-in rule's regex, made now for any
/// other.
fn analysed(pattern: &str) -> Result<RegexAnalysis, String> {
    match built::BUILT_ANALYSES.binary_search_by(|(built, _)| (*built).cmp(pattern)) {
        Ok(at) => Ok(built::BUILT_ANALYSES[at].1.to_analysis()),
        Err(_) => analysis::analyse(pattern),
    }
}

/// Per-thread matching state.
pub struct Scanner<'e> {
    engine: &'e Engine,
    /// Per rule: the regex's cache and capture slots, made on the rule's first hit.
    caches: Vec<Option<(meta::Cache, Captures)>>,
    /// For each context rule, the end of the last line window it was confirmed on.
    context_reached: Vec<usize>,
    /// The context rules `context_reached` has an entry for in this scan: clearing only
    /// those costs nothing for the small texts the decoder scans, where clearing the whole
    /// vector (one entry per rule) cost more than the scan.
    context_rules: Vec<usize>,
    hits: Vec<LiteralHit>,
    candidates: Vec<Candidate>,
}

impl<'e> Scanner<'e> {
    pub(crate) fn engine(&self) -> &'e Engine {
        self.engine
    }

    /// All accepted matches in `haystack`, ordered by position, one per secret.
    pub fn scan(&mut self, haystack: &[u8]) -> Vec<Match> {
        self.candidates.clear();
        for rule in self.context_rules.drain(..) {
            self.context_reached[rule] = 0;
        }
        let engine = self.engine;
        let mut hits = std::mem::take(&mut self.hits);
        engine.pass.find_all(haystack, &mut hits);
        for hit in &hits {
            for &rule in &engine.targets[hit.literal as usize] {
                self.confirm(haystack, hit.start, hit.end, rule as usize);
            }
        }
        self.hits = hits;
        resolve::resolve(&mut self.candidates)
    }

    fn confirm(&mut self, haystack: &[u8], hit_start: usize, hit_end: usize, rule: usize) {
        match self.engine.compiled[rule].confirm {
            Confirm::Anchored { max_len, known_prefix } => {
                let end = haystack.len().min(hit_start.saturating_add(max_len));
                if !self.engine.compiled[rule].may_match(&haystack[hit_start..end]) {
                    return;
                }
                let input = Input::new(haystack)
                    .span(hit_start..end)
                    .anchored(Anchored::Yes)
                    .earliest(false);
                self.confirm_in(haystack, rule, &input, known_prefix);
            }
            Confirm::Line { from_line_start } => {
                if hit_end <= self.context_reached[rule] {
                    return;
                }
                let (start, end) = line_window(haystack, hit_start, hit_end);
                if self.context_reached[rule] == 0 {
                    self.context_rules.push(rule);
                }
                self.context_reached[rule] = end;
                if !self.engine.compiled[rule].may_match(&haystack[start..end]) {
                    return;
                }
                if from_line_start {
                    let input = Input::new(haystack).span(start..end).anchored(Anchored::Yes);
                    self.confirm_in(haystack, rule, &input, 0);
                    return;
                }
                let mut at = start;
                while at < end {
                    let input = Input::new(haystack).span(at..end);
                    match self.confirm_in(haystack, rule, &input, 0) {
                        Some(next) => at = next.max(at + 1),
                        None => break,
                    }
                }
            }
        }
    }

    /// Runs `rule`'s regex on `input`; records a candidate and returns the match end.
    fn confirm_in(
        &mut self,
        haystack: &[u8],
        rule: usize,
        input: &Input<'_>,
        prefix_len: usize,
    ) -> Option<usize> {
        let compiled = &self.engine.compiled[rule];
        let regex = compiled.regex();
        let (cache, captures) = self.caches[rule]
            .get_or_insert_with(|| (regex.create_cache(), regex.create_captures()));
        regex.search_captures_with(cache, input, captures);
        let whole = captures.get_match()?.span();
        let secret = compiled
            .secret_group
            .and_then(|group| captures.get_group(group))
            .map_or(whole, |span| span);
        if secret.is_empty() {
            return Some(whole.end);
        }
        let body_skip = if secret.start == whole.start { prefix_len } else { 0 };
        let verdict =
            self.verdict(rule, &haystack[secret.range()], &haystack[whole.range()], body_skip);
        let found = Match {
            rule: RuleIndex::new(rule),
            secret_start: secret.start,
            secret_end: secret.end,
            match_start: whole.start,
            match_end: whole.end,
            demotion: match verdict {
                Verdict::Demoted(demotion) => Some(demotion),
                Verdict::Accepted | Verdict::Rejected => None,
            },
        };
        self.candidates.push(Candidate {
            found,
            generic: self.engine.rules[rule].generic,
            accepted: verdict != Verdict::Rejected,
        });
        Some(whole.end)
    }

    fn verdict(&self, rule: usize, secret: &[u8], whole: &[u8], body_skip: usize) -> Verdict {
        let rule = &self.engine.rules[rule];
        let body = &secret[body_skip.min(secret.len())..];
        // A check's trigger (`bearer`, `x-api-key`, `?api_key=`) is a word, never a value:
        // the filter has nothing to say about it, and a minified line holds millions.
        let look = if rule.check.is_none() {
            self.engine.values.look(secret, body)
        } else {
            Look::Credential
        };
        // A provider's format whose only fault is a typed run is shown at `low`: a made-up
        // documentation value, or a real key that happens to hold one. A generic rule's value
        // has no format to vouch for it.
        let verdict = match look {
            Look::Placeholder => return Verdict::Rejected,
            Look::Typed if rule.generic => return Verdict::Rejected,
            Look::Typed => Verdict::Demoted(Demotion::TypedRun),
            Look::Credential => Verdict::Accepted,
        };
        if rule.entropy.is_some_and(|min| shannon_entropy(secret) < min) {
            // a password someone chose is short and plain more often than not: what it is,
            // not how random it looks, decides (a made-up one with a typed run stays dropped)
            let chosen = rule.password
                && verdict == Verdict::Accepted
                && !self.engine.values.rejects_chosen_password(secret, whole);
            return if chosen {
                Verdict::Demoted(Demotion::ChosenPassword)
            } else {
                Verdict::Rejected
            };
        }
        // only a generic rule's value is judged by its looks: a provider format is its own proof
        if rule.generic {
            let rejected = if rule.password && rule.entropy.is_none() {
                self.engine.values.rejects_password(secret, whole)
            } else {
                self.engine.values.rejects_generic(secret, whole)
            };
            if rejected {
                return Verdict::Rejected;
            }
        }
        // A well-formed token whose checksum fails is a truncated or mistyped copy of a real
        // one as often as a made-up one: shown at `low`. With a typed run too, it is made up.
        match (verdict, rule.checksum) {
            (_, Some(checksum)) if checksum.verifies(secret) => verdict,
            (_, None) => verdict,
            (Verdict::Accepted, Some(_)) => Verdict::Demoted(Demotion::ChecksumFails),
            (_, Some(_)) => Verdict::Rejected,
        }
    }
}

/// The line holding `hit`, clipped to [`CONTEXT_REACH`] bytes either side.
fn line_window(haystack: &[u8], hit_start: usize, hit_end: usize) -> (usize, usize) {
    let floor = hit_start.saturating_sub(CONTEXT_REACH);
    let ceiling = haystack.len().min(hit_end + CONTEXT_REACH);
    let start =
        memchr::memrchr(b'\n', &haystack[floor..hit_start]).map_or(floor, |i| floor + i + 1);
    let end = memchr::memchr(b'\n', &haystack[hit_end..ceiling]).map_or(ceiling, |i| hit_end + i);
    (start, end)
}

#[cfg(test)]
mod tests;
