//! The one place that decides whether a value looks like a credential. The engine asks it
//! through the [`ValueFilter`] it is built with (placeholders, generic look-alikes); the checks
//! ask it through [`CredentialShape`]s, each a named set of thresholds. A better value
//! classifier belongs here, so every layer that asks gets it at once.

mod lookalikes;
mod pem;
mod placeholder;
mod value;

pub(crate) use placeholder::{Look, PlaceholderFilter};
pub use value::PasswordValue;
pub(crate) use value::classify;

use crate::entropy::shannon_entropy;

/// What a value must look like to be taken for a generated credential.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CredentialShape {
    /// Fewest bytes.
    pub(crate) min_len: usize,
    /// Lowest Shannon entropy, in bits per byte.
    pub(crate) min_bits: f64,
    /// Only characters tokens are written with (`A-Za-z0-9-_.~+/=`), at least one digit and
    /// one letter.
    pub(crate) token_alphabet: bool,
}

/// A literal written in a header value (`Authorization: Bearer <literal>`) that no provider
/// rule claimed: long, random, of a token's alphabet.
pub(crate) const HEADER_LITERAL: CredentialShape =
    CredentialShape { min_len: 16, min_bits: 3.2, token_alphabet: true };

/// A value in a committed template (`.env.example`) that someone generated rather than typed
/// as a placeholder.
pub(crate) const GENERATED_VALUE: CredentialShape =
    CredentialShape { min_len: 12, min_bits: 3.0, token_alphabet: false };

/// Decoded base64 or hex below this entropy (bits per byte) reads as words, not key material.
pub(crate) const MAX_PLAIN_TEXT_BITS: f64 = 3.0;

/// A generic rule's value is generated when it is at least this likely under the hypothesis
/// that it was drawn at random ([`value::p_random`]): random keys of 16 or more characters score
/// above 1e-3, words and identifiers far below 1e-6.
pub(crate) const MIN_P_RANDOM: f64 = 1e-4;

/// A value at least this much covered by runs of consecutive characters or keyboard rows
/// (`asdfqwer1234`, `AbcDef123!@#`) is a sequence someone typed.
pub(crate) const MAX_SEQUENCE_SHARE: f64 = 0.6;

/// Fewer characters than this after a password-naming key are not a password worth reporting.
pub(crate) const MIN_PASSWORD_LEN: usize = 4;

/// A password of fewer characters than this is weak whatever it is made of.
pub(crate) const MIN_STRONG_PASSWORD_LEN: usize = 6;

/// Words in a key that say the value next to it is a digest, not a secret (a hex value after
/// any other secret-naming key is reported: many API tokens are hex).
const DIGEST_KEY_WORDS: &[&str] =
    &["sha", "hash", "digest", "checksum", "etag", "commit", "integrity", "md5", "fingerprint"];

/// An unquoted word in a header value is a key rather than an identifier
/// (`WINBIO_PRESENCE_0`, `config.token`) with at least this many digits (and no `_` or `.`).
pub(crate) const MIN_DIGITS_IN_A_BARE_KEY: usize = 2;

impl CredentialShape {
    /// Whether `text` has this shape (placeholders are the [`ValueFilter`]'s to judge).
    pub(crate) fn fits(&self, text: &[u8]) -> bool {
        text.len() >= self.min_len
            && (!self.token_alphabet || has_token_alphabet(text))
            && shannon_entropy(text) >= self.min_bits
    }
}

fn has_token_alphabet(text: &[u8]) -> bool {
    text.iter().all(|b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
    }) && text.iter().any(u8::is_ascii_digit)
        && text.iter().any(u8::is_ascii_alphabetic)
}

/// Why a match is reported below its rule's confidence (at `low`; a chosen password at `medium`
/// in configuration when it looks set for real).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Demotion {
    /// The value holds a typed run ([`Look::Typed`]).
    TypedRun,
    /// The value has its rule's format, but the checksum the format carries does not verify.
    ChecksumFails,
    /// A password rule's value under the rule's entropy floor, judged as a chosen password:
    /// `medium` in a configuration file when it looks set for real, else `low`.
    ChosenPassword,
}

impl Demotion {
    /// The reason, as reports give it.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Demotion::TypedRun => {
                "the value holds a typed run (abcdefgh, 12345678, a keyboard row): \
                 likely made up for documentation or a test"
            }
            Demotion::ChosenPassword => {
                "the password is short or plain, not random: a chosen one, judged by what \
                 it is rather than by its entropy"
            }
            Demotion::ChecksumFails => {
                "the value has the provider's format but its checksum does not verify: \
                 a truncated or mistyped copy of a token, or a made-up one"
            }
        }
    }
}

