//! Runs rules' positive and negative examples: each positive must be found by its own rule,
//! no negative by any rule. Examples go through the whole pipeline (`scan_content`: engine and
//! checks), scanned as the rule's `path` and `tracking` when it names them. Used by
//! `keyhound rules --check` and by the test suite.

use std::collections::HashSet;

use crate::{
    engine::Engine,
    fake::FakeGen,
    rules::{ExampleTracking, Rule},
    sources::{Tracking, scan_content},
};

/// The path examples are scanned as when their rule names none.
pub const DEFAULT_EXAMPLE_PATH: &str = "example.txt";

/// A positive example its rule does not find, or a negative example some rule finds.
pub type ExampleFailure = crate::rules::RuleProblem;

/// Checks the examples of the rules whose ids are in `only` (all rules when `None`),
/// against every rule of `engine`.
pub fn check_examples(engine: &Engine, only: Option<&HashSet<String>>) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    let mut scanner = engine.scanner();
    for rule in engine.rules() {
        if only.is_some_and(|ids| !ids.contains(&rule.id)) {
            continue;
        }
        let fail = |message: String| ExampleFailure {
            file: rule.origin.file.clone(),
            line: rule.origin.line,
            rule_id: rule.id.clone(),
            message,
        };
        if rule.positive.is_empty() {
            failures.push(fail("has no positive example".into()));
        }
        let (path, tracking) = example_setting(rule);
        let mut scan = |text: &str| -> Vec<String> {
            scan_content(&mut scanner, path, text.as_bytes(), tracking)
                .into_iter()
                .map(|finding| finding.rule.id.clone())
                .collect()
        };
        let mut fake = FakeGen::new(seed_for(&rule.id));
        for (n, example) in rule.positive.iter().enumerate() {
            let text = match fake.expand(example) {
                Ok(text) => text,
                Err(err) => {
                    failures.push(fail(format!("positive example #{}: {err}", n + 1)));
                    continue;
                }
            };
            let found = scan(&text);
            if !found.contains(&rule.id) {
                let by = found;
                failures.push(fail(format!(
                    "positive example #{} not found{}: {text:?}",
                    n + 1,
                    if by.is_empty() {
                        String::new()
                    } else {
                        format!(" (found by {})", by.join(", "))
                    }
                )));
            }
        }
        for (n, example) in rule.negative.iter().enumerate() {
            for id in scan(example) {
                failures.push(fail(format!(
                    "negative example #{} is found by rule `{id}`: {example:?}",
                    n + 1
                )));
            }
        }
    }
    failures
}

/// The path and git state a rule's examples are scanned as.
fn example_setting(rule: &Rule) -> (&str, Tracking) {
    let tracking = match rule.example_tracking {
        ExampleTracking::Committed => Tracking::Committed,
        ExampleTracking::Untracked => Tracking::Untracked,
        ExampleTracking::NoRepository => Tracking::NoRepository,
    };
    (rule.example_path.as_deref().unwrap_or(DEFAULT_EXAMPLE_PATH), tracking)
}

/// A stable seed per rule (FNV-1a), so each rule's fakes differ but never change between runs.
fn seed_for(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
