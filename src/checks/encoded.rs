//! Credentials that formats write in base64: Docker's `config.json` / `.dockerconfigjson`
//! (`"auths": {"host": {"auth": "<base64 of user:password>"}}`), `Authorization: Basic
//! <base64 of user:password>` and `.npmrc`'s `_auth=<base64 of user:password>`. These values
//! are short (shorter than the general decoder's runs) and only a credential once decoded:
//! `dXNlcjpwYXNzd29yZA==` is `user:password`, a placeholder.
//!
//! Each rule's regex is a trigger whose `secret` group is the word before the value (`"auth"`,
//! `Basic`, `_auth`), so other rules still match the value itself; the check decodes the base64
//! value after the word and reports the password, at the encoded value, when it is a real one. A finding of
//! another rule whose secret is the same encoded text (the header check's
//! `header-hardcoded-key`, npm's token rule) is dropped by the pipeline in favour of this one.

use super::Context;
use crate::{decode, engine::Match, finding::Finding, model::Encoding, rules::CheckKind};

/// The shortest password reported: shorter ones are examples (`a:b`, `user:pw`).
const MIN_PASSWORD_LEN: usize = 6;

pub(super) fn check(context: &Context<'_>) -> Vec<Finding> {
    context
        .matches
        .iter()
        .filter(|m| context.engine.rule(m.rule).check == Some(CheckKind::Encoded))
        .filter_map(|m| finding(context, m))
        .collect()
}

fn finding(context: &Context<'_>, m: &Match) -> Option<Finding> {
    let encoded = value(context.content, m.secret_end, m.match_end)?;
    let decoded = decode::base64_value(&context.content[encoded.clone()])?;
    let password = real_password(context, &decoded)?;
    let rule = std::sync::Arc::clone(context.engine.rule(m.rule));
    Some(Finding::decoded(
        rule,
        context.location.clone(),
        context.content,
        context.lines,
        encoded,
        password,
        vec![Encoding::Base64],
    ))
}

/// The password of a decoded `user:password`, when it is a real one.
pub(super) fn real_password<'d>(context: &Context<'_>, decoded: &'d [u8]) -> Option<&'d [u8]> {
    let password = password(decoded)?;
    let values = context.engine.values();
    let rejected = values.is_placeholder(password, password)
        || values.rejects_generic(password, decoded)
        || is_reference(password)
        || is_made_of_example_words(password);
    (!rejected).then_some(password)
}

/// The base64 value in `content[from..to]`: past the separators after the trigger word
/// (`":"`, ` = "`, spaces), through its padding.
fn value(content: &[u8], from: usize, to: usize) -> Option<std::ops::Range<usize>> {
    let is_base64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/');
    let start = from + content[from..to].iter().position(is_base64)?;
    let body = content[start..to].iter().take_while(|b| is_base64(b)).count();
    let padding = content[start + body..to].iter().take(2).take_while(|b| **b == b'=').count();
    Some(start..start + body + padding)
}

/// The password of `user:password` (the user may be empty, as for token-only registries).
fn password(decoded: &[u8]) -> Option<&[u8]> {
    let colon = memchr::memchr(b':', decoded)?;
    // `echo user:password | base64` encodes the line's end too
    let password = decoded[colon + 1..].strip_suffix(b"\n").unwrap_or(&decoded[colon + 1..]);
    let printable = password.iter().all(|b| b.is_ascii_graphic());
    // `password`, `secret`, `changeme`: a real one has a digit, a capital or a symbol.
    let one_word = password.iter().all(u8::is_ascii_lowercase);
    (password.len() >= MIN_PASSWORD_LEN && printable && !one_word).then_some(password)
}

/// Words that documentation and test fixtures build passwords from (`secret-passwd`,
/// `customPass`, `testpass123`); a password generated for real use holds none of them.
const EXAMPLE_WORDS: &[&str] = &[
    "pass", "pwd", "secret", "test", "example", "sample", "demo", "custom", "dummy", "fake",
    "changeme", "foo", "user", "admin", "hunter", "letmein", "qwerty", "12345",
];

fn is_made_of_example_words(password: &[u8]) -> bool {
    let lower = password.to_ascii_lowercase();
    EXAMPLE_WORDS.iter().any(|word| memchr::memmem::find(&lower, word.as_bytes()).is_some())
}

/// `${PASSWORD}`, `$(cat pw)`, `{{ .Values.password }}`, `<password>`: not a value.
fn is_reference(password: &[u8]) -> bool {
    matches!(password.first(), Some(b'$' | b'{' | b'<' | b'%'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_starts_past_the_separators_and_ends_past_its_padding() {
        let line = br#""auth": "YWJjOmRlZmdoaQ==", "#;
        assert_eq!(value(line, 5, line.len()), Some(9..25));
    }

    #[test]
    fn the_password_is_what_follows_the_first_colon() {
        assert_eq!(password(b"ci-bot:s3cr:et-9x"), Some(&b"s3cr:et-9x"[..]));
        assert_eq!(password(b":tokenonly123"), Some(&b"tokenonly123"[..]));
        assert_eq!(password(b"no-colon-here"), None);
        assert_eq!(password(b"ci-bot:s3cr:et-9x\n"), Some(&b"s3cr:et-9x"[..]), "echo's newline");
        assert_eq!(password(b"ci-bot:s3cr\net-9x"), None);
        assert_eq!(password(b"user:pw"), None);
        assert_eq!(password(b"user:password"), None);
        assert_eq!(password(b"user:pass word"), None);
        assert!(is_reference(b"${REGISTRY_PASSWORD}"));
        for example in ["secret-passwd", "customPass", "testpass123"] {
            assert!(is_made_of_example_words(example.as_bytes()), "{example}");
        }
        assert!(!is_made_of_example_words(b"q7VfK2mZ9xLr4TnB"));
    }
}
