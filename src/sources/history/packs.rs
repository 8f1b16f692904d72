//! Reading whole packs the way `git index-pack` resolves them: each pack's delta tree is
//! walked from its undeltified bases down, so every base is inflated once and every delta
//! applied once, whatever the depth of the chains.
//!
//! Object-by-object reads cannot do that: gix's pack cache only keeps delta-resolved
//! objects, so each direct delta of a full object inflates that base again, and the deeper
//! the chains the more of them are resolved again and again. A traversal costs the whole
//! pack, though, so a pack is only traversed when enough of its objects are wanted; the
//! others (and loose objects, and whatever a failed traversal left) are read one by one.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

use gix::{
    ObjectId,
    odb::pack::{self, index::traverse::SafetyCheck},
};

use super::blobs::BlobScan;
use crate::{
    finding::Finding,
    pipeline::{Pipeline, Scanner},
};

/// A pack is traversed when at least this share (1/N) of its objects are wanted blobs;
/// below it, reading the wanted ones by lookup is cheaper than resolving the whole pack.
const MIN_WANTED_SHARE: usize = 20;

/// The largest single object a traversal will allocate (unless `--max-file-size` is
/// larger): a corrupt or hostile pack entry claiming an absurd size fails its pack's
/// traversal (its objects are then read one by one) instead of exhausting memory.
const ALLOC_LIMIT_BYTES: u64 = 512 << 20;

/// Scans the wanted blobs of every pack worth traversing; returns, per id of `ids`, whether
/// it was scanned.
pub fn scan_packs(
    job: &BlobScan<'_>,
    ids: &[ObjectId],
    paths: &(dyn Fn(&ObjectId) -> String + Sync),
    found: &Mutex<HashMap<ObjectId, Vec<Finding>>>,
) -> Vec<bool> {
    let repo = job.repo.to_thread_local();
    let index: HashMap<ObjectId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let done: Vec<AtomicBool> = ids.iter().map(|_| AtomicBool::new(false)).collect();
    let remaining = AtomicUsize::new(ids.len());
    for idx_path in pack_indices(&repo) {
        if remaining.load(Ordering::Relaxed) == 0 {
            break;
        }
        let traversal =
            Traversal { job, paths, found, index: &index, done: &done, remaining: &remaining };
        if let Err(err) = traversal.run(&idx_path, repo.object_hash()) {
            job.diagnostics.warn(
                &idx_path.with_extension("pack").display().to_string(),
                format!("{err}; reading its objects one by one"),
            );
        }
    }
    done.into_iter().map(AtomicBool::into_inner).collect()
}

/// The `.idx` files of the repository's packs and of its alternates' packs. A
/// multi-pack-index only indexes these same packs, so it is not needed.
pub(super) fn pack_indices(repo: &gix::Repository) -> Vec<PathBuf> {
    let store = repo.objects.store_ref();
    let mut dirs = vec![store.path().to_path_buf()];
    dirs.extend(store.alternate_db_paths().unwrap_or_default());
    let mut indices = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir.join("pack")) else { continue };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "idx"))
            .collect();
        found.sort();
        indices.extend(found);
    }
    indices
}

/// Resolves every object of one pack, on every thread, and hands each to `processor`.
pub(super) fn traverse<P>(
    idx: &pack::index::File,
    data: &pack::data::File,
    max_file_size: u64,
    mut processor: P,
) -> anyhow::Result<()>
where
    P: FnMut(gix::objs::Kind, &[u8], &pack::index::Entry) + Send + Clone,
{
    let threads = rayon::current_num_threads().max(1);
    let alloc_limit = max_file_size.max(ALLOC_LIMIT_BYTES);
    idx.traverse_with_index(
        data,
        move |kind, content: &[u8], entry: &pack::index::Entry, _: &dyn gix::progress::Progress| {
            processor(kind, content, entry);
            Ok(())
        },
        &mut gix::progress::Discard,
        &AtomicBool::new(false),
        pack::index::traverse::with_index::Options {
            thread_limit: Some(threads),
            // Corruption is reported per object by the one-by-one reads after a failed
            // traversal; checksums of the whole pack would cost a full read.
            check: SafetyCheck::SkipFileAndObjectChecksumVerificationAndNoAbortOnDecodeError,
            alloc_limit_bytes: Some(usize::try_from(alloc_limit).unwrap_or(usize::MAX)),
        },
    )
    .map_err(|err| anyhow::anyhow!("cannot resolve the pack: {err}"))?;
    Ok(())
}

