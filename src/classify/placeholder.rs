//! Recognises values that are placeholders, templates or documentation examples rather than
//! credentials: reporting them is the noise that makes users switch a scanner off.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// Words that, anywhere in a candidate (case-insensitively), mark it as a placeholder.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "xxxx",
    "your",
    "placeholder",
    "dummy",
    "changeme",
    "change_me",
    "redacted",
    "sample",
    "fake",
    "insert",
    "replace",
    "secret_here",
    "token_here",
    "key_here",
    "lorem",
    "ipsum",
    "notreal",
    "not_real",
    "******",
];

/// A named placeholder's opener (Python's `%(db_password)s`, git's `%(refname:short)`). A random
/// key drawn from symbols (Django's `SECRET_KEY` alphabet holds `%` and `(`) holds these two
/// bytes by chance, so they mark a template only before a name and its `)` or `:`.
const NAMED_PLACEHOLDER: &str = "%(";

/// Syntax that marks an unexpanded template or a reference to the environment.
const TEMPLATE_MARKERS: &[&str] = &[
    "${",
    "{{",
    "}}",
    "<%",
    "%>",
    "$(",
    "%s",
    NAMED_PLACEHOLDER,
    "process.env",
    "os.environ",
    "getenv",
    "env(",
    "env[",
    "secrets.",
    "vault(",
];

/// Length, prefix and SHA-256 of example keys that providers print in their public
/// documentation (and that are therefore in countless READMEs and tests): hashed, so this file
/// holds no key-shaped literal; with the length and the provider's prefix, so other values cost
/// no hash (40-character values, commit ids among them, are everywhere). Example keys
/// containing a placeholder word (AWS's `...EXAMPLE`) need no entry.
const DOCUMENTED_EXAMPLES: &[(usize, &str, &str)] = &[
    // Stripe API reference: the test-mode secret key shown to signed-out readers.
    (32, "sk_test_", "2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326"),
    // Stripe API reference: the matching publishable key.
    (32, "pk_test_", "b1471f544ceeea31333bde7e1ecbaad6eac0d4a749412ad29bd66ef895b81c6b"),
    // jwt.io: the default HS256 token of the debugger.
    (155, "eyJ", "7f75367e7881255134e1375e723d1dea8ad5f6a4fdb79d938df1f1754a830606"),
    // GitHub docs, "Authorizing OAuth apps": the sample user access token (its checksum fails,
    // which alone would only demote it).
    (40, "gho_", "bc3ae723f57c6b9e3fd80b699fcc420f6074b0b1718039669d22631d508ac0a7"),
    // GitHub docs, "Refreshing user access tokens": the sample refresh token.
    (40, "ghr_", "a01db4dcf67f89909c9f6462a08a02717a1a6e2f35284c29141996ac46dc0437"),
];

/// Whether `secret` is a provider's documented example key.
pub(crate) fn is_documented_example(secret: &[u8]) -> bool {
    documented_in(secret, DOCUMENTED_EXAMPLES)
}

fn documented_in(secret: &[u8], examples: &[(usize, &str, &str)]) -> bool {
    let candidate = |&&(len, prefix, _): &&(usize, &str, &str)| {
        len == secret.len() && secret.starts_with(prefix.as_bytes())
    };
    if !examples.iter().any(|example| candidate(&example)) {
        return false;
    }
    let digest = crate::model::sha256_hex_bytes(secret);
    examples.iter().filter(candidate).any(|(_, _, hash)| hash.as_bytes() == digest)
}

/// Every word of a list found in one pass, case-insensitively: the engine asks about every
/// match it confirms, so one automaton replaces a substring search per word.
#[derive(Debug, Clone)]
struct Words {
    any: AhoCorasick,
    /// The words of [`LONG_WORD`] letters or more.
    long: AhoCorasick,
}

impl Words {
    fn new<S: AsRef<str>>(words: &[S]) -> Result<Self, aho_corasick::BuildError> {
        let build =
            |words: Vec<&str>| AhoCorasick::builder().ascii_case_insensitive(true).build(words);
        let all: Vec<&str> = words.iter().map(AsRef::as_ref).filter(|w| !w.is_empty()).collect();
        let long = all.iter().copied().filter(|w| w.len() >= LONG_WORD).collect();
        Ok(Words { any: build(all)?, long: build(long)? })
    }

