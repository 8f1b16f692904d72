//! One credential, one finding: a key id and its secret (an AWS key pair, a service-account
//! JSON, a Twilio API key) are reported as one finding that carries both parts' places, in
//! text, JSON and SARIF, in the working tree and in history; a part alone is still reported.

mod common;

use std::path::Path;

use common::{FakeGen, commit_all, git_repo, run, scan_json, stderr, stdout, write};
use serde_json::Value;

struct Planted {
    repo: tempfile::TempDir,
    key_id: String,
    secret: String,
    lone_id: String,
}

/// A repository with an AWS key pair in one file (the id on line 2, the secret on line 4), a
/// service-account key file, and an access key id alone in another file.
fn planted() -> Planted {
    let mut fake = FakeGen::new(0xc0ffee);
    let key_id = fake.expand("AKIA{{upper:16}}").unwrap();
    let secret = fake.expand("{{b64:40}}").unwrap();
    let lone_id = fake.expand("AKIA{{upper:16}}").unwrap();
    let repo = git_repo();
    let dir = repo.path();
    write(
        dir,
        "deploy/settings.py",
        &format!(
            "REGION = \"eu-west-1\"\naws_access_key_id = \"{key_id}\"\n\naws_secret_access_key = \"{secret}\"\n"
        ),
    );
    let service_account = fake
        .expand(concat!(
            "{\n  \"type\": \"service_account\",\n  \"project_id\": \"demo\",\n",
            "  \"private_key_id\": \"{{hex:40}}\",\n",
            "  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASC{{b64:32}}",
            "\\n{{b64:64}}\\n{{b64:64}}\\n-----END PRIVATE KEY-----\\n\",\n",
            "  \"client_email\": \"ci@demo.iam.gserviceaccount.com\"\n}\n"
        ))
        .unwrap();
    write(dir, "keys/ci.json", &service_account);
    write(dir, "tools/upload.sh", &format!("export AWS_ACCESS_KEY_ID={lone_id}\n"));
    commit_all(dir, "deploy settings");
    Planted { repo, key_id, secret, lone_id }
}

fn at<'a>(findings: &'a [Value], path: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["path"] == path).collect()
}

fn assert_paired(findings: &[Value], planted: &Planted) {
    let aws = at(findings, "deploy/settings.py");
    assert_eq!(aws.len(), 1, "one finding for the key pair: {aws:#?}");
    let finding = aws[0];
    assert_eq!(finding["rule_id"], "aws-secret-access-key");
    assert_eq!(finding["line"], 4);
    let part = &finding["part"];
    assert_eq!(part["rule_id"], "aws-access-key-id", "{finding:#?}");
    assert_eq!((part["line"].as_u64(), part["column"].as_u64()), (Some(2), Some(22)));
    assert_eq!(part["secret"], "AKIA****");
    assert!(!part["secret_sha256"].as_str().unwrap().is_empty());
    let text = serde_json::to_string(findings).unwrap();
    for secret in [&planted.key_id, &planted.secret, &planted.lone_id] {
        assert!(!text.contains(secret.as_str()), "{text}");
    }

    let service_account = at(findings, "keys/ci.json");
    let rules: Vec<(&Value, &Value)> =
        service_account.iter().map(|f| (&f["rule_id"], &f["part"]["rule_id"])).collect();
    assert_eq!(rules, [(&"google-service-account-key".into(), &"private-key-pkcs8".into())]);
    assert_eq!(service_account[0]["part"]["line"], 5);

    let lone = at(findings, "tools/upload.sh");
    assert_eq!(lone.len(), 1, "{lone:#?}");
    assert_eq!(lone[0]["rule_id"], "aws-access-key-id");
    assert!(lone[0].get("part").is_none(), "{:#?}", lone[0]);
}

#[test]
fn a_key_pair_is_one_json_finding_with_both_places() {
    let planted = planted();
    let (output, findings) = scan_json(planted.repo.path(), &["."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_paired(&findings, &planted);
}

#[test]
fn history_reports_the_pair_once_too() {
    let planted = planted();
    let dir = planted.repo.path();
    std::fs::remove_file(dir.join("deploy/settings.py")).unwrap();
    commit_all(dir, "remove the keys");
    let (output, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_paired(&findings, &planted);
    let aws = at(&findings, "deploy/settings.py");
    assert!(aws[0]["commit"]["id"].is_string(), "{:#?}", aws[0]);
}

#[test]
fn text_output_names_the_other_part_and_where_it_is() {
    let planted = planted();
    let output = run(planted.repo.path(), &["--color", "never", "scan", "."]);
    let text = stdout(&output);
    assert!(
        text.contains("paired with: AKIA**** (AWS access key ID) at 2:22"),
        "{text}{}",
        stderr(&output)
    );
    assert_eq!(text.matches("deploy/settings.py:").count(), 1, "{text}");
    assert!(!text.contains(&planted.key_id), "{text}");
    let shown = run(planted.repo.path(), &["--color", "never", "scan", ".", "--show-secrets"]);
    assert!(stdout(&shown).contains(&format!("paired with: {}", planted.key_id)));
}

fn sarif_results(dir: &Path) -> Vec<Value> {
    let output = run(dir, &["scan", ".", "--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let log: Value = serde_json::from_str(&stdout(&output)).unwrap();
    log["runs"][0]["results"].as_array().unwrap().clone()
}

#[test]
fn sarif_puts_the_other_part_in_related_locations() {
    let planted = planted();
    let results = sarif_results(planted.repo.path());
    let uri = |r: &Value| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone();
    let aws: Vec<&Value> = results.iter().filter(|r| uri(r) == "deploy/settings.py").collect();
    assert_eq!(aws.len(), 1, "{aws:#?}");
    let related = aws[0]["relatedLocations"].as_array().expect("related locations");
    assert_eq!(related.len(), 1);
    let physical = &related[0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "deploy/settings.py");
    assert_eq!(physical["region"]["startLine"], 2);
    assert_eq!(physical["region"]["startColumn"], 22);
    assert!(related[0]["message"]["text"].as_str().unwrap().contains("AWS access key ID"));
    let message = aws[0]["message"]["text"].as_str().unwrap();
    assert!(message.contains("is at line 2"), "{message}");
    let lone: Vec<&Value> = results.iter().filter(|r| uri(r) == "tools/upload.sh").collect();
    assert!(lone[0].get("relatedLocations").is_none(), "{lone:#?}");
}

#[test]
fn the_part_fits_the_report_schema() {
    let planted = planted();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema/report-v2.schema.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let finding = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/$defs/finding",
        "$defs": schema["$defs"].take(),
    });
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&finding)
        .expect("the report schema compiles");
    let (_, findings) = scan_json(planted.repo.path(), &["."]);
    let paired: Vec<&Value> = findings.iter().filter(|f| f.get("part").is_some()).collect();
    assert_eq!(paired.len(), 2, "{findings:#?}");
    for item in paired {
        let problems: Vec<String> = validator.iter_errors(item).map(|e| e.to_string()).collect();
        assert!(problems.is_empty(), "{problems:#?}\n{item:#}");
    }
    let mut wrong = findings.iter().find(|f| f.get("part").is_some()).unwrap().clone();
    wrong["part"]["secret_sha256"] = "not-hex".into();
    assert!(!validator.is_valid(&wrong), "the schema describes the part: {wrong:#}");
}
