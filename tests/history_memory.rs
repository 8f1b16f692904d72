//! `keyhound scan --history-memory SIZE`: a whole-history scan within a memory budget gives
//! the same findings whatever the budget; a history too large for the budget's traversal is
//! read in slices of delta families.

mod common;

use std::{
    io::Write,
    path::Path,
    process::{Output, Stdio},
};

use common::{git, git_command, git_repo, json_findings, keyhound, run, scan_json, stderr, token};
use serde_json::Value;

const FILES: usize = 40;
const FILES_PER_COMMIT: usize = 5;

/// Version `version` of file `file`: many lines, so versions are stored as deltas.
fn body(file: usize, version: usize, extra: &str) -> String {
    let mut text: String =
        (0..60).map(|line| format!("file {file} line {line}: a setting kept as is\n")).collect();
    text.push_str(&format!("version = {version}\n{extra}"));
    text
}

fn modify(script: &mut String, path: &str, content: &str) {
    script.push_str(&format!("M 100644 inline {path}\ndata {}\n{content}\n", content.len()));
}

fn commit_header(script: &mut String, branch: &str, mark: usize, message: &str) {
    let time = 1_700_000_000 + mark * 60;
    script.push_str(&format!(
        "commit refs/heads/{branch}\nmark :{mark}\n\
         committer Ada Lovelace <ada@example.invalid> {time} +0000\ndata {}\n{message}\n",
        message.len()
    ));
}

