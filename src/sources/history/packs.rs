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
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
};

use gix::{
    ObjectId,
    odb::pack::{self, index::traverse::SafetyCheck},
};

use super::blobs::BlobScan;
use crate::{
    finding::Finding,
    model::Location,
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
pub(crate) fn scan_packs(
    job: &BlobScan<'_>,
    ids: &[ObjectId],
    paths: &(dyn Fn(&ObjectId) -> Location + Sync),
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

/// A pack file mapped read-only, whose pages the traversal hands back to the kernel as it
/// goes: a traversal reads the whole pack, and a mapping keeps every page it touched resident
/// in the process (counted in its RSS) until it is unmapped. Released pages stay in the
/// kernel's page cache, so reading one again costs a minor fault, not a disk read.
#[derive(Clone)]
pub(super) struct MappedPack {
    map: std::sync::Arc<memmap2::Mmap>,
}

impl MappedPack {
    pub(super) fn open(path: &Path) -> std::io::Result<MappedPack> {
        let file = std::fs::File::open(path)?;
        // SAFETY: the map is read-only, and git never rewrites a pack in place (a repack
        // writes new packs and deletes old ones, whose pages stay valid while mapped); gix
        // maps packs the same way.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(MappedPack { map: std::sync::Arc::new(map) })
    }

    /// Drops the pages read so far from the process; later reads fault them in again.
    fn release(&self) {
        // SAFETY: MADV_DONTNEED on a read-only file mapping discards no data: a page read
        // after it is the file's content again, so slices other threads hold stay valid.
        // Failing to advise only leaves the pages resident.
        let _ = unsafe { self.map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
    }
}

impl std::ops::Deref for MappedPack {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.map
    }
}

/// A pack's data, and its pages to release while traversing it.
pub(super) struct Pack {
    data: pack::data::File<MappedPack>,
    pages: MappedPack,
}

/// Opens the pack of the index at `idx_path`.
pub(super) fn open_pack(idx_path: &Path, hash: gix::hash::Kind) -> anyhow::Result<Pack> {
    let path = idx_path.with_extension("pack");
    let pages =
        MappedPack::open(&path).map_err(|err| anyhow::anyhow!("cannot read the pack: {err}"))?;
    let data = pack::data::File::from_data(pages.clone(), path, hash)
        .map_err(|err| anyhow::anyhow!("cannot read the pack: {err}"))?;
    Ok(Pack { data, pages })
}

/// How many bytes of objects a traversal resolves between two releases of the pack's pages:
/// the pack's share of the process's resident memory stays near this, whatever its size.
const RELEASE_EVERY_BYTES: u64 = 256 << 20;

/// Resolves every object of one pack, on every thread, and hands each to `processor`.
pub(super) fn traverse<P>(
    idx: &pack::index::File,
    pack: &Pack,
    max_file_size: u64,
    mut processor: P,
) -> anyhow::Result<()>
where
    P: FnMut(gix::objs::Kind, &[u8], &pack::index::Entry) + Send + Clone,
{
    let threads = rayon::current_num_threads().max(1);
    let alloc_limit = max_file_size.max(ALLOC_LIMIT_BYTES);
    let resolved = AtomicU64::new(0);
    let resolved = &resolved;
    let pages = &pack.pages;
    idx.traverse_with_index(
        &pack.data,
        move |kind, content: &[u8], entry: &pack::index::Entry, _: &dyn gix::progress::Progress| {
            processor(kind, content, entry);
            let size = content.len() as u64;
            let before = resolved.fetch_add(size, Ordering::Relaxed);
            if (before + size) / RELEASE_EVERY_BYTES != before / RELEASE_EVERY_BYTES {
                pages.release();
            }
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
    paths: &'a (dyn Fn(&ObjectId) -> Location + Sync),
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
        let pack = open_pack(idx_path, object_hash)?;
        let mut scanner = LazyScanner::new(self.job.pipeline);
        let processor = move |kind, content: &[u8], entry: &pack::index::Entry| {
            if kind == gix::objs::Kind::Blob {
                self.scan(&mut scanner, &entry.oid, content);
            }
        };
        traverse(&idx, &pack, self.job.max_file_size, processor)
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
