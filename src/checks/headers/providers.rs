//! Which provider a header belongs to and how that provider accepts keys: from the key in
//! the header (the provider rule that matched it), the variable it is read from, or an API
//! host nearby, looked up in the loaded rule files' `[auth]` tables.

use std::{cell::OnceCell, sync::Arc};

use aho_corasick::AhoCorasick;

use super::{super::Context, lexer::HeaderNames};
use crate::{
    engine::Engine,
    model::LineIndex,
    rules::{Auth, Rule},
};

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
/// ... and how far in bytes, whatever the lines' length.
const HOST_REACH_BYTES: usize = 2048;

/// What the loaded rule set says about providers' auth forms, built once per engine (its
/// automata are worth building once, not for every piece of content a header check reads).
pub(crate) struct ProviderTable {
    /// (provider name, lower-case alphanumeric form, auth), providers with an `[auth]` only.
    known: Vec<(String, String, Arc<Auth>)>,
    header_names: HeaderNames,
    /// Every known host, ASCII case-insensitively, and the index in `known` of each pattern's
    /// provider.
    hosts: Option<AhoCorasick>,
    host_owners: Vec<usize>,
    /// The known providers' names (3 characters or more) and their indices in `known`.
    names: Option<AhoCorasick>,
    name_owners: Vec<usize>,
}

impl ProviderTable {
    pub(crate) fn new(engine: &Engine) -> Self {
        let mut known: Vec<(String, String, Arc<Auth>)> = Vec::new();
        for rule in engine.rules() {
            if rule.check.is_some() || !has_auth(rule) {
                continue;
            }
            if !known.iter().any(|(name, _, _)| *name == rule.provider) {
                known.push((
                    rule.provider.clone(),
                    alphanumeric_lower(rule.provider.as_bytes()),
                    Arc::clone(&rule.auth),
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
        let mut host_patterns = Vec::new();
        let mut host_owners = Vec::new();
        for (index, (_, _, auth)) in known.iter().enumerate() {
            for host in auth.hosts.iter().filter(|host| !host.is_empty()) {
                host_patterns.push(host.to_ascii_lowercase());
                host_owners.push(index);
            }
        }
        let hosts = AhoCorasick::builder().ascii_case_insensitive(true).build(&host_patterns).ok();
        let name_owners: Vec<usize> = (0..known.len()).filter(|&i| known[i].1.len() >= 3).collect();
        let names = AhoCorasick::new(name_owners.iter().map(|&i| known[i].1.as_str())).ok();
        ProviderTable {
            header_names: HeaderNames::new(header_names),
            known,
            hosts,
            host_owners,
            names,
            name_owners,
        }
    }
}

impl std::fmt::Debug for ProviderTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderTable").field("providers", &self.known.len()).finish()
    }
}

/// The loaded providers' auth forms, looked up by key, variable name and host in one piece of
/// content.
pub(super) struct Providers<'a> {
    context: &'a Context<'a>,
    table: &'a ProviderTable,
    pub(super) header_names: &'a HeaderNames,
    /// Every known host in the content, found on the first host lookup.
    hosts: OnceCell<HostIndex>,
}

/// The known providers' API hosts found in one piece of content, in one pass, so looking one up
/// near each of many headers on a long line reads no line twice.
struct HostIndex {
    /// (start, provider index in `known`) of each host with clean boundaries, by start.
    found: Vec<(usize, usize)>,
    /// The lowest provider index in each block of [`HOST_BLOCK`] entries of `found`.
    block_min: Vec<usize>,
}

const HOST_BLOCK: usize = 64;

impl HostIndex {
    fn new(content: &[u8], table: &ProviderTable) -> HostIndex {
        let mut found = Vec::new();
        if let Some(automaton) = &table.hosts {
            for m in automaton.find_overlapping_iter(content) {
                if host_boundaries(content, m.start(), m.end()) {
                    found.push((m.start(), table.host_owners[m.pattern().as_usize()]));
                }
            }
        }
        found.sort_unstable();
        let block_min = found
            .chunks(HOST_BLOCK)
            .map(|block| block.iter().map(|&(_, owner)| owner).min().unwrap_or(usize::MAX))
            .collect();
        super::examined(content.len());
        HostIndex { found, block_min }
    }

