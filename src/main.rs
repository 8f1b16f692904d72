//! The `keyhound` command line. Everything it does lives in the library; this file only maps
//! arguments to a request and the outcome to an exit code.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser};
use keyhound::{
    cli::{Cli, Command, InstallHookArgs, RulesArgs, ScanArgs},
    config,
    explain::explain_rule,
    exposure::KeyAgePolicy,
    report::{
        self, Format, Redactor, ReportOptions,
        layout::{self, ColorWhen},
    },
    rule_check::check_rules_file,
    rules, run,
    suppress::{Baseline, baseline::DEFAULT_BASELINE_FILE},
};

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
        Command::Completions(args) => print_generated(|out| {
            clap_complete::generate(args.shell, &mut Cli::command(), "keyhound", out);
            Ok(())
        }),
        Command::Man => print_generated(|out| clap_mangen::Man::new(Cli::command()).render(out)),
        Command::Live(command) => command.run(),
    };
    outcome.unwrap_or_else(|err| {
        eprintln!("keyhound: error: {}", report::redact::for_error(&format!("{err:#}")));
        ExitCode::from(2)
    })
}

fn run_scan(args: ScanArgs, color: ColorWhen) -> Result<ExitCode> {
    let plan = run::Plan::new(&args.request()?)?;
    let silent = args.quiet || args.no_warnings;
    let diagnostics = report::diagnostics_for(plan.pipeline(), silent);
    let mut outcome = plan.scan(&diagnostics)?;
    args.validate.apply(&mut outcome.findings, &diagnostics)?;
    let redactor = Redactor::new(&outcome.found, Some(plan.pipeline().engine()), args.show_secrets);
    let stale = if silent { &[][..] } else { &outcome.stale };
    report::write_stale(stale, &redactor, &mut std::io::stderr().lock())?;
    let format = args.format.or(plan.config().format).unwrap_or(Format::Text);
    if args.show_secrets && matches!(format, Format::Sarif | Format::Github) {
        diagnostics
            .warn("--show-secrets", "ignored: SARIF and GitHub annotations never hold secrets");
    }
    let key_age = KeyAgePolicy::with_max_days(args.max_key_age.or(plan.config().max_key_age()));
    let options = ReportOptions { key_age, ..ReportOptions::default() };
    let (output, findings, summary) = (args.output.as_deref(), &outcome.findings, &outcome.summary);
    if !args.quiet || output.is_some() {
        report::write_to(output, color, format, findings, summary, &options, &redactor)?;
    }
    Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(args.exit_code) })
}

fn run_baseline(args: ScanArgs) -> Result<ExitCode> {
    if args.format.is_some() || args.show_secrets || args.noise.baseline.is_some() {
        bail!(
            "`keyhound baseline` writes a JSON baseline: --format, --show-secrets and --baseline do not apply"
        );
    }
    let plan = run::Plan::new(&args.request()?)?;
    let outcome =
        plan.scan(&report::diagnostics_for(plan.pipeline(), args.quiet || args.no_warnings))?;
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

/// Writes generated text (completions, the man page) to standard output; a closed pipe is fine.
fn print_generated(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    layout::ignore_broken_pipe(write(&mut out).and_then(|()| std::io::Write::flush(&mut out)))
        .context("cannot write to standard output")?;
    Ok(ExitCode::SUCCESS)
}
