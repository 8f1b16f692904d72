//! `--format sarif` and `--format github` on real scans.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sarif-schema-2.1.0.json");

struct Fixture {
    dir: tempfile::TempDir,
    secrets: Vec<String>,
}

/// Several findings of several rules, one rule in two files, a path with spaces and a `:`,
/// and a line holding two secrets.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut fake = FakeGen::new(42);
    let classic = fake.crc32_token("ghp_");
    let classic_two = fake.crc32_token("ghp_");
    let oauth = fake.crc32_token("gho_");
    let refresh = fake.crc32_token("ghr_");
    write(
        dir.path(),
        "config/settings.py",
        &format!("DEBUG = False\nGITHUB_TOKEN = \"{classic}\"\n"),
    );
    write(dir.path(), "deploy notes/run: 1.sh", &format!("#!/bin/sh\n\nexport GH={classic_two}\n"));
    write(
        dir.path(),
        "auth.json",
        &format!("{{\"access_token\": \"{oauth}\", \"r\": \"{refresh}\"}}\n"),
    );
    Fixture { dir, secrets: vec![classic, classic_two, oauth, refresh] }
}

fn sarif(dir: &Path, extra: &[&str]) -> (String, Value) {
    let mut args = vec!["scan", ".", "--format", "sarif"];
    args.extend_from_slice(extra);
    let output = run(dir, &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    let value = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
    (text, value)
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(SCHEMA).unwrap()).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

#[test]
fn real_output_validates_against_the_official_schema() {
    let fixture = fixture();
    let (_, log) = sarif(fixture.dir.path(), &[]);
    assert_eq!(results(&log).len(), 4);

    let validator = validator();
    let errors: Vec<String> =
        validator.iter_errors(&log).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    // The validator does catch a broken log.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn history_findings_name_their_commit_and_validate() {
    let repo = git_repo();
    let dir = repo.path();
    let secret = FakeGen::new(9).crc32_token("ghp_");
    write(dir, "ci/deploy.sh", &format!("#!/bin/sh\nexport GH_TOKEN={secret}\n"));
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "add deploy script"]);
    write(dir, "ci/deploy.sh", "#!/bin/sh\n");
    git(dir, &["commit", "-q", "-am", "remove the token"]);

    let (text, log) = sarif(dir, &["--history-only"]);
    assert!(!text.contains(&secret), "the secret is in the SARIF");
    let errors: Vec<String> =
        validator().iter_errors(&log).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let result = &results(&log)[0];
    let message = result["message"]["text"].as_str().unwrap();
    assert!(message.contains("by Ada Lovelace <ada@example.invalid> on 2024-01-02"), "{message}");
    assert!(message.contains("add deploy script"), "{message}");
    let commit = git(dir, &["rev-parse", "HEAD~1"]);
    assert_eq!(result["properties"]["commit"], commit.as_str());
    assert_eq!(result["properties"]["author"], "Ada Lovelace");
    assert_eq!(result["properties"]["inHead"], false);
}

#[test]
fn rules_are_described_once_with_rotation_advice() {
    let fixture = fixture();
    let (_, log) = sarif(fixture.dir.path(), &[]);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "keyhound");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "duplicate rules: {ids:?}");
    assert_eq!(unique, ["github-classic-pat", "github-oauth-token", "github-refresh-token"]);

    for result in results(&log) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    let classic = &rules[ids.iter().position(|id| *id == "github-classic-pat").unwrap()];
    assert_eq!(classic["properties"]["security-severity"], "9.5");
    assert_eq!(classic["properties"]["tags"], serde_json::json!(["security", "secret", "GitHub"]));
    assert_eq!(classic["defaultConfiguration"]["level"], "error");
    assert!(classic["helpUri"].as_str().unwrap().starts_with("https://docs.github.com/"));
    for field in ["text", "markdown"] {
        let help = classic["help"][field].as_str().unwrap();
        for part in ["Revoke", "Reissue", "Verify", "git history"] {
            assert!(help.contains(part), "help.{field} lacks {part}: {help}");
        }
    }
    assert!(classic["shortDescription"]["text"].is_string());
    assert!(classic["fullDescription"]["text"].is_string());
    let refresh = &rules[ids.iter().position(|id| *id == "github-refresh-token").unwrap()];
    assert_eq!(refresh["properties"]["security-severity"], "8.0");
}

#[test]
fn results_locate_the_secret_with_encoded_relative_uris() {
    let fixture = fixture();
    let (_, log) = sarif(fixture.dir.path(), &[]);
    let result = results(&log)
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("deploy")
        })
        .expect("the result in the path with spaces");
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "deploy%20notes/run%3A%201.sh");
    assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let region = &physical["region"];
    assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(3), Some(11)));
    assert_eq!((region["endLine"].as_u64(), region["endColumn"].as_u64()), (Some(3), Some(51)));
    assert_eq!(result["level"], "error");
    assert_eq!(result["ruleId"], "github-classic-pat");
    let message = result["message"]["text"].as_str().unwrap();
    assert!(message.contains("GitHub"), "{message}");
    let fingerprint = result["partialFingerprints"]["keyhound/v1"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 32);
}

