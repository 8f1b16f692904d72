//! Reading and scanning each wanted blob once, in parallel.
//!
//! Packs holding enough wanted blobs are resolved whole ([`super::packs`]); the other blobs
//! (loose ones, small selections such as a range) are read object by object, in pack-offset
//! order: objects in a pack are deltas against bases stored before them, so reading in that
//! order lets each thread's pack cache hold the bases it is about to need; reading by sorted
//! id re-inflates whole delta chains again and again. The list is cut into contiguous runs
//! so each thread keeps that locality.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use anyhow::{Context, Result};
use gix::{ObjectId, odb::store::iter::Ordering as PackOrdering};
use rayon::prelude::*;

use super::{
    packs::{self, PackPlace, PackReader, PackReading},
    walk::read_object,
};
use crate::{
    diagnostics::Diagnostics,
    finding::Finding,
    model::{Location, Tracking},
    pipeline::{Pipeline, Scanner},
    progress::Progress,
    sources::ScanStats,
};

/// Objects in the store, in pack order, that are wanted.
pub(crate) struct Ordered {
    pub(crate) wanted: Vec<ObjectId>,
    /// Wanted but in no pack and not loose: missing (a partial clone).
    pub(crate) missing: usize,
}

pub(crate) fn pack_order<V>(
    repo: &gix::Repository,
    wanted: &HashMap<ObjectId, V>,
    diagnostics: &Diagnostics,
) -> Result<Ordered> {
    let mut remaining: HashSet<ObjectId> = wanted.keys().copied().collect();
    let mut ordered = Vec::with_capacity(remaining.len());
    let objects = repo
        .objects
        .store_ref()
        .iter()
        .context("cannot list the object database")?
        .with_ordering(PackOrdering::PackAscendingOffsetThenLooseLexicographical);
    for id in objects {
        let id = match id {
            Ok(id) => id,
            Err(err) => {
                diagnostics.warn("loose objects", format!("cannot list: {err}"));
                continue;
            }
        };
        if remaining.remove(&id) {
            ordered.push(id);
        } else if remaining.is_empty() {
            break;
        }
    }
    Ok(Ordered { wanted: ordered, missing: remaining.len() })
}

/// Scans `ids` (each with its path in `paths`) and returns the findings by blob.
pub(crate) struct BlobScan<'a> {
    pub(crate) repo: &'a gix::ThreadSafeRepository,
    pub(crate) pipeline: &'a Pipeline,
    pub(crate) max_file_size: u64,
    /// How much of a pack one traversal resolves at once.
    pub(crate) slicing: super::packs::Slicing,
    /// What each thread reading objects one by one keeps of delta bases.
    pub(crate) pack_cache_bytes: usize,
    pub(crate) diagnostics: &'a Diagnostics,
    pub(crate) stats: &'a ScanStats,
    /// Wanted blobs the object database does not have (a partial clone).
    pub(crate) missing: AtomicU64,
    pub(crate) progress: &'a Progress,
}

impl BlobScan<'_> {
    pub(crate) fn run(
        &self,
        ids: &[ObjectId],
        paths: &(dyn Fn(&ObjectId) -> Location + Sync),
    ) -> HashMap<ObjectId, Vec<Finding>> {
        let found = Mutex::new(HashMap::new());
        let scanned = packs::scan_packs(self, ids, paths, &found);
        let rest: Vec<ObjectId> =
            ids.iter().zip(&scanned).filter(|(_, done)| !**done).map(|(id, _)| *id).collect();
        self.run_per_object(&rest, paths, &found);
        found.into_inner().expect("findings lock")
    }

    /// Reads each blob with an object lookup: loose objects, blobs of packs not worth a
    /// whole traversal, and those a traversal could not reach.
    fn run_per_object(
        &self,
        ids: &[ObjectId],
        paths: &(dyn Fn(&ObjectId) -> Location + Sync),
        found: &Mutex<HashMap<ObjectId, Vec<Finding>>>,
    ) {
        let threads = rayon::current_num_threads().max(1);
        // Several runs per thread balance the load; long runs keep pack locality.
        let run_len = (ids.len() / (threads * 8)).max(64);
        ids.par_chunks(run_len).for_each_init(
            || Worker::new(self.repo, self.pipeline, self.pack_cache_bytes),
            |worker, run| {
                for id in run {
                    let location = paths(id);
                    let findings = worker.scan(self, id, &location);
                    if !findings.is_empty() {
                        found.lock().expect("findings lock").insert(*id, findings);
                    }
                }
            },
        );
    }

    /// The checks and the scan every blob gets once its content is read.
    pub(super) fn scan_blob(
        &self,
        scanner: &mut Scanner<'_>,
        location: &Location,
        content: &[u8],
    ) -> Vec<Finding> {
        if !self.stats.within_size_limit(content.len() as u64, self.max_file_size) {
            self.progress.add(0);
            return Vec::new();
        }
        self.progress.add(content.len() as u64);
        if !self.stats.admit_text(content) {
            return Vec::new();
        }
        scanner.scan_at(location, content, Tracking::Committed)
    }
}

