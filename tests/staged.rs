//! `keyhound scan --staged`: only the staged content that differs from HEAD is scanned, and
//! positions are those of the staged blob.

mod common;

use common::*;
use keyhound::sources::staged::{index_changes, staged_changes};

/// A repository with one commit holding `files`.
fn committed_repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let repo = git_repo();
    for (path, content) in files {
        write(repo.path(), path, content);
    }
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "initial"]);
    repo
}

#[test]
fn reports_the_staged_blob_not_the_working_tree_copy() {
    let repo = committed_repo(&[("src/app/config.py", "DEBUG = True\n"), ("README", "hi\n")]);
    let secret = token(1);
    let staged = format!("DEBUG = True\n\nTOKEN = \"{secret}\"\n");
    write(repo.path(), "src/app/config.py", &staged);
    git(repo.path(), &["add", "src/app/config.py"]);
    // The working-tree copy moves the secret down three lines after staging.
    write(repo.path(), "src/app/config.py", &format!("# a\n# b\n# c\n{staged}"));

    let output = run(repo.path(), &["scan", "--staged", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = json_findings(&output);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["path"], "src/app/config.py");
    assert_eq!(findings[0]["line"], 3);
    assert_eq!(findings[0]["column"], 10);
    assert_eq!(findings[0]["rule_id"], "github-classic-pat");
    assert!(!stdout(&output).contains(&secret), "the secret is printed");
}

#[test]
fn unstaged_and_untracked_secrets_are_not_reported() {
    let repo = committed_repo(&[("settings.conf", "A=1\n")]);
    write(repo.path(), "settings.conf", &format!("A=1\nGH={}\n", token(2)));
    write(repo.path(), "untracked.txt", &format!("GH={}\n", token(3)));

    let output = run(repo.path(), &["scan", "--staged"]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("0 finding(s) in 0 file(s)"), "{}", stdout(&output));

    // The same secret is found once it is staged.
    git(repo.path(), &["add", "settings.conf"]);
    let output = run(repo.path(), &["scan", "--staged", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json_findings(&output)[0]["line"], 2);
}

#[test]
fn deleted_and_unchanged_files_are_not_scanned() {
    let repo = committed_repo(&[
        ("old/leak.txt", &format!("GH={}\n", token(4))),
        ("kept/leak.txt", &format!("GH={}\n", token(5))),
        ("notes.md", "one\n"),
    ]);
    git(repo.path(), &["rm", "-q", "old/leak.txt"]);
    write(repo.path(), "notes.md", "one\ntwo\n");
    git(repo.path(), &["add", "notes.md"]);

    let output = run(repo.path(), &["scan", "--staged"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    // Only notes.md was read: the deletion and the unchanged leak are not scanned.
    assert!(stdout(&output).contains("0 finding(s) in 1 file(s)"), "{}", stdout(&output));
}

#[test]
fn works_before_the_first_commit() {
    let repo = git_repo();
    write(repo.path(), "deploy/ci.sh", &format!("#!/bin/sh\nexport GH_TOKEN={}\n", token(6)));
    write(repo.path(), "clean.txt", "nothing here\n");
    git(repo.path(), &["add", "-A"]);

    let output = run(repo.path(), &["scan", "--staged", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = json_findings(&output);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["path"], "deploy/ci.sh");
    assert_eq!(findings[0]["line"], 2);
}

#[test]
fn an_empty_repository_has_nothing_staged() {
    let repo = git_repo();
    let output = run(repo.path(), &["scan", "--staged"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn a_directory_that_is_not_a_repository_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["scan", "--staged"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.starts_with("keyhound: error: ") && err.contains("not a git repository"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_subdirectory_is_not_discovered_upward() {
    let repo = committed_repo(&[("sub/a.txt", "a\n")]);
    let output = run(&repo.path().join("sub"), &["scan", "--staged"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn staged_changes_lists_exactly_the_added_and_modified_files() {
    let mut files: Vec<(String, String)> = (0..40)
        .map(|i| (format!("d{}/sub{}/f{i}.txt", i % 4, i % 3), format!("file {i}\n")))
        .collect();
    files.push(("top.txt".into(), "top\n".into()));
    files.push(("d1-sibling.txt".into(), "sorts between d1 and d1/\n".into()));
    files.push(("gone.txt".into(), "bye\n".into()));
    files.push(("mode.sh".into(), "echo\n".into()));
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    let repo = committed_repo(&borrowed);
    let dir = repo.path();

    write(dir, "d1/sub2/f5.txt", "changed\n");
    write(dir, "d2/new/added.txt", "new\n");
    write(dir, "d1-sibling.txt", "changed too\n");
    write(dir, "unstaged.txt", "not added\n");
    write(dir, "intent.txt", "intent to add only\n");
    git(dir, &["add", "d1/sub2/f5.txt", "d2/new/added.txt", "d1-sibling.txt"]);
    git(dir, &["add", "-N", "intent.txt"]);
    git(dir, &["rm", "-q", "gone.txt"]);
    git(dir, &["update-index", "--chmod=+x", "mode.sh"]);
    write(dir, "d0/sub0/f0.txt", "changed but not staged\n");

    let repo = keyhound::git::open_repository(dir).unwrap();
    let paths: Vec<String> = staged_changes(&repo).unwrap().into_iter().map(|f| f.path).collect();
    assert_eq!(paths, ["d1-sibling.txt", "d1/sub2/f5.txt", "d2/new/added.txt"]);

    // Without git's cache-tree the walk compares every directory and finds the same changes.
    let mut index = repo.open_index().unwrap();
    assert!(index.remove_tree().is_some(), "git wrote no cache-tree: the test proves nothing");
    let head_tree = repo.head_tree_id().unwrap().detach();
    let uncached: Vec<String> =
        index_changes(&repo, head_tree, &index).unwrap().into_iter().map(|f| f.path).collect();
    assert_eq!(uncached, paths);
}
