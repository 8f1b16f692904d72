//! `.env` files: a committed one is a leak of its own (`dotenv-committed`), one merely present
//! is one `git add .` away from it (`dotenv-present`), and each secret-looking `NAME=value` line
//! in either is reported (`dotenv-secret`).
//!
//! Decisions:
//! - an untracked `.env` in a git work tree is `dotenv-present`: the walk only reaches it when
//!   no ignore rule covers it, so nothing stops the next `git add .`. An ignored `.env` is not
//!   scanned at all unless `--no-ignore`, and then it also shows as present (keyhound does not
//!   re-evaluate ignore rules for files the user asked to include).
//! - templates (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`, `.env.defaults`)
//!   are reported only when one of their values looks like a real secret (long and random, or
//!   a provider's key), never for placeholders.

use super::Context;
use crate::{
    classify::GENERATED_VALUE,
    finding::{Confidence, Finding},
    model::Tracking,
    rules::CheckKind,
};

/// What kind of `.env` file a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DotenvKind {
    /// Real configuration: `.env`, `.env.local`, `.env.production`, `prod.env`, `.envrc`.
    Env,
    /// A template meant to be committed: `.env.example` and friends.
    Template,
}

const TEMPLATE_WORDS: &[&str] =
    &["example", "examples", "sample", "template", "dist", "defaults", "default", "tmpl", "tpl"];

/// Classifies the file name of `path` (`/`-separated).
pub(crate) fn classify(path: &str) -> Option<DotenvKind> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let template = |words: &str| {
        let is_template = words.split(['.', '-', '_']).any(|w| TEMPLATE_WORDS.contains(&w));
        if is_template { DotenvKind::Template } else { DotenvKind::Env }
    };
    match name.as_str() {
        ".env" | ".envrc" => Some(DotenvKind::Env),
        _ => {
            if let Some(suffix) = name.strip_prefix(".env.") {
                (!suffix.is_empty()).then(|| template(suffix))
            } else if let Some(stem) = name.strip_suffix(".env") {
                (!stem.is_empty()).then(|| template(stem))
            } else {
                None
            }
        }
    }
}

pub(super) fn check(context: &Context<'_>) -> Vec<Finding> {
    let Some(kind) = context.path().and_then(classify) else {
        return Vec::new();
    };
    let secrets: Vec<(usize, usize)> =
        assignments(context.content).filter_map(|a| secret_value(context, &a, kind)).collect();
    let mut findings = Vec::new();
    if kind == DotenvKind::Env || !secrets.is_empty() {
        let id = if context.tracking == Tracking::Committed {
            CheckKind::DotenvCommitted
        } else {
            CheckKind::DotenvPresent
        };
        // a committed `.env` is worth a look; an uncommitted one holding no value that looks
        // like a secret (`FOO=BAR` in a test fixture) only at `--confidence low`
        let confidence = if id == CheckKind::DotenvPresent && secrets.is_empty() {
            Confidence::Low
        } else {
            Confidence::Medium
        };
        findings.extend(file_finding(context, id, confidence));
    }
    findings.extend(
        secrets.into_iter().filter_map(|(s, e)| context.finding(CheckKind::DotenvSecret, s, e)),
    );
    findings
}

/// A finding about the file itself: one per path, at its first line, with no secret.
fn file_finding(
    context: &Context<'_>,
    check: CheckKind,
    confidence: Confidence,
) -> Option<Finding> {
    let rule = context.rule(check)?;
    let secret_sha256 = crate::model::sha256_hex(b"");
    let path = context.path()?;
    let name = path.rsplit('/').next().unwrap_or(path);
    Some(Finding {
        rule: std::sync::Arc::clone(rule),
        location: context.location.clone(),
        span: crate::model::Span { line: 1, column: 1, end_line: 1, end_column: 1 },
        secret: String::new(),
        fingerprint: crate::model::fingerprint(&rule.id, &secret_sha256, path),
        secret_sha256,
        snippet: format!("{name} ({} bytes)", context.content.len()),
        provenance: None,
        part: None,
        validation: None,
        confidence,
        demotion: None,
        encoded: None,
    })
}

/// One `NAME=value` line: absolute byte ranges of the name and the (unquoted) value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Assignment {
    name: (usize, usize),
    value: (usize, usize),
}

