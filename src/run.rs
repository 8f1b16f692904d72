//! The scan plan: which sources a request runs, on how many threads, how their findings merge,
//! and the finding-level suppression (fingerprints, baseline) over the result. `keyhound scan`
//! and `keyhound baseline` are this plus a reporter; it runs in-process, so tests call it too.

use std::{
    fs::File,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{Context, Result, bail};

use crate::{
    config::Config,
    diagnostics::Diagnostics,
    finding::{Confidence, Finding},
    input::{self, ScanPath},
    model::ScanSummary,
    pipeline::Pipeline,
    sources::{ScanStats, files, history, staged, stdin},
    suppress::BaselineEntry,
};

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The directory or file at the path; `-` is standard input.
    Tree,
    /// What is staged for the next commit in the repository at the path.
    Staged,
    /// The git history of the repository at the path.
    History {
        selection: history::Selection,
        /// Also the working tree (when the whole history is selected and there is one).
        with_worktree: bool,
        /// Also blobs that no commit reaches.
        all_objects: bool,
        recurse_submodules: bool,
    },
}

/// The history `--range A..B`, `--since REV` or (when `whole`) the whole history selects, in
/// that order of precedence; `None` when no history is asked for.
pub(crate) fn history_selection(
    range: Option<&str>,
    since: Option<&str>,
    whole: bool,
) -> Result<Option<history::Selection>> {
    use history::Selection;
    Ok(match (range, since) {
        (Some(range), _) => Some(Selection::parse_range(range)?),
        (None, Some(rev)) => Some(Selection::since(rev)),
        (None, None) => whole.then_some(Selection::Everything),
    })
}

/// One scan, as the command line describes it.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// Directory, file, or `-` for standard input.
    pub(crate) path: PathBuf,
    pub(crate) scope: Scope,
    /// Also scan files that `.gitignore`, `.ignore` and git's excludes leave out.
    pub(crate) no_ignore: bool,
    pub(crate) max_file_size: u64,
    /// The memory a whole-history scan may take.
    pub(crate) history_memory: history::budget::MemoryBudget,
    /// Worker threads; `None` is one per core.
    pub(crate) threads: Option<usize>,
    /// Draw a progress bar for history scans (only when stderr is a terminal).
    pub(crate) progress: bool,
    /// `keyhound.toml` to use instead of the one in the scan root.
    pub(crate) config: Option<PathBuf>,
    /// Ignore file to use instead of `.keyhoundignore`.
    pub(crate) ignore_file: Option<PathBuf>,
    /// Report only findings not in this baseline.
    pub(crate) baseline: Option<PathBuf>,
    /// Report only findings at least this sure (`--confidence`).
    pub(crate) min_confidence: Confidence,
}

impl ScanRequest {
    /// A working-tree scan of `path` with the command line's defaults.
    #[cfg(test)]
    pub(crate) fn tree(path: impl Into<PathBuf>) -> Self {
        ScanRequest {
            path: path.into(),
            scope: Scope::Tree,
            no_ignore: false,
            max_file_size: 25 << 20,
            history_memory: history::budget::MemoryBudget::default(),
            threads: None,
            progress: false,
            config: None,
            ignore_file: None,
            baseline: None,
            min_confidence: Confidence::Medium,
        }
    }

    fn is_stdin(&self) -> bool {
        self.path == Path::new("-")
    }
}

/// What a scan found.
#[derive(Debug)]
pub struct Outcome {
    /// Every finding, suppressed ones too: the run's secrets, which no output may show.
    pub found: Vec<Finding>,
    /// The reportable findings: after the ignore file's fingerprints and the baseline.
    pub findings: Vec<Finding>,
    /// Baseline entries that matched no finding: fixed, or moved to another path.
    pub stale: Vec<BaselineEntry>,
    pub summary: ScanSummary,
}

/// A request with its configuration loaded and its pipeline built, ready to scan. Building
/// it first lets the caller set up what depends on the rules (warnings that redact secrets)
/// before anything is read.
#[derive(Debug)]
pub struct Plan {
    request: ScanRequest,
    config: Config,
    pipeline: Arc<Pipeline>,
}

