//! The `keyhound` command line. Everything it does lives in the library; this file only maps
//! arguments to a request and the outcome to an exit code.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use keyhound::{
    config,
    explain::explain_rule,
    exposure::KeyAgePolicy,
    report::{
        self, Format, Redactor, ReportOptions,
        layout::{self, ColorWhen},
    },
    rule_check::check_rules_file,
    rules,
    run::{self, ScanRequest, Scope},
    sources::history::Selection,
    suppress::{Baseline, baseline::DEFAULT_BASELINE_FILE},
    validate::cli::{LiveCommand, ValidateArgs},
};

/// Finds leaked credentials in working trees and git histories, and says how to rotate them.
#[derive(Parser)]
#[command(name = "keyhound", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour the text report, `explain` and `rules`: auto = on a terminal, unless NO_COLOR.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t)]
    color: ColorWhen,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a directory, a file, or `-` (standard input) for secrets.
    Scan(ScanArgs),
    /// List the built-in rules, or check a rules file.
    Rules(RulesArgs),
    /// Install a git pre-commit hook that runs `keyhound scan --staged`.
    InstallHook(InstallHookArgs),
    /// Record the current findings (rule, path, secret hash; never the secret) in a baseline
    /// file (`-o`, default .keyhound-baseline.json); `scan --baseline FILE` then reports only
    /// findings not in it.
    Baseline(ScanArgs),
    /// Write a commented starter keyhound.toml into DIR (never overwrites).
    Init(InitArgs),
    /// Print everything about a rule: why it matters, how to rotate, how the key is sent.
    Explain(ExplainArgs),
    #[command(flatten)]
    Live(LiveCommand),
}

#[derive(Args)]
struct ExplainArgs {
    /// The rule id, as shown in reports (`github-classic-pat`, `header-wrong-scheme`).
    rule_id: String,
}

