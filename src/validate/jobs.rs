//! From findings to requests: one job per unique secret (and partner, and variables), the
//! partner key from the same file (AWS), variables read from the finding's line under a
//! fixed pattern (a Shopify shop, a Twilio account), and the findings each answer goes to.

use std::{collections::HashMap, sync::Arc, time::SystemTime};

use super::{
    Options, Validation,
    catalog::{Catalog, Signing, Validator, Variable},
    request::{self, Prepared, Values},
    sigv4,
};
use crate::{finding::Finding, model::sha256_hex};

/// The rule whose finding gives an AWS temporary key (`ASIA...`) its session token.
const AWS_SESSION_TOKEN_RULE: &str = "aws-session-token";

pub(crate) struct Job {
    pub(crate) validator: Arc<Validator>,
    /// The request, or the answer decided without one (a partner key is missing).
    pub(crate) request: Result<Prepared, Validation>,
    /// Indexes of the findings this job's answer belongs to.
    findings: Vec<usize>,
}

pub(crate) struct Plan {
    pub(crate) jobs: Vec<Job>,
    /// Per finding without a job: why it is `unknown`.
    unchecked: Vec<Option<Validation>>,
}

impl Plan {
    /// The validation of every finding, in the findings' order.
    pub(crate) fn assign(self, validations: Vec<Validation>) -> Vec<Validation> {
        let mut out = self.unchecked;
        for (job, validation) in self.jobs.iter().zip(validations) {
            for &finding in &job.findings {
                out[finding] = Some(validation.clone());
            }
        }
        out.into_iter().map(|v| v.expect("every finding has a validation or a reason")).collect()
    }
}

pub(crate) fn plan(findings: &[Finding], catalog: &Catalog, options: &Options) -> Plan {
    let mut jobs: Vec<Job> = Vec::new();
    let mut by_identity: HashMap<String, usize> = HashMap::new();
    let mut unchecked: Vec<Option<Validation>> = vec![None; findings.len()];
    for (index, finding) in findings.iter().enumerate() {
        let Some(validator) = catalog.validator_for(&finding.rule.id) else { continue };
        // The partner key is the finding's own part (`pair` in the rule), or else the
        // nearest finding of the partner's rule in the same file.
        let part = |rule: &str| finding.part.as_deref().filter(|p| p.rule.id == rule);
        let partner = validator
            .pair
            .as_deref()
            .filter(|rule| part(rule).is_none())
            .map(|rule| nearest(findings, finding, rule));
        let pair = validator.pair.as_deref().map(|rule| match part(rule) {
            Some(part) => Some(part.secret.as_str()),
            None => partner.flatten().map(|i| findings[i].secret.as_str()),
        });
        let (values, identity) = match gather(findings, finding, validator, pair) {
            Ok(gathered) => gathered,
            Err(reason) => {
                unchecked[index] = Some(Validation::unknown(reason));
                continue;
            }
        };
        let mut members = vec![index];
        members.extend(partner.flatten());
        match by_identity.get(&identity) {
            Some(&job) => jobs[job].findings.extend(members),
            None => {
                let request = build(validator, &values, options).map_err(Validation::unknown);
                by_identity.insert(identity, jobs.len());
                jobs.push(Job { validator: Arc::clone(validator), request, findings: members });
            }
        }
    }
    // The same secret found by another rule (a `.env` line, a wrong header) shares the answer.
    let by_secret: HashMap<&str, usize> = jobs
        .iter()
        .enumerate()
        .map(|(job, j)| (findings[j.findings[0]].secret_sha256.as_str(), job))
        .collect();
    let mut shared = Vec::new();
    let mut in_job = vec![false; findings.len()];
    for &index in jobs.iter().flat_map(|job| &job.findings) {
        in_job[index] = true;
    }
    for (index, finding) in findings.iter().enumerate() {
        if in_job[index] || unchecked[index].is_some() {
            continue;
        }
        if let Some(&job) = by_secret.get(finding.secret_sha256.as_str()) {
            shared.push((job, index));
            continue;
        }
        let reason = match catalog.pair_rules().find(|(pair, _)| *pair == finding.rule.id) {
            Some((_, v)) => format!(
                "checked only together with its partner key ({}) in the same file",
                v.rules.join(", ")
            ),
            None => format!(
                "keyhound has no validator for {} ({})",
                finding.rule.name, finding.rule.provider
            ),
        };
        unchecked[index] = Some(Validation::unknown(reason));
    }
    for (job, index) in shared {
        jobs[job].findings.push(index);
    }
    Plan { jobs, unchecked }
}

