//! Every object of a repository, read once, kept in the small form the walks need.
//!
//! Objects get dense numbers ([`Idx`]) so that per-object state is an array, not a map.
//! Trees are the bulk of a long history's decoded bytes (git/git: 2.5 GB of tree content,
//! 66 M entries, for 163 k trees) although consecutive versions of a tree differ in an entry
//! or two. So a tree is stored as a list of shared chunks: its entries are cut where an
//! entry's object id says so (content-defined, so an inserted entry only changes the chunk it
//! lands in), and each distinct chunk is decoded and kept once, found again by a 128-bit hash
//! of its raw bytes. Only entries of chunks not seen before are decoded and their names and
//! ids numbered.
//!
//! Chunks' entries and trees' chunk lists are the bulk of what lasts (rails, 1.24 M objects:
//! 52 MiB of entries and 12 MiB of lists; git/git, 0.41 M: 24 and 28 MiB): each is one flat
//! [`Column`], in memory, or in a temporary file when the history's state would not fit
//! `--history-memory` ([`super::spill`]). What stays in memory per object is its id, state,
//! size and slot, and per chunk and tree a position in their column.

use std::{
    collections::HashMap,
    hash::BuildHasher,
    sync::{
        Mutex,
        atomic::{AtomicU8, AtomicU32, Ordering},
    },
};

use gix::ObjectId;

use super::spill::{Column, Plain, Sealed, SpillTo};

/// An object's number: its rank among the listed ids, or, for an id only named by a tree or
/// commit (a missing object), a number after them.
pub(crate) type Idx = u32;

/// Dense numbers for object ids.
pub(crate) struct ObjectIndex {
    /// The object database's ids, sorted and unique.
    listed: Vec<ObjectId>,
    /// `fanout[k]`: how many listed ids have their first two bytes below `k`.
    fanout: Vec<u32>,
    /// Ids named but not listed, numbered from `listed.len()` on.
    absent: Mutex<(HashMap<ObjectId, Idx>, Vec<ObjectId>)>,
}

/// An id's first eight bytes, big-endian: ordered as the ids are.
fn id_prefix(id: &gix::oid) -> u64 {
    let bytes = id.as_bytes();
    let mut prefix = [0u8; 8];
    let len = bytes.len().min(8);
    prefix[..len].copy_from_slice(&bytes[..len]);
    u64::from_be_bytes(prefix)
}

fn fanout_key(id: &gix::oid) -> usize {
    let bytes = id.as_bytes();
    (usize::from(bytes[0]) << 8) | usize::from(bytes[1])
}

impl ObjectIndex {
    pub(crate) fn new(mut listed: Vec<ObjectId>) -> Self {
        listed.sort_unstable();
        listed.dedup();
        // Listed by a growing vector: up to twice the ids' bytes (rails: 40 MB for 25).
        listed.shrink_to_fit();
        let mut fanout = vec![0u32; (1 << 16) + 1];
        for id in &listed {
            fanout[fanout_key(id) + 1] += 1;
        }
        for k in 1..fanout.len() {
            fanout[k] += fanout[k - 1];
        }
        ObjectIndex { listed, fanout, absent: Mutex::new((HashMap::new(), Vec::new())) }
    }

    pub(crate) fn listed_len(&self) -> usize {
        self.listed.len()
    }

    /// Every number given out so far (listed and absent).
    pub(crate) fn numbered(&self) -> usize {
        self.listed.len() + self.absent.lock().expect("absent ids").1.len()
    }

    /// The number of a listed id.
    pub(crate) fn lookup(&self, id: &gix::oid) -> Option<Idx> {
        let key = fanout_key(id);
        let (start, end) = (self.fanout[key] as usize, self.fanout[key + 1] as usize);
        // Ids are compared by their first eight bytes as one integer (in the same order as
        // bytewise), then whole: a library comparison per probe was 3% of a history scan.
        let prefix = id_prefix(id);
        let found = self.listed[start..end].binary_search_by(|probe| {
            id_prefix(probe).cmp(&prefix).then_with(|| probe.as_ref().cmp(id))
        });
        found.ok().map(|i| (start + i) as Idx)
    }

    /// The number of any id, giving one to an id not listed.
    pub(crate) fn number(&self, id: &gix::oid) -> Idx {
        if let Some(idx) = self.lookup(id) {
            return idx;
        }
        let mut absent = self.absent.lock().expect("absent ids");
        let (by_id, ids) = &mut *absent;
        let next = (self.listed.len() + ids.len()) as Idx;
        *by_id.entry(id.to_owned()).or_insert_with(|| {
            ids.push(id.to_owned());
            next
        })
    }

