//! The serde shape of a rules file. Unknown keys are errors: a misspelt `entropy` must not
//! silently disable a check.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::Severity;
use crate::checksum::Checksum;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFileSpec {
    pub provider: Option<String>,
    pub rotation: Option<Rotation>,
    pub auth: Option<Auth>,
    #[serde(default)]
    pub rules: Vec<Spanned<RuleSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    pub provider: Option<String>,
    pub severity: Severity,
    pub regex: Spanned<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub entropy: Option<f64>,
    pub checksum: Option<Checksum>,
    #[serde(default)]
    pub generic: bool,
    pub rotation: Option<Rotation>,
    pub auth: Option<Auth>,
    #[serde(default)]
    pub positive: Vec<String>,
    #[serde(default)]
    pub negative: Vec<String>,
}

/// How to revoke and replace a leaked credential of this kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    pub revoke: String,
    pub reissue: String,
    pub verify: String,
    pub docs: String,
}

/// How a provider accepts its keys, for the header checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub query_params: Vec<String>,
}
