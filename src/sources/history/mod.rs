//! A repository's history, read straight from its object database with gix (never a `git`
//! process, never a hook or filter).
//!
//! The whole history (every ref) costs about one inflation of every object:
//! 1. [`ingest`]: every object read once, on every thread (whole packs resolved delta tree by
//!    delta tree, [`packs`]; the rest object by object); commits and trees kept decoded in
//!    memory ([`store`]), blobs searched by the engine as they are inflated;
//! 2. [`graph`]: the walks over that memory: the commits the refs reach, the blobs their
//!    trees reach (a path only for blobs that may give a finding or that a check inspects by
//!    name), and
//!    for blobs with findings the commits that introduced them at each path, oldest first;
//! 3. those blobs scanned again at their path, so path-dependent checks and suppressions
//!    apply exactly as to a file.
//!
//! A range (`A..B`, `--since`) reads only its own commits' trees and blobs through the object
//! store ([`walk`], [`provenance`], [`blobs`]).
//!
//! Commit messages and ref names (branches, tags) are scanned too: a secret there is a
//! finding of its own, at [`Location::CommitMessage`] or [`Location::RefName`], with its commit.
//!
//! Blobs no commit reaches (`--all-objects`) have no path; they are reported at
//! [`Location::UnreachableBlob`] (named `<blob:ID>`) with the blob id and no commit.

pub(crate) mod blobs;
pub(crate) mod budget;
pub(crate) mod graph;
pub(crate) mod ingest;
pub(crate) mod packs;
pub(crate) mod provenance;
pub(crate) mod spill;
pub(crate) mod store;
pub(crate) mod walk;

use std::{
    collections::{HashMap, HashSet},
    path::Path,
    sync::atomic::{AtomicU64, Ordering},
};

use anyhow::{Result, bail};
use gix::ObjectId;

use rayon::prelude::*;

use self::{
    blobs::BlobScan,
    budget::MemoryBudget,
    provenance::{CommitMeta, Introduction},
    store::{Idx, State, Store},
};
use crate::{
    diagnostics::Diagnostics,
    finding::{Finding, Occurrence, Provenance},
    model::{Location, ScanSummary, Tracking, fingerprint},
    pipeline::{self, Pipeline},
    progress::Progress,
    sources::ScanStats,
};

/// Which part of history to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selection {
    /// Everything reachable from any ref.
    Everything,
    /// Blobs introduced by the commits reachable from `include` but not from `exclude`.
    Range { exclude: String, include: String },
}

impl Selection {
    /// `A..B`; `--since REV` is `REV..HEAD`.
    pub(crate) fn parse_range(text: &str) -> Result<Selection> {
        match text.split_once("..") {
            Some((exclude, include)) if !exclude.is_empty() && !include.is_empty() => {
                Ok(Selection::Range { exclude: exclude.into(), include: include.into() })
            }
            _ => bail!("`{text}` is not a range; write it as A..B"),
        }
    }

