//! `scan --validate`, `doctor` and `revoke` against a local HTTP server on 127.0.0.1 (no
//! internet): every validator through `--validator-url`, answering 200, 401, 403, 429 or
//! not at all; and a plain scan that sends nothing.

mod common;

use std::{collections::HashMap, io::Write, path::Path, process::Stdio};

use common::{
    FakeGen, keyhound, run,
    server::{Answer, Server, closed_port_url},
    stderr, stdout,
};
use keyhound::validate::{Catalog, Status};

/// One file per validator with its example expanded; returns the validators' provider ids
/// and, per rule id, the status a given answer must produce.
fn fixture(dir: &Path) -> Catalog {
    let catalog = Catalog::builtin().unwrap();
    for (seed, validator) in catalog.validators().iter().enumerate() {
        let text = FakeGen::new(1000 + seed as u64).expand(&validator.example).unwrap();
        common::write(dir, &format!("{}/config.txt", validator.provider_id), &format!("{text}\n"));
    }
    catalog
}

fn url_args(catalog: &Catalog, url: &str) -> Vec<String> {
    let mut ids: Vec<&str> = catalog.validators().iter().map(|v| v.provider_id.as_str()).collect();
    ids.dedup();
    ids.iter().flat_map(|id| ["--validator-url".to_string(), format!("{id}={url}")]).collect()
}

fn scan(dir: &Path, extra: &[String]) -> (std::process::Output, Vec<serde_json::Value>) {
    let mut args = vec!["scan".to_string(), "--format".into(), "json".into(), ".".into()];
    args.extend_from_slice(extra);
    let output = keyhound().current_dir(dir).args(&args).output().unwrap();
    let findings = common::json_findings(&output);
    (output, findings)
}

/// Validation status per rule id over the findings of validated rules.
fn statuses(catalog: &Catalog, findings: &[serde_json::Value]) -> HashMap<String, String> {
    findings
        .iter()
        .filter(|f| catalog.validator_for(f["rule_id"].as_str().unwrap()).is_some())
        .map(|f| {
            let status = f["validation"]["status"].as_str().unwrap_or("missing").to_string();
            (
                format!("{} ({})", f["rule_id"].as_str().unwrap(), f["path"].as_str().unwrap()),
                status,
            )
        })
        .collect()
}

