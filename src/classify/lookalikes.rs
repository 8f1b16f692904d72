//! Values that look random but are not credentials: UUIDs, hash digests (after a key that names
//! a digest), encoded plain text, and credentials in URLs of hosts reserved for documentation.
//! A provider rule can still claim such a value; this applies to generic rules only.

use super::MAX_PLAIN_TEXT_BITS;
use crate::entropy::shannon_entropy;

/// A credential in a URL whose host is reserved for documentation and tests (RFC 2606 and
/// RFC 6761: `example.com`, `*.example`, `*.test`, `*.invalid`, `localhost`) can never be live:
/// `http://user:pass%20word@example.com` is a URL parser's test fixture.
pub(super) fn for_a_documentation_host(url_match: &[u8]) -> bool {
    let Some(at) = memchr::memrchr(b'@', url_match) else { return false };
    let host = url_match[at + 1..].to_ascii_lowercase();
    let host = host.split(|&b| b == b':' || b == b'/').next().unwrap_or_default();
    let host = host.strip_suffix(b".").unwrap_or(host);
    let is_or_under = |domain: &[u8]| {
        host == domain
            || (host.len() > domain.len()
                && host.ends_with(domain)
                && host[host.len() - domain.len() - 1] == b'.')
    };
    [
        &b"example.com"[..],
        b"example.net",
        b"example.org",
        b"example",
        b"test",
        b"invalid",
        b"localhost",
    ]
    .iter()
    .any(|domain| is_or_under(domain))
}

/// `8-4-4-4-12` hexadecimal groups, with optional braces (`{...}` as .NET and the registry
/// write them).
pub(super) fn is_uuid(value: &[u8]) -> bool {
    let inner = value.strip_prefix(b"{").and_then(|v| v.strip_suffix(b"}")).unwrap_or(value);
    let groups: Vec<&[u8]> = inner.split(|&b| b == b'-').collect();
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.iter().all(u8::is_ascii_hexdigit))
}

/// The public half of a key pair that names which key signs (`AKIA...` for AWS, `SCW...` for
/// Scaleway): an identifier the provider shows in consoles and logs, not the secret. A provider
/// rule that reports it does so beside the secret; a generic `access_key: ...` rule must not.
pub(super) fn is_access_key_id(value: &[u8]) -> bool {
    const AWS_PREFIXES: &[&[u8]] =
        &[b"AKIA", b"ASIA", b"AIDA", b"AROA", b"AIPA", b"ANPA", b"ANVA", b"APKA", b"AGPA"];
    let upper_alnum =
        |body: &[u8]| body.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let aws = value.len() == 20
        && AWS_PREFIXES.iter().any(|p| value.starts_with(p))
        && upper_alnum(&value[4..]);
    let scaleway = value.len() == 20 && value.starts_with(b"SCW") && upper_alnum(&value[3..]);
    aws || scaleway
}

/// MD5 (32), SHA-1 and git object ids (40), SHA-256 (64) and SHA-512 (128) in one letter case.
pub(super) fn is_hex_digest(value: &[u8]) -> bool {
    matches!(value.len(), 32 | 40 | 64 | 128)
        && value.iter().all(u8::is_ascii_hexdigit)
        && !(value.iter().any(u8::is_ascii_lowercase) && value.iter().any(u8::is_ascii_uppercase))
}

/// Base64 or hex that decodes to text of low entropy (words, a URL, a sentence), not key
/// material. Random bytes almost never decode to printable text.
pub(super) fn decodes_to_plain_text(value: &[u8]) -> bool {
    let decoded = if value.len() % 2 == 0 && value.iter().all(u8::is_ascii_hexdigit) {
        decode_hex(value)
    } else {
        decode_base64(value)
    };
    decoded.is_some_and(|text| is_low_entropy_text(&text))
}

