//! Randomized tests (proptest) for the parts that read untrusted input: the engine, the header
//! checks' lexer, the configuration and rules parsers, and the pack reader. Case counts stay
//! low so `cargo test` stays quick on 2 cores; `PROPTEST_CASES=5000 cargo test --test
//! randomized` searches harder.

mod common;

use std::{
    path::Path,
    process::Stdio,
    sync::OnceLock,
    time::{Duration, Instant},
};

use common::{FakeGen, commit_all, git, git_repo, token, write};
use keyhound::{
    config::Config,
    engine::Engine,
    finding::Finding,
    model::Tracking,
    pipeline::Pipeline,
    rules::{builtin_rules, parse_rules_file},
};
use proptest::prelude::*;

fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        Pipeline::builtin(Engine::new(builtin_rules().unwrap(), Default::default()).unwrap())
    })
}

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok());
    ProptestConfig { cases: cases.unwrap_or(default), ..ProptestConfig::default() }
}

fn scan(path: &str, content: &[u8]) -> Vec<Finding> {
    pipeline().scanner().scan(path, content, Tracking::Committed)
}

/// Findings point inside the content: lines and columns exist, spans are ordered.
fn assert_sane(content: &[u8], findings: &[Finding]) -> Result<(), TestCaseError> {
    let lines = content.split(|&b| b == b'\n').count();
    for f in findings {
        let s = f.span;
        prop_assert!(s.line >= 1 && s.line <= lines, "line {} of {lines}", s.line);
        prop_assert!((s.line, s.column) <= (s.end_line, s.end_column), "{s:?}");
        prop_assert!(s.end_line <= lines, "{s:?}");
        prop_assert!(f.snippet.chars().count() <= 161, "{}", f.snippet);
    }
    Ok(())
}

/// Text fragments the rules, the header lexer and the `.env` check react to, so random
/// content reaches deep into them instead of being skipped by the literal pass.
const FRAGMENTS: &[&str] = &[
    "Authorization",
    "authorization: ",
    "Bearer ",
    "bearer ",
    "Token ",
    "Basic ",
    "x-api-key",
    "X-Api-Key: ",
    "headers={\"",
    "\": f\"",
    "?api_key=",
    "&token=",
    "https://api.openai.com/",
    "api.anthropic.com",
    "OPENAI_API_KEY",
    "${",
    "}",
    "\"",
    "'",
    "`",
    "=",
    ":",
    " ",
    "\t",
    "\n",
    "\r\n",
    "secret = \"",
    "password: ",
    "postgres://u:",
    "@db:5432/",
    "AKIA",
    "ghp_",
    "sk-",
    "-----BEGIN PRIVATE KEY-----",
    "-----END PRIVATE KEY-----",
    "\\",
    "\0",
    "é",
    "\u{202e}",
];

fn header_like() -> impl Strategy<Value = Vec<u8>> {
    let fragment = prop_oneof![
        4 => proptest::sample::select(FRAGMENTS).prop_map(|s| s.as_bytes().to_vec()),
        2 => "[A-Za-z0-9_+/=-]{1,48}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 1..8),
    ];
    proptest::collection::vec(fragment, 0..60).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn engine_never_panics_and_reports_spans_inside_random_bytes(
        content in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let findings = scan("random.bin", &content);
        assert_sane(&content, &findings)?;
    }

    #[test]
    fn engine_finds_a_planted_token_in_random_surroundings(
        seed in any::<u64>(),
        before in "[ \t\n=:\"',;(){}\\[\\]]{0,3}[a-z ]{0,40}[ \t\n=:\"',;(){}\\[\\]]",
        after in "[ \t\n\"',;(){}\\[\\]][a-z \n]{0,40}",
    ) {
        let secret = FakeGen::new(seed).crc32_token("ghp_");
        let content = format!("{before}{secret}{after}");
        let findings = scan("planted.txt", content.as_bytes());
        prop_assert!(
            findings.iter().any(|f| f.secret == secret),
            "{secret} not found in {content:?}: {findings:?}"
        );
        assert_sane(content.as_bytes(), &findings)?;
    }

    #[test]
    fn header_lexer_never_panics_on_header_like_lines(content in header_like()) {
        for path in ["client.py", ".env", "bundle.min.js"] {
            let findings = scan(path, &content);
            assert_sane(&content, &findings)?;
        }
    }

    #[test]
    fn config_parser_returns_an_error_with_a_line_never_panics(text in toml_like()) {
        if let Err(err) = Config::parse("keyhound.toml", &text) {
            prop_assert!(err.line >= 1 && err.line <= text.lines().count().max(1) + 1, "{err}");
        }
    }

    #[test]
    fn rules_parser_survives_mutations_of_a_real_rule_file(
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut bytes = include_str!("../rules/github.toml").as_bytes().to_vec();
        mutate(&mut bytes, &edits);
        let text = String::from_utf8_lossy(&bytes);
        match parse_rules_file("github.toml", &text) {
            Ok(rules) => {
                // A rule file that still parses must still build (or fail cleanly).
                let _ = Engine::new(rules, Default::default());
            }
            Err(err) => prop_assert!(err.line >= 1, "{err}"),
        }
    }
}

