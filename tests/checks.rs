//! The header and `.env` checks, end to end: the real binary on files in real git
//! repositories, plus library-level tests with a test-only provider rules file.

mod common;

use common::{
    FakeGen, commit_all, git, git_repo, json_findings, run, scan_json, stderr, stdout, write,
};
use keyhound::{classify::ValueFilter, engine::Engine, model::Tracking, pipeline::Pipeline, rules};

fn ids(findings: &[serde_json::Value]) -> Vec<String> {
    let mut ids: Vec<String> =
        findings.iter().map(|f| f["rule_id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids
}

fn ids_at(findings: &[serde_json::Value], path: &str) -> Vec<String> {
    let at: Vec<_> = findings.iter().filter(|f| f["path"] == path).cloned().collect();
    ids(&at)
}

/// The findings of `keyhound scan . --format json` in `dir` (exit 0 or 1).
fn scan_findings(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let (output, findings) = scan_json(dir, &["."]);
    assert!(output.status.code().is_some_and(|c| c <= 1), "{}", stderr(&output));
    findings
}

#[test]
fn a_committed_env_file_is_found_in_a_working_tree_scan() {
    let repo = git_repo();
    let dir = repo.path();
    let mut fake = FakeGen::new(1);
    let secret = fake.string_from(b"abcdefghijklmnopqrstuvwxyz0123456789", 32);
    write(dir, ".env", &format!("DB_PASSWORD={secret}\nLOG_LEVEL=debug\nAPI_KEY=${{API_KEY}}\n"));
    write(dir, "config/.env.production", "SESSION_SECRET=changeme\n");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "config"]);
    write(dir, ".env.local", &format!("STRIPE_TOKEN={secret}\n"));

    let findings = scan_findings(dir);
    assert_eq!(ids_at(&findings, ".env"), ["dotenv-committed", "dotenv-secret"]);
    assert_eq!(ids_at(&findings, "config/.env.production"), ["dotenv-committed"]);
    assert_eq!(ids_at(&findings, ".env.local"), ["dotenv-present", "dotenv-secret"]);
    let secret_finding =
        findings.iter().find(|f| f["rule_id"] == "dotenv-secret" && f["path"] == ".env").unwrap();
    assert_eq!(secret_finding["line"], 1);
    assert_eq!(secret_finding["column"], 13);
    assert!(!stdout(&run(dir, &["scan", "--format", "json"])).contains(&secret));

    // Scanning a subdirectory still knows what the repository tracks.
    let sub = run(&dir.join("config"), &["scan", ".", "--format", "json"]);
    assert_eq!(ids(&json_findings(&sub)), ["dotenv-committed"]);
}

#[test]
fn an_ignored_env_file_is_left_alone_unless_no_ignore() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, ".gitignore", ".env\n");
    write(dir, ".env", "GITHUB_TOKEN=Zk3pQ9vX2mL7nB4cR8tY1wE6\n");
    assert!(scan_findings(dir).is_empty());
    let output = run(dir, &["scan", ".", "--no-ignore", "--format", "json"]);
    assert_eq!(ids(&json_findings(&output)), ["dotenv-present", "dotenv-secret"]);
}

#[test]
fn an_env_example_with_placeholders_yields_nothing() {
    let repo = git_repo();
    let dir = repo.path();
    write(
        dir,
        ".env.example",
        "OPENAI_API_KEY=\nGITHUB_TOKEN=your-token-here\nDATABASE_URL=postgres://user:password@localhost/app\nSECRET_KEY=${SECRET_KEY}\nexport JWT_SECRET=changeme\n",
    );
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "template"]);
    let output = run(dir, &["scan", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn an_env_example_holding_a_real_looking_secret_is_reported() {
    let repo = git_repo();
    let dir = repo.path();
    let token = FakeGen::new(7).crc32_token("ghp_");
    write(dir, ".env.example", &format!("GITHUB_TOKEN={token}\nLOG_LEVEL=info\n"));
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "oops"]);
    let findings = scan_findings(dir);
    assert_eq!(ids(&findings), ["dotenv-committed", "dotenv-secret", "github-classic-pat"]);
}

#[test]
fn an_env_file_outside_a_repository_is_present_not_committed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/.env", "SMTP_PASSWORD=Zk3pQ9vX2mL7nB4c\n");
    write(dir.path(), "app/.envrc", "export AWS_REGION=eu-west-1\n");
    let (_, findings) = scan_json(dir.path(), &[".", "--confidence", "low"]);
    assert_eq!(ids_at(&findings, "app/.env"), ["dotenv-present", "dotenv-secret"]);
    assert_eq!(ids_at(&findings, "app/.envrc"), ["dotenv-present"]);
    let present = findings.iter().find(|f| f["rule_id"] == "dotenv-present").unwrap();
    assert_eq!(present["severity"], "low");
    // One file given directly is classified by its name too.
    let one = run(dir.path(), &["scan", "app/.env", "--format", "json"]);
    assert_eq!(ids(&json_findings(&one)), ["dotenv-present", "dotenv-secret"]);
}