/// A history of about 20,000 objects (more than one slice of the smallest budget): `main`
/// rewrites five of forty files a commit, adds a secret early, renames `src/` to `lib/`
/// half-way, adds a second secret after the rename; `side` branches off and adds a third.
/// Returns the secrets.
fn import_history(dir: &Path, commits: usize) -> [String; 3] {
    let secrets = [token(41), token(42), token(43)];
    let renamed_at = commits / 2;
    let mut script = String::new();
    let mut versions = vec![0usize; FILES];
    for c in 1..=commits {
        commit_header(&mut script, "main", c, &format!("change {c}"));
        if c > 1 {
            script.push_str(&format!("from :{}\n", c - 1));
        }
        let dir_name = if c > renamed_at { "lib" } else { "src" };
        if c == renamed_at + 1 {
            for file in 0..FILES {
                script.push_str(&format!("R src/f{file}.cfg lib/f{file}.cfg\n"));
            }
        }
        for k in 0..FILES_PER_COMMIT {
            let file = (c * FILES_PER_COMMIT + k * 7) % FILES;
            versions[file] += 1;
            let extra = match file {
                3 if (10..60).contains(&c) => format!("token = \"{}\"\n", secrets[0]),
                11 if c > renamed_at + 20 => format!("token = \"{}\"\n", secrets[1]),
                _ => String::new(),
            };
            modify(
                &mut script,
                &format!("{dir_name}/f{file}.cfg"),
                &body(file, versions[file], &extra),
            );
        }
    }
    let fork = commits / 3;
    for s in 1..=50 {
        let mark = commits + s;
        commit_header(&mut script, "side", mark, &format!("side {s}"));
        script.push_str(&format!("from :{}\n", if s == 1 { fork } else { mark - 1 }));
        let content = body(99, s, &format!("password = \"{}\"\n", secrets[2]));
        modify(&mut script, "src/side.cfg", &content);
    }
    let mut import = git_command(dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run git fast-import");
    import.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    assert!(import.wait().unwrap().success(), "fast-import failed");
    git(dir, &["repack", "-adfq", "--window=20", "--depth=50"]);
    git(dir, &["prune-packed"]);
    secrets
}

/// A whole-history scan within `budget`, with `tmpdir` as TMPDIR.
fn scan_with_tmpdir(dir: &Path, tmpdir: &Path, budget: &str) -> (Output, Vec<Value>) {
    let output = keyhound()
        .current_dir(dir)
        .env("TMPDIR", tmpdir)
        .args(["scan", "--format", "json", "--history-only", "--history-memory", budget, "."])
        .output()
        .expect("run keyhound");
    let findings = json_findings(&output);
    (output, findings)
}

/// The findings as text, sorted, to compare two reports.
fn sorted(findings: &[Value]) -> Vec<String> {
    let mut texts: Vec<String> = findings.iter().map(Value::to_string).collect();
    texts.sort();
    texts
}

#[test]
fn the_smallest_budget_gives_the_default_budgets_findings() {
    let repo = git_repo();
    let dir = repo.path();
    let secrets = import_history(dir, 3_000);
    git(dir, &["checkout", "-q", "main"]);
    // A commit after the repack, one of whose blobs is then removed: a missing object.
    std::fs::write(dir.join("lib/extra.cfg"), body(7, 1, "")).unwrap();
    std::fs::write(dir.join("lib/gone.cfg"), "content that will be missing\n").unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "after the repack"]);
    let gone = git(dir, &["rev-parse", "HEAD:lib/gone.cfg"]);
    std::fs::remove_file(dir.join(".git/objects").join(&gone[..2]).join(&gone[2..])).unwrap();
    let objects: usize = git(dir, &["count-objects", "-v"])
        .lines()
        .filter_map(|line| line.strip_prefix("in-pack: "))
        .map(|n| n.parse::<usize>().unwrap())
        .sum();
    assert!(objects > 16_000, "{objects} objects");

    let (default, by_default) = scan_json(dir, &["--history-only", "."]);
    // The smallest budget spills the decoded trees to a file in TMPDIR, unlinked at once.
    let spill_dir = tempfile::tempdir().unwrap();
    let (small, by_small) = scan_with_tmpdir(dir, spill_dir.path(), "64M");
    assert_eq!(default.status.code(), Some(1), "{}", stderr(&default));
    assert_eq!(small.status.code(), Some(1), "{}", stderr(&small));
    assert_eq!(sorted(&by_small), sorted(&by_default));
    assert_eq!(std::fs::read_dir(spill_dir.path()).unwrap().count(), 0, "a file left behind");
    // Where no file can be made, the trees stay in memory, with a warning; same findings.
    let (unspilled, by_unspilled) = scan_with_tmpdir(dir, &spill_dir.path().join("absent"), "64M");
    assert_eq!(unspilled.status.code(), Some(1), "{}", stderr(&unspilled));
    assert_eq!(sorted(&by_unspilled), sorted(&by_default));
    assert!(stderr(&unspilled).contains("cannot make a temporary file"), "{}", stderr(&unspilled));
    for output in [&default, &small] {
        assert!(!stderr(output).contains("temporary file"), "{}", stderr(output));
    }
    let (at_default, _) = scan_with_tmpdir(dir, &spill_dir.path().join("absent"), "1G");
    assert!(!stderr(&at_default).contains("temporary file"), "the default does not spill");
    let paths: Vec<&str> = by_default.iter().filter_map(|f| f["path"].as_str()).collect();
    for path in ["src/f3.cfg", "lib/f11.cfg", "src/side.cfg"] {
        assert!(paths.contains(&path), "{path} in {paths:?}");
    }
    for output in [&default, &small] {
        let warnings = stderr(output);
        assert!(warnings.contains("1 blob(s) missing"), "{warnings}");
        for secret in &secrets {
            assert!(!common::stdout(output).contains(secret.as_str()), "a secret leaked");
        }
    }
}

#[test]
fn a_bad_budget_is_a_one_line_error_and_exit_2() {
    let repo = git_repo();
    let dir = repo.path();
    for value in ["12Q", "lots", "1M", "0", ""] {
        let output = run(dir, &["scan", "--history-only", "--history-memory", value, "."]);
        assert_eq!(output.status.code(), Some(2), "{value}: {}", stderr(&output));
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{value}: {err}");
        assert!(err.contains("--history-memory"), "{value}: {err}");
    }
}
