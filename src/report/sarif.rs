//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers, built with
//! the `serde-sarif` types. The secret itself never appears, whatever `--show-secrets` says:
//! SARIF files are uploaded and shared.
//!
//! GitHub's upload limits shape it: at most 25,000 results per run (the most severe are kept),
//! one location per result (GitHub accepts up to 1,000), percent-encoded relative URIs under
//! `%SRCROOT%`, and `partialFingerprints` so an alert survives lines moving around it.

use std::{collections::BTreeMap, io::Write};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Location, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result,
    ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use super::{prose, redact::Redactor};
use crate::{
    exposure::HISTORY_ADVICE,
    finding::{Confidence, Finding, Part, Provenance},
    model::{Span, Status},
    rules::{Rule, Severity},
};

/// GitHub code scanning rejects runs with more results than this.
pub(crate) const MAX_RESULTS: usize = 25_000;
pub(crate) const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The key of keyhound's fingerprint in `partialFingerprints`; bump the version if the
/// fingerprint's definition ever changes, so old alerts are not matched to new ones wrongly.
pub(crate) const FINGERPRINT_KEY: &str = "keyhound/v1";
const SRCROOT: &str = "%SRCROOT%";

/// Everything outside RFC 3986's unreserved characters and the `/` between segments is
/// encoded: spaces, `#`, `?`, `%`, and a `:` that would otherwise read as a URI scheme.
const PATH: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

