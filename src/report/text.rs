//! The human report: one block per finding, then what to do, once per provider.

use std::{collections::BTreeMap, io::Write};

use super::{
    ReportOptions,
    layout::{self, ALERT, HEADING, LABEL},
    prose,
    redact::Redactor,
};
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
    let width = options.width;
    for finding in findings {
        write_finding(finding, options, redactor, out)?;
    }
    write_advice(findings, width, out)?;
    if findings.iter().any(|f| f.provenance.is_some()) {
        write!(out, "{}", layout::hanging(0, "", LABEL, HISTORY_ADVICE, width))?;
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
    let width = options.width;
    let secret = redactor.terminal(&redactor.secret(finding));
    let severity = layout::severity_style(rule.severity);
    // One line, never wrapped: editors and terminals jump to `path:line:column:`.
    writeln!(
        out,
        "{HEADING}{}:{}:{}:{HEADING:#} {severity}{}{severity:#} ({} confidence) [{}] {} ({})",
        redactor.terminal(&finding.location.name()),
        finding.span.line,
        finding.span.column,
        rule.severity,
        finding.confidence,
        rule.id,
        rule.name,
        rule.provider
    )?;
    let field = |label: &str, text: &str| layout::hanging(4, label, LABEL, text, width);
    write!(
        out,
        "{}",
        field("secret: ", &format!("{secret}    fingerprint: {}", finding.fingerprint))
    )?;
    if let Some(part) = &finding.part {
        let value = redactor.terminal(&redactor.part_secret(part));
        let (line, column) = (part.span.line, part.span.column);
        let text = format!("{value} ({}) at {line}:{column}", part.rule.name);
        write!(out, "{}", field("paired with: ", &text))?;
    }
    if let Some(demotion) = finding.demotion {
        write!(out, "{}", field("low confidence: ", demotion.reason()))?;
    }
    if let Some(encoded) = &finding.encoded {
        let label = encoded.label();
        write!(
            out,
            "{}",
            field("encoding: ", &format!("{label}: the secret is the decoded text"))
        )?;
    }
    if let Some(v) = &finding.validation {
        let http = v.http_status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
        write!(out, "{}", field("validation: ", &format!("{v}{http}")))?;
    }
    if let Some(p) = &finding.provenance {
        write_provenance(p, redactor, width, out)?;
    }
    if let Some(exposure) = options.key_age.exposure(finding) {
        write!(out, "{}", field("exposed: ", &exposure_text(&exposure, options.key_age.max_days)))?;
    }
    if !rule.description.is_empty() {
        write!(out, "{}", field("why: ", &rule.description))?;
    }
    write!(out, "{}", field("rotate: ", prose::first_sentence(&rule.rotation.revoke)))?;
    writeln!(out)
}

fn write_provenance(
    p: &Provenance,
    redactor: &Redactor,
    width: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let field = |label: &str, text: &str| layout::hanging(4, label, LABEL, text, width);
    if let Some(commit) = &p.commit {
        let short = &commit[..commit.len().min(12)];
        let date = civil_date(p.time);
        let commit = format!(
            "{short} by {} <{}> on {date}: {}",
            redactor.terminal(&p.author_name),
            redactor.terminal(&p.author_email),
            redactor.terminal(&p.summary)
        );
        write!(out, "{}", field("commit: ", &commit))?;
    } else {
        let blob = p.blob.as_deref().unwrap_or_default();
        write!(out, "{}", field("blob: ", &format!("{blob} (in no commit)")))?;
    }
    let yes_no = |known: Option<bool>| match known {
        Some(true) => "yes",
        Some(false) => "no",
        None => "n/a",
    };
    let mut history = format!(
        "line {}; still in HEAD: {}; in working tree: {}",
        p.line,
        yes_no(p.in_head),
        yes_no(p.in_worktree)
    );
    if !p.occurrences.is_empty() {
        history.push_str(&format!("; {} other occurrence(s)", p.occurrences.len()));
    }
    write!(out, "{}", field("history: ", &history))
}

