//! `--format json` (v1: one array of findings, kept as it is), `--format json-v2` (one object:
//! `version`, `tool`, `findings`, `summary`; described by `docs/schema/report-v2.schema.json`)
//! and `--format jsonl` (one finding per line). A finding has the same shape in all three.

use std::{borrow::Cow, collections::BTreeMap, io::Write};

use serde::Serialize;

use super::{ReportOptions, redact::Redactor};
use crate::{
    exposure::HISTORY_ADVICE,
    finding::{Confidence, Finding, Part, Provenance},
    model::{ScanSummary, Validation},
    rules::{Rotation, Severity},
};

#[derive(Serialize)]
struct FindingView<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    provider: &'a str,
    severity: Severity,
    confidence: Confidence,
    /// Why the confidence is below the rule's, when a judgement of the value lowered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence_reason: Option<&'static str>,
    path: Cow<'a, str>,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    secret: String,
    secret_sha256: &'a str,
    fingerprint: &'a str,
    snippet: Cow<'a, str>,
    rotation: &'a Rotation,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<CommitView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<HistoryView<'a>>,
    /// Days since the introducing commit (history findings only).
    #[serde(skip_serializing_if = "Option::is_none")]
    exposure_days: Option<u64>,
    /// Whether that exceeds `--max-key-age`.
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_overdue: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history_advice: Option<&'static str>,
    /// `scan --validate` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    validation: Option<&'a Validation>,
    /// How the secret was wrapped (`base64`, `hex`, `base64+base64`) when keyhound found it by
    /// decoding the span at `line`/`column`.
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<String>,
    /// The credential's other part, reported with it (an AWS access key id beside its secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    part: Option<PartView<'a>>,
}

/// Where the credential's other part is, in the finding's file, and its value as `secret` is.
#[derive(Serialize)]
struct PartView<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    secret: String,
    secret_sha256: &'a str,
}

impl<'a> PartView<'a> {
    fn new(part: &'a Part, redactor: &Redactor) -> Self {
        PartView {
            rule_id: &part.rule.id,
            rule_name: &part.rule.name,
            line: part.span.line,
            column: part.span.column,
            end_line: part.span.end_line,
            end_column: part.span.end_column,
            secret: redactor.part_secret(part),
            secret_sha256: &part.secret_sha256,
        }
    }
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
    path: Cow<'a, str>,
    line: usize,
    blob: &'a str,
}