pub(super) fn write(
    findings: &[Finding],
    redactor: &Redactor,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let kept = most_severe(findings, MAX_RESULTS);
    if kept.len() < findings.len() {
        eprintln!(
            "keyhound: warning: SARIF: {} findings exceed GitHub's limit of {MAX_RESULTS} results \
             per run; kept the {MAX_RESULTS} most severe",
            findings.len()
        );
    }
    let log = to_sarif(&kept, findings.len() - kept.len(), redactor);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// At most `limit` findings, the most severe first kept; the original order otherwise.
fn most_severe(findings: &[Finding], limit: usize) -> Vec<&Finding> {
    let mut kept: Vec<(usize, &Finding)> = findings.iter().enumerate().collect();
    if kept.len() > limit {
        kept.sort_by_key(|(index, f)| (std::cmp::Reverse(f.rule.severity), *index));
        kept.truncate(limit);
        kept.sort_by_key(|(index, _)| *index);
    }
    kept.into_iter().map(|(_, f)| f).collect()
}

/// The SARIF log for `findings`; `omitted` findings were left out to respect the limit.
pub(crate) fn to_sarif(findings: &[&Finding], omitted: usize, redactor: &Redactor) -> Sarif {
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut descriptors = Vec::new();
    let mut results = Vec::with_capacity(findings.len());
    for finding in findings {
        let index = *rule_index.entry(&finding.rule.id).or_insert_with(|| {
            descriptors.push(descriptor(&finding.rule));
            descriptors.len() - 1
        });
        results.push(result(finding, index, redactor));
    }
    let driver = ToolComponent::builder()
        .name("keyhound")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(descriptors)
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .build();
    if omitted > 0 {
        run.properties = Some(properties([("omittedResults", json!(omitted))]));
    }
    Sarif::builder().schema(SCHEMA_URI).version(json!("2.1.0")).runs(vec![run]).build()
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let advice = rotation_advice(rule);
    let mut props = properties([
        ("security-severity", json!(security_severity(rule.severity))),
        // what the rule's findings claim at most (a capped rule's: its cap)
        ("precision", json!(Confidence::of_rule(rule).as_str())),
        ("provider", json!(rule.provider)),
    ]);
    props.tags = Some(vec!["security".into(), "secret".into(), rule.provider.clone()]);
    ReportingDescriptor::builder()
        .id(rule.id.as_str())
        .name(pascal_case(&rule.id))
        .short_description(plain(prose::label(rule)))
        .full_description(plain(format!(
            "{}, committed to the repository. Anyone who can read the repository or its \
             history can use it {}.",
            prose::label(rule),
            prose::until_revoked(rule)
        )))
        .help(
            MultiformatMessageString::builder().text(advice.text).markdown(advice.markdown).build(),
        )
        .help_uri(rule.rotation.docs.as_str())
        .default_configuration(
            ReportingConfiguration::builder().level(json!(result_level(rule.severity))).build(),
        )
        .properties(props)
        .build()
}

struct Advice {
    text: String,
    markdown: String,
}

fn rotation_advice(rule: &Rule) -> Advice {
    let r = &rule.rotation;
    let text = format!(
        "{label}: how to rotate it\n1. Revoke: {}\n2. Reissue: {}\n\
         3. Verify: {}\nDocs: {}\n\n{HISTORY_ADVICE}",
        r.revoke,
        r.reissue,
        r.verify,
        r.docs,
        label = prose::label(rule),
    );
    let markdown = format!(
        "## {label}: how to rotate it\n\n1. **Revoke:** {}\n2. **Reissue:** {}\n\
         3. **Verify:** {}\n\n[Documentation]({})\n\n**{HISTORY_ADVICE}**",
        r.revoke,
        r.reissue,
        r.verify,
        r.docs,
        label = prose::label(rule),
    );
    Advice { text, markdown }
}

fn result(finding: &Finding, rule_index: usize, redactor: &Redactor) -> Result {
    let rule = &finding.rule;
    let mut text = format!(
        "{} found in {}. {}: deleting the line does not remove it from git history.",
        prose::label(rule),
        redactor.public(&finding.location.name()),
        prose::revoke_first(rule)
    );
    let mut props = properties([
        ("provider", json!(rule.provider)),
        ("severity", json!(rule.severity.as_str())),
        ("confidence", json!(finding.confidence.as_str())),
        ("security-severity", json!(result_security_severity(rule.severity, finding.confidence))),
    ]);
    if let Some(p) = &finding.provenance {
        let public = |text: &str| redactor.public(text).into_owned();
        text.push(' ');
        text.push_str(&history_sentence(p, &public));
        add_history_properties(&mut props, p, &public);
    }
    if let Some(encoded) = &finding.encoded {
        let label = encoded.label();
        text.push_str(&format!(" Found by decoding the {label} text at this location."));
        props.additional_properties.insert("encoding".to_string(), json!(label));
    }
    if let Some(part) = &finding.part {
        let (name, line) = (&part.rule.name, part.span.line);
        text.push_str(&format!(" Its other part, the {name}, is at line {line}."));
    }
    let mut level = confident_level(rule.severity, finding.confidence);
    if let Some(validation) = &finding.validation {
        props.additional_properties.insert("validation".to_string(), json!(validation));
        if validation.status == Status::Live {
            // A key that works is an incident, whatever the rule's severity.
            level = ResultLevel::Error;
            text.push_str(" The provider accepts this key: it is live.");
        }
    }
    let mut result = Result::builder()
        .rule_id(rule.id.as_str())
        .rule_index(rule_index as i64)
        .level(level)
        .message(Message::builder().text(text).build())
        .locations(vec![location(finding, redactor)])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            finding.fingerprint.clone(),
        )]))
        .properties(props)
        .build();
    if let Some(part) = &finding.part {
        result.related_locations = Some(vec![part_location(finding, part, redactor)]);
    }
    result
}

/// Where history says the secret came from; `clean` redacts (and for a log, escapes) the
/// commit's own strings.
pub(super) fn history_sentence(p: &Provenance, clean: &dyn Fn(&str) -> String) -> String {
    let mut sentence = if let Some(commit) = &p.commit {
        format!(
            "Introduced in commit {} by {} <{}> on {}: {}",
            short_commit(commit),
            clean(&p.author_name),
            clean(&p.author_email),
            commit_date(p),
            clean(&p.summary)
        )
    } else {
        let blob = p.blob.as_deref().unwrap_or_default();
        format!("Found in blob {}, which no commit reaches.", short_commit(blob))
    };
    if !p.occurrences.is_empty() {
        sentence.push_str(&format!(" History holds it in {} other place(s).", p.occurrences.len()));
    }
    sentence
}

