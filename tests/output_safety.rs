//! What leaves keyhound: no planted secret in any format, file, warning or baseline unless
//! `--show-secrets` (and never in SARIF or GitHub annotations); no raw control characters from
//! the repository on the terminal.

mod common;

use std::path::Path;

use common::*;

/// Fake, format-valid secrets planted in every place a repository can hold a string.
struct Planted {
    /// In file contents: an AWS key pair on one line, two GitHub tokens on another.
    contents: Vec<String>,
    /// In a file name whose file also holds a secret, and in one that only warns.
    file_names: Vec<String>,
    /// In a commit summary: one also in a file, one only there.
    message_in_file: String,
    message_only: String,
    /// In the author name and email of a commit.
    author: Vec<String>,
    branch: String,
    tag: String,
}

impl Planted {
    fn all(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.contents.iter().map(String::as_str).collect();
        all.extend(self.file_names.iter().map(String::as_str));
        all.extend(self.author.iter().map(String::as_str));
        all.extend(
            [&self.message_in_file, &self.message_only, &self.branch, &self.tag]
                .map(|s| s.as_str()),
        );
        all
    }
}

fn plant() -> (tempfile::TempDir, Planted) {
    let mut fake = FakeGen::new(0x5ec2e7);
    let aws_id = format!("AKIA{}", fake.string_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
    let aws_secret =
        fake.string_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
    let mut ghp = || fake.crc32_token("ghp_");
    let planted = Planted {
        contents: vec![aws_id, aws_secret, ghp(), ghp(), ghp()],
        file_names: vec![ghp(), ghp()],
        message_in_file: String::new(),
        message_only: ghp(),
        author: vec![ghp(), ghp()],
        branch: ghp(),
        tag: ghp(),
    };
    let planted = Planted { message_in_file: planted.contents[2].clone(), ..planted };
    let c = &planted.contents;
    let dir = git_repo();
    let root = dir.path();
    write(
        root,
        "config.json",
        &format!(
            "{{\"aws_access_key_id\": \"{}\", \"aws_secret_access_key\": \"{}\"}}\n",
            c[0], c[1]
        ),
    );
    write(root, "app.py", &format!("tokens = [\"{}\", \"{}\"]\n", c[2], c[3]));
    write(root, &format!("keys/{}.txt", planted.file_names[0]), &format!("token = {}\n", c[4]));
    // Latin-1, not UTF-8: a warning names this file.
    std::fs::write(root.join(format!("{}.log", planted.file_names[1])), b"caf\xe9 au lait\n")
        .unwrap();
    git(root, &["add", "-A"]);
    let author = format!("Eve {} <{}@example.invalid>", planted.author[0], planted.author[1]);
    let message = format!("add {} and {} for CI", planted.message_in_file, planted.message_only);
    git(root, &["commit", "-q", "--author", &author, "-m", &message]);
    git(root, &["branch", &format!("feature/{}", planted.branch)]);
    git(root, &["tag", "-a", &format!("release-{}", planted.tag), "-m", "release"]);
    (dir, planted)
}

/// The first place `text` holds `secret` or any 12-character piece of it.
fn leak(secret: &str, text: &str) -> Option<String> {
    let chars: Vec<char> = secret.chars().collect();
    if text.contains(secret) {
        return Some(secret.to_string());
    }
    chars.windows(12).map(|w| w.iter().collect::<String>()).find(|piece| text.contains(piece))
}

fn assert_no_leak(planted: &Planted, what: &str, text: &str) {
    for secret in planted.all() {
        if let Some(piece) = leak(secret, text) {
            panic!("{what}: `{piece}` of a planted secret leaks:\n{text}");
        }
    }
}

/// Stdout, stderr and the `--output` file (if any) of one run, together.
fn everything(dir: &Path, args: &[&str], output_file: Option<&Path>) -> (Option<i32>, String) {
    let mut all_args = args.to_vec();
    let file_arg;
    if let Some(file) = output_file {
        file_arg = file.display().to_string();
        all_args.extend(["--output", file_arg.as_str()]);
    }
    let output = run(dir, &all_args);
    let mut text = format!("{}{}", stdout(&output), stderr(&output));
    if let Some(file) = output_file {
        text.push_str(&std::fs::read_to_string(file).expect("the report file"));
    }
    (output.status.code(), text)
}

#[test]
fn no_planted_secret_leaks_from_any_format_with_or_without_an_output_file() {
    let (dir, planted) = plant();
    let out_dir = tempfile::tempdir().unwrap();
    let report = out_dir.path().join("report");
    for scope in [&["scan", "."][..], &["scan", ".", "--history"], &["scan", ".", "--history-only"]]
    {
        for format in ["text", "json", "jsonl", "sarif", "github"] {
            for output_file in [None, Some(report.as_path())] {
                let mut args = scope.to_vec();
                args.extend(["--format", format]);
                let what = format!("{args:?} output file {output_file:?}");
                let (code, text) = everything(dir.path(), &args, output_file);
                assert_eq!(code, Some(1), "{what}: {text}");
                assert_no_leak(&planted, &what, &text);
                // Not vacuous: the findings and the redacted file name are there.
                assert!(text.contains("ghp_****"), "{what}: {text}");
                if format != "sarif" {
                    assert!(text.contains("keys/ghp_****.txt"), "{what}: {text}");
                }
            }
        }
    }
    let (_, text) = everything(dir.path(), &["scan", "."], None);
    assert!(text.contains("ghp_****.log: not valid UTF-8"), "the warning names the file: {text}");
}

#[test]
fn commit_summaries_and_author_fields_are_redacted_in_history_findings() {
    let (dir, planted) = plant();
    let (code, text) = everything(dir.path(), &["scan", ".", "--history-only"], None);
    assert_eq!(code, Some(1), "{text}");
    assert_no_leak(&planted, "history text", &text);
    // The summary names a secret also found in a file, and one found nowhere else.
    assert!(text.contains("add ghp_**** and ghp_**** for CI"), "{text}");
    assert!(text.contains("by Eve ghp_**** <ghp_****@example.invalid>"), "{text}");
    // The secret only in the message, and those in the branch and tag names, are findings of
    // their own (redacted like any other).
    let (output, findings) = scan_json(dir.path(), &[".", "--history-only"]);
    assert_no_leak(&planted, "history JSON", &stdout(&output));
    let at = |path: &str| findings.iter().filter(|f| f["path"] == path).count();
    assert!(at("<commit message>") >= 2, "{findings:#?}");
    assert_eq!(at("<ref name>"), 2, "{findings:#?}");
}

#[test]
fn show_secrets_never_reaches_sarif_or_github_annotations() {
    let (dir, planted) = plant();
    for format in ["sarif", "github"] {
        let args = ["scan", ".", "--history", "--show-secrets", "--format", format];
        let (code, text) = everything(dir.path(), &args, None);
        assert_eq!(code, Some(1), "{text}");
        assert_no_leak(&planted, format, &text);
    }
    let (_, text) =
        everything(dir.path(), &["scan", ".", "--format", "json", "--show-secrets"], None);
    assert!(text.contains(&planted.contents[0]), "--show-secrets shows secrets in JSON: {text}");
}

#[test]
fn baseline_file_and_stale_list_hold_no_secret_from_a_file_name() {
    let (dir, planted) = plant();
    let out_dir = tempfile::tempdir().unwrap();
    let baseline = out_dir.path().join("baseline.json");
    let baseline_arg = baseline.display().to_string();
    let (code, text) = everything(dir.path(), &["baseline", ".", "-o", &baseline_arg], None);
    assert_eq!(code, Some(0), "{text}");
    let stored = std::fs::read_to_string(&baseline).unwrap();
    assert_no_leak(&planted, "baseline run", &text);
    assert_no_leak(&planted, "baseline file", &stored);
    assert!(stored.contains("keys/ghp_****.txt"), "{stored}");
    // The redacted path still matches its finding: nothing new.
    let (code, text) = everything(dir.path(), &["scan", ".", "--baseline", &baseline_arg], None);
    assert_eq!(code, Some(0), "{text}");
    // Removed, its entry is stale, and the stale list holds no secret either.
    std::fs::remove_dir_all(dir.path().join("keys")).unwrap();
    let (code, text) = everything(dir.path(), &["scan", ".", "--baseline", &baseline_arg], None);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("no longer found") && text.contains("keys/ghp_****.txt"), "{text}");
    assert_no_leak(&planted, "stale list", &text);
}