    pub(crate) fn since(rev: &str) -> Selection {
        Selection::Range { exclude: rev.into(), include: "HEAD".into() }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct HistoryOptions {
    pub(crate) selection: Selection,
    /// Also scan blobs that no commit reaches (dangling, unreachable).
    pub(crate) all_objects: bool,
    pub(crate) max_file_size: u64,
    /// Scan submodules' histories too (each is its own repository).
    pub(crate) recurse_submodules: bool,
    /// Draw a progress bar (it still only appears when stderr is a terminal).
    pub(crate) progress: bool,
    /// The memory the scan may take (`--history-memory`).
    pub(crate) memory: MemoryBudget,
}

/// Submodules within submodules are followed this deep, no deeper.
const MAX_SUBMODULE_DEPTH: usize = 8;

/// Scans the history of the repository at exactly `path` (its work tree or, if bare, its
/// git directory), counting what it reads into `stats`.
pub(crate) fn scan_history(
    pipeline: &Pipeline,
    path: &Path,
    options: &HistoryOptions,
    diagnostics: &Diagnostics,
    stats: &ScanStats,
) -> Result<Vec<Finding>> {
    let context = ScanContext { pipeline, options, diagnostics, stats };
    let mut findings = Vec::new();
    scan_repository(&context, path, "", 0, &mut findings)?;
    findings.sort_by(|a, b| (&a.location, a.span).cmp(&(&b.location, b.span)));
    Ok(findings)
}

/// What every repository of one history scan (submodules included) shares.
struct ScanContext<'a> {
    pipeline: &'a Pipeline,
    options: &'a HistoryOptions,
    diagnostics: &'a Diagnostics,
    stats: &'a ScanStats,
}

fn scan_repository(
    context: &ScanContext<'_>,
    path: &Path,
    prefix: &str,
    depth: usize,
    all_findings: &mut Vec<Finding>,
) -> Result<()> {
    let ScanContext { options, diagnostics, .. } = *context;
    let repo = open_with_caches(path, options.memory)?;
    let label = if prefix.is_empty() { path.display().to_string() } else { prefix.to_string() };
    if repo.is_shallow().unwrap_or(false) {
        diagnostics.warn(
            &label,
            "shallow clone: history before the shallow boundary is not in this repository; \
             scanning the commits that are",
        );
    }
    let mut repository = Repository {
        repo,
        pipeline: context.pipeline,
        options,
        diagnostics,
        stats: context.stats,
        label,
    };
    let (findings, gitlinks) = match &options.selection {
        Selection::Everything => repository.scan_everything()?,
        Selection::Range { exclude, include } => repository.scan_range(exclude, include)?,
    };
    all_findings.extend(findings.into_iter().map(|f| with_prefix(f, prefix)));
    if options.recurse_submodules && depth < MAX_SUBMODULE_DEPTH {
        for gitlink in gitlinks {
            let Some(location) = submodule_location(&repository.repo, &gitlink) else {
                diagnostics.warn(
                    &format!("{prefix}{gitlink}"),
                    "submodule not checked out or cloned; not scanned",
                );
                continue;
            };
            let sub_prefix = format!("{prefix}{gitlink}/");
            if let Err(err) =
                scan_repository(context, &location, &sub_prefix, depth + 1, all_findings)
            {
                diagnostics.warn(&format!("{prefix}{gitlink}"), format!("{err:#}"));
            }
        }
    }
    Ok(())
}

fn open_with_caches(path: &Path, budget: MemoryBudget) -> Result<gix::Repository> {
    let mut repo = crate::git::open_repository(path)?;
    let pack_cache = budget.pack_cache_bytes();
    repo.objects.set_pack_cache(move || {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(pack_cache))
    });
    // Trees are read again as parents while diffing; a bounded cache avoids re-inflating.
    repo.object_cache_size(Some(budget.object_cache_bytes()));
    Ok(repo)
}

/// A submodule's repository: its work tree if checked out, else its clone under
/// `.git/modules/` (where git keeps it, named by path unless configured otherwise).
fn submodule_location(repo: &gix::Repository, path: &str) -> Option<std::path::PathBuf> {
    let checked_out = repo.workdir().map(|w| w.join(path)).filter(|p| crate::git::is_repository(p));
    checked_out.or_else(|| {
        Some(repo.common_dir().join("modules").join(path)).filter(|p| crate::git::is_repository(p))
    })
}

/// Paths (and so fingerprints) of a submodule's findings are relative to the superproject.
fn with_prefix(mut finding: Finding, prefix: &str) -> Finding {
    if prefix.is_empty() {
        return finding;
    }
    if let Location::File(path) = &mut finding.location {
        path.insert_str(0, prefix);
        finding.fingerprint = fingerprint(&finding.rule.id, &finding.secret_sha256, path);
    }
    if let Some(provenance) = &mut finding.provenance {
        for occurrence in &mut provenance.occurrences {
            if let Location::File(path) = &mut occurrence.location {
                path.insert_str(0, prefix);
            }
        }
    }
    finding
}