fn add_history_properties(props: &mut PropertyBag, p: &Provenance, clean: &dyn Fn(&str) -> String) {
    let blob = p.blob.as_deref().unwrap_or_default();
    let mut history = vec![("blob", json!(blob)), ("otherOccurrences", json!(p.occurrences.len()))];
    if let Some(commit) = &p.commit {
        history.extend([
            ("commit", json!(commit)),
            ("author", json!(clean(&p.author_name))),
            ("authorEmail", json!(clean(&p.author_email))),
            ("date", json!(commit_date(p))),
            ("commitSummary", json!(clean(&p.summary))),
            ("commitLine", json!(p.line)),
        ]);
    }
    if let Some(in_head) = p.in_head {
        history.push(("inHead", json!(in_head)));
    }
    if let Some(in_worktree) = p.in_worktree {
        history.push(("inWorktree", json!(in_worktree)));
    }
    props.additional_properties.extend(history.into_iter().map(|(k, v)| (k.to_string(), v)));
}

fn region(span: Span) -> Region {
    Region::builder()
        .start_line(span.line as i64)
        .start_column(span.column as i64)
        .end_line(span.end_line as i64)
        .end_column(span.end_column as i64)
        .build()
}

fn artifact(finding: &Finding, redactor: &Redactor) -> ArtifactLocation {
    ArtifactLocation::builder()
        .uri(encode_path(&redactor.public(&finding.location.name())))
        .uri_base_id(SRCROOT)
        .build()
}

/// The credential's other part, a related location in the finding's file.
fn part_location(finding: &Finding, part: &Part, redactor: &Redactor) -> Location {
    let physical = PhysicalLocation::builder()
        .artifact_location(artifact(finding, redactor))
        .region(region(part.span))
        .build();
    let text = format!("The {} of this credential.", part.rule.name);
    Location::builder()
        .id(1)
        .physical_location(physical)
        .message(Message::builder().text(text).build())
        .build()
}

fn location(finding: &Finding, redactor: &Redactor) -> Location {
    let span = finding.span;
    let region = region(span);
    let context = Region::builder()
        .start_line(span.line as i64)
        .end_line(span.end_line as i64)
        .snippet(ArtifactContent::builder().text(redactor.public(&finding.snippet)).build())
        .build();
    Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact(finding, redactor))
                .region(region)
                .context_region(context)
                .build(),
        )
        .build()
}

/// A relative URI for a `/`-separated path: each segment percent-encoded.
pub(crate) fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

/// GitHub's numeric severity for security alerts: ≥ 9.0 critical, ≥ 7.0 high, ≥ 4.0 medium.
pub(crate) fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn result_level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

/// A finding's level: its rule's, lowered to `warning` for medium confidence and to `note` for
/// low, so that code scanning ranks a heuristic below a provider's key.
fn confident_level(severity: Severity, confidence: Confidence) -> ResultLevel {
    match (confidence, result_level(severity)) {
        (Confidence::Low, _) => ResultLevel::Note,
        (Confidence::Medium, ResultLevel::Error) => ResultLevel::Warning,
        (_, level) => level,
    }
}

/// [`security_severity`], capped at medium (5.5) for medium confidence and low (3.0) for low.
fn result_security_severity(severity: Severity, confidence: Confidence) -> &'static str {
    match (confidence, severity) {
        (Confidence::Low, _) => security_severity(Severity::Low),
        (Confidence::Medium, Severity::Critical | Severity::High) => {
            security_severity(Severity::Medium)
        }
        _ => security_severity(severity),
    }
}

fn plain(text: String) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn properties<const N: usize>(entries: [(&str, serde_json::Value); N]) -> PropertyBag {
    let additional: BTreeMap<String, serde_json::Value> =
        entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    PropertyBag::builder().additional_properties(additional).build()
}

/// `github-classic-pat` → `GithubClassicPat`: SARIF's `name` is an identifier, not a title.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

