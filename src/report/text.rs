//! The human report: one block per finding, then what to do, once per provider.

use std::{collections::BTreeMap, io::Write};

use super::{ReportOptions, ScanSummary};
use crate::{
    finding::{Finding, Provenance},
    rules::Rotation,
};

pub(super) fn write(
    findings: &[Finding],
    summary: &ScanSummary,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for finding in findings {
        write_finding(finding, options, out)?;
    }
    write_advice(findings, out)?;
    write_summary(findings, summary, out)
}

fn write_finding(
    finding: &Finding,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let rule = &finding.rule;
    let secret =
        if options.show_secrets { finding.secret.clone() } else { finding.redacted_secret() };
    writeln!(
        out,
        "{}:{}:{}: {} [{}] {} ({})",
        finding.path,
        finding.span.line,
        finding.span.column,
        rule.severity,
        rule.id,
        rule.name,
        rule.provider
    )?;
    writeln!(out, "    secret: {secret}    fingerprint: {}", finding.fingerprint)?;
    if let Some(p) = &finding.provenance {
        write_provenance(p, out)?;
    }
    writeln!(out, "    rotate: {}", first_sentence(&rule.rotation.revoke))?;
    writeln!(out)
}

fn write_provenance(p: &Provenance, out: &mut dyn Write) -> std::io::Result<()> {
    if p.commit.is_empty() {
        writeln!(out, "    blob: {} (in no commit)", p.blob)?;
    } else {
        let short = &p.commit[..p.commit.len().min(12)];
        let date = gix::date::Time { seconds: p.time, offset: 0 }
            .format_or_unix(gix::date::time::format::SHORT);
        writeln!(
            out,
            "    commit: {short} by {} <{}> on {date}: {}",
            p.author_name, p.author_email, p.summary
        )?;
    }
    let yes_no = |known: Option<bool>| match known {
        Some(true) => "yes",
        Some(false) => "no",
        None => "n/a",
    };
    write!(
        out,
        "    history: line {}; still in HEAD: {}; in working tree: {}",
        p.line,
        yes_no(p.in_head),
        yes_no(p.in_worktree)
    )?;
    if !p.occurrences.is_empty() {
        write!(out, "; {} other occurrence(s)", p.occurrences.len())?;
    }
    writeln!(out)
}

/// Full rotation advice, once per provider that has findings.
fn write_advice(findings: &[Finding], out: &mut dyn Write) -> std::io::Result<()> {
    let mut by_provider: BTreeMap<&str, &Rotation> = BTreeMap::new();
    for finding in findings {
        by_provider.entry(&finding.rule.provider).or_insert(&finding.rule.rotation);
    }
    for (provider, rotation) in by_provider {
        writeln!(out, "How to rotate {provider} credentials:")?;
        writeln!(out, "  1. Revoke:  {}", rotation.revoke)?;
        writeln!(out, "  2. Reissue: {}", rotation.reissue)?;
        writeln!(out, "  3. Verify:  {}", rotation.verify)?;
        writeln!(out, "  Docs: {}", rotation.docs)?;
        writeln!(out)?;
    }
    Ok(())
}

fn write_summary(
    findings: &[Finding],
    summary: &ScanSummary,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mib = summary.bytes as f64 / (1024.0 * 1024.0);
    write!(
        out,
        "{} finding(s) in {} file(s) scanned ({mib:.1} MiB)",
        findings.len(),
        summary.files
    )?;
    if summary.skipped_binary + summary.skipped_large > 0 {
        write!(
            out,
            "; skipped {} binary and {} over-size file(s)",
            summary.skipped_binary, summary.skipped_large
        )?;
    }
    writeln!(out)
}

fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(end) => &text[..end + 1],
        None => text,
    }
}
