//! The `keyhound` command line. Everything it does lives in the library; this file only
//! parses arguments, wires sources to reporters and picks the exit code.

use std::{
    collections::HashSet,
    fs::File,
    io::{BufWriter, Write},
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use keyhound::{
    config::{self, Config},
    diagnostics::Diagnostics,
    engine::Engine,
    explain::{explain, suggestions},
    exposure::KeyAgePolicy,
    finding::Finding,
    report::{Format, Redactor, ReportOptions, ScanSummary, redact, write_report, write_stale},
    rule_check::check_examples,
    rules::{self, Rule},
    sources::{ScanStats, files, history, staged, stdin},
    suppress::{Baseline, baseline::DEFAULT_BASELINE_FILE},
};

/// Finds leaked credentials in working trees and git histories, and says how to rotate them.
#[derive(Parser)]
#[command(name = "keyhound", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    #[arg(long, value_name = "SIZE", default_value = "25M", value_parser = parse_size)]
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
}

impl ScanArgs {
    fn history_selection(&self) -> Result<Option<history::Selection>> {
        Ok(if let Some(range) = &self.range {
            Some(history::Selection::parse_range(range)?)
        } else if let Some(rev) = &self.since {
            Some(history::Selection::since(rev))
        } else if self.history || self.history_only || self.all_objects {
            Some(history::Selection::Everything)
        } else {
            None
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
    let outcome = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Rules(args) => run_rules(args),
        Command::InstallHook(args) => run_install_hook(args),
        Command::Baseline(args) => run_baseline(args),
        Command::Init(args) => run_init(args),
        Command::Explain(args) => run_explain(&args.rule_id),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("keyhound: error: {}", one_line(&err));
            ExitCode::from(2)
        }
    }
}

fn one_line(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}

fn build_engine(rules: Vec<Rule>) -> Result<Engine> {
    rules::check_unique_ids(&rules)?;
    Ok(Engine::new(rules, Default::default())?)
}

fn run_scan(args: ScanArgs) -> Result<ExitCode> {
    let (config, engine) = prepare(&args)?;
    let diagnostics = diagnostics_for(&engine, args.quiet);
    let (found, summary) = collect(&args, &engine, &diagnostics)?;
    // Every secret of the run, suppressed ones too, is redacted wherever it appears.
    let redactor = Redactor::new(&found, Some(&engine), args.show_secrets);
    let filtered = engine.suppressions().filter_findings(found.clone());
    if !args.quiet {
        write_stale(&filtered.stale, &redactor, &mut std::io::stderr().lock())?;
    }
    let findings = filtered.findings;
    let format = args.format.or(config.format).unwrap_or(Format::Text);
    if args.show_secrets && matches!(format, Format::Sarif | Format::Github) {
        diagnostics
            .warn("--show-secrets", "ignored: SARIF and GitHub annotations never hold secrets");
    }
    let max_days = args.max_key_age.or(config.max_key_age_days.map(u64::from));
    let options = ReportOptions {
        key_age: KeyAgePolicy {
            max_days: max_days.unwrap_or(keyhound::exposure::DEFAULT_MAX_KEY_AGE_DAYS),
            now: None,
        },
    };
    emit(format, args.output.as_deref(), &findings, &summary, &options, &redactor)?;
    Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Warnings that redact what the rules find in them and escape control characters.
fn diagnostics_for(engine: &Arc<Engine>, quiet: bool) -> Diagnostics {
    let engine = Arc::clone(engine);
    let diagnostics = Diagnostics::new(quiet);
    diagnostics.set_sanitizer(Box::new(move |line| redact::for_warning(&engine, line)));
    diagnostics
}

/// The configuration, and the engine with the configured rules and suppressions.
fn prepare(args: &ScanArgs) -> Result<(Config, Arc<Engine>)> {
    let config = Config::for_scan(&args.path, args.noise.config.as_deref())?;
    let suppressions = config.suppressions(
        &args.path,
        args.noise.ignore_file.as_deref(),
        args.noise.baseline.as_deref(),
    )?;
    let engine = config.engine(suppressions)?;
    Ok((config, Arc::new(engine)))
}

/// Every finding of the scan's source, before finding-level suppression.
fn collect(
    args: &ScanArgs,
    engine: &Engine,
    diagnostics: &Diagnostics,
) -> Result<(Vec<Finding>, ScanSummary)> {
    let stats = ScanStats::default();
    if let Some(threads) = args.threads {
        // Blob scanning runs on rayon's pool; the working-tree walk has its own threads.
        rayon::ThreadPoolBuilder::new().num_threads(threads).build_global().ok();
    }
    let walk = files::WalkOptions {
        no_ignore: args.no_ignore,
        max_file_size: args.max_file_size,
        threads: args.threads.unwrap_or(0),
    };
    let selection = args.history_selection()?;
    let findings = if args.staged {
        if args.path == Path::new("-") {
            bail!("--staged scans a repository's index, not standard input");
        }
        let options = staged::StagedOptions {
            max_file_size: args.max_file_size,
            index_file: std::env::var_os("GIT_INDEX_FILE").map(PathBuf::from),
        };
        staged::scan_staged(engine, &args.path, &options, diagnostics, &stats)?
    } else if let Some(selection) = selection {
        if args.path == Path::new("-") {
            bail!("--history needs a repository, not standard input");
        }
        let worktree_too = !args.history_only
            && selection == history::Selection::Everything
            && args.path.join(".git").exists();
        let options = history::HistoryOptions {
            selection,
            all_objects: args.all_objects,
            max_file_size: args.max_file_size,
            recurse_submodules: args.recurse_submodules,
            progress: !args.quiet,
        };
        let in_history = history::scan_history(engine, &args.path, &options, diagnostics, &stats)?;
        let worktree = if worktree_too {
            files::scan_tree(engine, &args.path, &walk, diagnostics, &stats)
        } else {
            Vec::new()
        };
        history::merge_with_worktree(worktree, in_history)
    } else if args.path == Path::new("-") {
        stdin::scan_stdin(engine, args.max_file_size)?
    } else {
        if !args.path.exists() {
            bail!("{}: no such file or directory", args.path.display());
        }
        files::scan_tree(engine, &args.path, &walk, diagnostics, &stats)
    };
    Ok((findings, stats.summary()))
}

fn run_baseline(args: ScanArgs) -> Result<ExitCode> {
    if args.format.is_some() || args.show_secrets || args.noise.baseline.is_some() {
        bail!(
            "`keyhound baseline` writes a JSON baseline: --format, --show-secrets and --baseline do not apply"
        );
    }
    let (_, engine) = prepare(&args)?;
    let diagnostics = diagnostics_for(&engine, args.quiet);
    let (found, _) = collect(&args, &engine, &diagnostics)?;
    let redactor = Redactor::new(&found, Some(&engine), false);
    let findings = engine.suppressions().filter_findings(found).findings;
    // A baseline is committed: a path holding a secret is stored redacted (it still matches).
    let baseline = Baseline::from_findings(&findings).redact_paths(|path| redactor.public(path));
    let path = args.output.unwrap_or_else(|| PathBuf::from(DEFAULT_BASELINE_FILE));
    std::fs::write(&path, baseline.to_json())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if !args.quiet {
        eprintln!(
            "keyhound: wrote {} ({} entries for {} finding(s))",
            path.display(),
            baseline.len(),
            findings.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_init(args: InitArgs) -> Result<ExitCode> {
    let path = args.dir.join(config::CONFIG_FILE_NAME);
    config::write_starter(&path)?;
    eprintln!("keyhound: wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn emit(
    format: Format,
    output: Option<&Path>,
    findings: &[Finding],
    summary: &ScanSummary,
    options: &ReportOptions,
    redactor: &Redactor,
) -> Result<()> {
    match output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = BufWriter::new(file);
            write_report(format, findings, summary, options, redactor, &mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            write_report(format, findings, summary, options, redactor, &mut out)
                .and_then(|()| out.flush())
                .context("cannot write the report to standard output")
        }
    }
}

fn run_rules(args: RulesArgs) -> Result<ExitCode> {
    let builtin = rules::builtin_rules()?;
    let Some(path) = args.check else {
        let mut out = std::io::stdout().lock();
        for rule in &builtin {
            writeln!(
                out,
                "{:<40} {:<10} {:<9} {}",
                rule.id, rule.provider, rule.severity, rule.name
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    let checked = rules::load_rules_file(&path)?;
    rules::check_unique_ids(&checked)?;
    let ids: HashSet<String> = checked.iter().map(|r| r.id.clone()).collect();
    // The checked file replaces built-in rules of the same ids, so a built-in file checks too.
    let mut all: Vec<Rule> = builtin.into_iter().filter(|r| !ids.contains(&r.id)).collect();
    all.extend(checked);
    let engine = build_engine(all)?;
    for lint in engine.lints().iter().filter(|l| ids.contains(&l.rule_id)) {
        eprintln!("keyhound: warning: {lint}");
    }
    let failures = check_examples(&engine, Some(&ids));
    for failure in &failures {
        eprintln!("{failure}");
    }
    if failures.is_empty() {
        println!("{}: {} rule(s) ok", path.display(), ids.len());
        Ok(ExitCode::SUCCESS)
    } else {
        bail!("{}: {} example(s) failed", path.display(), failures.len())
    }
}

fn run_install_hook(args: InstallHookArgs) -> Result<ExitCode> {
    let keyhound = std::env::current_exe().context("cannot locate the keyhound binary")?;
    let hook = keyhound::hook::install(&args.path, &keyhound, args.force)?;
    println!("installed {}", hook.display());
    Ok(ExitCode::SUCCESS)
}

fn run_explain(rule_id: &str) -> Result<ExitCode> {
    let rules = rules::builtin_rules()?;
    match rules.iter().find(|rule| rule.id == rule_id) {
        Some(rule) => {
            print!("{}", explain(rule));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let close = suggestions(rule_id, rules.iter().map(|rule| rule.id.as_str()));
            let hint = if close.is_empty() {
                "; `keyhound rules` lists them".to_string()
            } else {
                format!("; did you mean {}?", close.join(", "))
            };
            bail!("unknown rule `{rule_id}`{hint}")
        }
    }
}

/// `25M`, `512K`, `1G` (binary multiples) or plain bytes.
fn parse_size(text: &str) -> Result<u64, String> {
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
