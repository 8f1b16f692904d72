//! `keyhound scan --history`: every blob of a real repository's history, attributed to the
//! commit that introduced it.

mod common;

use common::{
    commit_all, git, git_command, git_repo, run, scan_json, stderr, stdout, token, write,
};
use serde_json::Value;

/// The one finding at `path`; fails if there is none or several.
fn at_path<'a>(findings: &'a [Value], path: &str) -> &'a Value {
    let matching: Vec<&Value> = findings.iter().filter(|f| f["path"] == path).collect();
    assert_eq!(matching.len(), 1, "one finding at {path} expected in {findings:#?}");
    matching[0]
}

fn assert_introduced(finding: &Value, commit: &str, path: &str, line: u64) {
    assert_eq!(finding["path"], path, "{finding:#}");
    assert_eq!(finding["line"], line, "{finding:#}");
    assert_eq!(finding["commit"]["id"], commit, "{finding:#}");
    assert_eq!(finding["history"]["line"], line, "{finding:#}");
}

#[test]
fn a_deleted_secret_is_attributed_to_the_commit_that_added_it() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "README.md", "hello\n");
    commit_all(dir, "Start");
    let secret = token(1);
    write(dir, "config.py", &format!("# settings\nDEBUG = True\nGITHUB_TOKEN = \"{secret}\"\n"));
    let added = commit_all(dir, "Add config");
    git(dir, &["rm", "-q", "config.py"]);
    commit_all(dir, "Remove config");

    let plain = run(dir, &["scan", "."]);
    assert_eq!(plain.status.code(), Some(0), "not in the working tree: {}", stdout(&plain));

    let (output, findings) = scan_json(dir, &["--history", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_introduced(finding, &added, "config.py", 3);
    assert_eq!(finding["commit"]["author_name"], "Ada Lovelace");
    assert_eq!(finding["commit"]["author_email"], "ada@example.invalid");
    assert_eq!(finding["commit"]["summary"], "Add config");
    assert_eq!(finding["commit"]["time"], 1704164645);
    assert_eq!(finding["history"]["in_head"], false);
    assert_eq!(finding["history"]["in_worktree"], false);
    assert_eq!(finding["history"]["occurrences"], Value::Array(vec![]));
    let blob = git(dir, &["rev-parse", &format!("{added}:config.py")]);
    assert_eq!(finding["history"]["blob"], blob);
    assert!(!stdout(&output).contains(&secret), "the report must not print the secret");

    let text = run(dir, &["scan", "--history-only", "."]);
    let report = stdout(&text);
    assert!(report.contains("config.py:3:"), "{report}");
    assert!(report.contains(&format!("commit: {} by Ada Lovelace", &added[..12])), "{report}");
    assert!(report.contains("still in HEAD: no; in working tree: no"), "{report}");
}

#[test]
fn a_secret_still_present_is_reported_once_where_it_is_now() {
    let repo = git_repo();
    let dir = repo.path();
    let secret = token(2);
    write(dir, "app.ini", &format!("A=1\nTOKEN={secret}\n"));
    let added = commit_all(dir, "Add env");

    let (output, findings) = scan_json(dir, &["--history", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings.len(), 1, "working tree and history merge: {findings:#?}");
    assert_introduced(&findings[0], &added, "app.ini", 2);
    assert_eq!(findings[0]["history"]["in_head"], true);
    assert_eq!(findings[0]["history"]["in_worktree"], true);
}

#[test]
fn content_only_in_a_merge_resolution_is_attributed_to_the_merge() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "settings.ini", "[auth]\ntoken = none\n");
    commit_all(dir, "Base");
    git(dir, &["checkout", "-q", "-b", "feature"]);
    write(dir, "settings.ini", "[auth]\ntoken = feature\n");
    commit_all(dir, "Feature token");
    git(dir, &["checkout", "-q", "main"]);
    write(dir, "settings.ini", "[auth]\ntoken = main\n");
    commit_all(dir, "Main token");
    let merge = git_command(dir).args(["merge", "-q", "feature"]).output().expect("run git");
    assert!(!merge.status.success(), "the merge must conflict");
    let secret = token(3);
    write(dir, "settings.ini", &format!("[auth]\ntoken = {secret}\n"));
    let merge_commit = commit_all(dir, "Merge feature");
    assert_eq!(git(dir, &["rev-list", "--parents", "-n", "1", "HEAD"]).split(' ').count(), 3);

    let (_, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_introduced(&findings[0], &merge_commit, "settings.ini", 2);
    assert_eq!(findings[0]["commit"]["summary"], "Merge feature");
    assert_eq!(findings[0]["history"]["in_head"], true);
}

#[test]
fn the_same_secret_in_two_files_is_reported_per_path_with_the_other_places() {
    let repo = git_repo();
    let dir = repo.path();
    let secret = token(4);
    let same = format!("token: {secret}\n");
    write(dir, "a.yml", &same);
    write(dir, "copy/a.yml", &same);
    write(dir, "deploy.sh", &format!("#!/bin/sh\n\nexport GH={secret}\n"));
    let added = commit_all(dir, "Add deploy files");

    let (_, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(findings.len(), 3, "{findings:#?}");
    assert_introduced(at_path(&findings, "a.yml"), &added, "a.yml", 1);
    assert_introduced(at_path(&findings, "copy/a.yml"), &added, "copy/a.yml", 1);
    let deploy = at_path(&findings, "deploy.sh");
    assert_introduced(deploy, &added, "deploy.sh", 3);
    let others: Vec<(String, u64, String)> = deploy["history"]["occurrences"]
        .as_array()
        .expect("occurrences")
        .iter()
        .map(|o| {
            (
                o["path"].as_str().unwrap_or_default().to_string(),
                o["line"].as_u64().unwrap_or_default(),
                o["commit"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let mut others = others;
    others.sort();
    assert_eq!(
        others,
        vec![("a.yml".into(), 1, added.clone()), ("copy/a.yml".into(), 1, added.clone())]
    );
}

#[test]
fn secrets_on_another_branch_and_in_a_tag_only_are_found() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "README.md", "hello\n");
    commit_all(dir, "Start");
    git(dir, &["checkout", "-q", "-b", "side"]);
    let branch_secret = token(5);
    write(dir, "side.txt", &format!("one\ntwo\n{branch_secret}\n"));
    let on_branch = commit_all(dir, "Side work");
    git(dir, &["checkout", "-q", "--detach", "main"]);
    let tag_secret = token(6);
    write(dir, "release.txt", &format!("{tag_secret}\n"));
    let tagged = commit_all(dir, "Release build");
    git(dir, &["tag", "-a", "v1", "-m", "Version 1"]);
    git(dir, &["checkout", "-q", "main"]);

    let (_, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert_introduced(at_path(&findings, "side.txt"), &on_branch, "side.txt", 3);
    assert_introduced(at_path(&findings, "release.txt"), &tagged, "release.txt", 1);
    assert_eq!(at_path(&findings, "release.txt")["history"]["in_head"], false);
}

#[test]
fn an_unreachable_blob_is_found_only_with_all_objects() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "README.md", "hello\n");
    commit_all(dir, "Start");
    let secret = token(7);
    let loose = write(dir, "scratch.txt", &format!("scratch\n{secret}\n"));
    let blob = git(dir, &["hash-object", "-w", "scratch.txt"]);
    std::fs::remove_file(loose).expect("remove scratch");

    let (output, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(output.status.code(), Some(0), "{findings:#?}");
    assert!(findings.is_empty());

    let (output, findings) = scan_json(dir, &["--history-only", "--all-objects", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding["path"], format!("<blob:{blob}>"));
    assert_eq!(finding["line"], 2);
    assert!(finding.get("commit").is_none(), "{finding:#}");
    assert_eq!(finding["history"]["blob"], blob);
    assert_eq!(finding["history"]["in_head"], Value::Null);
}

#[test]
fn a_shallow_clone_warns_once_and_scans_what_it_has() {
    let origin = git_repo();
    let source = origin.path();
    let old = token(8);
    write(source, "old.txt", &format!("{old}\n"));
    commit_all(source, "Old secret");
    git(source, &["rm", "-q", "old.txt"]);
    commit_all(source, "Drop old secret");
    let new = token(9);
    write(source, "new.txt", &format!("x\n{new}\n"));
    let newest = commit_all(source, "New secret");

    let target = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", source.display());
    git(target.path(), &["clone", "-q", "--depth", "1", &url, "shallow"]);
    let clone = target.path().join("shallow");

    let (output, findings) = scan_json(&clone, &["--history-only", "."]);
    let warnings = stderr(&output);
    assert_eq!(warnings.lines().filter(|l| l.contains("shallow")).count(), 1, "{warnings}");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_introduced(&findings[0], &newest, "new.txt", 2);
}

#[test]
fn a_range_scans_only_what_its_commits_introduced() {
    let repo = git_repo();
    let dir = repo.path();
    let (first, second, third) = (token(10), token(11), token(12));
    write(dir, "one.txt", &format!("{first}\n"));
    let c1 = commit_all(dir, "One");
    write(dir, "two.txt", &format!("a\n{second}\n"));
    let c2 = commit_all(dir, "Two");
    write(dir, "three.txt", &format!("a\nb\n{third}\n"));
    // The newest commit also edits one.txt: the old secret stays, on a new line.
    write(dir, "one.txt", &format!("moved\n{first}\n"));
    let c3 = commit_all(dir, "Three");

    let (output, findings) = scan_json(dir, &["--range", &format!("{c1}..HEAD"), "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings.len(), 3, "{findings:#?}");
    assert_introduced(at_path(&findings, "two.txt"), &c2, "two.txt", 2);
    assert_introduced(at_path(&findings, "three.txt"), &c3, "three.txt", 3);
    assert_introduced(at_path(&findings, "one.txt"), &c3, "one.txt", 2);

    let (_, findings) = scan_json(dir, &["--since", &c2, "."]);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert_introduced(at_path(&findings, "three.txt"), &c3, "three.txt", 3);
    assert_introduced(at_path(&findings, "one.txt"), &c3, "one.txt", 2);

    let bad = run(dir, &["scan", "--range", "nope..HEAD", "."]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("unknown revision `nope`"), "{}", stderr(&bad));
}

#[test]
fn a_bare_repository_is_scanned() {
    let origin = git_repo();
    let source = origin.path();
    let secret = token(13);
    write(source, "k.txt", &format!("key {secret}\n"));
    let added = commit_all(source, "Key");
    let target = tempfile::tempdir().expect("tempdir");
    git(target.path(), &["clone", "-q", "--bare", &source.display().to_string(), "bare.git"]);
    let bare = target.path().join("bare.git");

    let (output, findings) = scan_json(&bare, &["--history", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_introduced(&findings[0], &added, "k.txt", 1);
    assert_eq!(findings[0]["history"]["in_head"], true);
    assert_eq!(findings[0]["history"]["in_worktree"], Value::Null);
}

#[test]
fn history_of_a_directory_that_is_not_a_repository_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.txt", "nothing\n");
    let output = run(dir.path(), &["scan", "--history", "."]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.starts_with("keyhound: error: "), "{message}");
    assert!(message.contains("not a git repository"), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");

    // A subdirectory of a repository is not the repository: no discovery upward.
    let repo = git_repo();
    write(repo.path(), "sub/a.txt", "x\n");
    commit_all(repo.path(), "Sub");
    let output = run(&repo.path().join("sub"), &["scan", "--history", "."]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn a_partial_clone_warns_about_missing_blobs_and_goes_on() {
    let origin = git_repo();
    let source = origin.path();
    git(source, &["config", "uploadpack.allowFilter", "true"]);
    write(source, "old.txt", &format!("{}\n", token(14)));
    commit_all(source, "Old");
    git(source, &["rm", "-q", "old.txt"]);
    commit_all(source, "Drop old");
    let secret = token(15);
    write(source, "new.txt", &format!("{secret}\n"));
    let newest = commit_all(source, "New");

    let target = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", source.display());
    git(target.path(), &["clone", "-q", "--filter=blob:none", &url, "partial"]);
    let clone = target.path().join("partial");

    let (output, findings) = scan_json(&clone, &["--history-only", "."]);
    let warnings = stderr(&output);
    assert!(warnings.contains("1 blob(s) missing from the object database"), "{warnings}");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_introduced(&findings[0], &newest, "new.txt", 1);
}

#[test]
fn a_corrupt_object_is_a_warning_naming_it_and_the_scan_goes_on() {
    let repo = git_repo();
    let dir = repo.path();
    let secret = token(16);
    write(dir, "good.txt", &format!("{secret}\n"));
    write(dir, "bad.txt", "soon corrupt\n");
    let added = commit_all(dir, "Two files");
    let bad = git(dir, &["rev-parse", "HEAD:bad.txt"]);
    let object = dir.join(".git/objects").join(&bad[..2]).join(&bad[2..]);
    let mut permissions = std::fs::metadata(&object).expect("loose object").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&object, permissions).expect("make writable");
    std::fs::write(&object, b"this is not zlib data").expect("corrupt the object");

    let (output, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let warnings = stderr(&output);
    assert!(warnings.contains(&format!("blob {bad} (bad.txt)")), "{warnings}");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_introduced(&findings[0], &added, "good.txt", 1);
}

#[test]
fn blobs_over_the_size_limit_are_skipped() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "big.txt", &format!("{}\n{}\n", "x".repeat(100), token(17)));
    commit_all(dir, "Big");
    let (output, findings) = scan_json(dir, &["--history-only", "--max-file-size", "64", "."]);
    assert_eq!(output.status.code(), Some(0), "{findings:#?}");
    let text = run(dir, &["scan", "--history-only", "--max-file-size", "64", "."]);
    assert!(stdout(&text).contains("skipped 0 binary and 1 over-size"), "{}", stdout(&text));
}

#[test]
fn submodules_are_scanned_with_recurse_submodules() {
    let sub_origin = git_repo();
    let sub = sub_origin.path();
    let secret = token(18);
    write(sub, "creds/key.txt", &format!("# key\n{secret}\n"));
    let sub_commit = commit_all(sub, "Sub key");

    let repo = git_repo();
    let dir = repo.path();
    write(dir, "README.md", "super\n");
    commit_all(dir, "Super");
    let url = sub.display().to_string();
    git(dir, &["-c", "protocol.file.allow=always", "submodule", "add", "-q", &url, "vendor/sub"]);
    commit_all(dir, "Add submodule");

    let (output, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(output.status.code(), Some(0), "a submodule is another repository: {findings:#?}");

    let (output, findings) = scan_json(dir, &["--history-only", "--recurse-submodules", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_introduced(&findings[0], &sub_commit, "vendor/sub/creds/key.txt", 2);
}

#[test]
fn a_linked_worktree_scans_the_shared_history() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "README.md", "hello\n");
    commit_all(dir, "Start");
    let outside = tempfile::tempdir().expect("tempdir");
    let linked = outside.path().join("linked");
    git(dir, &["worktree", "add", "-q", "-b", "work", &linked.display().to_string()]);
    let secret = token(19);
    write(&linked, "w.txt", &format!("{secret}\n"));
    let added = commit_all(&linked, "Work");

    for path in [dir, linked.as_path()] {
        let (output, findings) = scan_json(path, &["--history-only", "."]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_introduced(&findings[0], &added, "w.txt", 1);
    }
    let (_, findings) = scan_json(&linked, &["--history", "."]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["history"]["in_worktree"], true);
}

#[test]
fn a_secret_in_a_commit_message_is_a_finding_of_its_own_with_its_commit() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "README.md", "hello\n");
    let secret = token(40);
    let leaked = commit_all(dir, &format!("Use the CI token\n\nGITHUB_TOKEN={secret}\n"));
    write(dir, "README.md", "hello again\n");
    commit_all(dir, "Clean");

    for mode in ["--history-only", "--history"] {
        let (output, findings) = scan_json(dir, &[mode, "."]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = at_path(&findings, "<commit message>");
        assert_eq!(finding["line"], 3, "{finding:#}");
        assert_eq!(finding["commit"]["id"], leaked, "{finding:#}");
        assert_eq!(finding["history"]["in_head"], Value::Null, "{finding:#}");
        assert!(!stdout(&output).contains(&secret), "the report must not print the secret");
    }
    let base = git(dir, &["rev-parse", "HEAD~1"]);
    let (output, findings) = scan_json(dir, &["--range", &format!("{base}..HEAD"), "."]);
    assert_eq!(output.status.code(), Some(0), "the leaking commit is outside: {findings:#?}");
    let root = git(dir, &["rev-list", "--max-parents=0", "HEAD"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", &format!("again {secret}")]);
    let (_, findings) = scan_json(dir, &["--range", &format!("{root}..HEAD"), "."]);
    assert_eq!(
        at_path(&findings, "<commit message>")["commit"]["id"],
        git(dir, &["rev-parse", "HEAD"])
    );
}

#[test]
fn a_secret_in_a_branch_or_tag_name_is_a_finding_of_its_own_with_its_commit() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "README.md", "hello\n");
    let tip = commit_all(dir, "Start");
    let (in_branch, in_tag) = (token(41), token(42));
    git(dir, &["branch", &format!("fix/{in_branch}")]);
    git(dir, &["tag", "-a", "-m", "release", &format!("v1-{in_tag}")]);

    let (output, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let at_ref: Vec<&Value> = findings.iter().filter(|f| f["path"] == "<ref name>").collect();
    assert_eq!(at_ref.len(), 2, "{findings:#?}");
    for finding in at_ref {
        assert_eq!(finding["commit"]["id"], tip, "{finding:#}");
    }
    let report = stdout(&output);
    assert!(!report.contains(&in_branch) && !report.contains(&in_tag), "{report}");
}

/// Damages a repository's one pack, given its path.
type Damage = fn(&std::path::Path);

#[test]
fn a_history_none_of_which_can_be_read_is_an_error_not_a_clean_scan() {
    let setups: [(&str, Damage); 3] = [
        ("truncated pack", |pack| {
            let bytes = std::fs::read(pack).expect("pack");
            make_writable(pack);
            std::fs::write(pack, &bytes[..bytes.len() / 3]).expect("truncate the pack");
        }),
        ("missing index", |pack| {
            std::fs::remove_file(pack.with_extension("idx")).expect("remove the index");
        }),
        ("truncated index", |pack| {
            let idx = pack.with_extension("idx");
            let bytes = std::fs::read(&idx).expect("index");
            make_writable(&idx);
            std::fs::write(&idx, &bytes[..bytes.len() / 2]).expect("truncate the index");
        }),
    ];
    for (what, damage) in setups {
        let repo = git_repo();
        let dir = repo.path();
        write(dir, "a.txt", &format!("{}\n", token(43)));
        commit_all(dir, "One");
        write(dir, "b.txt", "more\n");
        commit_all(dir, "Two");
        git(dir, &["repack", "-adq"]);
        git(dir, &["prune-packed"]);
        let pack = std::fs::read_dir(dir.join(".git/objects/pack"))
            .expect("pack directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == "pack"))
            .expect("a pack");
        damage(&pack);
        let output = run(dir, &["scan", "--history-only", "--format", "json", "."]);
        let errors = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{what}: {errors}{}", stdout(&output));
        let error_lines: Vec<&str> = errors.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(error_lines.len(), 1, "{what}: {errors}");
    }
}

fn make_writable(path: &std::path::Path) {
    let mut permissions = std::fs::metadata(path).expect("file").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(path, permissions).expect("make writable");
}
