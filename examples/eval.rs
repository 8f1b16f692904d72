//! Precision/recall evaluation: generates a labelled corpus and scores a scan of it.
//!
//! ```sh
//! cargo run --example eval -- generate DIR LABELS.json [--seed N] [--copies K]
//! keyhound scan DIR --format json > FINDINGS.json
//! cargo run --example eval -- score LABELS.json FINDINGS.json [--min 0.98]
//! ```
//! (`scripts/eval.sh` does all three.)
//!
//! Expectations are derived from whatever rules are built in, so rules added later are
//! covered without touching this file: every positive example of every rule is expanded with
//! fresh seeds and embedded into realistic files of many languages — as the example line
//! itself, and, when the secret alone identifies it (the regex's match is the secret), as a
//! value assigned in each language's own syntax. Decoys are built the same generic way: the
//! rules' negative examples, placeholder and redacted forms of each positive secret, and the
//! noise every repository has (hashes, UUIDs, lock files, minified bundles, `.env.example`,
//! encoded text, test fakes). Any finding that is not a labelled positive is a false positive.

use std::{
    collections::{BTreeMap, HashMap},
    path::PathBuf,
    process::ExitCode,
};

use keyhound::{classify::ValueFilter, engine::Engine, fake::FakeGen, rules};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Labels {
    positives: Vec<Positive>,
    decoys: Vec<Decoy>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Positive {
    path: String,
    line: usize,
    rule_id: String,
    family: String,
    how: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Decoy {
    path: String,
    line: usize,
    kind: String,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("generate") if args.len() >= 3 => generate_command(&args[1], &args[2], &args[3..]),
        Some("score") if args.len() >= 3 => score_command(&args[1], &args[2], &args[3..]),
        _ => Err("usage: eval generate DIR LABELS [--seed N] [--copies K] | eval score LABELS FINDINGS [--min X]".into()),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("eval: error: {message}");
            ExitCode::from(2)
        }
    }
}

fn option<T: std::str::FromStr>(rest: &[String], name: &str, default: T) -> Result<T, String> {
    match rest.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => rest
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a value")),
    }
}

// ---------------------------------------------------------------------------------------------
// Generation

/// A file type secrets are embedded in: where it lives, code around the secret, and how the
/// language assigns a string to a name.
struct Carrier {
    path: &'static str,
    before: &'static [&'static str],
    assign: fn(&str, &str) -> String,
    after: &'static [&'static str],
}

