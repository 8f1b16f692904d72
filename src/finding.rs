//! A finding: one secret, where it is, which rule found it, and how to identify it stably.

use std::{ops::Range, sync::Arc};

use crate::{
    classify::{Demotion, PasswordValue, password_value},
    model::{Encoded, LineIndex, Location, Span, fingerprint, sha256_hex},
    rules::{ConfidenceCap, Rule},
};

/// The git commit that introduced a finding (history scans).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Provenance {
    /// `None` for a blob no commit reaches.
    pub(crate) commit: Option<String>,
    pub(crate) author_name: String,
    pub(crate) author_email: String,
    /// Seconds since the Unix epoch, author time.
    pub(crate) time: i64,
    pub(crate) summary: String,
    /// `None` for a commit message or a ref name.
    pub(crate) blob: Option<String>,
    /// Line of the secret in the introducing commit's blob.
    pub(crate) line: usize,
    /// Whether HEAD's version of the path still holds the secret (`None`: no HEAD commit,
    /// or a blob no commit reaches).
    pub(crate) in_head: Option<bool>,
    /// Whether the working tree's file still holds it (`None`: a bare repository).
    pub(crate) in_worktree: Option<bool>,
    /// Every other place history holds the same secret (other commits, paths, lines).
    pub(crate) occurrences: Vec<Occurrence>,
}

/// Another place history holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Occurrence {
    /// `None` for a blob no commit reaches.
    pub(crate) commit: Option<String>,
    pub(crate) location: Location,
    pub(crate) line: usize,
    /// `None` for a commit message or a ref name.
    pub(crate) blob: Option<String>,
}

/// How sure keyhound is that a finding is a credential, measured on the hand-labelled real
/// repositories in `eval/real/`. Scans report `medium` and above unless `--confidence low`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Confidence {
    /// A heuristic: a lower-case `bearer` before a variable, a generic value in a test literal.
    Low,
    /// A generic rule's random value after a secret-naming key; a header check's literal.
    Medium,
    /// A provider's format (a fixed prefix, a checksum) or a complete private key.
    High,
}

impl Confidence {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// What a rule's matches are unless a check says otherwise: never above the rule's
    /// `confidence` cap.
    pub(crate) fn of_rule(rule: &Rule) -> Confidence {
        let of_kind = if rule.generic || rule.check.is_some() {
            Confidence::Medium
        } else {
            Confidence::High
        };
        match rule.confidence_cap {
            Some(ConfidenceCap::Low) => Confidence::Low,
            Some(ConfidenceCap::Medium) => of_kind.min(Confidence::Medium),
            None => of_kind,
        }
    }

    /// A password rule's finding is `medium` in a configuration file (where `password: x`
    /// configures a password) when the password looks set for real, and `low` in code (where
    /// it is more often a test's or an example's) or when it is a weak or sample one
    /// (`banana`, `welcome1`: [`PasswordValue::Weak`]); every other rule's is
    /// [`Confidence::of_rule`].
    pub(crate) fn of_finding(rule: &Rule, location: &Location, secret: &[u8]) -> Confidence {
        if rule.password && rule.entropy.is_none() {
            Confidence::of_chosen_password(rule, location, secret)
        } else {
            Confidence::of_rule(rule)
        }
    }

