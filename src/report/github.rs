//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::error file=…,line=…::message`), shown on the pull request's diff. Workflow logs are
//! often public, so the secret is never printed, whatever `--show-secrets` says.

use std::io::Write;

use super::{prose, redact::Redactor, sarif::history_sentence};
use crate::{finding::Finding, rules::Severity};

pub(super) fn write(
    findings: &[Finding],
    redactor: &Redactor,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for finding in findings {
        writeln!(out, "{}", annotation(finding, redactor))?;
    }
    Ok(())
}

/// One workflow command line for `finding`. Its strings are redacted and their control
/// characters escaped before the workflow-command escaping, so a file name cannot end the
/// annotation or colour the log.
pub(crate) fn annotation(finding: &Finding, redactor: &Redactor) -> String {
    let rule = &finding.rule;
    let span = finding.span;
    let mut props = vec![
        ("file", redactor.public_terminal(&finding.location.name())),
        ("line", span.line.to_string()),
        ("col", span.column.to_string()),
        ("endLine", span.end_line.to_string()),
    ];
    // GitHub ignores a column range that spans lines.
    if span.end_line == span.line {
        props.push(("endColumn", span.end_column.to_string()));
    }
    props.push(("title", format!("{} [{}]", rule.name, rule.id)));
    let properties: Vec<String> =
        props.iter().map(|(key, value)| format!("{key}={}", escape_property(value))).collect();
    let about = match rule.issuer() {
        Some(issuer) => format!("{issuer}, {}", rule.severity),
        None => rule.severity.to_string(),
    };
    let mut message = format!(
        "{} ({about}) found. {}: deleting the line does not remove it from git history. {}",
        rule.name,
        prose::revoke_first(rule),
        rule.rotation.docs
    );
    if let Some(p) = &finding.provenance {
        message.push(' ');
        message.push_str(&history_sentence(p, &|text| redactor.public_terminal(text)));
    }
    format!("::{} {}::{}", command(rule.severity), properties.join(","), escape_data(&message))
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "notice",
    }
}

/// The message part, escaped as `@actions/core` does (`escapeData`).
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value, escaped as `@actions/core` does (`escapeProperty`).
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_actions_core() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        assert_eq!(escape_data("a:b,c"), "a:b,c");
    }
}
