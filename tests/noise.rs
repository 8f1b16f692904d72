//! Noise control through the real binary: inline allows, `.keyhoundignore`, `keyhound.toml`,
//! baselines and the built-in suppression, each suppressing exactly what it should.

mod common;

use common::*;

fn rule_ids(output: &std::process::Output) -> Vec<(String, String)> {
    json_findings(output)
        .iter()
        .map(|f| {
            (f["path"].as_str().unwrap().to_string(), f["rule_id"].as_str().unwrap().to_string())
        })
        .collect()
}

/// `keyhound scan . --format json EXTRA...` in `dir`.
fn scan_root(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    scan_json(dir, &[&["."], extra].concat()).0
}

/// A generic test rule (the built-in generic rules are developed elsewhere): a value
/// assigned to a name containing `secret`.
const GENERIC_RULE: &str = r#"
[[rules]]
id = "test-generic-secret"
name = "Secret assigned to a variable"
provider = "Generic"
severity = "medium"
generic = true
regex = '''(?i)secret[a-z_]{0,20}\s{0,3}[:=]\s{0,3}["']?(?P<secret>[A-Za-z0-9+/=_{}-]{16,128})'''
keywords = ["secret"]
entropy = 3.0
positive = ['client_secret = "{{alnum:32}}"']
negative = ['client_secret = "your-client-secret-here"']
[rules.rotation]
revoke = "Revoke the secret where it was issued."
reissue = "Issue a new secret and keep it in a secret manager."
verify = "Check the issuer's logs for use of the old secret."
docs = "https://keyhound.invalid/generic"
"#;

#[test]
fn inline_allows_suppress_their_line_and_rules_only() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c, d) = (token(1), token(2), token(3), token(4));
    write(
        dir.path(),
        "app.py",
        &format!(
            "A = \"{a}\"  # keyhound:allow\n\
             B = \"{b}\"  # keyhound:allow aws-access-key\n\
             # keyhound:allow-next-line github-classic-pat\n\
             C = \"{c}\"\n\
             D = \"{d}\"\n"
        ),
    );
    write(dir.path(), "page.html", &format!("<!-- keyhound:allow -->\n<p>{a}</p>\n<p>{d}</p>\n"));
    let output = scan_root(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let lines: Vec<(String, u64)> = json_findings(&output)
        .iter()
        .map(|f| (f["path"].as_str().unwrap().into(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("app.py".into(), 2),
            ("app.py".into(), 5),
            ("page.html".into(), 2),
            ("page.html".into(), 3)
        ],
        "an allow for another rule does not suppress; a marker alone on a line allows only that line"
    );
}

#[test]
fn ignore_file_patterns_and_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/app.py", &format!("T = '{}'\n", token(10)));
    write(dir.path(), "src/other.py", &format!("T = '{}'\n", token(11)));
    write(dir.path(), "fixtures/deep/a.json", &format!("{{\"t\": \"{}\"}}\n", token(12)));
    write(dir.path(), "notes.md", &format!("{}\n", token(13)));
    let before = scan_root(dir.path(), &[]);
    assert_eq!(json_findings(&before).len(), 4);
    let fingerprint = json_findings(&before)
        .iter()
        .find(|f| f["path"] == "src/other.py")
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .unwrap();
    write(
        dir.path(),
        ".keyhoundignore",
        &format!("# fixtures are generated\nfixtures/\n*.md\n{fingerprint}  # rotated already\n"),
    );
    let after = scan_root(dir.path(), &[]);
    assert_eq!(rule_ids(&after), vec![("src/app.py".into(), "github-classic-pat".into())]);

    // The same file given explicitly, from outside the tree.
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = elsewhere.path().join("ignore");
    std::fs::rename(dir.path().join(".keyhoundignore"), &moved).unwrap();
    assert_eq!(json_findings(&scan_root(dir.path(), &[])).len(), 4);
    let explicit = scan_root(dir.path(), &["--ignore-file", moved.to_str().unwrap()]);
    assert_eq!(json_findings(&explicit).len(), 1);
}

