//! Reading auth headers out of source text in many languages: which credential header names
//! a line uses, the value after each (string literals, concatenations, f-strings, template
//! literals, raw header lines), its scheme word and credential, and query-string values.
//! Every read stays inside the window it is given, so a line costs time linear in its length
//! however many headers it holds.

use aho_corasick::AhoCorasick;

pub(super) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

pub(super) fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

/// A header value as written: the literal text (or expression) and what is concatenated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Value {
    /// The value text: a string literal's contents, or an expression.
    pub(super) start: usize,
    pub(super) end: usize,
    /// Whether it is literal text (quoted, or a raw header line) rather than an expression.
    pub(super) literal: bool,
    /// An expression concatenated after the literal (`"Bearer " + key`).
    pub(super) concat: Option<(usize, usize)>,
}

impl Value {
    pub(super) fn full_end(&self) -> usize {
        self.concat.map_or(self.end, |(_, e)| e)
    }
}

/// How the credential part of a value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Credential {
    /// Literal characters: the key itself.
    Literal(usize, usize),
    /// An interpolation, variable or concatenated expression.
    Reference(usize, usize),
}

impl Credential {
    pub(super) fn range(self) -> (usize, usize) {
        match self {
            Credential::Literal(s, e) | Credential::Reference(s, e) => (s, e),
        }
    }
}

/// A value split into its scheme word (if any) and its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Parsed {
    pub(super) scheme: Option<(usize, usize)>,
    pub(super) credential: Option<Credential>,
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

pub(super) fn is_scheme_name(word: &[u8]) -> bool {
    SCHEME_NAMES.iter().any(|name| name.as_bytes().eq_ignore_ascii_case(word))
}