pub(super) fn short_commit(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// The author date in UTC, ISO 8601.
pub(super) fn commit_date(provenance: &Provenance) -> String {
    gix::date::Time::new(provenance.time, 0).format_or_unix(gix::date::time::format::ISO8601_STRICT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        classify::ValueFilter, engine::Engine, fake::FakeGen, model::Tracking, pipeline::Pipeline,
        rules::builtin_rules,
    };

    fn scan(path: &str, content: &str) -> Vec<Finding> {
        let engine = Engine::new(builtin_rules().unwrap(), ValueFilter::standard()).unwrap();
        Pipeline::builtin(engine).scanner().scan(path, content.as_bytes(), Tracking::NoRepository)
    }

    #[test]
    fn rule_precision_follows_the_rule_confidence() {
        let rules = builtin_rules().unwrap();
        let precision = |id: &str| {
            let rule = rules.iter().find(|rule| rule.id == id).unwrap();
            let props = descriptor(rule).properties.unwrap();
            props.additional_properties["precision"].clone()
        };
        assert_eq!(precision("github-classic-pat"), "high");
        assert_eq!(precision("generic-secret-assignment"), "medium");
        assert_eq!(precision("password-hash-bcrypt"), "low");
    }

    #[test]
    fn keeps_the_most_severe_findings_in_order() {
        let mut fake = FakeGen::new(7);
        let lines: Vec<String> = ["ghr_", "ghp_", "ghr_", "gho_", "ghr_"]
            .iter()
            .map(|prefix| format!("t = {}", fake.crc32_token(prefix)))
            .collect();
        let findings = scan("a.txt", &lines.join("\n"));
        assert_eq!(findings.len(), 5);
        let kept = most_severe(&findings, 3);
        let lines_kept: Vec<usize> = kept.iter().map(|f| f.span.line).collect();
        // Both critical tokens, then the first high one; still in file order.
        assert_eq!(lines_kept, [1, 2, 4]);
        assert_eq!(most_severe(&findings, 5).len(), 5);
    }

    #[test]
    fn provenance_names_commit_author_and_date_without_the_secret() {
        let secret = FakeGen::new(8).crc32_token("ghp_");
        let mut finding = scan("ci.yml", &format!("token: {secret}")).remove(0);
        finding.provenance = Some(Provenance {
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            author_name: "Ada Lovelace".into(),
            author_email: "ada@example.invalid".into(),
            time: 1_704_164_645,
            summary: format!("add {secret} for CI"),
            blob: Some("89abcdef0123456789abcdef0123456789abcdef".into()),
            line: 1,
            in_head: Some(false),
            ..Default::default()
        });
        // `--show-secrets` does not reach SARIF.
        let redactor = Redactor::new(std::slice::from_ref(&finding), None, true);
        let log = serde_json::to_value(to_sarif(&[&finding], 0, &redactor)).unwrap();
        let result = &log["runs"][0]["results"][0];
        let message = result["message"]["text"].as_str().unwrap();
        assert!(message.contains("GitHub"), "{message}");
        assert!(message.contains("commit 0123456789ab by Ada Lovelace"), "{message}");
        assert!(message.contains("2024-01-02T03:04:05+00:00"), "{message}");
        assert_eq!(result["properties"]["commit"], "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(result["properties"]["author"], "Ada Lovelace");
        assert_eq!(result["properties"]["date"], "2024-01-02T03:04:05+00:00");
        assert_eq!(result["properties"]["inHead"], false);
        assert!(!log.to_string().contains(&secret), "the secret leaks through the summary");
    }

    #[test]
    fn paths_are_percent_encoded_per_segment() {
        assert_eq!(encode_path("src/app config/a b.py"), "src/app%20config/a%20b.py");
        assert_eq!(encode_path("c:d/#1?x%.txt"), "c%3Ad/%231%3Fx%25.txt");
        assert_eq!(encode_path("docs/ü.md"), "docs/%C3%BC.md");
        assert_eq!(encode_path("a-b_c~d.e"), "a-b_c~d.e");
    }

    #[test]
    fn rule_ids_become_identifiers() {
        assert_eq!(pascal_case("github-classic-pat"), "GithubClassicPat");
        assert_eq!(pascal_case("aws-access-key-id"), "AwsAccessKeyId");
    }

    #[test]
    fn severities_map_to_github_bands() {
        let parse = |s: Severity| security_severity(s).parse::<f64>().unwrap();
        assert!(parse(Severity::Critical) >= 9.0);
        assert!((7.0..9.0).contains(&parse(Severity::High)));
        assert!((4.0..7.0).contains(&parse(Severity::Medium)));
        assert!((0.1..4.0).contains(&parse(Severity::Low)));
    }

    #[test]
    fn commit_dates_are_utc_iso_8601() {
        let provenance = Provenance { time: 1_704_164_645, ..Default::default() };
        assert_eq!(commit_date(&provenance), "2024-01-02T03:04:05+00:00");
    }
}
