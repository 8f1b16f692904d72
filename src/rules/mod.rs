//! Rule loading: the TOML schema of `rules/*.toml`, resolution of file-level defaults, and
//! validation with errors that name the file and line.

mod builtin;
mod schema;

use std::{fmt, path::Path, sync::Arc};

use schema::RuleFileSpec;
pub(crate) use schema::{Auth, CheckKind, ConfidenceCap, Rotation, RuleSpec};
use serde::{Deserialize, Serialize};

use crate::{checksum::Checksum, model::Tracking};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Where a rule was defined, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) file: String,
    pub(crate) line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A fully resolved rule: file-level provider, rotation and auth already applied.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub(crate) name: String,
    pub provider: String,
    /// Whether `provider` issued the credential (AWS, GitHub) rather than naming its kind
    /// (Database, Private key, Generic); see [`Rule::issuer`].
    pub(crate) issued_by_provider: bool,
    pub(crate) severity: Severity,
    pub regex: String,
    pub keywords: Vec<String>,
    pub(crate) entropy: Option<f64>,
    pub(crate) checksum: Option<Checksum>,
    /// Generic rules match any provider's value; a provider rule's match always wins.
    pub generic: bool,
    /// The value is a password someone chose (`password: Forge123`, or in a URL's user info):
    /// where no `entropy` floor vouches for it (a generic password rule has none; a rule with
    /// one, below it) it is judged as a password rather than dropped, and reported at `medium`
    /// in configuration files when it looks set for real, at `low` otherwise.
    pub(crate) password: bool,
    /// Matches only count in configuration files (YAML, `.properties`, `.env`, ...): a value
    /// whose key names it (`salt: ...`) configures it there, where in code the same key is a
    /// test's vector or a protocol's public value.
    pub configuration_only: bool,
    /// The rule that finds this credential's other part (an AWS access key id beside its
    /// secret key): a finding of it near this rule's finding is reported inside it.
    pub(crate) pair: Option<String>,
    /// The highest confidence this rule's findings are reported at (`confidence` in its
    /// file); `None` leaves it to the rule's kind.
    pub(crate) confidence_cap: Option<ConfidenceCap>,
    pub rotation: Arc<Rotation>,
    pub(crate) auth: Arc<Auth>,
    pub positive: Vec<String>,
    pub negative: Vec<String>,
    pub(crate) origin: Origin,
    /// Line of the `regex` key, for regex errors.
    pub(crate) regex_line: usize,
    /// Why this matters and the right form; empty for most provider rules.
    pub(crate) description: String,
    /// Set for rules reported by a built-in check (`src/checks`); their regex (empty when
    /// absent) only selects what the check inspects, and a match alone is never a finding.
    pub check: Option<CheckKind>,
    /// The path and git state this rule's examples are scanned as.
    pub(crate) example_path: Option<String>,
    pub(crate) example_tracking: Tracking,
}

impl Rule {
    /// The service to revoke the credential at, when the provider is one (`AWS`), not a
    /// kind of secret (`Private key`).
    pub(crate) fn issuer(&self) -> Option<&str> {
        self.issued_by_provider.then_some(self.provider.as_str())
    }
}

/// A problem in a rules file, reported as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub(crate) file: String,
    /// 0 when the file could not be read at all.
    pub line: usize,
    pub(crate) message: String,
}

impl fmt::Display for RuleError {
    /// `file:line: message`, or `file: message` for a file that could not be read (line 0).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.file, self.message),
            line => write!(f, "{}:{line}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

/// A problem with one rule that does not stop loading: a lint, a failing example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub(crate) rule_id: String,
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: rule `{}`: {}", self.file, self.line, self.rule_id, self.message)
    }
}

/// Parses one rules file. `file` is the name used in errors.
pub fn parse_rules_file(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let spec: RuleFileSpec = toml::from_str(text).map_err(|err| RuleError {
        file: file.to_string(),
        line: err.span().map_or(1, |span| line_of(text, span.start)),
        message: first_line(err.message()),
    })?;
    resolve_file(file, text, spec)
}

