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

use std::{collections::HashSet, sync::Arc};

use super::Context;
use crate::{
    classify::{HEADER_LITERAL, MIN_DIGITS_IN_A_BARE_KEY},
    finding::Finding,
    rules::{Auth, CheckKind, Rule},
};

pub const BEARER_CASE: &str = "header-bearer-case";
pub const WRONG_SCHEME: &str = "header-wrong-scheme";
pub const WRONG_NAME: &str = "header-wrong-name";
pub const QUERY_STRING: &str = "key-in-query-string";
pub const HARDCODED: &str = "header-hardcoded-key";

/// Header names that carry credentials, besides those the loaded providers declare.
const AUTH_HEADER_NAMES: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "apikey",
    "x-auth-token",
    "x-access-token",
    "private-token",
    "x-goog-api-key",
];
/// How far (in lines) an API host may sit from a header and still name its provider: a
/// request spread over a few lines (`requests.get(url,\n headers={...})`).
const HOST_REACH_LINES: usize = 3;

pub(super) fn check(context: &Context<'_>) -> Vec<Finding> {
    let lines = inspected_lines(context);
    if lines.is_empty() {
        return Vec::new();
    }
    let providers = Providers::new(context);
    let mut report = Report { context, seen: HashSet::new(), findings: Vec::new() };
    for &(start, end) in &lines {
        inspect_line(&mut report, &providers, start, end);
    }
    for m in context.matches {
        let rule = context.engine.rule(m.rule);
        if rule.check == Some(CheckKind::Header) && rule.id == QUERY_STRING {
            inspect_query_param(&mut report, &providers, m.secret_start, m.secret_end);
        } else if rule.check == Some(CheckKind::Header) && rule.id == BEARER_CASE {
            inspect_bare_bearer(&mut report, m.secret_start, m.secret_end);
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
            rule.check == Some(CheckKind::Header) || (rule.check.is_none() && !rule.generic)
        })
        .map(|m| context.lines.line_bounds(context.content, m.secret_start))
        .collect();
    lines.dedup();
    lines
}

/// Collects findings, one per rule and position.
struct Report<'c, 'a> {
    context: &'c Context<'a>,
    seen: HashSet<(&'static str, usize)>,
    findings: Vec<Finding>,
}

impl Report<'_, '_> {
    fn add(&mut self, id: &'static str, start: usize, end: usize) {
        if end > start && self.seen.insert((id, start)) {
            self.findings.extend(self.context.finding(id, start, end));
        }
    }
}

/// The loaded providers' auth forms, looked up by key, variable name and host.
struct Providers<'a> {
    context: &'a Context<'a>,
    /// (provider name, lower-case alphanumeric form, auth), providers with an `[auth]` only.
    known: Vec<(&'a str, String, &'a Arc<Auth>)>,
    header_names: Vec<String>,
}

/// Where a provider was recognised; a host is the weakest evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    Key,
    Variable,
    Host,
}

impl<'a> Providers<'a> {
    fn new(context: &'a Context<'a>) -> Self {
        let mut known: Vec<(&str, String, &Arc<Auth>)> = Vec::new();
        for rule in context.engine.rules() {
            if rule.check.is_some() || !has_auth(rule) {
                continue;
            }
            if !known.iter().any(|(name, _, _)| *name == rule.provider) {
                known.push((
                    &rule.provider,
                    alphanumeric_lower(rule.provider.as_bytes()),
                    &rule.auth,
                ));
            }
        }
        let mut header_names: Vec<String> =
            AUTH_HEADER_NAMES.iter().map(|s| s.to_string()).collect();
        for (_, _, auth) in &known {
            for header in &auth.headers {
                let name = header_name(header);
                if !name.is_empty() && !header_names.contains(&name) {
                    header_names.push(name);
                }
            }
        }
        Providers { context, known, header_names }
    }