/// What the engine drops before a match becomes a candidate: placeholders for every rule and,
/// when `generic_lookalikes` is on, values a generic rule matched that only look random.
#[derive(Debug, Clone)]
pub struct ValueFilter {
    placeholders: PlaceholderFilter,
    generic_lookalikes: bool,
}

impl Default for ValueFilter {
    /// [`ValueFilter::standard`].
    fn default() -> Self {
        ValueFilter::standard()
    }
}

impl ValueFilter {
    /// `placeholder_words` extend the built-in ones; `generic_lookalikes` rejects UUIDs,
    /// digests, encoded text and documentation hosts for generic rules (keyhound.toml's
    /// built-in suppression switch).
    pub(crate) fn new(
        placeholder_words: impl IntoIterator<Item = String>,
        generic_lookalikes: bool,
    ) -> Self {
        ValueFilter { placeholders: PlaceholderFilter::new(placeholder_words), generic_lookalikes }
    }

    /// The built-in filter: built-in placeholder words, generic look-alikes rejected.
    pub fn standard() -> Self {
        ValueFilter::new(Vec::new(), true)
    }

    /// Whether `secret` is a placeholder, template or documented example; `body` is the part
    /// after any fixed provider prefix.
    pub(crate) fn is_placeholder(&self, secret: &[u8], body: &[u8]) -> bool {
        self.look(secret, body) != Look::Credential
    }

    /// Whether `secret` is a placeholder, a value typed by hand in a credential's format, or
    /// neither; `body` as for [`ValueFilter::is_placeholder`].
    pub(crate) fn look(&self, secret: &[u8], body: &[u8]) -> Look {
        if secret.starts_with(b"-----BEGIN ") && pem::is_truncated_der(secret) {
            return Look::Placeholder;
        }
        self.placeholders.look(secret, body)
    }

    /// Whether a generic rule's `secret` only looks random. `whole` is the rule's whole match
    /// (for a URL: scheme, user, password and host).
    pub(crate) fn rejects_generic(&self, secret: &[u8], whole: &[u8]) -> bool {
        if !self.generic_lookalikes {
            return false;
        }
        let key = key_before(secret, whole);
        let digest = lookalikes::is_hex_digest(secret);
        lookalikes::for_a_documentation_host(whole)
            || lookalikes::is_uuid(secret)
            || lookalikes::is_access_key_id(secret)
            || (digest && names_a_digest(key))
            || (!digest && lookalikes::decodes_to_plain_text(secret))
            || !classify(password_part(secret)).is_generated()
    }

    /// Whether a password rule's `secret` (the value after a password-naming key) is no
    /// password: shorter than [`MIN_PASSWORD_LEN`], or a reference (`${VAR}`, `ENV[...]`,
    /// `os.getenv(..)`), a qualified name (`users.password_reset`, `mysql-password`), words of
    /// a language or a literal that types a field (`string`, `null`). Short, plain and weak
    /// values are kept ([`PasswordValue::Weak`]): chosen passwords are all three.
    /// `whole` is the rule's whole match: a key that names text shown to a person
    /// (`LABEL_PASSWORD`, `passwordHint`, `forgot_password_title`) holds that text, not a
    /// password, whatever the text is (`Passwort`, `Contraseña`).
    pub(crate) fn rejects_password(&self, secret: &[u8], whole: &[u8]) -> bool {
        secret.len() < MIN_PASSWORD_LEN
            || (self.generic_lookalikes
                && (password_value(secret) == PasswordValue::NotOne
                    || value::names_display_text(key_before(secret, whole))))
    }

    /// Whether a URL's, DSN's or connection string's password (`secret`, inside the match
    /// `whole`) under its rule's entropy floor is no password worth reporting: anything but
    /// one that looks set for real ([`PasswordValue::Strong`]: docs and tests are full of
    /// `scott:tiger@` and `user:secret@localhost`), or the default account of a local service,
    /// whose password repeats its user (`root:root@`, `guest:guest@`) or its scheme
    /// (`redis://:redis@`, `postgresql://app:postgres@`).
    pub(crate) fn rejects_chosen_password(&self, secret: &[u8], whole: &[u8]) -> bool {
        if self.rejects_password(secret, whole) || password_value(secret) != PasswordValue::Strong {
            return true;
        }
        let (secret, whole) = (secret.to_ascii_lowercase(), whole.to_ascii_lowercase());
        let mut repeated = secret.clone();
        repeated.push(b':');
        repeated.extend_from_slice(&secret);
        repeated.push(b'@');
        whole.starts_with(&secret) || memchr::memmem::find(&whole, &repeated).is_some()
    }