fn assignments(content: &[u8]) -> impl Iterator<Item = Assignment> + '_ {
    let mut offset = 0;
    content.split(|&b| b == b'\n').filter_map(move |line| {
        let start = offset;
        offset += line.len() + 1;
        parse_assignment(line).map(|a| Assignment {
            name: (start + a.name.0, start + a.name.1),
            value: (start + a.value.0, start + a.value.1),
        })
    })
}

/// `[export ]NAME=value`, `NAME="value"`, `NAME='value' # comment`; ranges within `line`.
fn parse_assignment(line: &[u8]) -> Option<Assignment> {
    let skip_blank = |mut i: usize| {
        while line.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
            i += 1;
        }
        i
    };
    let mut i = skip_blank(0);
    if line[i..].starts_with(b"export ") {
        i = skip_blank(i + 7);
    }
    let name_start = i;
    if !line.get(i).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') {
        return None;
    }
    while line.get(i).is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        i += 1;
    }
    let name_end = i;
    i = skip_blank(i);
    if line.get(i) != Some(&b'=') {
        return None;
    }
    i = skip_blank(i + 1);
    let rest_end = line.len() - usize::from(line.ends_with(b"\r"));
    let (start, end) = match line.get(i) {
        Some(&quote @ (b'"' | b'\'')) => {
            let close = line[i + 1..rest_end].iter().rposition(|&b| b == quote)?;
            (i + 1, i + 1 + close)
        }
        _ => {
            let comment = line[i..rest_end].windows(2).position(|w| w == b" #");
            let mut end = comment.map_or(rest_end, |c| i + c);
            while end > i && line[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            (i, end)
        }
    };
    Some(Assignment { name: (name_start, name_end), value: (start, end) })
}

/// The range of the secret in an assignment, if the name looks secret and the value is real.
fn secret_value(
    context: &Context<'_>,
    assignment: &Assignment,
    kind: DotenvKind,
) -> Option<(usize, usize)> {
    let name = &context.content[assignment.name.0..assignment.name.1];
    let (start, end) = assignment.value;
    let value = &context.content[start..end];
    let (start, end) = match url_credential(value) {
        Some(UrlCredential::Password(s, e)) => (start + s, start + e),
        Some(UrlCredential::User(s, e)) if name_is_dsn(name) => (start + s, start + e),
        Some(_) | None if memchr::memmem::find(value, b"://").is_some() => return None,
        _ if name_looks_secret(name) => (start, end),
        _ => return None,
    };
    let secret = &context.content[start..end];
    let acceptable = value_is_real(context, secret)
        && (kind == DotenvKind::Env || looks_generated(context, start, end, secret));
    acceptable.then_some((start, end))
}

const SECRET_NAME_PARTS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "AUTH_KEY",
    "DATABASE_URL",
    "CONNECTION_STRING",
];
const SECRET_NAME_SUFFIXES: &[&str] = &["_KEY", "_PASS", "_PWD", "_DSN", "_SECRET", "_TOKEN"];
/// Names that hold settings about a secret rather than the secret itself, or public values.
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "_ID",
    "_FILE",
    "_PATH",
    "_TTL",
    "_EXPIRY",
    "_EXPIRES",
    "_EXPIRES_IN",
    "_LENGTH",
    "_ALGORITHM",
    "_TYPE",
    "_NAME",
    "_HEADER",
    "_ENDPOINT",
    "_LIFETIME",
    "_TIMEOUT",
    "_ENABLED",
];

fn name_looks_secret(name: &[u8]) -> bool {
    let upper = String::from_utf8_lossy(name).to_ascii_uppercase().replace(['-', '.'], "_");
    if upper.contains("PUBLIC") || upper.contains("PUBLISHABLE") {
        return false;
    }
    if NOT_SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s)) {
        return false;
    }
    SECRET_NAME_PARTS.iter().any(|p| upper.contains(p))
        || SECRET_NAME_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