/// The finding of `rule` in the same file nearest to `finding`'s line.
fn nearest(findings: &[Finding], finding: &Finding, rule: &str) -> Option<usize> {
    findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.rule.id == rule && f.location == finding.location)
        .min_by_key(|(_, f)| f.span.line.abs_diff(finding.span.line))
        .map(|(i, _)| i)
}

/// The template values and the identity that deduplicates requests (hashes only).
fn gather<'a>(
    findings: &'a [Finding],
    finding: &'a Finding,
    validator: &'a Validator,
    pair: Option<Option<&'a str>>,
) -> Result<(Values<'a>, String), String> {
    let pair = match pair {
        None => None,
        Some(Some(secret)) => Some(secret),
        Some(None) => {
            return Err(format!(
                "checked only together with its partner key ({}) in the same file",
                validator.pair.as_deref().unwrap_or_default()
            ));
        }
    };
    let mut variables = Vec::new();
    for (source, vars) in
        [(&finding.snippet, &validator.from_line), (&finding.secret, &validator.from_secret)]
    {
        for variable in vars {
            let value = read_variable(variable, source).ok_or_else(|| {
                format!("checked only when its {} is on the same line", variable.name)
            })?;
            variables.push((variable.name.as_str(), value));
        }
    }
    let session = match (validator.signing, pair) {
        (Some(Signing::AwsSigV4), Some(key_id)) if key_id.starts_with("ASIA") => {
            let token = nearest(findings, finding, AWS_SESSION_TOKEN_RULE).ok_or(
                "a temporary (ASIA) key is checked only with its session token in the same file",
            )?;
            Some(findings[token].secret.as_str())
        }
        _ => None,
    };
    if let Some(token) = session {
        variables.push(("session_token", token.to_string()));
    }
    let mut identity = format!("{}\0{}", validator.provider_id, validator.request.url);
    for part in std::iter::once(finding.secret.as_str())
        .chain(pair)
        .chain(variables.iter().map(|(_, v)| v.as_str()))
    {
        identity.push('\0');
        identity.push_str(&sha256_hex(part.as_bytes()));
    }
    Ok((Values { secret: &finding.secret, pair, variables }, identity))
}

/// The first match of the variable's pattern, if it is a plain host-name-like word: a value
/// from scanned content can select one of the provider's own hosts, never name another.
pub(super) fn read_variable(variable: &Variable, text: &str) -> Option<String> {
    let found = variable.pattern.find(text.as_bytes())?;
    let value = &text[found.start()..found.end()];
    let plain = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    plain.then(|| value.to_string())
}

/// The request, signed when the validator signs.
pub(crate) fn build(
    validator: &Validator,
    values: &Values,
    options: &Options,
) -> Result<Prepared, String> {
    let mut prepared =
        request::prepare(&validator.request, values, options.base_for(&validator.provider_id))?;
    if validator.signing == Some(Signing::AwsSigV4) {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        sign_aws(&mut prepared, values, &sigv4::amz_date(now));
    }
    Ok(prepared)
}

fn sign_aws(prepared: &mut Prepared, values: &Values, amz_date: &str) {
    let uri: ureq::http::Uri = prepared.url.parse().expect("prepare checked the URL");
    let host = uri.authority().map_or("", |a| a.as_str()).to_string();
    let session_token =
        values.variables.iter().find(|(n, _)| *n == "session_token").map(|(_, v)| v.as_str());
    let signable = sigv4::Signable {
        method: prepared.method.as_str(),
        host: &host,
        path: uri.path(),
        query: uri.query().unwrap_or(""),
        headers: &prepared.headers,
        body: prepared.body.as_deref().unwrap_or(b""),
        region: sigv4::STS_REGION,
        service: sigv4::STS_SERVICE,
        amz_date,
    };
    let credentials = sigv4::Credentials {
        access_key_id: values.pair.unwrap_or(""),
        secret_access_key: values.secret,
        session_token,
    };
    let added = sigv4::sign(&signable, &credentials);
    prepared.headers.extend(added);
}

