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
    provenance::{Introduction, Numbered},
    store::{EntryKind, Idx, State, Store},
};
use crate::diagnostics::Diagnostics;

/// The commits the refs reach, by object number.
#[derive(Debug, Default)]
pub(crate) struct Commits {
    /// Sorted (so in the order of their ids).
    pub(crate) reached: Vec<Idx>,
    /// Commits named as parents or tips but absent (a shallow boundary, or a broken
    /// repository).
    pub(crate) missing: usize,
}

/// The commits reachable from `tips`.
pub(crate) fn commits(store: &Store, tips: &[ObjectId], diagnostics: &Diagnostics) -> Commits {
    let mut commits = Commits::default();
    let mut stack: Vec<Idx> = tips.iter().map(|id| store.index.number(id)).collect();
    // Every parent was numbered when its child was read, and the tips just now.
    let mut seen = vec![false; store.index.numbered()];
    while let Some(idx) = stack.pop() {
        if std::mem::replace(&mut seen[idx as usize], true) {
            continue;
        }
        match store.commit(idx) {
            Some(commit) => {
                stack.extend(commit.parents.iter().filter(|p| !seen[**p as usize]));
                commits.reached.push(idx);
            }
            None => match store.state(idx) {
                State::Corrupt => warn_corrupt(store, idx, "commit", diagnostics),
                State::Unread => commits.missing += 1,
                other => diagnostics.warn(
                    &format!("object {}", store.index.id(idx)),
                    format!("named as a commit, but a {other:?} object"),
                ),
            },
        }
    }
    commits.reached.sort_unstable();
    commits
}

