//! Which commit introduced a blob at a path. A commit introduces (blob, path) when its tree
//! holds the blob at that path and none of its parents' trees does: a merge that only takes
//! one side's file introduces nothing, while a conflict resolution (content in neither
//! parent) is introduced by the merge itself. Subtrees equal to a parent's are skipped, so a
//! walk costs the trees each commit changed.

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap},
};

use gix::ObjectId;

use super::walk::{CommitGraph, Entry, EntryKind, join_path, read_commit, read_tree};
use crate::diagnostics::Diagnostics;

/// `blob` first appears at `path` in `commit`; `order` is the commit's place oldest-first.
#[derive(Debug, Clone)]
pub(crate) struct Introduction {
    pub(crate) blob: ObjectId,
    pub(crate) path: String,
    pub(crate) commit: ObjectId,
    pub(crate) order: usize,
}

/// The graph's commits with parents before children, the older first where either could go.
pub(crate) fn oldest_first(graph: &CommitGraph) -> Vec<ObjectId> {
    let mut ids: Vec<ObjectId> = graph.nodes.keys().copied().collect();
    ids.sort_unstable();
    let position = |id: &ObjectId| ids.binary_search(id).ok().map(|p| p as u32);
    let mut commits = Numbered::default();
    for id in &ids {
        let node = &graph.nodes[id];
        commits.push(node.time, node.parents.iter().filter_map(position));
    }
    commits.oldest_first().into_iter().map(|p| ids[p as usize]).collect()
}

/// Commits numbered in the order of their ids, each with its committer time and the numbers
/// of its parents in the set (a parent named twice counts twice): a compact graph to order.
#[derive(Debug, Default)]
pub(crate) struct Numbered {
    times: Vec<i64>,
    /// Commit `n`'s parents are `parents[starts[n]..starts[n + 1]]`.
    starts: Vec<u32>,
    parents: Vec<u32>,
}

impl Numbered {
    /// Adds the next commit.
    pub(crate) fn push(&mut self, time: i64, parents: impl Iterator<Item = u32>) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.times.push(time);
        self.parents.extend(parents);
        self.starts.push(self.parents.len() as u32);
    }

    fn parents_of(&self, commit: usize) -> &[u32] {
        &self.parents[self.starts[commit] as usize..self.starts[commit + 1] as usize]
    }

    /// The commits' numbers, parents before children, the older first where either could go
    /// (then the smaller id).
    pub(crate) fn oldest_first(&self) -> Vec<u32> {
        let n = self.times.len();
        let mut waiting: Vec<u32> = (0..n).map(|c| self.parents_of(c).len() as u32).collect();
        // Children, as parents are listed: child_starts[p]..child_starts[p + 1] in `children`.
        let mut child_starts = vec![0u32; n + 1];
        for &parent in &self.parents {
            child_starts[parent as usize + 1] += 1;
        }
        for p in 1..=n {
            child_starts[p] += child_starts[p - 1];
        }
        let mut filled = child_starts.clone();
        let mut children = vec![0u32; self.parents.len()];
        for child in 0..n {
            for &parent in self.parents_of(child) {
                children[filled[parent as usize] as usize] = child as u32;
                filled[parent as usize] += 1;
            }
        }
        drop(filled);
        let key = |c: u32| (Reverse(self.times[c as usize]), Reverse(c));
        // A max-heap: the oldest ready commit (then the smaller id) comes out first.
        let mut ready: BinaryHeap<(Reverse<i64>, Reverse<u32>)> =
            (0..n as u32).filter(|&c| waiting[c as usize] == 0).map(key).collect();
        let mut order = Vec::with_capacity(n);
        while let Some((_, Reverse(commit))) = ready.pop() {
            order.push(commit);
            let (from, to) = (child_starts[commit as usize], child_starts[commit as usize + 1]);
            for &child in &children[from as usize..to as usize] {
                waiting[child as usize] -= 1;
                if waiting[child as usize] == 0 {
                    ready.push(key(child));
                }
            }
        }
        order
    }
}

