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

use gix::{ObjectId, odb::pack};

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

/// Resolves every object of one pack, on every thread, and hands each to `processor` (with
/// its entry's offset in the pack): the whole pack at once when `budget` leaves room for its
/// delta tree, else in slices of whole delta families ([`slices`]), so that at most about
/// `slice_objects` are in a tree at once.
pub(super) fn traverse<P>(
    idx: &pack::index::File,
    pack: &Pack,
    max_file_size: u64,
    budget: &Slicing,
    processor: P,
) -> anyhow::Result<()>
where
    P: FnMut(gix::objs::Kind, &[u8], &gix::oid, u64) + Send + Clone,
{
    let by_offset = sorted_by_offset(idx);
    let slices = if by_offset.len() <= budget.slice_objects {
        vec![by_offset.iter().map(|&(_, index)| index).collect()]
    } else {
        slices(idx, pack, &by_offset, budget)?
    };
    drop(by_offset);
    let resolved = AtomicU64::new(0);
    let sliced = slices.len() > 1;
    for slice in slices {
        let pass = Pass { slice: &slice, sliced, resolved: &resolved };
        traverse_slice(idx, pack, &pass, max_file_size, budget, processor.clone())?;
    }
    Ok(())
}

/// How a traversal shares out memory (from [`super::budget::MemoryBudget`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slicing {
    /// The most objects in one delta tree (a family larger than this is one slice).
    pub(crate) slice_objects: usize,
    /// Resolved bytes between two releases of the pack's pages.
    pub(crate) release_every_bytes: u64,
}

/// The pack's objects as (offset, position in the index), by offset.
fn sorted_by_offset(idx: &pack::index::File) -> Vec<(u64, u32)> {
    let mut sorted: Vec<(u64, u32)> =
        (0..idx.num_objects()).map(|index| (idx.pack_offset_at_index(index), index)).collect();
    sorted.sort_unstable();
    sorted
}

/// The pack's objects (positions in the index) cut into slices of whole delta families: a
/// base and every delta resolved from it, at any depth, are in the same slice, in pack order,
/// and consecutive families fill a slice up to `slice_objects`. Costs one pass over the
/// pack's entry headers (no inflation).
fn slices(
    idx: &pack::index::File,
    pack: &Pack,
    by_offset: &[(u64, u32)],
    budget: &Slicing,
) -> anyhow::Result<Vec<Vec<u32>>> {
    let slice_objects = budget.slice_objects;
    let release_every = budget.release_every_bytes.max(1);
    let position_of = |offset: u64| by_offset.binary_search_by_key(&offset, |&(o, _)| o).ok();
    // Each object's base (as a position by offset), itself for a base object.
    let mut base: Vec<u32> = Vec::with_capacity(by_offset.len());
    for (position, &(offset, _)) in by_offset.iter().enumerate() {
        // The headers are read in pack order: the pages read are the offsets passed.
        if position > 0 && offset / release_every != by_offset[position - 1].0 / release_every {
            pack.pages.release();
        }
        let entry = pack
            .data
            .entry(offset)
            .map_err(|err| anyhow::anyhow!("cannot read the entry at offset {offset}: {err}"))?;
        use pack::data::entry::Header;
        let base_offset = match entry.header {
            Header::OfsDelta { base_distance } => {
                Some(Header::verified_base_pack_offset(offset, base_distance).ok_or_else(|| {
                    anyhow::anyhow!("a delta at offset {offset} has an invalid base")
                })?)
            }
            Header::RefDelta { base_id } => {
                Some(idx.lookup(base_id).map(|i| idx.pack_offset_at_index(i)).ok_or_else(|| {
                    anyhow::anyhow!("the base {base_id} of a delta is not in the pack")
                })?)
            }
            _ => None,
        };
        let base_position = match base_offset {
            Some(offset) => position_of(offset)
                .ok_or_else(|| anyhow::anyhow!("no entry at the base offset {offset}"))?,
            None => position,
        };
        base.push(base_position as u32);
    }
    pack.pages.release();
    // Follow each object to its family's root (a base may come after its delta, for
    // ref-deltas), pointing every object there; a cycle only a corrupt pack could hold.
    for (position, &(offset, _)) in by_offset.iter().enumerate() {
        let mut root = position;
        let mut steps = 0;
        while base[root] as usize != root {
            root = base[root] as usize;
            steps += 1;
            if steps > base.len() {
                anyhow::bail!("the deltas at offset {offset} form a cycle");
            }
        }
        let mut node = position;
        while base[node] as usize != root {
            let next = base[node] as usize;
            base[node] = root as u32;
            node = next;
        }
    }
    // Family sizes at their roots, then each root's slice, families in pack order.
    let mut slice_of: Vec<u32> = vec![0; base.len()];
    for &root in &base {
        slice_of[root as usize] += 1;
    }
    let (mut slice, mut filled) = (0u32, 0usize);
    for position in 0..base.len() {
        if base[position] as usize != position {
            continue;
        }
        let family = slice_of[position] as usize;
        if filled > 0 && filled + family > slice_objects {
            slice += 1;
            filled = 0;
        }
        filled += family;
        slice_of[position] = slice;
    }
    // gix reads a slice's entry headers from the pack's first entry on: each slice starts
    // there. That entry is a base (nothing precedes it); resolved again, it is read once
    // more per slice and passed over by the processors (every object is taken once).
    let first = by_offset.first().map(|&(_, index)| index);
    let mut slices: Vec<Vec<u32>> = vec![first.into_iter().collect(); slice as usize + 1];
    for (position, &(_, index)) in by_offset.iter().enumerate().skip(1) {
        slices[slice_of[base[position] as usize] as usize].push(index);
    }
    Ok(slices)
}