fn expect_all(catalog: &Catalog, answer: Answer, timeout: &str, expected: impl Fn(&str) -> Status) {
    let dir = tempfile::tempdir().unwrap();
    let catalog_here = fixture(dir.path());
    assert_eq!(catalog_here.validators().len(), catalog.validators().len());
    let server = Server::start(answer);
    let mut args = vec!["--validate".to_string(), "--validate-timeout".into(), timeout.into()];
    args.extend(url_args(catalog, &server.url()));
    let (output, findings) = scan(dir.path(), &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let got = statuses(catalog, &findings);
    let providers: std::collections::HashSet<&str> =
        findings.iter().filter_map(|f| f["path"].as_str()?.split('/').next()).collect();
    for validator in catalog.validators() {
        assert!(
            providers.contains(validator.provider_id.as_str()),
            "{answer:?}: {} found nothing",
            validator.provider
        );
        let want = expected(&validator.provider_id).as_str();
        for (rule, status) in
            got.iter().filter(|(r, _)| r.contains(&format!("({}/", validator.provider_id)))
        {
            assert_eq!(status, want, "{answer:?}: {rule}");
        }
    }
    // One request per unique secret: one per validator's file.
    assert_eq!(
        server.requests().len(),
        if matches!(answer, Answer::Hang) {
            server.requests().len()
        } else {
            catalog.validators().len()
        },
        "{:?}",
        server
            .requests()
            .iter()
            .map(|r| r.lines().next().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    );
    for finding in &findings {
        let detail = finding["validation"]["detail"].as_str().unwrap_or("");
        assert!(!detail.is_empty(), "{finding}");
    }
}

#[test]
fn every_validator_reads_200_as_live() {
    let catalog = Catalog::builtin().unwrap();
    expect_all(&catalog, Answer::Status(200), "5", |_| Status::Live);
}

#[test]
fn every_validator_reads_401_as_invalid() {
    let catalog = Catalog::builtin().unwrap();
    expect_all(&catalog, Answer::Status(401), "5", |_| Status::Invalid);
}

#[test]
fn every_validator_reads_403_as_limited_unless_its_provider_says_otherwise() {
    let catalog = Catalog::builtin().unwrap();
    let means_invalid: Vec<String> = catalog
        .validators()
        .iter()
        .filter(|v| v.answer.invalid_status.contains(&403))
        .map(|v| v.provider_id.clone())
        .collect();
    assert!(
        means_invalid.iter().any(|p| p == "aws") && means_invalid.iter().any(|p| p == "datadog")
    );
    expect_all(&catalog, Answer::Status(403), "5", |provider| {
        if means_invalid.iter().any(|p| p == provider) {
            Status::Invalid
        } else {
            Status::LiveLimited
        }
    });
}

#[test]
fn every_validator_reads_429_and_timeouts_as_unknown() {
    let catalog = Catalog::builtin().unwrap();
    expect_all(&catalog, Answer::Status(429), "5", |_| Status::Unknown);
    expect_all(&catalog, Answer::Hang, "1", |_| Status::Unknown);
}

#[test]
fn requests_carry_the_providers_header_and_one_per_unique_secret() {
    let dir = tempfile::tempdir().unwrap();
    let token = common::token(5);
    common::write(dir.path(), "a.txt", &format!("GITHUB_TOKEN={token}\n"));
    // The same secret again, also found by a header check: it shares the one answer.
    let curl = format!("curl -H 'Authorization: Bearer {token}' https://api.github.com/user\n");
    common::write(dir.path(), "b.sh", &curl);
    let server = Server::start(Answer::Status(200));
    let args: Vec<String> = ["--validate", "--validator-url"]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("github={}", server.url())])
        .collect();
    let (output, findings) = scan(dir.path(), &args);
    let rules: Vec<&str> = findings.iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert!(rules.contains(&"header-hardcoded-key"), "{rules:?} {}", stderr(&output));
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(requests[0].starts_with("GET /user "), "{}", requests[0]);
    assert!(
        requests[0]
            .to_ascii_lowercase()
            .contains(&format!("authorization: bearer {}", token.to_ascii_lowercase()))
    );
    for finding in &findings {
        assert_eq!(finding["validation"]["status"], "live");
        assert_eq!(finding["validation"]["http_status"], 200);
    }
}

#[test]
fn aws_is_signed_with_signature_v4_from_the_pair() {
    let dir = tempfile::tempdir().unwrap();
    let mut fake = FakeGen::new(9);
    let key_id = fake.expand("AKIA{{upper:16}}").unwrap();
    let secret = fake.expand("{{b64:40}}").unwrap();
    common::write(
        dir.path(),
        "creds",
        &format!("aws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
    );
    let server = Server::start(Answer::Status(200));
    let args: Vec<String> = ["--validate", "--validator-url"]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("aws={}", server.url())])
        .collect();
    let (_, findings) = scan(dir.path(), &args);
    // One credential, one finding: the key id is the secret key's part.
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["part"]["rule_id"], "aws-access-key-id");
    assert!(findings.iter().all(|f| f["validation"]["status"] == "live"), "{findings:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert!(request.starts_with("POST / "), "{request}");
    assert!(request.contains(&format!("Credential={key_id}/")), "{request}");
    assert!(request.contains(
        "/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="
    ));
    assert!(request.ends_with("Action=GetCallerIdentity&Version=2011-06-15"), "{request}");
    assert!(!request.contains(&secret), "the secret key itself is never sent");
}

