//! The working-tree scan end to end: a tree with fake tokens of many providers (built here,
//! format-valid, checksums included) and placeholders, scanned by the real binary.

mod common;

use common::{FakeGen, json_findings, run, stderr, stdout, write};

/// (file, rule that must report it, content with `{{...}}` fake-token templates).
const PLANTED: &[(&str, &str, &str)] = &[
    (
        "src/github.py",
        "github-classic-pat",
        "session.headers['Authorization'] = 'Bearer {{crc32:ghp_}}'\n",
    ),
    (
        "ci/gitlab.yml",
        "gitlab-personal-access-token",
        "variables:\n  GITLAB_TOKEN: glpat-{{b64url:20}}\n",
    ),
    (
        "deploy/aws.tf",
        "aws-access-key-id",
        "provider \"aws\" {\n  access_key = \"AKIA{{upper:16}}\"\n}\n",
    ),
    (
        "src/slack.js",
        "slack-bot-token",
        "const slack = new WebClient('xoxb-{{digits:12}}-{{digits:13}}-{{alnum:24}}');\n",
    ),
    ("src/billing.rb", "stripe-secret-key", "Stripe.api_key = 'sk_live_{{alnum:24}}'\n"),
    (
        "src/ai.ts",
        "openai-project-key",
        "const openai = new OpenAI({ apiKey: 'sk-proj-{{b64url:74}}T3BlbkFJ{{alnum:74}}' });\n",
    ),
    (
        "src/claude.py",
        "anthropic-api-key",
        "client = Anthropic(api_key=\"sk-ant-api03-{{b64url:93}}AA\")\n",
    ),
    (
        "web/firebase.js",
        "google-api-key",
        "const config = { apiKey: \"AIza{{b64url:35}}\", projectId: \"demo\" };\n",
    ),
    (
        "conf/storage.cs",
        "azure-storage-account-key",
        "var conn = \"DefaultEndpointsProtocol=https;AccountName=acct01;AccountKey={{b64:86}}==;EndpointSuffix=core.windows.net\";\n",
    ),
    ("conf/npmrc.txt", "npm-access-token", "//registry.npmjs.org/:_authToken={{crc32:npm_}}\n"),
    (
        "conf/pypirc.ini",
        "pypi-upload-token",
        "[pypi]\npassword = pypi-AgEIcHlwaS5vcmc{{b64url:150}}\n",
    ),
    ("conf/gem.sh", "rubygems-api-key", "export GEM_HOST_API_KEY=rubygems_{{hex:48}}\n"),
    (
        "ci/docker.sh",
        "dockerhub-access-token",
        "echo dckr_pat_{{b64url:27}} | docker login -u bot --password-stdin\n",
    ),
    ("ml/hub.py", "huggingface-access-token", "login(token=\"hf_{{alpha:34}}\")\n"),
    ("infra/do.go", "digitalocean-token", "client := godo.NewFromToken(\"dop_v1_{{hex:64}}\")\n"),
    ("infra/heroku.sh", "heroku-api-key", "heroku_key=HRKU-AA{{b64url:58}}\n"),
    ("infra/vault.hcl", "vault-token", "token = \"hvs.{{alnum:24}}\"\n"),
    ("infra/doppler.yml", "doppler-service-token", "doppler_token: dp.st.prd.{{alnum:43}}\n"),
    (
        "data/databricks.py",
        "databricks-personal-access-token",
        "DATABRICKS_TOKEN = \"dapi{{hex:32}}\"\n",
    ),
    ("ops/datadog.yaml", "datadog-api-key", "datadog:\n  dd_api_key: {{hex:32}}\n"),
    ("ops/newrelic.js", "newrelic-user-api-key", "const key = 'NRAK-{{upper:27}}';\n"),
    ("ops/sentry.py", "sentry-user-auth-token", "SENTRY_AUTH_TOKEN = \"sntryu_{{hex:64}}\"\n"),
    (
        "mail/sendgrid.java",
        "sendgrid-api-key",
        "SendGrid sg = new SendGrid(\"SG.{{b64url:22}}.{{b64url:43}}\");\n",
    ),
    ("mail/mailgun.php", "mailgun-api-key", "$mailgun = Mailgun::create('key-{{hex:32}}');\n"),
    (
        "mail/mailchimp.py",
        "mailchimp-api-key",
        "client.set_config({\"api_key\": \"{{hex:32}}-us21\"})\n",
    ),
    (
        "shop/shopify.rb",
        "shopify-access-token",
        "session = ShopifyAPI::Session.new(token: 'shpat_{{hex:32}}')\n",
    ),
    (
        "pay/braintree.py",
        "paypal-braintree-access-token",
        "gateway = BraintreeGateway(access_token=\"access_token$production${{lower:16}}${{hex:32}}\")\n",
    ),
    (
        "chat/discord.py",
        "discord-webhook-url",
        "WEBHOOK = \"https://discord.com/api/webhooks/{{digits:19}}/{{b64url:68}}\"\n",
    ),
    (
        "chat/telegram.sh",
        "telegram-bot-token",
        "curl https://api.telegram.org/bot{{digits:10}}:AA{{b64url:33}}/getMe\n",
    ),
    (
        "chat/linear.ts",
        "linear-api-key",
        "const linear = new LinearClient({ apiKey: 'lin_api_{{alnum:40}}' });\n",
    ),
    (
        "docs/notion.js",
        "notion-api-token",
        "const notion = new Client({ auth: 'ntn_{{digits:11}}{{alnum:35}}' });\n",
    ),
    ("ci/atlassian.sh", "atlassian-api-token", "JIRA_TOKEN=ATATT3xFfGF0{{b64url:171}}={{HEX:8}}\n"),
    ("ci/bitbucket.sh", "bitbucket-app-password", "BB_PASS=ATBB{{alnum:24}}{{HEX:8}}\n"),
    (
        "db/settings.py",
        "database-url-postgres",
        "DATABASE = \"postgres://app:{{alnum:20}}@db.internal:5432/app\"\n",
    ),
    (
        "db/cache.js",
        "database-url-redis",
        "const redis = new Redis('redis://default:{{alnum:24}}@cache.internal:6379');\n",
    ),
    (
        "keys/deploy_key",
        "private-key-rsa",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA{{b64:48}}\n{{b64:64}}\n{{b64:64}}\n{{b64:40}}\n-----END RSA PRIVATE KEY-----\n",
    ),
];