/// One source file per language, each line a case; returns findings by rule id and line.
fn header_findings(files: &[(&str, String)]) -> Vec<(String, String, u64)> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    // every confidence: a lower-case `bearer` before a variable is reported at `low`
    let output = run(dir.path(), &["scan", ".", "--format", "json", "--confidence", "low"]);
    let mut found: Vec<(String, String, u64)> = json_findings(&output)
        .iter()
        .filter(|f| f["provider"] == "HTTP authentication")
        .map(|f| {
            assert_eq!(f["severity"], "medium");
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

fn at(path: &str, rule: &str, line: u64) -> (String, String, u64) {
    (path.to_string(), rule.to_string(), line)
}

#[test]
fn bearer_case_in_every_language() {
    let files = [
        (
            "a.py",
            "import os\nh = {\"Authorization\": f\"bearer {os.environ['GITHUB_TOKEN']}\"}\nok = {\"Authorization\": f\"Bearer {os.environ['GITHUB_TOKEN']}\"}\n".to_string(),
        ),
        (
            "b.ts",
            "const h = { Authorization: `bearer ${token}` };\nconst k = { Authorization: `Bearer ${token}` };\n".to_string(),
        ),
        ("c.go", "req.Header.Set(\"Authorization\", \"BEARER \"+token)\n".to_string()),
        ("D.java", "conn.setRequestProperty(\"Authorization\", \"bearer \" + token);\n".to_string()),
        ("e.sh", "curl -H \"Authorization: bearer $GITHUB_TOKEN\" https://api.github.com/user\n".to_string()),
        ("f.yaml", "headers:\n  Authorization: bearer {{ .Values.token }}\n  token_type: bearer\n".to_string()),
    ];
    assert_eq!(
        header_findings(&files),
        [
            at("D.java", "header-bearer-case", 1),
            at("a.py", "header-bearer-case", 2),
            at("b.ts", "header-bearer-case", 1),
            at("c.go", "header-bearer-case", 1),
            at("e.sh", "header-bearer-case", 1),
            at("f.yaml", "header-bearer-case", 2),
        ]
    );
}

#[test]
fn wrong_scheme_and_hardcoded_keys_in_every_language() {
    let token = FakeGen::new(3).crc32_token("ghp_");
    let files = [
        ("a.py", "h = {\"Authorization\": os.environ[\"GITHUB_TOKEN\"]}\n".to_string()),
        (
            "b.js",
            "fetch(u, { headers: { Authorization: process.env.GITHUB_TOKEN } })\n".to_string(),
        ),
        ("c.go", "req.Header.Set(\"Authorization\", os.Getenv(\"GITHUB_TOKEN\"))\n".to_string()),
        ("D.java", format!("b.header(\"Authorization\", \"Basic {token}\");\n")),
        (
            "e.sh",
            format!(
                "curl -H 'Authorization: {token}' https://api.github.com/user\ncurl -H \"Authorization: token $GITHUB_TOKEN\" https://api.github.com/user\n"
            ),
        ),
        ("f.yml", "env:\n  Authorization: ${{ secrets.GITHUB_TOKEN }}\n".to_string()),
    ];
    assert_eq!(
        header_findings(&files),
        [
            at("D.java", "header-hardcoded-key", 1),
            at("D.java", "header-wrong-scheme", 1),
            at("a.py", "header-wrong-scheme", 1),
            at("b.js", "header-wrong-scheme", 1),
            at("c.go", "header-wrong-scheme", 1),
            at("e.sh", "header-hardcoded-key", 1),
            at("e.sh", "header-wrong-scheme", 1),
            at("f.yml", "header-wrong-scheme", 2),
        ]
    );
}

#[test]
fn wrong_header_name_in_every_language() {
    let token = FakeGen::new(4).crc32_token("ghp_");
    let files = [
        ("a.py", "requests.get(u, headers={\"x-api-key\": os.environ[\"GITHUB_TOKEN\"]})\nrequests.get(u, headers={\"x-api-key\": os.environ[\"ACME_KEY\"]})\n".to_string()),
        ("b.ts", "const h = { \"X-API-Key\": process.env.GITHUB_TOKEN };\n".to_string()),
        ("c.go", "req.Header.Set(\"X-Api-Key\", os.Getenv(\"GITHUB_TOKEN\"))\n".to_string()),
        ("D.java", "request.addHeader(\"x-api-key\", System.getenv(\"GITHUB_TOKEN\"));\n".to_string()),
        ("e.sh", format!("curl -H \"x-api-key: {token}\" https://api.github.com/user\n")),
        ("f.yaml", "headers:\n  x-api-key: ${{ secrets.GITHUB_TOKEN }}\n".to_string()),
    ];
    assert_eq!(
        header_findings(&files),
        [
            at("D.java", "header-wrong-name", 1),
            at("a.py", "header-wrong-name", 1),
            at("b.ts", "header-wrong-name", 1),
            at("c.go", "header-wrong-name", 1),
            at("e.sh", "header-hardcoded-key", 1),
            at("e.sh", "header-wrong-name", 1),
            at("f.yaml", "header-wrong-name", 2),
        ]
    );
}

#[test]
fn keys_in_query_strings_in_every_language() {
    let token = FakeGen::new(5).crc32_token("ghp_");
    let files = [
        ("a.py", "requests.get(f\"https://api.github.com/user?access_token={os.environ['GITHUB_TOKEN']}\")\nrequests.get(\"https://example.test/search?key=value\")\n".to_string()),
        ("b.js", "fetch(`https://api.github.com/repos?per_page=5&access_token=${process.env.GITHUB_TOKEN}`)\n".to_string()),
        ("c.go", "http.Get(\"https://api.github.com/user?access_token=\" + os.Getenv(\"GITHUB_TOKEN\"))\n".to_string()),
        ("D.java", "URL url = new URL(\"https://api.github.com/user?access_token=\" + token);\n".to_string()),
        ("e.sh", format!("curl \"https://api.github.com/user?access_token={token}\"\n")),
        ("f.yaml", "check:\n  url: https://api.github.com/user?token=${GITHUB_TOKEN}\n".to_string()),
    ];
    assert_eq!(
        header_findings(&files),
        [
            at("D.java", "key-in-query-string", 1),
            at("a.py", "key-in-query-string", 1),
            at("b.js", "key-in-query-string", 1),
            at("c.go", "key-in-query-string", 1),
            at("e.sh", "key-in-query-string", 1),
            at("f.yaml", "key-in-query-string", 2),
        ]
    );
}

#[test]
fn a_header_read_from_the_environment_in_the_right_form_is_never_reported() {
    let files = [
        ("a.py", "h = {\"Authorization\": f\"Bearer {os.environ['GITHUB_TOKEN']}\"}\nh2 = {\"Authorization\": \"token \" + os.environ[\"GITHUB_TOKEN\"]}\n".to_string()),
        ("b.ts", "const h = { Authorization: `Bearer ${process.env.GITHUB_TOKEN}` };\n".to_string()),
        ("c.go", "req.Header.Set(\"Authorization\", \"Bearer \"+os.Getenv(\"GITHUB_TOKEN\"))\n".to_string()),
        ("D.java", "b.header(\"Authorization\", \"Bearer \" + System.getenv(\"GITHUB_TOKEN\"));\n".to_string()),
        ("e.sh", "curl -H \"Authorization: Bearer $GITHUB_TOKEN\" https://api.github.com/user\n".to_string()),
        ("f.yaml", "  Authorization: Bearer ${{ secrets.GITHUB_TOKEN }}\n".to_string()),
        ("g.http", "GET https://api.github.com/user\nAuthorization: Bearer {{token}}\n".to_string()),
    ];
    assert_eq!(header_findings(&files), []);
}

#[test]
fn text_output_explains_the_header_problem_and_the_dotenv_advice() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.py", "h = {\"Authorization\": f\"bearer {key}\"}\n");
    write(dir.path(), ".env", "API_TOKEN=Zk3pQ9vX2mL7nB4cR8tY\n");
    let output = run(dir.path(), &["scan", ".", "--confidence", "low"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("medium (low confidence) [header-bearer-case]"), "{text}");
    assert!(text.contains("why: The header reads `bearer <key>`"), "{text}");
    assert!(text.contains("How to rotate HTTP authentication credentials:"), "{text}");
    assert!(text.contains("How to rotate .env file credentials:"), "{text}");
    assert!(text.contains("Deleting the file or the line does not help"), "{text}");
    assert!(!text.contains("Zk3pQ9vX2mL7nB4cR8tY"), "{text}");
    let default = json_findings(&run(dir.path(), &["scan", ".", "--format", "json"]));
    assert!(default.iter().all(|f| f["rule_id"] != "header-bearer-case"), "low is hidden");
    let json =
        json_findings(&run(dir.path(), &["scan", ".", "--format", "json", "--confidence", "low"]));
    let header = json.iter().find(|f| f["rule_id"] == "header-bearer-case").unwrap();
    assert_eq!(header["confidence"], "low");
    assert!(header["description"].as_str().unwrap().contains("401"));
    assert!(header["rotation"]["reissue"].as_str().unwrap().contains("Bearer"));
}

#[test]
fn explain_prints_advice_and_unknown_ids_get_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["explain", "github-classic-pat"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.contains("Revoke:") && text.contains("https://github.com/settings/tokens"));
    assert!(text.contains("Authorization: Bearer $GITHUB_TOKEN"), "{text}");
    let unknown = run(dir.path(), &["explain", "header-wrong-schema"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        stderr(&unknown).trim(),
        "keyhound: error: unknown rule `header-wrong-schema`; did you mean header-wrong-scheme, header-wrong-name?"
    );
}

#[test]
fn max_key_age_must_be_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["scan", ".", "--max-key-age", "soon"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(run(dir.path(), &["scan", ".", "--max-key-age", "30"]).status.code(), Some(0));
}

/// A provider that only accepts `Authorization: Bearer` (like OpenAI) and one that only
/// accepts `x-api-key` (like Anthropic), as test-only rules.
const TEST_PROVIDERS: &str = r#"
provider = "Acme"
[rotation]
revoke = "Delete the key on the Acme console keys page."
reissue = "Create a new key on the Acme console keys page."
verify = "Check the Acme usage page for calls after revocation."
docs = "https://acme.invalid/docs/keys"
[auth]
headers = ["Authorization: Bearer"]
hosts = ["api.acme.invalid"]

[[rules]]
id = "acme-key"
name = "Acme API key"
severity = "critical"
regex = '''\b(?P<secret>acme-[A-Za-z0-9]{32})\b'''
positive = ["acme-{{alnum:32}}"]

[[rules]]
id = "zeta-key"
name = "Zeta API key"
provider = "Zeta"
severity = "critical"
regex = '''\b(?P<secret>zeta-[A-Za-z0-9]{32})\b'''
positive = ["zeta-{{alnum:32}}"]
auth = { headers = ["x-api-key"], hosts = ["api.zeta.invalid"] }
"#;

fn library_scan(path: &str, text: &str) -> Vec<String> {
    let mut all = rules::builtin_rules().unwrap();
    all.extend(rules::parse_rules_file("providers.toml", TEST_PROVIDERS).unwrap());
    let pipeline = Pipeline::builtin(Engine::new(all, ValueFilter::standard()).unwrap());
    let mut found: Vec<String> = pipeline
        .scanner()
        .scan(path, text.as_bytes(), Tracking::Committed)
        .into_iter()
        .map(|f| f.rule.id.clone())
        .collect();
    found.sort();
    found
}

#[test]
fn token_scheme_for_a_bearer_only_provider_is_a_wrong_scheme() {
    let key = format!("acme-{}", FakeGen::new(9).string_from(b"abcdefghijkLMNOP0123456789", 32));
    assert_eq!(
        library_scan("a.py", "h = {\"Authorization\": f\"Token {os.environ['ACME_API_KEY']}\"}"),
        ["header-wrong-scheme"]
    );
    assert_eq!(
        library_scan("a.sh", "curl -H 'Authorization: Token $KEY' https://api.acme.invalid/v1"),
        ["header-wrong-scheme"]
    );
    assert_eq!(
        library_scan("a.go", &format!("req.Header.Set(\"Authorization\", \"Token {key}\")")),
        ["acme-key", "header-hardcoded-key", "header-wrong-scheme"]
    );
    assert_eq!(
        library_scan("a.py", "h = {\"Authorization\": f\"Bearer {os.environ['ACME_API_KEY']}\"}"),
        Vec::<String>::new()
    );
}

#[test]
fn header_names_follow_each_providers_auth_table() {
    // A Bearer-only key in x-api-key, and an x-api-key-only key in Authorization: Bearer.
    assert_eq!(
        library_scan("a.ts", "const h = { \"x-api-key\": process.env.ACME_API_KEY };"),
        ["header-wrong-name"]
    );
    assert_eq!(
        library_scan("a.py", "h = {\"Authorization\": f\"Bearer {os.environ['ZETA_API_KEY']}\"}"),
        ["header-wrong-name"]
    );
    assert_eq!(
        library_scan("a.py", "h = {\"x-api-key\": os.environ[\"ZETA_API_KEY\"]}"),
        Vec::<String>::new()
    );
    assert_eq!(
        library_scan("a.sh", "curl -H \"Authorization: Bearer $KEY\" https://api.zeta.invalid/v1"),
        ["header-wrong-name"]
    );
}

#[test]
fn a_provider_finding_and_a_dotenv_secret_may_share_a_line_but_not_two_dotenv_findings() {
    let key = format!("acme-{}", FakeGen::new(11).string_from(b"abcdefghijkLMNOP0123456789", 32));
    let found = library_scan(".env", &format!("ACME_API_KEY={key}\nACME_API_KEY_2={key}\n"));
    assert_eq!(
        found,
        ["acme-key", "acme-key", "dotenv-committed", "dotenv-secret", "dotenv-secret"]
    );
}

#[test]
fn a_deleted_env_file_is_found_in_history_with_its_commit_advice_and_age() {
    let repo = git_repo();
    let dir = repo.path();
    let secret = FakeGen::new(31).crc32_token("ghp_");
    write(dir, "app/.env.production", &format!("DEBUG=0\nGITHUB_TOKEN={secret}\n"));
    let added = commit_all(dir, "Add production env");
    git(dir, &["rm", "-q", "app/.env.production"]);
    commit_all(dir, "Remove env");

    let (output, findings) = scan_json(dir, &["--history-only", "--max-key-age", "30", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let committed = findings
        .iter()
        .find(|f| f["rule_id"] == "dotenv-committed")
        .expect("the deleted .env file is reported");
    assert_eq!(committed["path"], "app/.env.production");
    assert_eq!(committed["commit"]["id"], added.as_str());
    assert_eq!(committed["history"]["in_head"], false);
    // The test repositories commit on 2024-01-02: long past a 30-day policy.
    assert!(committed["exposure_days"].as_u64().unwrap() > 30);
    assert_eq!(committed["rotation_overdue"], true);
    assert!(committed["history_advice"].as_str().unwrap().contains("Revoke it first"));
    assert!(committed["rotation"]["revoke"].as_str().is_some_and(|s| !s.is_empty()));
    let rules: Vec<&str> = findings.iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert!(rules.contains(&"github-classic-pat") && rules.contains(&"dotenv-secret"), "{rules:?}");

    let text = stdout(&run(dir, &["scan", "--history-only", "--max-key-age", "30", "."]));
    // The text report wraps to 80 columns: compare with the line breaks taken out.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains(&format!("commit: {} by Ada Lovelace", &added[..12])), "{text}");
    assert!(text.contains("since 2024-01-02; OVERDUE for rotation"), "{text}");
    assert!(text.contains("How to rotate GitHub credentials:"), "{text}");
    assert!(text.contains("deleting the line or the file in a new commit does not remove it"));
}

#[test]
fn cassette_headers_nkey_seeds_and_configured_salts_are_found_and_code_salts_are_not() {
    let mut fake = FakeGen::new(0x5eed);
    let seed = fake.expand("{{nkey:U}}").unwrap();
    let bearer = fake.expand("{{hex:64}}").unwrap();
    let salt = fake.expand("{{alnum:24}}").unwrap();
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "deploy/app.creds", &format!("------BEGIN USER NKEY SEED------\n{seed}\n"));
    write(
        dir,
        "spec/cassettes/login.yml",
        &format!("  request:\n    headers:\n      Authorization:\n      - Bearer {bearer}\n"),
    );
    write(dir, "config/app.yml", &format!("password_salt: {salt}\n"));
    write(dir, "lib/crypto.rb", &format!("salt = \"{salt}\"\n"));
    commit_all(dir, "fixtures");
    let (output, findings) = scan_json(dir, &["--confidence", "low"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let found = |path: &str| -> Vec<(String, u64, String)> {
        let mut at: Vec<_> = findings
            .iter()
            .filter(|f| f["path"] == path)
            .map(|f| {
                let text = |key: &str| f[key].as_str().unwrap().to_string();
                (text("rule_id"), f["line"].as_u64().unwrap(), text("confidence"))
            })
            .collect();
        at.sort();
        at
    };
    let one = |rule: &str, line: u64, confidence: &str| {
        vec![(rule.to_string(), line, confidence.to_string())]
    };
    assert_eq!(found("deploy/app.creds"), one("nats-nkey-seed", 2, "high"));
    assert_eq!(found("spec/cassettes/login.yml"), one("header-hardcoded-key", 4, "medium"));
    assert_eq!(found("config/app.yml"), one("salt-or-nonce-assignment", 1, "medium"));
    assert_eq!(found("lib/crypto.rb"), vec![], "a salt in code is a test's or a protocol's");
}
