//! How keys are sent. A key that is valid but sent the wrong way fails with 401/403 just like
//! a revoked one, so these are reported with the form the provider expects:
//!
//! - `header-bearer-case`: `bearer`/`BEARER` instead of `Bearer` (many gateways compare the
//!   scheme byte for byte);
//! - `header-wrong-scheme`: `Token <key>`, `Basic <key>` or a bare key where the provider
//!   wants another scheme;
//! - `header-wrong-name`: a provider's key in a header that provider ignores;
//! - `key-in-query-string`: a key in `?api_key=` for a provider that takes headers (it also
//!   lands in proxy and server logs);
//! - `header-hardcoded-key`: a literal credential in a header value.
//!
//! The provider of a header comes from the key in it (the provider rule that matched it), the
//! variable it is read from (`OPENAI_API_KEY`), or an API host near it, and what the provider
//! accepts comes from that rule file's `[auth]` table. Only lines holding a trigger match of a
//! header rule (`bearer`, `authorization`, `x-api-key`, `?api_key=`...) or a provider key are
//! inspected, so files without those literals cost nothing here.
//!
//! `lexer` reads headers out of the text, `providers` says whose they are; this module holds
//! the five checks.

mod lexer;
mod providers;

use std::collections::{HashMap, HashSet};

use lexer::{
    Credential, VALUE_REACH, concatenation, header_uses, is_quote, parse_value, query_value,
    url_host,
};
pub(crate) use providers::ProviderTable;
use providers::{Evidence, Providers, header_name, header_scheme};

use super::Context;
use crate::{
    classify::{HEADER_LITERAL, MIN_DIGITS_IN_A_BARE_KEY, basic_credentials_of_words, classify},
    finding::{Confidence, Finding},
    rules::CheckKind,
};