/// Where a blob no commit reaches is reported.
fn unreachable_blob(id: &ObjectId) -> Location {
    Location::UnreachableBlob(id.to_string())
}

struct Repository<'a> {
    repo: gix::Repository,
    pipeline: &'a Pipeline,
    options: &'a HistoryOptions,
    diagnostics: &'a Diagnostics,
    stats: &'a ScanStats,
    /// How warnings name this repository.
    label: String,
}

/// A repository's findings, and the paths of the submodules its history holds.
type Scanned = (Vec<Finding>, Vec<String>);

impl Repository<'_> {
    /// Every object read once into memory ([`ingest`]), then walked there ([`graph`]).
    fn scan_everything(&mut self) -> Result<Scanned> {
        let (repo, diagnostics) = (&self.repo, self.diagnostics);
        let tips = walk::ref_tips(repo, diagnostics)?;
        let index = ingest::list_objects(repo, diagnostics)?;
        let objects = index.listed_len();
        let budget = self.options.memory;
        let mut store = Store::new(index, self.columns(objects));
        if !budget.fits(objects) {
            diagnostics.warn(
                &self.label,
                format!(
                    "--history-memory {} MiB is less than the about {} MiB that the state of \
                     {objects} objects needs; scanning with as little as it can",
                    budget.bytes() >> 20,
                    MemoryBudget::lasting_bytes(objects, true) >> 20,
                ),
            );
        }
        let progress = Progress::new("history", objects as u64, !self.options.progress);
        let limits = ingest::Limits { max_file_size: self.options.max_file_size, budget };
        let read = ingest::read_all(repo, &store, self.pipeline, &limits, &progress, diagnostics);
        progress.finish();
        store.seal().map_err(|err| {
            anyhow::anyhow!(
                "{}: cannot keep the history's trees in a temporary file in {}: {err}",
                self.label,
                budget.spill_to().dir.display()
            )
        })?;
        let spilled = store.is_spilled();
        if spilled {
            spill::hand_back_freed_memory();
        }
        let commits = graph::commits(&store, &tips.commits, diagnostics);
        let nothing_read =
            commits.reached.is_empty() && tips.trees.is_empty() && tips.blobs.is_empty();
        if nothing_read && tips.named > 0 {
            bail!(
                "{}: no commit of the history could be read (a truncated or missing pack?)",
                self.label
            );
        }
        self.warn_missing_commits(commits.missing);
        let roots: Vec<Idx> = commits
            .reached
            .iter()
            .filter_map(|&commit| store.commit(commit).map(|c| c.tree))
            .chain(tips.trees.iter().map(|tree| store.index.number(tree)))
            .collect();
        let tip_blobs: Vec<Idx> = tips.blobs.iter().map(|b| store.index.number(b)).collect();
        let suppressions = self.pipeline.suppressions();
        let rank = |path: &str, is_dir: bool| suppressions.path_rank(path, is_dir);
        let inspects = |name: &[u8]| pipeline::inspects_path(&String::from_utf8_lossy(name));
        let mut reach = graph::reach(&store, roots, &rank, &inspects, diagnostics);
        let mut located: HashMap<Idx, Location> = std::mem::take(&mut reach.paths)
            .into_iter()
            .map(|(i, p)| (i, Location::File(p)))
            .collect();
        for &blob in &tip_blobs {
            if !reach.reached(blob) {
                reach.ranks[blob as usize] = 0;
                located.insert(blob, unreachable_blob(&store.index.id(blob)));
            }
        }
        self.warn_unreadable(&store, &reach, &located);
        self.count_blobs(&store, &reach);
        let mut jobs: Vec<(Idx, Location)> = located
            .into_iter()
            .filter(|(idx, _)| matches!(store.state(*idx), State::Matched | State::Text))
            .collect();
        let mut dangling = HashSet::new();
        if self.options.all_objects {
            for idx in 0..store.index.listed_len() as Idx {
                if !reach.reached(idx) && store.state(idx) == State::Matched {
                    let id = store.index.id(idx);
                    dangling.insert(id);
                    jobs.push((idx, unreachable_blob(&id)));
                }
            }
        }
        let by_blob = self.scan_paths(&store, &read, &jobs)?;
        if spilled {
            spill::hand_back_freed_memory();
        }
        let with_findings: HashSet<Idx> = by_blob
            .keys()
            .filter(|id| !dangling.contains(*id))
            .filter_map(|id| store.index.lookup(id))
            .collect();
        let order = graph::oldest_first(&store, &commits);
        let introductions = if with_findings.is_empty() {
            Vec::new()
        } else {
            graph::introductions(&store, &order, &|idx| with_findings.contains(&idx))
        };
        let messages = order.iter().filter_map(|commit| {
            let message = read.messages.get(commit)?;
            Some((store.index.id(*commit), &message[..]))
        });
        let mut texts = self.message_places(messages);
        texts.extend(self.ref_name_places(&tips.names));
        let findings = self.assemble(&introductions, &by_blob, texts);
        Ok((findings, reach.gitlinks.into_iter().collect()))
    }

    /// Where the decoded trees of a history of `objects` objects go: in memory, or in
    /// temporary files when the budget cannot hold them (in memory after all, with a
    /// warning, if no file can be made).
    fn columns(&self, objects: usize) -> store::Columns {
        let budget = self.options.memory;
        if !budget.spills(objects) {
            return store::Columns::in_memory();
        }
        let to = budget.spill_to();
        store::Columns::in_files(&to).unwrap_or_else(|err| {
            self.diagnostics.warn(
                &self.label,
                format!(
                    "cannot make a temporary file in {} ({err}); keeping the history's trees \
                     in memory, beyond --history-memory",
                    to.dir.display()
                ),
            );
            store::Columns::in_memory()
        })
    }

    /// Secrets in commit messages: each a finding of its own, at [`Location::CommitMessage`],
    /// with its commit; `messages` oldest first.
    fn message_places<'m>(
        &self,
        messages: impl Iterator<Item = (ObjectId, &'m [u8])>,
    ) -> Vec<Place> {
        let mut scanner = self.pipeline.scanner();
        let mut places = Vec::new();
        for (commit, message) in messages {
            if scanner.matches(message).is_empty() {
                continue;
            }
            let findings = scanner.scan_at(&Location::CommitMessage, message, Tracking::Committed);
            places.extend(findings.into_iter().map(|finding| Place {
                finding,
                commit: Some(commit),
                blob: None,
            }));
        }
        places
    }

    /// Secrets in branch and tag names: each a finding of its own, at [`Location::RefName`],
    /// with the commit the ref points at.
    fn ref_name_places(&self, refs: &[walk::RefName]) -> Vec<Place> {
        let mut scanner = self.pipeline.scanner();
        let mut places = Vec::new();
        for reference in refs {
            let name = reference.name.as_bytes();
            if scanner.matches(name).is_empty() {
                continue;
            }
            let findings = scanner.scan_at(&Location::RefName, name, Tracking::Committed);
            places.extend(findings.into_iter().map(|finding| Place {
                finding,
                commit: reference.commit,
                blob: None,
            }));
        }
        places
    }

    /// Warnings for what the walk reached but could not read.
    fn warn_unreadable(&self, store: &Store, reach: &graph::Reach, paths: &HashMap<Idx, Location>) {
        if reach.missing_trees > 0 {
            self.diagnostics.warn(
                &self.label,
                format!(
                    "{} tree(s) missing from the object database (a partial clone?); \
                     files under them not scanned",
                    reach.missing_trees
                ),
            );
        }
        if reach.missing_blobs > 0 {
            self.diagnostics.warn(
                &self.label,
                format!(
                    "{} blob(s) missing from the object database (a partial clone?); \
                     not scanned",
                    reach.missing_blobs
                ),
            );
        }
        let corrupt = store.corrupt.lock().expect("corrupt objects");
        let mut blobs: Vec<(&Idx, &Location)> =
            paths.iter().filter(|(idx, _)| corrupt.contains_key(*idx)).collect();
        blobs.sort();
        for (idx, path) in blobs {
            self.diagnostics
                .warn(&format!("blob {} ({path})", store.index.id(*idx)), &corrupt[idx]);
        }
    }

    /// Counts the blobs read into the scan's summary: those history reaches, and with
    /// `--all-objects` every other one too.
    fn count_blobs(&self, store: &Store, reach: &graph::Reach) {
        let mut summary = ScanSummary::default();
        for idx in 0..store.index.listed_len() as Idx {
            if !reach.reached(idx) && !self.options.all_objects {
                continue;
            }
            match store.state(idx) {
                State::Text | State::Matched => {
                    summary.files += 1;
                    summary.bytes += store.size(idx);
                }
                State::Binary => summary.skipped_binary += 1,
                State::Large => summary.skipped_large += 1,
                _ => {}
            }
        }
        self.stats.add(&summary);
    }

    /// Scans each blob at its path, in parallel: the second scan of matched blobs, and the
    /// first of those at a path a check inspects. Blobs not kept in memory are read again in
    /// pack order, in contiguous runs per thread, so each thread's pack cache holds the delta
    /// bases it is about to need.
    fn scan_paths(
        &self,
        store: &Store,
        read: &ingest::Read,
        jobs: &[(Idx, Location)],
    ) -> Result<HashMap<ObjectId, Vec<Finding>>> {
        let (kept, to_read): (Vec<_>, Vec<_>) =
            jobs.iter().partition(|(idx, _)| read.kept.contains_key(idx));
        let paths: HashMap<ObjectId, Location> = to_read
            .iter()
            .map(|(idx, location)| (store.index.id(*idx), location.clone()))
            .collect();
        let budget = self.options.memory;
        let packs = packs::PackReader::open(&self.repo, budget.release_every_bytes());
        let ordered = packs.pack_order(
            to_read.iter().map(|(idx, _)| (store.index.id(*idx), read.places.get(idx).copied())),
        );
        let threads = rayon::current_num_threads().max(1);
        let run_len = (ordered.len() / (threads * 8)).max(16);
        let sync_repo = self.repo.clone().into_sync();
        let scan_kept = kept.par_iter().map_init(
            || self.pipeline.scanner(),
            |scanner, (idx, location)| {
                let findings = scanner.scan_at(location, &read.kept[idx], Tracking::Committed);
                (store.index.id(*idx), findings)
            },
        );
        let (pack_cache, pipeline) = (budget.pack_cache_bytes(), self.pipeline);
        let scan_read = ordered.par_chunks(run_len).flat_map_iter(|run| {
            let mut worker =
                blobs::Worker::new(&sync_repo, pipeline, pack_cache).reading(&packs, pack_cache);
            run.iter()
                .map(|(id, place)| (*id, worker.rescan(id, *place, &paths[id])))
                .collect::<Vec<_>>()
        });
        Ok(scan_kept.chain(scan_read).filter(|(_, findings)| !findings.is_empty()).collect())
    }

    fn scan_range(&mut self, exclude: &str, include: &str) -> Result<Scanned> {
        let repo = &self.repo;
        let exclude_id = self.resolve_commit(exclude)?;
        let include_id = self.resolve_commit(include)?;
        let excluded: HashSet<ObjectId> =
            walk::walk_commits(repo, &[exclude_id], &HashSet::new(), self.diagnostics)
                .nodes
                .into_keys()
                .collect();
        let graph = walk::walk_commits(repo, &[include_id], &excluded, self.diagnostics);
        let order = provenance::oldest_first(&graph);
        let introductions =
            provenance::introductions(repo, &graph, &order, &|_| true, self.diagnostics);
        let mut paths: HashMap<ObjectId, String> = HashMap::new();
        for introduction in &introductions {
            paths.entry(introduction.blob).or_insert_with(|| introduction.path.clone());
        }
        let ordered = blobs::pack_order(repo, &paths, self.diagnostics)?;
        let by_blob = self.scan_blobs(&ordered.wanted, ordered.missing, &|id| {
            paths.get(id).map_or_else(|| unreachable_blob(id), |path| Location::file(path.as_str()))
        });
        let introductions: Vec<Introduction> =
            introductions.into_iter().filter(|i| by_blob.contains_key(&i.blob)).collect();
        let mut buf = Vec::new();
        let messages: Vec<(ObjectId, Vec<u8>)> = order
            .iter()
            .filter_map(|commit| {
                let data = walk::read_object(repo, commit, &mut buf).ok().flatten()?;
                let parsed =
                    gix::objs::CommitRef::from_bytes(data.data, repo.object_hash()).ok()?;
                Some((*commit, parsed.message.to_vec()))
            })
            .collect();
        let texts = self.message_places(messages.iter().map(|(c, m)| (*c, &m[..])));
        // A range names commits of this repository only; submodules are not followed.
        Ok((self.assemble(&introductions, &by_blob, texts), Vec::new()))
    }

    fn resolve_commit(&self, spec: &str) -> Result<ObjectId> {
        // gix's own error describes its parser's state: the user needs the name and the fix.
        let id = self
            .repo
            .rev_parse_single(spec)
            .map_err(|_| {
                anyhow::anyhow!(
                    "{}: unknown revision `{spec}`: not a branch, tag or commit of this \
                     repository (a shallow clone may lack it: fetch it first)",
                    self.label
                )
            })?
            .detach();
        match walk::peel(&self.repo, id, &mut Vec::new())? {
            Some((gix::objs::Kind::Commit, commit)) => Ok(commit),
            _ => bail!("{}: `{spec}` does not name a commit", self.label),
        }
    }

    fn warn_missing_commits(&self, missing: usize) {
        if missing > 0 && !self.repo.is_shallow().unwrap_or(false) {
            self.diagnostics
                .warn(&self.label, format!("{missing} commit(s) missing from the object database"));
        }
    }

    fn scan_blobs(
        &self,
        ids: &[ObjectId],
        missing: usize,
        paths: &(dyn Fn(&ObjectId) -> Location + Sync),
    ) -> HashMap<ObjectId, Vec<Finding>> {
        let progress = Progress::new("history", ids.len() as u64, !self.options.progress);
        let sync_repo = self.repo.clone().into_sync();
        let job = BlobScan {
            repo: &sync_repo,
            pipeline: self.pipeline,
            max_file_size: self.options.max_file_size,
            // A range keeps no state per object of the repository: the budget is the slices'.
            slicing: self.options.memory.slicing(0),
            pack_cache_bytes: self.options.memory.pack_cache_bytes(),
            diagnostics: self.diagnostics,
            stats: self.stats,
            missing: AtomicU64::new(0),
            progress: &progress,
        };
        let by_blob = job.run(ids, paths);
        progress.finish();
        let missing = missing as u64 + job.missing.load(Ordering::Relaxed);
        if missing > 0 {
            self.diagnostics.warn(
                &self.label,
                format!(
                    "{missing} blob(s) missing from the object database (a partial clone?); \
                     not scanned"
                ),
            );
        }
        by_blob
    }

    /// One finding per (rule, secret, path), attributed to the oldest commit that put the
    /// secret at that path, listing every other place history holds the same secret.
    /// `texts` are the findings in commit messages and ref names, oldest commit first.
    fn assemble(
        &self,
        introductions: &[Introduction],
        by_blob: &HashMap<ObjectId, Vec<Finding>>,
        texts: Vec<Place>,
    ) -> Vec<Finding> {
        let mut scanner = self.pipeline.scanner();
        let mut places: Vec<Place> = Vec::new();
        let mut attributed = HashSet::new();
        let mut sorted: Vec<&Introduction> = introductions.iter().collect();
        sorted.sort_by(|a, b| (a.order, &a.path).cmp(&(b.order, &b.path)));
        for introduction in sorted {
            let Some(scanned) = by_blob.get(&introduction.blob) else { continue };
            attributed.insert(introduction.blob);
            let at_path = |f: &Finding| f.location.path() == Some(introduction.path.as_str());
            let findings = if scanned.first().is_some_and(at_path) {
                scanned.clone()
            } else {
                blobs::rescan(&self.repo, &mut scanner, &introduction.blob, &introduction.path)
            };
            places.extend(findings.into_iter().map(|finding| Place {
                finding,
                commit: Some(introduction.commit),
                blob: Some(introduction.blob),
            }));
        }
        // Blobs no commit introduced: unreachable ones, or ones only a tag names.
        let mut unattributed: Vec<_> =
            by_blob.iter().filter(|(id, _)| !attributed.contains(*id)).collect();
        unattributed.sort_by_key(|(id, _)| **id);
        for (blob, findings) in unattributed {
            places.extend(findings.iter().map(|finding| Place {
                finding: finding.clone(),
                commit: None,
                blob: Some(*blob),
            }));
        }
        places.extend(texts);
        self.one_per_secret_and_path(places)
    }

    fn one_per_secret_and_path(&self, places: Vec<Place>) -> Vec<Finding> {
        let mut by_secret: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (index, place) in places.iter().enumerate() {
            let key = (place.finding.rule.id.as_str(), place.finding.secret_sha256.as_str());
            by_secret.entry(key).or_default().push(index);
        }
        let head_tree = self.repo.head_tree_id().ok().map(gix::Id::detach);
        let mut metas: HashMap<ObjectId, CommitMeta> = HashMap::new();
        let mut findings = Vec::new();
        for indices in by_secret.values() {
            let mut primaries: HashMap<&Location, usize> = HashMap::new();
            for &index in indices {
                // Places are in commit order, so the first per path is the oldest.
                primaries.entry(&places[index].finding.location).or_insert(index);
            }
            for &primary in primaries.values() {
                let place = &places[primary];
                let occurrences = indices
                    .iter()
                    .filter(|&&i| i != primary)
                    .map(|&i| places[i].occurrence())
                    .collect();
                let meta = match place.commit {
                    Some(commit) => metas
                        .entry(commit)
                        .or_insert_with(|| provenance::commit_meta(&self.repo, &commit))
                        .clone(),
                    None => CommitMeta::default(),
                };
                let mut finding = place.finding.clone();
                let in_a_file = place.commit.is_some() && place.blob.is_some();
                finding.provenance = Some(Provenance {
                    commit: place.commit.map(|c| c.to_string()),
                    author_name: meta.author_name,
                    author_email: meta.author_email,
                    time: meta.time,
                    summary: meta.summary,
                    blob: place.blob.map(|b| b.to_string()),
                    line: finding.span.line,
                    in_head: in_a_file.then(|| self.in_head(head_tree, &finding)).flatten(),
                    in_worktree: in_a_file.then(|| self.in_worktree(&finding)).flatten(),
                    occurrences,
                });
                findings.push(finding);
            }
        }
        findings
    }

    /// Whether HEAD's version of the finding's path still holds the secret.
    fn in_head(&self, head_tree: Option<ObjectId>, finding: &Finding) -> Option<bool> {
        let head_tree = head_tree?;
        let mut buf = Vec::new();
        let path = finding.location.path()?;
        let Some(blob) = walk::blob_at_path(&self.repo, head_tree, path, &mut buf) else {
            return Some(false);
        };
        let content = walk::read_object(&self.repo, &blob, &mut buf).ok().flatten()?;
        Some(memchr::memmem::find(content.data, finding.secret.as_bytes()).is_some())
    }

    /// Whether the working tree's file at the finding's path still holds the secret; `None`
    /// for a bare repository.
    fn in_worktree(&self, finding: &Finding) -> Option<bool> {
        let file = self.repo.workdir()?.join(finding.location.path()?);
        let too_large = std::fs::metadata(&file)
            .map(|m| !m.is_file() || m.len() > self.options.max_file_size)
            .unwrap_or(true);
        if too_large {
            return Some(false);
        }
        let content = std::fs::read(&file).ok()?;
        Some(memchr::memmem::find(&content, finding.secret.as_bytes()).is_some())
    }
}

