//! `keyhound doctor`: "my API call gets 401/403" as one command. Recognises the key, prints
//! the header its provider expects and the usual wrong ones, sends one validation request
//! unless offline, and says what the answer means and where to change the key.

use std::io::{self, Write};

use super::{
    Options, Status, Validation,
    catalog::{Catalog, Signing, Validator},
    http::Client,
    jobs,
    recognise::recognise,
    request::Values,
};
use crate::{finding::redact, rules::Rule};

/// How `doctor` ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The key is live, or (offline) its format and checksum are right.
    Healthy,
    /// Not accepted, not permitted, a checksum typo, or an unknown format.
    Problem,
}

pub(crate) fn doctor(
    key: &str,
    rules: &[Rule],
    catalog: &Catalog,
    options: &Options,
    offline: bool,
    out: &mut dyn Write,
) -> io::Result<Verdict> {
    writeln!(out, "key: {} ({} characters)", redact(key), key.chars().count())?;
    let recognition = recognise(key, rules);
    let Some(rule) = recognition.rule else {
        for rule in &recognition.bad_checksum {
            writeln!(
                out,
                "format: a {} ({}), but its checksum is wrong: a typo or a truncated copy. This key cannot work; copy it again from where it was issued.",
                rule.name, rule.id
            )?;
        }
        if recognition.bad_checksum.is_empty() {
            writeln!(
                out,
                "format: not recognised. keyhound knows keys by their prefix and shape (`keyhound rules`); a key without one (a bare hex string) cannot be told apart."
            )?;
        }
        return Ok(Verdict::Problem);
    };
    let checksum = if rule.checksum.is_some() { ", checksum ok" } else { "" };
    writeln!(out, "format: {} [{}], provider {}{checksum}", rule.name, rule.id, rule.provider)?;
    let validator = catalog.validator_for(&rule.id);
    let partnered = catalog.pair_rules().find(|(pair, _)| *pair == rule.id).map(|(_, v)| v);
    if validator.or(partnered).is_some_and(|v| v.signing == Some(Signing::AwsSigV4)) {
        writeln!(
            out,
            "send it: signed, never as such. AWS requests carry `Authorization: AWS4-HMAC-SHA256 Credential=<access key id>/<date>/<region>/<service>/aws4_request, SignedHeaders=..., Signature=...` (Signature V4, computed from the secret key by an AWS SDK or the CLI)."
        )?;
        writeln!(
            out,
            "not as:\n  Authorization: Bearer <key>    (AWS never takes a key as a bearer token)"
        )?;
        writeln!(out, "  x-api-key: <key>    (the secret key itself is never sent)")?;
    } else {
        write_headers(rule, validator.map(|v| v.as_ref()), out)?;
    }
    let Some(validator) = validator else {
        match partnered {
            Some(v) => writeln!(
                out,
                "check: checked together with its partner key ({}): run `keyhound scan --validate` on a file that holds both.",
                v.rules.join(", ")
            )?,
            None => writeln!(out, "check: keyhound has no live check for this kind of key.")?,
        }
        return Ok(Verdict::Healthy);
    };
    if offline {
        writeln!(out, "check: skipped (--offline)")?;
        return Ok(Verdict::Healthy);
    }
    if validator.pair.is_some() || !validator.from_line.is_empty() {
        writeln!(
            out,
            "check: this key is checked together with its {} (run `keyhound scan --validate` on a file that holds both).",
            validator.pair.as_deref().map_or_else(
                || validator
                    .from_line
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                str::to_string
            )
        )?;
        return Ok(Verdict::Healthy);
    }
    let validation = check(key, validator, options);
    writeln!(
        out,
        "check: {} {} → {}{}",
        validator.request.method.as_str(),
        strip_query(&validator.request.url),
        validation.status,
        validation.http_status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
    )?;
    explain(&validation, rule, validator, out)?;
    Ok(if validation.status == Status::Live { Verdict::Healthy } else { Verdict::Problem })
}

fn check(key: &str, validator: &Validator, options: &Options) -> Validation {
    let values = Values { secret: key, pair: None, variables: Vec::new() };
    let mut variables = Vec::new();
    for variable in &validator.from_secret {
        match jobs::read_variable(variable, key) {
            Some(value) => variables.push((variable.name.as_str(), value)),
            None => return Validation::unknown(format!("the key holds no {}", variable.name)),
        }
    }
    let values = Values { variables, ..values };
    match jobs::build(validator, &values, options) {
        Ok(request) => {
            let reply = Client::new(options.timeout).send(&request);
            super::answer::read(&validator.answer, &reply, options.timeout.as_secs_f64())
        }
        Err(reason) => Validation::unknown(reason),
    }
}