fn toml_like() -> impl Strategy<Value = String> {
    let starter = include_str!("../src/config/starter.toml");
    let piece = prop_oneof![
        proptest::sample::select(vec![
            "format = ",
            "\"json\"",
            "\"nope\"",
            "disable = [",
            "]",
            "enable_only = [",
            "\"github-classic-pat\"",
            "[allow]",
            "paths = [\"a/**\"]",
            "[[rules]]",
            "id = \"x\"",
            "regex = '''(?P<secret>x{3})'''",
            "keywords = [\"x\"]",
            "generic_entropy = 9.5",
            "max_key_age_days = -1",
            "builtin_suppression = ",
            "true",
            "\n",
            "=",
            "[",
            "\"",
            "'",
            "#",
            "\u{0}",
            "{",
            "}",
            ",",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,12}".prop_map(|s| s),
    ];
    prop_oneof![
        proptest::collection::vec(piece, 0..40).prop_map(|parts| parts.concat()),
        (any::<proptest::sample::Index>(), any::<proptest::sample::Index>()).prop_map(
            move |(a, b)| {
                // A slice of the real starter file: valid prefixes, broken middles.
                let (a, b) = (a.index(starter.len()), b.index(starter.len()));
                let (a, b) = (a.min(b), a.max(b));
                String::from_utf8_lossy(&starter.as_bytes()[a..b]).into_owned()
            }
        ),
    ]
}

/// Applies byte edits: 0 replaces, 1 inserts, 2 deletes.
fn mutate(bytes: &mut Vec<u8>, edits: &[(proptest::sample::Index, u8, u8)]) {
    for (at, byte, kind) in edits {
        if bytes.is_empty() {
            bytes.push(*byte);
            continue;
        }
        let i = at.index(bytes.len());
        match kind {
            0 => bytes[i] = *byte,
            1 => bytes.insert(i, *byte),
            _ => {
                bytes.remove(i);
            }
        }
    }
}

/// A packed repository with a secret in a delta chain; made once, copied per case.
fn packed_repo() -> &'static Path {
    static REPO: OnceLock<tempfile::TempDir> = OnceLock::new();
    REPO.get_or_init(|| {
        let repo = git_repo();
        let dir = repo.path();
        for version in 0..6 {
            let mut text: String = (0..40).map(|l| format!("line {l} stays the same\n")).collect();
            text.push_str(&format!("version = {version}\n"));
            if version == 3 {
                text.push_str(&format!("token = {}\n", token(77)));
            }
            write(dir, "config.txt", &text);
            commit_all(dir, &format!("version {version}"));
        }
        git(dir, &["repack", "-adfq", "--depth=10"]);
        git(dir, &["prune-packed"]);
        repo
    })
    .path()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs `keyhound scan --history-only` with a time limit; the exit code, or `None` if killed.
fn scan_history_within(dir: &Path, limit: Duration) -> (Option<i32>, String) {
    let mut child = common::keyhound()
        .current_dir(dir)
        .args(["scan", ".", "--history-only", "--format", "json", "--no-warnings"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            return (status.code(), String::from_utf8_lossy(&output.stderr).into_owned());
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            return (None, String::new());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

proptest! {
    #![proptest_config(cases(12))]

    #[test]
    fn pack_reader_survives_corrupt_packs_and_indexes(
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        target_idx in any::<bool>(),
    ) {
        let case = tempfile::tempdir().unwrap();
        copy_dir(packed_repo(), case.path());
        let pack_dir = case.path().join(".git/objects/pack");
        let wanted = if target_idx { "idx" } else { "pack" };
        let file = std::fs::read_dir(&pack_dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == wanted))
            .unwrap();
        let mut bytes = std::fs::read(&file).unwrap();
        // Keep the header most of the time so the reader gets past it.
        let header = 12.min(bytes.len());
        let mut body = bytes.split_off(header);
        mutate(&mut body, &edits);
        bytes.extend(body);
        std::fs::write(&file, &bytes).unwrap();
        let (code, stderr) = scan_history_within(case.path(), Duration::from_secs(30));
        prop_assert!(code.is_some(), "a corrupt {wanted} hung the history scan");
        prop_assert!(matches!(code, Some(0..=2)), "exit {code:?}: {stderr}");
        prop_assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