/// One place history holds a secret.
struct Place {
    finding: Finding,
    commit: Option<ObjectId>,
    /// `None` for a commit message or a ref name.
    blob: Option<ObjectId>,
}

impl Place {
    fn occurrence(&self) -> Occurrence {
        Occurrence {
            commit: self.commit.map(|c| c.to_string()),
            location: self.finding.location.clone(),
            line: self.finding.span.line,
            blob: self.blob.map(|b| b.to_string()),
        }
    }
}

/// One report from a working-tree scan and a history scan of the same repository: a
/// secret both found (same fingerprint) is reported where it is now, with its history.
pub(crate) fn merge_with_worktree(worktree: Vec<Finding>, history: Vec<Finding>) -> Vec<Finding> {
    let by_fingerprint: HashMap<String, usize> =
        history.iter().enumerate().map(|(i, f)| (f.fingerprint.clone(), i)).collect();
    let mut merged_into_worktree = HashSet::new();
    let mut findings: Vec<Finding> = worktree
        .into_iter()
        .map(|mut finding| {
            if let Some(&index) = by_fingerprint.get(&finding.fingerprint) {
                finding.provenance = history[index].provenance.clone();
                merged_into_worktree.insert(index);
            }
            finding
        })
        .collect();
    findings.extend(
        history
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !merged_into_worktree.contains(i))
            .map(|(_, f)| f),
    );
    findings.sort_by(|a, b| (&a.location, a.span).cmp(&(&b.location, b.span)));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_as_two_revisions() {
        assert_eq!(
            Selection::parse_range("main..topic").unwrap(),
            Selection::Range { exclude: "main".into(), include: "topic".into() }
        );
        assert_eq!(Selection::since("v1"), Selection::parse_range("v1..HEAD").unwrap());
        assert!(Selection::parse_range("main").is_err());
        assert!(Selection::parse_range("..topic").is_err());
    }

    #[test]
    fn oldest_first_puts_parents_before_children() {
        let id = |n: u8| ObjectId::from_bytes_or_panic(&[n; 20]);
        let node = |parents: Vec<ObjectId>, time| walk::CommitNode { tree: id(0), parents, time };
        let mut graph = walk::CommitGraph::default();
        // A merge (4) of 2 and 3, both children of 1; 3 is older than 2 by its clock, and a
        // clock-skewed child (5) claims to predate everything.
        graph.nodes.insert(id(1), node(vec![], 100));
        graph.nodes.insert(id(2), node(vec![id(1)], 300));
        graph.nodes.insert(id(3), node(vec![id(1)], 200));
        graph.nodes.insert(id(4), node(vec![id(2), id(3)], 400));
        graph.nodes.insert(id(5), node(vec![id(4), id(9)], 50));
        let order = provenance::oldest_first(&graph);
        assert_eq!(order, vec![id(1), id(3), id(2), id(4), id(5)]);
    }

    #[test]
    fn unreachable_blobs_have_a_path_naming_them() {
        let blob = ObjectId::from_hex(b"0123456789abcdef0123456789abcdef01234567").unwrap();
        let name = unreachable_blob(&blob).to_string();
        assert_eq!(name, "<blob:0123456789abcdef0123456789abcdef01234567>");
    }
}