    /// A chosen password's: see [`Confidence::of_finding`].
    fn of_chosen_password(rule: &Rule, location: &Location, secret: &[u8]) -> Confidence {
        if location.path().is_some_and(is_configuration)
            && password_value(secret) == PasswordValue::Strong
        {
            Confidence::of_rule(rule).min(Confidence::Medium)
        } else {
            Confidence::Low
        }
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Confidence {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            other => Err(format!("unknown confidence {other:?} (expected low, medium or high)")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Arc<Rule>,
    pub(crate) location: Location,
    pub span: Span,
    pub secret: String,
    pub(crate) secret_sha256: String,
    /// Stable identity: rule, secret and path; no line numbers or commit ids, so it survives
    /// edits elsewhere in the file, rebases and squashes.
    pub(crate) fingerprint: String,
    /// The line holding the secret, with the secret redacted, trimmed for display.
    pub snippet: String,
    pub(crate) provenance: Option<Provenance>,
    /// What the provider said about the key (`scan --validate` only).
    pub(crate) validation: Option<crate::model::Validation>,
    pub(crate) confidence: Confidence,
    /// Why the confidence is `low` rather than the rule's, when a value judgement lowered it.
    pub(crate) demotion: Option<Demotion>,
    /// Set when the secret was found by decoding a base64 or hex span: `span` and `snippet`
    /// are the encoded span's, `secret` is the decoded value.
    pub(crate) encoded: Option<Encoded>,
    /// The credential's other part, when its rule names one ([`Rule::pair`]) and the scan
    /// found it nearby: one credential, one finding.
    pub(crate) part: Option<Box<Part>>,
}

/// The other part of a two-part credential, found in the same content as its finding: an AWS
/// access key id beside its secret key, a service account's private key beside its
/// `private_key_id`, a Twilio API key SID beside its secret.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    /// The rule that found it (the one the finding's rule names as its `pair`).
    pub(crate) rule: Arc<Rule>,
    /// Where it is, in the finding's location.
    pub(crate) span: Span,
    pub(crate) secret: String,
    pub(crate) secret_sha256: String,
}

impl Part {
    /// The part `finding` found (a finding of the pair's rule).
    pub(crate) fn of(finding: Finding) -> Self {
        Part {
            rule: finding.rule,
            span: finding.span,
            secret: finding.secret,
            secret_sha256: finding.secret_sha256,
        }
    }

    /// The part's value as reports show it unless `--show-secrets` is given.
    pub(crate) fn redacted_secret(&self) -> String {
        redact(&self.secret)
    }
}

impl Finding {
    /// A finding of `rule` whose secret is `content[secret]`.
    pub(crate) fn new(
        rule: Arc<Rule>,
        location: Location,
        content: &[u8],
        lines: &LineIndex,
        secret: Range<usize>,
    ) -> Self {
        let (start, end) = (secret.start, secret.end);
        let secret_bytes = &content[start..end];
        let secret = String::from_utf8_lossy(secret_bytes).into_owned();
        let secret_sha256 = sha256_hex(secret_bytes);
        let fingerprint = fingerprint(&rule.id, &secret_sha256, &location.name());
        let (line, column) = lines.position(content, start);
        let (end_line, end_column) = lines.position(content, end);
        let snippet = redacted_line(content, lines, start, end, &secret);
        let confidence = Confidence::of_finding(&rule, &location, secret_bytes);
        Finding {
            confidence,
            demotion: None,
            rule,
            location,
            span: Span { line, column, end_line, end_column },
            secret,
            secret_sha256,
            fingerprint,
            snippet,
            provenance: None,
            validation: None,
            encoded: None,
            part: None,
        }
    }

    /// A finding of `rule` whose `secret` was found by decoding `content[encoded]`: it sits at
    /// the encoded span, and its snippet redacts the encoded text.
    pub(crate) fn decoded(
        rule: Arc<Rule>,
        location: Location,
        content: &[u8],
        lines: &LineIndex,
        encoded: Range<usize>,
        secret: &[u8],
        layers: Vec<crate::model::Encoding>,
    ) -> Self {
        let text = String::from_utf8_lossy(&content[encoded.clone()]).into_owned();
        let mut finding = Finding::new(rule, location, content, lines, encoded);
        finding.secret = String::from_utf8_lossy(secret).into_owned();
        finding.secret_sha256 = sha256_hex(secret);
        finding.fingerprint =
            fingerprint(&finding.rule.id, &finding.secret_sha256, &finding.location.name());
        finding.encoded = Some(Encoded { layers, text });
        finding
    }

    /// The secret as reports show it unless `--show-secrets` is given.
    pub(crate) fn redacted_secret(&self) -> String {
        redact(&self.secret)
    }

    /// This finding at `low` confidence for `demotion`'s reason (unchanged for `None`); a
    /// chosen password at what [`Confidence::of_finding`] gives a password rule's value.
    pub(crate) fn demoted(mut self, demotion: Option<Demotion>) -> Self {
        if let Some(demotion) = demotion {
            self.confidence = match demotion {
                Demotion::ChosenPassword => Confidence::of_chosen_password(
                    &self.rule,
                    &self.location,
                    self.secret.as_bytes(),
                ),
                Demotion::TypedRun | Demotion::ChecksumFails => Confidence::Low,
            };
            self.demotion = Some(demotion);
        }
        self
    }
}

/// Keeps the first four characters (fewer for short secrets) so a reader can tell which
/// key it is without the report itself leaking it.
pub(crate) fn redact(secret: &str) -> String {
    let chars = secret.chars().count();
    let shown = 4.min(chars / 4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}****")
}

const SNIPPET_MAX_CHARS: usize = 160;
/// Bytes that hold at least `SNIPPET_MAX_CHARS + 1` characters (one is at most four bytes).
const SNIPPET_WINDOW: usize = (SNIPPET_MAX_CHARS + 1) * 4;

fn redacted_line(
    content: &[u8],
    lines: &LineIndex,
    start: usize,
    end: usize,
    secret: &str,
) -> String {
    let (line_start, line_end) = lines.line_bounds(content, start);
    // Only the first SNIPPET_MAX_CHARS characters are shown, so only SNIPPET_WINDOW bytes
    // either side are read: a finding on a long line costs no more than one on a short one.
    let text_start = lines.text_start(content, line_start).min(start);
    let before_end = start.min(text_start + SNIPPET_WINDOW);
    let before = String::from_utf8_lossy(&content[text_start..before_end]);
    // A multi-line secret (a PEM block) ends the snippet.
    let after_end = line_end.min(end.saturating_add(SNIPPET_WINDOW));
    let after =
        if end <= line_end { String::from_utf8_lossy(&content[end..after_end]) } else { "".into() };
    // A window cut short of the line's end is followed by more text: nothing to trim there.
    let after = if after_end < line_end { &after[..] } else { after.trim_end() };
    let text = if before_end < start {
        before.trim_start().to_string()
    } else {
        format!("{}{}{after}", before.trim_start(), redact(secret))
    };
    truncate_chars(&text, SNIPPET_MAX_CHARS)
}

/// `text` cut to at most `max` characters (then `…`). A cut inside a run of token characters
/// drops the whole run, so truncation never leaves a recognisable part of a secret that a
/// later redaction could no longer match.
fn truncate_chars(text: &str, max: usize) -> String {
    let Some((cut, next)) = text.char_indices().nth(max) else {
        return text.to_string();
    };
    let is_token_char =
        |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '/' | '=' | '.' | '~' | '%');
    let kept = if is_token_char(next) {
        text[..cut].trim_end_matches(is_token_char)
    } else {
        &text[..cut]
    };
    format!("{kept}…")
}

/// Configuration formats, by extension or name: YAML, `.properties`, INI, TOML, `.env`, JSON,
/// XML, `.conf`/`.cfg`, Oracle's `.rsp`, files named `config`, and templates of any of them
/// (`config.yml.dist`, `config.example`). `scripts/creddata.py` keeps the same list.
pub fn is_configuration(path: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        "yaml",
        "yml",
        "properties",
        "ini",
        "toml",
        "env",
        "json",
        "xml",
        "conf",
        "cfg",
        "config",
        "cnf",
        "plist",
        "tfvars",
        "hcl",
        "neon",
        // Oracle installers' response files: `KEY=value` lines
        "rsp",
    ];
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let name = template_of(&name).unwrap_or(&name);
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    EXTENSIONS.contains(&extension) || name.starts_with(".env") || name == "config"
}