    fn found_in(&self, text: &[u8], long_only: bool) -> bool {
        if long_only { self.long.is_match(text) } else { self.any.is_match(text) }
    }
}

fn builtin_words() -> &'static Words {
    static WORDS: LazyLock<Words> =
        LazyLock::new(|| Words::new(PLACEHOLDER_WORDS).expect("the built-in words build"));
    &WORDS
}

fn template_markers() -> &'static AhoCorasick {
    static MARKERS: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(TEMPLATE_MARKERS)
            .expect("the built-in markers build")
    });
    &MARKERS
}

/// Whether `secret` holds one of [`TEMPLATE_MARKERS`] (a `%(` only where it opens a name).
fn has_template_marker(secret: &[u8]) -> bool {
    template_markers().find_iter(secret).any(|found| {
        TEMPLATE_MARKERS[found.pattern().as_usize()] != NAMED_PLACEHOLDER
            || opens_named_placeholder(&secret[found.end()..])
    })
}

/// Whether `rest` (what follows `%(`) starts with a name closed by `)` (Python's
/// `%(name)s`) or followed by `:` (git's format atoms, `%(refname:short)`).
fn opens_named_placeholder(rest: &[u8]) -> bool {
    let name = rest.iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_').count();
    name > 0 && !rest[0].is_ascii_digit() && matches!(rest.get(name), Some(b')' | b':'))
}

/// Rows a person types a made-up value from (`abcdefgh`, `12345678`, `qwertyui`), read both
/// ways. A random 40-character token holds [`TYPED_RUN`] consecutive characters of one with a
/// chance under one in ten million.
const TYPED_ROWS: &[&[u8]] =
    &[b"abcdefghijklmnopqrstuvwxyz", b"0123456789", b"qwertyuiop", b"asdfghjkl", b"zxcvbnm"];
/// How many consecutive characters of a [`TYPED_ROWS`] row make a typed run.
const TYPED_RUN: usize = 8;

/// Whether `text` holds a typed run: [`TYPED_RUN`] consecutive characters of a
/// [`TYPED_ROWS`] row, either way, in either case.
fn has_typed_run(text: &[u8]) -> bool {
    // the position of each byte in each row, so a run is a window of steps of +1 or -1
    static POSITIONS: LazyLock<Vec<[u8; 256]>> = LazyLock::new(|| {
        TYPED_ROWS
            .iter()
            .map(|row| {
                let mut at = [u8::MAX; 256];
                for (i, &byte) in row.iter().enumerate() {
                    at[byte as usize] = i as u8;
                }
                at
            })
            .collect()
    });
    // the keyboard's own name, shorter than a run
    if text.windows(6).any(|window| window.eq_ignore_ascii_case(b"qwerty")) {
        return true;
    }
    if text.len() < TYPED_RUN {
        return false;
    }
    POSITIONS.iter().any(|at| {
        let (mut up, mut down) = (1, 1);
        for pair in text.windows(2) {
            let (a, b) = (
                at[pair[0].to_ascii_lowercase() as usize],
                at[pair[1].to_ascii_lowercase() as usize],
            );
            let known = a != u8::MAX && b != u8::MAX;
            up = if known && b == a.wrapping_add(1) { up + 1 } else { 1 };
            down = if known && a == b.wrapping_add(1) { down + 1 } else { 1 };
            if up >= TYPED_RUN || down >= TYPED_RUN {
                return true;
            }
        }
        false
    })
}

/// What the placeholder filter makes of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    /// Nothing marks it as written by hand.
    Credential,
    /// Its only mark is a typed run (`abcdefgh`, `12345678`, a keyboard row): a documentation
    /// value someone made up in the provider's format, or, rarely, a real key.
    Typed,
    /// A placeholder, template, reference, documented example or filler (`xxxx`, `<KEY>`,
    /// `${VAR}`, `your_api_key`, one repeated character).
    Placeholder,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct PlaceholderFilter {
    /// Configured words; `None` when there are none.
    extra_words: Option<ExtraWords>,
}

#[derive(Debug, Clone)]
enum ExtraWords {
    Automaton(Words),
    /// Words too many for an automaton (never for a configuration file within its size bound),
    /// in lower case, searched one by one.
    Listed(Vec<String>),
}

