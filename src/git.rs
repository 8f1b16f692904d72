//! Opening repositories safely. A scanned repository is untrusted input: it is opened on the
//! exact path given (never discovered upward into a parent), with no system, global or user
//! configuration and no environment overrides, and keyhound never runs its hooks, filters,
//! fsmonitor or anything else its configuration names (it only reads objects).

use std::path::Path;

use anyhow::{Context, Result, bail};

/// Opens the repository whose work tree or git directory is exactly `path`, once its git
/// directory passed [`check_git_dir`].
pub fn open_repository(path: &Path) -> Result<gix::Repository> {
    check_git_dir(path)?;
    let options = gix::open::Options::isolated().lossy_config(true);
    gix::open_opts(path, options)
        .with_context(|| format!("{}: not a git repository", path.display()))
}

/// The top of the repository that `path` lies inside, when `path` is not that top itself:
/// found by looking upward, only to explain an error (scans never discover upward).
pub(crate) fn enclosing_repository(path: &Path) -> Option<std::path::PathBuf> {
    let absolute = std::fs::canonicalize(path).ok()?;
    absolute.ancestors().skip(1).find(|dir| is_repository(dir)).map(Path::to_path_buf)
}

/// Whether `path` is itself the top of a git repository (work tree or bare).
pub(crate) fn is_repository(path: &Path) -> bool {
    path.join(".git").exists() || (path.join("HEAD").is_file() && path.join("objects").is_dir())
}

/// Bounds on the metadata files read whole (a regular file can still be absurdly large).
const SMALL_FILE_LIMIT: u64 = 1 << 20;
const CONFIG_LIMIT: u64 = 8 << 20;
const PACKED_REFS_LIMIT: u64 = 1 << 30;
const SHALLOW_LIMIT: u64 = 256 << 20;
pub(crate) const INDEX_LIMIT: u64 = 2 << 30;
/// Entries of a git directory keyhound never reads (hooks never run): they may be links.
const NEVER_READ: &[&str] = &["hooks", "logs", "lfs", "description", "modules", "worktrees"];
/// Alternates pointing at alternates are followed this deep.
const MAX_ALTERNATE_DEPTH: usize = 6;

/// Refuses a repository whose git directory holds a symbolic link or a special file (FIFO,
/// device, socket) where metadata or objects are read, or a metadata file over its size
/// bound: a clone cannot plant them, but an unpacked archive or a shared directory can, and
/// reading `/dev/zero` or a FIFO would never end. The error names the offending path.
pub(crate) fn check_git_dir(path: &Path) -> Result<()> {
    let mut checker = GitDirCheck::default();
    if let Some(git_dir) = git_dir_of(path)? {
        checker.git_dir(&git_dir, 0)?;
    }
    Ok(())
}

/// Checks an index file named from outside the git directory (`GIT_INDEX_FILE`).
pub(crate) fn check_index_file(path: &Path) -> Result<()> {
    check_file(path, INDEX_LIMIT)
}

fn refuse(path: &Path, what: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!(
        "{}: {what}; keyhound reads only regular files in a git directory and follows no links there",
        path.display()
    )
}

/// The git directory of the repository at `path`: `.git` (a directory, or a file naming
/// one), or `path` itself when it has no `.git` (bare, or no repository at all).
fn git_dir_of(path: &Path) -> Result<Option<std::path::PathBuf>> {
    let dot_git = path.join(".git");
    let Ok(meta) = std::fs::symlink_metadata(&dot_git) else {
        return Ok(path.is_dir().then(|| path.to_path_buf()));
    };
    if meta.file_type().is_symlink() {
        return Err(refuse(&dot_git, "a symbolic link"));
    }
    if meta.is_dir() {
        return Ok(Some(dot_git));
    }
    let text = read_small(&dot_git)?;
    match text.trim_end().strip_prefix("gitdir: ") {
        Some(target) => Ok(Some(path.join(target))),
        None => Ok(None),
    }
}

fn read_small(path: &Path) -> Result<String> {
    check_file(path, SMALL_FILE_LIMIT)?;
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A file that may be absent, but if present is regular (not a link) and within `limit`.
fn check_file(path: &Path, limit: u64) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return Ok(()) };
    if meta.file_type().is_symlink() {
        return Err(refuse(path, "a symbolic link"));
    }
    if !meta.is_file() {
        return Err(refuse(path, "not a regular file"));
    }
    if meta.len() > limit {
        bail!(
            "{}: {} bytes, over the {limit}-byte bound for this file",
            path.display(),
            meta.len()
        );
    }
    Ok(())
}