/// Printable ASCII of at least 6 bytes that reads like words: it has a space, or so few
/// distinct characters that it cannot be a random password.
fn is_low_entropy_text(text: &[u8]) -> bool {
    text.len() >= 6
        && text.iter().all(|&b| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'))
        && (text.contains(&b' ') || shannon_entropy(text) < MAX_PLAIN_TEXT_BITS)
}

fn decode_hex(value: &[u8]) -> Option<Vec<u8>> {
    value
        .chunks_exact(2)
        .map(|pair| {
            let digit = |b: u8| (b as char).to_digit(16);
            Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
        })
        .collect()
}

/// Lenient base64 (standard or URL alphabet, padding optional). Hand-written rather than a
/// dependency: this is a heuristic over short values, not a codec for data.
pub(super) fn decode_base64(value: &[u8]) -> Option<Vec<u8>> {
    let body = value.strip_suffix(b"==").or_else(|| value.strip_suffix(b"=")).unwrap_or(value);
    if body.len() < 8 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for &byte in body {
        let sextet = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::TestRandom;

    #[test]
    fn documentation_hosts_are_not_live() {
        assert!(for_a_documentation_host(b"http://user:pass%20word@example.com"));
        assert!(for_a_documentation_host(b"https://u:Zx9qL2mT7v@api.example.org"));
        assert!(for_a_documentation_host(b"ftp://u:Zx9qL2mT7v@files.test"));
        assert!(for_a_documentation_host(b"http://u:Zx9qL2mT7v@localhost:8080"));
        assert!(!for_a_documentation_host(b"https://u:Zx9qL2mT7v@pypi.corp.internal"));
        assert!(!for_a_documentation_host(b"https://u:Zx9qL2mT7v@notexample.com"));
        assert!(!for_a_documentation_host(b"password = \"Zx9qL2mT7v\""));
    }
    #[test]
    fn uuids_and_digests() {
        let mut random = TestRandom::new(3);
        let mut hex = |len| random.string(TestRandom::HEX, len);
        let uuid = format!("{}-{}-{}-{}-{}", hex(8), hex(4), hex(4), hex(4), hex(12));
        assert!(is_uuid(uuid.as_bytes()));
        assert!(is_uuid(format!("{{{}}}", uuid.to_uppercase()).as_bytes()));
        for len in [32, 40, 64, 128] {
            let digest = hex(len);
            assert!(is_hex_digest(digest.as_bytes()), "{digest}");
            assert!(is_hex_digest(digest.to_uppercase().as_bytes()));
        }
        let odd = hex(36);
        assert!(!is_hex_digest(odd.as_bytes()));
        let mixed = "0a1B2c3D4e5F6a7B8c9D0e1F2a3B4c5D";
        assert!(!is_hex_digest(mixed.as_bytes()), "mixed case is not how digests are printed");
    }

    #[test]
    fn encoded_text_is_not_a_secret_but_encoded_random_bytes_are() {
        // "hello world, this is a config value"
        assert!(decodes_to_plain_text(b"aGVsbG8gd29ybGQsIHRoaXMgaXMgYSBjb25maWcgdmFsdWU="));
        // "lalalalalala" in hex: no space, but too few distinct characters to be random.
        assert!(decodes_to_plain_text(b"6c616c616c616c616c616c61"));
        let mut random = TestRandom::new(9);
        for _ in 0..200 {
            let value = random.string(TestRandom::BASE64, 40);
            assert!(!decodes_to_plain_text(value.as_bytes()), "{value}");
            let value = random.string(TestRandom::ALNUM, 32);
            assert!(!is_uuid(value.as_bytes()) && !is_hex_digest(value.as_bytes()), "{value}");
            assert!(!decodes_to_plain_text(value.as_bytes()), "{value}");
        }
        // base64 of a random-looking password is still a secret: "admin:Zx9qL2mT7vB4"
        assert!(!decodes_to_plain_text(b"YWRtaW46Wng5cUwybVQ3dkI0"));
    }
}
