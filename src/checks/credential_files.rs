//! Credential files: files whose whole purpose is to hold a login (`.git-credentials`,
//! `.netrc`, `.pgpass`, `.npmrc` with auth, AWS CLI `credentials`, `terraform.tfstate`, SSH
//! private keys, ...). Committed, one is a leak by its nature, whatever its values look like,
//! so each secret it holds is reported as `credential-file-committed` (or
//! `credential-file-present` outside git or untracked) at the line that holds it, naming the
//! file's kind, with that kind's revocation advice.
//!
//! Decisions:
//! - a file of such a name that holds no secret (an `.npmrc` with only `registry=`, a `.netrc`
//!   without `password`, a `tfstate` with no sensitive attribute) is not reported;
//! - values that are references or placeholders (`${NPM_TOKEN}`, `<password>`, `changeme`)
//!   are not secrets;
//! - a provider rule's finding of the same secret at the same place yields to this one (the
//!   pipeline keeps a check's finding), so a GitHub token in `.git-credentials` is reported
//!   once, with where to revoke it.

mod kinds;

use std::{ops::Range, sync::Arc};

pub(crate) use kinds::CredentialKind;

use super::Context;
use crate::{
    decode,
    finding::Finding,
    model::{Encoding, Tracking},
    rules::{CheckKind, Rotation, Rule},
};

pub(crate) const COMMITTED: &str = "credential-file-committed";

/// The kind of credential file `path` (`/`-separated) names, if any.
pub(crate) fn classify(path: &str) -> Option<CredentialKind> {
    kinds::classify(path)
}

/// A secret in a credential file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Secret {
    /// Where the file holds it.
    pub(crate) range: Range<usize>,
    /// Set when the file stores it encoded (FileZilla's `encoding="base64"`).
    pub(crate) encoding: Option<Encoding>,
    /// The host it logs in to, where the line names one (`.git-credentials`).
    pub(crate) host: Option<String>,
}

pub(super) fn check(context: &Context<'_>) -> Vec<Finding> {
    let Some(kind) = context.path().and_then(classify) else {
        return Vec::new();
    };
    let check = if context.tracking == Tracking::Committed {
        CheckKind::CredentialFileCommitted
    } else {
        CheckKind::CredentialFilePresent
    };
    let Some(base) = context.rule(check) else {
        return Vec::new();
    };
    let values = context.engine.values();
    kind.secrets(context.content)
        .into_iter()
        .filter_map(|secret| {
            let raw = &context.content[secret.range.clone()];
            let decoded = match secret.encoding {
                Some(_) => Some(decode::base64_value(raw)?),
                None => None,
            };
            let value = match decoded.as_deref() {
                Some(decoded) if kind.encodes_user_and_password() => {
                    super::encoded::real_password(context, decoded)?
                }
                Some(decoded) => decoded,
                None => raw,
            };
            if !is_value(kind, value) || values.is_placeholder(value, value) {
                return None;
            }
            let rule = Arc::new(kind_rule(base, kind, secret.host.as_deref()));
            let path = context.location.clone();
            let (content, lines) = (context.content, context.lines);
            Some(match secret.encoding {
                Some(encoding) => Finding::decoded(
                    rule,
                    path,
                    content,
                    lines,
                    secret.range,
                    value,
                    vec![encoding],
                ),
                None => Finding::new(rule, path, content, lines, secret.range),
            })
        })
        .collect()
}

/// Not empty and not a reference to somewhere else (`${VAR}`, `$(cmd)`, `{{ var }}`,
/// `<password>`, `%(env)s`); a password hash (`$apr1$...`, `{SHA}...`) is a value.
fn is_value(kind: CredentialKind, value: &[u8]) -> bool {
    if kind == CredentialKind::Htpasswd {
        return value.len() >= 4;
    }
    value.len() >= 4
        && !matches!(value.first(), Some(b'$' | b'{' | b'<' | b'%'))
        && !value.eq_ignore_ascii_case(b"null")
}

/// The base rule named for `kind`, with its revocation advice.
fn kind_rule(base: &Rule, kind: CredentialKind, host: Option<&str>) -> Rule {
    let mut rule = base.clone();
    let state = if base.id == COMMITTED { "committed to git" } else { "not ignored by git" };
    rule.name = format!("{} {state}", kind.label());
    rule.rotation = Arc::new(Rotation { revoke: kind.revoke(host), ..(*base.rotation).clone() });
    rule
}

#[cfg(test)]
mod tests;
