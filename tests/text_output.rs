//! The text outputs as a person sees them: wrapped to the terminal (80 columns in a pipe),
//! coloured only on a terminal or when asked (`--color`, `NO_COLOR`), `rules` aligned, and a
//! closed pipe ending quietly. Terminal cases run under `script`, which gives keyhound a pty.

mod common;

use std::{
    path::Path,
    process::{Command, Stdio},
};

use common::{keyhound, run, stderr, stdout, token, write};

/// A directory with one finding whose `why:` and advice lines are long.
fn leaky_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let line = format!(
        "resp = requests.get(url, headers={{\"Authorization\": f\"bearer {}\"}})\n",
        token(7)
    );
    write(dir.path(), "client.py", &line);
    dir
}

/// Runs `keyhound ARGS` on a pty of `columns` columns (through `script`), with `env` set.
fn on_terminal(dir: &Path, columns: u16, env: &[(&str, &str)], args: &str) -> String {
    let command =
        format!("stty cols {columns} rows 50; exec {} {args}", env!("CARGO_BIN_EXE_keyhound"));
    let mut script = Command::new("script");
    script.args(["-qec", &command, "/dev/null"]).current_dir(dir).env("TERM", "xterm");
    script.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env_remove("CLICOLOR");
    for (key, value) in env {
        script.env(key, value);
    }
    let output = script.stdin(Stdio::null()).output().expect("run script");
    String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n")
}

fn has_script() -> bool {
    Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// The longest line that could wrap: not a `path:line:column:` header, not holding a URL.
fn longest_wrappable(text: &str) -> usize {
    text.lines()
        .map(|line| anstream::adapter::strip_str(line).to_string())
        .filter(|line| !line.starts_with("client.py:") && !line.contains("https://"))
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0)
}

#[test]
fn a_pipe_gets_80_columns_and_no_colour() {
    let dir = leaky_dir();
    let output = run(dir.path(), &["scan", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(!text.contains('\x1b'), "colour in a pipe: {text}");
    let longest = longest_wrappable(&text);
    assert!((70..=80).contains(&longest), "longest line {longest}:\n{text}");
    assert!(text.contains("    why: "), "{text}");
}

#[test]
fn color_always_colours_a_pipe_and_wins_over_no_color() {
    let dir = leaky_dir();
    for env in [None, Some("1")] {
        let mut command = keyhound();
        command.current_dir(dir.path()).args(["scan", ".", "--color", "always"]);
        if let Some(value) = env {
            command.env("NO_COLOR", value);
        }
        let text = String::from_utf8(command.output().unwrap().stdout).unwrap();
        assert!(text.contains("\x1b[33mmedium\x1b[0m"), "{text}");
    }
    let never = run(dir.path(), &["scan", ".", "--color", "never", "-f", "json"]);
    assert!(!stdout(&never).contains('\x1b'));
}

#[test]
fn a_terminal_gets_its_width_and_colour_unless_no_color() {
    if !has_script() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let dir = leaky_dir();
    let wide = on_terminal(dir.path(), 120, &[], "scan .");
    assert!(wide.contains('\x1b'), "no colour on a terminal: {wide}");
    let longest = longest_wrappable(&wide);
    assert!((100..=120).contains(&longest), "longest line {longest} at 120 columns:\n{wide}");
    let narrow = on_terminal(dir.path(), 60, &[], "scan .");
    assert!(longest_wrappable(&narrow) <= 60, "{narrow}");

    let no_color = on_terminal(dir.path(), 120, &[("NO_COLOR", "1")], "scan .");
    assert!(!no_color.contains('\x1b'), "NO_COLOR ignored: {no_color}");
    assert!(no_color.contains("medium (medium confidence) [header-bearer-case]"), "{no_color}");
    let never = on_terminal(dir.path(), 120, &[], "--color never explain aws-access-key-id");
    assert!(!never.contains('\x1b') && never.contains("1. Revoke:"), "{never}");
}

#[test]
fn rules_is_an_aligned_table() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["rules"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("RULE ") && header.contains(" PROVIDER "), "{header}");
    let provider_at = header.find("PROVIDER").unwrap();
    let severity_at = header.find("SEVERITY").unwrap();
    let name_at = header.find("NAME").unwrap();
    let rows: Vec<&str> = lines.collect();
    assert!(rows.len() > 100, "{} rules", rows.len());
    for row in &rows {
        let starts = |at: usize| row[..at].ends_with("  ") && !row[at..].starts_with(' ');
        assert!(starts(provider_at) && starts(severity_at) && starts(name_at), "misaligned: {row}");
    }
    assert!(rows.iter().any(|row| row.starts_with("github-classic-pat ")));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = leaky_dir();
    for args in [&["rules"][..], &["explain", "github-classic-pat"], &["scan", "."]] {
        let mut child = keyhound()
            .current_dir(dir.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before keyhound writes a byte
        let output = child.wait_with_output().unwrap();
        let expected = if args[0] == "scan" { 1 } else { 0 };
        assert_eq!(output.status.code(), Some(expected), "{args:?}: {}", stderr(&output));
        assert_eq!(stderr(&output), "", "{args:?}");
    }
}
