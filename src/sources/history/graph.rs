//! The walks of a whole-history scan, over the decoded objects of a [`Store`] in memory:
//! the commits the refs reach, the blobs their trees reach (with a path only for the blobs
//! that need one), and which commits introduced the blobs with findings.
//!
//! Paths are (parent, name) pairs in an arena; a path string is built only for a blob that is
//! scanned or reported and for a tree reached under a path not ranked yet, so the walk costs
//! an array lookup per tree entry, not a string.

use std::collections::{BTreeSet, HashMap, HashSet};

use gix::ObjectId;
use rayon::prelude::*;

use super::{
    provenance::Introduction,
    store::{EntryKind, Idx, State, Store},
    walk::{CommitGraph, CommitNode},
};
use crate::diagnostics::Diagnostics;

/// The commits reachable from `tips`, as the other walks take them.
pub fn commit_graph(store: &Store, tips: &[ObjectId], diagnostics: &Diagnostics) -> CommitGraph {
    let mut graph = CommitGraph::default();
    let mut seen: HashSet<Idx> = HashSet::new();
    let mut stack: Vec<Idx> = tips.iter().map(|id| store.index.number(id)).collect();
    while let Some(idx) = stack.pop() {
        if !seen.insert(idx) {
            continue;
        }
        match store.commit(idx) {
            Some(commit) => {
                stack.extend(commit.parents.iter().filter(|p| !seen.contains(*p)));
                let node = CommitNode {
                    tree: store.index.id(commit.tree),
                    parents: commit.parents.iter().map(|p| store.index.id(*p)).collect(),
                    time: commit.time,
                };
                graph.nodes.insert(store.index.id(idx), node);
            }
            None => match store.state(idx) {
                State::Corrupt => warn_corrupt(store, idx, "commit", diagnostics),
                State::Unread => graph.missing += 1,
                other => diagnostics.warn(
                    &format!("object {}", store.index.id(idx)),
                    format!("named as a commit, but a {other:?} object"),
                ),
            },
        }
    }
    graph
}

fn warn_corrupt(store: &Store, idx: Idx, what: &str, diagnostics: &Diagnostics) {
    let reason = store.corrupt.lock().expect("corrupt objects").get(&idx).cloned();
    diagnostics.warn(
        &format!("{what} {}", store.index.id(idx)),
        reason.unwrap_or_else(|| "corrupt".into()),
    );
}

/// Paths as (parent, name) pairs; node 0 is the root.
#[derive(Default)]
pub struct Paths {
    nodes: Vec<(u32, u32)>,
    by_pair: HashMap<(u32, u32), u32>,
}

impl Paths {
    fn child(&mut self, parent: u32, name: u32) -> u32 {
        let next = self.nodes.len() as u32 + 1;
        let node = *self.by_pair.entry((parent, name)).or_insert(next);
        if node == next {
            self.nodes.push((parent, name));
        }
        node
    }

    /// The path of `node`, lossily as UTF-8 (reports are text).
    pub fn string(&self, store: &Store, mut node: u32) -> String {
        let mut names = Vec::new();
        while node != 0 {
            let (parent, name) = self.nodes[node as usize - 1];
            names.push(store.name(name));
            node = parent;
        }
        let mut path = Vec::new();
        for (i, name) in names.iter().rev().enumerate() {
            if i > 0 {
                path.push(b'/');
            }
            path.extend_from_slice(name);
        }
        String::from_utf8_lossy(&path).into_owned()
    }
}

/// What the trees of history reach.
pub struct Reach {
    /// Per object: the best rank of a path it was reached under (`UNREACHED`: none).
    pub ranks: Vec<u8>,
    /// Blobs that need a path (matched, corrupt, or at a path a check inspects) → the first
    /// path of the best rank.
    pub paths: HashMap<Idx, String>,
    /// Paths of submodules (gitlinks) anywhere in history.
    pub gitlinks: BTreeSet<String>,
    pub missing_trees: usize,
    pub missing_blobs: usize,
}

pub const UNREACHED: u8 = u8::MAX;

impl Reach {
    pub fn reached(&self, idx: Idx) -> bool {
        self.ranks[idx as usize] != UNREACHED
    }
}

