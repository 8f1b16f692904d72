//! A labelled corpus of HTTP calls in eight languages, each a file of its own, built at test time
//! with fake keys: calls that send a key the wrong way (the case of `Bearer`, the scheme, the
//! header name, the query string) and calls that send it right, or only talk about headers.
//! The header checks must find at least 95 % of the wrong calls at the default confidence and
//! report nothing on the right ones.

mod common;

use common::{FakeGen, scan_json, stderr, write};

const BEARER_CASE: &str = "header-bearer-case";
const WRONG_SCHEME: &str = "header-wrong-scheme";
const WRONG_NAME: &str = "header-wrong-name";
const QUERY: &str = "key-in-query-string";

/// (language, file extension, code, the header finding it must give; `None`: none at all).
/// `{OPENAI}`, `{ANTHROPIC}` and `{GITHUB}` become fake keys of those providers.
const CORPUS: &[(&str, &str, &str, Option<&str>)] = &[
    // wrong calls
    (
        "python",
        "py",
        r#"requests.post("https://api.openai.com/v1/chat/completions", headers={"x-api-key": "{OPENAI}"})"#,
        Some(WRONG_NAME),
    ),
    (
        "python",
        "py",
        r#"session.get(url, headers={"Authorization": "Token {OPENAI}"})"#,
        Some(WRONG_SCHEME),
    ),
    (
        "python",
        "py",
        r#"headers = {"Authorization": "Token " + api_key}  # https://api.openai.com/v1"#,
        Some(WRONG_SCHEME),
    ),
    (
        "python",
        "py",
        r#"client.get("https://api.openai.com/v1/models?api_key={OPENAI}")"#,
        Some(QUERY),
    ),
    (
        "javascript",
        "js",
        r#"fetch("https://api.openai.com/v1/models", { headers: { "x-api-key": apiKey } });"#,
        Some(WRONG_NAME),
    ),
    (
        "javascript",
        "js",
        r#"const headers = { Authorization: "Token " + process.env.ANTHROPIC_API_KEY };"#,
        Some(WRONG_NAME),
    ),
    (
        "javascript",
        "js",
        r#"axios.get(url, { headers: { Authorization: "bearer {GITHUB}" } });"#,
        Some(BEARER_CASE),
    ),
    (
        "go",
        "go",
        r#"req.Header.Set("Authorization", "Token "+apiKey) // api.openai.com"#,
        Some(WRONG_SCHEME),
    ),
    ("go", "go", r#"req.Header.Set("x-api-key", "{OPENAI}")"#, Some(WRONG_NAME)),
    (
        "go",
        "go",
        "// GitHub: https://api.github.com/user\nreq, _ := http.NewRequest(\"GET\", \"https://api.openai.com/v1/models\", nil)\nreq.Header.Set(\"Authorization\", \"Token \"+key) // https://api.openai.com",
        Some(WRONG_SCHEME),
    ),
    (
        "java",
        "java",
        r#"request.addHeader("X-Api-Key", System.getenv("OPENAI_API_KEY"));"#,
        Some(WRONG_NAME),
    ),
    (
        "java",
        "java",
        r#"conn.setRequestProperty("Authorization", "BEARER {OPENAI}");"#,
        Some(BEARER_CASE),
    ),
    (
        "ruby",
        "rb",
        r#"req["Authorization"] = "Token #{ENV['OPENAI_API_KEY']}""#,
        Some(WRONG_SCHEME),
    ),
    (
        "ruby",
        "rb",
        r#"Net::HTTP::Get.new(URI("https://api.github.com/user"), "x-api-key" => ENV["GITHUB_TOKEN"])"#,
        Some(WRONG_NAME),
    ),
    (
        "shell",
        "sh",
        r#"curl -H "x-api-key: $OPENAI_API_KEY" https://api.openai.com/v1/models"#,
        Some(WRONG_NAME),
    ),
    (
        "shell",
        "sh",
        r#"curl -H "Authorization: bearer {OPENAI}" https://api.openai.com/v1/models"#,
        Some(BEARER_CASE),
    ),
    ("shell", "sh", r#"curl "https://api.openai.com/v1/models?key={OPENAI}""#, Some(QUERY)),
    (
        "csharp",
        "cs",
        r#"client.DefaultRequestHeaders.Add("x-api-key", "{OPENAI}");"#,
        Some(WRONG_NAME),
    ),
    (
        "php",
        "php",
        r#"curl_setopt($ch, CURLOPT_HTTPHEADER, ["Authorization: Token " . getenv("OPENAI_API_KEY")]);"#,
        Some(WRONG_SCHEME),
    ),
    ("rust", "rs", r#".header("x-api-key", std::env::var("OPENAI_API_KEY")?)"#, Some(WRONG_NAME)),
    // Anthropic reads API keys from `x-api-key` only; `Authorization: Bearer` gets a 401
    (
        "shell",
        "sh",
        r#"curl -H "Authorization: Bearer {ANTHROPIC}" https://api.anthropic.com/v1/messages"#,
        Some(WRONG_NAME),
    ),
    (
        "python",
        "py",
        r#"headers = {"Authorization": f"Bearer {os.environ['ANTHROPIC_API_KEY']}"}"#,
        Some(WRONG_NAME),
    ),
    (
        "rust",
        "rs",
        r#".header("Authorization", format!("Bearer {}", key)) // api.anthropic.com"#,
        Some(WRONG_NAME),
    ),
    // right calls, and text about headers
    (
        "python",
        "py",
        r#"requests.get("https://api.openai.com/v1/models", headers={"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"})"#,
        None,
    ),
    (
        "javascript",
        "js",
        r#"fetch("https://api.anthropic.com/v1/messages", { headers: { "x-api-key": process.env.ANTHROPIC_API_KEY } });"#,
        None,
    ),
    ("javascript", "js", "tape('bearer auth', function (t) {", None),
    ("go", "go", r#"req.Header.Set("Authorization", "Bearer "+openaiKey) // api.openai.com"#, None),
    (
        "java",
        "java",
        r#"conn.setRequestProperty("Authorization", "Bearer " + System.getenv("OPENAI_API_KEY"));"#,
        None,
    ),
    ("ruby", "rb", r#"req["Authorization"] = "token #{ENV['GITHUB_TOKEN']}""#, None),
    (
        "yaml",
        "yml",
        "git remote add origin https://x-access-token:${{ secrets.github_token }}@github.com/${{ github.repository }}",
        None,
    ),
    (
        "shell",
        "sh",
        r#"curl -H "x-api-key: $ANTHROPIC_API_KEY" https://api.anthropic.com/v1/messages"#,
        None,
    ),
    (
        "csharp",
        "cs",
        r#"client.DefaultRequestHeaders.Add("Authorization", "token " + githubToken); // api.github.com"#,
        None,
    ),
    (
        "php",
        "php",
        r#"curl_setopt($ch, CURLOPT_HTTPHEADER, ["Authorization: Bearer " . getenv("OPENAI_API_KEY")]);"#,
        None,
    ),
    (
        "docs",
        "md",
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={SIGNATURE}",
        None,
    ),
    (
        "docs",
        "md",
        "Send the authorization header with a bearer token; Anthropic reads the key from the x-api-key header instead.",
        None,
    ),
    (
        "docs",
        "md",
        "The `Authorization` header carries `Bearer <token>`; never a token in the query string (`?api_key=`).",
        None,
    ),
];

fn expand(code: &str, fake: &mut FakeGen) -> String {
    let mut expanded = code.to_string();
    for (name, template) in [
        ("{OPENAI}", "sk-proj-{{alnum:74}}T3BlbkFJ{{alnum:74}}"),
        ("{ANTHROPIC}", "sk-ant-api03-{{b64url:93}}AA"),
        ("{GITHUB}", "{{crc32:ghp_}}"),
        ("{SIGNATURE}", "{{hex:64}}"),
    ] {
        while expanded.contains(name) {
            let key = fake.expand(template).unwrap();
            expanded = expanded.replacen(name, &key, 1);
        }
    }
    expanded
}

#[test]
fn header_checks_find_wrong_calls_in_eight_languages_and_nothing_on_right_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut fake = FakeGen::new(13);
    for (i, (language, ext, code, _)) in CORPUS.iter().enumerate() {
        write(dir.path(), &format!("{language}/call{i}.{ext}"), &(expand(code, &mut fake) + "\n"));
    }
    let (output, findings) = scan_json(dir.path(), &["."]);
    assert!(output.status.code().is_some_and(|c| c <= 1), "{}", stderr(&output));
    let header_findings_in = |path: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["path"] == path)
            .filter_map(|f| f["rule_id"].as_str())
            .filter(|id| [BEARER_CASE, WRONG_SCHEME, WRONG_NAME, QUERY].contains(id))
            .map(str::to_string)
            .collect()
    };
    let (mut wrong, mut found, mut problems) = (0, 0, Vec::new());
    let mut languages = std::collections::BTreeSet::new();
    for (i, (language, ext, code, expected)) in CORPUS.iter().enumerate() {
        let got = header_findings_in(&format!("{language}/call{i}.{ext}"));
        match expected {
            Some(rule) => {
                wrong += 1;
                languages.insert(*language);
                if got.iter().any(|id| id == rule) {
                    found += 1;
                } else {
                    problems.push(format!("missed {rule}: {code} (got {got:?})"));
                }
            }
            None if !got.is_empty() => problems.push(format!("false alarm {got:?}: {code}")),
            None => {}
        }
    }
    let recall = found as f64 / wrong as f64;
    eprintln!("header corpus: recall {recall:.3} ({found}/{wrong}); {}", problems.join("; "));
    assert!(languages.len() >= 6, "{languages:?}");
    assert!(recall >= 0.95, "recall {recall:.3} ({found}/{wrong}):\n{}", problems.join("\n"));
    assert!(!problems.iter().any(|p| p.starts_with("false alarm")), "{}", problems.join("\n"));
}

/// The corpus tolerates a few misses; an Anthropic API key sent as `Authorization: Bearer`
/// (the brief's example of a wrong header) must never be one of them.
#[test]
fn anthropic_key_sent_as_bearer_is_a_wrong_header_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut fake = FakeGen::new(14);
    let calls = [
        (
            r#"curl -H "Authorization: Bearer {ANTHROPIC}" https://api.anthropic.com/v1/messages"#,
            true,
        ),
        (r#"headers = {"Authorization": "Bearer {ANTHROPIC}"}"#, true),
        (r#"curl -H "x-api-key: {ANTHROPIC}" https://api.anthropic.com/v1/messages"#, false),
    ];
    for (i, (code, _)) in calls.iter().enumerate() {
        write(dir.path(), &format!("call{i}.sh"), &(expand(code, &mut fake) + "\n"));
    }
    let (output, findings) = scan_json(dir.path(), &["."]);
    assert!(output.status.code().is_some_and(|c| c <= 1), "{}", stderr(&output));
    for (i, (code, wrong)) in calls.iter().enumerate() {
        let path = format!("call{i}.sh");
        let flagged =
            findings.iter().any(|f| f["path"] == path.as_str() && f["rule_id"] == WRONG_NAME);
        assert_eq!(flagged, *wrong, "{code}: {findings:?}");
    }
}
