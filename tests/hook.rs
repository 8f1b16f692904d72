//! `keyhound install-hook`: the installed hook blocks real `git commit`s that stage a secret.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Output,
};

use common::*;

fn fake_token(seed: u64) -> String {
    FakeGen::new(seed).crc32_token("ghp_")
}

/// `git commit` with `PATH` set to `path` (plus git's own directory), so the hook finds
/// exactly the keyhound binaries the test intends.
fn commit(dir: &Path, path_dirs: &[&Path], args: &[&str]) -> Output {
    let git = which("git").expect("git on PATH");
    let sh = which("sh").expect("sh on PATH");
    let mut dirs: Vec<PathBuf> = path_dirs.iter().map(|d| d.to_path_buf()).collect();
    dirs.push(git.parent().unwrap().to_path_buf());
    dirs.push(sh.parent().unwrap().to_path_buf());
    let path = std::env::join_paths(dirs).unwrap();
    git_command(dir).env("PATH", path).arg("commit").args(args).output().expect("run git commit")
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn head(dir: &Path) -> String {
    git_command(dir)
        .args(["rev-parse", "--verify", "-q", "HEAD"])
        .output()
        .map(|o| stdout(&o).trim().to_string())
        .unwrap()
}

fn install(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["install-hook"];
    args.extend_from_slice(extra);
    run(dir, &args)
}

#[test]
fn the_hook_rejects_a_staged_secret_and_passes_a_clean_commit() {
    let repo = git_repo();
    let dir = repo.path();
    let output = install(dir, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let hook = dir.join(".git/hooks/pre-commit");
    assert!(stdout(&output).contains("pre-commit"), "{}", stdout(&output));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&hook).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "the hook is not executable");
    }

    // A clean first commit passes (no HEAD yet).
    write(dir, "README.md", "# project\n");
    git(dir, &["add", "README.md"]);
    let clean = commit(dir, &[], &["-q", "-m", "readme"]);
    assert!(clean.status.success(), "{}{}", stdout(&clean), stderr(&clean));
    let first = head(dir);
    assert!(!first.is_empty());

    // A staged token is rejected with the finding shown; nothing is committed.
    write(dir, "src/deploy.sh", &format!("#!/bin/sh\nexport GH_TOKEN={}\n", fake_token(1)));
    git(dir, &["add", "src/deploy.sh"]);
    let rejected = commit(dir, &[], &["-q", "-m", "deploy"]);
    assert!(!rejected.status.success(), "the commit went through");
    let shown = format!("{}{}", stdout(&rejected), stderr(&rejected));
    assert!(shown.contains("src/deploy.sh:2:"), "{shown}");
    assert!(shown.contains("github-classic-pat"), "{shown}");
    assert_eq!(head(dir), first);

    // Fixed: the clean version commits.
    write(dir, "src/deploy.sh", "#!/bin/sh\nexport GH_TOKEN=\"$(vault read gh)\"\n");
    git(dir, &["add", "src/deploy.sh"]);
    let fixed = commit(dir, &[], &["-q", "-m", "deploy"]);
    assert!(fixed.status.success(), "{}{}", stdout(&fixed), stderr(&fixed));
    assert_ne!(head(dir), first);
}

#[test]
fn commit_all_and_partial_commits_are_checked_through_their_temporary_index() {
    let repo = git_repo();
    let dir = repo.path();
    write(dir, "app.cfg", "debug = false\n");
    write(dir, "other.txt", "x\n");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "initial"]);
    assert_eq!(install(dir, &[]).status.code(), Some(0));
    let before = head(dir);

    // Nothing is staged in .git/index: `-a` and `commit PATH` stage into a temporary index.
    write(dir, "app.cfg", &format!("debug = false\ntoken = {}\n", fake_token(2)));
    let all = commit(dir, &[], &["-q", "-a", "-m", "all"]);
    assert!(!all.status.success(), "commit -a went through");
    let partial = commit(dir, &[], &["-q", "-m", "partial", "app.cfg"]);
    assert!(!partial.status.success(), "commit PATH went through");
    // Git sends a hook's standard output to its standard error.
    assert!(stderr(&partial).contains("app.cfg:2:"), "{}", stderr(&partial));
    assert_eq!(head(dir), before);
}

#[test]
fn the_hook_falls_back_to_path_and_fails_closed_without_keyhound() {
    let repo = git_repo();
    let dir = repo.path();
    // Install from a copy of the binary, then remove the copy.
    let bin = tempfile::tempdir().unwrap();
    let copy = bin.path().join("keyhound");
    std::fs::copy(env!("CARGO_BIN_EXE_keyhound"), &copy).unwrap();
    // Another test thread that forks while `copy` still has the file open for writing hands
    // the child that descriptor, and exec fails with ETXTBSY until the child execs: retry.
    let install =
        || std::process::Command::new(&copy).current_dir(dir).arg("install-hook").output();
    let output = (0..100)
        .find_map(|_| match install() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                None
            }
            result => Some(result.unwrap()),
        })
        .expect("the copied binary stayed busy");
    assert!(output.status.success(), "{}", stderr(&output));
    let script = std::fs::read_to_string(dir.join(".git/hooks/pre-commit")).unwrap();
    assert!(script.contains(&copy.display().to_string()), "{script}");
    std::fs::remove_file(&copy).unwrap();

    write(dir, "leak.txt", &format!("{}\n", fake_token(3)));
    git(dir, &["add", "leak.txt"]);
    // The test binary's directory on PATH: the hook finds `keyhound` there.
    let real_dir = Path::new(env!("CARGO_BIN_EXE_keyhound")).parent().unwrap();
    let via_path = commit(dir, &[real_dir], &["-q", "-m", "leak"]);
    assert!(!via_path.status.success());
    assert!(stderr(&via_path).contains("leak.txt:1:"), "{}", stderr(&via_path));

    // Nowhere to be found: the commit fails with instructions rather than going through.
    let missing = commit(dir, &[], &["-q", "-m", "leak"]);
    assert!(!missing.status.success(), "a commit passed unchecked");
    assert!(stderr(&missing).contains("install-hook --force"), "{}", stderr(&missing));
    assert!(head(dir).is_empty());
}

#[test]
fn an_existing_hook_is_kept_unless_forced() {
    let repo = git_repo();
    let dir = repo.path();
    let hook = write(dir, ".git/hooks/pre-commit", "#!/bin/sh\necho mine\n");

    let refused = install(dir, &[]);
    assert_eq!(refused.status.code(), Some(2));
    let err = stderr(&refused);
    assert!(err.starts_with("keyhound: error: ") && err.contains("--force"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), "#!/bin/sh\necho mine\n");

    let forced = install(dir, &["--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert!(std::fs::read_to_string(&hook).unwrap().contains("scan --staged"));
}

#[test]
fn outside_a_repository_or_with_a_hooks_path_it_is_an_error() {
    let plain = tempfile::tempdir().unwrap();
    let output = install(plain.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not a git repository"), "{}", stderr(&output));

    let repo = git_repo();
    git(repo.path(), &["config", "core.hooksPath", ".husky"]);
    let output = install(repo.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("core.hooksPath"), "{}", stderr(&output));
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
}
