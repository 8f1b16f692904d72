//! Secrets inside base64 and hex, PEM keys in every shape, credential files: the real binary
//! on real git repositories built here, history and staged changes included.

mod common;

use base64::Engine as _;
use common::*;

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn rule_ids(findings: &[serde_json::Value]) -> Vec<(String, String, u64)> {
    let mut ids: Vec<(String, String, u64)> = findings
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap().to_string();
            (path, f["rule_id"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap())
        })
        .collect();
    ids.sort();
    ids
}

/// A Kubernetes TLS Secret whose `tls.key` is a base64 PEM key; the key itself.
fn tls_secret(seed: u64) -> (String, String) {
    let key = FakeGen::new(seed).pem_private_key("RSA PRIVATE KEY");
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-tls\ntype: kubernetes.io/tls\ndata:\n  tls.crt: {}\n  tls.key: {}\n",
        b64("-----BEGIN CERTIFICATE-----\nnot a key\n-----END CERTIFICATE-----\n"),
        b64(&key)
    );
    (manifest, key)
}

#[test]
fn a_base64_pem_key_is_found_in_the_tree_and_in_history_with_its_encoding() {
    let repo = git_repo();
    let dir = repo.path();
    let (manifest, key) = tls_secret(1);
    write(dir, "k8s/tls.yaml", &manifest);
    let token = token(2);
    let kubeconfig = format!(
        "apiVersion: v1\nusers:\n- name: admin\n  user:\n    client-key-data: {}\n    token: {}\n",
        b64(&FakeGen::new(3).pem_private_key("EC PRIVATE KEY")),
        b64(&format!("{{\"access_token\": \"{token}\"}}"))
    );
    write(dir, "kubeconfig", &kubeconfig);
    commit_all(dir, "add cluster config");
    let (_, tree) = scan_json(dir, &["."]);
    assert_eq!(
        rule_ids(&tree),
        [
            ("k8s/tls.yaml".into(), "private-key-rsa".into(), 8),
            ("kubeconfig".into(), "github-classic-pat".into(), 6),
            ("kubeconfig".into(), "private-key-ec".into(), 5),
        ],
        "{tree:#?}"
    );
    for finding in &tree {
        assert_eq!(finding["encoding"], "base64", "{finding:#?}");
    }
    let tls = tree.iter().find(|f| f["path"] == "k8s/tls.yaml").unwrap();
    assert_eq!(tls["column"], 12);
    assert_eq!(tls["secret_sha256"], sha256(key.trim_end()));
    // Deleted, it is still in history, attributed to the commit that added it.
    std::fs::remove_dir_all(dir.join("k8s")).unwrap();
    commit_all(dir, "drop the secret");
    let (_, history) = scan_json(dir, &[".", "--history-only"]);
    let tls = history.iter().find(|f| f["path"] == "k8s/tls.yaml").expect("in history");
    assert_eq!(
        (tls["rule_id"].as_str(), tls["encoding"].as_str()),
        (Some("private-key-rsa"), Some("base64"))
    );
    assert_eq!(tls["commit"]["summary"], "add cluster config");
}

fn sha256(text: &str) -> String {
    keyhound::model::sha256_hex(text.as_bytes())
}

