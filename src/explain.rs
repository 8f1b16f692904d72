//! `keyhound explain RULE_ID`: a rule's full advice, how its keys must be sent, and an example
//! of the right request.

use std::fmt::Write;

use crate::rules::Rule;

/// The explanation of the built-in rule `rule_id`, or an error that suggests close ids.
pub fn explain_rule(rule_id: &str) -> anyhow::Result<String> {
    let rules = crate::rules::builtin_rules()?;
    if let Some(rule) = rules.iter().find(|rule| rule.id == rule_id) {
        return Ok(explain(rule));
    }
    let close = suggestions(rule_id, rules.iter().map(|rule| rule.id.as_str()));
    let hint = if close.is_empty() {
        "; `keyhound rules` lists them".to_string()
    } else {
        format!("; did you mean {}?", close.join(", "))
    };
    anyhow::bail!("unknown rule `{rule_id}`{hint}")
}

/// The explanation of `rule`, as printed.
pub fn explain(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", rule.id, rule.name);
    let _ = writeln!(out, "  provider: {}", rule.provider);
    let _ = writeln!(out, "  severity: {}", rule.severity);
    if !rule.description.is_empty() {
        let _ = writeln!(out, "\n{}", rule.description);
    }
    let _ = write!(out, "\nWhat to do:\n{}", rule.rotation);
    let _ = writeln!(
        out,
        "  Once a secret is committed, deleting the line does not help: it stays in history. Revoke first, then clean history if needed."
    );
    let auth = &rule.auth;
    if !auth.headers.is_empty() || !auth.query_params.is_empty() {
        let _ = writeln!(out, "\nHow {} accepts keys:", rule.provider);
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
            let _ = writeln!(out, "\nRight form (key read from the environment):\n  {example}");
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
pub fn suggestions<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
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
    use crate::rules::builtin_rules;

    #[test]
    fn explains_a_provider_rule_with_its_right_header() {
        let rules = builtin_rules().unwrap();
        let rule = rules.iter().find(|r| r.id == "github-classic-pat").unwrap();
        let text = explain(rule);
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