impl ExtraWords {
    fn found_in(&self, text: &[u8], long_only: bool) -> bool {
        match self {
            ExtraWords::Automaton(words) => words.found_in(text, long_only),
            ExtraWords::Listed(words) => {
                let lower = text.to_ascii_lowercase();
                words
                    .iter()
                    .filter(|w| !long_only || w.len() >= LONG_WORD)
                    .any(|w| !w.is_empty() && memchr::memmem::find(&lower, w.as_bytes()).is_some())
            }
        }
    }
}

impl PlaceholderFilter {
    /// `extra_words` (from configuration) are matched like the built-in ones.
    pub(crate) fn new(extra_words: impl IntoIterator<Item = String>) -> Self {
        let words: Vec<String> = extra_words.into_iter().map(|w| w.to_ascii_lowercase()).collect();
        let extra_words = (!words.is_empty()).then(|| match Words::new(&words) {
            Ok(automaton) => ExtraWords::Automaton(automaton),
            Err(_) => ExtraWords::Listed(words),
        });
        PlaceholderFilter { extra_words }
    }

    /// `body` is the part of the secret after any fixed provider prefix (so `AAAA...` prefixes
    /// of real token formats do not look like repeated-character placeholders).
    pub(crate) fn is_placeholder(&self, secret: &[u8], body: &[u8]) -> bool {
        self.look(secret, body) != Look::Credential
    }

    /// Whether `secret` is a placeholder, a typed value or neither; `body` as for
    /// [`PlaceholderFilter::is_placeholder`].
    pub(crate) fn look(&self, secret: &[u8], body: &[u8]) -> Look {
        if self.is_written_placeholder(secret, body) {
            Look::Placeholder
        } else if has_typed_run(body) {
            Look::Typed
        } else {
            Look::Credential
        }
    }

    fn is_written_placeholder(&self, secret: &[u8], body: &[u8]) -> bool {
        if has_template_marker(secret) || is_documented_example(secret) {
            return true;
        }
        let has_word = |long_only: bool| {
            builtin_words().found_in(secret, long_only)
                || self.extra_words.as_ref().is_some_and(|w| w.found_in(secret, long_only))
        };
        // A long secret (a PEM block) holds words and runs by chance: base64 of zero bytes is
        // `AAAA...`, and every unencrypted OpenSSH key has such runs.
        // Words of 7 or more letters still count: one turns up by chance in random base64 once
        // in ~10^10 positions, so `...EXAMPLE` at the end of a long token is still an example.
        if secret.len() > LONG_SECRET {
            return has_word(true) || is_monotonous(body, body.len() / 4);
        }
        has_word(false)
            || (secret.starts_with(b"<") && secret.ends_with(b">"))
            || is_monotonous(body, 8)
    }
}

/// Secrets longer than this are judged by their shape only, not by the words they contain.
const LONG_SECRET: usize = 128;
/// The shortest placeholder word still looked for in a long secret.
const LONG_WORD: usize = 7;

/// A body drawn from three characters or fewer, or with a run of `max_run` equal characters.
fn is_monotonous(body: &[u8], max_run: usize) -> bool {
    if body.len() < 8 {
        return false;
    }
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &byte in body {
        if !seen[byte as usize] {
            seen[byte as usize] = true;
            distinct += 1;
        }
    }
    distinct <= 3 || longest_run(body) >= max_run
}

