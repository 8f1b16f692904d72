//! `--format json` (one array) and `--format jsonl` (one object per line).

use std::io::Write;

use serde::Serialize;

use super::ReportOptions;
use crate::{
    finding::{Finding, Provenance},
    rules::{Rotation, Severity},
};

#[derive(Serialize)]
struct FindingView<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    provider: &'a str,
    severity: Severity,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    secret: String,
    secret_sha256: &'a str,
    fingerprint: &'a str,
    snippet: &'a str,
    rotation: &'a Rotation,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<CommitView<'a>>,
}

#[derive(Serialize)]
struct CommitView<'a> {
    id: &'a str,
    author_name: &'a str,
    author_email: &'a str,
    time: i64,
    summary: &'a str,
    blob: &'a str,
}

impl<'a> CommitView<'a> {
    fn new(p: &'a Provenance) -> Self {
        CommitView {
            id: &p.commit,
            author_name: &p.author_name,
            author_email: &p.author_email,
            time: p.time,
            summary: &p.summary,
            blob: &p.blob,
        }
    }
}

fn view<'a>(finding: &'a Finding, options: &ReportOptions) -> FindingView<'a> {
    FindingView {
        rule_id: &finding.rule.id,
        rule_name: &finding.rule.name,
        provider: &finding.rule.provider,
        severity: finding.rule.severity,
        path: &finding.path,
        line: finding.span.line,
        column: finding.span.column,
        end_line: finding.span.end_line,
        end_column: finding.span.end_column,
        secret: if options.show_secrets {
            finding.secret.clone()
        } else {
            finding.redacted_secret()
        },
        secret_sha256: &finding.secret_sha256,
        fingerprint: &finding.fingerprint,
        snippet: &finding.snippet,
        rotation: &finding.rule.rotation,
        commit: finding.provenance.as_ref().map(CommitView::new),
    }
}

pub(super) fn write_array(
    findings: &[Finding],
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let views: Vec<_> = findings.iter().map(|f| view(f, options)).collect();
    serde_json::to_writer_pretty(&mut *out, &views)?;
    writeln!(out)
}

pub(super) fn write_lines(
    findings: &[Finding],
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for finding in findings {
        serde_json::to_writer(&mut *out, &view(finding, options))?;
        writeln!(out)?;
    }
    Ok(())
}
