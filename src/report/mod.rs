//! Reporters: findings in, bytes out. Every string a reporter prints passes the run's
//! [`Redactor`]: no secret unless `--show-secrets`, and never in SARIF or GitHub annotations.

mod github;
mod json;
pub mod layout;
pub(crate) mod prose;
pub mod redact;
mod sarif;
mod text;

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::Path,
    sync::Arc,
};

use anyhow::Context;
pub use redact::Redactor;

use crate::{
    diagnostics::Diagnostics, finding::Finding, model::ScanSummary, pipeline::Pipeline,
    suppress::BaselineEntry,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable report.
    Text,
    /// One JSON array of findings (v1, unchanged).
    Json,
    /// One JSON object: version, tool, findings, summary (docs/schema/report-v2.schema.json).
    #[value(name = "json-v2")]
    JsonV2,
    /// One JSON object per line.
    Jsonl,
    /// SARIF 2.1.0 (GitHub code scanning); never includes secrets.
    Sarif,
    /// GitHub Actions annotations (`::error file=...::`); never includes secrets.
    Github,
}

#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Exposure age of history findings and the `--max-key-age` limit.
    pub key_age: crate::exposure::KeyAgePolicy,
    /// Columns the text report wraps to (set by [`write_to`] for its destination).
    pub width: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { key_age: Default::default(), width: layout::DEFAULT_WIDTH }
    }
}

pub(crate) fn write_report(
    format: Format,
    findings: &[Finding],
    summary: &ScanSummary,
    options: &ReportOptions,
    redactor: &Redactor,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(findings, summary, options, redactor, out),
        Format::Json => json::write_array(findings, options, redactor, out),
        Format::JsonV2 => json::write_report(findings, summary, options, redactor, out),
        Format::Jsonl => json::write_lines(findings, options, redactor, out),
        Format::Sarif => sarif::write(findings, redactor, out),
        Format::Github => github::write(findings, redactor, out),
    }
}

/// Writes the report to `output`, or to standard output when `None`.
pub fn write_to(
    output: Option<&Path>,
    color: layout::ColorWhen,
    format: Format,
    findings: &[Finding],
    summary: &ScanSummary,
    options: &ReportOptions,
    redactor: &Redactor,
) -> anyhow::Result<()> {
    // The text report wraps to the terminal it is shown on; a file gets the default width.
    let width = if output.is_some() { layout::DEFAULT_WIDTH } else { layout::stdout_width() };
    let options = &ReportOptions { width, ..options.clone() };
    match output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = BufWriter::new(anstream::AutoStream::new(file, color.into()));
            write_report(format, findings, summary, options, redactor, &mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut out = BufWriter::new(layout::output_stream(color));
            let written = write_report(format, findings, summary, options, redactor, &mut out)
                .and_then(|()| out.flush());
            layout::ignore_broken_pipe(written)
                .context("cannot write the report to standard output")
        }
    }
}

/// Warnings that redact what the pipeline's rules find in them and escape control characters.
pub fn diagnostics_for(pipeline: &Arc<Pipeline>, quiet: bool) -> Diagnostics {
    let pipeline = Arc::clone(pipeline);
    let diagnostics = Diagnostics::new(quiet);
    diagnostics.set_sanitizer(Box::new(move |line| redact::for_warning(pipeline.engine(), line)));
    diagnostics
}

/// The baseline entries no finding matched, for standard error.
pub fn write_stale(
    stale: &[BaselineEntry],
    redactor: &Redactor,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if stale.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "keyhound: baseline: {} entr{} no longer found (fixed, or moved to another path):",
        stale.len(),
        if stale.len() == 1 { "y" } else { "ies" }
    )?;
    for entry in stale {
        writeln!(out, "  {}", redactor.public_terminal(&entry.to_string()))?;
    }
    Ok(())
}
