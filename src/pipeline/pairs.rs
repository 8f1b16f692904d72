//! One credential, one finding: a finding whose rule names the credential's other part
//! (`pair`: an AWS secret key's access key id, a service account key id's private key, a
//! Twilio API key secret's SID) takes in the finding of that part nearest to it, so a reader
//! sees one credential with both places instead of two findings to triage apart. A part with
//! no partner near it is still reported on its own.

use std::collections::HashMap;

use crate::finding::{Finding, Part};

/// How many lines apart a secret and its part may be: a credentials file's profile, a
/// service-account JSON or a `.env` block keeps them within a few lines; further apart, they
/// are as likely two credentials' halves.
pub(super) const MAX_LINES_APART: usize = 20;

/// Moves each part's finding into the finding it belongs to (nearest first, each part to one
/// finding), keeping the others in their order. `findings` are one content's.
pub(super) fn join(findings: &mut Vec<Finding>) {
    let mut parts_by_rule: HashMap<&str, Vec<usize>> = HashMap::new();
    let wanted: Vec<&str> = findings.iter().filter_map(|f| f.rule.pair.as_deref()).collect();
    if wanted.is_empty() {
        return;
    }
    for (index, finding) in findings.iter().enumerate() {
        if wanted.contains(&finding.rule.id.as_str()) {
            parts_by_rule.entry(&finding.rule.id).or_default().push(index);
        }
    }
    // By line, so each finding looks only at the parts within reach (a generated file can
    // hold thousands of both).
    for parts in parts_by_rule.values_mut() {
        parts.sort_by_key(|&part| findings[part].span.line);
    }
    let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
    for (secret, finding) in findings.iter().enumerate() {
        let Some(parts) = finding.rule.pair.as_deref().and_then(|id| parts_by_rule.get(id)) else {
            continue;
        };
        let line = finding.span.line;
        let first = parts.partition_point(|&p| findings[p].span.line + MAX_LINES_APART < line);
        for &part in &parts[first..] {
            let apart = findings[part].span.line.abs_diff(line);
            if apart > MAX_LINES_APART && findings[part].span.line > line {
                break;
            }
            if part != secret && apart <= MAX_LINES_APART {
                candidates.push((apart, secret, part));
            }
        }
    }
    if candidates.is_empty() {
        return;
    }
    candidates.sort_unstable();
    let mut joined: Vec<Option<usize>> = vec![None; findings.len()];
    let mut taken = vec![false; findings.len()];
    for (_, secret, part) in candidates {
        if joined[secret].is_none() && !taken[secret] && !taken[part] && joined[part].is_none() {
            joined[secret] = Some(part);
            taken[part] = true;
        }
    }
    let mut slots: Vec<Option<Finding>> = std::mem::take(findings).into_iter().map(Some).collect();
    for secret in 0..slots.len() {
        if let Some(part) = joined[secret] {
            let part = slots[part].take().expect("each part joins one secret");
            let secret = slots[secret].as_mut().expect("a secret is never a part");
            secret.part = Some(Box::new(Part::of(part)));
        }
    }
    findings.extend(slots.into_iter().flatten());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        fake::FakeGen,
        model::Tracking,
        pipeline::tests::pipeline,
        rules::{Rule, builtin_rules},
    };

    fn scan(path: &str, template: &str) -> Vec<Finding> {
        let text = FakeGen::new(41).expand(template).unwrap();
        pipeline().scanner().scan(path, text.as_bytes(), Tracking::Committed)
    }

    /// A finding's rule and line, and its part's.
    type Summary = (String, usize, Option<(String, usize)>);

    fn summary(findings: &[Finding]) -> Vec<Summary> {
        findings
            .iter()
            .map(|f| {
                let part = f.part.as_ref().map(|p| (p.rule.id.clone(), p.span.line));
                (f.rule.id.clone(), f.span.line, part)
            })
            .collect()
    }

    fn at(rule: &str, line: usize, part: Option<(&str, usize)>) -> Summary {
        (rule.into(), line, part.map(|(id, line)| (id.into(), line)))
    }

    #[test]
    fn every_builtin_pair_names_a_builtin_rule() {
        let rules: Vec<Rule> = builtin_rules().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        let pairs: Vec<(&str, &str)> =
            rules.iter().filter_map(|r| Some((r.id.as_str(), r.pair.as_deref()?))).collect();
        assert!(pairs.len() >= 3, "{pairs:?}");
        for (rule, pair) in pairs {
            assert!(ids.contains(&pair), "rule `{rule}` pairs with unknown rule `{pair}`");
            assert_ne!(rule, pair);
        }
    }

    #[test]
    fn an_aws_key_id_and_its_secret_are_one_finding() {
        let findings = scan(
            "deploy/aws.ini",
            "[ci]\naws_access_key_id = AKIA{{upper:16}}\naws_secret_access_key = {{b64:40}}\n",
        );
        assert_eq!(
            summary(&findings),
            [at("aws-secret-access-key", 3, Some(("aws-access-key-id", 2)))]
        );
        let part = findings[0].part.as_ref().unwrap();
        assert!(part.secret.starts_with("AKIA"));
        assert_eq!(part.redacted_secret(), "AKIA****");
    }

    #[test]
    fn each_id_joins_the_secret_nearest_to_it() {
        let profile =
            "[p]\naws_access_key_id = AKIA{{upper:16}}\naws_secret_access_key = {{b64:40}}\n";
        let findings = scan("credentials.ini", &profile.repeat(2));
        assert_eq!(
            summary(&findings),
            [
                at("aws-secret-access-key", 3, Some(("aws-access-key-id", 2))),
                at("aws-secret-access-key", 6, Some(("aws-access-key-id", 5))),
            ]
        );
    }

    #[test]
    fn parts_far_apart_or_alone_stay_findings_of_their_own() {
        let filler = "x = 1\n".repeat(MAX_LINES_APART + 1);
        let far = format!(
            "aws_access_key_id = AKIA{{{{upper:16}}}}\n{filler}aws_secret_access_key = {{{{b64:40}}}}\n"
        );
        let ids = summary(&scan("far.ini", &far));
        let secret_line = MAX_LINES_APART + 3;
        assert_eq!(
            ids,
            [at("aws-access-key-id", 1, None), at("aws-secret-access-key", secret_line, None)]
        );
        let alone = scan("id.ini", "aws_access_key_id = AKIA{{upper:16}}\n");
        assert_eq!(summary(&alone), [at("aws-access-key-id", 1, None)]);
    }

    #[test]
    fn a_service_account_key_is_one_finding() {
        let json = "{\n  \"type\": \"service_account\",\n  \"private_key_id\": \"{{hex:40}}\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASC{{b64:32}}\\n{{b64:64}}\\n{{b64:64}}\\n-----END PRIVATE KEY-----\\n\",\n  \"client_email\": \"ci@demo.iam.gserviceaccount.com\"\n}\n";
        let findings = scan("sa.json", json);
        assert_eq!(
            summary(&findings),
            [at("google-service-account-key", 3, Some(("private-key-pkcs8", 4)))]
        );
    }

    #[test]
    fn a_twilio_api_key_sid_and_its_secret_are_one_finding() {
        let findings = scan(
            "twilio.yml",
            "twilio:\n  api_key: SK{{hex:32}}\n  twilio_api_secret: \"{{alnum:32}}\"\n",
        );
        assert_eq!(
            summary(&findings),
            [at("twilio-api-key-secret", 3, Some(("twilio-api-key-sid", 2)))]
        );
    }
}