    pub(crate) fn id(&self, idx: Idx) -> ObjectId {
        let idx = idx as usize;
        match self.listed.get(idx) {
            Some(id) => *id,
            None => self.absent.lock().expect("absent ids").1[idx - self.listed.len()],
        }
    }
}

/// What reading an object found, per listed object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum State {
    Unread = 0,
    /// Being read by a thread.
    Claimed,
    Commit,
    Tree,
    Tag,
    /// A text blob that gives no finding at any path no check inspects by name.
    Text,
    /// A text blob that may give a finding (the engine matched in it and the pipeline
    /// found something, or a generic rule matched): scanned again at its path once known.
    Matched,
    Binary,
    /// Over `--max-file-size`.
    Large,
    /// Could not be read or parsed (the reason is in [`Store::corrupt`]).
    Corrupt,
}

impl State {
    fn from_u8(value: u8) -> State {
        const ALL: [State; 10] = [
            State::Unread,
            State::Claimed,
            State::Commit,
            State::Tree,
            State::Tag,
            State::Text,
            State::Matched,
            State::Binary,
            State::Large,
            State::Corrupt,
        ];
        ALL[usize::from(value)]
    }

    pub(crate) fn is_blob(self) -> bool {
        matches!(self, State::Text | State::Matched | State::Binary | State::Large)
    }
}

/// What a tree entry points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Tree,
    /// A file or a symbolic link: content to scan.
    Blob,
    /// A submodule's commit: another repository's object.
    Gitlink,
}

/// One decoded tree entry: a numbered name (its kind in the top two bits) and object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Entry {
    name_and_kind: u32,
    pub(crate) child: Idx,
}

// SAFETY: two `u32`s, `repr(C)`: no padding, and any bits are some name, kind and object.
unsafe impl Plain for Entry {}

const KIND_SHIFT: u32 = 30;
const NAME_MASK: u32 = (1 << KIND_SHIFT) - 1;

impl Entry {
    fn new(name: u32, kind: EntryKind, child: Idx) -> Entry {
        let kind_bits = match kind {
            EntryKind::Blob => 0,
            EntryKind::Tree => 1,
            EntryKind::Gitlink => 2,
        };
        Entry { name_and_kind: name | (kind_bits << KIND_SHIFT), child }
    }

    pub(crate) fn name(self) -> u32 {
        self.name_and_kind & NAME_MASK
    }

    pub(crate) fn kind(self) -> EntryKind {
        match self.name_and_kind >> KIND_SHIFT {
            1 => EntryKind::Tree,
            2 => EntryKind::Gitlink,
            _ => EntryKind::Blob,
        }
    }
}

/// A commit: just what the walks need.
#[derive(Debug, Clone)]
pub(crate) struct Commit {
    pub(crate) tree: Idx,
    pub(crate) parents: Box<[Idx]>,
    /// Committer time, seconds since the epoch.
    pub(crate) time: i64,
}

/// Entry names, numbered.
#[derive(Default)]
struct Names {
    by_name: HashMap<Box<[u8]>, u32>,
    names: Vec<Box<[u8]>>,
}

const CHUNK_SHARDS: usize = 16;
/// An entry ends a chunk when its id's second byte is a multiple of this (or the chunk is
/// full): about eight entries a chunk.
const CHUNK_CUT: u8 = 8;
const CHUNK_MAX: usize = 32;

/// A chunk's 128-bit hash, as two words (a `u128` key would pad each map slot to 32 bytes).
type ChunkHash = [u64; 2];

/// Where the decoded trees go while reading: the columns, and what places them.
pub(crate) struct Columns {
    entries: Column<Entry>,
    lists: Column<u32>,
}

impl Columns {
    pub(crate) fn in_memory() -> Columns {
        Columns { entries: Column::in_memory(), lists: Column::in_memory() }
    }

    /// Columns in temporary files; `Err` if they cannot be made.
    pub(crate) fn in_files(to: &SpillTo) -> std::io::Result<Columns> {
        Ok(Columns { entries: Column::in_file(to)?, lists: Column::in_file(to)? })
    }
}

/// Distinct chunks' entries as read: chunk `n`'s start in `entries` is `starts[n]`.
struct ChunksRead {
    entries: Column<Entry>,
    starts: Vec<u32>,
}

