//! `scan --staged`: what a commit is about to record. Only index entries whose blob differs
//! from HEAD's (added or modified files; every file before the first commit) are read, and it
//! is the staged blob that is scanned, so paths and lines are those of the commit, not of the
//! working-tree copy.
//!
//! This runs in a pre-commit hook on every commit, so it must stay fast in large repositories.
//! It walks HEAD's tree and the index together, directory by directory, and uses the index's
//! cache-tree extension (the tree id git records for each directory it has not touched since the
//! last commit or `git add`) to skip whole directories whose tree id equals HEAD's: after staging
//! one file only the trees on that file's path are read.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use gix::{
    ObjectId,
    bstr::{BStr, ByteSlice},
    index::{
        Entry, State,
        entry::{Flags, Mode, Stage},
        extension::Tree as CacheTree,
    },
};
use rayon::prelude::*;

use crate::{
    diagnostics::Diagnostics, finding::Finding, model::Tracking, pipeline::Pipeline,
    sources::ScanStats,
};

#[derive(Debug, Clone)]
pub(crate) struct StagedOptions {
    pub(crate) max_file_size: u64,
    /// The index to read instead of the repository's own. `git commit -a` and
    /// `git commit PATH...` stage into a temporary index and name it in `GIT_INDEX_FILE` for
    /// the hooks they run; the pre-commit scan must read that one.
    pub(crate) index_file: Option<PathBuf>,
}

/// A staged file whose content differs from HEAD's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    pub(crate) blob: ObjectId,
}

/// Scans the staged content of the repository at exactly `repo_path` (its work tree or git
/// directory; never discovered upward). Findings are ordered by path and line.
pub(crate) fn scan_staged(
    pipeline: &Pipeline,
    repo_path: &Path,
    options: &StagedOptions,
    diagnostics: &Diagnostics,
    stats: &ScanStats,
) -> Result<Vec<Finding>> {
    let repo = crate::git::open_repository(repo_path)?;
    if let Some(index_file) = &options.index_file {
        crate::git::check_index_file(index_file)?;
    }
    let index_path = options.index_file.clone().unwrap_or_else(|| repo.index_path());
    let changes = index_changes(&repo, head_tree(&repo)?, &read_index(&repo, &index_path)?)?;
    let shared = repo.into_sync();
    // Blobs are read and scanned on rayon's pool (the CLI sizes it from `--threads`).
    let mut findings: Vec<Finding> = changes
        .par_iter()
        .map_init(
            || (shared.to_thread_local(), pipeline.scanner()),
            |(repo, scanner), file| {
                let content = read_staged(repo, file, options, diagnostics, stats)?;
                Some(scanner.scan(&file.path, &content, Tracking::Committed))
            },
        )
        .flatten()
        .flatten()
        .collect();
    findings.sort_by(|a, b| (&a.location, a.span).cmp(&(&b.location, b.span)));
    Ok(findings)
}

/// Reads one staged blob unless it is too large, binary or missing (each reported or counted).
fn read_staged(
    repo: &gix::Repository,
    file: &StagedFile,
    options: &StagedOptions,
    diagnostics: &Diagnostics,
    stats: &ScanStats,
) -> Option<Vec<u8>> {
    let size = match repo.find_header(file.blob) {
        Ok(header) => header.size(),
        Err(err) => {
            diagnostics.warn(&file.path, format!("cannot read staged blob {}: {err}", file.blob));
            return None;
        }
    };
    if !stats.within_size_limit(size, options.max_file_size) {
        return None;
    }
    let content = match repo.find_blob(file.blob) {
        Ok(mut blob) => blob.take_data(),
        Err(err) => {
            diagnostics.warn(&file.path, format!("cannot read staged blob {}: {err}", file.blob));
            return None;
        }
    };
    stats.admit_text(&content).then_some(content)
}

/// The staged regular files whose blob differs from HEAD's at the same path, in index order.
/// Before the first commit HEAD's tree is the empty tree, so every staged file is listed.
pub fn staged_changes(repo: &gix::Repository) -> Result<Vec<StagedFile>> {
    let index = read_index(repo, &repo.index_path())?;
    index_changes(repo, head_tree(repo)?, &index)
}

