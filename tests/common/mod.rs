//! Helpers shared by the CLI tests: run the real binary, build real git repositories.
#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

pub use keyhound::fake::FakeGen;

pub mod server;

/// The keyhound binary built by cargo for this test run.
pub fn keyhound() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keyhound"));
    command.env_remove("RUST_LOG").env_remove("GIT_INDEX_FILE");
    command
}

/// Runs keyhound with `args` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    keyhound().current_dir(dir).args(args).output().expect("run keyhound")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `git` isolated from the user's and system configuration, with a fixed identity and dates.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = git_command(dir).args(args).output().expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

pub fn git_command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        // Tests may themselves run inside a git hook (pre-commit), which sets these.
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.invalid")
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.invalid")
        .env("GIT_AUTHOR_DATE", "2024-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2024-01-02T03:04:05Z")
        .args(["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"]);
    command
}

/// A fresh git repository in a temporary directory.
pub fn git_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    git(dir.path(), &["init", "-q"]);
    dir
}

pub fn write(dir: &Path, relative: &str, content: &str) -> PathBuf {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent directories");
    }
    std::fs::write(&path, content).expect("write file");
    path
}

/// A format-valid fake GitHub token (checksum included), the same for the same seed.
pub fn token(seed: u64) -> String {
    FakeGen::new(seed).crc32_token("ghp_")
}

/// Commits everything in the work tree; returns the new commit's id.
pub fn commit_all(dir: &Path, message: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

/// Runs `keyhound scan --format json` with `extra` arguments; returns the output and findings.
pub fn scan_json(dir: &Path, extra: &[&str]) -> (Output, Vec<serde_json::Value>) {
    let mut args = vec!["scan", "--format", "json"];
    args.extend_from_slice(extra);
    let output = run(dir, &args);
    let findings = json_findings(&output);
    (output, findings)
}

/// Parses `--format json` output.
pub fn json_findings(output: &Output) -> Vec<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("JSON output does not parse: {err}\n{}", stdout(output)));
    value.as_array().expect("a JSON array").clone()
}