#[test]
fn repository_root_ignore_file_applies_to_a_subdirectory_scan() {
    let repo = git_repo();
    write(repo.path(), "svc/gen/a.py", &format!("T = '{}'\n", token(20)));
    write(repo.path(), "svc/src/b.py", &format!("T = '{}'\n", token(21)));
    write(repo.path(), ".keyhoundignore", "/svc/gen/\n");
    let output = run(&repo.path().join("svc"), &["scan", ".", "--format", "json"]);
    assert_eq!(rule_ids(&output), vec![("src/b.py".into(), "github-classic-pat".into())]);
}

#[test]
fn config_disables_narrows_and_allows_paths() {
    let dir = tempfile::tempdir().unwrap();
    let mut fake = FakeGen::new(30);
    write(
        dir.path(),
        "app.cfg",
        &format!("A={}\nB={}\n", fake.crc32_token("ghp_"), fake.crc32_token("ghr_")),
    );
    write(dir.path(), "docs/guide/setup.md", &format!("{}\n", fake.crc32_token("ghp_")));
    write(
        dir.path(),
        "keyhound.toml",
        "disable = [\"github-refresh-token\"]\n[allow]\npaths = [\"docs/\"]\n",
    );
    let output = scan_root(dir.path(), &[]);
    assert_eq!(rule_ids(&output), vec![("app.cfg".into(), "github-classic-pat".into())]);

    write(dir.path(), "keyhound.toml", "enable_only = [\"github-refresh-token\"]\n");
    let output = scan_root(dir.path(), &[]);
    assert_eq!(rule_ids(&output), vec![("app.cfg".into(), "github-refresh-token".into())]);
}