    /// The provider of a provider rule's key inside `start..end`.
    fn by_key(&self, start: usize, end: usize) -> Option<&'a Arc<Auth>> {
        self.context.matches.iter().find_map(|m| {
            let rule = self.context.engine.rule(m.rule);
            let inside = m.secret_start >= start && m.secret_end <= end;
            (inside && rule.check.is_none() && has_auth(rule)).then_some(&rule.auth)
        })
    }

    /// The provider whose name appears in a variable or expression (`GITHUB_TOKEN`).
    fn by_variable(&self, expression: &[u8]) -> Option<&'a Arc<Auth>> {
        let text = alphanumeric_lower(expression);
        self.known
            .iter()
            .filter(|(_, name, _)| name.len() >= 3 && text.contains(name.as_str()))
            .max_by_key(|(_, name, _)| name.len())
            .map(|(_, _, auth)| *auth)
    }

    /// The provider of an API host within a few lines of `offset`.
    fn by_host(&self, offset: usize) -> Option<&'a Arc<Auth>> {
        let content = self.context.content;
        let (start, end) = line_window(content, offset, HOST_REACH_LINES);
        let window = content[start..end].to_ascii_lowercase();
        self.known.iter().find_map(|(_, _, auth)| {
            auth.hosts.iter().any(|host| contains_host(&window, host.as_bytes())).then_some(*auth)
        })
    }

    fn by_exact_host(&self, host: &[u8]) -> Option<&'a Arc<Auth>> {
        self.known.iter().find_map(|(_, _, auth)| {
            auth.hosts.iter().any(|h| h.as_bytes().eq_ignore_ascii_case(host)).then_some(*auth)
        })
    }

    fn provider(
        &self,
        start: usize,
        end: usize,
        expression: &[u8],
    ) -> Option<(&'a Arc<Auth>, Evidence)> {
        self.by_key(start, end)
            .map(|a| (a, Evidence::Key))
            .or_else(|| self.by_variable(expression).map(|a| (a, Evidence::Variable)))
            .or_else(|| self.by_host(start).map(|a| (a, Evidence::Host)))
    }
}

fn has_auth(rule: &Rule) -> bool {
    !rule.generic && (!rule.auth.headers.is_empty() || !rule.auth.query_params.is_empty())
}

/// `Authorization: Bearer` → `authorization`.
fn header_name(declared: &str) -> String {
    declared.split(':').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// `Authorization: Bearer` → `Bearer`; `x-api-key` → `` (the key alone).
fn header_scheme(declared: &str) -> &str {
    declared.split_once(':').map_or("", |(_, scheme)| scheme.trim())
}

fn alphanumeric_lower(text: &[u8]) -> String {
    text.iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase() as char)
        .collect()
}

fn contains_host(window: &[u8], host: &[u8]) -> bool {
    memchr::memmem::find_iter(window, host).any(|at| {
        let before = at.checked_sub(1).map(|i| window[i]);
        let after = window.get(at + host.len()).copied();
        matches!(before, Some(b'/' | b'@' | b'"' | b'\'' | b' ' | b'`' | b'=') | None)
            && !after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    })
}

/// `lines` lines before and after the line holding `offset`.
fn line_window(content: &[u8], offset: usize, lines: usize) -> (usize, usize) {
    let offset = offset.min(content.len());
    let mut start = offset;
    let mut bounded = true;
    for _ in 0..=lines {
        match memchr::memrchr(b'\n', &content[..start]) {
            Some(newline) => start = newline,
            None => {
                start = 0;
                bounded = false;
                break;
            }
        }
    }
    if bounded {
        start += 1;
    }
    let mut end = offset;
    for _ in 0..=lines {
        match memchr::memchr(b'\n', &content[end..]) {
            Some(newline) => end += newline + 1,
            None => return (start, content.len()),
        }
    }
    (start, end)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

/// A header value as written: the literal text (or expression) and what is concatenated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Value {
    /// The value text: a string literal's contents, or an expression.
    start: usize,
    end: usize,
    /// Whether it is literal text (quoted, or a raw header line) rather than an expression.
    literal: bool,
    /// An expression concatenated after the literal (`"Bearer " + key`).
    concat: Option<(usize, usize)>,
}

impl Value {
    fn full_end(&self) -> usize {
        self.concat.map_or(self.end, |(_, e)| e)
    }
}

/// How the credential part of a value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    /// Literal characters: the key itself.
    Literal(usize, usize),
    /// An interpolation, variable or concatenated expression.
    Reference(usize, usize),
}

impl Credential {
    fn range(self) -> (usize, usize) {
        match self {
            Credential::Literal(s, e) | Credential::Reference(s, e) => (s, e),
        }
    }
}

/// A value split into its scheme word (if any) and its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parsed {
    scheme: Option<(usize, usize)>,
    credential: Option<Credential>,
}