#[test]
fn a_plain_scan_sends_no_request_and_validate_goes_through_the_proxy() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "a.txt", &format!("GITHUB_TOKEN={}\n", common::token(6)));
    let proxy = Server::start(Answer::Status(403));
    let with_proxy = |args: &[&str]| {
        let mut command = keyhound();
        for var in
            ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        {
            command.env(var, proxy.url());
        }
        command.env_remove("NO_PROXY").env_remove("no_proxy");
        command.current_dir(dir.path()).args(args).output().unwrap()
    };
    let output = with_proxy(&["scan", "--format", "json", "."]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!stdout(&output).contains("validation"));
    assert!(proxy.requests().is_empty(), "a plain scan made a request: {:?}", proxy.requests());

    let output =
        with_proxy(&["scan", "--format", "json", "--validate", "--validate-timeout", "3", "."]);
    let findings = common::json_findings(&output);
    assert_eq!(findings[0]["validation"]["status"], "unknown");
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(requests[0].starts_with("CONNECT api.github.com:443 "), "{}", requests[0]);
}

#[test]
fn an_unreachable_network_warns_once_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = fixture(dir.path());
    let token = common::token(8);
    common::write(dir.path(), "github/more.txt", &format!("GITHUB_TOKEN={token}\n"));
    let mut args = vec!["--validate".to_string()];
    args.extend(url_args(&catalog, &closed_port_url()));
    let (output, findings) = scan(dir.path(), &args);
    assert!(findings.iter().all(|f| f["validation"]["status"] == "unknown"));
    assert!(!stderr(&output).contains(&token) && !stdout(&output).contains(&token));
    let warnings: Vec<&str> = std::str::from_utf8(&output.stderr)
        .unwrap()
        .lines()
        .filter(|l| l.contains("unreachable"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
}

#[test]
fn only_live_keeps_live_and_limited_keys() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = fixture(dir.path());
    let server = Server::start(Answer::Status(403));
    let mut args = vec!["--only-live".to_string()];
    args.extend(url_args(&catalog, &server.url()));
    let (output, findings) = scan(dir.path(), &args);
    assert_eq!(output.status.code(), Some(1));
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["validation"]["status"] == "live-limited"), "{findings:?}");

    let server = Server::start(Answer::Status(401));
    let mut args = vec!["--only-live".to_string()];
    args.extend(url_args(&catalog, &server.url()));
    let (output, findings) = scan(dir.path(), &args);
    assert!(findings.is_empty());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn every_format_carries_the_validation() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "a.txt", &format!("GITHUB_TOKEN={}\n", common::token(7)));
    let server = Server::start(Answer::Status(200));
    let url = format!("github={}", server.url());
    let out = |format: &str| {
        stdout(&run(
            dir.path(),
            &["scan", "--format", format, "--validate", "--validator-url", &url, "."],
        ))
    };
    let text = out("text");
    assert!(text.contains("live: the provider accepted the key (HTTP 200)"), "{text}");
    let line: serde_json::Value =
        serde_json::from_str(out("jsonl").lines().next().unwrap()).unwrap();
    assert_eq!(line["validation"]["status"], "live");
    let sarif: serde_json::Value = serde_json::from_str(&out("sarif")).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["properties"]["validation"]["status"], "live");
    assert_eq!(result["level"], "error");
}

#[test]
fn bad_validator_urls_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (arg, message) in [
        ("github=http://example.com", "loopback"),
        ("nosuch=https://example.com", "no validator for provider"),
        ("github", "PROVIDER=URL"),
    ] {
        let output = run(dir.path(), &["scan", "--validate", "--validator-url", arg, "."]);
        assert_eq!(output.status.code(), Some(2), "{arg}");
        assert!(stderr(&output).contains(message), "{arg}: {}", stderr(&output));
    }
    let output =
        run(dir.path(), &["scan", "--validator-url", "github=https://ghe.example.com", "."]);
    assert_eq!(output.status.code(), Some(2));
}