// Counts the bytes the header checks read (in tests), so a test can show that the work is
// linear in the length of a line however many headers it holds.
#[cfg(test)]
thread_local! {
    static EXAMINED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The bytes read since the last call (this thread; tests only).
#[cfg(test)]
pub(crate) fn take_examined() -> usize {
    EXAMINED.with(|count| count.replace(0))
}

fn examined(bytes: usize) {
    #[cfg(test)]
    EXAMINED.with(|count| count.set(count.get() + bytes));
    let _ = bytes;
}

/// How many distinct literals one file's header checks remember judging.
const MAX_JUDGED_LITERALS: usize = 4096;

pub(super) fn check(context: &Context<'_>) -> Vec<Finding> {
    let lines = inspected_lines(context);
    if lines.is_empty() {
        return Vec::new();
    }
    let providers = Providers::new(context);
    let mut report = Report::new(context);
    for &(start, end) in &lines {
        inspect_line(&mut report, &providers, start, end);
    }
    for (i, m) in context.matches.iter().enumerate() {
        let rule = context.engine.rule(m.rule);
        // A value read after this match ends before the next match (on a long line, where
        // many values would otherwise overlap) and within VALUE_REACH.
        let (_, line_end) = context.lines.line_bounds(context.content, m.secret_start);
        let mut reach = line_end.min(m.secret_end + VALUE_REACH);
        if line_end - m.secret_start > VALUE_REACH {
            let next = context.matches.get(i + 1).map(|n| n.secret_start.max(m.secret_end));
            reach = next.map_or(reach, |next| reach.min(next));
        }
        if rule.check == Some(CheckKind::KeyInQueryString) {
            inspect_query_param(&mut report, &providers, m.secret_start, m.secret_end, reach);
        } else if rule.check == Some(CheckKind::BearerCase) {
            inspect_bare_bearer(&mut report, m.secret_start, m.secret_end, reach);
        }
    }
    report.findings
}

/// Lines (start, end) holding a header trigger or a provider key, in order, once each.
fn inspected_lines(context: &Context<'_>) -> Vec<(usize, usize)> {
    let mut lines: Vec<(usize, usize)> = context
        .matches
        .iter()
        .filter(|m| {
            let rule = context.engine.rule(m.rule);
            rule.check.is_some_and(CheckKind::is_header) || (rule.check.is_none() && !rule.generic)
        })
        .map(|m| context.lines.line_bounds(context.content, m.secret_start))
        .collect();
    lines.dedup();
    lines
}

/// Collects findings, one per rule and position.
/// One per check and position, and one per check, line and text: a line that repeats one
/// header a million times (a hostile or generated file) is one finding, not a million.
struct Report<'c, 'a> {
    context: &'c Context<'a>,
    seen: HashSet<(CheckKind, usize)>,
    seen_on_line: HashSet<(CheckKind, usize, &'a [u8])>,
    /// Literals already judged by [`is_placeholder_literal`]: a generated or hostile line
    /// repeats one value millions of times, and judging one is the checks' dearest step.
    placeholder_literals: HashMap<&'a [u8], bool>,
    findings: Vec<Finding>,
}

impl<'c, 'a> Report<'c, 'a> {
    fn new(context: &'c Context<'a>) -> Self {
        Report {
            context,
            seen: HashSet::new(),
            seen_on_line: HashSet::new(),
            placeholder_literals: HashMap::new(),
            findings: Vec::new(),
        }
    }

    /// [`is_placeholder_literal`] of `content[start..end]`, judged once per distinct text.
    fn is_placeholder_literal(&mut self, start: usize, end: usize) -> bool {
        let text = &self.context.content[start..end];
        if let Some(&known) = self.placeholder_literals.get(text) {
            return known;
        }
        let verdict = is_placeholder_literal(self.context, text);
        if self.placeholder_literals.len() < MAX_JUDGED_LITERALS {
            self.placeholder_literals.insert(text, verdict);
        }
        verdict
    }

    /// `<key>`, `YOUR_API_KEY`, `xxxx`: documentation, not a request that sends a key. A
    /// reference (`${token}`, `{key}`) is a real request's value, except an
    /// `<angle-bracketed>` one.
    fn is_placeholder(&mut self, credential: Credential) -> bool {
        match credential {
            Credential::Literal(s, e) => self.is_placeholder_literal(s, e),
            Credential::Reference(s, e) => self.context.content[s..e].starts_with(b"<"),
        }
    }

    fn add(&mut self, check: CheckKind, start: usize, end: usize) {
        self.add_with(check, start, end, Confidence::Medium);
    }

    fn add_with(&mut self, check: CheckKind, start: usize, end: usize, confidence: Confidence) {
        if end <= start || !self.seen.insert((check, start)) {
            return;
        }
        let content = self.context.content;
        let (line_start, _) = self.context.lines.line_bounds(content, start);
        if self.seen_on_line.insert((check, line_start, &content[start..end])) {
            let finding = self.context.finding(check, start, end);
            self.findings.extend(finding.map(|f| Finding { confidence, ..f }));
        }
    }
}

fn inspect_line(report: &mut Report<'_, '_>, providers: &Providers<'_>, start: usize, end: usize) {
    let content = report.context.content;
    for (name, _, value) in header_uses(content, start, end, providers.header_names) {
        let parsed = parse_value(content, &value);
        let Some(credential) =
            parsed.credential.map(|c| literal_if_key(report.context, providers, c))
        else {
            continue;
        };
        if report.is_placeholder(credential) {
            // `Authorization: bearer <YOUR_KEY>` documents a request; it sends nothing.
            continue;
        }
        let (value_start, value_end) = (value.start, value.full_end());
        let scheme = parsed.scheme.map(|(s, e)| &content[s..e]);
        if scheme.is_some_and(|s| s.eq_ignore_ascii_case(b"bearer") && s != b"Bearer") {
            // before a variable it may be any token at all, in a test of a lenient parser
            let confidence = match credential {
                Credential::Literal(..) => Confidence::Medium,
                Credential::Reference(..) => Confidence::Low,
            };
            let at = parsed.scheme.map_or(value_start, |(s, _)| s);
            report.add_with(CheckKind::BearerCase, at, value_end, confidence);
        }
        if let Credential::Literal(s, e) = credential {
            if providers.by_key(s, e).is_some()
                || looks_like_credential(report.context, &content[s..e])
            {
                report.add(CheckKind::HardcodedHeaderKey, s, e);
            }
        }
        let (cred_start, cred_end) = credential.range();
        let expression = &content[cred_start..cred_end];
        let Some((auth, evidence)) = providers.provider(cred_start, cred_end, expression) else {
            continue;
        };
        let accepted: Vec<&String> =
            auth.headers.iter().filter(|h| header_name(h) == name).collect();
        if !auth.headers.is_empty() && accepted.is_empty() {
            report.add(CheckKind::WrongHeaderName, value_start, value_end);
            continue;
        }
        // An expression may hold the whole header value (`auth_header`); only one that names
        // the provider's key (`os.environ["GITHUB_TOKEN"]`) is known to be the bare key.
        let bare_key_expression = evidence == Evidence::Variable && names_a_key(expression);
        if name != "authorization" || (!value.literal && !bare_key_expression) {
            continue;
        }
        let scheme_ok = match scheme {
            Some(used) => {
                accepted.iter().any(|h| header_scheme(h).as_bytes().eq_ignore_ascii_case(used))
            }
            None => accepted.iter().any(|h| header_scheme(h).is_empty()),
        };
        // `Basic` near a provider's host is usually a username:password pair, not its key.
        let basic_near_host =
            evidence == Evidence::Host && scheme.is_some_and(|s| s.eq_ignore_ascii_case(b"basic"));
        // AWS signs requests: `AWS4-HMAC-SHA256 Credential=...` (and SigV2's `AWS id:sig`)
        // is a scheme of its own, not a wrong one
        let signed = content[cred_start..cred_end].to_ascii_uppercase().starts_with(b"AWS4-");
        let signature = signed || scheme.is_some_and(|s| s.eq_ignore_ascii_case(b"aws"));
        if !scheme_ok && !basic_near_host && !signature {
            report.add(CheckKind::WrongScheme, value_start, value_end);
        }
    }
}

/// An unquoted value that is a key (a provider's, or random-looking) rather than a variable.
fn literal_if_key(
    context: &Context<'_>,
    providers: &Providers<'_>,
    credential: Credential,
) -> Credential {
    match credential {
        Credential::Reference(s, e)
            if providers.by_key(s, e).is_some() || random_word(context, &context.content[s..e]) =>
        {
            Credential::Literal(s, e)
        }
        other => other,
    }
}

/// An unquoted word that is a key, not an identifier (`WINBIO_PRESENCE_0`, `config.token`):
/// no `_` or `.`, a few digits, and random.
fn random_word(context: &Context<'_>, text: &[u8]) -> bool {
    let digits = text.iter().filter(|b| b.is_ascii_digit()).count();
    !text.contains(&b'_')
        && !text.contains(&b'.')
        && digits >= MIN_DIGITS_IN_A_BARE_KEY
        && looks_like_credential(context, text)
}

fn names_a_key(expression: &[u8]) -> bool {
    let lower = expression.to_ascii_lowercase();
    ["key", "token", "secret", "pat"]
        .iter()
        .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
}

/// A placeholder written in place of a key. A reference (`${TOKEN}`, `{key}`, `getenv(..)`) is
/// a real request's value even though the placeholder filter calls it a template.
fn is_placeholder_text(context: &Context<'_>, text: &[u8]) -> bool {
    let word = text.split(|b| b.is_ascii_whitespace()).next().unwrap_or(text);
    let reference = word.iter().any(|b| matches!(b, b'$' | b'{' | b'('));
    word.starts_with(b"<") || (!reference && context.engine.values().is_placeholder(word, word))
}

/// A literal written where a key goes that is no key: a word, a name, a sequence
/// (`bearer token123`, `"authorization": "foobar"`), or `Basic` credentials of words.
fn is_placeholder_literal(context: &Context<'_>, text: &[u8]) -> bool {
    let word = text.split(|b| b.is_ascii_whitespace()).next().unwrap_or(text);
    is_placeholder_text(context, text)
        || (!is_interpolation(word)
            && (!classify(word).may_be_typed_secret() || basic_credentials_of_words(word)))
}

/// `{key}`, `${TOKEN}`, `getenv(..)`: a value filled in when the request is made.
fn is_interpolation(word: &[u8]) -> bool {
    word.iter().any(|b| matches!(b, b'$' | b'{' | b'('))
}

fn looks_like_credential(context: &Context<'_>, text: &[u8]) -> bool {
    context.engine.values().looks_like_credential(text, &HEADER_LITERAL)
}

/// `?api_key=VALUE`: `name_start..name_end` is the parameter name (the trigger's secret).
fn inspect_query_param(
    report: &mut Report<'_, '_>,
    providers: &Providers<'_>,
    name_start: usize,
    name_end: usize,
    reach: usize,
) {
    let content = report.context.content;
    let (_, line_end) = report.context.lines.line_bounds(content, name_start);
    let value_start = name_end + 1;
    if value_start > line_end {
        return;
    }
    let line_end = line_end.min(reach.max(value_start));
    examined(line_end - value_start);
    let (start, end) = query_value(content, value_start, line_end);
    if end <= start {
        return;
    }
    let param = content[name_start..name_end].to_ascii_lowercase();
    let value = &content[start..end];
    // `?token=TOKEN`, `?key=<KEY>`, `?api_key=YOUR_API_KEY`: a documented URL shape, not a
    // request (a reference such as `${TOKEN}` is a request, and is reported).
    let shouting = value.iter().all(|b| b.is_ascii_uppercase() || *b == b'_' || b.is_ascii_digit());
    if value.eq_ignore_ascii_case(&param) || shouting || is_placeholder_text(report.context, value)
    {
        return;
    }
    let (line_start, _) = report.context.lines.line_bounds(content, name_start);
    // The URL's own host, when it is written out, names the provider better than any host
    // nearby; an unknown one means another service.
    let provider = match url_host(content, line_start, name_start) {
        Some(host) => providers.by_key(start, end).or_else(|| providers.by_exact_host(host)),
        None => providers.provider(start, end, &content[start..end]).map(|(auth, _)| auth),
    };
    let Some(auth) = provider else { return };
    let documented = auth.query_params.iter().any(|p| p.as_bytes().eq_ignore_ascii_case(&param));
    if !auth.headers.is_empty() && !documented {
        report.add(CheckKind::KeyInQueryString, start, end);
    }
}

/// `"bearer {key}"`, `` `bearer ${t}` ``, `"BEARER " + key` outside a recognised header map.
fn inspect_bare_bearer(report: &mut Report<'_, '_>, start: usize, end: usize, reach: usize) {
    let content = report.context.content;
    let word = &content[start..end];
    if word == b"Bearer" || start == 0 || !is_quote(content[start - 1]) {
        return;
    }
    let quote = content[start - 1];
    let (_, line_end) = report.context.lines.line_bounds(content, start);
    let line_end = line_end.min(reach.max(end));
    examined(line_end - end);
    if content.get(end) != Some(&b' ') {
        return;
    }
    let close = memchr::memchr(quote, &content[end..line_end]).map_or(line_end, |c| end + c);
    let rest = content[end..close].trim_ascii();
    let rest_start = end + (close - end - content[end..close].trim_ascii_start().len());
    if !rest.is_empty() && report.is_placeholder_literal(rest_start, rest_start + rest.len()) {
        return;
    }
    let concat = concatenation(content, (close + 1).min(line_end), line_end);
    let (value_end, confidence) = if !rest.is_empty() {
        let literal = !is_interpolation(rest);
        (close, if literal { Confidence::Medium } else { Confidence::Low })
    } else if let Some((_, e)) = concat {
        (e, Confidence::Low)
    } else {
        return;
    };
    report.add_with(CheckKind::BearerCase, start, value_end, confidence);
}