/// HTTP authentication scheme names (IANA registry and common vendor schemes).
const SCHEME_NAMES: &[&str] = &[
    "apikey",
    "aws4-hmac-sha256",
    "basic",
    "bearer",
    "bot",
    "digest",
    "dpop",
    "hoba",
    "mutual",
    "negotiate",
    "ntlm",
    "oauth",
    "sharedkey",
    "sharedkeylite",
    "token",
];

fn is_scheme_name(word: &[u8]) -> bool {
    SCHEME_NAMES.iter().any(|name| name.as_bytes().eq_ignore_ascii_case(word))
}

fn parse_value(content: &[u8], value: &Value) -> Parsed {
    let text = &content[value.start..value.end];
    let lead = text.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let trail = text.iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
    let (start, end) =
        (value.start + lead, value.end.saturating_sub(trail).max(value.start + lead));
    if !value.literal {
        return Parsed { scheme: None, credential: Some(Credential::Reference(start, end)) };
    }
    let trimmed = &content[start..end];
    let first_word = trimmed.iter().position(|b| b.is_ascii_whitespace());
    if first_word.is_none() && value.concat.is_none() && is_scheme_name(trimmed) {
        // `"Authorization: Bearer"` names a scheme (docs, a provider's [auth] table): no key.
        return Parsed { scheme: Some((start, end)), credential: None };
    }
    let scheme_like = |word: &[u8]| !word.is_empty() && word.iter().all(u8::is_ascii_alphabetic);
    let (scheme, rest) = match first_word {
        Some(space) if scheme_like(&trimmed[..space]) => {
            let rest_lead = trimmed[space..].iter().take_while(|b| b.is_ascii_whitespace()).count();
            (Some((start, start + space)), (start + space + rest_lead, end))
        }
        None if value.concat.is_some() && scheme_like(trimmed) && value.end > end => {
            (Some((start, end)), (end, end))
        }
        _ => (None, (start, end)),
    };
    let credential = if rest.1 > rest.0 {
        let text = &content[rest.0..rest.1];
        Some(if is_reference(text) {
            Credential::Reference(rest.0, rest.1)
        } else {
            Credential::Literal(rest.0, rest.1)
        })
    } else {
        value.concat.map(|(s, e)| Credential::Reference(s, e))
    };
    Parsed { scheme, credential }
}

fn is_reference(text: &[u8]) -> bool {
    text.iter().any(|b| matches!(b, b'{' | b'$' | b'<' | b'%'))
}

/// Every credential header name on the line `start..end` with the value that follows it.
fn header_uses(
    content: &[u8],
    start: usize,
    end: usize,
    names: &[String],
) -> Vec<(String, usize, Value)> {
    let line = content[start..end].to_ascii_lowercase();
    let mut uses = Vec::new();
    for name in names {
        for at in memchr::memmem::find_iter(&line, name.as_bytes()) {
            let after = at + name.len();
            let bounded = (at == 0 || !is_name_byte(line[at - 1]))
                && !line.get(after).copied().is_some_and(is_name_byte);
            if !bounded || (looks_like_identifier(name) && !quoted_at(content, start + at)) {
                continue;
            }
            if let Some(value) = value_after_name(content, start + at, start + after, end) {
                uses.push((name.clone(), start + at, value));
            }
        }
    }
    uses.sort_by_key(|(_, at, _)| *at);
    uses
}

/// A header name that is also a common identifier (`apikey`): `new OpenAI({ apiKey: k })` is
/// an SDK option, not a header, so such a name counts only when quoted, as header maps write it.
fn looks_like_identifier(name: &str) -> bool {
    name != "authorization" && !name.contains('-')
}

fn quoted_at(content: &[u8], name_start: usize) -> bool {
    name_start.checked_sub(1).is_some_and(|i| is_quote(content[i]))
}

