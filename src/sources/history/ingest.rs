//! Reading every object of a repository once, on every thread, into a [`Store`].
//!
//! Packs are resolved whole, delta tree by delta tree ([`packs::traverse`]); loose objects
//! and whatever a failed traversal left are then read one by one. Commits and trees are kept
//! (small, see [`Store`]); blobs are scanned as they are inflated, before any path is known,
//! since the engine's search does not depend on the path: a blob without a match cannot give
//! a finding, except at a path a check inspects whatever the content (`.env` files), and
//! those are known by name; nor can a blob whose matches give nothing at a neutral path
//! unless a generic rule is among them ([`crate::pipeline::Scanner::may_find`]: git/git's
//! history holds 6,223 blobs with a match, nearly all of them header checks' triggers, and
//! 15 that may give a finding). Those that may are marked, and kept up to a budget, to be scanned again
//! once the walk has given them their path.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use anyhow::{Context, Result};
use gix::{odb::pack, odb::store::iter::Ordering as PackOrdering};
use rayon::prelude::*;

use super::{
    budget::MemoryBudget,
    packs::{self, LazyScanner, PackPlace, Slicing},
    store::{Commit, Idx, ObjectIndex, State, Store},
};
use crate::{
    diagnostics::Diagnostics, model::Tracking, pipeline::Pipeline, progress::Progress,
    sources::looks_binary,
};

/// What reading found besides the store: contents and messages to scan again with a path.
#[derive(Default)]
pub(crate) struct Read {
    /// Matched blobs' contents, up to [`MemoryBudget::kept_bytes`]; beyond it they are read
    /// again by id (so memory does not grow with the number of matched blobs).
    pub(crate) kept: HashMap<Idx, Vec<u8>>,
    /// Commit messages the engine matched in.
    pub(crate) messages: HashMap<Idx, Vec<u8>>,
    /// Where the packs hold the matched blobs not kept, to read them again there.
    pub(crate) places: HashMap<Idx, PackPlace>,
}

struct Reader<'a> {
    store: &'a Store,
    pipeline: &'a Pipeline,
    max_file_size: u64,
    slicing: Slicing,
    kept_limit: usize,
    hash: gix::hash::Kind,
    progress: &'a Progress,
    kept: Mutex<HashMap<Idx, Vec<u8>>>,
    kept_bytes: AtomicUsize,
    messages: Mutex<HashMap<Idx, Vec<u8>>>,
    places: Mutex<HashMap<Idx, PackPlace>>,
}

/// Every object id the object database lists (packs, loose objects, alternates).
pub(crate) fn list_objects(
    repo: &gix::Repository,
    diagnostics: &Diagnostics,
) -> Result<ObjectIndex> {
    let objects = repo
        .objects
        .store_ref()
        .iter()
        .context("cannot list the object database")?
        .with_ordering(PackOrdering::PackLexicographicalThenLooseLexicographical);
    let mut ids = Vec::new();
    for id in objects {
        match id {
            Ok(id) => ids.push(id),
            Err(err) => diagnostics.warn("objects", format!("cannot list: {err}")),
        }
    }
    Ok(ObjectIndex::new(ids))
}

/// How [`read_all`] reads: the limits it keeps.
pub(crate) struct Limits {
    pub(crate) max_file_size: u64,
    pub(crate) budget: MemoryBudget,
}

/// Reads every listed object into `store`, within `limits.budget` beside the store.
pub(crate) fn read_all(
    repo: &gix::Repository,
    store: &Store,
    pipeline: &Pipeline,
    limits: &Limits,
    progress: &Progress,
    diagnostics: &Diagnostics,
) -> Read {
    let budget = limits.budget;
    let reader = Reader {
        store,
        pipeline,
        max_file_size: limits.max_file_size,
        slicing: budget.slicing(store.index.listed_len()),
        kept_limit: budget.kept_bytes(),
        hash: repo.object_hash(),
        progress,
        kept: Mutex::new(HashMap::new()),
        kept_bytes: AtomicUsize::new(0),
        messages: Mutex::new(HashMap::new()),
        places: Mutex::new(HashMap::new()),
    };
    for (pack, idx_path) in packs::pack_indices(repo).into_iter().enumerate() {
        if let Err(err) = reader.read_pack(&idx_path, pack as u32) {
            diagnostics.warn(
                &idx_path.with_extension("pack").display().to_string(),
                format!("{err}; reading its objects one by one"),
            );
        }
    }
    reader.read_rest(repo);
    Read {
        kept: reader.kept.into_inner().expect("kept blobs"),
        messages: reader.messages.into_inner().expect("messages"),
        places: reader.places.into_inner().expect("places"),
    }
}

