//! `--format json-v2` against its JSON Schema (docs/schema/report-v2.schema.json), and the
//! findings of `--format json` (v1) and `jsonl`, which have the same shape, against its
//! `finding` definition. Real scans of a real repository with history findings.

mod common;

use common::{commit_all, git, git_repo, run, stderr, stdout, token, write};
use serde_json::{Value, json};

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema/report-v2.schema.json");

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(SCHEMA).unwrap()).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(schema)
        .expect("the report schema compiles")
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

/// A repository whose history holds a deleted secret and whose tree holds another.
fn repository() -> tempfile::TempDir {
    let repo = git_repo();
    write(repo.path(), "old.sh", &format!("export GH_TOKEN={}\n", token(11)));
    commit_all(repo.path(), "add deploy script");
    git(repo.path(), &["rm", "-q", "old.sh"]);
    write(repo.path(), "app.py", &format!("TOKEN = \"{}\"\n", token(12)));
    commit_all(repo.path(), "move the token");
    repo
}

fn scan(dir: &std::path::Path, format: &str) -> String {
    let output = run(dir, &["scan", "--history", "--no-warnings", "--format", format, "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    stdout(&output)
}

#[test]
fn json_v2_is_a_versioned_report_that_validates() {
    let repo = repository();
    let report: Value = serde_json::from_str(&scan(repo.path(), "json-v2")).unwrap();
    let schema = schema();
    let problems = errors(&validator(&schema), &report);
    assert!(problems.is_empty(), "{problems:#?}\n{report:#}");

    assert_eq!(report["version"], 2);
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(report["summary"]["findings"], findings.len());
    let by_severity = report["summary"]["by_severity"].as_object().unwrap();
    assert_eq!(
        by_severity.values().map(|n| n.as_u64().unwrap()).sum::<u64>(),
        findings.len() as u64
    );
    assert!(findings.iter().any(|f| f["commit"]["summary"] == "add deploy script"), "{report:#}");
    assert!(report["summary"]["files"].as_u64().unwrap() >= 1);
}

#[test]
fn the_schema_rejects_what_it_does_not_describe() {
    let repo = repository();
    let report: Value = serde_json::from_str(&scan(repo.path(), "json-v2")).unwrap();
    let validator = validator(&schema());
    for broken in [
        json!({"findings": report["findings"], "summary": report["summary"], "tool": report["tool"]}),
        {
            let mut v = report.clone();
            v["version"] = json!(1);
            v
        },
        {
            let mut v = report.clone();
            v["findings"][0]["severity"] = json!("urgent");
            v
        },
        {
            let mut v = report.clone();
            v["findings"][0]["fingerprint"] = json!("not-hex");
            v
        },
    ] {
        assert!(!errors(&validator, &broken).is_empty(), "accepted: {broken:#}");
    }
}

#[test]
fn json_v1_and_jsonl_findings_have_the_same_shape() {
    let repo = repository();
    let mut schema = schema();
    let defs = schema["$defs"].take();
    let finding = validator(&json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/$defs/finding",
        "$defs": defs,
    }));
    let array: Value = serde_json::from_str(&scan(repo.path(), "json")).unwrap();
    let array = array.as_array().expect("json v1 stays an array");
    let lines: Vec<Value> =
        scan(repo.path(), "jsonl").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(array.len(), lines.len());
    for item in array.iter().chain(&lines) {
        let problems = errors(&finding, item);
        assert!(problems.is_empty(), "{problems:#?}\n{item:#}");
    }
}