impl<'a> HistoryView<'a> {
    fn new(p: &'a Provenance, redactor: &Redactor) -> Self {
        HistoryView {
            blob: p.blob.as_deref().unwrap_or_default(),
            line: p.line,
            in_head: p.in_head,
            in_worktree: p.in_worktree,
            occurrences: p
                .occurrences
                .iter()
                .map(|o| OccurrenceView {
                    commit: o.commit.as_deref(),
                    path: redactor.location(&o.location),
                    line: o.line,
                    blob: o.blob.as_deref().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct CommitView<'a> {
    id: &'a str,
    author_name: Cow<'a, str>,
    author_email: Cow<'a, str>,
    time: i64,
    summary: Cow<'a, str>,
    blob: &'a str,
}

impl<'a> CommitView<'a> {
    fn new(id: &'a str, p: &'a Provenance, redactor: &Redactor) -> Self {
        CommitView {
            id,
            author_name: redactor.text(&p.author_name),
            author_email: redactor.text(&p.author_email),
            time: p.time,
            summary: redactor.text(&p.summary),
            blob: p.blob.as_deref().unwrap_or_default(),
        }
    }
}

fn view<'a>(finding: &'a Finding, options: &ReportOptions, redactor: &Redactor) -> FindingView<'a> {
    let exposure = options.key_age.exposure(finding);
    FindingView {
        rule_id: &finding.rule.id,
        rule_name: &finding.rule.name,
        provider: &finding.rule.provider,
        severity: finding.rule.severity,
        confidence: finding.confidence,
        confidence_reason: finding.demotion.map(|d| d.reason()),
        path: redactor.location(&finding.location),
        line: finding.span.line,
        column: finding.span.column,
        end_line: finding.span.end_line,
        end_column: finding.span.end_column,
        secret: redactor.secret(finding),
        secret_sha256: &finding.secret_sha256,
        fingerprint: &finding.fingerprint,
        snippet: redactor.text(&finding.snippet),
        rotation: &finding.rule.rotation,
        description: &finding.rule.description,
        // A blob no commit reaches has history but no commit.
        commit: finding
            .provenance
            .as_ref()
            .and_then(|p| Some(CommitView::new(p.commit.as_deref()?, p, redactor))),
        history: finding.provenance.as_ref().map(|p| HistoryView::new(p, redactor)),
        encoding: finding.encoded.as_ref().map(|e| e.label()),
        part: finding.part.as_deref().map(|p| PartView::new(p, redactor)),
        exposure_days: exposure.map(|e| e.days),
        rotation_overdue: exposure.map(|e| e.overdue),
        history_advice: finding.provenance.as_ref().map(|_| HISTORY_ADVICE),
        validation: finding.validation.as_ref(),
    }
}

pub(super) fn write_array(
    findings: &[Finding],
    options: &ReportOptions,
    redactor: &Redactor,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let views: Vec<_> = findings.iter().map(|f| view(f, options, redactor)).collect();
    serde_json::to_writer_pretty(&mut *out, &views)?;
    writeln!(out)
}

/// The version `json-v2` reports carry; it changes only with an incompatible change.
pub(crate) const REPORT_VERSION: u32 = 2;

#[derive(Serialize)]
struct ReportView<'a> {
    version: u32,
    tool: ToolView,
    findings: Vec<FindingView<'a>>,
    summary: SummaryView,
}

#[derive(Serialize)]
struct ToolView {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct SummaryView {
    findings: usize,
    by_severity: BTreeMap<Severity, usize>,
    files: u64,
    bytes: u64,
    skipped_binary: u64,
    skipped_large: u64,
}

pub(super) fn write_report(
    findings: &[Finding],
    summary: &ScanSummary,
    options: &ReportOptions,
    redactor: &Redactor,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut by_severity: BTreeMap<Severity, usize> =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
            .into_iter()
            .map(|severity| (severity, 0))
            .collect();
    for finding in findings {
        *by_severity.entry(finding.rule.severity).or_default() += 1;
    }
    let report = ReportView {
        version: REPORT_VERSION,
        tool: ToolView { name: "keyhound", version: env!("CARGO_PKG_VERSION") },
        findings: findings.iter().map(|f| view(f, options, redactor)).collect(),
        summary: SummaryView {
            findings: findings.len(),
            by_severity,
            files: summary.files,
            bytes: summary.bytes,
            skipped_binary: summary.skipped_binary,
            skipped_large: summary.skipped_large,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

pub(super) fn write_lines(
    findings: &[Finding],
    options: &ReportOptions,
    redactor: &Redactor,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for finding in findings {
        serde_json::to_writer(&mut *out, &view(finding, options, redactor))?;
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposure::{KeyAgePolicy, SAMPLE_COMMIT_TIME, sample_finding};

    fn render(finding: Finding, now_days: i64) -> serde_json::Value {
        let now = SAMPLE_COMMIT_TIME + now_days * 86_400;
        let options = ReportOptions {
            key_age: KeyAgePolicy { max_days: 90, now: Some(now) },
            ..ReportOptions::default()
        };
        let mut out = Vec::new();
        let redactor = Redactor::new(std::slice::from_ref(&finding), None, false);
        write_array(std::slice::from_ref(&finding), &options, &redactor, &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        value[0].clone()
    }

    #[test]
    fn history_findings_carry_exposure_and_advice() {
        let value = render(sample_finding(Some(SAMPLE_COMMIT_TIME)), 91);
        assert_eq!(value["exposure_days"], 91);
        assert_eq!(value["rotation_overdue"], true);
        assert!(value["history_advice"].as_str().unwrap().contains("Revoke it first"));
        assert_eq!(value["rotation"]["docs"], "https://acme.invalid/docs");
        let young = render(sample_finding(Some(SAMPLE_COMMIT_TIME)), 30);
        assert_eq!(young["exposure_days"], 30);
        assert_eq!(young["rotation_overdue"], false);
    }

    #[test]
    fn working_tree_findings_have_no_exposure_fields() {
        let value = render(sample_finding(None), 91);
        assert!(value.get("exposure_days").is_none() && value.get("rotation_overdue").is_none());
        assert!(value.get("history_advice").is_none());
        assert_eq!(value["secret"], "acm****");
    }
}
