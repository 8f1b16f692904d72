//! What history holds: the commits reachable from the refs, and every blob reachable from
//! their trees with one path each. Each tree is read once (a seen-set of tree ids), so the
//! walk costs the number of unique trees, not commits × tree size.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use gix::{ObjectId, objs::Find as _};

use crate::diagnostics::Diagnostics;

/// One commit of the graph: just what the walks need.
#[derive(Debug, Clone)]
pub(crate) struct CommitNode {
    pub(crate) tree: ObjectId,
    pub(crate) parents: Vec<ObjectId>,
    /// Committer time, seconds since the epoch; orders commits oldest-first.
    pub(crate) time: i64,
}

/// A fast hasher for maps keyed by object ids.
pub(crate) type IdHasher = foldhash::fast::RandomState;

/// The commits reachable from some tips, minus those reachable from excluded ones.
#[derive(Debug, Default)]
pub(crate) struct CommitGraph {
    /// Keyed with a fast hasher: ids are uniformly random already, and the ordering walks
    /// look every commit and parent up.
    pub(crate) nodes: HashMap<ObjectId, CommitNode, IdHasher>,
    /// Commits named as parents but absent (a shallow boundary, or a broken repository).
    pub(crate) missing: usize,
}

/// Objects the refs point at once annotated tags are peeled.
#[derive(Debug, Default)]
pub(crate) struct Tips {
    pub(crate) commits: Vec<ObjectId>,
    /// Trees and blobs a tag names directly (rare, but reachable all the same).
    pub(crate) trees: Vec<ObjectId>,
    pub(crate) blobs: Vec<ObjectId>,
    /// Every ref's full name, with the commit it names (once tags are peeled), if any.
    pub(crate) names: Vec<RefName>,
    /// How many distinct objects HEAD and the refs name (readable or not).
    pub(crate) named: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct RefName {
    pub(crate) name: String,
    pub(crate) commit: Option<ObjectId>,
}

/// A tree entry, owned, with the only distinctions the walks make.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) name: Vec<u8>,
    pub(crate) kind: EntryKind,
    pub(crate) oid: ObjectId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Tree,
    /// A file or a symbolic link: content to scan.
    Blob,
    /// A submodule's commit: another repository's object.
    Gitlink,
}

/// Reads a git object, telling a missing one (`Ok(None)`) from one that cannot be read.
pub(crate) fn read_object<'a>(
    repo: &gix::Repository,
    id: &ObjectId,
    buf: &'a mut Vec<u8>,
) -> Result<Option<gix::objs::Data<'a>>> {
    repo.objects.try_find(id, buf).with_context(|| format!("object {id}: cannot read"))
}