fn name_is_dsn(name: &[u8]) -> bool {
    name.to_ascii_uppercase().ends_with(b"DSN")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrlCredential {
    /// `scheme://user:PASSWORD@host`
    Password(usize, usize),
    /// `scheme://USER@host` (a DSN's key sits there)
    User(usize, usize),
}

/// The credential part of a URL's userinfo, as a range within `value`.
fn url_credential(value: &[u8]) -> Option<UrlCredential> {
    let authority_start = memchr::memmem::find(value, b"://")? + 3;
    let authority_len = value[authority_start..]
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(value.len() - authority_start);
    let authority = &value[authority_start..authority_start + authority_len];
    let at = memchr::memrchr(b'@', authority)?;
    let userinfo = &authority[..at];
    Some(match memchr::memchr(b':', userinfo) {
        Some(colon) if colon + 1 < userinfo.len() => {
            UrlCredential::Password(authority_start + colon + 1, authority_start + at)
        }
        Some(colon) => UrlCredential::User(authority_start, authority_start + colon),
        None => UrlCredential::User(authority_start, authority_start + at),
    })
    .filter(|c| match *c {
        UrlCredential::Password(s, e) | UrlCredential::User(s, e) => e > s,
    })
}

/// Not empty, not a reference (`${X}`, `$X`, `$(cmd)`), not a placeholder or a flag.
fn value_is_real(context: &Context<'_>, value: &[u8]) -> bool {
    const FLAGS: &[&str] = &["true", "false", "null", "none", "nil", "yes", "no", "on", "off"];
    value.len() >= 4
        && !value.starts_with(b"$")
        && !FLAGS.iter().any(|f| value.eq_ignore_ascii_case(f.as_bytes()))
        && !context.engine.values().is_placeholder(value, value)
}

/// For templates: long and random, or a provider rule's key.
fn looks_generated(context: &Context<'_>, start: usize, end: usize, value: &[u8]) -> bool {
    let provider_key = context.matches.iter().any(|m| {
        !super::is_trigger(context.engine.rule(m.rule))
            && m.secret_start < end
            && m.secret_end > start
    });
    provider_key || GENERATED_VALUE.fits(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_env_files_and_templates() {
        for path in [".env", "app/.env.local", ".env.production", ".envrc", "deploy/prod.env"] {
            assert_eq!(classify(path), Some(DotenvKind::Env), "{path}");
        }
        for path in [".env.example", "x/.env.sample", ".env.local.example", "example.env"] {
            assert_eq!(classify(path), Some(DotenvKind::Template), "{path}");
        }
        for path in ["env.py", ".environment", "src/.envoy", ".env.", "environment.yml"] {
            assert_eq!(classify(path), None, "{path}");
        }
    }

    fn parsed(line: &str) -> Option<(String, String)> {
        let a = parse_assignment(line.as_bytes())?;
        Some((line[a.name.0..a.name.1].to_string(), line[a.value.0..a.value.1].to_string()))
    }

    #[test]
    fn parses_assignments() {
        let pair = |n: &str, v: &str| Some((n.to_string(), v.to_string()));
        assert_eq!(parsed("API_KEY=abc"), pair("API_KEY", "abc"));
        assert_eq!(parsed("export  TOKEN = \"a b\"  "), pair("TOKEN", "a b"));
        assert_eq!(parsed("PASS='x#y' # note\r"), pair("PASS", "x#y"));
        assert_eq!(parsed("KEY=v # comment"), pair("KEY", "v"));
        assert_eq!(parsed("# KEY=v"), None);
        assert_eq!(parsed("not an assignment"), None);
    }

    #[test]
    fn secret_names() {
        for name in ["OPENAI_API_KEY", "DB_PASSWORD", "JWT_SECRET", "GITHUB_TOKEN", "SMTP_PASS"] {
            assert!(name_looks_secret(name.as_bytes()), "{name}");
        }
        for name in ["AWS_ACCESS_KEY_ID", "LOG_LEVEL", "STRIPE_PUBLISHABLE_KEY", "TOKEN_TTL"] {
            assert!(!name_looks_secret(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn url_credentials() {
        let v = b"postgres://app:s3cr3t@db:5432/app";
        assert_eq!(url_credential(v), Some(UrlCredential::Password(15, 21)));
        let dsn = b"https://abc123@o1.ingest.sentry.io/1";
        assert_eq!(url_credential(dsn), Some(UrlCredential::User(8, 14)));
        assert_eq!(url_credential(b"redis://localhost:6379"), None);
    }
}
