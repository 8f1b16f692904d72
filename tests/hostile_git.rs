//! A git directory is untrusted input: symbolic links and special files (FIFOs, devices)
//! planted in it, as an unpacked archive or a shared directory can, are refused with an error
//! naming them, in every mode that reads git, never read until memory runs out or forever.

mod common;

use std::{
    path::Path,
    process::{Output, Stdio},
    time::{Duration, Instant},
};

use common::{commit_all, git, git_repo, keyhound, token, write};

/// Runs keyhound, killing it (and failing) if it has not finished within 20 s.
fn run_bounded(dir: &Path, args: &[&str]) -> Output {
    let mut child = keyhound()
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run keyhound");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().expect("kill");
            panic!("keyhound {args:?} did not finish in 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

fn replace_with_link(path: &Path, target: &Path) {
    let _ = std::fs::remove_file(path);
    std::os::unix::fs::symlink(target, path).expect("symlink");
}

/// A repository with one commit, packed refs and a loose ref, and a staged change.
fn repository() -> tempfile::TempDir {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "a.txt", &format!("{}\n", token(60)));
    commit_all(dir, "One");
    git(dir, &["tag", "v1"]);
    git(dir, &["pack-refs", "--all"]);
    git(dir, &["branch", "topic"]);
    write(dir, "b.txt", "staged\n");
    git(dir, &["add", "b.txt"]);
    repo
}

type Plant = fn(&Path);

#[test]
fn links_and_special_files_in_the_git_directory_are_refused_naming_them() {
    let plants: [(&str, Plant); 7] = [
        ("HEAD", |git_dir| replace_with_link(&git_dir.join("HEAD"), Path::new("/dev/zero"))),
        ("config", |git_dir| replace_with_link(&git_dir.join("config"), Path::new("/dev/zero"))),
        ("packed-refs", |git_dir| {
            std::fs::remove_file(git_dir.join("packed-refs")).expect("remove");
            fifo(&git_dir.join("packed-refs"));
        }),
        ("refs/heads/topic", |git_dir| {
            replace_with_link(&git_dir.join("refs/heads/topic"), Path::new("/dev/zero"))
        }),
        ("objects/info/alternates", |git_dir| {
            std::fs::create_dir_all(git_dir.join("objects/info")).expect("info dir");
            fifo(&git_dir.join("objects/info/alternates"));
        }),
        ("index", |git_dir| replace_with_link(&git_dir.join("index"), Path::new("/dev/zero"))),
        ("objects/pack", |git_dir| {
            git(git_dir.parent().expect("work tree"), &["repack", "-adq"]);
            let pack = std::fs::read_dir(git_dir.join("objects/pack"))
                .expect("packs")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|e| e == "idx"))
                .expect("an index");
            std::fs::remove_file(&pack).expect("remove");
            fifo(&pack);
        }),
    ];
    for (offender, plant) in plants {
        for mode in ["--history", "--history-only", "--staged"] {
            let repo = repository();
            let git_dir = repo.path().join(".git");
            plant(&git_dir);
            let output = run_bounded(repo.path(), &["scan", mode, "."]);
            let errors = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{offender} {mode}: {errors}");
            assert!(errors.contains(offender), "{offender} {mode}: {errors}");
            assert_eq!(errors.lines().count(), 1, "{offender} {mode}: {errors}");
        }
    }
}

#[test]
fn a_metadata_file_over_its_bound_is_refused() {
    let repo = repository();
    let config = repo.path().join(".git/config");
    let file = std::fs::OpenOptions::new().append(true).open(&config).expect("config");
    file.set_len(64 << 20).expect("grow the config");
    let output = run_bounded(repo.path(), &["scan", "--history", "."]);
    let errors = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{errors}");
    assert!(errors.contains("config") && errors.contains("bound"), "{errors}");
}

#[test]
fn links_the_scan_never_reads_are_left_alone() {
    let repo = repository();
    let hooks = repo.path().join(".git/hooks");
    std::fs::remove_dir_all(&hooks).expect("hooks");
    std::os::unix::fs::symlink("/nonexistent", &hooks).expect("symlink");
    let output = run_bounded(repo.path(), &["scan", "--history-only", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
}