    /// The first known provider (in `known` order) with a host starting in `start..end`.
    fn first_in(&self, start: usize, end: usize) -> Option<usize> {
        let low = self.found.partition_point(|&(at, _)| at < start);
        let high = self.found.partition_point(|&(at, _)| at < end);
        let mut best = usize::MAX;
        let mut i = low;
        while i < high {
            if i % HOST_BLOCK == 0 && i + HOST_BLOCK <= high {
                best = best.min(self.block_min[i / HOST_BLOCK]);
                i += HOST_BLOCK;
            } else {
                best = best.min(self.found[i].1);
                i += 1;
            }
            super::examined(1);
        }
        (best != usize::MAX).then_some(best)
    }
}

/// A host written as one (after `/`, `@`, a quote, a space or `=`; not followed by more of a
/// name), not inside a longer host.
fn host_boundaries(content: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).map(|i| content[i]);
    let after = content.get(end).copied();
    matches!(before, Some(b'/' | b'@' | b'"' | b'\'' | b' ' | b'`' | b'=' | b'\n') | None)
        && !after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
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
        let table = &context.prepared.providers;
        Providers { context, table, header_names: &table.header_names, hosts: OnceCell::new() }
    }

    /// The provider of a provider rule's key inside `start..end`.
    pub(super) fn by_key(&self, start: usize, end: usize) -> Option<&'a Arc<Auth>> {
        // Matches are ordered by position: only those starting inside the range are read.
        let matches = self.context.matches;
        let first = matches.partition_point(|m| m.secret_start < start);
        matches[first..].iter().take_while(|m| m.secret_start < end).find_map(|m| {
            super::examined(1);
            let rule = self.context.engine.rule(m.rule);
            (m.secret_end <= end && rule.check.is_none() && has_auth(rule)).then_some(&rule.auth)
        })
    }

    /// The provider whose name appears in a variable or expression (`GITHUB_TOKEN`).
    pub(super) fn by_variable(&self, expression: &[u8]) -> Option<&'a Arc<Auth>> {
        let text = alphanumeric_lower(expression);
        super::examined(text.len());
        let (known, owners) = (&self.table.known, &self.table.name_owners);
        // The longest name found; of equally long ones, the last loaded.
        self.table
            .names
            .as_ref()?
            .find_overlapping_iter(&text)
            .map(|m| owners[m.pattern().as_usize()])
            .max_by_key(|&index| (known[index].1.len(), index))
            .map(|index| &known[index].2)
    }

    /// The provider of an API host on the line of `offset` (the statement that sends the
    /// header names its host best, whatever other hosts sit nearby), else within a few lines.
    pub(super) fn by_host(&self, offset: usize) -> Option<&'a Arc<Auth>> {
        let content = self.context.content;
        let hosts = self.hosts.get_or_init(|| HostIndex::new(content, self.table));
        let lines = self.context.lines;
        let (line_start, line_end) = line_window(content, lines, offset, 0);
        let (start, end) = line_window(content, lines, offset, HOST_REACH_LINES);
        hosts
            .first_in(line_start, line_end)
            .or_else(|| hosts.first_in(start, end))
            .map(|index| &self.table.known[index].2)
    }

    pub(super) fn by_exact_host(&self, host: &[u8]) -> Option<&'a Arc<Auth>> {
        self.table.known.iter().find_map(|(_, _, auth)| {
            auth.hosts.iter().any(|h| h.as_bytes().eq_ignore_ascii_case(host)).then_some(auth)
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

/// `lines` lines before and after the line holding `offset`, within [`HOST_REACH_BYTES`] of
/// `offset` either way, so a long line is not read whole for each header on it.
fn line_window(
    content: &[u8],
    line_index: &LineIndex,
    offset: usize,
    lines: usize,
) -> (usize, usize) {
    let offset = offset.min(content.len());
    let (start, end) = line_index.lines_around(content, offset, lines);
    let floor = offset.saturating_sub(HOST_REACH_BYTES);
    let ceiling = content.len().min(offset + HOST_REACH_BYTES);
    (start.max(floor), end.min(ceiling))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_need_boundaries() {
        let contains_host = |text: &[u8], host: &[u8]| {
            memchr::memmem::find_iter(text, host)
                .any(|at| host_boundaries(text, at, at + host.len()))
        };
        assert!(contains_host(b"https://api.github.com/user", b"api.github.com"));
        assert!(!contains_host(b"https://api.github.com.evil.test/", b"api.github.com"));
        assert!(!contains_host(b"https://notgithub.com/", b"github.com"));
    }

    #[test]
    fn line_windows_reach_neighbouring_lines() {
        let text = b"a\nb\nc\nd\ne\nf\ng\n";
        let lines = LineIndex::new();
        assert_eq!(line_window(text, &lines, 6, 1), (4, 10));
        assert_eq!(line_window(text, &lines, 0, 2), (0, 6));
        let long = [b'x'; 3 * HOST_REACH_BYTES];
        let at = HOST_REACH_BYTES + 10;
        assert_eq!(
            line_window(&long, &LineIndex::new(), at, 3),
            (10, at + HOST_REACH_BYTES),
            "a long line is read only near the offset"
        );
    }
}
