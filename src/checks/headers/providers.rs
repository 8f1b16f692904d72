//! Which provider a header belongs to and how that provider accepts keys: from the key in
//! the header (the provider rule that matched it), the variable it is read from, or an API
//! host nearby, looked up in the loaded rule files' `[auth]` tables.

use std::sync::Arc;

use super::super::Context;
use crate::rules::{Auth, Rule};

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

/// The loaded providers' auth forms, looked up by key, variable name and host.
pub(super) struct Providers<'a> {
    context: &'a Context<'a>,
    /// (provider name, lower-case alphanumeric form, auth), providers with an `[auth]` only.
    known: Vec<(&'a str, String, &'a Arc<Auth>)>,
    pub(super) header_names: Vec<String>,
}

/// Where a provider was recognised; a host is the weakest evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Evidence {
    Key,
    Variable,
    Host,
}

impl<'a> Providers<'a> {
    pub(super) fn new(context: &'a Context<'a>) -> Self {
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
    pub(super) fn by_key(&self, start: usize, end: usize) -> Option<&'a Arc<Auth>> {
        self.context.matches.iter().find_map(|m| {
            let rule = self.context.engine.rule(m.rule);
            let inside = m.secret_start >= start && m.secret_end <= end;
            (inside && rule.check.is_none() && has_auth(rule)).then_some(&rule.auth)
        })
    }

    /// The provider whose name appears in a variable or expression (`GITHUB_TOKEN`).
    pub(super) fn by_variable(&self, expression: &[u8]) -> Option<&'a Arc<Auth>> {
        let text = alphanumeric_lower(expression);
        self.known
            .iter()
            .filter(|(_, name, _)| name.len() >= 3 && text.contains(name.as_str()))
            .max_by_key(|(_, name, _)| name.len())
            .map(|(_, _, auth)| *auth)
    }

    /// The provider of an API host within a few lines of `offset`.
    pub(super) fn by_host(&self, offset: usize) -> Option<&'a Arc<Auth>> {
        let content = self.context.content;
        let (start, end) = line_window(content, offset, HOST_REACH_LINES);
        let window = content[start..end].to_ascii_lowercase();
        self.known.iter().find_map(|(_, _, auth)| {
            auth.hosts.iter().any(|host| contains_host(&window, host.as_bytes())).then_some(*auth)
        })
    }

    pub(super) fn by_exact_host(&self, host: &[u8]) -> Option<&'a Arc<Auth>> {
        self.known.iter().find_map(|(_, _, auth)| {
            auth.hosts.iter().any(|h| h.as_bytes().eq_ignore_ascii_case(host)).then_some(*auth)
        })
    }

    pub(super) fn provider(
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
pub(super) fn header_name(declared: &str) -> String {
    declared.split(':').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// `Authorization: Bearer` → `Bearer`; `x-api-key` → `` (the key alone).
pub(super) fn header_scheme(declared: &str) -> &str {
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

#[cfg(test)]
mod tests {
    use super::*;

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