#[test]
fn no_secret_appears_anywhere_even_with_show_secrets() {
    let fixture = fixture();
    for extra in [&[][..], &["--show-secrets"][..]] {
        let (text, _) = sarif(fixture.dir.path(), extra);
        for secret in &fixture.secrets {
            assert!(!text.contains(secret.as_str()), "secret in SARIF ({extra:?})");
            // Nor any long piece of it.
            assert!(!text.contains(&secret[8..28]), "part of a secret in SARIF ({extra:?})");
        }
    }
}

#[test]
fn fingerprints_survive_lines_inserted_above() {
    let fixture = fixture();
    let dir = fixture.dir.path();
    let key = |log: &Value| -> Vec<(String, String, u64)> {
        let mut keys: Vec<_> = results(log)
            .iter()
            .map(|r| {
                let uri = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
                let line = &r["locations"][0]["physicalLocation"]["region"]["startLine"];
                (
                    uri.as_str().unwrap().to_string(),
                    r["partialFingerprints"]["keyhound/v1"].as_str().unwrap().to_string(),
                    line.as_u64().unwrap(),
                )
            })
            .collect();
        keys.sort();
        keys
    };
    let before = key(&sarif(dir, &[]).1);
    let settings = dir.join("config/settings.py");
    let content = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, format!("import os\n\n# moved down\n{content}")).unwrap();
    let after = key(&sarif(dir, &[]).1);

    assert_eq!(before.len(), after.len());
    for (old, new) in before.iter().zip(&after) {
        assert_eq!((&old.0, &old.1), (&new.0, &new.1), "fingerprint changed");
        let moved = if old.0 == "config/settings.py" { 3 } else { 0 };
        assert_eq!(new.2, old.2 + moved, "{}", old.0);
    }
}

#[test]
fn github_format_prints_escaped_annotations() {
    let fixture = fixture();
    let output = run(fixture.dir.path(), &["scan", ".", "--format", "github", "--show-secrets"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines.iter().all(|l| l.starts_with("::error ")), "{text}");
    let spaced = lines.iter().find(|l| l.contains("file=deploy")).unwrap();
    let expected = "::error file=deploy notes/run%3A 1.sh,line=3,col=11,endLine=3,endColumn=51,\
                    title=GitHub personal access token (classic) [github-classic-pat]::";
    assert!(spaced.starts_with(expected), "{spaced}");
    assert!(spaced.contains("(GitHub, critical) found. Revoke it at GitHub first"), "{spaced}");
    for secret in &fixture.secrets {
        assert!(!text.contains(secret.as_str()), "secret in annotations");
    }
}

#[test]
fn working_tree_history_dotenv_and_header_findings_validate_together() {
    let repo = git_repo();
    let dir = repo.path();
    let mut fake = FakeGen::new(77);
    let (in_history, in_tree) = (fake.crc32_token("ghp_"), fake.crc32_token("ghp_"));
    write(dir, ".env", &format!("API_TOKEN={in_history}\n"));
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "add env"]);
    git(dir, &["rm", "-q", ".env"]);
    git(dir, &["commit", "-q", "-m", "remove env"]);
    // A deliberately mis-cased header. keyhound:allow-next-line header-bearer-case
    write(dir, "client.py", &format!("h = {{\"Authorization\": \"bearer {in_tree}\"}}\n"));

    let (text, log) = sarif(dir, &["--history"]);
    for secret in [&in_history, &in_tree] {
        assert!(!text.contains(secret.as_str()), "a secret is in the SARIF");
    }
    let errors: Vec<String> =
        validator().iter_errors(&log).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut rules: Vec<&str> =
        results(&log).iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    rules.sort();
    rules.dedup();
    for expected in ["dotenv-committed", "github-classic-pat", "header-bearer-case"] {
        assert!(rules.contains(&expected), "{expected} missing from {rules:?}");
    }
    let from_history = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "dotenv-committed")
        .expect("the deleted .env is reported from history");
    assert!(
        from_history["message"]["text"].as_str().unwrap().contains("add env"),
        "{}",
        from_history["message"]
    );
}

#[test]
fn validated_results_carry_the_status_and_still_validate() {
    let fixture = fixture();
    let server = server::Server::start(server::Answer::Status(200));
    let url = format!("github={}", server.url());
    let (_, log) = sarif(fixture.dir.path(), &["--validate", "--validator-url", &url]);
    let errors: Vec<String> =
        validator().iter_errors(&log).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    for result in results(&log) {
        assert_eq!(result["level"], "error");
        assert!(result["properties"]["validation"]["status"].is_string(), "{result}");
    }
}