/// One pack's traversal, with what all traversals share.
struct Traversal<'a, 'j> {
    job: &'a BlobScan<'j>,
    paths: &'a (dyn Fn(&ObjectId) -> String + Sync),
    found: &'a Mutex<HashMap<ObjectId, Vec<Finding>>>,
    /// Wanted blob → its position in `done`.
    index: &'a HashMap<ObjectId, usize>,
    done: &'a [AtomicBool],
    remaining: &'a AtomicUsize,
}

impl Traversal<'_, '_> {
    fn run(&self, idx_path: &Path, object_hash: gix::hash::Kind) -> anyhow::Result<()> {
        let idx = pack::index::File::at(idx_path, object_hash)
            .map_err(|err| anyhow::anyhow!("cannot read the index: {err}"))?;
        if !self.worth_traversing(&idx) {
            return Ok(());
        }
        let data = pack::data::File::at(idx_path.with_extension("pack"), object_hash)
            .map_err(|err| anyhow::anyhow!("cannot read the pack: {err}"))?;
        let mut scanner = LazyScanner::new(self.job.pipeline);
        let processor = move |kind, content: &[u8], entry: &pack::index::Entry| {
            if kind == gix::objs::Kind::Blob {
                self.scan(&mut scanner, &entry.oid, content);
            }
        };
        traverse(&idx, &data, self.job.max_file_size, processor)
    }

    /// Whether enough of the pack's objects are still-wanted blobs.
    fn worth_traversing(&self, idx: &pack::index::File) -> bool {
        let objects = idx.num_objects() as usize;
        if objects == 0 {
            return false;
        }
        let needed = objects.div_ceil(MIN_WANTED_SHARE);
        let mut wanted = 0;
        for (id, &position) in self.index {
            if !self.done[position].load(Ordering::Relaxed) && idx.lookup(id).is_some() {
                wanted += 1;
                if wanted >= needed {
                    return true;
                }
            }
        }
        false
    }

    fn scan(&self, scanner: &mut LazyScanner<'_>, id: &ObjectId, content: &[u8]) {
        let Some(&position) = self.index.get(id) else { return };
        // A blob stored in several packs is scanned once.
        if self.done[position].swap(true, Ordering::Relaxed) {
            return;
        }
        self.remaining.fetch_sub(1, Ordering::Relaxed);
        let findings = self.job.scan_blob(scanner.get(), &(self.paths)(id), content);
        if !findings.is_empty() {
            self.found.lock().expect("findings lock").insert(*id, findings);
        }
    }
}

/// A scanner made on first use. The traversal clones its processor once per thread; a clone
/// starts without a scanner, so each thread makes its own (scanners hold per-thread state).
pub(super) struct LazyScanner<'e> {
    pipeline: &'e Pipeline,
    scanner: Option<Scanner<'e>>,
}

impl<'e> LazyScanner<'e> {
    pub(super) fn new(pipeline: &'e Pipeline) -> Self {
        LazyScanner { pipeline, scanner: None }
    }

    pub(super) fn get(&mut self) -> &mut Scanner<'e> {
        self.scanner.get_or_insert_with(|| self.pipeline.scanner())
    }
}

impl Clone for LazyScanner<'_> {
    fn clone(&self) -> Self {
        LazyScanner::new(self.pipeline)
    }
}