/// Parses rules declared inside another TOML document (the `[[rules]]` of `keyhound.toml`).
pub(crate) fn resolve_rule_specs(
    file: &str,
    text: &str,
    specs: Vec<toml::Spanned<RuleSpec>>,
) -> Result<Vec<Rule>, RuleError> {
    resolve_file(
        file,
        text,
        RuleFileSpec {
            provider: None,
            issuer: None,
            rotation: None,
            auth: None,
            _validate: None,
            _revoke: None,
            rules: specs,
        },
    )
}

fn resolve_file(file: &str, text: &str, spec: RuleFileSpec) -> Result<Vec<Rule>, RuleError> {
    let file_rotation = spec.rotation.map(Arc::new);
    let file_auth = Arc::new(spec.auth.unwrap_or_default());
    let mut rules = Vec::with_capacity(spec.rules.len());
    for spanned in spec.rules {
        let line = line_of(text, spanned.span().start);
        let rule = spanned.into_inner();
        let error = |message: String| RuleError { file: file.to_string(), line, message };
        let provider = rule
            .provider
            .or_else(|| spec.provider.clone())
            .ok_or_else(|| error(format!("rule `{}` has no provider (set `provider`)", rule.id)))?;
        let rotation = match (rule.rotation, &file_rotation) {
            (Some(own), _) => Arc::new(own),
            (None, Some(shared)) => Arc::clone(shared),
            (None, None) => {
                return Err(error(format!("rule `{}` has no rotation advice", rule.id)));
            }
        };
        let auth = rule.auth.map(Arc::new).unwrap_or_else(|| Arc::clone(&file_auth));
        let (regex_line, regex) = match (rule.regex, rule.check) {
            (Some(regex), _) => (line_of(text, regex.span().start), regex.into_inner()),
            (None, Some(_)) => (line, String::new()),
            (None, None) => return Err(error(format!("rule `{}` has no regex", rule.id))),
        };
        rules.push(Rule {
            id: rule.id,
            name: rule.name,
            provider,
            issued_by_provider: rule.issuer.or(spec.issuer).unwrap_or(true),
            severity: rule.severity,
            regex_line,
            regex,
            keywords: rule.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
            entropy: rule.entropy,
            checksum: rule.checksum,
            generic: rule.generic,
            password: rule.password,
            configuration_only: rule.generic && rule.configuration_only,
            pair: rule.pair,
            confidence_cap: rule.confidence,
            rotation,
            auth,
            positive: rule.positive,
            negative: rule.negative,
            origin: Origin { file: file.to_string(), line },
            description: rule.description.unwrap_or_default(),
            check: rule.check,
            example_path: rule.path,
            example_tracking: rule.tracking.unwrap_or_default(),
        });
    }
    Ok(rules)
}

/// The rules compiled into the binary from `rules/*.toml`.
pub fn builtin_rules() -> Result<Vec<Rule>, RuleError> {
    let mut rules = Vec::new();
    for (file, text) in builtin::BUILTIN_RULE_FILES {
        rules.extend(parse_rules_file(file, text)?);
    }
    Ok(rules)
}

/// The embedded rule files as `(name, text)`, for readers of their other tables.
pub(crate) fn builtin_rule_files() -> &'static [(&'static str, &'static str)] {
    builtin::BUILTIN_RULE_FILES
}

/// Reads and parses a rules file from disk.
pub(crate) fn load_rules_file(path: &Path) -> Result<Vec<Rule>, RuleError> {
    let (name, text) = read_text(path, "rules file")?;
    parse_rules_file(&name, &text)
}

/// The name errors give `path`, and its text; a read failure is an error at its line 1.
/// `what` says what the file is (`rules file`, `configuration`).
pub(crate) fn read_text(path: &Path, what: &str) -> Result<(String, String), RuleError> {
    let name = path.display().to_string();
    match crate::input::read_input_file(path) {
        Ok(text) => Ok((name, text)),
        Err(err) => {
            Err(RuleError { file: name, line: 0, message: format!("cannot read {what}: {err}") })
        }
    }
}

