//! `keyhound scan --history` on packed repositories: whole packs are resolved delta tree by
//! delta tree, and what that cannot read (loose objects, corrupt entries, small selections)
//! is read object by object.

mod common;

use std::path::Path;

use common::{commit_all, git, git_repo, scan_json, stderr, token};
use serde_json::Value;

fn commit_of(findings: &[Value], secret_path: &str) -> Vec<String> {
    let mut commits: Vec<String> = findings
        .iter()
        .filter(|f| f["path"] == secret_path)
        .map(|f| f["commit"]["id"].as_str().unwrap_or_default().to_string())
        .collect();
    commits.sort();
    commits
}

/// A file of many lines, so each version is stored as a small delta of another.
fn body(version: usize, extra: &str) -> String {
    let mut text: String = (0..80)
        .map(|line| format!("line {line} of a long configuration file, kept as is\n"))
        .collect();
    text.push_str(&format!("version = {version}\n{extra}"));
    text
}

/// Repacks everything into one pack with long delta chains and drops the loose objects.
fn repack(dir: &Path, extra: &[&str]) {
    let mut args = vec!["repack", "-adfq", "--window=50", "--depth=50"];
    args.extend_from_slice(extra);
    git(dir, &args);
    git(dir, &["prune-packed"]);
}

fn pack_file(dir: &Path) -> std::path::PathBuf {
    let packs: Vec<_> = std::fs::read_dir(dir.join(".git/objects/pack"))
        .expect("pack directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pack"))
        .collect();
    assert_eq!(packs.len(), 1, "{packs:?}");
    packs[0].clone()
}