#[test]
fn sarif_text_and_json_v2_say_the_secret_was_decoded_and_leak_nothing() {
    let repo = git_repo();
    let dir = repo.path();
    let (manifest, key) = tls_secret(4);
    let encoded = b64(&key);
    write(dir, "tls.yaml", &manifest);
    commit_all(dir, "tls");
    let body_line = key.lines().nth(2).unwrap().to_string();
    for (format, marker) in [
        ("sarif", "\"encoding\": \"base64\""),
        ("text", "encoding: base64"),
        ("json-v2", "\"encoding\": \"base64\""),
        ("jsonl", "\"encoding\":\"base64\""),
    ] {
        let output = run(dir, &["scan", ".", "--history", "--format", format]);
        let text = format!("{}{}", stdout(&output), stderr(&output));
        assert_eq!(output.status.code(), Some(1), "{format}: {text}");
        assert!(text.contains(marker), "{format}: {text}");
        for piece in [&encoded[8..40], &body_line[..32], &encoded[encoded.len() - 40..]] {
            assert!(!text.contains(piece), "{format} leaks `{piece}`:\n{text}");
        }
    }
    let output = run(dir, &["scan", ".", "--format", "json-v2"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/schema/report-v2.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let pattern = schema["$defs"]["finding"]["properties"]["encoding"]["pattern"].as_str();
    assert!(pattern.is_some(), "the schema describes `encoding`");
    assert_eq!(report["findings"][0]["encoding"], "base64");
}

#[test]
fn docker_auth_basic_headers_and_npmrc_auth_report_the_decoded_password() {
    let repo = git_repo();
    let dir = repo.path();
    let mut fake = FakeGen::new(5);
    let password = format!("{}9", fake.string_from(b"abcdefghijkLMNOP0123456789", 20));
    let auth = b64(&format!("deploy:{password}"));
    write(
        dir,
        ".dockerconfigjson",
        &format!("{{\"auths\": {{\"registry.example.com\": {{\"auth\": \"{auth}\"}}}}}}\n"),
    );
    write(
        dir,
        "scripts/push.sh",
        &format!("curl -H \"Authorization: Basic {auth}\" https://registry.example.com/v2/\n"),
    );
    write(dir, "web/.npmrc", &format!("registry=https://npm.example.com/\n_auth={auth}\n"));
    write(
        dir,
        "placeholder.json",
        &format!("{{\"auths\": {{\"r\": {{\"auth\": \"{}\"}}}}}}\n", b64("user:password")),
    );
    commit_all(dir, "registry logins");
    let (output, findings) = scan_json(dir, &["."]);
    let mut got: Vec<(String, String)> = findings
        .iter()
        .map(|f| (f["path"].as_str().unwrap().into(), f["rule_id"].as_str().unwrap().into()))
        .collect();
    got.sort();
    let expected: Vec<(String, String)> = [
        (".dockerconfigjson", "docker-config-auth"),
        ("scripts/push.sh", "http-basic-auth-header"),
        // One finding: the credential file's, which decodes `_auth` too.
        ("web/.npmrc", "credential-file-committed"),
    ]
    .iter()
    .map(|(p, r)| (p.to_string(), r.to_string()))
    .collect();
    assert_eq!(got, expected, "{findings:#?}");
    let out = stdout(&output);
    assert!(!out.contains(&password) && !out.contains(&auth[6..]), "{out}");
    let (output, shown) = scan_json(dir, &[".", "--show-secrets"]);
    let docker = shown.iter().find(|f| f["rule_id"] == "docker-config-auth").unwrap();
    assert_eq!(docker["secret"], password.as_str(), "{}", stdout(&output));
    assert_eq!(docker["encoding"], "base64");
    let npmrc = shown.iter().find(|f| f["path"] == "web/.npmrc").unwrap();
    assert_eq!(
        (npmrc["secret"].as_str(), npmrc["encoding"].as_str()),
        (Some(password.as_str()), Some("base64"))
    );
}

/// Each shape a PEM key takes in real files: one finding per key, at its BEGIN line.
#[test]
fn pem_keys_in_every_shape_are_one_finding_each_at_the_begin_line() {
    let repo = git_repo();
    let dir = repo.path();
    let key = FakeGen::new(6).pem_private_key("RSA PRIVATE KEY");
    let lines: Vec<&str> = key.lines().collect();
    let prefixed =
        |prefix: &str| lines.iter().map(|l| format!("{prefix}{l}\n")).collect::<String>();
    let shapes = [
        ("indented.yaml", format!("tls:\n  key: |\n{}", prefixed("    ")), 3),
        ("hash.sh", format!("#!/bin/sh\n{}", prefixed("#    ")), 2),
        ("slashes.go", format!("package x\n\n{}", prefixed("// ")), 3),
        ("star.java", format!("/**\n{} */\n", prefixed(" * ")), 2),
        ("semi.ini", prefixed("; "), 1),
        ("crlf.pem", key.replace('\n', "\r\n"), 1),
        (
            "split.py",
            format!(
                "KEY = (\n{})\n",
                lines.iter().map(|l| format!("    \"{l}\\n\"\n")).collect::<String>()
            ),
            2,
        ),
        (
            "concat.java",
            format!(
                "String k =\n{};\n",
                lines.iter().map(|l| format!("    \"{l}\\n\"")).collect::<Vec<_>>().join(" +\n")
            ),
            2,
        ),
        (
            "escaped.json",
            format!("{{\n  \"private_key\": \"{}\"\n}}\n", key.replace('\n', "\\n")),
            2,
        ),
    ];
    for (path, content, _) in &shapes {
        write(dir, path, content);
    }
    commit_all(dir, "keys");
    let (_, findings) = scan_json(dir, &["."]);
    for (path, _, line) in &shapes {
        let at: Vec<_> = findings.iter().filter(|f| f["path"] == *path).collect();
        assert_eq!(at.len(), 1, "{path}: {at:#?}");
        assert_eq!(
            (at[0]["rule_id"].as_str(), at[0]["line"].as_u64()),
            (Some("private-key-rsa"), Some(*line)),
            "{path}"
        );
    }
    assert_eq!(findings.len(), shapes.len(), "{findings:#?}");
}

#[test]
fn credential_files_are_found_in_the_tree_in_history_and_staged() {
    let repo = git_repo();
    let dir = repo.path();
    let mut fake = FakeGen::new(7);
    let mut value =
        |n| fake.string_from(b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", n);
    let git_token = value(24);
    write(dir, ".git-credentials", &format!("https://ci-bot:{git_token}@github.com\n"));
    write(dir, "ops/.pgpass", &format!("# prod\ndb.internal:5432:*:app:{}\n", value(18)));
    write(
        dir,
        "deploy/.aws/credentials",
        &format!(
            "[default]\naws_access_key_id = AKIA{}\naws_secret_access_key = {}\n",
            value(16).to_uppercase(),
            value(40)
        ),
    );
    write(
        dir,
        "site/wp-config.php",
        &format!(
            "<?php\ndefine( 'DB_NAME', 'wp' );\ndefine( 'DB_PASSWORD', '{}#1' );\n",
            value(14)
        ),
    );
    write(dir, ".npmrc", "registry=https://registry.npmjs.org/\n");
    commit_all(dir, "ops files");
    let (_, tree) = scan_json(dir, &["."]);
    let credential: Vec<(String, String, u64)> = rule_ids(&tree)
        .into_iter()
        .filter(|(_, rule, _)| rule == "credential-file-committed")
        .collect();
    assert_eq!(
        credential,
        [
            (".git-credentials".into(), "credential-file-committed".into(), 1),
            ("deploy/.aws/credentials".into(), "credential-file-committed".into(), 3),
            ("ops/.pgpass".into(), "credential-file-committed".into(), 2),
            ("site/wp-config.php".into(), "credential-file-committed".into(), 3),
        ],
        "{tree:#?}"
    );
    let git_cred = tree.iter().find(|f| f["path"] == ".git-credentials").unwrap();
    assert!(git_cred["rule_name"].as_str().unwrap().contains(".git-credentials"), "{git_cred:#?}");
    assert!(
        git_cred["rotation"]["revoke"]
            .as_str()
            .unwrap()
            .contains("https://github.com/settings/tokens")
    );
    let pgpass = tree.iter().find(|f| f["path"] == "ops/.pgpass").unwrap();
    assert!(pgpass["rotation"]["revoke"].as_str().unwrap().contains("ALTER ROLE"));
    // Removed from the tree, history still holds them.
    for path in [".git-credentials", "ops/.pgpass", "deploy/.aws/credentials", "site/wp-config.php"]
    {
        git(dir, &["rm", "-q", path]);
    }
    git(dir, &["commit", "-qm", "remove"]);
    let (_, history) = scan_json(dir, &[".", "--history-only"]);
    let mut paths: Vec<&str> = history
        .iter()
        .filter(|f| f["rule_id"] == "credential-file-committed")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [".git-credentials", "deploy/.aws/credentials", "ops/.pgpass", "site/wp-config.php"]
    );
    // Staged: the pre-commit hook's scan.
    write(
        dir,
        "home/.netrc",
        &format!("machine api.example.com login deploy password {}\n", value(22)),
    );
    git(dir, &["add", "home/.netrc"]);
    let (_, staged) = scan_json(dir, &["--staged"]);
    assert_eq!(
        rule_ids(&staged),
        [("home/.netrc".into(), "credential-file-committed".into(), 1)],
        "{staged:#?}"
    );
    // Untracked and not ignored: present, not committed.
    write(
        dir,
        "tmp/.pypirc",
        &format!("[pypi]\nusername = __token__\npassword = pypi-{}\n", value(40)),
    );
    let (_, tree) = scan_json(dir, &["."]);
    let pypirc = tree.iter().find(|f| f["path"] == "tmp/.pypirc").unwrap();
    assert_eq!(
        (pypirc["rule_id"].as_str(), pypirc["line"].as_u64()),
        (Some("credential-file-present"), Some(3))
    );
    let _ = git_token;
}