const CARRIERS: &[Carrier] = &[
    Carrier {
        path: "src/settings.py",
        before: &[
            "import os",
            "from pathlib import Path",
            "",
            "BASE_DIR = Path(__file__).parent",
            "DEBUG = False",
        ],
        assign: |name, value| format!("{} = \"{value}\"", name.to_uppercase()),
        after: &["", "ALLOWED_HOSTS = [\"localhost\"]", "TIME_ZONE = \"UTC\""],
    },
    Carrier {
        path: "web/src/api.ts",
        before: &[
            "import axios from 'axios';",
            "",
            "export const baseUrl = 'https://api.internal.invalid';",
        ],
        assign: |name, value| format!("const {} = '{value}';", camel(name)),
        after: &[
            "",
            "export function client() {",
            "  return axios.create({ baseURL: baseUrl });",
            "}",
        ],
    },
    Carrier {
        path: "config/app.yaml",
        before: &["server:", "  port: 8080", "  host: 0.0.0.0", "integrations:"],
        assign: |name, value| format!("  {}: {value}", name.to_lowercase()),
        after: &["  retries: 3", "logging:", "  level: info"],
    },
    Carrier {
        path: "appsettings.json",
        before: &[
            "{",
            "  \"Logging\": { \"LogLevel\": { \"Default\": \"Information\" } },",
            "  \"Service\": {",
        ],
        assign: |name, value| format!("    \"{}\": \"{value}\",", camel(name)),
        after: &["    \"TimeoutSeconds\": 30", "  }", "}"],
    },
    Carrier {
        path: ".env",
        before: &["NODE_ENV=production", "PORT=3000", "LOG_LEVEL=info"],
        assign: |name, value| format!("{}={value}", name.to_uppercase()),
        after: &["CACHE_TTL=600"],
    },
    Carrier {
        path: "cmd/server/config.go",
        before: &["package main", "", "import \"os\"", "", "func config() map[string]string {"],
        assign: |name, value| format!("\t{} := \"{value}\"", camel(name)),
        after: &["\treturn map[string]string{\"env\": os.Getenv(\"ENV\")}", "}"],
    },
    Carrier {
        path: "src/main/java/com/acme/Config.java",
        before: &[
            "package com.acme;",
            "",
            "public final class Config {",
            "    private Config() {}",
        ],
        assign: |name, value| {
            format!("    public static final String {} = \"{value}\";", name.to_uppercase())
        },
        after: &["    public static final int TIMEOUT = 30;", "}"],
    },
    Carrier {
        path: "scripts/deploy.sh",
        before: &["#!/usr/bin/env bash", "set -euo pipefail", "cd \"$(dirname \"$0\")/..\""],
        assign: |name, value| format!("export {}=\"{value}\"", name.to_uppercase()),
        after: &["./gradlew build", "echo deployed"],
    },
    Carrier {
        path: "Dockerfile",
        before: &["FROM python:3.12-slim", "WORKDIR /app", "COPY . ."],
        assign: |name, value| format!("ENV {}={value}", name.to_uppercase()),
        after: &["RUN pip install -r requirements.txt", "CMD [\"python\", \"-m\", \"app\"]"],
    },
    Carrier {
        path: "deploy/main.tf",
        before: &["provider \"aws\" {", "  region = \"eu-west-1\"", "}", "", "locals {"],
        assign: |name, value| format!("  {} = \"{value}\"", name.to_lowercase()),
        after: &["}"],
    },
    Carrier {
        path: "config/web.config",
        before: &[
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
            "<configuration>",
            "  <appSettings>",
        ],
        assign: |name, value| format!("    <add key=\"{}\" value=\"{value}\" />", camel(name)),
        after: &["  </appSettings>", "</configuration>"],
    },
    Carrier {
        path: "lib/client.rb",
        before: &["require 'net/http'", "", "module Client"],
        assign: |name, value| format!("  {} = '{value}'.freeze", name.to_uppercase()),
        after: &["  def self.get(path) = Net::HTTP.get(URI(path))", "end"],
    },
    Carrier {
        path: "config/services.php",
        before: &["<?php", "", "return ["],
        assign: |name, value| format!("    '{}' => '{value}',", name.to_lowercase()),
        after: &["    'timeout' => 30,", "];"],
    },
    Carrier {
        path: "docs/setup.md",
        before: &["# Setup", "", "Run the service locally:", "", "```sh"],
        assign: |name, value| format!("{}={value} ./run.sh", name.to_uppercase()),
        after: &["```", "", "Then open http://localhost:8080."],
    },
    Carrier {
        path: "src/config.rs",
        before: &[
            "use std::time::Duration;",
            "",
            "pub const TIMEOUT: Duration = Duration::from_secs(30);",
        ],
        assign: |name, value| format!("pub const {}: &str = \"{value}\";", name.to_uppercase()),
        after: &["pub const RETRIES: u32 = 3;"],
    },
    Carrier {
        path: "k8s/deployment.yaml",
        before: &[
            "apiVersion: apps/v1",
            "kind: Deployment",
            "spec:",
            "  template:",
            "    spec:",
            "      containers:",
            "        - name: app",
            "          env:",
        ],
        assign: |name, value| {
            format!("            - name: {}\n              value: \"{value}\"", name.to_uppercase())
        },
        after: &["          image: registry.invalid/app:1.4.2"],
    },
];

