//! Validators as data: the `[[validate]]` and `[[revoke]]` tables of the built-in rule files.
//! A table names the rules it applies to, the request (method, URL, header and body
//! templates) and how to read the answer; code exists only for what data cannot say
//! (Signature V4 signing).

use std::{collections::BTreeMap, collections::HashMap, sync::Arc};

use serde::Deserialize;

use crate::rules::{self, RuleError};

/// The request a validator or revoker sends. Templates may name `{secret}`, `{pair}` (the
/// partner finding's secret) and the variables of `from_line` / `from_secret`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestSpec {
    #[serde(default)]
    pub(crate) method: Method,
    pub(crate) url: String,
    /// `Name: value` templates.
    #[serde(default)]
    pub(crate) headers: Vec<String>,
    /// `user:password` template for `Authorization: Basic`.
    pub(crate) basic_auth: Option<String>,
    pub(crate) body: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub(crate) enum Method {
    #[default]
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
    #[serde(rename = "DELETE")]
    Delete,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// Request signing done in code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum Signing {
    /// AWS Signature Version 4 with `{pair}` as the access key id and the secret as the key.
    #[serde(rename = "aws-sigv4")]
    AwsSigV4,
}

/// How to read a provider's answer, beyond the defaults (2xx live, 401 invalid, 403
/// live-limited, anything else unknown).
#[derive(Debug, Clone, Default)]
pub struct AnswerSpec {
    /// Statuses that mean "not accepted" for this provider (Datadog's 403, Telegram's 404).
    pub invalid_status: Vec<u16>,
    /// Text a successful answer must contain (Slack answers 200 to everything).
    pub(crate) ok_body: Option<String>,
    /// Text in any answer that means "not accepted" (`token_revoked`).
    pub(crate) invalid_body: Vec<String>,
    /// Text in any answer that means "accepted but not permitted" (`missing_scope`).
    pub(crate) limited_body: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidatorSpec {
    rules: Vec<String>,
    request: RequestSpec,
    #[serde(default)]
    invalid_status: Vec<u16>,
    ok_body: Option<String>,
    #[serde(default)]
    invalid_body: Vec<String>,
    #[serde(default)]
    limited_body: Vec<String>,
    pair: Option<String>,
    signing: Option<Signing>,
    #[serde(default)]
    from_line: BTreeMap<String, String>,
    #[serde(default)]
    from_secret: BTreeMap<String, String>,
    permissions: String,
    example: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokerSpec {
    rules: Vec<String>,
    request: RequestSpec,
    ok_body: Option<String>,
}

/// The part of a rule file this module reads; everything else belongs to `rules`.
#[derive(Debug, Deserialize)]
struct FileSpec {
    provider: Option<String>,
    #[serde(default)]
    validate: Vec<ValidatorSpec>,
    #[serde(default)]
    revoke: Vec<RevokerSpec>,
}

/// A variable read from scanned text, restricted by its pattern.
#[derive(Debug, Clone)]
pub(crate) struct Variable {
    pub(crate) name: String,
    pub(crate) pattern: regex_automata::meta::Regex,
}

#[derive(Debug, Clone)]
pub struct Validator {
    /// Display name (`GitHub`).
    pub provider: String,
    /// What `--validator-url` and `keyhound rules` call it (`github`).
    pub provider_id: String,
    pub(crate) rules: Vec<String>,
    pub(crate) request: RequestSpec,
    pub answer: AnswerSpec,
    pub(crate) pair: Option<String>,
    pub(crate) signing: Option<Signing>,
    pub(crate) from_line: Vec<Variable>,
    pub(crate) from_secret: Vec<Variable>,
    /// Where the key's permissions are changed (for 403s).
    pub(crate) permissions: String,
    /// A template of text the validator's rules find, for tests.
    pub example: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Revoker {
    pub(crate) provider_id: String,
    pub(crate) request: RequestSpec,
    pub(crate) answer: AnswerSpec,
}

/// Every built-in validator and revoker, by rule id.
#[derive(Debug, Default)]
pub struct Catalog {
    validators: Vec<Arc<Validator>>,
    by_rule: HashMap<String, Arc<Validator>>,
    revokers: HashMap<String, Arc<Revoker>>,
}

/// `GitHub` → `github`, `Hugging Face` → `huggingface`: the id `--validator-url` takes.
pub fn provider_id(provider: &str) -> String {
    provider.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

impl Catalog {
    /// The validators of the rule files compiled into keyhound.
    pub fn builtin() -> Result<Catalog, RuleError> {
        let mut catalog = Catalog::default();
        for (file, text) in rules::builtin_rule_files() {
            catalog.add_file(file, text)?;
        }
        Ok(catalog)
    }

    fn add_file(&mut self, file: &str, text: &str) -> Result<(), RuleError> {
        let error =
            |line: usize, message: String| RuleError { file: file.to_string(), line, message };
        let spec: FileSpec = toml::from_str(text).map_err(|err| {
            error(
                err.span().map_or(1, |s| rules::line_of(text, s.start)),
                err.message().to_string(),
            )
        })?;
        let provider = spec.provider.unwrap_or_default();
        let id = provider_id(&provider);
        for v in spec.validate {
            let variables = |map: BTreeMap<String, String>| -> Result<Vec<Variable>, RuleError> {
                map.into_iter()
                    .map(|(name, pattern)| {
                        let pattern =
                            regex_automata::meta::Regex::new(&pattern).map_err(|err| {
                                error(1, format!("validator variable `{name}`: {err}"))
                            })?;
                        Ok(Variable { name, pattern })
                    })
                    .collect()
            };
            let validator = Arc::new(Validator {
                provider: provider.clone(),
                provider_id: id.clone(),
                from_line: variables(v.from_line)?,
                from_secret: variables(v.from_secret)?,
                rules: v.rules,
                request: v.request,
                answer: AnswerSpec {
                    invalid_status: v.invalid_status,
                    ok_body: v.ok_body,
                    invalid_body: v.invalid_body,
                    limited_body: v.limited_body,
                },
                pair: v.pair,
                signing: v.signing,
                permissions: v.permissions,
                example: v.example,
            });
            for rule in &validator.rules {
                if self.by_rule.insert(rule.clone(), Arc::clone(&validator)).is_some() {
                    return Err(error(1, format!("rule `{rule}` has two validators")));
                }
            }
            self.validators.push(validator);
        }
        for r in spec.revoke {
            let revoker = Arc::new(Revoker {
                provider_id: id.clone(),
                request: r.request,
                answer: AnswerSpec { ok_body: r.ok_body, ..AnswerSpec::default() },
            });
            for rule in r.rules {
                self.revokers.insert(rule, Arc::clone(&revoker));
            }
        }
        Ok(())
    }

    pub fn validators(&self) -> &[Arc<Validator>] {
        &self.validators
    }

    pub fn validator_for(&self, rule_id: &str) -> Option<&Arc<Validator>> {
        self.by_rule.get(rule_id)
    }

    pub(crate) fn revoker_for(&self, rule_id: &str) -> Option<&Arc<Revoker>> {
        self.revokers.get(rule_id)
    }

    /// Whether some validator or revoker answers to `provider_id`.
    pub(crate) fn knows_provider(&self, provider_id: &str) -> bool {
        self.validators.iter().any(|v| v.provider_id == provider_id)
            || self.revokers.values().any(|r| r.provider_id == provider_id)
    }

    /// The rules that are only checked as some validator's partner (`aws-access-key-id`).
    pub(crate) fn pair_rules(&self) -> impl Iterator<Item = (&str, &Arc<Validator>)> {
        self.validators.iter().filter_map(|v| v.pair.as_deref().map(|p| (p, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_validators_load_and_name_existing_rules() {
        let catalog = Catalog::builtin().unwrap();
        let rules = rules::builtin_rules().unwrap();
        let ids: std::collections::HashSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        let providers: std::collections::HashSet<&str> =
            catalog.validators().iter().map(|v| v.provider_id.as_str()).collect();
        assert!(providers.len() >= 25, "{providers:?}");
        for v in catalog.validators() {
            for rule in v.rules.iter().chain(&v.pair) {
                assert!(ids.contains(rule.as_str()), "{}: unknown rule {rule}", v.provider);
            }
            assert!(v.request.url.starts_with("https://"), "{}", v.request.url);
        }
        for rule in ["github-classic-pat", "gitlab-personal-access-token", "slack-bot-token"] {
            assert!(catalog.revoker_for(rule).is_some(), "{rule}");
        }
    }

    #[test]
    fn provider_ids_are_lower_case_alphanumerics() {
        assert_eq!(provider_id("GitHub"), "github");
        assert_eq!(provider_id("Hugging Face"), "huggingface");
        assert_eq!(provider_id("Twitter / X"), "twitterx");
    }
}
