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
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<HistoryView<'a>>,
}

/// Where history holds the secret: the introducing blob and line, whether it is still
/// there, and the other places it occurs.
#[derive(Serialize)]
struct HistoryView<'a> {
    blob: &'a str,
    line: usize,
    in_head: Option<bool>,
    in_worktree: Option<bool>,
    occurrences: Vec<OccurrenceView<'a>>,
}

#[derive(Serialize)]
struct OccurrenceView<'a> {
    /// `null` for a blob no commit reaches.
    commit: Option<&'a str>,
    path: &'a str,
    line: usize,
    blob: &'a str,
}

impl<'a> HistoryView<'a> {
    fn new(p: &'a Provenance) -> Self {
        HistoryView {
            blob: &p.blob,
            line: p.line,
            in_head: p.in_head,
            in_worktree: p.in_worktree,
            occurrences: p
                .occurrences
                .iter()
                .map(|o| OccurrenceView {
                    commit: Some(o.commit.as_str()).filter(|c| !c.is_empty()),
                    path: &o.path,
                    line: o.line,
                    blob: &o.blob,
                })
                .collect(),
        }
    }
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
        // A blob no commit reaches has history but no commit.
        commit: finding.provenance.as_ref().filter(|p| !p.commit.is_empty()).map(CommitView::new),
        history: finding.provenance.as_ref().map(HistoryView::new),
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