impl Plan {
    pub fn new(request: &ScanRequest) -> Result<Plan> {
        let config = Config::for_scan(&request.path, request.config.as_deref())?;
        let suppressions = config.suppressions(
            &request.path,
            request.ignore_file.as_deref(),
            request.baseline.as_deref(),
        )?;
        let pipeline = Arc::new(config.pipeline(suppressions)?);
        Ok(Plan { request: request.clone(), config, pipeline })
    }

    /// The configuration the scan runs with (report format, key-age policy).
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn pipeline(&self) -> &Arc<Pipeline> {
        &self.pipeline
    }

    /// Runs the scan. Warnings go to `diagnostics` as they happen.
    pub fn scan(&self, diagnostics: &Diagnostics) -> Result<Outcome> {
        let (request, pipeline) = (&self.request, &*self.pipeline);
        let stats = ScanStats::default();
        let threads = request.threads.map(|requested| capped_threads(requested, diagnostics));
        let collect = || collect(request, threads.unwrap_or(0), pipeline, diagnostics, &stats);
        let found = match threads {
            // Blob scanning runs on rayon's pool; the working-tree walk has its own threads.
            Some(threads) => rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .context("cannot start the worker threads")?
                .install(collect)?,
            None => collect()?,
        };
        let mut filtered = pipeline.suppressions().filter_findings(found.clone());
        filtered.findings.retain(|f| f.confidence >= request.min_confidence);
        Ok(Outcome {
            found,
            findings: filtered.findings,
            stale: filtered.stale,
            summary: stats.summary(),
        })
    }
}

/// Plans and runs `request` (the tests' way in; the command line keeps the plan to report
/// what it will do first).
#[cfg(test)]
fn scan(request: &ScanRequest, diagnostics: &Diagnostics) -> Result<Outcome> {
    Plan::new(request)?.scan(diagnostics)
}

/// Staged and history scans read a whole repository from its top: a subdirectory of one gets
/// an error that names the repository's root and the command to run there.
fn refuse_a_subdirectory(request: &ScanRequest) -> Result<()> {
    let flag = match &request.scope {
        Scope::Tree => return Ok(()),
        Scope::Staged => "--staged",
        Scope::History {
            selection: history::Selection::Everything, with_worktree: false, ..
        } => "--history-only",
        Scope::History { selection: history::Selection::Everything, .. } => "--history",
        Scope::History { .. } => "--range",
    };
    let path = &request.path;
    if request.is_stdin() || crate::git::is_repository(path) {
        return Ok(());
    }
    match crate::git::enclosing_repository(path) {
        Some(root) => bail!(
            "{}: not the top of a git repository; {flag} reads the whole repository at {}: run \
             `keyhound scan {flag} {}` (or drop {flag} to scan only this directory's files)",
            path.display(),
            root.display(),
            root.display()
        ),
        None => Ok(()),
    }
}

/// `-j requested`, capped at a few threads per core (with a warning).
fn capped_threads(requested: usize, diagnostics: &Diagnostics) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (threads, warning) = input::capped_threads(requested, cores);
    if let Some(warning) = warning {
        diagnostics.warn(&format!("-j {requested}"), warning);
    }
    threads
}

