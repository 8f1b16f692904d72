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