fn longest_run(data: &[u8]) -> usize {
    let mut longest = 0;
    let mut run = 0;
    let mut previous = None;
    for &byte in data {
        run = if previous == Some(byte) { run + 1 } else { 1 };
        previous = Some(byte);
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholder(s: &str) -> bool {
        PlaceholderFilter::default().is_placeholder(s.as_bytes(), s.as_bytes())
    }

    #[test]
    fn recognises_placeholders() {
        for s in [
            "AKIAIOSFODNN7EXAMPLE",
            "sk-xxxxxxxxxxxxxxxxxxxxxxxx",
            "your-api-key",
            "${OPENAI_API_KEY}",
            "<TOKEN>",
            "process.env.STRIPE_KEY",
            "%(db_password)s",
            "0000000000000000",
            "abababababababab",
        ] {
            assert!(placeholder(s), "{s} should be a placeholder");
        }
    }

    #[test]
    fn a_percent_and_a_parenthesis_make_a_template_only_before_a_name() {
        for s in ["%(db_password)s", "x%(name)d", "%(_p2)r", "%(refname:short)"] {
            assert!(placeholder(s), "{s} is a named placeholder");
        }
        // Django's generated keys are drawn from letters, digits and `!@#$%^&*(-_=+)`
        for s in ["_du9e^cmago!%(^+=gr@cu@v9-v7ulhbk2s3!w&39w4+n3*k*", "k2@%(9ab)x#m", "q7%(x"] {
            assert!(!placeholder(s), "{s} is no template");
        }
    }

    #[test]
    fn random_tokens_are_not_placeholders() {
        for s in ["Zx9qL2mT7vB4nK8wRt5Y", "f3a9c2e71b8d4a60", "sk_live_51HqLz2eZvKYlo2C"] {
            assert!(!placeholder(s), "{s} is not a placeholder");
        }
    }

    #[test]
    fn a_repeated_prefix_outside_the_body_is_fine() {
        let secret = b"AAAAAAAAAAAAAAAAAAAAAJ7vB4nK8wRt5Yq2";
        assert!(!PlaceholderFilter::default().is_placeholder(secret, &secret[21..]));
    }

    #[test]
    fn documented_examples_are_recognised_by_hash() {
        let mut random = super::super::TestRandom::new(5);
        let mut key = || format!("sk_test_{}", random.string(super::super::TestRandom::ALNUM, 24));
        let (documented, other) = (key(), key());
        let hash = crate::model::sha256_hex(documented.as_bytes());
        let examples = [(documented.len(), "sk_test_", hash.as_str())];
        assert!(documented_in(documented.as_bytes(), &examples));
        assert!(!documented_in(other.as_bytes(), &examples));
        for (_, _, hash) in DOCUMENTED_EXAMPLES {
            assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
        }
    }

    #[test]
    fn long_secrets_may_hold_runs_and_words() {
        let block = format!(
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAA{}",
            "Zx9qL2mT7vB4nK8wyour".repeat(8)
        );
        assert!(!PlaceholderFilter::default().is_placeholder(block.as_bytes(), block.as_bytes()));
        let documented = format!("{}EXAMPLE", "Zx9qL2mT7vB4nK8wyour".repeat(8));
        assert!(
            PlaceholderFilter::default()
                .is_placeholder(documented.as_bytes(), documented.as_bytes())
        );
        let filler = "A".repeat(200);
        assert!(PlaceholderFilter::default().is_placeholder(filler.as_bytes(), filler.as_bytes()));
    }

    #[test]
    fn typed_runs_are_told_from_placeholders() {
        let filter = PlaceholderFilter::default();
        let look = |s: &str| filter.look(s.as_bytes(), s.as_bytes());
        for typed in [
            "abcdef1234567890abcdef1234567890",
            "Zx9qL2mT7vB4ABCDEFGHnK8wRt5Y",
            "Zx9qL2mT7v87654321B4nK8wRt5Y",
            "Zx9qL2mTasdfghjkB4nK8wRt5Y",
            "Zx9qL2mTqwertyB4nK8wRt5Y",
            "qwerty",
        ] {
            assert_eq!(look(typed), Look::Typed, "{typed}");
        }
        for placeholder in
            ["your_api_key_12345678", "${API_KEY}", "xxxxxxxxabcdefgh", "aaaaaaaaaaaa"]
        {
            assert_eq!(look(placeholder), Look::Placeholder, "{placeholder}");
        }
        // seven in a row, or a row broken by another character, is no typed run
        for random in ["Zx9qL2mTabcdefgB4nK8wRt5Y", "Zx9qL2mT1234x5678nK8wRt5Y", "f3a9c2e71b8d4a60"]
        {
            assert_eq!(look(random), Look::Credential, "{random}");
        }
    }

    #[test]
    fn extra_words_from_configuration() {
        let filter = PlaceholderFilter::new(["AcmeTest".to_string()]);
        assert!(filter.is_placeholder(b"sk_live_acmetest1234", b"acmetest1234"));
    }
}