pub(super) fn parse_value(content: &[u8], value: &Value) -> Parsed {
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

pub(super) fn is_reference(text: &[u8]) -> bool {
    text.iter().any(|b| matches!(b, b'{' | b'$' | b'<' | b'%'))
}

/// How far after a header name (or a query parameter, or a scheme word) its value is read.
/// Longer than any credential a header carries (JWTs included).
pub(super) const VALUE_REACH: usize = 4096;

/// How far before a query string its URL's scheme and host are looked for.
pub(super) const URL_REACH: usize = 2048;

/// Credential header names, found together in one pass over a line.
pub(super) struct HeaderNames {
    names: Vec<String>,
    /// Every name, ASCII case-insensitively (`None` only if it cannot be built).
    automaton: Option<AhoCorasick>,
}

impl HeaderNames {
    /// `names` in lower case.
    pub(super) fn new(names: Vec<String>) -> Self {
        let automaton = AhoCorasick::builder().ascii_case_insensitive(true).build(&names).ok();
        HeaderNames { names, automaton }
    }

    /// (start, index of the name) of every occurrence in `text`, overlapping ones included.
    fn occurrences(&self, text: &[u8]) -> Vec<(usize, usize)> {
        match &self.automaton {
            Some(automaton) => automaton
                .find_overlapping_iter(text)
                .map(|m| (m.start(), m.pattern().as_usize()))
                .collect(),
            None => {
                let lower = text.to_ascii_lowercase();
                super::examined(text.len() * self.names.len());
                let found = self.names.iter().enumerate().flat_map(|(index, name)| {
                    memchr::memmem::find_iter(&lower, name.as_bytes()).map(move |at| (at, index))
                });
                found.collect()
            }
        }
    }
}

/// Every credential header name on the line `start..end` with the value that follows it.
pub(super) fn header_uses(
    content: &[u8],
    start: usize,
    end: usize,
    names: &HeaderNames,
) -> Vec<(String, usize, Value)> {
    let line = &content[start..end];
    super::examined(line.len());
    let mut occurrences = names.occurrences(line);
    // By position; of names at one position, in the order they were given.
    occurrences.sort_unstable();
    let mut found: Vec<(usize, &String)> = Vec::new();
    for (at, index) in occurrences {
        let name = &names.names[index];
        let after = at + name.len();
        let bounded = (at == 0 || !is_name_byte(line[at - 1]))
            && !line.get(after).copied().is_some_and(is_name_byte);
        // `https://x-access-token:TOKEN@github.com`: a URL's user name, as git hosts document
        let url_user = line[..at].ends_with(b"://");
        if bounded && !url_user && (!looks_like_identifier(name) || quoted_at(content, start + at))
        {
            found.push((start + at, name));
        }
    }
    // A value is read within VALUE_REACH of its name; on a long line (a minified bundle holds
    // many headers) it also ends where the next header name begins. Values then do not overlap,
    // so the line is read a bounded number of times however many headers it holds.
    let long_line = end - start > VALUE_REACH;
    let mut uses = Vec::new();
    for (i, &(at, name)) in found.iter().enumerate() {
        let name_end = at + name.len();
        let mut value_end = end.min(name_end + VALUE_REACH);
        if long_line {
            value_end = found.get(i + 1).map_or(value_end, |&(next, _)| value_end.min(next));
        }
        let value_end = value_end.max(name_end);
        super::examined(value_end - name_end);
        if let Some(value) = value_after_name(content, at, name_end, value_end) {
            uses.push((name.clone(), at, value));
        }
    }
    uses
}

/// A header name that is also a common identifier (`apikey`): `new OpenAI({ apiKey: k })` is
/// an SDK option, not a header, so such a name counts only when quoted, as header maps write it.
pub(super) fn looks_like_identifier(name: &str) -> bool {
    name != "authorization" && !name.contains('-')
}

pub(super) fn quoted_at(content: &[u8], name_start: usize) -> bool {
    name_start.checked_sub(1).is_some_and(|i| is_quote(content[i]))
}

/// Reads the value that follows a header name ending at `name_end`, in the forms
/// `"Name: value"` (curl, HTTP files, YAML), `"Name": "value"` / `Name: value` (maps, JSON,
/// YAML), `("Name", "value")` (Go, Java), `["Name"] = value` (Python, JS).
pub(super) fn value_after_name(
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
    let separator = content[i];
    i = skip_spaces(content, i + separator_len, end);
    if i >= end || content[i] == b'\r' {
        // `Authorization:` ending its line: a YAML key whose value is the list below it, as
        // recorded HTTP interactions (VCR cassettes) write headers
        let line_end = if content.get(i) == Some(&b'\r') { i } else { end };
        return (separator == b':').then(|| yaml_list_item(content, line_end)).flatten();
    }
    if let Some(quote) = open_quote.filter(|_| !closed) {
        // `"Authorization: Bearer $T"`: the value runs to the quote that opened the name,
        // and may go on after it (PHP's `"Authorization: Token " . $key`).
        let close = memchr::memchr(quote, &content[i..end]).map_or(end, |c| i + c);
        let concat = concatenation(content, (close + 1).min(end), end);
        return Some(Value { start: i, end: close, literal: true, concat });
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

/// The first item of the YAML list on the line after `line_end` (`  - Bearer x`), read as a
/// header line: its text, or the string a quote around it holds.
fn yaml_list_item(content: &[u8], line_end: usize) -> Option<Value> {
    let start = match content.get(line_end..)? {
        [b'\r', b'\n', ..] => line_end + 2,
        [b'\n', ..] => line_end + 1,
        _ => return None,
    };
    let reach = content.len().min(start + VALUE_REACH);
    let end = memchr::memchr(b'\n', &content[start..reach]).map_or(reach, |e| start + e);
    let end = if content[start..end].ends_with(b"\r") { end - 1 } else { end };
    let i = skip_spaces(content, start, end);
    if content.get(i) != Some(&b'-') || !matches!(content.get(i + 1), Some(b' ' | b'\t')) {
        return None;
    }
    let i = skip_spaces(content, i + 1, end);
    if i >= end {
        return None;
    }
    if let Some(value) = quoted_value(content, i, end) {
        return Some(value);
    }
    Some(Value { start: i, end, literal: true, concat: None })
}

pub(super) fn skip_spaces(content: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && (content[i] == b' ' || content[i] == b'\t') {
        i += 1;
    }
    i
}

/// A string literal at `i` (after an optional `f`/`r`/`b`/`$`/`@` prefix) and any expression
/// concatenated after it.
pub(super) fn quoted_value(content: &[u8], i: usize, end: usize) -> Option<Value> {
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
pub(super) fn concatenation(content: &[u8], i: usize, end: usize) -> Option<(usize, usize)> {
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

/// The host of the URL whose query string holds `query_at`, if the URL is on its line.
pub(super) fn url_host(content: &[u8], line_start: usize, query_at: usize) -> Option<&[u8]> {
    let before = &content[line_start.max(query_at.saturating_sub(URL_REACH))..query_at];
    super::examined(before.len());
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
pub(super) fn query_value(content: &[u8], start: usize, end: usize) -> (usize, usize) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(line: &str) -> Option<(String, Option<String>, Option<String>)> {
        let content = line.as_bytes();
        let names = HeaderNames::new(vec!["authorization".into(), "x-api-key".into()]);
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
    fn reads_a_yaml_list_below_a_header_name() {
        let cassette = "    headers:\n      Authorization:\n      - Bearer abc123def\n";
        let start = cassette.find("Authorization").unwrap();
        let end = start + cassette[start..].find('\n').unwrap();
        let names = HeaderNames::new(vec!["authorization".into()]);
        let (_, _, value) = header_uses(cassette.as_bytes(), start, end, &names).pop().unwrap();
        let parsed = parse_value(cassette.as_bytes(), &value);
        let text = |(s, e): (usize, usize)| &cassette[s..e];
        assert_eq!(parsed.scheme.map(text), Some("Bearer"));
        assert_eq!(parsed.credential.map(|c| text(c.range())), Some("abc123def"));
        let quoted = "Authorization:\r\n  - 'Token abc123def'\r\n";
        let end = quoted.find('\r').unwrap();
        let (_, _, value) = header_uses(quoted.as_bytes(), 0, end, &names).pop().unwrap();
        assert_eq!(&quoted[value.start..value.end], "Token abc123def");
        // a key ending its line with no list below names no value
        for text in ["Authorization:\n  scheme: bearer\n", "Authorization:\n", "Authorization:"] {
            let end = text.find('\n').unwrap_or(text.len());
            assert!(header_uses(text.as_bytes(), 0, end, &names).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn sdk_options_named_like_headers_are_not_headers() {
        let line = b"const c = new OpenAI({ apiKey: 'sk-abc' });";
        let names = HeaderNames::new(vec!["apikey".to_string()]);
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
}