/// Reads the value that follows a header name ending at `name_end`, in the forms
/// `"Name: value"` (curl, HTTP files, YAML), `"Name": "value"` / `Name: value` (maps, JSON,
/// YAML), `("Name", "value")` (Go, Java), `["Name"] = value` (Python, JS).
fn value_after_name(
    content: &[u8],
    name_start: usize,
    name_end: usize,
    end: usize,
) -> Option<Value> {
    let open_quote = name_start.checked_sub(1).map(|i| content[i]).filter(|b| is_quote(*b));
    let mut i = name_end;
    let closed = open_quote.is_some_and(|q| content.get(i) == Some(&q));
    if closed {
        i += 1;
    }
    if content.get(i) == Some(&b']') {
        i += 1;
    }
    i = skip_spaces(content, i, end);
    let separator_len = match content.get(i..end) {
        Some([b'=', b'>', ..]) => 2,
        Some([b':' | b'=' | b',', ..]) => 1,
        _ => return None,
    };
    i = skip_spaces(content, i + separator_len, end);
    if i >= end {
        return None;
    }
    if let Some(quote) = open_quote.filter(|_| !closed) {
        // `"Authorization: Bearer $T"`: the value runs to the quote that opened the name.
        let close = memchr::memchr(quote, &content[i..end]).map_or(end, |c| i + c);
        return Some(Value { start: i, end: close, literal: true, concat: None });
    }
    if let Some(value) = quoted_value(content, i, end) {
        return Some(value);
    }
    // Unquoted: a header line (`Authorization: Bearer x` in YAML or an HTTP file) when it holds
    // spaces, else an expression (`{"x-api-key": key}`), or a bare literal key.
    let stop = content[i..end]
        .iter()
        .position(|b| matches!(b, b',' | b'}' | b')' | b';'))
        .map_or(end, |p| i + p);
    let text = &content[i..stop];
    let header_line = text.trim_ascii().contains(&b' ') && open_quote.is_none();
    let value_end = if header_line { end } else { stop };
    Some(Value { start: i, end: value_end, literal: header_line, concat: None })
}

fn skip_spaces(content: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && (content[i] == b' ' || content[i] == b'\t') {
        i += 1;
    }
    i
}

/// A string literal at `i` (after an optional `f`/`r`/`b`/`$`/`@` prefix) and any expression
/// concatenated after it.
fn quoted_value(content: &[u8], i: usize, end: usize) -> Option<Value> {
    let prefix = content[i..end]
        .iter()
        .take_while(|b| matches!(b, b'f' | b'r' | b'b' | b'F' | b'R' | b'$' | b'@'))
        .count();
    let open = i + prefix;
    let quote = *content.get(open).filter(|b| is_quote(**b))?;
    if prefix > 2 {
        return None;
    }
    let mut j = open + 1;
    while j < end && content[j] != quote {
        j += if content[j] == b'\\' { 2 } else { 1 };
    }
    let close = j.min(end);
    let concat = concatenation(content, (close + 1).min(end), end);
    Some(Value { start: open + 1, end: close, literal: true, concat })
}

/// ` + key`, `+key`, `. $key` after a closing quote.
fn concatenation(content: &[u8], i: usize, end: usize) -> Option<(usize, usize)> {
    let j = skip_spaces(content, i, end);
    if !matches!(content.get(j), Some(b'+' | b'.')) || j >= end {
        return None;
    }
    let start = skip_spaces(content, j + 1, end);
    let mut depth = 0i32;
    let mut k = start;
    while k < end {
        match content[k] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => break,
            b')' | b']' | b'}' => depth -= 1,
            b',' | b';' if depth == 0 => break,
            _ => {}
        }
        k += 1;
    }
    let trimmed_end = start + content[start..k].trim_ascii_end().len();
    (trimmed_end > start).then_some((start, trimmed_end))
}

