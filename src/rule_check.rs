//! Runs rules' positive and negative examples: each positive must be found by its own rule,
//! no negative by any rule. Used by `keyhound rules --check` and by the test suite.

use std::collections::HashSet;

use crate::{engine::Engine, fake::FakeGen};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub file: String,
    pub line: usize,
    pub rule_id: String,
    pub message: String,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: rule `{}`: {}", self.file, self.line, self.rule_id, self.message)
    }
}

/// Checks the examples of the rules whose ids are in `only` (all rules when `None`),
/// against every rule of `engine`.
pub fn check_examples(engine: &Engine, only: Option<&HashSet<String>>) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    let mut scanner = engine.scanner();
    for (index, rule) in engine.rules().iter().enumerate() {
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
        let mut fake = FakeGen::new(seed_for(&rule.id));
        for (n, example) in rule.positive.iter().enumerate() {
            let text = match fake.expand(example) {
                Ok(text) => text,
                Err(err) => {
                    failures.push(fail(format!("positive example #{}: {err}", n + 1)));
                    continue;
                }
            };
            let found = scanner.scan(text.as_bytes());
            if !found.iter().any(|m| m.rule == index) {
                let by: Vec<_> = found.iter().map(|m| engine.rule(m.rule).id.as_str()).collect();
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
            for m in scanner.scan(example.as_bytes()) {
                failures.push(fail(format!(
                    "negative example #{} is found by rule `{}`: {example:?}",
                    n + 1,
                    engine.rule(m.rule).id
                )));
            }
        }
    }
    failures
}

/// A stable seed per rule (FNV-1a), so each rule's fakes differ but never change between runs.
fn seed_for(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