/// Every (blob, path) that `wanted` accepts and a commit of `order` introduces.
pub(crate) fn introductions(
    repo: &gix::Repository,
    graph: &CommitGraph,
    order: &[ObjectId],
    wanted: &dyn Fn(&ObjectId) -> bool,
    diagnostics: &Diagnostics,
) -> Vec<Introduction> {
    let mut differ = Differ { repo, diagnostics, buf: Vec::new(), outside_trees: HashMap::new() };
    let mut found = Vec::new();
    for (index, commit) in order.iter().enumerate() {
        let node = &graph.nodes[commit];
        let parent_trees: Vec<ObjectId> =
            node.parents.iter().filter_map(|p| differ.parent_tree(graph, p)).collect();
        for (blob, path) in differ.new_blobs(node.tree, &parent_trees, wanted) {
            found.push(Introduction { blob, path, commit: *commit, order: index });
        }
    }
    found
}

struct Differ<'r> {
    repo: &'r gix::Repository,
    diagnostics: &'r Diagnostics,
    buf: Vec<u8>,
    /// Trees of parents outside the graph (the excluded side of a range).
    outside_trees: HashMap<ObjectId, Option<ObjectId>>,
}

impl Differ<'_> {
    fn parent_tree(&mut self, graph: &CommitGraph, parent: &ObjectId) -> Option<ObjectId> {
        if let Some(node) = graph.nodes.get(parent) {
            return Some(node.tree);
        }
        if let Some(tree) = self.outside_trees.get(parent) {
            return *tree;
        }
        // Absent (a shallow boundary): the commit is diffed as if it had no such parent.
        let tree = read_commit(self.repo, parent, &mut self.buf).ok().flatten().map(|c| c.tree);
        self.outside_trees.insert(*parent, tree);
        tree
    }

    fn entries(&mut self, tree: &ObjectId) -> Vec<Entry> {
        match read_tree(self.repo, tree, &mut self.buf) {
            Ok(Some(entries)) => entries,
            Ok(None) => Vec::new(),
            Err(err) => {
                self.diagnostics.warn(&format!("tree {tree}"), format!("{err:#}"));
                Vec::new()
            }
        }
    }

    /// Blobs `wanted` accepts that sit in `tree` at a path where no parent tree has them.
    fn new_blobs(
        &mut self,
        tree: ObjectId,
        parents: &[ObjectId],
        wanted: &dyn Fn(&ObjectId) -> bool,
    ) -> Vec<(ObjectId, String)> {
        let mut found = Vec::new();
        // An explicit stack: a crafted repository may nest trees deeper than the call stack.
        let mut stack = vec![(tree, parents.to_vec(), String::new())];
        while let Some((tree, parents, prefix)) = stack.pop() {
            if parents.contains(&tree) {
                continue;
            }
            let entries = self.entries(&tree);
            let parent_entries: Vec<HashMap<Vec<u8>, Entry>> = parents
                .iter()
                .map(|p| self.entries(p).into_iter().map(|e| (e.name.clone(), e)).collect())
                .collect();
            for entry in entries {
                let same_name: Vec<&Entry> =
                    parent_entries.iter().filter_map(|p| p.get(&entry.name)).collect();
                if same_name.iter().any(|e| e.oid == entry.oid) {
                    continue;
                }
                match entry.kind {
                    EntryKind::Tree => {
                        let sub_parents = same_name
                            .iter()
                            .filter(|e| e.kind == EntryKind::Tree)
                            .map(|e| e.oid)
                            .collect();
                        stack.push((entry.oid, sub_parents, join_path(&prefix, &entry.name)));
                    }
                    EntryKind::Blob if wanted(&entry.oid) => {
                        found.push((entry.oid, join_path(&prefix, &entry.name)));
                    }
                    EntryKind::Blob | EntryKind::Gitlink => {}
                }
            }
        }
        found
    }
}

/// Who made a commit and why, for reports.
#[derive(Debug, Clone, Default)]
pub(crate) struct CommitMeta {
    pub(crate) author_name: String,
    pub(crate) author_email: String,
    pub(crate) time: i64,
    pub(crate) summary: String,
}

pub(crate) fn commit_meta(repo: &gix::Repository, id: &ObjectId) -> CommitMeta {
    let mut buf = Vec::new();
    let Ok(Some(data)) = super::walk::read_object(repo, id, &mut buf) else {
        return CommitMeta::default();
    };
    let Ok(commit) = gix::objs::CommitRef::from_bytes(data.data, repo.object_hash()) else {
        return CommitMeta::default();
    };
    let (author_name, author_email, time) = match commit.author() {
        Ok(author) => (
            author.name.to_string(),
            author.email.to_string(),
            author.time().map(|t| t.seconds).unwrap_or_default(),
        ),
        Err(_) => Default::default(),
    };
    CommitMeta { author_name, author_email, time, summary: commit.message().summary().to_string() }
}
