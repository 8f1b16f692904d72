//! Sentences the reporters generate around a rule's name and provider. A rule's name is a
//! headline ("AWS access key ID", "Quoted secret assigned to ..."), so it always starts a
//! sentence and never follows an article; a provider that names a kind of secret rather than
//! an issuer ("Private key", "Generic") is never a place to revoke at.

use crate::rules::Rule;

/// `AWS access key ID (AWS)`, or the name alone when the provider is not an issuer.
pub(crate) fn label(rule: &Rule) -> String {
    match rule.issuer() {
        Some(issuer) => format!("{} ({issuer})", rule.name),
        None => rule.name.clone(),
    }
}

/// `Revoke it at AWS first` / `Revoke it where it was issued first`.
pub(crate) fn revoke_first(rule: &Rule) -> String {
    match rule.issuer() {
        Some(issuer) => format!("Revoke it at {issuer} first"),
        None => "Revoke it where it was issued first".to_string(),
    }
}

/// ` until it is revoked at AWS` / ` until it is revoked`.
pub(crate) fn until_revoked(rule: &Rule) -> String {
    match rule.issuer() {
        Some(issuer) => format!("until it is revoked at {issuer}"),
        None => "until it is revoked".to_string(),
    }
}

/// The first sentence of `text`: up to the first `. ` that ends a sentence, not one inside
/// parentheses ("(e.g. SECRET_KEY)") or after an abbreviation ("e.g. ", "i.e. ", "etc. ").
pub(crate) fn first_sentence(text: &str) -> &str {
    const ABBREVIATIONS: [&str; 6] = ["e.g", "i.e", "etc", "vs", "cf", "approx"];
    let mut depth = 0usize;
    for (at, byte) in text.bytes().enumerate() {
        match byte {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'.' if depth == 0 && text[at + 1..].starts_with(' ') => {
                let before = &text[..at];
                let word = before.rsplit([' ', '(']).next().unwrap_or(before);
                if !ABBREVIATIONS.iter().any(|a| word.eq_ignore_ascii_case(a)) {
                    return &text[..=at];
                }
            }
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::builtin_rules;

    #[test]
    fn every_rotate_line_is_a_whole_sentence() {
        for rule in builtin_rules().unwrap() {
            let sentence = first_sentence(&rule.rotation.revoke);
            let opened = sentence.matches('(').count();
            assert_eq!(opened, sentence.matches(')').count(), "`{}`: {sentence}", rule.id);
            for abbreviation in ["e.g.", "i.e.", "etc."] {
                assert!(
                    !sentence.ends_with(abbreviation) || sentence == rule.rotation.revoke,
                    "`{}` cut after {abbreviation}: {sentence}",
                    rule.id
                );
            }
        }
    }

    #[test]
    fn first_sentence_skips_abbreviations_and_parentheses() {
        let text = "Replace it (e.g. SECRET_KEY, a signing key. Or both) now. Then verify.";
        assert_eq!(
            first_sentence(text),
            "Replace it (e.g. SECRET_KEY, a signing key. Or both) now."
        );
        assert_eq!(first_sentence("Use a tool, e.g. openssl. Done."), "Use a tool, e.g. openssl.");
        assert_eq!(first_sentence("One sentence only"), "One sentence only");
        assert_eq!(first_sentence("Ends here. "), "Ends here.");
        assert_eq!(first_sentence("Unbalanced) close. Next."), "Unbalanced) close.");
    }
}
