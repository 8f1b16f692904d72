//! Which rule a key on its own matches, for `doctor` and `revoke`: every provider rule's
//! regex against the key, the checksum checked separately so a typo can be named.

use std::io::{BufRead, IsTerminal, Read};

use regex_automata::{
    meta::{self, Regex},
    util::syntax,
};

use crate::rules::Rule;

/// What a key alone says about itself.
pub(crate) struct Recognition<'r> {
    /// The provider rule the whole key matches with a valid checksum.
    pub(crate) rule: Option<&'r Rule>,
    /// Rules whose format the key has but whose checksum fails (a typo, a truncated copy).
    pub(crate) bad_checksum: Vec<&'r Rule>,
}

pub(crate) fn recognise<'r>(key: &str, rules: &'r [Rule]) -> Recognition<'r> {
    let mut recognition = Recognition { rule: None, bad_checksum: Vec::new() };
    for rule in rules.iter().filter(|r| !r.generic && r.check.is_none() && !r.regex.is_empty()) {
        if !secret_is_whole_key(&rule.regex, key) {
            continue;
        }
        match rule.checksum {
            Some(checksum) if !checksum.verifies(key.as_bytes()) => {
                recognition.bad_checksum.push(rule)
            }
            _ if recognition.rule.is_none() => recognition.rule = Some(rule),
            _ => {}
        }
    }
    recognition
}

/// Whether the rule's `secret` group (or whole match) is exactly `key`.
fn secret_is_whole_key(pattern: &str, key: &str) -> bool {
    let Ok(regex) = Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(meta::Config::new().utf8_empty(false))
        .build(pattern)
    else {
        return false;
    };
    let mut caps = regex.create_captures();
    regex.captures(key.as_bytes(), &mut caps);
    let span = caps.get_group_by_name("secret").or_else(|| caps.get_match().map(|m| m.span()));
    span.is_some_and(|s| s.start == 0 && s.end == key.len())
}

/// Longest key line read from standard input; keys are far shorter.
const MAX_KEY_BYTES: u64 = 64 * 1024;

/// The key from the environment variable `env`, else the first line of standard input;
/// trimmed. Never from the command line, where it would land in shell history.
pub(crate) fn read_key(env: Option<&str>) -> Result<String, String> {
    let text = match env {
        Some(name) => {
            std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))?
        }
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprint!("key (input is not echoed to any log; press Enter): ");
            }
            let mut line = String::new();
            stdin
                .lock()
                .take(MAX_KEY_BYTES)
                .read_line(&mut line)
                .map_err(|err| format!("cannot read the key from standard input: {err}"))?;
            line
        }
    };
    let key = text.trim();
    if key.is_empty() {
        return Err("no key given: pipe it on standard input or name a variable with --env".into());
    }
    if key.contains(char::is_whitespace) {
        return Err("expected one key, found several words".into());
    }
    Ok(key.to_string())
}

/// A yes/no answer from the next line of standard input (after the key); end of input is no.
pub(crate) fn confirm_on_stdin(question: &str) -> std::io::Result<bool> {
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin().lock().take(1024).read_line(&mut answer)?;
    if answer.is_empty() {
        eprintln!();
    }
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeGen;

    #[test]
    fn recognises_a_key_and_names_a_checksum_typo() {
        let rules = crate::rules::builtin_rules().unwrap();
        let key = FakeGen::new(7).crc32_token("ghp_");
        let found = recognise(&key, &rules);
        assert_eq!(found.rule.map(|r| r.id.as_str()), Some("github-classic-pat"));
        let last = key.chars().last().unwrap();
        let typo = format!("{}{}", &key[..key.len() - 1], if last == 'a' { 'b' } else { 'a' });
        let found = recognise(&typo, &rules);
        assert!(found.rule.is_none());
        assert_eq!(
            found.bad_checksum.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["github-classic-pat"]
        );
        assert!(recognise("hello", &rules).rule.is_none());
    }
}