#[test]
fn control_characters_in_file_names_and_commit_fields_are_escaped_in_text_and_github_output() {
    let dir = git_repo();
    let root = dir.path();
    let hostile = "evil\x1b]0;pwned\x07\nforged.py:1:1: critical [fake]";
    write(root, &format!("{hostile}.txt"), &format!("token = {}\n", token(11)));
    git(root, &["add", "-A"]);
    git(
        root,
        &["commit", "-q", "--author", "Mal\x1b[2J <m@x.invalid>", "-m", "clear\x1b[2Jscreen"],
    );
    for format in ["text", "github"] {
        let output = run(root, &["scan", ".", "--history", "--format", format]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let text = stdout(&output);
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{format}: {text:?}");
        assert!(text.contains("evil\\x1b]0;pwned\\x07\\nforged.py"), "{format}: {text:?}");
        assert!(text.contains("Mal\\x1b[2J") && text.contains("clear\\x1b[2Jscreen"), "{text:?}");
        assert!(
            !text.lines().any(|line| line.starts_with("forged.py")),
            "{format}: a newline in a file name forged a line: {text}"
        );
    }
    let output = run(root, &["scan", ".", "--format", "json"]);
    let findings = json_findings(&output);
    assert!(
        findings[0]["path"].as_str().unwrap().starts_with("evil\x1b]0;"),
        "JSON keeps the name"
    );
}
