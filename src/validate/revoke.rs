//! `keyhound revoke`: a key revokes itself where its provider's API allows it (GitHub's
//! credential revocation API, GitLab's token self-revocation, Slack's `auth.revoke`); for
//! every other provider the rotation advice says where to do it by hand.

use std::io::{self, Write};

use super::{
    Options, Status,
    answer::{self, Reply},
    http::Client,
    recognise::recognise,
    request::{self, Values},
};
use crate::{finding::redact, rules::Rule, validate::catalog::Catalog};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Revoked,
    /// The provider does not let a key revoke itself: the advice was printed.
    AdviceOnly,
    /// Declined at the prompt, or the provider did not revoke it.
    NotRevoked,
}

/// `confirm` asks the user a yes/no question (the key itself came on standard input).
pub(crate) fn revoke(
    key: &str,
    rules: &[Rule],
    catalog: &Catalog,
    options: &Options,
    confirm: &mut dyn FnMut(&str) -> io::Result<bool>,
    out: &mut dyn Write,
) -> Result<Outcome, String> {
    let io_err = |err: io::Error| format!("cannot write: {err}");
    let recognition = recognise(key, rules);
    let Some(rule) = recognition.rule else {
        let hint = match recognition.bad_checksum.first() {
            Some(rule) => {
                format!("it has the format of a {} but a wrong checksum (a typo)", rule.name)
            }
            None => "its format is not recognised".to_string(),
        };
        return Err(format!("cannot revoke this key: {hint}"));
    };
    let Some(revoker) = catalog.revoker_for(&rule.id) else {
        writeln!(
            out,
            "{} keys cannot revoke themselves through an API; rotate it by hand:",
            rule.provider
        )
        .map_err(io_err)?;
        write!(out, "{}", rule.rotation).map_err(io_err)?;
        return Ok(Outcome::AdviceOnly);
    };
    let question = format!(
        "Revoke this {} ({})? It stops working everywhere at once; this cannot be undone. [y/N] ",
        rule.name,
        redact(key)
    );
    if !confirm(&question).map_err(|err| format!("cannot ask for confirmation: {err}"))? {
        writeln!(out, "not revoked: nothing was sent (answer y, or pass --yes)").map_err(io_err)?;
        return Ok(Outcome::NotRevoked);
    }
    let values = Values { secret: key, pair: None, variables: Vec::new() };
    let request =
        request::prepare(&revoker.request, &values, options.base_for(&revoker.provider_id))?;
    let reply = Client::new(options.timeout).send(&request);
    let status = match &reply {
        Reply::Answer { status, .. } => format!(" (HTTP {status})"),
        Reply::Failed(_) => String::new(),
    };
    let read = answer::read(&revoker.answer, &reply, options.timeout.as_secs_f64());
    let (outcome, message) = match read.status {
        Status::Live => (
            Outcome::Revoked,
            format!("revoked: {} accepted the revocation{status}", rule.provider),
        ),
        Status::Invalid => (
            Outcome::NotRevoked,
            format!(
                "not revoked: {} did not accept the key{status}; it is already revoked or expired, or mistyped",
                rule.provider
            ),
        ),
        _ => (Outcome::NotRevoked, format!("not revoked: {}{status}", read.detail)),
    };
    writeln!(out, "{message}").map_err(io_err)?;
    if outcome == Outcome::Revoked {
        writeln!(out, "next: {}", rule.rotation.reissue).map_err(io_err)?;
    }
    Ok(outcome)
}