/// One thread's repository handle (with its own bounded pack cache), scanner and buffer.
pub(super) struct Worker<'e> {
    repo: gix::Repository,
    scanner: Scanner<'e>,
    buf: Vec<u8>,
    /// Packs read through mappings whose pages are handed back, tried before gix's reads.
    packs: Option<(&'e PackReader, PackReading)>,
}

impl<'e> Worker<'e> {
    /// `pack_cache_bytes`: what the thread may keep of decoded delta bases, bounded so that a
    /// pathological pack (huge objects, long chains) cannot take the machine's memory.
    pub(super) fn new(
        repo: &gix::ThreadSafeRepository,
        pipeline: &'e Pipeline,
        pack_cache_bytes: usize,
    ) -> Self {
        let mut repo = repo.to_thread_local();
        repo.objects.set_pack_cache(move || {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(pack_cache_bytes))
        });
        repo.object_cache_size(None);
        Worker { repo, scanner: pipeline.scanner(), buf: Vec::new(), packs: None }
    }

    /// Reads packed objects through `packs`, keeping `cache_bytes` of delta bases.
    pub(super) fn reading(mut self, packs: &'e PackReader, cache_bytes: usize) -> Self {
        self.packs = Some((packs, PackReader::reading(cache_bytes)));
        self
    }

    /// Reads a blob again (at `place` in a pack, if known) and scans it at `location` (its
    /// size and kind are already known).
    pub(super) fn rescan(
        &mut self,
        id: &ObjectId,
        place: Option<PackPlace>,
        location: &Location,
    ) -> Vec<Finding> {
        if let (Some((packs, reading)), Some(place)) = (&mut self.packs, place) {
            if packs.read(reading, place, &mut self.buf) {
                return self.scanner.scan_at(location, &self.buf, Tracking::Committed);
            }
        }
        match read_object(&self.repo, id, &mut self.buf) {
            Ok(Some(data)) => self.scanner.scan_at(location, data.data, Tracking::Committed),
            _ => Vec::new(),
        }
    }

    fn scan(&mut self, job: &BlobScan<'_>, id: &ObjectId, location: &Location) -> Vec<Finding> {
        // The header gives the size without inflating the object.
        match self.repo.try_find_header(*id) {
            Ok(Some(header)) if !job.stats.within_size_limit(header.size(), job.max_file_size) => {
                job.progress.add(0);
                return Vec::new();
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                job.missing.fetch_add(1, Ordering::Relaxed);
                return Vec::new();
            }
            Err(err) => {
                job.diagnostics.warn(&format!("blob {id} ({location})"), format!("corrupt: {err}"));
                return Vec::new();
            }
        }
        let content = match read_object(&self.repo, id, &mut self.buf) {
            Ok(Some(data)) => data.data,
            Ok(None) => {
                job.missing.fetch_add(1, Ordering::Relaxed);
                return Vec::new();
            }
            Err(err) => {
                job.diagnostics
                    .warn(&format!("blob {id} ({location})"), format!("corrupt: {err:#}"));
                return Vec::new();
            }
        };
        job.scan_blob(&mut self.scanner, location, content)
    }
}

/// Scans one blob again under another path (the few blobs with findings found at several
/// paths), so path-dependent checks see the right path.
pub(crate) fn rescan(
    repo: &gix::Repository,
    scanner: &mut Scanner<'_>,
    id: &ObjectId,
    path: &str,
) -> Vec<Finding> {
    let mut buf = Vec::new();
    match read_object(repo, id, &mut buf) {
        Ok(Some(data)) => scanner.scan(path, data.data, Tracking::Committed),
        _ => Vec::new(),
    }
}
