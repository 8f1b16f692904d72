//! The command line's arguments (clap), with their help: what `main.rs` parses, and what the
//! completion scripts and the man page are generated from.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use crate::{
    finding::Confidence,
    report::{Format, layout::ColorWhen},
    run::{self, ScanRequest, Scope},
    sources::history::{Selection, budget::MemoryBudget},
    validate::cli::{LiveCommand, ValidateArgs},
};

const TOP_HELP: &str = "\
Exit codes:
  0  no findings
  1  findings (or N with `scan --exit-code N`)
  2  usage or runtime error, including nothing that could be read

Examples:
  keyhound scan .                       scan the working tree
  keyhound scan --history -f sarif -o keyhound.sarif .   and all of git history, as SARIF";

const SCAN_HELP: &str = "\
Exit codes: 0 no findings, 1 findings (or --exit-code N), 2 error.

Examples:
  keyhound scan --staged .                          what `git commit` would record (pre-commit)
  keyhound scan --range origin/main..HEAD -f github .   the commits of a pull request, in CI";

const RULES_HELP: &str = "\
Exit codes: 0 listed or the file is valid, 2 the file has errors or failing examples.

Examples:
  keyhound rules | grep -i stripe           the rules for one provider
  keyhound rules --check my-rules.toml      validate a custom rules file and its examples";

const INSTALL_HOOK_HELP: &str = "\
Exit codes: 0 installed, 2 not a repository or a hook already exists.

Examples:
  keyhound install-hook                     in the repository's top directory
  keyhound install-hook --force ../service  replace the existing hook of another repository";

const BASELINE_HELP: &str = "\
Exit codes: 0 written, 2 error.

Examples:
  keyhound baseline .                       record today's findings in .keyhound-baseline.json
  keyhound scan --baseline .keyhound-baseline.json .   then report only new findings";

const INIT_HELP: &str = "\
Exit codes: 0 written, 2 keyhound.toml already exists or cannot be written.

Examples:
  keyhound init                             keyhound.toml in the current directory
  keyhound init services/api                in another directory";

const EXPLAIN_HELP: &str = "\
Exit codes: 0 explained, 2 unknown rule (close ids are suggested).

Examples:
  keyhound explain github-classic-pat       rotation advice and the right Authorization header
  keyhound explain header-wrong-scheme      why a `Token <key>` header gets a 401";

const COMPLETIONS_HELP: &str = "\
Exit codes: 0 printed, 2 unknown shell.

Examples:
  keyhound completions bash > ~/.local/share/bash-completion/completions/keyhound
  keyhound completions zsh > \"${fpath[1]}/_keyhound\"";

const MAN_HELP: &str = "\
Exit codes: 0 printed.

Examples:
  keyhound man | man -l -                   read it now
  keyhound man > ~/.local/share/man/man1/keyhound.1";

/// Finds leaked credentials in working trees and git histories, and says how to rotate them.
#[derive(Parser)]
#[command(name = "keyhound", version, about, after_help = TOP_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour the text report, `explain` and `rules`: auto = on a terminal, unless NO_COLOR.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t)]
    pub color: ColorWhen,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scan a directory, a file, or `-` (standard input) for secrets.
    #[command(after_help = SCAN_HELP)]
    Scan(ScanArgs),
    /// List the built-in rules, or check a rules file.
    #[command(after_help = RULES_HELP)]
    Rules(RulesArgs),
    /// Install a git pre-commit hook that runs `keyhound scan --staged`.
    #[command(after_help = INSTALL_HOOK_HELP)]
    InstallHook(InstallHookArgs),
    /// Record the current findings (rule, path, secret hash; never the secret) in a baseline
    /// file (`-o`, default .keyhound-baseline.json); `scan --baseline FILE` then reports only
    /// findings not in it.
    #[command(after_help = BASELINE_HELP)]
    Baseline(ScanArgs),
    /// Write a commented starter keyhound.toml into DIR (never overwrites).
    #[command(after_help = INIT_HELP)]
    Init(InitArgs),
    /// Print everything about a rule: why it matters, how to rotate, how the key is sent.
    #[command(after_help = EXPLAIN_HELP)]
    Explain(ExplainArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), for `man -l -` or a man directory.
    #[command(after_help = MAN_HELP)]
    Man,
    #[command(flatten)]
    Live(LiveCommand),
}

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// The rule id, as shown in reports (`github-classic-pat`, `header-wrong-scheme`).
    pub rule_id: String,
}

