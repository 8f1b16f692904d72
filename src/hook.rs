//! `keyhound install-hook`: a plain git pre-commit hook for repositories that do not use the
//! pre-commit framework (which has its own `.pre-commit-hooks.yaml` entry).
//!
//! The hook calls the keyhound binary that installed it, by absolute path, and falls back to
//! `keyhound` on `PATH` only if that binary is gone. Git clients started from a desktop (IDEs,
//! GUI clients) often run hooks with a minimal `PATH` that lacks `~/.cargo/bin`; a hook that
//! silently could not find its scanner would let every secret through. The recorded path is
//! the binary the user just ran, so it is the version they chose; an upgrade by `cargo install`
//! replaces it in place. If neither is found the hook fails the commit with instructions
//! rather than passing it unchecked.

use std::{
    fs::OpenOptions,
    io::{ErrorKind, Write},
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, bail};

/// Arguments the hook passes to `keyhound scan`. Git runs hooks at the top of the work tree.
pub(crate) const HOOK_SCAN_ARGS: &str = "scan --staged .";

/// Writes `pre-commit` into the hooks directory of the repository at exactly `repo_path`.
/// An existing hook is kept unless `force`. Returns the hook's path.
pub fn install(repo_path: &Path, keyhound: &Path, force: bool) -> Result<PathBuf> {
    let repo = crate::git::open_repository(repo_path)?;
    if let Some(hooks_path) = repo.config_snapshot().string("core.hooksPath") {
        bail!(
            "core.hooksPath is set to `{hooks_path}`, so git does not run .git/hooks; add \
             `keyhound {HOOK_SCAN_ARGS}` to the pre-commit hook there instead"
        );
    }
    // Linked work trees share the main repository's hooks.
    let hooks = repo.common_dir().join("hooks");
    std::fs::create_dir_all(&hooks)
        .with_context(|| format!("cannot create {}", hooks.display()))?;
    let path = hooks.join("pre-commit");
    let mut options = OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    set_executable(&mut options);
    let mut file = match options.open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == ErrorKind::AlreadyExists => bail!(
            "{} already exists; keeping it (use --force to replace it, or call `keyhound \
             {HOOK_SCAN_ARGS}` from it)",
            path.display()
        ),
        Err(err) => return Err(err).with_context(|| format!("cannot write {}", path.display())),
    };
    file.write_all(hook_script(keyhound).as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    make_executable(&file).with_context(|| format!("cannot make {} executable", path.display()))?;
    Ok(path)
}

/// The hook: POSIX sh, no dependencies beyond keyhound itself.
pub(crate) fn hook_script(keyhound: &Path) -> String {
    let recorded = shell_quote(&keyhound.to_string_lossy());
    format!(
        r#"#!/bin/sh
# keyhound pre-commit hook, written by `keyhound install-hook`.
# Blocks commits whose staged changes hold a secret. For a false positive, commit once with
# `git commit --no-verify`. Remove this file to uninstall.
keyhound={recorded}
if [ ! -x "$keyhound" ]; then
    keyhound=$(command -v keyhound) || {{
        echo "keyhound pre-commit hook: keyhound is not installed at {recorded} nor on PATH;" >&2
        echo "reinstall keyhound, then run: keyhound install-hook --force" >&2
        exit 1
    }}
fi
exec "$keyhound" {HOOK_SCAN_ARGS}
"#
    )
}

/// Single-quotes `text` for sh: `'` becomes `'\''`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(unix)]
fn set_executable(options: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(0o755);
}

#[cfg(not(unix))]
fn set_executable(_options: &mut OpenOptions) {}

/// `mode` applies only to new files; a replaced hook may have lacked the executable bit.
#[cfg(unix)]
fn make_executable(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_paths_for_sh() {
        assert_eq!(shell_quote("/opt/key hound/bin"), "'/opt/key hound/bin'");
        assert_eq!(shell_quote("/it's/here"), r"'/it'\''s/here'");
    }

    #[test]
    fn the_script_records_the_binary_and_scans_the_index() {
        let script = hook_script(Path::new("/usr/local/bin/keyhound"));
        assert!(script.starts_with("#!/bin/sh\n"));
        assert!(script.contains("keyhound='/usr/local/bin/keyhound'\n"));
        assert!(script.ends_with("exec \"$keyhound\" scan --staged .\n"));
    }
}