    /// Whether `text`, which no provider rule claimed, has `shape` and is no placeholder.
    pub(crate) fn looks_like_credential(&self, text: &[u8], shape: &CredentialShape) -> bool {
        shape.fits(text) && !self.is_placeholder(text, text)
    }
}

/// What the value after a password-naming key is: no password, a weak or sample one, or one
/// that looks set for real (reported at `medium` in configuration; the others at `low`).
pub fn password_value(secret: &[u8]) -> PasswordValue {
    match value::password_value(secret) {
        // base64 of a word (`cGFzc3dvcmQ=`) is that word, encoded for a test
        _ if lookalikes::decodes_to_plain_text(secret) => PasswordValue::NotOne,
        PasswordValue::Strong if secret.len() < MIN_STRONG_PASSWORD_LEN => PasswordValue::Weak,
        judged => judged,
    }
}

/// `Basic dXNlcjpwYXNzd2Q=`: base64 of `user:password` where the password is a word or a
/// placeholder, as RFC and docs examples write it.
pub(crate) fn basic_credentials_of_words(value: &[u8]) -> bool {
    let Some(decoded) = lookalikes::decode_base64(value) else { return false };
    let Some(colon) = memchr::memchr(b':', &decoded) else { return false };
    decoded.iter().all(|b| (0x20..0x7f).contains(b))
        && !classify(&decoded[colon + 1..]).is_generated()
}

/// What a generic rule's match holds before its value: the key that names it.
fn key_before<'a>(secret: &[u8], whole: &'a [u8]) -> &'a [u8] {
    memchr::memmem::find(whole, secret).map_or(whole, |at| &whole[..at])
}

fn names_a_digest(key: &[u8]) -> bool {
    let key = key.to_ascii_lowercase();
    DIGEST_KEY_WORDS.iter().any(|w| memchr::memmem::find(&key, w.as_bytes()).is_some())
}

/// `user:password` (curl's `-u`) is judged by its password.
fn password_part(secret: &[u8]) -> &[u8] {
    match memchr::memchr(b':', secret) {
        Some(at) if at > 0 && at + 1 < secret.len() => &secret[at + 1..],
        _ => secret,
    }
}

/// Random strings for this module's tests. Not [`crate::fake`]: that generator consults the
/// placeholder filter here, and the layers stay one-way in tests too.
#[cfg(test)]
pub(crate) struct TestRandom(u64);