/// One slice's traversal.
struct Pass<'a> {
    /// Positions in the index, by offset.
    slice: &'a [u32],
    /// Whether the pack is cut into several slices.
    sliced: bool,
    /// Bytes counted towards the next release of the pack's pages, over all slices.
    resolved: &'a AtomicU64,
}

/// A page fault on a mapped file brings in the pages around it too (Linux's fault-around,
/// 64 KiB by default): what reading one entry of a slice (or of a spilled column) costs at
/// least.
pub(super) const FAULT_AROUND_BYTES: u64 = 64 << 10;

/// Resolves the objects of one slice in one delta tree.
fn traverse_slice<P>(
    idx: &pack::index::File,
    pack: &Pack,
    pass: &Pass<'_>,
    max_file_size: u64,
    budget: &Slicing,
    mut processor: P,
) -> anyhow::Result<()>
where
    P: FnMut(gix::objs::Kind, &[u8], &gix::oid, u64) + Send + Clone,
{
    let threads = rayon::current_num_threads().max(1);
    let alloc_limit = max_file_size.max(ALLOC_LIMIT_BYTES);
    let interrupt = AtomicBool::new(false);
    let tree = pack::cache::delta::Tree::from_offsets_in_pack(
        pack.data.path(),
        pass.slice.iter().copied(),
        &|&index| idx.pack_offset_at_index(index),
        &|id| Ok(idx.lookup(id).map(|index| idx.pack_offset_at_index(index))),
        &mut gix::progress::Discard,
        &interrupt,
        idx.object_hash(),
    )
    .map_err(|err| anyhow::anyhow!("cannot index the pack: {err}"))?;
    let (pages, resolved, sliced) = (&pack.pages, pass.resolved, pass.sliced);
    let release_every = budget.release_every_bytes.max(1);
    let mut object_progress = gix::progress::Discard;
    tree.traverse(
        |range, data: &pack::data::File<MappedPack>| data.entry_slice(range),
        &pack.data,
        pack.data.pack_end() as u64,
        move |index: &mut u32, _: &dyn gix::progress::Progress, context| {
            let kind = context.entry.header.as_kind().expect("a resolved object");
            let offset = context.entry.pack_offset();
            processor(kind, context.decompressed, idx.oid_at_index(*index), offset);
            // A whole pack is read nearly in order, so the pages it touches are about what it
            // resolves; a slice's entries are spread over the whole pack, each faulting in
            // pages of its own.
            let size = if sliced {
                (context.entry_end - context.entry.data_offset) + FAULT_AROUND_BYTES
            } else {
                context.decompressed.len() as u64
            };
            let before = resolved.fetch_add(size, Ordering::Relaxed);
            if (before + size) / release_every != before / release_every {
                pages.release();
            }
            Ok(())
        },
        pack::cache::delta::traverse::Options {
            object_progress: Box::new(gix::progress::Discard),
            size_progress: &mut object_progress,
            thread_limit: Some(threads),
            should_interrupt: &interrupt,
            object_hash: idx.object_hash(),
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
        let processor = move |kind, content: &[u8], id: &gix::oid, _| {
            if kind == gix::objs::Kind::Blob {
                self.scan(&mut scanner, &id.to_owned(), content);
            }
        };
        let slicing = self.job.slicing;
        traverse(&idx, &pack, self.job.max_file_size, &slicing, processor)
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

/// Where a pack holds an object: the pack (its place in [`pack_indices`]) and the offset of
/// its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PackPlace {
    pub(crate) pack: u32,
    pub(crate) offset: u64,
}

/// The repository's packs, mapped as a traversal maps them, to read single objects again
/// (the second scan of matched blobs, [`super::blobs::Worker`]) with their pages handed back
/// every `release_every_bytes` read: gix's own mapping of a pack keeps every page it touched
/// resident (rails: 160 MiB more while its matched blobs were read again). Objects whose
/// place the traversal noted are read there, without touching the pack index's pages.
pub(super) struct PackReader {
    /// By place in [`pack_indices`]; `None` for a pack that does not open (left to gix).
    packs: Vec<Option<(pack::index::File, Pack)>>,
    read: AtomicU64,
    release_every_bytes: u64,
}

/// What one thread needs to read from a [`PackReader`].
pub(super) struct PackReading {
    inflate: gix::zlib::Inflate,
    cache: pack::cache::lru::MemoryCappedHashmap,
}

impl PackReader {
    pub(super) fn open(repo: &gix::Repository, release_every_bytes: u64) -> PackReader {
        let hash = repo.object_hash();
        let packs = pack_indices(repo)
            .into_iter()
            .map(|idx_path| {
                let idx = pack::index::File::at(&idx_path, hash).ok()?;
                Some((idx, open_pack(&idx_path, hash).ok()?))
            })
            .collect();
        PackReader {
            packs,
            read: AtomicU64::new(0),
            release_every_bytes: release_every_bytes.max(1),
        }
    }

    /// Where a pack here holds `id`, looked up in the packs' indices.
    fn place(&self, id: &gix::oid) -> Option<PackPlace> {
        self.packs.iter().enumerate().find_map(|(pack, opened)| {
            let (idx, _) = opened.as_ref()?;
            let offset = idx.pack_offset_at_index(idx.lookup(id)?);
            Some(PackPlace { pack: pack as u32, offset })
        })
    }

    /// `ids` (with their places if known) in the order their packs store them, so that
    /// reading them in turn finds the delta bases just read in the cache; those in no pack
    /// here last, by id.
    pub(super) fn pack_order(
        &self,
        ids: impl Iterator<Item = (ObjectId, Option<PackPlace>)>,
    ) -> Vec<(ObjectId, Option<PackPlace>)> {
        let mut placed: Vec<(ObjectId, Option<PackPlace>)> =
            ids.map(|(id, place)| (id, place.or_else(|| self.place(&id)))).collect();
        placed.sort_unstable_by_key(|&(id, place)| (place.is_none(), place, id));
        placed
    }

    /// A thread's inflater and delta-base cache of `cache_bytes`.
    pub(super) fn reading(cache_bytes: usize) -> PackReading {
        PackReading {
            inflate: gix::zlib::Inflate::default(),
            cache: pack::cache::lru::MemoryCappedHashmap::new(cache_bytes),
        }
    }

    /// The object at `place` into `out`, if it can be resolved there.
    pub(super) fn read(
        &self,
        reading: &mut PackReading,
        place: PackPlace,
        out: &mut Vec<u8>,
    ) -> bool {
        let Some(Some((idx, pack))) = self.packs.get(place.pack as usize) else { return false };
        let Ok(entry) = pack.data.entry(place.offset) else { return false };
        let resolve = |base: &gix::oid, _: &mut Vec<u8>| {
            Ok(idx
                .lookup(base)
                .and_then(|i| pack.data.entry(idx.pack_offset_at_index(i)).ok())
                .map(pack::data::decode::entry::ResolvedBase::InPack))
        };
        let decoded =
            pack.data.decode_entry(entry, out, &mut reading.inflate, &resolve, &mut reading.cache);
        let Ok(outcome) = decoded else { return false };
        // Each entry of the chain read faults in the pages around it too.
        let entries = u64::from(outcome.num_deltas) + 1;
        let cost = outcome.compressed_size as u64 + entries * FAULT_AROUND_BYTES;
        let before = self.read.fetch_add(cost, Ordering::Relaxed);
        if (before + cost) / self.release_every_bytes != before / self.release_every_bytes {
            pack.pages.release();
        }
        out.truncate(usize::try_from(outcome.object_size).unwrap_or(usize::MAX));
        true
    }
}

#[cfg(test)]
mod tests {
    use std::{
        collections::BTreeMap,
        process::Command,
        sync::{Arc, Mutex},
    };

    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let output = Command::new("git")
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Ada")
            .env("GIT_AUTHOR_EMAIL", "ada@example.invalid")
            .env("GIT_COMMITTER_NAME", "Ada")
            .env("GIT_COMMITTER_EMAIL", "ada@example.invalid")
            .args(args)
            .output()
            .expect("run git");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A repository whose one pack holds long delta chains of three files.
    fn packed_repository() -> tempfile::TempDir {
        let repo = tempfile::tempdir().unwrap();
        let dir = repo.path();
        git(dir, &["init", "-q"]);
        for version in 0..30 {
            for file in ["a.txt", "b.txt", "dir/c.txt"] {
                let lines: String =
                    (0..50).map(|line| format!("{file} line {line} stays the same\n")).collect();
                std::fs::create_dir_all(dir.join("dir")).unwrap();
                std::fs::write(dir.join(file), format!("{lines}version {version}\n")).unwrap();
            }
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", &format!("version {version}")]);
        }
        git(dir, &["repack", "-adfq", "--depth=50", "--window=50"]);
        repo
    }

    /// Every object the traversal resolves: its kind and content.
    fn resolve(
        idx: &pack::index::File,
        pack: &Pack,
        slicing: &Slicing,
    ) -> BTreeMap<ObjectId, (gix::objs::Kind, Vec<u8>)> {
        let seen = Arc::new(Mutex::new(BTreeMap::new()));
        let sink = Arc::clone(&seen);
        traverse(idx, pack, 1 << 20, slicing, move |kind, content: &[u8], id: &gix::oid, _| {
            sink.lock().unwrap().insert(id.to_owned(), (kind, content.to_vec()));
        })
        .unwrap();
        Arc::try_unwrap(seen).unwrap().into_inner().unwrap()
    }

    #[test]
    fn slices_of_whole_delta_families_resolve_what_the_whole_pack_does() {
        let repo = packed_repository();
        let idx_path = pack_indices(&gix::open(repo.path()).unwrap()).pop().unwrap();
        let idx = pack::index::File::at(&idx_path, gix::hash::Kind::Sha1).unwrap();
        let pack = open_pack(&idx_path, gix::hash::Kind::Sha1).unwrap();
        let whole = Slicing { slice_objects: usize::MAX, release_every_bytes: 1 << 20 };
        let small = Slicing { slice_objects: 4, release_every_bytes: 4096 };
        let by_offset = sorted_by_offset(&idx);
        let cut = slices(&idx, &pack, &by_offset, &small).unwrap();
        assert!(cut.len() > 3, "{} slices", cut.len());
        // Every object in one slice, but the pack's first, which starts each.
        let mut placed: Vec<u32> = cut.iter().flat_map(|s| s[1..].iter().copied()).collect();
        placed.push(cut[0][0]);
        placed.sort_unstable();
        assert_eq!(placed, (0..idx.num_objects()).collect::<Vec<_>>());
        let (all, sliced) = (resolve(&idx, &pack, &whole), resolve(&idx, &pack, &small));
        assert_eq!(all.len(), idx.num_objects() as usize);
        assert!(all == sliced, "slices resolve other objects or contents");
        let blobs = all.values().filter(|(kind, _)| *kind == gix::objs::Kind::Blob).count();
        assert_eq!(blobs, 90);
    }
}