#[derive(Args)]
struct InitArgs {
    /// Directory to write keyhound.toml into.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// Noise control: configuration, ignore file and baseline.
#[derive(Args)]
struct NoiseArgs {
    /// Read the configuration from FILE instead of keyhound.toml in the scan root.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Read ignored paths and fingerprints from FILE instead of .keyhoundignore.
    #[arg(long, value_name = "FILE")]
    ignore_file: Option<PathBuf>,
    /// Report only findings not recorded in this baseline (see `keyhound baseline`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
}

#[derive(Args)]
struct ScanArgs {
    /// Directory or file to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Report format [default: `format` in keyhound.toml, else text].
    #[arg(long, short = 'f', value_enum)]
    format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print secrets in full instead of their first four characters.
    #[arg(long)]
    show_secrets: bool,
    /// Also scan files ignored by .gitignore, .ignore and git's excludes.
    #[arg(long)]
    no_ignore: bool,
    /// Skip files larger than this (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", default_value = "25M", value_parser = run::parse_size)]
    max_file_size: u64,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Print no warnings.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Scan only what is staged for the next commit (PATH is the repository); for pre-commit.
    #[arg(long, conflicts_with_all = ["history", "history_only", "all_objects", "since", "range"])]
    staged: bool,
    #[command(flatten)]
    noise: NoiseArgs,
    /// Also scan every blob in the git history of the repository at PATH (all refs).
    #[arg(long)]
    history: bool,
    /// Scan the git history only, not the working tree.
    #[arg(long)]
    history_only: bool,
    /// With the history, also scan blobs no commit reaches (dangling, unreachable).
    #[arg(long)]
    all_objects: bool,
    /// Scan only what commits after REV introduced (REV..HEAD); no working tree.
    #[arg(long, value_name = "REV", conflicts_with = "range")]
    since: Option<String>,
    /// Scan only what the commits of A..B introduced; no working tree.
    #[arg(long, value_name = "A..B")]
    range: Option<String>,
    /// With the history, also scan the histories of submodules.
    #[arg(long)]
    recurse_submodules: bool,
    /// Secrets in history whose commit is older than this many days are overdue for rotation
    /// [default: `max_key_age_days` in keyhound.toml, else 90].
    #[arg(long, value_name = "DAYS")]
    max_key_age: Option<u64>,
    #[command(flatten)]
    validate: ValidateArgs,
}

impl ScanArgs {
    fn request(&self) -> Result<ScanRequest> {
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
        Ok(ScanRequest {
            path: self.path.clone(),
            scope,
            no_ignore: self.no_ignore,
            max_file_size: self.max_file_size,
            threads: self.threads,
            progress: !self.quiet,
            config: self.noise.config.clone(),
            ignore_file: self.noise.ignore_file.clone(),
            baseline: self.noise.baseline.clone(),
        })
    }
}

#[derive(Args)]
struct RulesArgs {
    /// Check a rules file: schema, regexes, lints, and its positive and negative examples.
    #[arg(long, value_name = "FILE")]
    check: Option<PathBuf>,
}

#[derive(Args)]
struct InstallHookArgs {
    /// The repository (its work tree or git directory).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Replace an existing pre-commit hook.
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = cli.color;
    let outcome = match cli.command {
        Command::Scan(args) => run_scan(args, color),
        Command::Rules(args) => run_rules(args, color),
        Command::InstallHook(args) => run_install_hook(args),
        Command::Baseline(args) => run_baseline(args),
        Command::Init(args) => config::write_starter(&args.dir).map(|path| {
            eprintln!("keyhound: wrote {}", path.display());
            ExitCode::SUCCESS
        }),
        Command::Explain(args) => explain_rule(&args.rule_id, layout::stdout_width())
            .and_then(|text| Ok(layout::print_stdout(&text, color)?))
            .map(|()| ExitCode::SUCCESS),
        Command::Live(command) => command.run(),
    };
    outcome.unwrap_or_else(|err| {
        eprintln!("keyhound: error: {}", format!("{err:#}").replace('\n', " "));
        ExitCode::from(2)
    })
}

fn run_scan(args: ScanArgs, color: ColorWhen) -> Result<ExitCode> {
    let plan = run::Plan::new(&args.request()?)?;
    let diagnostics = report::diagnostics_for(plan.pipeline(), args.quiet);
    let mut outcome = plan.scan(&diagnostics)?;
    args.validate.apply(&mut outcome.findings, &diagnostics)?;
    let redactor = Redactor::new(&outcome.found, Some(plan.pipeline().engine()), args.show_secrets);
    let stale = if args.quiet { &[][..] } else { &outcome.stale };
    report::write_stale(stale, &redactor, &mut std::io::stderr().lock())?;
    let format = args.format.or(plan.config().format).unwrap_or(Format::Text);
    if args.show_secrets && matches!(format, Format::Sarif | Format::Github) {
        diagnostics
            .warn("--show-secrets", "ignored: SARIF and GitHub annotations never hold secrets");
    }
    let key_age = KeyAgePolicy::with_max_days(args.max_key_age.or(plan.config().max_key_age()));
    let options = ReportOptions { key_age, ..ReportOptions::default() };
    let (output, findings, summary) = (args.output.as_deref(), &outcome.findings, &outcome.summary);
    report::write_to(output, color, format, findings, summary, &options, &redactor)?;
    Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn run_baseline(args: ScanArgs) -> Result<ExitCode> {
    if args.format.is_some() || args.show_secrets || args.noise.baseline.is_some() {
        bail!(
            "`keyhound baseline` writes a JSON baseline: --format, --show-secrets and --baseline do not apply"
        );
    }
    let plan = run::Plan::new(&args.request()?)?;
    let outcome = plan.scan(&report::diagnostics_for(plan.pipeline(), args.quiet))?;
    let redactor = Redactor::new(&outcome.found, Some(plan.pipeline().engine()), false);
    // A baseline is committed: a path holding a secret is stored redacted (it still matches).
    let baseline = Baseline::from_findings(&outcome.findings).redact_paths(|p| redactor.public(p));
    let path = args.output.unwrap_or_else(|| PathBuf::from(DEFAULT_BASELINE_FILE));
    baseline.write(&path)?;
    let (path, entries, findings) = (path.display(), baseline.len(), outcome.findings.len());
    if !args.quiet {
        eprintln!("keyhound: wrote {path} ({entries} entries for {findings} finding(s))");
    }
    Ok(ExitCode::SUCCESS)
}

fn run_rules(args: RulesArgs, color: ColorWhen) -> Result<ExitCode> {
    let Some(path) = args.check else {
        let table = layout::rules_table(&rules::builtin_rules()?, layout::stdout_width());
        layout::print_stdout(&table, color)?;
        return Ok(ExitCode::SUCCESS);
    };
    let checked = check_rules_file(&path)?;
    eprint!("{}", checked.problems());
    println!("{}", checked.verdict(&path)?);
    Ok(ExitCode::SUCCESS)
}

fn run_install_hook(args: InstallHookArgs) -> Result<ExitCode> {
    let keyhound = std::env::current_exe().context("cannot locate the keyhound binary")?;
    println!("installed {}", keyhound::hook::install(&args.path, &keyhound, args.force)?.display());
    Ok(ExitCode::SUCCESS)
}