/// Trees' chunk lists as read, each tree's span in `lists` by object.
struct TreesRead {
    lists: Column<u32>,
    spans: Vec<(Idx, Span)>,
}

/// A tree's chunk list: where it starts in the lists' column, and its length.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

/// A column position as `u32` (4 G values, 32 GiB of entries, is beyond any real history).
fn position(at: u64) -> Result<u32, &'static str> {
    u32::try_from(at).map_err(|_| "the history's trees are too large to index")
}

/// The objects read, in the form the walks use.
pub(crate) struct Store {
    pub(crate) index: ObjectIndex,
    states: Vec<AtomicU8>,
    /// Blob sizes (0 for other objects); those over `u32::MAX` in `large_sizes`.
    sizes: Vec<AtomicU32>,
    large_sizes: Mutex<HashMap<Idx, u64>>,
    names: Mutex<Names>,
    /// While reading: each distinct chunk's number by its hash, in shards.
    chunk_numbers: Vec<Mutex<HashMap<ChunkHash, u32>>>,
    /// Collected unordered while reading, then placed by [`Store::seal`].
    chunks_read: Mutex<Option<ChunksRead>>,
    trees_read: Mutex<Option<TreesRead>>,
    commits_read: Mutex<Vec<(Idx, Commit)>>,
    /// After [`Store::seal`]: every chunk's entries, chunk `n`'s from `chunk_starts[n]` to
    /// `chunk_starts[n + 1]`; every tree's chunk list, by slot; the names, free of locks.
    chunk_entries: Sealed<Entry>,
    chunk_starts: Vec<u32>,
    tree_lists: Sealed<u32>,
    tree_spans: Vec<Span>,
    commits: Vec<Commit>,
    sealed_names: Vec<Box<[u8]>>,
    /// Per object: its place in `tree_spans` or `commits` (`u32::MAX`: none).
    slots: Vec<u32>,
    /// Why objects could not be read.
    pub(crate) corrupt: Mutex<HashMap<Idx, String>>,
    hashers: (foldhash::fast::FixedState, foldhash::fast::FixedState),
}

const NO_SLOT: u32 = u32::MAX;

