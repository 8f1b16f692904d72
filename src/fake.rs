//! Fake, format-valid credentials for tests, examples and benchmark corpora.
//!
//! Nothing in this repository is a real credential: rule examples are templates such as
//! `{{alnum:36}}` or `{{crc32:ghp_}}`, expanded here from a seeded generator, so every test run
//! sees the same fresh-looking values and no token is ever committed.

use crate::checksum::{CRC32_TOKEN_RANDOM_LEN, base62_crc32, nats_seed};

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";
const UPPER_HEX: &[u8] = b"0123456789ABCDEF";
const DIGITS: &[u8] = b"0123456789";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// A small deterministic generator (SplitMix64): reproducible fakes without a dependency.
#[derive(Debug, Clone)]
pub struct FakeGen {
    state: u64,
}

impl FakeGen {
    pub fn new(seed: u64) -> Self {
        FakeGen { state: seed ^ 0x9E37_79B9_7F4A_7C15 }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    /// `len` characters drawn from `alphabet`, retried until they do not look like a
    /// placeholder (a run of repeated characters or a word such as "fake" by chance).
    pub fn string_from(&mut self, alphabet: &[u8], len: usize) -> String {
        let filter = crate::classify::PlaceholderFilter::default();
        loop {
            let candidate: String =
                (0..len).map(|_| alphabet[self.below(alphabet.len())] as char).collect();
            if len < 8 || !filter.is_placeholder(candidate.as_bytes(), candidate.as_bytes()) {
                return candidate;
            }
        }
    }

    /// A GitHub/npm-style token: `prefix`, 30 random base62 characters, their CRC32.
    pub fn crc32_token(&mut self, prefix: &str) -> String {
        let random = self.string_from(ALNUM, CRC32_TOKEN_RANDOM_LEN);
        format!("{prefix}{random}{}", base62_crc32(random.as_bytes()))
    }

    /// A PEM private key block of `label` (`RSA PRIVATE KEY`): a DER-like start, then
    /// 64-column base64 of random bytes. Lines end with `\n`.
    pub fn pem_private_key(&mut self, label: &str) -> String {
        let mut lines = vec![format!("-----BEGIN {label}-----")];
        lines.push(format!("MIIEpAIBAAKCAQEA{}", self.string_from(BASE64, 48)));
        lines.extend((0..8).map(|_| self.string_from(BASE64, 64)));
        lines.push(format!("{}==", self.string_from(BASE64, 38)));
        lines.push(format!("-----END {label}-----\n"));
        lines.join("\n")
    }

    /// Expands every `{{kind:arg}}` template in `text`. Unknown kinds are an error so a typo
    /// in a rule's example cannot silently turn into a literal. `{{base64:TEXT}}` is TEXT, its
    /// own templates expanded, in base64 (for formats that wrap credentials in base64).
    pub fn expand(&mut self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len() + 64);
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if let Some(inner) = rest[open..].strip_prefix(WRAP_BASE64) {
                let close = closing_braces(inner)
                    .ok_or_else(|| format!("`{WRAP_BASE64}` without its closing `}}}}`"))?;
                let wrapped = self.expand(&inner[..close])?;
                out.push_str(&rest[..open]);
                out.push_str(&base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    wrapped,
                ));
                rest = &inner[close + 2..];
                continue;
            }
            let Some(close) = rest[open..].find("}}") else {
                break;
            };
            let inner = &rest[open + 2..open + close];
            match self.expand_one(inner) {
                Some(value) => {
                    out.push_str(&rest[..open]);
                    out.push_str(&value?);
                }
                None => out.push_str(&rest[..open + close + 2]),
            }
            rest = &rest[open + close + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// `None` when `inner` is not template syntax at all (so `{{ jinja }}` stays literal).
    fn expand_one(&mut self, inner: &str) -> Option<Result<String, String>> {
        let (kind, arg) = inner.split_once(':')?;
        if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        if kind == "crc32" {
            return Some(Ok(self.crc32_token(arg)));
        }
        if kind == "nkey" {
            let mut seed = [0u8; 32];
            seed.iter_mut().for_each(|b| *b = self.next_u64() as u8);
            let kind = arg.chars().next().filter(|_| arg.len() == 1);
            return Some(kind.and_then(|k| nats_seed(k, &seed)).ok_or_else(|| {
                format!("template `{{{{{inner}}}}}` needs a key type: U, A, O, N, C or X")
            }));
        }
        let alphabet = match kind {
            "alnum" => ALNUM,
            "upper" => UPPER_ALNUM,
            "lower" => LOWER_ALNUM,
            "alpha" => ALPHA,
            "hex" => HEX,
            "HEX" => UPPER_HEX,
            "digits" => DIGITS,
            "b64" => BASE64,
            "b64url" => BASE64URL,
            _ => return Some(Err(format!("unknown example template kind `{kind}`"))),
        };
        Some(match arg.parse::<usize>() {
            Ok(len) if (1..=4096).contains(&len) => Ok(self.string_from(alphabet, len)),
            _ => Err(format!("template `{{{{{inner}}}}}` needs a length from 1 to 4096")),
        })
    }
}

/// The template whose text is written in base64.
const WRAP_BASE64: &str = "{{base64:";

/// Where the `}}` closing a template whose text is `text...` is, past nested templates.
fn closing_braces(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = 0;
    while at + 1 < text.len() {
        match &text.as_bytes()[at..at + 2] {
            b"{{" => {
                depth += 1;
                at += 2;
            }
            b"}}" if depth == 0 => return Some(at),
            b"}}" => {
                depth -= 1;
                at += 2;
            }
            _ => at += 1,
        }
    }
    None
}

/// Lines that once made the line-level checks quadratic, each to be repeated into one long
/// line: a header whose value never closes, many headers, query strings and bearer words on one
/// line (a minified bundle). The linearity test and `benches/long_line.rs` scan them.
pub const HOSTILE_LINE_SHAPES: &[&str] = &[
    r#"headers={"X-Api-Key": f""#,
    "Authorization: bearer ",
    r#"requests.get(url, headers={"Authorization": "Token " + key, "x-api-key": k})"#,
    r#"fetch("https://api.github.com/user?access_token=" + t + "&key=""#,
    r#"'bearer "bearer `bearer "#,
    r#"{"Authorization": "Bearer sk-proj-Zx9qL2mT7vB4nK8wQ3rT5yU"}, "#,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::Checksum;

    #[test]
    fn base64_templates_wrap_their_expanded_text() {
        let text = FakeGen::new(3).expand("auth: {{base64:ci:{{alnum:12}}}} end").unwrap();
        let encoded = text.strip_prefix("auth: ").unwrap().strip_suffix(" end").unwrap();
        let decoded = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded);
        let decoded = String::from_utf8(decoded.unwrap()).unwrap();
        assert!(decoded.starts_with("ci:") && decoded.len() == 15, "{decoded}");
        assert!(FakeGen::new(3).expand("{{base64:open").is_err());
    }

    #[test]
    fn expands_templates_reproducibly() {
        let a = FakeGen::new(7).expand("k = '{{hex:32}}' t={{crc32:ghp_}}").unwrap();
        let b = FakeGen::new(7).expand("k = '{{hex:32}}' t={{crc32:ghp_}}").unwrap();
        assert_eq!(a, b);
        assert!(!a.contains("{{"));
        let token = a.split("t=").nth(1).unwrap();
        assert!(token.starts_with("ghp_") && token.len() == 40);
        assert!(Checksum::GithubCrc32.verifies(token.as_bytes()));
    }

    #[test]
    fn leaves_non_templates_alone_and_rejects_typos() {
        let mut fake = FakeGen::new(1);
        assert_eq!(fake.expand("{{ api_key }} and {{x}}").unwrap(), "{{ api_key }} and {{x}}");
        assert!(fake.expand("{{alnm:3}}").is_err());
        assert!(fake.expand("{{hex:0}}").is_err());
    }
}