impl Reader<'_> {
    /// The pack of the index at `idx_path`, `pack` in [`packs::pack_indices`].
    fn read_pack(&self, idx_path: &std::path::Path, pack: u32) -> Result<()> {
        let idx = pack::index::File::at(idx_path, self.hash)
            .map_err(|err| anyhow::anyhow!("cannot read the index: {err}"))?;
        let data = packs::open_pack(idx_path, self.hash)?;
        let mut scanner = LazyScanner::new(self.pipeline);
        let processor = move |kind, content: &[u8], id: &gix::oid, offset| {
            if let Some(idx) = self.store.index.lookup(id) {
                if self.store.claim(idx) {
                    let place = Some(PackPlace { pack, offset });
                    self.take(&mut scanner, idx, kind, content, place);
                }
            }
        };
        packs::traverse(&idx, &data, self.max_file_size, &self.slicing, processor)
    }

    /// Loose objects, and those of packs that could not be traversed, by lookup.
    fn read_rest(&self, repo: &gix::Repository) {
        let listed = self.store.index.listed_len() as Idx;
        let unread: Vec<Idx> =
            (0..listed).filter(|&i| self.store.state(i) == State::Unread).collect();
        let sync_repo = repo.clone().into_sync();
        unread.par_chunks(256).for_each_init(
            || (sync_repo.to_thread_local(), LazyScanner::new(self.pipeline), Vec::new()),
            |(repo, scanner, buf), run| {
                for &idx in run {
                    if !self.store.claim(idx) {
                        continue;
                    }
                    let id = self.store.index.id(idx);
                    match super::walk::read_object(repo, &id, buf) {
                        Ok(Some(data)) => self.take(scanner, idx, data.kind, data.data, None),
                        // Listed but gone (removed while scanning): counted as missing.
                        Ok(None) => self.store.set_state(idx, State::Unread),
                        Err(err) => self.store.set_corrupt(idx, format!("corrupt: {err:#}")),
                    }
                }
            },
        );
    }

    /// One object, claimed by this thread, and where a pack holds it if it was read there.
    fn take(
        &self,
        scanner: &mut LazyScanner<'_>,
        idx: Idx,
        kind: gix::objs::Kind,
        data: &[u8],
        place: Option<PackPlace>,
    ) {
        self.progress.add(data.len() as u64);
        let store = self.store;
        match kind {
            gix::objs::Kind::Blob => {
                let size = data.len() as u64;
                let state = if size > self.max_file_size {
                    State::Large
                } else if looks_binary(data) {
                    State::Binary
                } else if !scanner.get().may_find(data, Tracking::Committed) {
                    State::Text
                } else {
                    self.keep(idx, data, place);
                    State::Matched
                };
                store.set_blob(idx, state, size);
            }
            gix::objs::Kind::Tree => {
                if let Err(problem) = store.add_tree(idx, data) {
                    store.set_corrupt(idx, format!("cannot parse: {problem}"));
                }
            }
            gix::objs::Kind::Commit => match self.parse_commit(data) {
                Ok((commit, message)) => {
                    if !scanner.get().matches(message).is_empty() {
                        self.messages.lock().expect("messages").insert(idx, message.to_vec());
                    }
                    store.add_commit(idx, commit);
                }
                Err(err) => store.set_corrupt(idx, format!("cannot parse: {err}")),
            },
            gix::objs::Kind::Tag => store.set_state(idx, State::Tag),
        }
    }

    fn parse_commit<'d>(&self, data: &'d [u8]) -> Result<(Commit, &'d [u8])> {
        let commit = gix::objs::CommitRef::from_bytes(data, self.hash)?;
        let index = &self.store.index;
        let parents = commit.parents().map(|p| index.number(&p)).collect();
        let time = commit.time().map(|t| t.seconds).unwrap_or_default();
        let tree = index.number(&commit.tree());
        Ok((Commit { tree, parents, time }, commit.message.as_ref()))
    }

    /// Keeps a matched blob's content for its second scan, or, beyond the limit, where a
    /// pack holds it.
    fn keep(&self, idx: Idx, data: &[u8], place: Option<PackPlace>) {
        let before = self.kept_bytes.fetch_add(data.len(), Ordering::Relaxed);
        if before + data.len() <= self.kept_limit {
            self.kept.lock().expect("kept blobs").insert(idx, data.to_vec());
        } else if let Some(place) = place {
            self.places.lock().expect("places").insert(idx, place);
        }
    }
}