/// Full rotation advice, once per provider that has findings.
fn write_advice(findings: &[Finding], width: usize, out: &mut dyn Write) -> std::io::Result<()> {
    let mut by_provider: BTreeMap<&str, &Rotation> = BTreeMap::new();
    for finding in findings {
        by_provider.entry(&finding.rule.provider).or_insert(&finding.rule.rotation);
    }
    for (provider, rotation) in by_provider {
        writeln!(out, "{HEADING}How to rotate {provider} credentials:{HEADING:#}")?;
        writeln!(out, "{}", layout::rotation(rotation, width))?;
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
        "{HEADING}{} finding(s) in {} file(s) scanned ({mib:.1} MiB)",
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
    writeln!(out, "{HEADING:#}")
}

fn exposure_text(exposure: &Exposure, max_days: u64) -> String {
    let since = civil_date(exposure.since);
    let mut text = format!("{} day(s), since {since}", exposure.days);
    if exposure.overdue {
        text.push_str(&format!(
            "; {ALERT}OVERDUE{ALERT:#} for rotation (older than --max-key-age {max_days} days): \
             revoke it now"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposure::{KeyAgePolicy, SAMPLE_COMMIT_TIME, sample_finding};

    fn render(findings: &[Finding], now_days: i64) -> String {
        render_at(findings, now_days, 200)
    }

    fn render_at(findings: &[Finding], now_days: i64, width: usize) -> String {
        let now = SAMPLE_COMMIT_TIME + now_days * 86_400;
        let options =
            ReportOptions { key_age: KeyAgePolicy { max_days: 90, now: Some(now) }, width };
        let mut out = Vec::new();
        let redactor = Redactor::new(findings, None, false);
        write(findings, &ScanSummary::default(), &options, &redactor, &mut out).unwrap();
        anstream::adapter::strip_str(&String::from_utf8(out).unwrap()).to_string()
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

    #[test]
    fn lines_wrap_to_the_width_under_their_label() {
        let rules = crate::rules::builtin_rules().unwrap();
        let rule = rules.iter().find(|r| r.id == "header-bearer-case").unwrap().clone();
        let finding = crate::exposure::finding_of(rule, Some(SAMPLE_COMMIT_TIME));
        for width in [60, 80, 100] {
            let text = render_at(std::slice::from_ref(&finding), 120, width);
            let mut lines = text.lines();
            let header = lines.next().unwrap();
            assert!(
                header.starts_with("a.py:1:5: medium (medium confidence) [header-bearer-case]"),
                "{header}"
            );
            for line in lines {
                let unbreakable = line.split(' ').any(|word| word.len() > width / 2);
                assert!(
                    line.chars().count() <= width || unbreakable,
                    "over {width}: {line}\n{text}"
                );
            }
            let why = text.find("    why: ").expect("why line");
            let next = &text[why..].lines().nth(1).unwrap();
            assert!(next.starts_with("         ") && !next.starts_with("          "), "{text}");
        }
    }

    #[test]
    fn colour_marks_severity_and_overdue_and_is_stripped_otherwise() {
        let finding = sample_finding(Some(SAMPLE_COMMIT_TIME));
        let now = SAMPLE_COMMIT_TIME + 120 * 86_400;
        let options =
            ReportOptions { key_age: KeyAgePolicy { max_days: 90, now: Some(now) }, width: 80 };
        let redactor = Redactor::new(std::slice::from_ref(&finding), None, false);
        let mut out = Vec::new();
        write(&[finding], &ScanSummary::default(), &options, &redactor, &mut out).unwrap();
        let styled = String::from_utf8(out).unwrap();
        let high = layout::severity_style(crate::rules::Severity::High);
        assert!(styled.contains(&format!("{high}high{high:#}")), "{styled}");
        assert!(styled.contains(&format!("{ALERT}OVERDUE{ALERT:#}")), "{styled}");
        let plain = anstream::adapter::strip_str(&styled).to_string();
        assert!(
            !plain.contains('\x1b') && plain.contains("high (high confidence) [acme]"),
            "{plain}"
        );
    }
}