#[cfg(test)]
impl TestRandom {
    pub(crate) const HEX: &'static [u8] = b"0123456789abcdef";
    pub(crate) const ALNUM: &'static [u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    pub(crate) const BASE64: &'static [u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub(crate) fn new(seed: u64) -> Self {
        TestRandom(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// `len` characters drawn from `alphabet` (xorshift64*).
    pub(crate) fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                self.0 ^= self.0 >> 12;
                self.0 ^= self.0 << 25;
                self.0 ^= self.0 >> 27;
                let next = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
                alphabet[(next >> 33) as usize % alphabet.len()] as char
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_need_length_entropy_and_alphabet() {
        assert!(HEADER_LITERAL.fits(b"Zx9qL2mT7vB4nK8wQ3"));
        assert!(!HEADER_LITERAL.fits(b"Zx9qL2mT7vB4"), "too short");
        assert!(!HEADER_LITERAL.fits(b"abcdefghijklmnopqrst"), "no digit");
        assert!(!HEADER_LITERAL.fits(b"Zx9qL2mT 7vB4nK8wQ3"), "space is not a token character");
        assert!(!HEADER_LITERAL.fits(b"a1a1a1a1a1a1a1a1a1"), "low entropy");
        assert!(GENERATED_VALUE.fits(b"Zx9q L2mT 7vB4"));
        assert!(!GENERATED_VALUE.fits(b"aaaa bbbb cccc"));
    }

    #[test]
    fn a_default_account_is_no_chosen_password() {
        let filter = ValueFilter::standard();
        let rejects = |secret: &str, whole: &str| {
            filter.rejects_chosen_password(secret.as_bytes(), whole.as_bytes())
        };
        assert!(rejects("root", "mysql://root:root@localhost"));
        assert!(rejects("Guest", "amqp://guest:Guest@localhost"));
        assert!(rejects("redis", "redis://:redis@cache"));
        assert!(rejects("postgres", "postgresql://app:postgres@db"));
        assert!(rejects("${DB_PASSWORD}", "postgres://app:${DB_PASSWORD}@db"));
        // a sample: a word with digits
        assert!(rejects("D1fficult", "mongodb://myDatabaseUser:D1fficult@localhost"));
        assert!(rejects("tiger", "postgresql://scott:tiger@localhost/test"));
        assert!(!rejects("Zq7#Zq7#", "postgres://spot_app:Zq7#Zq7#@warehouse.internal"));
    }

    #[test]
    fn placeholders_never_look_like_credentials() {
        let filter = ValueFilter::standard();
        assert!(filter.looks_like_credential(b"Zx9qL2mT7vB4nK8wQ3", &HEADER_LITERAL));
        assert!(!filter.looks_like_credential(b"Zx9qL2mT7vEXAMPLE3", &HEADER_LITERAL));
    }

    #[test]
    fn hex_after_a_secret_name_is_a_secret_unless_the_key_names_a_digest() {
        let filter = ValueFilter::standard();
        let hex = TestRandom::new(5).string(TestRandom::HEX, 40);
        let line = |key: &str| format!("{key} = \"{hex}\"");
        assert!(!filter.rejects_generic(hex.as_bytes(), line("AUTH_TOKEN").as_bytes()));
        assert!(!filter.rejects_generic(hex.as_bytes(), line("db_password").as_bytes()));
        assert!(filter.rejects_generic(hex.as_bytes(), line("token_sha1").as_bytes()));
        assert!(filter.rejects_generic(hex.as_bytes(), line("secret_checksum").as_bytes()));
    }

    #[test]
    fn generic_values_that_name_things_are_rejected() {
        let filter = ValueFilter::standard();
        for value in
            ["action_dispatch.secret_key_base", "my-secret-token", "${TOKEN}", "asdfqwer1234asdf"]
        {
            let line = format!("secret = \"{value}\"");
            assert!(filter.rejects_generic(value.as_bytes(), line.as_bytes()), "{value}");
        }
        let key = TestRandom::new(8).string(TestRandom::ALNUM, 32);
        assert!(!filter.rejects_generic(key.as_bytes(), format!("secret = \"{key}\"").as_bytes()));
        assert!(filter.rejects_generic(b"user:pass", b"curl -u user:pass"));
        let scaleway_id = format!(
            "SCW{}",
            TestRandom::new(9).string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 17)
        );
        let line = format!("access_key: {scaleway_id}");
        assert!(
            filter.rejects_generic(scaleway_id.as_bytes(), line.as_bytes()),
            "a key id is no secret"
        );
    }

    #[test]
    fn a_password_is_kept_when_short_and_plain_and_dropped_when_it_names_or_points() {
        let filter = ValueFilter::standard();
        let chosen = format!("Kx{}", TestRandom::new(3).string(b"abcdefghij", 4));
        assert!(!filter.rejects_password(chosen.as_bytes(), chosen.as_bytes()), "{chosen}");
        for value in [
            "${DB_PASSWORD}",
            "ENV[DB_PASSWORD]",
            "os.getenv(DB)",
            "mysql-password",
            "cGFzc3dvcmQ=",
        ] {
            assert!(filter.rejects_password(value.as_bytes(), value.as_bytes()), "{value}");
        }
        for value in
            ["user.password", "Forgot your password?", "\u{5fd8}\u{8a18}\u{5bc6}\u{78bc}", "abc"]
        {
            assert!(filter.rejects_password(value.as_bytes(), value.as_bytes()), "{value}");
        }
        for value in ["abc12", "banana", "welcome1"] {
            let line = format!("password: {value}");
            assert!(
                !filter.rejects_password(value.as_bytes(), line.as_bytes()),
                "a weak password is kept: {value}"
            );
            assert_eq!(password_value(value.as_bytes()), PasswordValue::Weak, "{value}");
        }
    }

    #[test]
    fn a_password_key_that_names_display_text_holds_no_password() {
        let filter = ValueFilter::standard();
        let typed = format!("Kx{}", TestRandom::new(4).string(b"abcdefghij", 6));
        for key in
            ["\"LABEL_PASSWORD\"", "passwordHint", "forgot_password_title", "pwd.placeholder"]
        {
            let line = format!("{key}: \"{typed}\"");
            assert!(filter.rejects_password(typed.as_bytes(), line.as_bytes()), "{key}");
        }
        for key in ["DB_PASSWORD", "contextPassword", "textPassword"] {
            let line = format!("{key}: \"{typed}\"");
            let kept = !filter.rejects_password(typed.as_bytes(), line.as_bytes());
            assert_eq!(kept, key != "textPassword", "{key}: judged by whole words");
        }
    }

    #[test]
    fn generic_lookalikes_can_be_switched_off() {
        let uuid = b"123e4567-e89b-42d3-a456-426614174000";
        assert!(ValueFilter::standard().rejects_generic(uuid, uuid));
        assert!(!ValueFilter::new(Vec::new(), false).rejects_generic(uuid, uuid));
    }
}