#[derive(Default)]
struct GitDirCheck {
    seen: std::collections::HashSet<std::path::PathBuf>,
}

impl GitDirCheck {
    fn git_dir(&mut self, dir: &Path, depth: usize) -> Result<()> {
        if !self.seen.insert(dir.to_path_buf()) {
            return Ok(());
        }
        // Every top-level entry: HEAD, config, packed-refs, FETCH_HEAD, ... and directories.
        self.directory_entries(dir, NEVER_READ)?;
        for (name, limit) in [
            ("HEAD", SMALL_FILE_LIMIT),
            ("commondir", SMALL_FILE_LIMIT),
            ("gitdir", SMALL_FILE_LIMIT),
            ("config", CONFIG_LIMIT),
            ("config.worktree", CONFIG_LIMIT),
            ("packed-refs", PACKED_REFS_LIMIT),
            ("shallow", SHALLOW_LIMIT),
            ("index", INDEX_LIMIT),
        ] {
            check_file(&dir.join(name), limit)?;
        }
        check_file(&dir.join("info/grafts"), SHALLOW_LIMIT)?;
        self.tree(&dir.join("refs"), SMALL_FILE_LIMIT)?;
        self.objects(&dir.join("objects"), 0)?;
        let commondir = dir.join("commondir");
        if commondir.exists() && depth == 0 {
            let common = dir.join(read_small(&commondir)?.trim_end());
            self.git_dir(&common, depth + 1)?;
        }
        Ok(())
    }

    /// An object directory: loose objects, packs, and alternates (followed).
    fn objects(&mut self, dir: &Path, depth: usize) -> Result<()> {
        if !self.seen.insert(dir.to_path_buf()) || !self.real_directory(dir)? {
            return Ok(());
        }
        self.tree(dir, u64::MAX)?;
        let alternates = dir.join("info/alternates");
        if alternates.exists() {
            if depth >= MAX_ALTERNATE_DEPTH {
                return Err(refuse(&alternates, "alternates nested too deep"));
            }
            for line in read_small(&alternates)?.lines() {
                let line = line.trim();
                if !line.is_empty() && !line.starts_with('#') {
                    self.objects(&dir.join(line), depth + 1)?;
                }
            }
        }
        Ok(())
    }

    /// Whether `dir` exists as a directory (not a link to one).
    fn real_directory(&self, dir: &Path) -> Result<bool> {
        match std::fs::symlink_metadata(dir) {
            Err(_) => Ok(false),
            Ok(meta) if meta.file_type().is_symlink() => Err(refuse(dir, "a symbolic link")),
            Ok(meta) if meta.is_dir() => Ok(true),
            Ok(_) => Err(refuse(dir, "not a directory")),
        }
    }

    /// Every file below `dir` regular and within `limit`, every directory real.
    fn tree(&self, dir: &Path, limit: u64) -> Result<()> {
        if !self.real_directory(dir)? {
            return Ok(());
        }
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            stack.extend(self.directory_entries(&dir, &[])?);
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_file()) && limit != u64::MAX {
                    check_file(&path, limit)?;
                }
            }
        }
        Ok(())
    }

    /// Refuses links and special files among `dir`'s entries (but those named in `unread`);
    /// returns its subdirectories.
    fn directory_entries(&self, dir: &Path, unread: &[&str]) -> Result<Vec<std::path::PathBuf>> {
        let mut subdirectories = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir) else { return Ok(subdirectories) };
        for entry in entries.flatten() {
            if unread.iter().any(|name| entry.file_name() == *name) {
                continue;
            }
            let path = entry.path();
            let file_type =
                entry.file_type().with_context(|| format!("{}: cannot stat", path.display()))?;
            if file_type.is_symlink() {
                return Err(refuse(&path, "a symbolic link"));
            } else if file_type.is_dir() {
                subdirectories.push(path);
            } else if !file_type.is_file() {
                return Err(refuse(&path, "not a regular file"));
            }
        }
        Ok(subdirectories)
    }
}