fn piped(args: &[&str], input: &str) -> std::process::Output {
    let mut child = keyhound()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn doctor_explains_401_and_403_and_prints_the_right_header() {
    let token = common::token(11);
    let server = Server::start(Answer::Status(401));
    let url = format!("github={}", server.url());
    let output = piped(&["doctor", "--validator-url", &url], &format!("{token}\n"));
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert!(text.contains("GitHub personal access token (classic)"), "{text}");
    assert!(text.contains("Authorization: Bearer <key>"), "{text}");
    assert!(text.contains("Authorization: bearer <key>") && text.contains("x-api-key: <key>"));
    assert!(text.contains("?api_key=<key>"), "{text}");
    assert!(!text.contains("Token <key>"), "GitHub documents `token`: not a mistake\n{text}");
    assert!(text.contains("401") && text.contains("not accepted"), "{text}");
    assert!(!text.contains(&token), "doctor printed the key");
    assert_eq!(server.requests().len(), 1);

    let server = Server::start(Answer::Status(403));
    let url = format!("github={}", server.url());
    let output = piped(&["doctor", "--validator-url", &url], &token);
    let text = stdout(&output);
    assert!(
        text.contains("lacks the permission") && text.contains("github.com/settings/tokens"),
        "{text}"
    );
}

#[test]
fn doctor_offline_sends_nothing_and_reads_env() {
    let token = common::token(12);
    let server = Server::start(Answer::Status(200));
    let url = format!("github={}", server.url());
    let output = keyhound()
        .args(["doctor", "--offline", "--env", "MY_KEY", "--validator-url", &url])
        .env("MY_KEY", &token)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("skipped (--offline)"));
    assert!(server.requests().is_empty());
}

#[test]
fn doctor_lists_token_for_bearer_where_the_provider_does_not_take_it() {
    let key = FakeGen::new(17).expand("sk-proj-{{b64url:74}}T3BlbkFJ{{alnum:74}}").unwrap();
    let output = piped(&["doctor", "--offline"], &key);
    let text = stdout(&output);
    assert!(text.contains("OpenAI") && text.contains("Authorization: Token <key>"), "{text}");
}

#[test]
fn doctor_names_a_checksum_typo() {
    let token = common::token(13);
    let last = token.chars().last().unwrap();
    let typo = format!("{}{}", &token[..token.len() - 1], if last == 'a' { 'b' } else { 'a' });
    let output = piped(&["doctor", "--offline"], &typo);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("checksum is wrong"), "{}", stdout(&output));
}

#[test]
fn revoke_sends_githubs_revocation_request_after_yes() {
    let token = common::token(14);
    let server = Server::start(Answer::Status(202));
    let url = format!("github={}", server.url());
    let output = piped(&["revoke", "--yes", "--validator-url", &url], &token);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("revoked"), "{}", stdout(&output));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].starts_with("POST /credentials/revoke "), "{}", requests[0]);
    assert!(requests[0].ends_with(&format!(r#"{{"credentials":["{token}"]}}"#)), "{}", requests[0]);
}

#[test]
fn revoke_asks_first_and_sends_nothing_without_a_yes() {
    let server = Server::start(Answer::Status(202));
    let url = format!("github={}", server.url());
    let token = common::token(15);
    for answer in ["", "n\n", "maybe\n"] {
        let output = piped(&["revoke", "--validator-url", &url], &format!("{token}\n{answer}"));
        assert_eq!(output.status.code(), Some(1), "{answer:?}");
        assert!(stderr(&output).contains("[y/N]"), "{}", stderr(&output));
        assert!(stdout(&output).contains("nothing was sent"));
    }
    assert!(server.requests().is_empty());
    let output = piped(&["revoke", "--validator-url", &url], &format!("{token}\ny\n"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn revoke_of_a_key_that_cannot_revoke_itself_prints_rotation_advice() {
    let key = FakeGen::new(16).expand("sk-proj-{{b64url:74}}T3BlbkFJ{{alnum:74}}").unwrap();
    let output = piped(&["revoke", "--yes"], &key);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("1. Revoke:"), "{}", stdout(&output));
}

#[test]
fn doctor_says_aws_keys_are_signed_and_checked_in_pairs() {
    let key_id = FakeGen::new(18).expand("AKIA{{upper:16}}").unwrap();
    let output = piped(&["doctor"], &key_id);
    let text = stdout(&output);
    assert!(text.contains("Signature V4") && text.contains("partner key"), "{text}");
}
