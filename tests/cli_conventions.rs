//! The command line's conventions: `-q` prints nothing, `--no-warnings`, `--exit-code N`,
//! errors that say what to do, completions and the man page, and help with exit codes and
//! examples for every subcommand.

mod common;

use common::{commit_all, git_repo, run, stderr, stdout, token, write};

#[test]
fn quiet_prints_nothing_and_only_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.sh", &format!("export GH_TOKEN={}\n", token(3)));
    std::fs::write(dir.path().join("latin1.txt"), b"caf\xe9 = 1\n").unwrap();
    let quiet = run(dir.path(), &["scan", "-q", "."]);
    assert_eq!(quiet.status.code(), Some(1));
    assert_eq!((stdout(&quiet).as_str(), stderr(&quiet).as_str()), ("", ""));
    let report = dir.path().join("report.json");
    let to_file =
        run(dir.path(), &["scan", "--quiet", "-f", "json", "-o", report.to_str().unwrap(), "."]);
    assert_eq!(to_file.status.code(), Some(1));
    assert!(
        stdout(&to_file).is_empty()
            && std::fs::read_to_string(&report).unwrap().contains("github-classic-pat")
    );

    let loud = run(dir.path(), &["scan", "."]);
    assert!(stderr(&loud).contains("latin1.txt"), "the non-UTF-8 file warns: {}", stderr(&loud));
    let no_warnings = run(dir.path(), &["scan", "--no-warnings", "."]);
    assert_eq!(no_warnings.status.code(), Some(1));
    assert_eq!(stderr(&no_warnings), "");
    assert!(stdout(&no_warnings).contains("github-classic-pat"));

    let clean = tempfile::tempdir().unwrap();
    write(clean.path(), "app.py", "print('hello')\n");
    let quiet_clean = run(clean.path(), &["scan", "-q", "."]);
    assert_eq!(quiet_clean.status.code(), Some(0));
    assert!(quiet_clean.stdout.is_empty() && quiet_clean.stderr.is_empty());
}

#[test]
fn exit_code_chooses_the_status_for_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.sh", &format!("export GH_TOKEN={}\n", token(4)));
    assert_eq!(run(dir.path(), &["scan", "-q", "--exit-code", "3", "."]).status.code(), Some(3));
    assert_eq!(run(dir.path(), &["scan", "-q", "--exit-code", "0", "."]).status.code(), Some(0));
    let clean = tempfile::tempdir().unwrap();
    assert_eq!(run(clean.path(), &["scan", "-q", "--exit-code", "3", "."]).status.code(), Some(0));
    assert_eq!(run(dir.path(), &["scan", "--exit-code", "256", "."]).status.code(), Some(2));
}

#[test]
fn a_subdirectory_of_a_repository_names_the_root_and_the_command() {
    let repo = git_repo();
    write(repo.path(), "svc/app.py", "print('hello')\n");
    commit_all(repo.path(), "start");
    let root = std::fs::canonicalize(repo.path()).unwrap();
    let sub = repo.path().join("svc");
    for flag in ["--history", "--staged"] {
        let output = run(&sub, &["scan", flag, "."]);
        assert_eq!(output.status.code(), Some(2), "{flag}");
        let message = stderr(&output);
        assert!(message.contains("not the top of a git repository"), "{message}");
        let command = format!("`keyhound scan {flag} {}`", root.display());
        assert!(message.contains(&command), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
    }
    assert_eq!(run(&sub, &["scan", "."]).status.code(), Some(0), "a plain scan still works");
}

#[test]
fn an_unknown_revision_is_named_without_internals() {
    let repo = git_repo();
    write(repo.path(), "app.py", "print('hello')\n");
    commit_all(repo.path(), "start");
    for args in [&["scan", "--range", "nosuch..HEAD", "."][..], &["scan", "--since", "v9.9", "."]] {
        let output = run(repo.path(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        let wanted = if args[1] == "--range" {
            "unknown revision `nosuch`"
        } else {
            "unknown revision `v9.9`"
        };
        assert!(message.contains(wanted), "{message}");
        for internal in ["gix", "Error", "spec", "The rev-spec"] {
            assert!(!message.contains(internal), "{internal} in {message}");
        }
    }
}

#[test]
fn a_missing_config_file_has_no_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["scan", "--config", "/nope/keyhound.toml", "."]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("/nope/keyhound.toml: cannot read configuration"), "{message}");
    assert!(!message.contains(".toml:1"), "{message}");
}

#[test]
fn completions_and_the_man_page_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in
        [("bash", "_keyhound()"), ("zsh", "#compdef keyhound"), ("fish", "complete -c keyhound")]
    {
        let output = run(dir.path(), &["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        assert!(script.contains(marker) && script.contains("history"), "{shell}: {script}");
    }
    assert_eq!(run(dir.path(), &["completions", "tcsh"]).status.code(), Some(2));
    let man = stdout(&run(dir.path(), &["man"]));
    assert!(man.contains(".TH keyhound"), "{man}");
    assert!(man.contains("Exit codes") && man.contains("scan"), "{man}");
}

#[test]
fn help_lists_exit_codes_and_two_examples_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let top = stdout(&run(dir.path(), &["--help"]));
    assert!(top.contains("Exit codes:") && top.contains("2  usage or runtime error"), "{top}");
    // Every subcommand the top-level help lists, so that a new one cannot ship without its own.
    let commands = top.split("Commands:").nth(1).expect("a Commands: section");
    let subcommands: Vec<&str> = commands
        .lines()
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert!(subcommands.len() >= 10, "{subcommands:?}");
    for sub in subcommands {
        let help = stdout(&run(dir.path(), &[sub, "--help"]));
        assert!(help.contains("Exit codes:"), "{sub}: {help}");
        let examples = help.split("Examples:").nth(1).unwrap_or_else(|| panic!("{sub}: {help}"));
        let count = examples.lines().filter(|l| l.trim_start().starts_with("keyhound ")).count();
        assert!(count >= 2, "{sub} has {count} examples: {help}");
    }
}