#[derive(Args)]
pub struct InitArgs {
    /// Directory to write keyhound.toml into.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// Noise control: configuration, ignore file and baseline.
#[derive(Args)]
pub struct NoiseArgs {
    /// Read the configuration from FILE instead of keyhound.toml in the scan root.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Read ignored paths and fingerprints from FILE instead of .keyhoundignore.
    #[arg(long, value_name = "FILE")]
    pub(crate) ignore_file: Option<PathBuf>,
    /// Report only findings not recorded in this baseline (see `keyhound baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Report findings at least this sure: high, medium, or low (everything).
    #[arg(long, value_name = "LEVEL", default_value = "medium")]
    pub(crate) confidence: Confidence,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Directory or file to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    pub(crate) path: PathBuf,
    /// Report format [default: `format` in keyhound.toml, else text].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print secrets in full instead of their first four characters.
    #[arg(long)]
    pub show_secrets: bool,
    /// Also scan files ignored by .gitignore, .ignore and git's excludes.
    #[arg(long)]
    pub(crate) no_ignore: bool,
    /// Skip files larger than this (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", default_value = "25M", value_parser = run::parse_size)]
    pub(crate) max_file_size: u64,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub(crate) threads: Option<usize>,
    /// Print nothing (no report, warnings or progress): only the exit code tells. Errors
    /// still go to standard error; `-o FILE` is still written.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print no warnings (unreadable files, skipped objects); the report is unchanged.
    #[arg(long)]
    pub no_warnings: bool,
    /// Exit with N instead of 1 when there are findings (0: findings never fail).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub exit_code: u8,
    /// Scan only what is staged for the next commit (PATH is the repository); for pre-commit.
    #[arg(long, conflicts_with_all = ["history", "history_only", "all_objects", "since", "range"])]
    pub(crate) staged: bool,
    #[command(flatten)]
    pub noise: NoiseArgs,
    /// Also scan every blob in the git history of the repository at PATH (all refs).
    #[arg(long)]
    pub(crate) history: bool,
    /// Scan the git history only, not the working tree.
    #[arg(long)]
    pub(crate) history_only: bool,
    /// With the history, also scan blobs no commit reaches (dangling, unreachable).
    #[arg(long)]
    pub(crate) all_objects: bool,
    /// Scan only what commits after REV introduced (REV..HEAD); no working tree.
    #[arg(long, value_name = "REV", conflicts_with = "range")]
    pub(crate) since: Option<String>,
    /// Scan only what the commits of A..B introduced; no working tree.
    #[arg(long, value_name = "A..B")]
    pub(crate) range: Option<String>,
    /// With the history, also scan the histories of submodules.
    #[arg(long)]
    pub(crate) recurse_submodules: bool,
    /// Memory a whole-history scan may take (bytes, or with a K, M or G suffix; at least
    /// 64M). A pack too large for it is read in slices, and decoded trees are spilled to a
    /// temporary file in $TMPDIR: the same findings, a little more slowly. About 180 bytes per
    /// object stay in memory whatever the budget.
    #[arg(long, value_name = "SIZE", default_value = "1G")]
    pub(crate) history_memory: String,
    /// Secrets in history whose commit is older than this many days are overdue for rotation
    /// [default: `max_key_age_days` in keyhound.toml, else 90].
    #[arg(long, value_name = "DAYS")]
    pub max_key_age: Option<u64>,
    #[command(flatten)]
    pub validate: ValidateArgs,
}

impl ScanArgs {
    /// The scan this asks for.
    pub fn request(&self) -> Result<ScanRequest> {
        let whole_history = self.history || self.history_only || self.all_objects;
        let history =
            run::history_selection(self.range.as_deref(), self.since.as_deref(), whole_history)?;
        let scope = match history {
            _ if self.staged => Scope::Staged,
            Some(selection) => Scope::History {
                with_worktree: !self.history_only && selection == Selection::Everything,
                selection,
                all_objects: self.all_objects,
                recurse_submodules: self.recurse_submodules,
            },
            None => Scope::Tree,
        };
        let history_memory = run::parse_size(&self.history_memory)
            .and_then(MemoryBudget::new)
            .map_err(|problem| anyhow::anyhow!("--history-memory: {problem}"))?;
        Ok(ScanRequest {
            path: self.path.clone(),
            scope,
            no_ignore: self.no_ignore,
            max_file_size: self.max_file_size,
            history_memory,
            threads: self.threads,
            progress: !self.quiet,
            config: self.noise.config.clone(),
            ignore_file: self.noise.ignore_file.clone(),
            baseline: self.noise.baseline.clone(),
            min_confidence: self.noise.confidence,
        })
    }
}

#[derive(Args)]
pub struct RulesArgs {
    /// Check a rules file: schema, regexes, lints, and its positive and negative examples.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
}

#[derive(Args)]
pub struct InstallHookArgs {
    /// The repository (its work tree or git directory).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Replace an existing pre-commit hook.
    #[arg(long)]
    pub force: bool,
}