fn camel(name: &str) -> String {
    let mut out = String::new();
    for (i, part) in name.split('_').filter(|p| !p.is_empty()).enumerate() {
        let lower = part.to_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut chars = lower.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
}

/// `GitHub` → `github_token`: a variable name a developer would write for this provider.
fn variable_for(provider: &str, k: usize) -> String {
    let base: String = provider
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    let suffix = ["token", "api_key", "key", "credentials", "auth"][k % 5];
    format!("{}_{suffix}", base.trim_matches('_'))
}

struct Corpus {
    root: PathBuf,
    files: BTreeMap<String, Vec<String>>,
    labels: Labels,
    next_dir: usize,
}

impl Corpus {
    /// A new file in its own directory (so carriers can repeat), with the carrier's code
    /// around `snippets`. Returns the path.
    fn add_file(&mut self, path: &str, lines: Vec<String>) -> String {
        let dir = format!("repo{:04}", self.next_dir);
        self.next_dir += 1;
        let full = format!("{dir}/{path}");
        self.files.insert(full.clone(), lines);
        full
    }

    fn write(&self) -> Result<(), String> {
        for (path, lines) in &self.files {
            let target = self.root.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).map_err(|e| e.to_string())?;
            let mut text = lines.join("\n");
            text.push('\n');
            std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
        }
        Ok(())
    }
}

/// A snippet to place in a file: its lines, and which of them (0-based) is labelled.
#[derive(Clone)]
struct Snippet {
    lines: Vec<String>,
    marked: usize,
}

/// Places `snippet` between the carrier's code; returns the 1-based line of the marked line.
fn embed(
    carrier: &Carrier,
    snippet: &Snippet,
    decoys: &[(String, Snippet)],
) -> (Vec<String>, usize, Vec<usize>) {
    let mut lines: Vec<String> = carrier.before.iter().map(|s| s.to_string()).collect();
    let mut decoy_lines = Vec::new();
    for (_, decoy) in decoys {
        decoy_lines.push(lines.len() + decoy.marked + 1);
        lines.extend(decoy.lines.iter().cloned());
    }
    let marked = lines.len() + snippet.marked + 1;
    lines.extend(snippet.lines.iter().cloned());
    lines.extend(carrier.after.iter().map(|s| s.to_string()));
    (lines, marked, decoy_lines)
}