impl Store {
    /// A store for the objects of `index`, keeping decoded trees in `columns`.
    pub(crate) fn new(index: ObjectIndex, columns: Columns) -> Store {
        let n = index.listed_len();
        Store {
            index,
            states: (0..n).map(|_| AtomicU8::new(State::Unread as u8)).collect(),
            sizes: (0..n).map(|_| AtomicU32::new(0)).collect(),
            large_sizes: Mutex::new(HashMap::new()),
            names: Mutex::new(Names::default()),
            chunk_numbers: (0..CHUNK_SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            chunks_read: Mutex::new(Some(ChunksRead {
                entries: columns.entries,
                starts: Vec::new(),
            })),
            trees_read: Mutex::new(Some(TreesRead { lists: columns.lists, spans: Vec::new() })),
            commits_read: Mutex::new(Vec::new()),
            chunk_entries: Sealed::default(),
            chunk_starts: Vec::new(),
            tree_lists: Sealed::default(),
            tree_spans: Vec::new(),
            commits: Vec::new(),
            sealed_names: Vec::new(),
            slots: Vec::new(),
            corrupt: Mutex::new(HashMap::new()),
            hashers: (
                foldhash::fast::FixedState::with_seed(0x6b65_7968_6f75_6e64),
                foldhash::fast::FixedState::with_seed(0x7472_6565_6368_756e),
            ),
        }
    }

    pub(crate) fn state(&self, idx: Idx) -> State {
        match self.states.get(idx as usize) {
            Some(state) => State::from_u8(state.load(Ordering::Acquire)),
            None => State::Unread,
        }
    }

    /// Takes a listed, unread object for the calling thread; false if another has it.
    pub(crate) fn claim(&self, idx: Idx) -> bool {
        self.states[idx as usize]
            .compare_exchange(
                State::Unread as u8,
                State::Claimed as u8,
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .is_ok()
    }

    pub(crate) fn set_state(&self, idx: Idx, state: State) {
        self.states[idx as usize].store(state as u8, Ordering::Release);
    }

    pub(crate) fn set_blob(&self, idx: Idx, state: State, size: u64) {
        let small = u32::try_from(size).unwrap_or_else(|_| {
            self.large_sizes.lock().expect("sizes").insert(idx, size);
            u32::MAX
        });
        self.sizes[idx as usize].store(small, Ordering::Relaxed);
        self.set_state(idx, state);
    }

    pub(crate) fn size(&self, idx: Idx) -> u64 {
        match self.sizes.get(idx as usize).map(|s| s.load(Ordering::Relaxed)) {
            Some(u32::MAX) => {
                self.large_sizes.lock().expect("sizes").get(&idx).copied().unwrap_or(0)
            }
            Some(size) => u64::from(size),
            None => 0,
        }
    }

    pub(crate) fn set_corrupt(&self, idx: Idx, reason: String) {
        self.corrupt.lock().expect("corrupt objects").insert(idx, reason);
        self.set_state(idx, State::Corrupt);
    }

    pub(crate) fn add_commit(&self, idx: Idx, commit: Commit) {
        self.commits_read.lock().expect("commits").push((idx, commit));
        self.set_state(idx, State::Commit);
    }

    /// Parses and stores a tree; `Err` names what is malformed.
    pub(crate) fn add_tree(&self, idx: Idx, data: &[u8]) -> Result<(), &'static str> {
        let mut chunk_ids = Vec::new();
        let mut rest = data;
        let mut chunk_start = 0;
        let mut entries_in_chunk = 0;
        while !rest.is_empty() {
            let (_, after, id) = parse_entry(rest)?;
            entries_in_chunk += 1;
            let consumed = data.len() - after.len();
            rest = after;
            if id[1] % CHUNK_CUT == 0 || entries_in_chunk == CHUNK_MAX || rest.is_empty() {
                chunk_ids.push(self.intern_chunk(&data[chunk_start..consumed])?);
                chunk_start = consumed;
                entries_in_chunk = 0;
            }
        }
        let mut trees = self.trees_read.lock().expect("trees");
        let TreesRead { lists, spans } = trees.as_mut().expect("trees are read before sealing");
        let start = position(lists.len())?;
        let len = position(chunk_ids.len() as u64)?;
        position(u64::from(start) + u64::from(len))?;
        lists.append(&chunk_ids);
        spans.push((idx, Span { start, len }));
        drop(trees);
        self.set_state(idx, State::Tree);
        Ok(())
    }

    fn intern_chunk(&self, raw: &[u8]) -> Result<u32, &'static str> {
        let hash = [self.hashers.0.hash_one(raw), self.hashers.1.hash_one(raw)];
        let shard = &self.chunk_numbers[(hash[0] as usize) % CHUNK_SHARDS];
        if let Some(&number) = shard.lock().expect("chunks").get(&hash) {
            return Ok(number);
        }
        let entries = self.decode_chunk(raw)?;
        let mut numbers = shard.lock().expect("chunks");
        if let Some(&number) = numbers.get(&hash) {
            return Ok(number);
        }
        // Locks are taken shard first, then the column: never the other way round.
        let mut chunks = self.chunks_read.lock().expect("chunks");
        let ChunksRead { entries: column, starts } =
            chunks.as_mut().expect("chunks are read before sealing");
        let start = position(column.len())?;
        position(u64::from(start) + entries.len() as u64)?;
        let number = position(starts.len() as u64)?;
        column.append(&entries);
        starts.push(start);
        numbers.insert(hash, number);
        Ok(number)
    }