/// Every object reachable from the `roots` trees. A blob is scanned once, under one path:
/// the first found among those of the best `rank` (0 best), so a blob also at an ignored path
/// or in a lock file is scanned where every rule applies. A tree is walked again only when
/// reached under a better-ranked path (so at most three times).
pub fn reach(
    store: &Store,
    roots: impl IntoIterator<Item = Idx>,
    rank: &dyn Fn(&str, bool) -> u8,
    inspects: &dyn Fn(&[u8]) -> bool,
    diagnostics: &Diagnostics,
) -> Reach {
    let total = store.index.numbered();
    let mut reach = Reach {
        ranks: vec![UNREACHED; total],
        paths: HashMap::new(),
        gitlinks: BTreeSet::new(),
        missing_trees: 0,
        missing_blobs: 0,
    };
    let inspected: Vec<bool> =
        (0..store.name_count() as u32).map(|n| inspects(store.name(n))).collect();
    let mut paths = Paths::default();
    let mut ranked: HashMap<(u32, bool), u8> = HashMap::new();
    let mut rank_of = |paths: &Paths, node: u32, is_dir: bool| {
        *ranked.entry((node, is_dir)).or_insert_with(|| rank(&paths.string(store, node), is_dir))
    };
    let mut gitlinks: HashSet<u32> = HashSet::new();
    let mut stack: Vec<(Idx, u32)> = Vec::new();
    for root in roots {
        if reach.ranks[root as usize] != 0 {
            reach.ranks[root as usize] = 0;
            stack.push((root, 0));
        }
    }
    while let Some((tree, node)) = stack.pop() {
        let Some(chunks) = store.tree_chunks(tree) else {
            match store.state(tree) {
                State::Corrupt => warn_corrupt(store, tree, "tree", diagnostics),
                _ => reach.missing_trees += 1,
            }
            continue;
        };
        for &chunk in chunks {
            for entry in store.chunk(chunk) {
                let child = entry.child as usize;
                let seen = reach.ranks[child];
                if seen == 0 {
                    continue;
                }
                match entry.kind() {
                    EntryKind::Tree => {
                        let path = paths.child(node, entry.name());
                        let rank = rank_of(&paths, path, true);
                        if rank < seen {
                            reach.ranks[child] = rank;
                            stack.push((entry.child, path));
                        }
                    }
                    EntryKind::Blob => {
                        let state = store.state(entry.child);
                        let needs_path = matches!(state, State::Matched | State::Corrupt)
                            || (state == State::Text && inspected[entry.name() as usize]);
                        if !needs_path {
                            if seen == UNREACHED && !state.is_blob() {
                                reach.missing_blobs += 1;
                            }
                            reach.ranks[child] = 0;
                            continue;
                        }
                        let path = paths.child(node, entry.name());
                        let rank = rank_of(&paths, path, false);
                        if rank < seen {
                            reach.ranks[child] = rank;
                            reach.paths.insert(entry.child, paths.string(store, path));
                        }
                    }
                    EntryKind::Gitlink => {
                        gitlinks.insert(paths.child(node, entry.name()));
                    }
                }
            }
        }
    }
    reach.gitlinks = gitlinks.into_iter().map(|node| paths.string(store, node)).collect();
    reach
}

/// Every (blob, path) that `wanted` accepts and a commit of `order` introduces: its tree
/// holds the blob at that path and no parent's tree does (see [`super::provenance`]).
/// Commits are diffed in parallel; chunks a parent's tree shares are skipped whole.
pub fn introductions(
    store: &Store,
    graph: &CommitGraph,
    order: &[ObjectId],
    wanted: &(dyn Fn(Idx) -> bool + Sync),
) -> Vec<Introduction> {
    let tree_of = |commit: &ObjectId| -> Option<Idx> {
        match graph.nodes.get(commit) {
            Some(node) => Some(store.index.number(&node.tree)),
            None => store.commit(store.index.lookup(commit)?).map(|c| c.tree),
        }
    };
    let mut found: Vec<Introduction> = order
        .par_iter()
        .enumerate()
        .flat_map_iter(|(position, commit)| {
            let node = &graph.nodes[commit];
            let parents: Vec<Idx> = node.parents.iter().filter_map(&tree_of).collect();
            let tree = store.index.number(&node.tree);
            new_blobs(store, tree, parents, wanted).into_iter().map(move |(blob, path)| {
                Introduction { blob: store.index.id(blob), path, commit: *commit, order: position }
            })
        })
        .collect();
    found.sort_by_key(|i| i.order);
    found
}

/// Blobs `wanted` accepts that sit in `tree` at a path where no parent tree has them.
fn new_blobs(
    store: &Store,
    tree: Idx,
    parents: Vec<Idx>,
    wanted: &dyn Fn(Idx) -> bool,
) -> Vec<(Idx, String)> {
    let mut found = Vec::new();
    let mut paths = Paths::default();
    // An explicit stack: a crafted repository may nest trees deeper than the call stack.
    let mut stack = vec![(tree, parents, 0u32)];
    while let Some((tree, parents, node)) = stack.pop() {
        if parents.contains(&tree) {
            continue;
        }
        let Some(chunks) = store.tree_chunks(tree) else { continue };
        let parent_chunks: Vec<&[u32]> =
            parents.iter().map(|p| store.tree_chunks(*p).unwrap_or(&[])).collect();
        let mut parent_entries: Option<Vec<Vec<super::store::Entry>>> = None;
        for &chunk in chunks {
            // A chunk a parent holds too: each of its entries is in that parent, unchanged.
            if parent_chunks.iter().any(|p| p.contains(&chunk)) {
                continue;
            }
            for entry in store.chunk(chunk) {
                let parent_entries = parent_entries.get_or_insert_with(|| {
                    parents.iter().map(|p| store.entries(*p).unwrap_or_default()).collect()
                });
                let same_name: Vec<super::store::Entry> = parent_entries
                    .iter()
                    .filter_map(|p| p.iter().find(|e| e.name() == entry.name()).copied())
                    .collect();
                if same_name.iter().any(|e| e.child == entry.child) {
                    continue;
                }
                match entry.kind() {
                    EntryKind::Tree => {
                        let sub_parents = same_name
                            .iter()
                            .filter(|e| e.kind() == EntryKind::Tree)
                            .map(|e| e.child)
                            .collect();
                        stack.push((entry.child, sub_parents, paths.child(node, entry.name())));
                    }
                    EntryKind::Blob if wanted(entry.child) => {
                        let path = paths.child(node, entry.name());
                        found.push((entry.child, paths.string(store, path)));
                    }
                    EntryKind::Blob | EntryKind::Gitlink => {}
                }
            }
        }
    }
    found
}