/// The reached commits with parents before children, the older first where either could go
/// ([`super::provenance::oldest_first`]'s order, without maps keyed by id).
pub(crate) fn oldest_first(store: &Store, commits: &Commits) -> Vec<Idx> {
    let reached = &commits.reached;
    let mut numbered = Numbered::default();
    for &idx in reached {
        let commit = store.commit(idx).expect("a reached commit was read");
        let parents = commit.parents.iter().filter_map(|p| reached.binary_search(p).ok());
        numbered.push(commit.time, parents.map(|p| p as u32));
    }
    numbered.oldest_first().into_iter().map(|n| reached[n as usize]).collect()
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
pub(crate) struct Paths {
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
    pub(crate) fn string(&self, store: &Store, mut node: u32) -> String {
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
pub(crate) struct Reach {
    /// Per object: the best rank of a path it was reached under (`UNREACHED`: none).
    pub(crate) ranks: Vec<u8>,
    /// Blobs that need a path (matched, corrupt, or at a path a check inspects) → the first
    /// path of the best rank.
    pub(crate) paths: HashMap<Idx, String>,
    /// Paths of submodules (gitlinks) anywhere in history.
    pub(crate) gitlinks: BTreeSet<String>,
    pub(crate) missing_trees: usize,
    pub(crate) missing_blobs: usize,
}

pub(crate) const UNREACHED: u8 = u8::MAX;

impl Reach {
    pub(crate) fn reached(&self, idx: Idx) -> bool {
        self.ranks[idx as usize] != UNREACHED
    }
}

/// Every object reachable from the `roots` trees. A blob is scanned once, under one path:
/// the first found among those of the best `rank` (0 best), so a blob also at an ignored path
/// or in a lock file is scanned where every rule applies. A tree is walked again only when
/// reached under a better-ranked path (so at most three times).
pub(crate) fn reach(
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
    // Consecutive versions of a tree share most chunks: once all of a chunk's children are
    // reached at the best rank, the chunk can change nothing more, in any tree that holds it.
    let mut settled = vec![false; store.chunk_id_limit()];
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
            if settled[chunk as usize] {
                continue;
            }
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
            // A gitlink's commit is never ranked, so a chunk holding one is never settled.
            settled[chunk as usize] =
                store.chunk(chunk).iter().all(|entry| reach.ranks[entry.child as usize] == 0);
        }
    }
    reach.gitlinks = gitlinks.into_iter().map(|node| paths.string(store, node)).collect();
    reach
}

/// Every (blob, path) that `wanted` accepts and a commit of `order` introduces: its tree
/// holds the blob at that path and no parent's tree does (see [`super::provenance`]).
/// Commits are diffed in parallel; chunks a parent's tree shares are skipped whole, and so
/// are trees that hold no wanted blob at any depth (the few blobs with findings sit in few
/// subtrees).
pub(crate) fn introductions(
    store: &Store,
    order: &[Idx],
    wanted: &(dyn Fn(Idx) -> bool + Sync),
) -> Vec<Introduction> {
    let tree_of = |commit: &Idx| store.commit(*commit).map(|c| c.tree);
    let holding = holds_wanted(store, order.iter().filter_map(tree_of), wanted);
    let holds = |tree: Idx| holding.get(tree as usize) == Some(&Mark::Holds);
    let mut found: Vec<Introduction> = order
        .par_iter()
        .enumerate()
        .flat_map_iter(|(position, commit)| {
            let node = store.commit(*commit).expect("an ordered commit was read");
            let parents: Vec<Idx> = node.parents.iter().filter_map(tree_of).collect();
            let commit = store.index.id(*commit);
            new_blobs(store, node.tree, parents, wanted, &holds).into_iter().map(
                move |(blob, path)| Introduction {
                    blob: store.index.id(blob),
                    path,
                    commit,
                    order: position,
                },
            )
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
    holds: &dyn Fn(Idx) -> bool,
) -> Vec<(Idx, String)> {
    let mut found = Vec::new();
    if !holds(tree) {
        return found;
    }
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
                    EntryKind::Tree if !holds(entry.child) => {}
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

/// Whether a tree (or chunk) holds a wanted blob at some depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unknown,
    /// On the walk's stack: its subtrees are being marked.
    Open,
    Lacks,
    Holds,
}

/// For every tree under `roots` (indexed by object), whether it holds a blob `wanted`
/// accepts at some depth. Each distinct chunk is marked once, however many trees share it;
/// the walk keeps its own stack, since trees may nest deeper than the call stack.
fn holds_wanted(
    store: &Store,
    roots: impl IntoIterator<Item = Idx>,
    wanted: &(dyn Fn(Idx) -> bool + Sync),
) -> Vec<Mark> {
    let mut trees = vec![Mark::Unknown; store.index.numbered()];
    let mut chunks = vec![Mark::Unknown; store.chunk_id_limit()];
    let mut stack = Vec::new();
    for root in roots {
        stack.push(root);
        while let Some(&tree) = stack.last() {
            if matches!(trees[tree as usize], Mark::Lacks | Mark::Holds) {
                stack.pop();
                continue;
            }
            trees[tree as usize] = Mark::Open;
            let mut holds = false;
            let mut unmarked = None;
            for &chunk in store.tree_chunks(tree).unwrap_or(&[]) {
                let mark = match chunks[chunk as usize] {
                    Mark::Unknown | Mark::Open => {
                        match chunk_mark(store.chunk(chunk), &trees, wanted) {
                            Ok(mark) => mark,
                            Err(subtree) => {
                                unmarked = Some(subtree);
                                break;
                            }
                        }
                    }
                    known => known,
                };
                chunks[chunk as usize] = mark;
                holds |= mark == Mark::Holds;
            }
            match unmarked {
                // Marked first; this tree is looked at again after it.
                Some(subtree) => stack.push(subtree),
                None => {
                    trees[tree as usize] = if holds { Mark::Holds } else { Mark::Lacks };
                    stack.pop();
                }
            }
        }
    }
    trees
}

/// A chunk's mark once every subtree in it is marked; `Err` names one that is not yet.
fn chunk_mark(
    entries: &[super::store::Entry],
    trees: &[Mark],
    wanted: &(dyn Fn(Idx) -> bool + Sync),
) -> Result<Mark, Idx> {
    let mut mark = Mark::Lacks;
    for entry in entries {
        match entry.kind() {
            EntryKind::Blob if wanted(entry.child) => mark = Mark::Holds,
            EntryKind::Tree => match trees[entry.child as usize] {
                Mark::Holds => mark = Mark::Holds,
                Mark::Unknown => return Err(entry.child),
                // A tree cannot hold itself; an open one is a cycle only a forged
                // repository could build.
                Mark::Lacks | Mark::Open => {}
            },
            EntryKind::Blob | EntryKind::Gitlink => {}
        }
    }
    Ok(mark)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::history::{
        spill::SpillTo,
        store::{Columns, ObjectIndex},
    };

    fn id(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    /// (mode, name, child) of each entry.
    type RawEntry<'a> = (&'a str, &'a str, u8);

    fn raw_tree(entries: &[RawEntry<'_>]) -> Vec<u8> {
        let mut raw = Vec::new();
        for (mode, name, child) in entries {
            raw.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            raw.extend_from_slice(id(*child).as_bytes());
        }
        raw
    }

    /// Trees 1-4, blobs 5-8: root 1 = {a: 5, copy: 2, docs: 3}, 2 = {a: 5}, 3 = {b: 6, deep: 4},
    /// 4 = {c: 7}; only blob 5 is wanted.
    fn store_in(columns: Columns) -> Store {
        let mut store = Store::new(ObjectIndex::new((1..=8).map(id).collect()), columns);
        let trees: [(u8, Vec<RawEntry<'_>>); 4] = [
            (1, vec![("100644", "a", 5), ("40000", "copy", 2), ("40000", "docs", 3)]),
            (2, vec![("100644", "a", 5)]),
            (3, vec![("100644", "b", 6), ("40000", "deep", 4)]),
            (4, vec![("100644", "c", 7)]),
        ];
        for (tree, entries) in trees {
            let idx = store.index.lookup(&id(tree)).unwrap();
            store.add_tree(idx, &raw_tree(&entries)).unwrap();
        }
        for blob in 5..=8 {
            let idx = store.index.lookup(&id(blob)).unwrap();
            store.set_blob(idx, State::Text, 1);
        }
        store.seal().unwrap();
        store
    }

    /// The same store with its trees in memory and spilled to a temporary file.
    fn stores() -> [Store; 2] {
        let dir = tempfile::tempdir().unwrap();
        let to = SpillTo { dir: dir.path().to_path_buf(), release_every_bytes: 1 };
        let spilled = store_in(Columns::in_files(&to).unwrap());
        assert!(spilled.is_spilled());
        [store_in(Columns::in_memory()), spilled]
    }

    #[test]
    fn every_tree_under_the_roots_is_marked_even_beside_a_wanted_blob() {
        for store in stores() {
            let idx = |n| store.index.lookup(&id(n)).unwrap();
            let wanted_blob = idx(5);
            let marks = holds_wanted(&store, [idx(1)], &|blob| blob == wanted_blob);
            assert_eq!(marks[idx(1) as usize], Mark::Holds);
            assert_eq!(marks[idx(2) as usize], Mark::Holds, "a copy next to the blob is marked");
            assert_eq!(marks[idx(3) as usize], Mark::Lacks);
            assert_eq!(marks[idx(4) as usize], Mark::Lacks);
        }
    }

    #[test]
    fn a_blob_in_two_directories_is_introduced_at_both_paths() {
        for store in stores() {
            let idx = |n| store.index.lookup(&id(n)).unwrap();
            let (wanted_blob, root) = (idx(5), idx(1));
            let holding = holds_wanted(&store, [root], &|blob| blob == wanted_blob);
            let holds = |tree: Idx| holding[tree as usize] == Mark::Holds;
            let mut found =
                new_blobs(&store, root, Vec::new(), &|blob| blob == wanted_blob, &holds);
            found.sort();
            assert_eq!(found, vec![(wanted_blob, "a".into()), (wanted_blob, "copy/a".into())]);
        }
    }

    #[test]
    fn reach_gives_each_blob_a_rank_and_settled_chunks_change_nothing() {
        for store in stores() {
            let idx = |n| store.index.lookup(&id(n)).unwrap();
            let diagnostics = Diagnostics::default();
            // `docs` ranks worse, so blobs first seen there are seen again at a better path.
            let rank = |path: &str, _: bool| u8::from(path.starts_with("docs"));
            let reach = reach(&store, [idx(1), idx(1), idx(3)], &rank, &|_| true, &diagnostics);
            for blob in 5..=7 {
                assert!(reach.reached(idx(blob)), "blob {blob}");
            }
            assert!(!reach.reached(idx(8)));
            assert_eq!(reach.ranks[idx(5) as usize], 0);
            assert_eq!(reach.paths[&idx(5)], "a");
            assert_eq!(reach.paths[&idx(6)], "b", "tree 3 as a root ranks its blobs best");
            assert_eq!(reach.missing_trees + reach.missing_blobs, 0);
        }
    }

    #[test]
    fn reached_commits_are_ordered_as_the_graph_of_a_range_orders_them() {
        use crate::sources::history::{provenance, store::Commit, walk};
        // A merge (4) of 2 and 3, both children of 1; 3 is older than 2 by its clock; a
        // clock-skewed child (5) of 4 and of a missing commit (9); 6 is not reached.
        let mut store =
            Store::new(ObjectIndex::new((1..=8).map(id).collect()), Columns::in_memory());
        let idx = |store: &Store, n| store.index.number(&id(n));
        let history: [(u8, Vec<u8>, i64); 6] = [
            (1, vec![], 100),
            (2, vec![1], 300),
            (3, vec![1], 200),
            (4, vec![2, 3], 400),
            (5, vec![4, 9], 50),
            (6, vec![5], 500),
        ];
        let mut graph = walk::CommitGraph::default();
        for (commit, parents, time) in &history {
            let parent_idx = parents.iter().map(|p| idx(&store, *p)).collect();
            let tree = idx(&store, 8);
            store.add_commit(
                idx(&store, *commit),
                Commit { tree, parents: parent_idx, time: *time },
            );
            if *commit != 6 {
                let parents = parents.iter().map(|p| id(*p)).collect();
                graph
                    .nodes
                    .insert(id(*commit), walk::CommitNode { tree: id(8), parents, time: *time });
            }
        }
        store.seal().unwrap();
        let diagnostics = Diagnostics::default();
        let reached = commits(&store, &[id(5)], &diagnostics);
        assert_eq!(reached.missing, 1);
        let order: Vec<ObjectId> =
            oldest_first(&store, &reached).into_iter().map(|c| store.index.id(c)).collect();
        assert_eq!(order, vec![id(1), id(3), id(2), id(4), id(5)]);
        assert_eq!(order, provenance::oldest_first(&graph));
    }
}