/// The URL as printed: its path names the endpoint; a query never holds more than that.
fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// The exact header the provider expects, then the mistakes that produce a 401 anyway.
fn write_headers(
    rule: &Rule,
    validator: Option<&Validator>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if let Some(basic) = validator.and_then(|v| v.request.basic_auth.as_deref()) {
        let credentials = basic.replace("{secret}", "<key>");
        writeln!(out, "send it as:\n  Authorization: Basic base64(\"{credentials}\")")?;
        writeln!(
            out,
            "not as:\n  Authorization: Basic <key>    (Basic takes user:password, base64-encoded)"
        )?;
        return writeln!(out, "  Authorization: Bearer <key>    ({} wants Basic)", rule.provider);
    }
    let expected = expected_header(rule, validator);
    let Some((name, scheme)) = expected else {
        if let Some(v) = validator.filter(|v| v.request.url.contains("{secret}")) {
            writeln!(out, "send it: in the URL, {}", v.request.url.replace("{secret}", "<key>"))?;
        }
        return Ok(());
    };
    let shown = |scheme: &str| {
        if scheme.is_empty() { "<key>".to_string() } else { format!("{scheme} <key>") }
    };
    writeln!(out, "send it as:\n  {name}: {}", shown(&scheme))?;
    writeln!(out, "not as:")?;
    // A form the provider documents is not a mistake (GitHub takes `token` as well).
    let documented = |alternative: &str| {
        rule.auth.headers.iter().any(|h| {
            h.split_once(':').is_some_and(|(n, s)| {
                n.trim().eq_ignore_ascii_case(&name) && s.trim().eq_ignore_ascii_case(alternative)
            })
        })
    };
    if scheme.chars().any(|c| c.is_ascii_uppercase()) {
        let lower = scheme.to_ascii_lowercase();
        writeln!(out, "  {name}: {}    (the scheme in lower case)", shown(&lower))?;
    }
    let provider = &rule.provider;
    match scheme.as_str() {
        "" => {}
        "Bearer" if !documented("Token") => {
            writeln!(out, "  {name}: Token <key>    (`Token` where {provider} wants `Bearer`)")?
        }
        "Bearer" => {}
        _ if !documented("Bearer") => {
            writeln!(out, "  {name}: Bearer <key>    (`Bearer` where {provider} wants `{scheme}`)")?
        }
        _ => {}
    }
    if name.eq_ignore_ascii_case("authorization") {
        writeln!(out, "  x-api-key: <key>    (the wrong header name)")?;
    } else {
        writeln!(out, "  Authorization: Bearer <key>    ({} reads `{name}`)", rule.provider)?;
    }
    if rule.auth.query_params.is_empty() {
        writeln!(
            out,
            "  https://…?api_key=<key>    (a key in the query string: logged everywhere, and ignored)"
        )?;
    }
    Ok(())
}

/// `(header name, scheme)`: from the validator's own request when there is one, else from
/// the rule file's `[auth]`.
fn expected_header(rule: &Rule, validator: Option<&Validator>) -> Option<(String, String)> {
    if let Some(v) = validator {
        let template = v.request.headers.iter().find(|h| h.contains("{secret}"))?;
        let (name, value) = template.split_once(':')?;
        let scheme = value.trim().trim_end_matches("{secret}").trim();
        return Some((name.trim().to_string(), scheme.to_string()));
    }
    let first = rule.auth.headers.first()?;
    Some(match first.split_once(':') {
        Some((name, scheme)) => (name.trim().to_string(), scheme.trim().to_string()),
        None => (first.trim().to_string(), String::new()),
    })
}

/// What the answer means, in plain words, and what to do about it.
fn explain(
    validation: &Validation,
    rule: &Rule,
    validator: &Validator,
    out: &mut dyn Write,
) -> io::Result<()> {
    match validation.status {
        Status::Live => writeln!(
            out,
            "meaning: the key works. If it was ever committed or shared, treat it as leaked: {}",
            rule.rotation.revoke
        ),
        Status::LiveLimited => writeln!(
            out,
            "meaning: 403 — the key is valid, but it lacks the permission (scope) for this call. A new key with the same permissions will not help: change what the key may do.\n  where: {}",
            validator.permissions
        ),
        Status::Invalid => writeln!(
            out,
            "meaning: 401 — this key is not accepted: it is mistyped or cut short, expired, revoked, or from another environment (test instead of live, another account, region or instance). {}\n  new key: {}",
            validation.detail, rule.rotation.reissue
        ),
        Status::Unknown => writeln!(
            out,
            "meaning: no conclusion: {}. Try again later, or check the network and HTTPS_PROXY.",
            validation.detail
        ),
    }
}