/// Placeholders and documented examples: none may be reported.
const PLACEHOLDERS: &str = r#"
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
GITHUB_TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
openai.api_key = "sk-proj-your-api-key-here"
stripe_key = "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"
token = "${GITHUB_TOKEN}"
password = "<PASSWORD>"
api_key = process.env.API_KEY
SLACK_TOKEN=xoxb-your-token
DATABASE_URL = "postgres://user:password@localhost/db"
secret = "changeme"
"#;

fn planted_tree() -> (tempfile::TempDir, Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let mut fake = FakeGen::new(20_241_122);
    let mut expected = Vec::new();
    for (path, rule, template) in PLANTED {
        write(dir.path(), path, &fake.expand(template).unwrap());
        expected.push((path.to_string(), rule.to_string()));
    }
    write(dir.path(), "docs/placeholders.md", PLACEHOLDERS);
    (dir, expected)
}

#[test]
fn every_planted_token_is_reported_once_and_no_placeholder() {
    let (dir, expected) = planted_tree();
    let providers: std::collections::HashSet<_> =
        expected.iter().map(|(_, r)| r.split('-').next().unwrap()).collect();
    assert!(providers.len() >= 30, "the tree covers {} providers", providers.len());

    let output = run(dir.path(), &["scan", "--format", "json", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = json_findings(&output);
    let mut reported: Vec<(String, String)> = findings
        .iter()
        .map(|f| {
            (f["path"].as_str().unwrap().to_string(), f["rule_id"].as_str().unwrap().to_string())
        })
        .collect();
    reported.sort();
    let mut expected = expected;
    // The GitHub line also sends a literal token in a header: the header check says so.
    expected.push(("src/github.py".into(), "header-hardcoded-key".into()));
    expected.sort();
    assert_eq!(reported, expected, "each planted token once, nothing else");
    for finding in &findings {
        assert!(finding["rotation"]["revoke"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(finding["secret"].as_str().unwrap().len(), 8, "redacted: {}", finding["secret"]);
    }
}

#[test]
fn text_report_shows_location_rule_and_rotation_hint_but_not_the_secret() {
    let (dir, _) = planted_tree();
    let secret = std::fs::read_to_string(dir.path().join("src/github.py")).unwrap();
    let token = secret.split("Bearer ").nth(1).unwrap().trim_end_matches("'\n");
    let output = run(dir.path(), &["scan", "."]);
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        report.contains("src/github.py:1:44: critical (high confidence) [github-classic-pat]"),
        "{report}"
    );
    assert!(report.contains("rotate: Personal tokens: https://github.com/settings/tokens"));
    assert!(report.contains("How to rotate GitHub credentials:"));
    assert!(!report.contains(token), "the text report leaked a secret");

    let shown = run(dir.path(), &["scan", "--show-secrets", "--format", "jsonl", "."]);
    assert!(stdout(&shown).contains(token), "--show-secrets prints the secret");
    assert_eq!(stdout(&shown).lines().count(), PLANTED.len() + 1);
}

#[test]
fn clean_tree_exits_zero_and_output_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "docs/placeholders.md", PLACEHOLDERS);
    let report = dir.path().join("report.json");
    let output = run(dir.path(), &["scan", "-f", "json", "-o", report.to_str().unwrap(), "docs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(written, serde_json::json!([]));
}

/// The README's quick start scans this repository: its own fixtures (rule examples, the header
/// corpus, fake-token builders) are deliberate and listed in `.keyhoundignore`, so the scan a
/// new user runs first is clean.
#[test]
fn the_quick_start_scan_of_this_repository_is_clean() {
    let output = run(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &["scan", "."]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
}

#[test]
fn standard_input_is_scanned_as_dash() {
    let token = FakeGen::new(3).crc32_token("ghp_");
    let mut child = common::keyhound()
        .args(["scan", "-f", "jsonl", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(format!("x\ntoken: {token}\n").as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!((line["path"].as_str(), line["line"].as_u64()), (Some("-"), Some(2)));
}

#[test]
fn gitignored_binary_and_oversize_files_are_skipped_unless_asked() {
    let dir = common::git_repo();
    let token = FakeGen::new(4).crc32_token("ghp_");
    write(dir.path(), ".gitignore", "ignored.txt\n");
    write(dir.path(), "ignored.txt", &format!("t = {token}\n"));
    std::fs::write(dir.path().join("blob.bin"), format!("\0binary {token}")).unwrap();
    write(dir.path(), "big.txt", &format!("{}\nt = {token}\n", "x".repeat(4096)));
    let quiet = run(dir.path(), &["scan", "--max-file-size", "1K", "."]);
    assert_eq!(quiet.status.code(), Some(0), "{}", stdout(&quiet));
    assert!(stdout(&quiet).contains("skipped 1 binary and 1 over-size file(s)"));

    let loud = run(dir.path(), &["scan", "--no-ignore", "-f", "jsonl", "."]);
    let paths: Vec<String> = stdout(&loud)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(paths, vec!["big.txt", "ignored.txt"]);
}

#[test]
fn bad_input_warns_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let token = FakeGen::new(5).crc32_token("ghp_");
    std::fs::write(
        dir.path().join("latin1.txt"),
        [b"caf\xe9 = ".as_slice(), token.as_bytes()].concat(),
    )
    .unwrap();
    std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
    let output = run(dir.path(), &["scan", "-f", "json", "."]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("latin1.txt: not valid UTF-8; scanned as bytes"),
        "{}",
        stderr(&output)
    );
    assert_eq!(json_findings(&output)[0]["column"], 8);
}

#[test]
fn usage_and_runtime_errors_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let missing = run(dir.path(), &["scan", "no-such-dir"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).starts_with("keyhound: error: no-such-dir: no such file or directory")
    );
    assert_eq!(run(dir.path(), &["scan", "--format", "xml"]).status.code(), Some(2));
    assert_eq!(run(dir.path(), &["scan", "--max-file-size", "12Q"]).status.code(), Some(2));
}

#[test]
fn rules_lists_builtin_rules_and_checks_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let list = run(dir.path(), &["rules"]);
    assert_eq!(list.status.code(), Some(0));
    assert!(stdout(&list).lines().count() >= 80, "at least 80 rules");
    assert!(stdout(&list).contains("github-classic-pat"));

    let bad = write(
        dir.path(),
        "bad.toml",
        "provider = \"X\"\n[[rules]]\nid = \"x\"\nname = \"x\"\nseverity = \"high\"\nregex = '''x_[a-z'''\n",
    );
    let output = run(dir.path(), &["rules", "--check", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("bad.toml:"), "{message}");
}

#[test]
fn a_made_up_provider_value_is_reported_at_low_confidence_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut fake = FakeGen::new(11);
    let typed = fake.expand("Stripe.api_key = 'sk_live_{{alnum:16}}12345678'\n").unwrap();
    write(dir.path(), "docs/billing.rb", &typed);
    write(dir.path(), "docs/other.rb", "Stripe.api_key = 'sk_live_xxxxxxxxxxxxxxxxxxxxxxxx'\n");
    // the default level stays quiet on it
    let (output, findings) = common::scan_json(dir.path(), &["."]);
    assert_eq!((output.status.code(), findings.len()), (Some(0), 0), "{}", stdout(&output));
    let (output, findings) = common::scan_json(dir.path(), &[".", "--confidence", "low"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings.len(), 1, "the placeholder is still dropped: {findings:?}");
    let finding = &findings[0];
    assert_eq!(finding["rule_id"], "stripe-secret-key");
    assert_eq!(finding["confidence"], "low");
    assert!(finding["confidence_reason"].as_str().unwrap().contains("typed run"), "{finding}");
    let text = stdout(&run(dir.path(), &["--color", "never", "scan", ".", "--confidence", "low"]));
    assert!(text.contains("(low confidence) [stripe-secret-key]"), "{text}");
    assert!(text.contains("low confidence: the value holds"), "{text}");
}

#[test]
fn a_plain_connection_password_is_judged_as_a_chosen_one_and_a_bad_checksum_shown_at_low() {
    let dir = tempfile::tempdir().unwrap();
    let mut fake = FakeGen::new(12);
    let url = "postgres://spot_app:Zq7#Zq7#@warehouse.internal:5439/lake";
    write(dir.path(), "config/database.yml", &format!("production:\n  url: {url}\n"));
    write(
        dir.path(),
        "src/db.py",
        &format!("DB = \"{url}\"\nOTHER = \"mysql://root:root@localhost/test\"\n"),
    );
    let random = fake.expand("DB = 'postgres://app:{{alnum:24}}@db.internal/app'\n").unwrap();
    write(dir.path(), "src/random.py", &random);
    let token = fake.crc32_token("ghp_");
    let last = if token.ends_with('A') { 'B' } else { 'A' };
    write(dir.path(), "src/gh.py", &format!("TOKEN = '{}{last}'\n", &token[..token.len() - 1]));
    let (output, findings) = common::scan_json(dir.path(), &[".", "--confidence", "low"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let mut seen: Vec<(String, String, String)> = findings
        .iter()
        .map(|f| {
            let field = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (field("path"), field("rule_id"), field("confidence"))
        })
        .collect();
    seen.sort();
    let expected = [
        ("config/database.yml", "database-url-postgres", "medium"),
        ("src/db.py", "database-url-postgres", "low"),
        ("src/gh.py", "github-classic-pat", "low"),
        ("src/random.py", "database-url-postgres", "high"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(p, r, c)| (p.to_string(), r.to_string(), c.to_string())).collect();
    assert_eq!(seen, expected, "root:root is a default account, not reported");
    let reason = |path: &str| {
        let f = findings.iter().find(|f| f["path"] == path).unwrap();
        f["confidence_reason"].as_str().unwrap_or_default().to_string()
    };
    assert!(reason("src/gh.py").contains("checksum does not verify"));
    assert!(reason("config/database.yml").contains("chosen one"));
}
