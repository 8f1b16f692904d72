//! Opening repositories safely. A scanned repository is untrusted input: it is opened on the
//! exact path given (never discovered upward into a parent), with no system, global or user
//! configuration and no environment overrides, and keyhound never runs its hooks, filters,
//! fsmonitor or anything else its configuration names (it only reads objects).

use std::path::Path;

use anyhow::{Context, Result};

/// Opens the repository whose work tree or git directory is exactly `path`.
pub fn open_repository(path: &Path) -> Result<gix::Repository> {
    let options = gix::open::Options::isolated().lossy_config(true);
    gix::open_opts(path, options)
        .with_context(|| format!("{}: not a git repository", path.display()))
}

/// Whether `path` is itself the top of a git repository (work tree or bare).
pub fn is_repository(path: &Path) -> bool {
    path.join(".git").exists() || (path.join("HEAD").is_file() && path.join("objects").is_dir())
}
