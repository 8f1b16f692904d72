//! `keyhound explain RULE_ID`: a rule's full advice, how its keys must be sent, and an example
//! of the right request.

use std::fmt::Write;

use crate::{
    report::layout::{self, HEADING, LABEL},
    rules::Rule,
};

/// The explanation of the built-in rule `rule_id`, or an error that suggests close ids.
pub fn explain_rule(rule_id: &str, width: usize) -> anyhow::Result<String> {
    let rules = crate::rules::builtin_rules()?;
    if let Some(rule) = rules.iter().find(|rule| rule.id == rule_id) {
        return Ok(explain(rule, width));
    }
    let close = suggestions(rule_id, rules.iter().map(|rule| rule.id.as_str()));
    let hint = if close.is_empty() {
        "; `keyhound rules` lists them".to_string()
    } else {
        format!("; did you mean {}?", close.join(", "))
    };
    anyhow::bail!("unknown rule `{rule_id}`{hint}")
}

/// The explanation of `rule`, as printed, wrapped to `width` columns.
pub(crate) fn explain(rule: &Rule, width: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{HEADING}{} — {}{HEADING:#}", rule.id, rule.name);
    let _ = write!(out, "{}", layout::hanging(2, "provider: ", LABEL, &rule.provider, width));
    let severity = layout::severity_style(rule.severity);
    let _ = writeln!(out, "  {LABEL}severity:{LABEL:#} {severity}{}{severity:#}", rule.severity);
    if !rule.description.is_empty() {
        let _ = write!(out, "\n{}", layout::hanging(0, "", LABEL, &rule.description, width));
    }
    let _ = write!(
        out,
        "\n{HEADING}What to do:{HEADING:#}\n{}",
        layout::rotation(&rule.rotation, width)
    );
    let _ = write!(
        out,
        "{}",
        layout::hanging(
            2,
            "",
            LABEL,
            "Once a secret is committed, deleting the line does not help: it stays in history. \
             Revoke first, then clean history if needed.",
            width
        )
    );
    let auth = &rule.auth;
    if !auth.headers.is_empty() || !auth.query_params.is_empty() {
        let _ = writeln!(out, "\n{HEADING}How {} accepts keys:{HEADING:#}", rule.provider);
        for header in &auth.headers {
            let _ = writeln!(out, "  header: {header} <key>");
        }
        if !auth.query_params.is_empty() {
            let _ = writeln!(out, "  query parameters: {}", auth.query_params.join(", "));
        }
        if !auth.hosts.is_empty() {
            let _ = writeln!(out, "  hosts: {}", auth.hosts.join(", "));
        }
        if let Some(example) = example_request(rule) {
            let _ = writeln!(
                out,
                "\n{HEADING}Right form (key read from the environment):{HEADING:#}\n  {example}"
            );
        }
    }
    out
}

/// `curl -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com/`.
fn example_request(rule: &Rule) -> Option<String> {
    let header = rule.auth.headers.first()?;
    let variable = env_variable(rule);
    let (name, scheme) = header.split_once(':').unwrap_or((header, ""));
    let scheme = scheme.trim();
    let value =
        if scheme.is_empty() { format!("${variable}") } else { format!("{scheme} ${variable}") };
    let url = rule.auth.hosts.first().map_or(String::new(), |host| format!(" https://{host}/"));
    Some(format!("curl -H \"{}: {value}\"{url}", name.trim()))
}

/// `GITHUB_TOKEN`, `OPENAI_API_KEY`: the provider's name and what kind of credential it is.
fn env_variable(rule: &Rule) -> String {
    let provider: String = rule
        .provider
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect();
    let kind =
        if rule.id.contains("token") || rule.id.contains("pat") { "TOKEN" } else { "API_KEY" };
    format!("{}_{kind}", provider.trim_matches('_'))
}

/// Up to three known ids close to `wanted` (by edit distance, or sharing its prefix).
pub(crate) fn suggestions<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = known
        .map(|id| {
            let similarity = strsim::normalized_damerau_levenshtein(wanted, id);
            let shares_prefix =
                !wanted.is_empty() && (id.starts_with(wanted) || wanted.starts_with(id));
            (if shares_prefix { similarity.max(0.8) } else { similarity }, id)
        })
        .filter(|(score, _)| *score >= 0.6)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        exposure::{SAMPLE_COMMIT_TIME, finding_of},
        model::ScanSummary,
        report::{Format, Redactor, ReportOptions, write_report},
        rules::{Rotation, builtin_rules},
    };

    /// Everything keyhound writes about one finding of `rule`, in every format, plus `explain`,
    /// with the rule file's own prose (advice, description) replaced: what is left is what
    /// keyhound generates around the rule's name and provider.
    fn everything_said_about(rule: &Rule) -> String {
        let mut rule = rule.clone();
        let step = || "Step.".to_string();
        let rotation = Rotation { revoke: step(), reissue: step(), verify: step(), docs: step() };
        rule.rotation = std::sync::Arc::new(rotation);
        rule.description = "Why.".to_string();
        let rule = &rule;
        let findings = [finding_of(rule.clone(), Some(SAMPLE_COMMIT_TIME))];
        let redactor = Redactor::new(&findings, None, false);
        let mut out = Vec::new();
        for format in [Format::Text, Format::JsonV2, Format::Sarif, Format::Github] {
            let options = ReportOptions::default();
            write_report(format, &findings, &ScanSummary::default(), &options, &redactor, &mut out)
                .unwrap();
        }
        let text = String::from_utf8(out).unwrap() + &explain(rule, 100);
        // JSON escapes and SARIF's markdown must not hide a phrase from the checks below.
        anstream::adapter::strip_str(&text).to_string().replace("\\n", " ").replace("**", "")
    }

    #[test]
    fn generated_english_reads_right_for_every_rule() {
        let article_mismatch =
            regex_automata::meta::Regex::new(r"\b(?:[Aa] [AEIO][A-Z]|[Aa]n [BCDGJKPQTVWZ][A-Z])")
                .unwrap();
        let rules = builtin_rules().unwrap();
        assert!(rules.len() > 100);
        for rule in &rules {
            let text = everything_said_about(rule);
            for article in ["a ", "an ", "A ", "An ", "this ", "This ", "the ", "The "] {
                let phrase = format!("{article}{}", rule.name);
                assert!(!text.contains(&phrase), "`{}`: says \"{phrase}\"", rule.id);
            }
            if let Some(m) = article_mismatch.find(&text) {
                let around = &text[m.start().saturating_sub(40)..(m.end() + 40).min(text.len())];
                panic!("`{}`: wrong article in \"{around}\"", rule.id);
            }
            if rule.issuer().is_none() {
                for place in ["at", "by", "At", "By"] {
                    let phrase = format!("{place} {}", rule.provider);
                    assert!(!text.contains(&phrase), "`{}`: says \"{phrase}\"", rule.id);
                }
            }
        }
    }

    #[test]
    fn only_kinds_of_secret_are_not_issuers() {
        let rules = builtin_rules().unwrap();
        let issuer = |id: &str| rules.iter().find(|r| r.id == id).unwrap().issuer();
        assert_eq!(issuer("aws-access-key-id"), Some("AWS"));
        assert_eq!(issuer("github-classic-pat"), Some("GitHub"));
        for id in ["generic-secret-assignment", "header-bearer-case", "database-url-postgres"] {
            assert_eq!(issuer(id), None, "{id}");
        }
    }

    #[test]
    fn explains_a_provider_rule_with_its_right_header() {
        let rules = builtin_rules().unwrap();
        let rule = rules.iter().find(|r| r.id == "github-classic-pat").unwrap();
        let text = anstream::adapter::strip_str(&explain(rule, 200)).to_string();
        assert!(text.contains("provider: GitHub"), "{text}");
        assert!(text.contains("severity: critical"), "{text}");
        assert!(text.contains("Revoke:  Personal tokens"), "{text}");
        assert!(text.contains("header: Authorization: Bearer <key>"), "{text}");
        assert!(
            text.contains(
                "curl -H \"Authorization: Bearer $GITHUB_TOKEN\" https://api.github.com/"
            ),
            "{text}"
        );
    }

    #[test]
    fn suggests_close_ids() {
        let ids = ["github-classic-pat", "github-oauth-token", "header-wrong-scheme"];
        assert_eq!(suggestions("github-clasic-pat", ids.into_iter()), vec!["github-classic-pat"]);
        assert_eq!(suggestions("header-wrong", ids.into_iter()), vec!["header-wrong-scheme"]);
        assert!(suggestions("zzz", ids.into_iter()).is_empty());
    }
}