/// Rejects duplicate ids across all loaded rules.
pub fn check_unique_ids(rules: &[Rule]) -> Result<(), RuleError> {
    let mut seen: std::collections::HashMap<&str, &Origin> = Default::default();
    let mut checks: std::collections::HashMap<CheckKind, &Rule> = Default::default();
    for rule in rules {
        let error = |message: String| RuleError {
            file: rule.origin.file.clone(),
            line: rule.origin.line,
            message,
        };
        if let Some(first) = seen.insert(&rule.id, &rule.origin) {
            return Err(error(format!(
                "duplicate rule id `{}` (first defined at {first})",
                rule.id
            )));
        }
        if let Some(first) = rule
            .check
            .filter(|kind| kind.reports_one_rule())
            .and_then(|kind| checks.insert(kind, rule))
        {
            return Err(error(format!(
                "rule `{}` names the check of rule `{}` ({}); each check reports one rule",
                rule.id, first.id, first.origin
            )));
        }
    }
    Ok(())
}

pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..offset.min(text.len())]).count()
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"provider = "Acme"
[rotation]
revoke = "r"
reissue = "i"
verify = "v"
docs = "https://acme.invalid/docs"

[[rules]]
id = "acme-key"
name = "Acme key"
severity = "high"
regex = '''acme_[a-z0-9]{16}'''
positive = ["acme_{{lower:16}}"]
"#;

    #[test]
    fn parses_and_inherits_file_defaults() {
        let rules = parse_rules_file("acme.toml", GOOD).unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].provider, "Acme");
        assert_eq!(rules[0].rotation.revoke, "r");
        assert_eq!(rules[0].origin.line, 8);
        assert_eq!(rules[0].regex_line, 12);
    }

    #[test]
    fn unknown_keys_are_errors_with_a_line() {
        let bad = GOOD.replace("severity = \"high\"", "severity = \"high\"\nsevrity = 1");
        let err = parse_rules_file("acme.toml", &bad).unwrap_err();
        assert_eq!(err.file, "acme.toml");
        assert_eq!(err.line, 12, "{err}");
        assert!(err.message.contains("sevrity"), "{err}");
    }

    #[test]
    fn a_bad_severity_names_the_line() {
        let bad = GOOD.replace("\"high\"", "\"urgent\"");
        let err = parse_rules_file("acme.toml", &bad).unwrap_err();
        assert_eq!(err.line, 11, "{err}");
    }

    #[test]
    fn missing_rotation_is_an_error() {
        let bad = GOOD.replace("[rotation]", "[unused]").replace("revoke = \"r\"\n", "");
        assert!(parse_rules_file("acme.toml", &bad).is_err());
    }

    #[test]
    fn builtin_rules_load_with_unique_ids() {
        let rules = builtin_rules().unwrap();
        assert!(!rules.is_empty());
        check_unique_ids(&rules).unwrap();
    }

    #[test]
    fn a_misspelt_check_fails_at_load() {
        let check = |kind: &str| {
            GOOD.replace("severity = \"high\"", &format!("severity = \"high\"\ncheck = \"{kind}\""))
        };
        let rules = parse_rules_file("acme.toml", &check("bearer-case")).unwrap();
        assert_eq!(rules[0].check, Some(CheckKind::BearerCase));
        let err = parse_rules_file("acme.toml", &check("bearer-cas")).unwrap_err();
        assert_eq!(err.line, 12, "{err}");
        assert!(err.message.contains("bearer-cas"), "{err}");
    }

    #[test]
    fn each_check_reports_one_rule() {
        let builtin = builtin_rules().unwrap();
        let bearer = builtin.iter().find(|r| r.check == Some(CheckKind::BearerCase)).unwrap();
        let mut twin = bearer.clone();
        twin.id = "another-bearer-case".into();
        let err = check_unique_ids(&[bearer.clone(), twin]).unwrap_err();
        assert!(err.message.contains("each check reports one rule"), "{err}");
    }
}
