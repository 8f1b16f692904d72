//! Runs rules' positive and negative examples: each positive must be found by its own rule,
//! no negative by any rule. Examples go through the whole pipeline ([`crate::pipeline`]: engine,
//! suppression and checks), scanned as the rule's `path` and `tracking` when it names them. Used by
//! `keyhound rules --check` and by the test suite.

use std::{collections::HashSet, path::Path};

use crate::{
    classify::ValueFilter,
    engine::{Engine, RuleLint},
    fake::FakeGen,
    model::Tracking,
    pipeline::Pipeline,
    rules::{self, Rule, RuleError},
};

/// The path examples are scanned as when their rule names none.
pub(crate) const DEFAULT_EXAMPLE_PATH: &str = "example.txt";

/// A positive example its rule does not find, or a negative example some rule finds.
pub(crate) type ExampleFailure = crate::rules::RuleProblem;

/// Checks the examples of the rules whose ids are in `only` (all rules when `None`),
/// against every rule of `pipeline`.
pub fn check_examples(pipeline: &Pipeline, only: Option<&HashSet<String>>) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    let mut scanner = pipeline.scanner();
    for rule in pipeline.engine().rules() {
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
            scanner
                .scan(path, text.as_bytes(), tracking)
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

/// What `keyhound rules --check FILE` found in a rules file that loaded and compiled.
#[derive(Debug)]
pub struct RulesFileCheck {
    /// How many rules the file defines.
    pub(crate) rules: usize,
    pub(crate) lints: Vec<RuleLint>,
    pub(crate) failures: Vec<ExampleFailure>,
}

impl RulesFileCheck {
    /// The lints (as warnings) and example failures, one line each.
    pub fn problems(&self) -> String {
        let lints = self.lints.iter().map(|lint| format!("keyhound: warning: {lint}\n"));
        let failures = self.failures.iter().map(|failure| format!("{failure}\n"));
        lints.chain(failures).collect()
    }

    /// `FILE: N rule(s) ok`, or an error when an example failed.
    pub fn verdict(&self, path: &Path) -> anyhow::Result<String> {
        if !self.failures.is_empty() {
            anyhow::bail!("{}: {} example(s) failed", path.display(), self.failures.len());
        }
        Ok(format!("{}: {} rule(s) ok", path.display(), self.rules))
    }
}

/// Checks a rules file: schema, regexes, lints and examples. The file's rules replace
/// built-in rules of the same ids, so a built-in file checks too.
pub fn check_rules_file(path: &Path) -> Result<RulesFileCheck, RuleError> {
    let checked = rules::load_rules_file(path)?;
    rules::check_unique_ids(&checked)?;
    let ids: HashSet<String> = checked.iter().map(|r| r.id.clone()).collect();
    let mut all: Vec<Rule> =
        rules::builtin_rules()?.into_iter().filter(|r| !ids.contains(&r.id)).collect();
    all.extend(checked);
    rules::check_unique_ids(&all)?;
    let pipeline = Pipeline::builtin(Engine::new(all, ValueFilter::standard())?);
    let lints =
        pipeline.engine().lints().iter().filter(|l| ids.contains(&l.rule_id)).cloned().collect();
    let failures = check_examples(&pipeline, Some(&ids));
    Ok(RulesFileCheck { rules: ids.len(), lints, failures })
}

/// The path and git state a rule's examples are scanned as.
fn example_setting(rule: &Rule) -> (&str, Tracking) {
    (rule.example_path.as_deref().unwrap_or(DEFAULT_EXAMPLE_PATH), rule.example_tracking)
}

/// A stable seed per rule (FNV-1a), so each rule's fakes differ but never change between runs.
fn seed_for(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