/// Reads the index at `path`; none yet (a fresh repository) is an empty index. Like git, it
/// does not verify the trailing checksum: hashing a large index would cost more than the whole
/// comparison.
fn read_index(repo: &gix::Repository, path: &Path) -> Result<State> {
    match gix::index::File::at(path, repo.object_hash(), true, Default::default()) {
        Ok(file) => Ok(file.into()),
        Err(_) if !path.exists() => Ok(State::new(repo.object_hash())),
        Err(err) => Err(err).with_context(|| format!("cannot read the index {}", path.display())),
    }
}

/// HEAD's tree, or the empty tree before the first commit.
fn head_tree(repo: &gix::Repository) -> Result<ObjectId> {
    Ok(repo.head_tree_id_or_empty().context("cannot read HEAD")?.detach())
}

/// The regular files of `index` whose blob differs from the tree `head_tree` at the same path.
pub fn index_changes(
    repo: &gix::Repository,
    head_tree: ObjectId,
    index: &State,
) -> Result<Vec<StagedFile>> {
    let mut changes = Vec::new();
    let walk = DiffWalk { repo, state: index };
    walk.compare_dir(0, index.entries(), Some(head_tree), index.tree(), &mut changes)?;
    Ok(changes)
}

struct DiffWalk<'a> {
    repo: &'a gix::Repository,
    state: &'a State,
}

impl DiffWalk<'_> {
    /// Compares the index `entries` under one directory (their paths share the first
    /// `prefix_len` bytes) with HEAD's tree of that directory (`None`: absent in HEAD).
    fn compare_dir(
        &self,
        prefix_len: usize,
        entries: &[Entry],
        head: Option<ObjectId>,
        cache: Option<&CacheTree>,
        changes: &mut Vec<StagedFile>,
    ) -> Result<()> {
        // A valid cache-tree node holds the tree the index would write for this directory.
        if let (Some(head), Some(cache)) = (head, cache)
            && cache.num_entries.is_some()
            && cache.id == head
        {
            return Ok(());
        }
        let head_tree = match head {
            Some(id) => Some(self.repo.find_tree(id).context("cannot read HEAD's tree")?),
            None => None,
        };
        let decoded = match &head_tree {
            Some(tree) => Some(tree.decode().context("cannot decode HEAD's tree")?),
            None => None,
        };
        let head_entries: HashMap<&BStr, (gix::object::tree::EntryMode, &gix::oid)> = decoded
            .iter()
            .flat_map(|tree| tree.entries.iter())
            .map(|entry| (entry.filename, (entry.mode, entry.oid)))
            .collect();
        let mut next = 0;
        while next < entries.len() {
            let path = entries[next].path(self.state);
            let rest = &path[prefix_len..];
            match rest.find_byte(b'/') {
                None => {
                    let entry = &entries[next];
                    let in_head = head_entries.get(rest);
                    let unchanged =
                        in_head.is_some_and(|(mode, id)| mode.is_blob() && *id == entry.id);
                    if is_staged_file(entry) && !unchanged {
                        changes.push(StagedFile { path: path.to_string(), blob: entry.id });
                    }
                    next += 1;
                }
                Some(slash) => {
                    let dir = &path[..prefix_len + slash + 1];
                    let name = &rest[..slash];
                    let end = next
                        + entries[next..]
                            .iter()
                            .position(|e| !e.path(self.state).starts_with(dir))
                            .unwrap_or(entries.len() - next);
                    let child_head = head_entries
                        .get(name)
                        .filter(|(mode, _)| mode.is_tree())
                        .map(|(_, id)| (*id).to_owned());
                    let child_cache = cache.and_then(|c| {
                        c.children.iter().find(|child| child.name.as_slice() == name)
                    });
                    self.compare_dir(
                        dir.len(),
                        &entries[next..end],
                        child_head,
                        child_cache,
                        changes,
                    )?;
                    next = end;
                }
            }
        }
        Ok(())
    }
}

/// A regular file in stage 0 with real content: not a conflict side, submodule, symlink,
/// sparse directory or `git add -N` placeholder.
fn is_staged_file(entry: &Entry) -> bool {
    matches!(entry.mode, Mode::FILE | Mode::FILE_EXECUTABLE)
        && entry.stage() == Stage::Unconflicted
        && !entry.flags.contains(Flags::INTENT_TO_ADD)
}
