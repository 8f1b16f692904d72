//! Reporters: findings in, bytes out. Every string a reporter prints passes the run's
//! [`Redactor`]: no secret unless `--show-secrets`, and never in SARIF or GitHub annotations.

mod github;
mod json;
pub mod redact;
mod sarif;
mod text;

use std::io::Write;

pub use redact::Redactor;

use crate::{finding::Finding, suppress::BaselineEntry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable report.
    Text,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// SARIF 2.1.0 (GitHub code scanning); never includes secrets.
    Sarif,
    /// GitHub Actions annotations (`::error file=...::`); never includes secrets.
    Github,
}

#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Exposure age of history findings and the `--max-key-age` limit.
    pub key_age: crate::exposure::KeyAgePolicy,
}

/// What was scanned, for the text summary.
#[derive(Debug, Clone, Default)]
pub struct ScanSummary {
    pub files: u64,
    pub bytes: u64,
    pub skipped_binary: u64,
    pub skipped_large: u64,
}

pub fn write_report(
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
        Format::Jsonl => json::write_lines(findings, options, redactor, out),
        Format::Sarif => sarif::write(findings, redactor, out),
        Format::Github => github::write(findings, redactor, out),
    }
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
