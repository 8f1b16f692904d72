//! The serde shape of a rules file. Unknown keys are errors: a misspelt `entropy` must not
//! silently disable a check.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::Severity;
use crate::{checksum::Checksum, model::Tracking};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFileSpec {
    pub(crate) provider: Option<String>,
    /// `false` when `provider` names a kind of secret (Database, Private key) rather than the
    /// service that issued it, so reports never say "revoke it at Private key".
    pub(crate) issuer: Option<bool>,
    pub(crate) rotation: Option<Rotation>,
    pub(crate) auth: Option<Auth>,
    /// Live checks and self-revocation requests: read by `crate::validate`, not by rules.
    #[serde(default, rename = "validate")]
    pub(crate) _validate: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "revoke")]
    pub(crate) _revoke: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    pub(crate) rules: Vec<Spanned<RuleSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) provider: Option<String>,
    /// Overrides the file's `issuer`.
    pub(crate) issuer: Option<bool>,
    pub(crate) severity: Severity,
    /// Optional only for rules with a `check`: those are reported by code, not by a match.
    pub(crate) regex: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) keywords: Vec<String>,
    pub(crate) entropy: Option<f64>,
    pub(crate) checksum: Option<Checksum>,
    #[serde(default)]
    pub(crate) generic: bool,
    /// The value is a password someone chose: judged by what it is (a placeholder, reference,
    /// name or words are dropped), not by how random it looks; see [`super::Rule::password`].
    #[serde(default)]
    pub(crate) password: bool,
    /// Reported in configuration files only: see [`super::Rule::configuration_only`].
    #[serde(default)]
    pub(crate) configuration_only: bool,
    /// The rule that finds this credential's other part (its key id): see [`super::Rule::pair`].
    pub(crate) pair: Option<String>,
    /// The most keyhound may claim for this rule's matches: see [`super::Rule::confidence_cap`].
    pub(crate) confidence: Option<ConfidenceCap>,
    pub(crate) rotation: Option<Rotation>,
    pub(crate) auth: Option<Auth>,
    #[serde(default)]
    pub(crate) positive: Vec<String>,
    #[serde(default)]
    pub(crate) negative: Vec<String>,
    /// Why this is a problem and what the right form is (shown by `keyhound explain`).
    pub(crate) description: Option<String>,
    /// Which built-in check reports this rule; its regex, if any, only selects what the
    /// check inspects.
    pub(crate) check: Option<CheckKind>,
    /// The path the rule's examples are scanned as (path-dependent checks such as `.env`).
    pub(crate) path: Option<String>,
    /// Whether the rule's examples are scanned as committed, untracked or outside git.
    pub(crate) tracking: Option<Tracking>,
}

/// A ceiling on a rule's confidence, for formats that are certain in shape but often not a
/// live credential (a bare password hash is mostly a test fixture's): `low` findings show
/// only with `--confidence low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfidenceCap {
    Low,
    Medium,
}

/// The built-in check that reports a rule through code rather than a regex match alone. Each
/// check reports exactly one rule; the checks find their rule by this kind, so a misspelt
/// kind fails when the rule file loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// `src/checks/headers/`: `bearer` or `BEARER` where the scheme is `Bearer`.
    BearerCase,
    /// `Token <key>`, `Basic <key>` or a bare key where the provider wants another scheme.
    WrongScheme,
    /// A provider's key in a header that provider ignores.
    WrongHeaderName,
    /// A key in a URL's query string for a provider that takes headers.
    KeyInQueryString,
    /// A literal credential in a header value.
    HardcodedHeaderKey,
    /// `src/checks/dotenv.rs`: a committed `.env` file.
    DotenvCommitted,
    /// A `.env` file one `git add` away from being committed.
    DotenvPresent,
    /// A secret-looking `NAME=value` line in a `.env` file.
    DotenvSecret,
    /// `src/checks/encoded.rs`: `user:password` values a format writes in base64 (Docker
    /// `auth`, `Authorization: Basic`, `.npmrc` `_auth`). Unlike the others it marks several
    /// rules: their matches are what the check decodes.
    Encoded,
    /// `src/checks/credential_files.rs`: a committed `.git-credentials`, `.netrc`, `.pgpass`...
    CredentialFileCommitted,
    /// A credential file one `git add` away from being committed.
    CredentialFilePresent,
}

impl CheckKind {
    /// Whether exactly one rule may name it (the check reports that rule).
    pub(crate) fn reports_one_rule(self) -> bool {
        self != CheckKind::Encoded
    }

    /// Whether the credential-file check reports it.
    pub(crate) fn is_credential_file(self) -> bool {
        matches!(self, CheckKind::CredentialFileCommitted | CheckKind::CredentialFilePresent)
    }

    /// Whether the header checks report it (their rules' matches select the lines they read).
    pub(crate) fn is_header(self) -> bool {
        matches!(
            self,
            CheckKind::BearerCase
                | CheckKind::WrongScheme
                | CheckKind::WrongHeaderName
                | CheckKind::KeyInQueryString
                | CheckKind::HardcodedHeaderKey
        )
    }
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

impl Rotation {
    /// The steps with their labels, in order: what every rendering of the advice lists.
    pub(crate) fn steps(&self) -> [(&'static str, &str); 4] {
        [
            ("1. Revoke:  ", &self.revoke),
            ("2. Reissue: ", &self.reissue),
            ("3. Verify:  ", &self.verify),
            ("Docs: ", &self.docs),
        ]
    }
}

/// The steps one indented line each, unwrapped (`report::layout::rotation` wraps them).
impl std::fmt::Display for Rotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (label, text) in self.steps() {
            writeln!(f, "  {label}{text}")?;
        }
        Ok(())
    }
}

/// How a provider accepts its keys, for the header checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Auth {
    #[serde(default)]
    pub(crate) headers: Vec<String>,
    #[serde(default)]
    pub(crate) hosts: Vec<String>,
    #[serde(default)]
    pub(crate) query_params: Vec<String>,
}
