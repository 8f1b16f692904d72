//! Checks that need more than a regex match: committed `.env` files, how keys are sent
//! (auth headers, query strings), credentials written in base64 (`encoded`) and credential
//! files (`.git-credentials`, `.netrc`, ...). They run inside [`crate::pipeline`], after the
//! engine, so every source (working tree, stdin, staged, history) gets them alike.
//!
//! Their rules live in `rules/dotenv.toml` and `rules/headers.toml` like any other rule (name,
//! severity, advice, examples) and carry `check = "..."`. A check rule's regex, when it has one,
//! is only a trigger: its matches ride the engine's single literal pass and tell the check
//! which lines to inspect; a trigger match is never a finding by itself.

pub(crate) mod credential_files;
pub(crate) mod dotenv;
mod encoded;
pub(crate) mod headers;

use std::sync::Arc;

use crate::{
    engine::{Engine, Match},
    finding::Finding,
    model::{LineIndex, Location, Tracking},
    rules::{CheckKind, Rule},
};

/// What the checks derive from the engine's rules, built once per engine and shared by every
/// piece of content (automata over the providers' hosts, names and header names).
#[derive(Debug)]
pub(crate) struct Prepared {
    providers: headers::ProviderTable,
}

impl Prepared {
    pub(crate) fn new(engine: &Engine) -> Self {
        Prepared { providers: headers::ProviderTable::new(engine) }
    }
}

/// Everything a check sees of one scanned piece of content.
pub(crate) struct Context<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) prepared: &'a Prepared,
    pub(crate) location: &'a Location,
    pub(crate) content: &'a [u8],
    pub(crate) tracking: Tracking,
    pub(crate) lines: &'a LineIndex,
    /// The engine's matches, trigger matches of check rules included.
    pub(crate) matches: &'a [Match],
}

impl Context<'_> {
    /// The file's path, for checks of files by name; `None` for anything that is not a file.
    fn path(&self) -> Option<&str> {
        self.location.path()
    }

    /// The loaded rule `check` reports, if the rule set has it (a custom set may leave it out).
    fn rule(&self, check: CheckKind) -> Option<&Arc<Rule>> {
        Some(self.engine.rule(self.engine.rule_for_check(check)?))
    }

    /// A finding of `check`'s rule whose secret is `content[start..end]`.
    fn finding(&self, check: CheckKind, start: usize, end: usize) -> Option<Finding> {
        let rule = self.rule(check)?;
        Some(Finding::new(
            Arc::clone(rule),
            self.location.clone(),
            self.content,
            self.lines,
            start..end,
        ))
    }
}

/// Whether content at `path` must reach the checks even when the engine matched nothing.
pub(crate) fn inspects_path(path: &str) -> bool {
    dotenv::classify(path).is_some() || credential_files::classify(path).is_some()
}

/// Whether a match of `rule` is a trigger for a check rather than a finding.
pub(crate) fn is_trigger(rule: &Rule) -> bool {
    rule.check.is_some()
}

/// The findings of every check on one piece of content.
pub(crate) fn run(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = dotenv::check(context);
    findings.extend(headers::check(context));
    findings.extend(encoded::check(context));
    findings.extend(credential_files::check(context));
    findings
}