fn inspect_line(report: &mut Report<'_, '_>, providers: &Providers<'_>, start: usize, end: usize) {
    let content = report.context.content;
    for (name, _, value) in header_uses(content, start, end, &providers.header_names) {
        let parsed = parse_value(content, &value);
        let Some(credential) =
            parsed.credential.map(|c| literal_if_key(report.context, providers, c))
        else {
            continue;
        };
        if is_placeholder(report.context, credential) {
            // `Authorization: bearer <YOUR_KEY>` documents a request; it sends nothing.
            continue;
        }
        let (value_start, value_end) = (value.start, value.full_end());
        let scheme = parsed.scheme.map(|(s, e)| &content[s..e]);
        if scheme.is_some_and(|s| s.eq_ignore_ascii_case(b"bearer") && s != b"Bearer") {
            report.add(BEARER_CASE, parsed.scheme.map_or(value_start, |(s, _)| s), value_end);
        }
        if let Credential::Literal(s, e) = credential {
            if providers.by_key(s, e).is_some()
                || looks_like_credential(report.context, &content[s..e])
            {
                report.add(HARDCODED, s, e);
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
            report.add(WRONG_NAME, value_start, value_end);
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
        if !scheme_ok && !basic_near_host {
            report.add(WRONG_SCHEME, value_start, value_end);
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

/// A credential-looking literal that no provider rule claimed: long, random, token alphabet.
/// `<key>`, `YOUR_API_KEY`, `xxxx`: documentation, not a request that sends a key. A reference
/// (`${token}`, `{key}`) is a real request's value, except an `<angle-bracketed>` one.
fn is_placeholder(context: &Context<'_>, credential: Credential) -> bool {
    match credential {
        Credential::Literal(s, e) => is_placeholder_text(context, &context.content[s..e]),
        Credential::Reference(s, e) => context.content[s..e].starts_with(b"<"),
    }
}

/// A placeholder written in place of a key. A reference (`${TOKEN}`, `{key}`, `getenv(..)`) is
/// a real request's value even though the placeholder filter calls it a template.
fn is_placeholder_text(context: &Context<'_>, text: &[u8]) -> bool {
    let word = text.split(|b| b.is_ascii_whitespace()).next().unwrap_or(text);
    let reference = word.iter().any(|b| matches!(b, b'$' | b'{' | b'('));
    word.starts_with(b"<") || (!reference && context.engine.values().is_placeholder(word, word))
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
) {
    let content = report.context.content;
    let (_, line_end) = report.context.lines.line_bounds(content, name_start);
    let value_start = name_end + 1;
    if value_start > line_end {
        return;
    }
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
        report.add(QUERY_STRING, start, end);
    }
}

/// The host of the URL whose query string holds `query_at`, if the URL is on its line.
fn url_host(content: &[u8], line_start: usize, query_at: usize) -> Option<&[u8]> {
    let before = &content[line_start..query_at];
    let scheme_end = memchr::memmem::rfind(before, b"://")? + 3;
    let authority = &before[scheme_end..];
    if authority.iter().any(|b| b.is_ascii_whitespace() || is_quote(*b)) {
        return None;
    }
    let host_end =
        authority.iter().position(|b| matches!(b, b'/' | b':')).unwrap_or(authority.len());
    let host = &authority[..host_end];
    let host = host.rsplit(|b| *b == b'@').next().unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// The value of a query parameter: `{expr}`, `${expr}`, `$VAR`, `" + expr`, or URL characters.
fn query_value(content: &[u8], start: usize, end: usize) -> (usize, usize) {
    let rest = &content[start..end];
    let braced = match rest {
        [b'{', ..] => Some(0),
        [b'$', b'{', ..] | [b'#', b'{', ..] => Some(1),
        _ => None,
    };
    if let Some(open) = braced {
        let close = memchr::memchr(b'}', &rest[open..]).map_or(rest.len(), |c| open + c + 1);
        return (start, start + close);
    }
    if rest.first().is_some_and(|b| is_quote(*b)) {
        return concatenation(content, start + 1, end).unwrap_or((start, start));
    }
    let len = rest
        .iter()
        .position(|b| {
            !(b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'_' | b'.' | b'~' | b'%' | b'+' | b'/' | b'=' | b'$'))
        })
        .unwrap_or(rest.len());
    (start, start + len)
}

/// `"bearer {key}"`, `` `bearer ${t}` ``, `"BEARER " + key` outside a recognised header map.
fn inspect_bare_bearer(report: &mut Report<'_, '_>, start: usize, end: usize) {
    let content = report.context.content;
    let word = &content[start..end];
    if word == b"Bearer" || start == 0 || !is_quote(content[start - 1]) {
        return;
    }
    let quote = content[start - 1];
    let (_, line_end) = report.context.lines.line_bounds(content, start);
    if content.get(end) != Some(&b' ') {
        return;
    }
    let close = memchr::memchr(quote, &content[end..line_end]).map_or(line_end, |c| end + c);
    let rest = content[end..close].trim_ascii();
    if !rest.is_empty() && is_placeholder_text(report.context, rest) {
        return;
    }
    let concat = concatenation(content, (close + 1).min(line_end), line_end);
    let value_end = if !rest.is_empty() {
        close
    } else if let Some((_, e)) = concat {
        e
    } else {
        return;
    };
    report.add(BEARER_CASE, start, value_end);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(line: &str) -> Option<(String, Option<String>, Option<String>)> {
        let content = line.as_bytes();
        let names = vec!["authorization".to_string(), "x-api-key".to_string()];
        let (_, _, value) = header_uses(content, 0, content.len(), &names).into_iter().next()?;
        let parsed = parse_value(content, &value);
        let text = |(s, e): (usize, usize)| line[s..e].to_string();
        Some((
            text((value.start, value.full_end())),
            parsed.scheme.map(text),
            parsed.credential.map(|c| text(c.range())),
        ))
    }

    fn expect(line: &str, scheme: Option<&str>, credential: &str) {
        let (_, got_scheme, got_credential) =
            value_of(line).unwrap_or_else(|| panic!("no header in {line}"));
        assert_eq!(got_scheme.as_deref(), scheme, "{line}");
        assert_eq!(got_credential.as_deref(), Some(credential), "{line}");
    }

    #[test]
    fn reads_header_values_in_many_languages() {
        expect(r#"curl -H "Authorization: Bearer $TOKEN" https://x"#, Some("Bearer"), "$TOKEN");
        expect(r#"headers = {"Authorization": f"bearer {key}"}"#, Some("bearer"), "{key}");
        expect("headers: { Authorization: `token ${t}` },", Some("token"), "${t}");
        expect(r#"req.Header.Set("Authorization", "Bearer "+key)"#, Some("Bearer"), "key");
        expect(
            r#"conn.setRequestProperty("Authorization", "Token " + apiKey);"#,
            Some("Token"),
            "apiKey",
        );
        expect("  Authorization: Bearer abc.def", Some("Bearer"), "abc.def");
        expect(r#"  authorization: "Bearer {{ token }}""#, Some("Bearer"), "{{ token }}");
        expect(r#"headers["x-api-key"] = os.environ["K"]"#, None, r#"os.environ["K"]"#);
        expect(r#"{"x-api-key": key, "a": 1}"#, None, "key");
        expect(r#"Authorization: abcdef123456"#, None, "abcdef123456");
    }

    #[test]
    fn sdk_options_named_like_headers_are_not_headers() {
        let line = b"const c = new OpenAI({ apiKey: 'sk-abc' });";
        let names = vec!["apikey".to_string()];
        assert!(header_uses(line, 0, line.len(), &names).is_empty());
        let quoted = b"headers = {'apikey': key}";
        assert_eq!(header_uses(quoted, 0, quoted.len(), &names).len(), 1);
    }

    #[test]
    fn ignores_names_that_are_not_headers() {
        assert!(value_of("def authorization_required(user):").is_none());
        assert!(value_of("# see the authorization docs").is_none());
    }

    #[test]
    fn query_values() {
        let q = |s: &str| {
            let (a, b) = query_value(s.as_bytes(), 0, s.len());
            s[a..b].to_string()
        };
        assert_eq!(q("abc123&x=1"), "abc123");
        assert_eq!(q("{os.environ['K']}\")"), "{os.environ['K']}");
        assert_eq!(q("${token}`"), "${token}");
        assert_eq!(q("\" + apiKey)"), "apiKey");
        assert_eq!(q("$GITHUB_TOKEN\""), "$GITHUB_TOKEN");
    }

    #[test]
    fn url_hosts() {
        let line = b"get(\"https://user@api.github.com:443/x?access_token=1\")";
        let at = line.iter().position(|b| *b == b'?').unwrap();
        assert_eq!(url_host(line, 0, at), Some(&b"api.github.com"[..]));
        assert_eq!(url_host(b"redirect(\"/login?token=\")", 0, 15), None);
    }

    #[test]
    fn hosts_need_boundaries() {
        assert!(contains_host(b"https://api.github.com/user", b"api.github.com"));
        assert!(!contains_host(b"https://api.github.com.evil.test/", b"api.github.com"));
        assert!(!contains_host(b"https://notgithub.com/", b"github.com"));
    }

    #[test]
    fn line_windows_reach_neighbouring_lines() {
        let text = b"a\nb\nc\nd\ne\nf\ng\n";
        assert_eq!(line_window(text, 6, 1), (4, 10));
        assert_eq!(line_window(text, 0, 2), (0, 6));
    }
}
