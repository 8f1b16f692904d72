//! Whether the files of a working-tree walk are committed.
//!
//! The work tree is found by looking for `.git` in the scan root and its parents, only for
//! this: keyhound scans whatever path it is given, but `keyhound scan src/` inside a
//! repository must still know that `src/.env` is tracked. The repository itself is opened
//! isolated on that exact directory ([`crate::git::open_repository`]), and its index is read
//! once, on the first file that asks; a lookup is a binary search in the sorted index.

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

use crate::{diagnostics::Diagnostics, model::Tracking};

pub(crate) struct GitTracking {
    repository: Option<Repository>,
}

struct Repository {
    work_tree: PathBuf,
    /// The walk's root, relative to the work tree (`/`-separated, empty at the top).
    root_in_tree: String,
    scan_root: PathBuf,
    index: OnceLock<Option<gix::worktree::Index>>,
}

impl GitTracking {
    /// Tracking for a walk of `scan_root` (a directory or a file).
    pub(crate) fn discover(scan_root: &Path) -> Self {
        let repository = std::fs::canonicalize(scan_root).ok().and_then(|canonical| {
            let start =
                if canonical.is_dir() { canonical.as_path() } else { canonical.parent()? };
            let work_tree = start.ancestors().find(|dir| dir.join(".git").exists())?;
            let root_in_tree = slash_path(canonical.strip_prefix(work_tree).ok()?);
            Some(Repository {
                work_tree: work_tree.to_path_buf(),
                root_in_tree,
                scan_root: scan_root.to_path_buf(),
                index: OnceLock::new(),
            })
        });
        GitTracking { repository }
    }

    /// Whether `walked` (a path the walk produced under the scan root) is in git's index.
    pub(crate) fn of(&self, walked: &Path, diagnostics: &Diagnostics) -> Tracking {
        let Some(repository) = &self.repository else {
            return Tracking::NoRepository;
        };
        let index = repository.index.get_or_init(|| repository.read_index(diagnostics));
        let Some(index) = index else {
            return Tracking::NoRepository;
        };
        let relative =
            walked.strip_prefix(&repository.scan_root).map(slash_path).unwrap_or_default();
        let in_tree = match (repository.root_in_tree.as_str(), relative.as_str()) {
            (root, "") => root.to_string(),
            ("", relative) => relative.to_string(),
            (root, relative) => format!("{root}/{relative}"),
        };
        if index.entry_by_path(in_tree.as_bytes().into()).is_some() {
            Tracking::Committed
        } else {
            Tracking::Untracked
        }
    }
}

impl Repository {
    fn read_index(&self, diagnostics: &Diagnostics) -> Option<gix::worktree::Index> {
        let read = crate::git::open_repository(&self.work_tree)
            .and_then(|repo| repo.index_or_empty().map_err(anyhow::Error::from));
        match read {
            Ok(index) => Some(index),
            Err(err) => {
                let subject = self.work_tree.display().to_string();
                diagnostics.warn(
                    &subject,
                    format!(
                        "cannot read the git index ({err:#}); files are treated as outside git"
                    ),
                );
                None
            }
        }
    }
}

fn slash_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).trim_end_matches('/').to_string()
}