/// What a committed template is a template of: `config.yml.dist` → `config.yml`,
/// `config.example` → `config` (a template configures what its copy will).
fn template_of(name: &str) -> Option<&str> {
    const TEMPLATE_SUFFIXES: &[&str] = &["dist", "example", "sample", "template", "tmpl", "tpl"];
    let (base, suffix) = name.rsplit_once('.')?;
    (TEMPLATE_SUFFIXES.contains(&suffix) && !base.is_empty()).then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_files_are_told_from_code() {
        for path in ["config/app.yaml", "a/.env.production", "db.properties", "pom.xml", "x.toml"] {
            assert!(is_configuration(path), "{path}");
        }
        for path in ["src/settings.py", "docs/setup.md", "Config.java", "main.go"] {
            assert!(!is_configuration(path), "{path}");
        }
        // templates of configuration, and Oracle's response files
        for path in ["conf/config.example", "ormconfig.json.dist", "app.yml.sample", "db.rsp"] {
            assert!(is_configuration(path), "{path}");
        }
        for path in ["setup.sql.template", "main.go.tmpl", ".dist", "README.example"] {
            assert!(!is_configuration(path), "{path}");
        }
    }

    #[test]
    fn a_rule_confidence_cap_lowers_and_never_raises() {
        let rules = crate::rules::parse_rules_file(
            "caps.toml",
            r#"provider = "Example"
[rotation]
revoke = "Revoke the example credential at its issuer."
reissue = "Issue a new example credential with fewer rights."
verify = "Check the issuer's logs for use of the old one."
docs = "https://example.invalid/docs"
[[rules]]
id = "uncapped"
name = "n"
severity = "low"
regex = 'ex_[a-z]{8}'
[[rules]]
id = "capped-low"
name = "n"
severity = "low"
confidence = "low"
regex = 'ex_[a-z]{8}'
[[rules]]
id = "capped-medium"
name = "n"
severity = "low"
confidence = "medium"
regex = 'ex_[a-z]{8}'
[[rules]]
id = "generic-capped-medium"
name = "n"
severity = "low"
confidence = "medium"
generic = true
regex = 'ex_[a-z]{8}'
"#,
        )
        .unwrap();
        let levels: Vec<Confidence> = rules.iter().map(Confidence::of_rule).collect();
        assert_eq!(
            levels,
            [Confidence::High, Confidence::Low, Confidence::Medium, Confidence::Medium]
        );
    }

    #[test]
    fn redaction_keeps_at_most_four_characters() {
        assert_eq!(redact("ghp_abcdefghijklmnop"), "ghp_****");
        assert_eq!(redact("hunter2x"), "hu****");
        assert_eq!(redact("abc"), "****");
    }
}