#[test]
fn secrets_deep_in_delta_chains_are_attributed_to_their_commits() {
    let repo = git_repo();
    let dir = repo.path();
    let (early, late) = (token(1), token(2));
    let mut commits = Vec::new();
    for version in 0..40 {
        let extra = match version {
            5 => format!("token = {early}\n"),
            30..=39 => format!("token = {late}\n"),
            _ => String::new(),
        };
        std::fs::write(dir.join("config.txt"), body(version, &extra)).expect("write");
        std::fs::write(dir.join("other.txt"), body(version * 7, "")).expect("write");
        commits.push(commit_all(dir, &format!("Version {version}")));
    }
    repack(dir, &[]);
    let verify = git(dir, &["count-objects", "-v"]);
    assert!(verify.contains("count: 0"), "everything is packed: {verify}");

    let (output, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let mut expected = vec![commits[5].clone(), commits[30].clone()];
    expected.sort();
    assert_eq!(commit_of(&findings, "config.txt"), expected);
}

#[test]
fn packed_and_loose_history_are_both_scanned() {
    let repo = git_repo();
    let dir = repo.path();
    let (packed, loose) = (token(3), token(4));
    std::fs::write(dir.join("a.txt"), body(0, &format!("key = {packed}\n"))).expect("write");
    let first = commit_all(dir, "Packed");
    repack(dir, &[]);
    std::fs::write(dir.join("b.txt"), body(1, &format!("key = {loose}\n"))).expect("write");
    let second = commit_all(dir, "Loose");

    let (output, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(commit_of(&findings, "a.txt"), vec![first]);
    assert_eq!(commit_of(&findings, "b.txt"), vec![second]);
}

#[test]
fn a_corrupt_packed_blob_is_a_warning_naming_it_and_the_scan_goes_on() {
    let repo = git_repo();
    let dir = repo.path();
    let secret = token(5);
    std::fs::write(dir.join("good.txt"), body(0, &format!("key = {secret}\n"))).expect("write");
    // Content unlike anything else, so it is stored whole, not as a delta.
    let noise: String =
        (0..400).map(|i| format!("{:x}", (i as u64).wrapping_mul(2654435761))).collect();
    std::fs::write(dir.join("bad.txt"), &noise).expect("write");
    let added = commit_all(dir, "Two files");
    let bad = git(dir, &["rev-parse", "HEAD:bad.txt"]);
    repack(dir, &[]);
    let pack = pack_file(dir);
    let idx = pack.with_extension("idx");
    let listing = git(dir, &["verify-pack", "-v", idx.to_str().expect("utf-8 path")]);
    let line = listing.lines().find(|l| l.starts_with(&bad)).expect("bad blob in the pack");
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.len(), 5, "stored whole: {line}");
    let (size_in_pack, offset): (usize, usize) =
        (fields[3].parse().expect("size"), fields[4].parse().expect("offset"));
    let mut bytes = std::fs::read(&pack).expect("read pack");
    let middle = offset + size_in_pack / 2;
    bytes[middle..middle + 16].copy_from_slice(&[0xff; 16]);
    let mut permissions = std::fs::metadata(&pack).expect("pack").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&pack, permissions).expect("make writable");
    std::fs::write(&pack, bytes).expect("corrupt the pack");

    let (output, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let warnings = stderr(&output);
    // The pack's traversal stops at the corrupt entry; what it did not reach is read object
    // by object, which names the corrupt blob.
    assert!(warnings.contains("cannot resolve the pack"), "{warnings}");
    assert!(warnings.contains(&format!("blob {bad} (bad.txt)")), "{warnings}");
    assert_eq!(commit_of(&findings, "good.txt"), vec![added]);
}

#[test]
fn an_unreachable_packed_blob_is_found_only_with_all_objects() {
    let repo = git_repo();
    let dir = repo.path();
    std::fs::write(dir.join("README.md"), body(0, "")).expect("write");
    commit_all(dir, "Readme");
    let secret = token(6);
    let dangling_file = dir.join("dangling.txt");
    std::fs::write(&dangling_file, body(1, &format!("key = {secret}\n"))).expect("write");
    let blob = git(dir, &["hash-object", "-w", "dangling.txt"]);
    std::fs::remove_file(&dangling_file).expect("remove");
    repack(dir, &["-k"]);
    let in_pack = git(dir, &["cat-file", "-t", &blob]);
    assert_eq!(in_pack, "blob");

    let (output, findings) = scan_json(dir, &["--history-only", "."]);
    assert_eq!(output.status.code(), Some(0), "{findings:#?}");
    let (output, findings) = scan_json(dir, &["--history-only", "--all-objects", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["path"], format!("<blob:{blob}>"));
}

#[test]
fn history_in_an_alternate_object_store_is_scanned() {
    let origin = git_repo();
    let secret = token(7);
    std::fs::write(origin.path().join("a.txt"), body(0, &format!("key = {secret}\n")))
        .expect("write");
    let first = commit_all(origin.path(), "In the alternate");
    repack(origin.path(), &[]);

    let parent = tempfile::tempdir().expect("tempdir");
    let url = origin.path().display().to_string();
    git(parent.path(), &["clone", "-q", "--shared", &url, "clone"]);
    let dir = parent.path().join("clone");
    let alternates = std::fs::read_to_string(dir.join(".git/objects/info/alternates"));
    assert!(alternates.is_ok(), "a --shared clone borrows the origin's objects");
    let own = token(8);
    std::fs::write(dir.join("b.txt"), body(1, &format!("key = {own}\n"))).expect("write");
    let second = commit_all(&dir, "In the clone");

    let (output, findings) = scan_json(&dir, &["--history-only", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(commit_of(&findings, "a.txt"), vec![first]);
    assert_eq!(commit_of(&findings, "b.txt"), vec![second]);
}

#[test]
fn a_range_of_a_packed_repository_scans_only_its_commits() {
    let repo = git_repo();
    let dir = repo.path();
    let (old, new) = (token(9), token(10));
    std::fs::write(dir.join("config.txt"), body(0, &format!("key = {old}\n"))).expect("write");
    let base = commit_all(dir, "Old");
    for version in 1..30 {
        std::fs::write(dir.join("config.txt"), body(version, "")).expect("write");
        commit_all(dir, &format!("Version {version}"));
    }
    std::fs::write(dir.join("config.txt"), body(30, &format!("key = {new}\n"))).expect("write");
    let newest = commit_all(dir, "New");
    repack(dir, &[]);

    let (output, findings) = scan_json(dir, &["--history-only", "--since", &base, "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(commit_of(&findings, "config.txt"), vec![newest]);
}