#[cfg(test)]
mod tests {
    use super::super::request::host_of;
    use super::*;
    use crate::{engine::Engine, fake::FakeGen, model::LineIndex};

    fn builtin() -> (Catalog, Engine) {
        let engine =
            Engine::new(crate::rules::builtin_rules().unwrap(), Default::default()).unwrap();
        (Catalog::builtin().unwrap(), engine)
    }

    fn scan(engine: &Engine, text: &str) -> Vec<Finding> {
        let lines = LineIndex::new();
        let content = text.as_bytes();
        let matches = engine.scanner().scan(content);
        let finding = |m: &crate::engine::Match| {
            let rule = engine.rule(m.rule).clone();
            Finding::new(
                rule,
                crate::model::Location::file("x"),
                content,
                &lines,
                m.secret_start..m.secret_end,
            )
        };
        matches.iter().map(finding).collect()
    }

    /// Every validator's example, scanned by the built-in rules, gives one request that
    /// carries the found secret and goes to the validator's own host.
    #[test]
    fn every_example_plans_one_request_with_its_secret() {
        let (catalog, engine) = builtin();
        for (seed, validator) in catalog.validators().iter().enumerate() {
            let text = FakeGen::new(seed as u64).expand(&validator.example).unwrap();
            let findings = scan(&engine, &text);
            let plan = plan(&findings, &catalog, &Options::default());
            let provider = &validator.provider;
            assert_eq!(
                plan.jobs.len(),
                1,
                "{provider}: {:?}",
                findings.iter().map(|f| &f.rule.id).collect::<Vec<_>>()
            );
            let job = &plan.jobs[0];
            let request = job.request.as_ref().unwrap_or_else(|v| panic!("{provider}: {v}"));
            let secret = &findings[job.findings[0]].secret;
            assert!(validator.rules.contains(&findings[job.findings[0]].rule.id), "{provider}");
            let after_scheme = validator.request.url.split_once("://").unwrap().1;
            let template_host = after_scheme.split('/').next().unwrap();
            let host = host_of(&request.url);
            // A variable may pick a subdomain, never the domain (`{dc}.api.mailchimp.com`).
            let fixed = template_host.rsplit_once('}').map_or(template_host, |(_, rest)| rest);
            assert!(
                host.ends_with(fixed) && host.contains('.'),
                "{provider}: {host} vs {template_host}"
            );
            let basic = request
                .headers
                .iter()
                .any(|(n, v)| n == "Authorization" && v.starts_with("Basic "));
            let carried = request.url.contains(secret.as_str())
                || request.headers.iter().any(|(_, v)| v.contains(secret.as_str()))
                || basic
                || validator.signing.is_some();
            assert!(carried, "{provider}: the request does not carry the secret");
        }
    }

    #[test]
    fn shop_domains_come_only_from_myshopify_and_aws_needs_its_pair() {
        let (catalog, engine) = builtin();
        let scan = |text: &str| scan(&engine, text);
        let mut fake = FakeGen::new(1);
        let token = fake.expand("shpat_{{hex:32}}").unwrap();
        let findings =
            scan(&format!("url = \"https://evil.example/{token}\" host = attacker.test"));
        let plan = plan(&findings, &catalog, &Options::default());
        assert!(plan.jobs.is_empty());
        let validations = plan.assign(Vec::new());
        assert!(validations[0].detail.contains("shop"), "{}", validations[0].detail);

        let key_id = fake.expand("AKIA{{upper:16}}").unwrap();
        let findings = scan(&format!("aws_access_key_id = {key_id}\n"));
        let validations = super::plan(&findings, &catalog, &Options::default()).assign(Vec::new());
        assert!(validations[0].detail.contains("together with"), "{}", validations[0].detail);
    }
}