    fn decode_chunk(&self, mut raw: &[u8]) -> Result<Vec<Entry>, &'static str> {
        let mut entries = Vec::new();
        while !raw.is_empty() {
            let (header, rest, id) = parse_entry(raw)?;
            raw = rest;
            let (mode, name) = header;
            let kind = match mode {
                b"40000" | b"040000" => EntryKind::Tree,
                b"160000" => EntryKind::Gitlink,
                _ => EntryKind::Blob,
            };
            let name = self.name_number(name)?;
            let child = self.index.number(gix::oid::try_from_bytes(id).map_err(|_| "bad id")?);
            entries.push(Entry::new(name, kind, child));
        }
        Ok(entries)
    }

    fn name_number(&self, name: &[u8]) -> Result<u32, &'static str> {
        let mut names = self.names.lock().expect("names");
        if let Some(&number) = names.by_name.get(name) {
            return Ok(number);
        }
        let number = u32::try_from(names.names.len())
            .ok()
            .filter(|n| *n <= NAME_MASK)
            .ok_or("too many distinct names")?;
        names.names.push(name.into());
        names.by_name.insert(name.into(), number);
        Ok(number)
    }

    /// Places what was read for lookup; call once reading is done. `Err`: a spilled
    /// column's file could not be written or mapped.
    pub(crate) fn seal(&mut self) -> std::io::Result<()> {
        let total = self.index.numbered();
        self.slots = vec![NO_SLOT; total];
        let trees = self.trees_read.get_mut().expect("trees").take().expect("sealed once");
        self.tree_spans = Vec::with_capacity(trees.spans.len());
        for (idx, span) in trees.spans {
            self.slots[idx as usize] = self.tree_spans.len() as u32;
            self.tree_spans.push(span);
        }
        self.tree_lists = trees.lists.seal()?;
        let commits = std::mem::take(self.commits_read.get_mut().expect("commits"));
        self.commits = Vec::with_capacity(commits.len());
        for (idx, commit) in commits {
            self.slots[idx as usize] = self.commits.len() as u32;
            self.commits.push(commit);
        }
        // The lookups by hash and by name only served reading: freed, not kept for the walks.
        self.chunk_numbers = Vec::new();
        let chunks = self.chunks_read.get_mut().expect("chunks").take().expect("sealed once");
        let end = position(chunks.entries.len()).map_err(std::io::Error::other)?;
        self.chunk_starts = chunks.starts;
        self.chunk_starts.push(end);
        self.chunk_starts.shrink_to_fit();
        self.chunk_entries = chunks.entries.seal()?;
        self.sealed_names = std::mem::take(self.names.get_mut().expect("names")).names;
        Ok(())
    }

    /// Whether the decoded trees are in temporary files (after [`Store::seal`]).
    pub(crate) fn is_spilled(&self) -> bool {
        self.chunk_entries.is_spilled() || self.tree_lists.is_spilled()
    }

    pub(crate) fn commit(&self, idx: Idx) -> Option<&Commit> {
        if self.state(idx) != State::Commit {
            return None;
        }
        self.commits.get(*self.slots.get(idx as usize)? as usize)
    }

    /// A tree's chunk ids, if the tree was read.
    pub(crate) fn tree_chunks(&self, idx: Idx) -> Option<&[u32]> {
        if self.state(idx) != State::Tree {
            return None;
        }
        let span = self.tree_spans.get(*self.slots.get(idx as usize)? as usize)?;
        Some(self.tree_lists.slice(u64::from(span.start), span.len as usize))
    }

    /// The entries of one chunk (after [`Store::seal`]).
    pub(crate) fn chunk(&self, id: u32) -> &[Entry] {
        let (start, end) = (self.chunk_starts[id as usize], self.chunk_starts[id as usize + 1]);
        self.chunk_entries.slice(u64::from(start), (end - start) as usize)
    }

    /// A tree's entries in order.
    pub(crate) fn entries(&self, idx: Idx) -> Option<Vec<Entry>> {
        let chunks = self.tree_chunks(idx)?;
        let mut entries = Vec::new();
        for &chunk in chunks {
            entries.extend_from_slice(self.chunk(chunk));
        }
        Some(entries)
    }

    /// An entry's name (after [`Store::seal`]).
    pub(crate) fn name(&self, number: u32) -> &[u8] {
        &self.sealed_names[number as usize]
    }

    pub(crate) fn name_count(&self) -> usize {
        self.sealed_names.len()
    }

    /// One more than the largest chunk id (after [`Store::seal`]).
    pub(crate) fn chunk_id_limit(&self) -> usize {
        self.chunk_starts.len().saturating_sub(1)
    }
}

type EntryHeader<'a> = (&'a [u8], &'a [u8]);