pub(crate) fn read_commit(
    repo: &gix::Repository,
    id: &ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Option<CommitNode>> {
    let Some(data) = read_object(repo, id, buf)? else { return Ok(None) };
    if data.kind != gix::objs::Kind::Commit {
        anyhow::bail!("object {id}: a {}, not a commit", data.kind);
    }
    let commit = gix::objs::CommitRef::from_bytes(data.data, repo.object_hash())
        .with_context(|| format!("commit {id}: cannot parse"))?;
    let time = commit.time().map(|t| t.seconds).unwrap_or_default();
    Ok(Some(CommitNode { tree: commit.tree(), parents: commit.parents().collect(), time }))
}

pub(crate) fn read_tree(
    repo: &gix::Repository,
    id: &ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Option<Vec<Entry>>> {
    let Some(data) = read_object(repo, id, buf)? else { return Ok(None) };
    if data.kind != gix::objs::Kind::Tree {
        anyhow::bail!("object {id}: a {}, not a tree", data.kind);
    }
    let tree = gix::objs::TreeRef::from_bytes(data.data, repo.object_hash())
        .with_context(|| format!("tree {id}: cannot parse"))?;
    Ok(Some(
        tree.entries
            .iter()
            .map(|e| Entry {
                name: e.filename.to_vec(),
                kind: if e.mode.is_tree() {
                    EntryKind::Tree
                } else if e.mode.is_commit() {
                    EntryKind::Gitlink
                } else {
                    EntryKind::Blob
                },
                oid: e.oid.to_owned(),
            })
            .collect(),
    ))
}

/// `prefix/name`, lossily as UTF-8 (reports are text).
pub(crate) fn join_path(prefix: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if prefix.is_empty() { name.into_owned() } else { format!("{prefix}/{name}") }
}

/// The objects every ref (branches, tags, remotes, stash, notes) and HEAD point at.
pub(crate) fn ref_tips(repo: &gix::Repository, diagnostics: &Diagnostics) -> Result<Tips> {
    let mut ids = Vec::new();
    if let Ok(head) = repo.head_id() {
        ids.push(head.detach());
    }
    let mut named = Vec::new();
    let platform = repo.references().context("cannot list references")?;
    for reference in platform.all().context("cannot list references")? {
        match reference {
            Ok(reference) => {
                let id = reference.try_id().map(gix::Id::detach);
                named.push((reference.name().as_bstr().to_string(), id));
                ids.extend(id);
            }
            Err(err) => diagnostics.warn("references", format!("cannot read a reference: {err}")),
        }
    }
    ids.sort();
    ids.dedup();
    let mut tips = Tips { named: ids.len(), ..Tips::default() };
    let mut buf = Vec::new();
    let mut commit_of = HashMap::new();
    for id in ids {
        match peel(repo, id, &mut buf) {
            Ok(Some((gix::objs::Kind::Commit, commit))) => {
                commit_of.insert(id, commit);
                tips.commits.push(commit);
            }
            Ok(Some((gix::objs::Kind::Tree, id))) => tips.trees.push(id),
            Ok(Some((gix::objs::Kind::Blob, id))) => tips.blobs.push(id),
            Ok(_) => diagnostics.warn(&format!("object {id}"), "a reference points at no object"),
            Err(err) => diagnostics.warn(&format!("object {id}"), format!("{err:#}")),
        }
    }
    tips.names = named
        .into_iter()
        .map(|(name, id)| RefName { name, commit: id.and_then(|id| commit_of.get(&id).copied()) })
        .collect();
    Ok(tips)
}

/// Follows annotated tags to the object they finally name.
pub(crate) fn peel(
    repo: &gix::Repository,
    mut id: ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Option<(gix::objs::Kind, ObjectId)>> {
    // Tag chains are short; a bound stops a cycle crafted with hash collisions.
    for _ in 0..32 {
        let Some(data) = read_object(repo, &id, buf)? else { return Ok(None) };
        if data.kind != gix::objs::Kind::Tag {
            return Ok(Some((data.kind, id)));
        }
        id = gix::objs::TagRefIter::from_bytes(data.data, repo.object_hash())
            .target_id()
            .with_context(|| format!("tag {id}: cannot parse"))?;
    }
    anyhow::bail!("tag {id}: chain of tags too long")
}

/// All commits reachable from `tips`, not entering `stop` (the excluded side of a range).
pub(crate) fn walk_commits(
    repo: &gix::Repository,
    tips: &[ObjectId],
    stop: &HashSet<ObjectId>,
    diagnostics: &Diagnostics,
) -> CommitGraph {
    let mut graph = CommitGraph::default();
    let mut stack: Vec<ObjectId> = tips.to_vec();
    let mut buf = Vec::new();
    while let Some(id) = stack.pop() {
        if stop.contains(&id) || graph.nodes.contains_key(&id) {
            continue;
        }
        match read_commit(repo, &id, &mut buf) {
            Ok(Some(node)) => {
                stack.extend(
                    node.parents
                        .iter()
                        .filter(|p| !stop.contains(*p) && !graph.nodes.contains_key(*p)),
                );
                graph.nodes.insert(id, node);
            }
            Ok(None) => graph.missing += 1,
            Err(err) => diagnostics.warn(&format!("commit {id}"), format!("{err:#}")),
        }
    }
    graph
}

/// The blob at `path` in `tree`, if there is one.
pub(crate) fn blob_at_path(
    repo: &gix::Repository,
    tree: ObjectId,
    path: &str,
    buf: &mut Vec<u8>,
) -> Option<ObjectId> {
    let mut current = tree;
    let mut components = path.split('/').peekable();
    while let Some(name) = components.next() {
        let entries = read_tree(repo, &current, buf).ok()??;
        let entry = entries.into_iter().find(|e| e.name == name.as_bytes())?;
        let last = components.peek().is_none();
        match (entry.kind, last) {
            (EntryKind::Blob, true) => return Some(entry.oid),
            (EntryKind::Tree, false) => current = entry.oid,
            _ => return None,
        }
    }
    None
}