#[test]
fn config_sets_the_default_format_and_config_flag_points_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", &format!("{}\n", token(40)));
    write(dir.path(), "keyhound.toml", "format = \"json\"\n");
    let output = run(dir.path(), &["scan", "."]);
    assert_eq!(json_findings(&output).len(), 1, "JSON by configuration");
    let text = run(dir.path(), &["scan", ".", "--format", "text"]);
    assert!(serde_json::from_slice::<serde_json::Value>(&text.stdout).is_err(), "--format wins");

    let other = tempfile::tempdir().unwrap();
    let config = write(other.path(), "strict.toml", "disable = [\"github-classic-pat\"]\n");
    let output = run(dir.path(), &["scan", ".", "--config", config.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn malformed_configuration_is_exit_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "nothing here\n");
    let cases = [
        ("format = \"json\"\n\nmax_key_age_days = -3\n", "keyhound.toml:3:"),
        ("disable = [\n  \"github-classic-pat\",\n  \"no-such-rule\",\n]\n", "keyhound.toml:3:"),
        ("[allow]\npaths = [\"ok/\", \"bad[z-a]\"]\n", "keyhound.toml:2:"),
        ("[scan]\nformat = \"json\"\n", "keyhound.toml:1:"),
    ];
    for (text, location) in cases {
        write(dir.path(), "keyhound.toml", text);
        let output = run(dir.path(), &["scan", "."]);
        assert_eq!(output.status.code(), Some(2), "{text}: {}", stderr(&output));
        let err = stderr(&output);
        assert!(err.starts_with("keyhound: error: "), "{err}");
        assert!(err.contains(location), "{text:?}: {err} should name {location}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn custom_rules_in_config_run_and_must_pass_their_examples() {
    let dir = tempfile::tempdir().unwrap();
    let custom = GENERIC_RULE.replace("generic = true\n", "");
    write(dir.path(), "keyhound.toml", &custom);
    let value = FakeGen::new(50).expand("{{alnum:32}}").unwrap();
    write(dir.path(), "app.py", &format!("client_secret = \"{value}\"\n"));
    let output = scan_root(dir.path(), &[]);
    assert_eq!(rule_ids(&output), vec![("app.py".into(), "test-generic-secret".into())]);

    let failing = custom.replace("{{alnum:32}}", "{{alnum:8}}");
    write(dir.path(), "keyhound.toml", &format!("# my rules\n{failing}"));
    let output = run(dir.path(), &["scan", "."]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("keyhound.toml:3:") && err.contains("positive example #1 not found"),
        "{err}"
    );
}

#[test]
fn builtin_suppression_of_generic_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mut fake = FakeGen::new(60);
    let mut secret = || fake.expand("client_secret = \"{{alnum:40}}\"").unwrap();
    let (real, lock, vendored, fixture_real) = (secret(), secret(), secret(), secret());
    let uuid =
        FakeGen::new(61).expand("{{hex:8}}-{{hex:4}}-{{hex:4}}-{{hex:4}}-{{hex:12}}").unwrap();
    let sha = FakeGen::new(62).expand("{{hex:40}}").unwrap();
    // Only the test rule and one provider rule, whatever generic rules are built in.
    let only = "enable_only = [\"test-generic-secret\", \"github-classic-pat\"]\n";
    write(dir.path(), "keyhound.toml", &format!("{only}{GENERIC_RULE}"));
    write(
        dir.path(),
        "src/settings.py",
        &format!(
            "{real}\nsecret_id = \"{uuid}\"\nsecret_commit = \"{sha}\"\n\
             secret_note = \"aGVsbG8gd29ybGQsIHRoaXMgaXMgYSBjb25maWcgdmFsdWU=\"\n"
        ),
    );
    write(dir.path(), "poetry.lock", &format!("{lock}\n"));
    write(dir.path(), "vendor/lib/conf.py", &format!("{vendored}\n"));
    write(dir.path(), "tests/test_login.py", "client_secret = \"test-secret-for-login-1\"\n");
    write(dir.path(), "tests/conf.py", &format!("{fixture_real}\n"));
    // A provider token is reported in a lock file and vendored code all the same.
    write(dir.path(), "vendor/lib/token.txt", &format!("{}\n", token(63)));
    let output = scan_root(dir.path(), &[]);
    let mut found = rule_ids(&output);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("src/settings.py".into(), "test-generic-secret".into()),
            ("tests/conf.py".into(), "test-generic-secret".into()),
            ("vendor/lib/token.txt".into(), "github-classic-pat".into()),
        ],
        "{}",
        stdout(&output)
    );

    write(
        dir.path(),
        "keyhound.toml",
        &format!("builtin_suppression = false\n{only}{GENERIC_RULE}"),
    );
    let output = scan_root(dir.path(), &[]);
    assert_eq!(
        json_findings(&output).len(),
        9,
        "all back without built-in suppression: {}",
        stdout(&output)
    );
}