/// Every finding of the request's sources, before finding-level suppression. `threads` is
/// the walk's (0: one per core).
fn collect(
    request: &ScanRequest,
    threads: usize,
    pipeline: &Pipeline,
    diagnostics: &Diagnostics,
    stats: &ScanStats,
) -> Result<Vec<Finding>> {
    let walk = files::WalkOptions {
        no_ignore: request.no_ignore,
        max_file_size: request.max_file_size,
        threads,
    };
    let path = &request.path;
    refuse_a_subdirectory(request)?;
    Ok(match &request.scope {
        Scope::Staged => {
            if request.is_stdin() {
                bail!("--staged scans a repository's index, not standard input");
            }
            let options = staged::StagedOptions {
                max_file_size: request.max_file_size,
                index_file: std::env::var_os("GIT_INDEX_FILE").map(PathBuf::from),
            };
            staged::scan_staged(pipeline, path, &options, diagnostics, stats)?
        }
        Scope::History { selection, with_worktree, all_objects, recurse_submodules } => {
            if request.is_stdin() {
                bail!("--history needs a repository, not standard input");
            }
            let options = history::HistoryOptions {
                selection: selection.clone(),
                all_objects: *all_objects,
                max_file_size: request.max_file_size,
                recurse_submodules: *recurse_submodules,
                progress: request.progress,
                memory: request.history_memory,
            };
            let in_history = history::scan_history(pipeline, path, &options, diagnostics, stats)?;
            let worktree = if *with_worktree && path.join(".git").exists() {
                files::scan_tree(pipeline, path, &walk, diagnostics, stats)
            } else {
                Vec::new()
            };
            history::merge_with_worktree(worktree, in_history)
        }
        Scope::Tree => match input::scan_path_kind(path)? {
            ScanPath::Stdin => stdin::scan_stdin(pipeline, request.max_file_size)?,
            ScanPath::Stream => {
                let name = path.display().to_string();
                let stream = File::open(path).with_context(|| format!("cannot read {name}"))?;
                stdin::scan_stream(pipeline, stream, &name, &name, request.max_file_size)?
            }
            ScanPath::Tree => files::scan_tree(pipeline, path, &walk, diagnostics, stats),
        },
    })
}

/// `25M`, `512K`, `1G` (binary multiples) or plain bytes.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits_end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a size"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}` (use K, M or G)")),
    };
    number.checked_mul(multiplier).ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fake::FakeGen, suppress::Baseline};

    fn token() -> String {
        FakeGen::new(11).crc32_token("ghp_")
    }

    #[test]
    fn a_tree_scan_finds_a_token_in_process() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), format!("T = \"{}\"\n", token())).unwrap();
        let outcome = scan(&ScanRequest::tree(dir.path()), &Diagnostics::new(true)).unwrap();
        let ids: Vec<&str> = outcome.findings.iter().map(|f| f.rule.id.as_str()).collect();
        assert_eq!(ids, ["github-classic-pat"]);
        assert_eq!(outcome.summary.files, 1);
    }

    #[test]
    fn a_baseline_hides_what_it_records_and_reports_what_went_stale() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.py");
        std::fs::write(&file, format!("T = \"{}\"\n", token())).unwrap();
        let quiet = Diagnostics::new(true);
        let recorded = dir.path().join("baseline.json");
        let found = scan(&ScanRequest::tree(dir.path()), &quiet).unwrap().findings;
        assert_eq!(found.len(), 1);
        std::fs::write(&recorded, Baseline::from_findings(&found).to_json()).unwrap();
        let request = ScanRequest { baseline: Some(recorded), ..ScanRequest::tree(dir.path()) };
        assert!(scan(&request, &quiet).unwrap().findings.is_empty());
        std::fs::write(&file, "T = None\n").unwrap();
        let outcome = scan(&request, &quiet).unwrap();
        assert!(outcome.findings.is_empty());
        assert_eq!(outcome.stale.len(), 1);
    }

    #[test]
    fn a_missing_path_or_staged_stdin_is_an_error() {
        let quiet = Diagnostics::new(true);
        let missing = ScanRequest::tree("/nonexistent/keyhound/path");
        assert!(scan(&missing, &quiet).unwrap_err().to_string().contains("no such file"));
        let staged = ScanRequest { scope: Scope::Staged, ..ScanRequest::tree("-") };
        assert!(scan(&staged, &quiet).is_err());
    }

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("25M"), Ok(25 << 20));
        assert_eq!(parse_size("512 k"), Ok(512 << 10));
        assert_eq!(parse_size("7"), Ok(7));
        assert!(parse_size("1T").unwrap_err().contains("unknown size unit"));
        assert!(parse_size("99999999999G").unwrap_err().contains("too large"));
    }

    #[test]
    fn a_thread_count_runs_on_its_own_pool() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), format!("T = \"{}\"\n", token())).unwrap();
        let request = ScanRequest { threads: Some(1), ..ScanRequest::tree(dir.path()) };
        assert_eq!(scan(&request, &Diagnostics::new(true)).unwrap().findings.len(), 1);
    }
}
