//! Reporters: findings in, bytes out. No reporter prints a secret unless `show_secrets`.

mod json;
mod text;

use std::io::Write;

use crate::finding::Finding;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable report.
    Text,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub show_secrets: bool,
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
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(findings, summary, options, out),
        Format::Json => json::write_array(findings, options, out),
        Format::Jsonl => json::write_lines(findings, options, out),
    }
}