#[test]
fn baseline_reports_only_new_findings_and_lists_stale_entries() {
    let dir = tempfile::tempdir().unwrap();
    let (old, gone, new) = (token(70), token(71), token(72));
    write(dir.path(), "a.py", &format!("OLD = '{old}'\nGONE = '{gone}'\n"));
    let output = run(dir.path(), &["baseline", ".", "-o", "base.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let recorded = std::fs::read_to_string(dir.path().join("base.json")).unwrap();
    assert!(!recorded.contains(&old) && !recorded.contains(&gone), "no secret in a baseline");
    assert!(recorded.contains("\"version\": 1") && recorded.contains("secret_sha256"));

    let output = scan_root(dir.path(), &["--baseline", "base.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));

    write(dir.path(), "a.py", &format!("NEW = '{new}'\n\n\nOLD = '{old}'\n"));
    let output = scan_root(dir.path(), &["--baseline", "base.json"]);
    assert_eq!(output.status.code(), Some(1));
    let findings = json_findings(&output);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["line"], 1, "only the new token");
    let err = stderr(&output);
    assert!(
        err.contains("1 entry no longer found") && err.contains("github-classic-pat in a.py"),
        "{err}"
    );
}

#[test]
fn baseline_misuse_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.json", "{\"version\": 9, \"entries\": []}");
    let output = run(dir.path(), &["scan", ".", "--baseline", "bad.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("version 9"), "{}", stderr(&output));
    let output = run(dir.path(), &["baseline", ".", "--format", "json"]);
    assert_eq!(output.status.code(), Some(2));
}

/// A baseline made before history is rewritten still matches after: its identity has no line
/// numbers or commit ids.
#[test]
fn baseline_survives_rebase_reword_and_moved_lines() {
    let repo = git_repo();
    let dir = repo.path();
    let secret = token(80);
    write(dir, "config.py", &format!("import os\n\nTOKEN = '{secret}'\n"));
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "add config"]);
    git(dir, &["checkout", "-qb", "feature"]);
    write(dir, "feature.py", "print('feature')\n");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "feature"]);
    let output = run(dir, &["baseline", ".", "-o", ".keyhound-baseline.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    // main moves on: lines inserted above the secret.
    git(dir, &["checkout", "-q", "main"]);
    write(
        dir,
        "config.py",
        &format!("import os\nimport sys\n\n# settings\nDEBUG = False\nTOKEN = '{secret}'\n"),
    );
    git(dir, &["commit", "-qam", "reorganise config"]);
    // The feature branch is rebased, reworded and squashed.
    git(dir, &["checkout", "-q", "feature"]);
    git(dir, &["rebase", "-q", "main"]);
    git(dir, &["commit", "-q", "--amend", "-m", "feature, reworded"]);
    git(dir, &["reset", "-q", "--soft", "main"]);
    git(dir, &["commit", "-qm", "feature (squashed)"]);

    let plain = scan_root(dir, &[]);
    assert_eq!(json_findings(&plain)[0]["line"], 6, "the secret moved from line 3");
    let output = scan_root(dir, &["--baseline", ".keyhound-baseline.json"]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert!(!stderr(&output).contains("no longer found"), "{}", stderr(&output));
}

#[test]
fn init_writes_a_starter_config_once() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["init"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let written = std::fs::read_to_string(dir.path().join("keyhound.toml")).unwrap();
    assert!(written.contains("builtin_suppression"));
    write(dir.path(), "a.txt", &format!("{}\n", token(90)));
    assert_eq!(run(dir.path(), &["scan", "."]).status.code(), Some(1), "the starter loads");
    std::fs::write(dir.path().join("keyhound.toml"), "# mine\n").unwrap();
    let again = run(dir.path(), &["init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(dir.path().join("keyhound.toml")).unwrap(), "# mine\n");
}

/// History scans honour the same suppressions: path patterns (for files long deleted), inline
/// allows inside old blobs, and a baseline recorded with `--history` after a rebase.
#[test]
fn history_scans_honour_ignore_file_inline_allows_and_baselines() {
    let repo = git_repo();
    let dir = repo.path();
    let (ignored, allowed, kept) = (token(100), token(101), token(102));
    write(dir, "fixtures/old.json", &format!("{{\"t\": \"{ignored}\"}}\n"));
    write(dir, "app.py", &format!("A = '{allowed}'  # keyhound:allow\nB = '{kept}'\n"));
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "leak"]);
    std::fs::remove_file(dir.join("fixtures/old.json")).unwrap();
    write(dir, "app.py", "A = None\n");
    git(dir, &["commit", "-qam", "remove"]);

    let before = scan_root(dir, &["--history"]);
    assert_eq!(json_findings(&before).len(), 2, "{}", stdout(&before));
    write(dir, ".keyhoundignore", "fixtures/\n");
    let after = scan_root(dir, &["--history"]);
    assert_eq!(rule_ids(&after), vec![("app.py".into(), "github-classic-pat".into())]);
    assert_eq!(json_findings(&after)[0]["line"], 2, "the allowed line stays silent");

    let output = run(dir, &["baseline", ".", "--history", "-o", "base.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // Rewrite the history: new commits (other messages, other ids), the secret on another
    // line, the old branch gone.
    git(dir, &["checkout", "-q", "--orphan", "rewritten"]);
    write(
        dir,
        "app.py",
        &format!("# settings\n\nB = '{kept}'\nA = '{allowed}'  # keyhound:allow\n"),
    );
    git(dir, &["add", "app.py"]);
    git(dir, &["commit", "-qm", "settings, reworded"]);
    write(dir, "app.py", "A = None\n");
    git(dir, &["commit", "-qam", "clean up, reworded"]);
    git(dir, &["branch", "-q", "-D", "main"]);
    let plain = scan_root(dir, &["--history"]);
    assert_eq!(json_findings(&plain).len(), 1, "{}", stdout(&plain));
    assert_eq!(json_findings(&plain)[0]["line"], 3, "the secret moved");
    let output = scan_root(dir, &["--history", "--baseline", "base.json"]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert!(!stderr(&output).contains("no longer found"), "{}", stderr(&output));
}

/// Content checks (a committed `.env` file) are suppressed like rule findings.
#[test]
fn check_findings_honour_inline_allows_and_the_ignore_file() {
    let repo = git_repo();
    let dir = repo.path();
    let secret = FakeGen::new(110).string_from(b"abcdefghijklmnopqrstuvwxyz0123456789", 32);
    write(dir, ".env", &format!("# keyhound:allow-next-line\nDB_PASSWORD={secret}\n"));
    write(dir, "svc/.env", &format!("DB_PASSWORD={secret}\n"));
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "config"]);
    let ids_at = |output: &std::process::Output, path: &str| -> Vec<String> {
        json_findings(output)
            .iter()
            .filter(|f| f["path"] == path)
            .map(|f| f["rule_id"].as_str().unwrap().to_string())
            .collect()
    };
    let output = scan_root(dir, &[]);
    assert!(!ids_at(&output, ".env").contains(&"dotenv-secret".to_string()), "{}", stdout(&output));
    assert!(ids_at(&output, "svc/.env").contains(&"dotenv-secret".to_string()));
    write(dir, ".keyhoundignore", "svc/\n");
    let output = scan_root(dir, &[]);
    assert!(ids_at(&output, "svc/.env").is_empty(), "{}", stdout(&output));
}

#[test]
fn a_blob_also_at_an_ignored_path_is_reported_where_it_is_not_ignored() {
    // The history walk sees each blob once; whichever path it meets first, the blob must be
    // scanned under the path that is not ignored.
    for (ignored, kept) in [("aaa/copy.py", "zzz/app.py"), ("zzz/copy.py", "aaa/app.py")] {
        let repo = git_repo();
        let dir = repo.path();
        let content = format!("TOKEN = \"{}\"\n", token(41));
        write(dir, ignored, &content);
        write(dir, kept, &content);
        write(dir, ".keyhoundignore", &format!("{}\n", ignored.split('/').next().unwrap()));
        commit_all(dir, "Add the same file twice");
        let (output, findings) = scan_json(dir, &["--history-only", "."]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let paths: Vec<&str> = findings.iter().map(|f| f["path"].as_str().unwrap()).collect();
        assert_eq!(paths, vec![kept], "ignored {ignored}");
    }
}

#[test]
fn staged_scans_honour_inline_allows_the_ignore_file_and_baselines() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "README.md", "hello\n");
    commit_all(dir, "Initial commit");
    let (allowed, ignored, known, fresh) = (token(51), token(52), token(53), token(54));
    write(dir, "allowed.py", &format!("T = \"{allowed}\"  # keyhound:allow github-classic-pat\n"));
    write(dir, "fixtures/ignored.py", &format!("T = \"{ignored}\"\n"));
    write(dir, ".keyhoundignore", "fixtures/\n");
    write(dir, "known.py", &format!("T = \"{known}\"\n"));
    git(dir, &["add", "-A"]);
    let baseline = run(dir, &["baseline", "--staged", "-o", "base.json", "."]);
    assert_eq!(baseline.status.code(), Some(0), "{}", stderr(&baseline));

    write(dir, "fresh.py", &format!("T = \"{fresh}\"\n"));
    git(dir, &["add", "fresh.py"]);
    let (output, findings) = scan_json(dir, &["--staged", "--baseline", "base.json", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let paths: Vec<&str> = findings.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["fresh.py"], "only the new, unsuppressed secret");
}
