//! Hostile sizes and kinds of input: never read without end, never hang, never a silent
//! "clean" result.

mod common;

use common::*;

#[test]
fn baseline_config_and_ignore_files_are_refused_above_a_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "nothing here\n");
    for flag in ["--baseline", "--config", "--ignore-file"] {
        let output = run(dir.path(), &["scan", ".", flag, "/dev/zero"]);
        assert_eq!(output.status.code(), Some(2), "{flag}: {}", stderr(&output));
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{flag}: one line: {err}");
        assert!(err.contains("/dev/zero") && err.contains("larger than 8 MiB"), "{flag}: {err}");
    }
}

/// Runs keyhound with a time limit; `None` if it had to be killed.
fn run_within(
    dir: &std::path::Path,
    args: &[&str],
    limit: std::time::Duration,
) -> Option<std::process::Output> {
    let child = keyhound()
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || send.send(child.wait_with_output().unwrap()));
    match receive.recv_timeout(limit) {
        Ok(output) => Some(output),
        Err(_) => {
            let _ = std::process::Command::new("kill").arg(id.to_string()).status();
            None
        }
    }
}

#[test]
fn a_thread_count_far_above_the_cores_is_capped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..4 {
        write(dir.path(), &format!("f{i}.txt"), "nothing here\n");
    }
    write(dir.path(), "secret.txt", &format!("token = {}\n", token(5)));
    let output =
        run_within(dir.path(), &["scan", ".", "-j", "1000"], std::time::Duration::from_secs(60))
            .expect("-j 1000 on five files hung");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("-j 1000"),
        "a warning says it was capped: {}",
        stderr(&output)
    );
}

fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

#[test]
fn a_fifo_scan_path_is_read_as_a_stream_like_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let secret = token(6);
    let writer = {
        let (fifo, secret) = (fifo.clone(), secret.clone());
        std::thread::spawn(move || {
            std::fs::write(fifo, format!("a\nb\ntoken = {secret}\n")).unwrap()
        })
    };
    let (output, findings) = scan_json(dir.path(), &[fifo.to_str().unwrap()]);
    if !writer.is_finished() {
        // keyhound never opened the FIFO: unblock the writer so the test fails, not hangs.
        let _ = std::fs::read(&fifo);
    }
    writer.join().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["line"], 3);
    // `keyhound scan <(cat file)`: a process substitution is a FIFO too.
    let file = write(dir.path(), "f.txt", &format!("token = {secret}\n"));
    let script = format!("exec \"$0\" scan <(cat '{}')", file.display());
    let output = std::process::Command::new("bash")
        .args(["-c", &script, env!("CARGO_BIN_EXE_keyhound")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).contains("ghp_****"), "{}", stdout(&output));
}

#[test]
fn a_device_as_the_scan_path_is_exit_2_with_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_within(dir.path(), &["scan", "/dev/zero"], std::time::Duration::from_secs(60))
        .expect("scanning /dev/zero hung");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/dev/zero") && err.contains("character device"), "{err}");
}

fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let bom = bom.then_some(0xFEFFu16);
    bom.into_iter().chain(text.encode_utf16()).flat_map(u16::to_le_bytes).collect()
}

#[test]
fn utf16_powershell_and_registry_files_are_decoded_and_scanned_at_the_right_line() {
    let repo = git_repo();
    let dir = repo.path();
    let (ps1, reg, plain) = (token(7), token(8), token(9));
    let script = format!("# deploy\r\n$ErrorActionPreference = 'Stop'\r\n$token = \"{ps1}\"\r\n");
    std::fs::write(dir.join("deploy.ps1"), utf16le(&script, true)).unwrap();
    let export = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Acme]\r\n\
         \"User\"=\"ci\"\r\n\"Token\"=\"{reg}\"\r\n"
    );
    std::fs::write(dir.join("settings.reg"), utf16le(&export, true)).unwrap();
    // No byte-order mark: recognised by its NUL pattern.
    std::fs::write(dir.join("notes.txt"), utf16le(&format!("one\ntwo {plain}\n"), false)).unwrap();
    let found = |findings: &[serde_json::Value]| -> Vec<(String, u64)> {
        let mut found: Vec<(String, u64)> = findings
            .iter()
            .filter(|f| f["rule_id"] == "github-classic-pat")
            .map(|f| (f["path"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
            .collect();
        found.sort();
        found
    };
    let expected = vec![
        ("deploy.ps1".to_string(), 3),
        ("notes.txt".to_string(), 2),
        ("settings.reg".to_string(), 5),
    ];
    let (output, findings) = scan_json(dir, &["."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(found(&findings), expected);
    commit_all(dir, "windows files");
    let (output, findings) = scan_json(dir, &[".", "--history-only"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(found(&findings), expected, "history blobs are decoded too");
}