/// One raw tree entry, `<mode> <name>\0<20-byte id>`: (mode, name), the rest, and the id.
fn parse_entry(raw: &[u8]) -> Result<(EntryHeader<'_>, &[u8], &[u8]), &'static str> {
    let nul = memchr::memchr(0, raw).ok_or("entry without a name end")?;
    let header = &raw[..nul];
    let space = memchr::memchr(b' ', header).ok_or("entry without a mode")?;
    let (mode, name) = (&header[..space], &header[space + 1..]);
    if name.is_empty() {
        return Err("entry without a name");
    }
    let id_end = nul + 1 + 20;
    if raw.len() < id_end {
        return Err("entry cut short");
    }
    Ok(((mode, name), &raw[id_end..], &raw[nul + 1..id_end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8, cut: bool) -> ObjectId {
        let mut bytes = [n; 20];
        bytes[1] = if cut { 0 } else { 1 };
        ObjectId::from_bytes_or_panic(&bytes)
    }

    fn raw_tree(entries: &[(&str, &str, ObjectId)]) -> Vec<u8> {
        let mut raw = Vec::new();
        for (mode, name, id) in entries {
            raw.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            raw.extend_from_slice(id.as_bytes());
        }
        raw
    }

    #[test]
    fn ids_are_numbered_by_rank_and_absent_ones_after() {
        let index = ObjectIndex::new(vec![id(9, false), id(3, false), id(3, false)]);
        assert_eq!(index.listed_len(), 2);
        assert_eq!(index.lookup(&id(3, false)), Some(0));
        assert_eq!(index.lookup(&id(9, false)), Some(1));
        assert_eq!(index.lookup(&id(5, false)), None);
        assert_eq!(index.number(&id(5, false)), 2);
        assert_eq!(index.number(&id(5, false)), 2);
        assert_eq!(index.id(2), id(5, false));
        assert_eq!(index.numbered(), 3);
    }

    #[test]
    fn lookups_find_every_listed_id_among_ids_sharing_long_prefixes() {
        let mut fake = crate::fake::FakeGen::new(11);
        let mut ids = Vec::new();
        for _ in 0..3_000 {
            // Few distinct first bytes, so fanout buckets are crowded and many ids share
            // their first eight bytes, told apart only by the rest.
            let mut bytes = [0u8; 20];
            bytes[0] = fake.below(3) as u8;
            bytes[1..8].fill(fake.below(2) as u8);
            for byte in &mut bytes[8..] {
                *byte = fake.below(4) as u8;
            }
            ids.push(ObjectId::from_bytes_or_panic(&bytes));
        }
        let (listed, unlisted) = ids.split_at(2_000);
        let index = ObjectIndex::new(listed.to_vec());
        let mut sorted = listed.to_vec();
        sorted.sort();
        sorted.dedup();
        for (rank, id) in sorted.iter().enumerate() {
            assert_eq!(index.lookup(id), Some(rank as Idx));
        }
        for id in unlisted.iter().filter(|id| !sorted.contains(id)) {
            assert_eq!(index.lookup(id), None);
        }
    }

    #[test]
    fn trees_share_unchanged_chunks_and_keep_their_entries() {
        let dir = tempfile::tempdir().unwrap();
        let to = SpillTo { dir: dir.path().to_path_buf(), release_every_bytes: 64 };
        for (columns, spilled) in
            [(Columns::in_memory(), false), (Columns::in_files(&to).unwrap(), true)]
        {
            let ids: Vec<ObjectId> = (1..=20).map(|n| id(n, n % 4 == 0)).collect();
            let index = ObjectIndex::new(ids.clone());
            let mut store = Store::new(index, columns);
            let names: Vec<String> = (0..20).map(|n| format!("file{n:02}")).collect();
            let first: Vec<(&str, &str, ObjectId)> =
                names.iter().zip(&ids).map(|(n, id)| ("100644", n.as_str(), *id)).collect();
            let mut second = first.clone();
            second[17].2 = ids[2];
            second[0].0 = "40000";
            let (a, b) =
                (store.index.lookup(&ids[0]).unwrap(), store.index.lookup(&ids[1]).unwrap());
            store.claim(a);
            store.add_tree(a, &raw_tree(&first)).unwrap();
            store.add_tree(b, &raw_tree(&second)).unwrap();
            store.seal().unwrap();
            let (chunks_a, chunks_b) =
                (store.tree_chunks(a).unwrap(), store.tree_chunks(b).unwrap());
            assert_eq!(chunks_a.len(), chunks_b.len());
            let shared = chunks_a.iter().zip(chunks_b).filter(|(x, y)| x == y).count();
            assert_eq!(shared, chunks_a.len() - 2, "only the two changed chunks differ");
            let entries = store.entries(b).unwrap();
            assert_eq!(entries.len(), 20);
            assert_eq!(entries[0].kind(), EntryKind::Tree);
            assert_eq!(store.index.id(entries[17].child), ids[2]);
            assert_eq!(store.name(entries[5].name()), b"file05");
            assert_eq!(store.entries(a).unwrap()[17].kind(), EntryKind::Blob);
            assert_eq!(store.is_spilled(), spilled);
        }
    }

    #[test]
    fn malformed_trees_are_refused() {
        let store = Store::new(ObjectIndex::new(vec![id(1, false)]), Columns::in_memory());
        assert!(store.add_tree(0, b"100644 name-without-end").is_err());
        assert!(store.add_tree(0, b"100644 short\0abc").is_err());
        assert!(store.add_tree(0, b"nomode\0aaaaaaaaaaaaaaaaaaaa").is_err());
    }
}