fn seed_of(parts: &[&str], extra: u64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ extra.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn generate_command(dir: &str, labels_path: &str, rest: &[String]) -> Result<ExitCode, String> {
    let seed: u64 = option(rest, "--seed", 20_240_611)?;
    let copies: usize = option(rest, "--copies", 6)?;
    let root = PathBuf::from(dir);
    if root.exists() && std::fs::read_dir(&root).map_err(|e| e.to_string())?.next().is_some() {
        return Err(format!("{dir} is not empty"));
    }
    let mut corpus = Corpus {
        root,
        files: BTreeMap::new(),
        labels: Labels { positives: Vec::new(), decoys: Vec::new() },
        next_dir: 0,
    };
    add_rule_samples(&mut corpus, seed, copies)?;
    add_noise(&mut corpus, seed, copies);
    corpus.write()?;
    let json = serde_json::to_string_pretty(&corpus.labels).map_err(|e| e.to_string())?;
    std::fs::write(labels_path, json).map_err(|e| format!("{labels_path}: {e}"))?;
    eprintln!(
        "eval: {} files, {} positives, {} decoys",
        corpus.files.len(),
        corpus.labels.positives.len(),
        corpus.labels.decoys.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn add_rule_samples(corpus: &mut Corpus, seed: u64, copies: usize) -> Result<(), String> {
    let rules = rules::builtin_rules().map_err(|e| e.to_string())?;
    let engine = Engine::new(rules, ValueFilter::standard()).map_err(|e| e.to_string())?;
    let mut scanner = engine.scanner();
    let mut carrier_index = seed as usize;
    for (index, rule) in engine.rules().iter().enumerate() {
        if rule.check.is_some() {
            // Content checks (a committed `.env`, a key in an auth header) judge files, not
            // tokens; their examples are not secrets to embed. See `score` for their findings.
            continue;
        }
        for (n, example) in rule.positive.iter().enumerate() {
            for k in 0..copies {
                let mut fake =
                    FakeGen::new(seed_of(&[&rule.id, example], (n * 1000 + k) as u64 ^ seed));
                let text = fake.expand(example)?;
                // Where this rule's secret is in its own example (rule_check guarantees it is).
                let matches = scanner.scan(text.as_bytes());
                let Some(found) = matches.iter().find(|m| m.rule.get() == index).cloned() else {
                    eprintln!(
                        "eval: warning: rule `{}` does not find its example #{}; skipped",
                        rule.id,
                        n + 1
                    );
                    continue;
                };
                let secret = &text[found.secret_start..found.secret_end];
                let secret_line = text[..found.secret_start].matches('\n').count();
                carrier_index += 1;
                // a rule that reports only in configuration files is placed in one
                while rule.configuration_only
                    && !keyhound::finding::is_configuration(
                        CARRIERS[carrier_index % CARRIERS.len()].path,
                    )
                {
                    carrier_index += 1;
                }
                let carrier = &CARRIERS[carrier_index % CARRIERS.len()];
                let decoys = derived_decoys(secret, &mut fake);
                // 1. The example line as written, inside a realistic file.
                let snippet = Snippet {
                    lines: text.lines().map(str::to_string).collect(),
                    marked: secret_line,
                };
                let (first, rest) = decoys.split_at(decoys.len().min(1));
                let path = place(corpus, carrier, snippet, first, rule, "example line");
                // A multi-line example may hold more of the provider's credentials (a key id
                // next to its secret): those are positives too; other providers' are not.
                let first_line = corpus.labels.positives.last().map_or(0, |p| p.line) - secret_line;
                for other in matches.iter().filter(|m| m.rule.get() != index) {
                    let other_rule = engine.rule(other.rule);
                    // a check's rule (`npmrc-auth`) reports through its check, in the files
                    // that check reads, not wherever its regex matches
                    if other_rule.provider == rule.provider && other_rule.check.is_none() {
                        corpus.labels.positives.push(Positive {
                            path: path.clone(),
                            line: first_line + text[..other.secret_start].matches('\n').count(),
                            rule_id: other_rule.id.clone(),
                            family: other_rule.provider.clone(),
                            how: "example line (companion)".into(),
                        });
                    }
                }
                // 2. The secret alone, assigned in the carrier's syntax, when the secret is the
                //    whole match of a prefix rule (no context needed to recognise it).
                let standalone = rule.keywords.is_empty()
                    && found.secret_start == found.match_start
                    && found.secret_end == found.match_end
                    && !secret.contains('\n')
                    && !rule.generic;
                if standalone {
                    carrier_index += 1;
                    let carrier = &CARRIERS[carrier_index % CARRIERS.len()];
                    let assigned = (carrier.assign)(&variable_for(&rule.provider, k), secret);
                    let lines: Vec<String> = assigned.lines().map(str::to_string).collect();
                    let marked = lines.iter().position(|l| l.contains(secret)).unwrap_or(0);
                    place(corpus, carrier, Snippet { lines, marked }, rest, rule, "assigned value");
                }
            }
        }
        for (n, negative) in rule.negative.iter().enumerate() {
            let carrier = &CARRIERS[(n + index) % CARRIERS.len()];
            let lines: Vec<String> = negative.lines().map(str::to_string).collect();
            let negative = (String::new(), Snippet { lines, marked: 0 });
            let (file, _, decoy_lines) =
                embed(carrier, &Snippet { lines: vec![], marked: 0 }, &[negative]);
            let path = corpus.add_file(carrier.path, file);
            corpus.labels.decoys.push(Decoy {
                path,
                line: decoy_lines[0],
                kind: format!("negative example of {}", rule.id),
            });
        }
    }
    Ok(())
}

fn place(
    corpus: &mut Corpus,
    carrier: &Carrier,
    snippet: Snippet,
    decoys: &[(String, Snippet)],
    rule: &rules::Rule,
    how: &str,
) -> String {
    let (lines, line, decoy_lines) = embed(carrier, &snippet, decoys);
    let path = corpus.add_file(carrier.path, lines);
    corpus.labels.positives.push(Positive {
        path: path.clone(),
        line,
        rule_id: rule.id.clone(),
        family: rule.provider.clone(),
        how: how.to_string(),
    });
    for (line, (kind, _)) in decoy_lines.into_iter().zip(decoys) {
        corpus.labels.decoys.push(Decoy { path: path.clone(), line, kind: kind.clone() });
    }
    path
}

/// Non-secrets made from a positive secret: how it appears in docs, logs and templates.
fn derived_decoys(secret: &str, fake: &mut FakeGen) -> Vec<(String, Snippet)> {
    let one =
        |kind: &str, line: String| (kind.to_string(), Snippet { lines: vec![line], marked: 0 });
    let chars: Vec<char> = secret.chars().collect();
    let keep = 4.min(chars.len());
    let head: String = chars[..keep].iter().collect();
    let mut out = Vec::new();
    if !secret.contains('\n') && chars.len() > 12 {
        let xs: String = head.clone() + &"x".repeat(chars.len() - keep);
        let example: String = chars[..chars.len() - 7].iter().collect::<String>() + "EXAMPLE";
        let variants = [
            one("placeholder x's", format!("token = \"{xs}\"  # replace with your own")),
            one("documentation example", format!("Example: `{example}`")),
            one("redacted in a log", format!("INFO auth ok token={head}**** user=42")),
            one(
                "truncated in docs",
                format!("Tokens look like `{}...`", chars[..keep + 4].iter().collect::<String>()),
            ),
        ];
        let pick = fake.below(variants.len());
        out.extend(variants.into_iter().cycle().skip(pick).take(2));
    }
    out
}

/// The noise every repository has, none of it a secret.
fn add_noise(corpus: &mut Corpus, seed: u64, copies: usize) {
    for k in 0..copies {
        let mut fake = FakeGen::new(seed ^ 0xdec0_7000 ^ k as u64);
        let mut f = |template: &str| fake.expand(template).expect("valid template");
        let uuid = "{{hex:8}}-{{hex:4}}-{{hex:4}}-{{hex:4}}-{{hex:12}}";
        let noise_files: Vec<(&str, &str, Vec<String>)> = vec![
            ("hashes and ids in config", "config/release.yaml", vec![
                format!("commit: {}", f("{{hex:40}}")),
                format!("image_digest: sha256:{}", f("{{hex:64}}")),
                format!("secret_sha256 = \"{}\"", f("{{hex:64}}")),
                format!("password_md5: \"{}\"", f("{{hex:32}}")),
                format!("client_id: {}", f(uuid)),
                format!("secret_id = \"{}\"", f(uuid)),
                format!("api_key_id: \"{}\"", f(uuid).to_uppercase()),
                format!("request_id = \"{}\"", f(uuid)),
                format!("etag: \"{}\"", f("{{hex:32}}")),
            ]),
            ("lock file", "package-lock.json", vec![
                "{".into(),
                "  \"name\": \"app\",".into(),
                "  \"lockfileVersion\": 3,".into(),
                "  \"packages\": {".into(),
                "    \"node_modules/@aws-sdk/client-secrets-manager\": {".into(),
                "      \"version\": \"3.511.0\",".into(),
                "      \"resolved\": \"https://registry.npmjs.org/@aws-sdk/client-secrets-manager/-/client-secrets-manager-3.511.0.tgz\",".into(),
                format!("      \"integrity\": \"sha512-{}==\"", f("{{b64:86}}")),
                "    },".into(),
                "    \"node_modules/jsonwebtoken\": {".into(),
                format!("      \"integrity\": \"sha512-{}==\",", f("{{b64:86}}")),
                format!("      \"secret\": \"{}\"", f("{{b64:44}}")),
                "    }".into(),
                "  }".into(),
                "}".into(),
            ]),
            ("lock file", "Cargo.lock", vec![
                "[[package]]".into(),
                "name = \"secret-service\"".into(),
                "version = \"4.0.0\"".into(),
                "source = \"registry+https://github.com/rust-lang/crates.io-index\"".into(),
                format!("checksum = \"{}\"", f("{{hex:64}}")),
                format!("secret_checksum = \"{}\"", f("{{hex:64}}")),
            ]),
            ("lock file", "go.sum", vec![
                format!("github.com/secrets/keyring v1.2.0 h1:{}=", f("{{b64:43}}")),
                format!("github.com/secrets/keyring v1.2.0/go.mod h1:{}=", f("{{b64:43}}")),
            ]),
            ("lock file", "yarn.lock", vec![
                "\"api-key-auth@^2.1.0\":".into(),
                "  version \"2.1.0\"".into(),
                format!("  integrity sha512-{}==", f("{{b64:86}}")),
                format!("  token \"{}\"", f("{{alnum:40}}")),
            ]),
            ("lock file", "poetry.lock", vec![
                "[[package]]".into(),
                "name = \"secretstorage\"".into(),
                format!("files = [{{file = \"secretstorage-3.3.3.tar.gz\", hash = \"sha256:{}\"}}]", f("{{hex:64}}")),
                format!("secret = \"{}\"", f("{{alnum:32}}")),
            ]),
            ("vendored code", "vendor/github.com/acme/sdk/client.go", vec![
                "package sdk".into(),
                format!("const defaultSecret = \"{}\"", f("{{alnum:40}}")),
                format!("var apiKey = \"{}\"", f("{{alnum:32}}")),
            ]),
            ("vendored code", "node_modules/some-sdk/dist/index.js", vec![
                format!("module.exports = {{ clientSecret: \"{}\", token: \"{}\" }};", f("{{alnum:40}}"), f("{{b64url:43}}")),
            ]),
            ("minified bundle", "public/app.min.js", vec![format!(
                "!function(e){{var t={{}};function n(r){{if(t[r])return t[r].exports}}e.apiKey=e.apiKey||\"\";var s=\"{}\";e.secret=\"{}\";e.img=\"data:image/png;base64,{}\"}}(window);",
                f("{{alnum:48}}"),
                f("{{b64:64}}"),
                f("{{b64:400}}")
            )]),
            ("example environment", ".env.example", vec![
                "API_KEY=your-api-key-here".into(),
                "SECRET_KEY=changeme".into(),
                "CLIENT_SECRET=<your-client-secret>".into(),
                "JWT_SECRET=${JWT_SECRET}".into(),
                "GITHUB_TOKEN=".into(),
                "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx".into(),
                "DATABASE_URL=postgres://user:password@localhost:5432/app".into(),
                "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE".into(),
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            ]),
            ("template reference", "deploy/values.yaml", vec![
                "apiKey: {{ .Values.apiKey }}".into(),
                "client_secret: \"{{ secrets.CLIENT_SECRET }}\"".into(),
                "token: ${{ secrets.DEPLOY_TOKEN }}".into(),
                "password: \"%(db_password)s\"".into(),
                "secret: os.environ[\"APP_SECRET\"]".into(),
                "api_key = process.env.API_KEY".into(),
            ]),
            ("encoded plain text", "config/banner.yaml", vec![
                format!("secret_hint: \"{}\"", encode_base64(b"ask the platform team for the production values")),
                format!("token_description = \"{}\"", hex(b"rotate every quarter please")),
                format!("api_key_note: {}", encode_base64(b"see the wiki page on onboarding")),
            ]),
            ("test fake", "tests/test_login.py", vec![
                "def test_login(client):".into(),
                "    client_secret = \"test-client-secret-123\"".into(),
                "    api_key = \"fake-api-key-for-tests\"".into(),
                "    password = \"mock-password-1\"".into(),
                "    token = \"dummy-token-value\"".into(),
            ]),
            ("ordinary code", "src/util.py", vec![
                "def secret_name(user):".into(),
                "    return f\"{user.id}-{user.name}\"".into(),
                "TOKEN_TTL_SECONDS = 3600".into(),
                "API_KEY_HEADER = \"X-Api-Key\"".into(),
                "password_field = form.fields[\"password\"]".into(),
                format!("CACHE_KEY = \"{}\"", f("{{hex:40}}")),
            ]),
        ];
        for (kind, path, lines) in noise_files {
            let count = lines.len();
            let file = corpus.add_file(path, lines);
            for line in 1..=count {
                corpus.labels.decoys.push(Decoy {
                    path: file.clone(),
                    line,
                    kind: kind.to_string(),
                });
            }
        }
    }
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

fn encode_base64(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n =
            chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Scoring

#[derive(Debug, Deserialize)]
struct FoundFinding {
    rule_id: String,
    provider: String,
    path: String,
    line: usize,
    /// The credential's other part (a key id paired into its secret's finding).
    #[serde(default)]
    part: Option<FoundPart>,
}

#[derive(Debug, Deserialize)]
struct FoundPart {
    rule_id: String,
    line: usize,
}

/// `findings` with each paired part as a finding of its own rule at its own line: the part is
/// reported, inside its partner's finding, and a label at its line is found.
fn with_parts(findings: Vec<FoundFinding>) -> Vec<FoundFinding> {
    let parts: Vec<FoundFinding> = findings
        .iter()
        .filter_map(|f| {
            let part = f.part.as_ref()?;
            Some(FoundFinding {
                rule_id: part.rule_id.clone(),
                provider: f.provider.clone(),
                path: f.path.clone(),
                line: part.line,
                part: None,
            })
        })
        .collect();
    findings.into_iter().chain(parts).collect()
}

#[derive(Debug, Default, Clone, Copy)]
struct Score {
    positives: usize,
    true_positives: usize,
    false_positives: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        let reported = self.true_positives + self.false_positives;
        if reported == 0 { 1.0 } else { self.true_positives as f64 / reported as f64 }
    }
    fn recall(&self) -> f64 {
        if self.positives == 0 { 1.0 } else { self.true_positives as f64 / self.positives as f64 }
    }
}

fn score_command(
    labels_path: &str,
    findings_path: &str,
    rest: &[String],
) -> Result<ExitCode, String> {
    let minimum: f64 = option(rest, "--min", 0.98)?;
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"));
    let labels: Labels =
        serde_json::from_str(&read(labels_path)?).map_err(|e| format!("{labels_path}: {e}"))?;
    let findings: Vec<FoundFinding> =
        serde_json::from_str(&read(findings_path)?).map_err(|e| format!("{findings_path}: {e}"))?;
    let findings = with_parts(findings);

    let mut families: BTreeMap<String, Score> = BTreeMap::new();
    let mut open: HashMap<(&str, usize), Vec<&Positive>> = HashMap::new();
    for positive in &labels.positives {
        families.entry(positive.family.clone()).or_default().positives += 1;
        open.entry((positive.path.as_str(), positive.line)).or_default().push(positive);
    }
    let decoys: HashMap<(&str, usize), &Decoy> =
        labels.decoys.iter().map(|d| ((d.path.as_str(), d.line), d)).collect();
    // Check findings (a `.env` file, a key in a header) restate a secret a rule found, or judge
    // a whole file: they count only where they report a labelled secret no rule reported.
    let check_ids: std::collections::HashSet<String> = rules::builtin_rules()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|rule| rule.check.is_some())
        .map(|rule| rule.id)
        .collect();
    let (checks, findings): (Vec<FoundFinding>, Vec<FoundFinding>) =
        findings.into_iter().partition(|f| check_ids.contains(&f.rule_id));
    let mut false_positives = Vec::new();
    // An example can hold two secrets of its provider on one line (a provisioning key and its
    // secret): the second finding there reports a labelled secret too, and counts neither way.
    let mut matched_lines: std::collections::HashSet<(&str, usize, &str)> = Default::default();
    for finding in &findings {
        let at_line = (finding.path.as_str(), finding.line, finding.provider.as_str());
        let slot = open.get_mut(&(finding.path.as_str(), finding.line));
        let matched = slot.and_then(|list| {
            let at = list.iter().position(|p| p.family == finding.provider)?;
            Some(list.remove(at))
        });
        let score = families.entry(finding.provider.clone()).or_default();
        match matched {
            Some(_) => {
                score.true_positives += 1;
                matched_lines.insert(at_line);
            }
            None if matched_lines.contains(&at_line) => {}
            None => {
                score.false_positives += 1;
                let why = decoys
                    .get(&(finding.path.as_str(), finding.line))
                    .map_or("unlabelled line".to_string(), |d| d.kind.clone());
                false_positives
                    .push(format!("{}:{} {} ({why})", finding.path, finding.line, finding.rule_id));
            }
        }
    }
    let mut by_check = 0;
    for check in &checks {
        if let Some(list) = open.get_mut(&(check.path.as_str(), check.line)) {
            if let Some(positive) = list.pop() {
                families.entry(positive.family.clone()).or_default().true_positives += 1;
                by_check += 1;
            }
        }
    }
    let misses: Vec<String> = open
        .values()
        .flatten()
        .map(|p| format!("{}:{} {} ({})", p.path, p.line, p.rule_id, p.how))
        .collect();

    let mut total = Score::default();
    println!(
        "{:<28} {:>9} {:>6} {:>6} {:>6} {:>10} {:>8}",
        "family", "positives", "TP", "FP", "FN", "precision", "recall"
    );
    let mut failing = Vec::new();
    for (family, score) in &families {
        total.positives += score.positives;
        total.true_positives += score.true_positives;
        total.false_positives += score.false_positives;
        print_row(family, score);
        if score.precision() < minimum || score.recall() < minimum {
            failing.push(family.clone());
        }
    }
    print_row("overall", &total);
    println!(
        "({} rule findings, {} decoy lines; {} check findings, {} of them the only report of a labelled secret)",
        findings.len(),
        labels.decoys.len(),
        checks.len(),
        by_check
    );
    for line in false_positives.iter().take(20) {
        println!("false positive: {line}");
    }
    let mut sorted_misses = misses.clone();
    sorted_misses.sort();
    for line in sorted_misses.iter().take(20) {
        println!("missed: {line}");
    }
    if total.precision() < minimum || total.recall() < minimum || !failing.is_empty() {
        println!(
            "FAIL: below {minimum}: {}",
            if failing.is_empty() { "overall".to_string() } else { failing.join(", ") }
        );
        return Ok(ExitCode::from(1));
    }
    println!("ok: precision and recall of every family at least {minimum}");
    Ok(ExitCode::SUCCESS)
}

fn print_row(family: &str, score: &Score) {
    println!(
        "{:<28} {:>9} {:>6} {:>6} {:>6} {:>10.4} {:>8.4}",
        family,
        score.positives,
        score.true_positives,
        score.false_positives,
        score.positives - score.true_positives,
        score.precision(),
        score.recall()
    );
}
