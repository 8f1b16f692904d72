//! The human report: one block per finding, then what to do, once per provider.

use std::{collections::BTreeMap, io::Write};

use super::{ReportOptions, redact::Redactor};
use crate::{
    exposure::{Exposure, HISTORY_ADVICE, civil_date},
    finding::{Finding, Provenance},
    model::ScanSummary,
    rules::Rotation,
};

pub(super) fn write(
    findings: &[Finding],
    summary: &ScanSummary,
    options: &ReportOptions,
    redactor: &Redactor,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for finding in findings {
        write_finding(finding, options, redactor, out)?;
    }
    write_advice(findings, out)?;
    if findings.iter().any(|f| f.provenance.is_some()) {
        writeln!(out, "{HISTORY_ADVICE}")?;
        writeln!(out)?;
    }
    write_summary(findings, summary, out)
}

fn write_finding(
    finding: &Finding,
    options: &ReportOptions,
    redactor: &Redactor,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let rule = &finding.rule;
    let secret = redactor.terminal(&redactor.secret(finding));
    writeln!(
        out,
        "{}:{}:{}: {} [{}] {} ({})",
        redactor.terminal(&finding.path),
        finding.span.line,
        finding.span.column,
        rule.severity,
        rule.id,
        rule.name,
        rule.provider
    )?;
    writeln!(out, "    secret: {secret}    fingerprint: {}", finding.fingerprint)?;
    if let Some(v) = &finding.validation {
        let http = v.http_status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
        writeln!(out, "    validation: {v}{http}")?;
    }
    if let Some(p) = &finding.provenance {
        write_provenance(p, redactor, out)?;
    }
    if let Some(exposure) = options.key_age.exposure(finding) {
        writeln!(out, "    {}", exposure_line(&exposure, options.key_age.max_days))?;
    }
    if !rule.description.is_empty() {
        writeln!(out, "    why: {}", rule.description)?;
    }
    writeln!(out, "    rotate: {}", first_sentence(&rule.rotation.revoke))?;
    writeln!(out)
}

fn write_provenance(
    p: &Provenance,
    redactor: &Redactor,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if p.commit.is_empty() {
        writeln!(out, "    blob: {} (in no commit)", p.blob)?;
    } else {
        let short = &p.commit[..p.commit.len().min(12)];
        let date = civil_date(p.time);
        writeln!(
            out,
            "    commit: {short} by {} <{}> on {date}: {}",
            redactor.terminal(&p.author_name),
            redactor.terminal(&p.author_email),
            redactor.terminal(&p.summary)
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
        writeln!(out, "How to rotate {provider} credentials:\n{rotation}")?;
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

fn exposure_line(exposure: &Exposure, max_days: u64) -> String {
    let since = civil_date(exposure.since);
    let mut line = format!("exposed: {} day(s), since {since}", exposure.days);
    if exposure.overdue {
        line.push_str(&format!(
            "; OVERDUE for rotation (older than --max-key-age {max_days} days): revoke it now"
        ));
    }
    line
}

fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(end) => &text[..end + 1],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposure::{KeyAgePolicy, SAMPLE_COMMIT_TIME, sample_finding};

    fn render(findings: &[Finding], now_days: i64) -> String {
        let now = SAMPLE_COMMIT_TIME + now_days * 86_400;
        let options = ReportOptions { key_age: KeyAgePolicy { max_days: 90, now: Some(now) } };
        let mut out = Vec::new();
        let redactor = Redactor::new(findings, None, false);
        write(findings, &ScanSummary::default(), &options, &redactor, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn history_findings_show_their_age_and_the_history_advice() {
        let text = render(&[sample_finding(Some(SAMPLE_COMMIT_TIME))], 120);
        assert!(text.contains("exposed: 120 day(s), since 2024-01-02"), "{text}");
        assert!(text.contains("OVERDUE for rotation (older than --max-key-age 90 days)"), "{text}");
        assert!(text.contains("deleting the line or the file"), "{text}");
        assert!(text.contains("How to rotate Acme credentials:"), "{text}");
        assert!(text.contains("Revoke:  Delete the key at https://acme.invalid/keys."), "{text}");
        let young = render(&[sample_finding(Some(SAMPLE_COMMIT_TIME))], 10);
        assert!(young.contains("exposed: 10 day(s)") && !young.contains("OVERDUE"), "{young}");
    }

    #[test]
    fn working_tree_findings_have_no_age() {
        let text = render(&[sample_finding(None)], 120);
        assert!(!text.contains("exposed:") && !text.contains("git history"), "{text}");
        assert!(text.contains("How to rotate Acme credentials:"), "{text}");
    }
}
