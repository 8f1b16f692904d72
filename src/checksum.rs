//! Checksums that some providers embed in their tokens. A match whose checksum does not verify
//! is a typo or a fake, not a leak, so the engine drops it.

use serde::Deserialize;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Number of random characters before the checksum in GitHub/npm-style tokens.
pub(crate) const CRC32_TOKEN_RANDOM_LEN: usize = 30;
const CRC32_TOKEN_CHECKSUM_LEN: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum Checksum {
    /// GitHub and npm tokens: 30 base62 characters, then the base62 CRC32 of those 30,
    /// left-padded with `0` to 6 characters.
    #[serde(rename = "github-crc32")]
    GithubCrc32,
    /// NATS nkeys: base32 (RFC 4648, no padding) of a prefix, the key bytes and the
    /// little-endian CRC-16 (XMODEM: polynomial 0x1021, initial 0) of prefix and key.
    #[serde(rename = "nats-crc16")]
    NatsCrc16,
}

impl Checksum {
    pub(crate) fn verifies(self, secret: &[u8]) -> bool {
        match self {
            Checksum::GithubCrc32 => github_crc32_verifies(secret),
            Checksum::NatsCrc16 => nats_crc16_verifies(secret),
        }
    }
}

/// CRC-16/XMODEM, as NATS nkeys checksum their bytes.
fn crc16_xmodem(data: &[u8]) -> u16 {
    data.iter().fold(0u16, |crc, &byte| {
        (0..8).fold(crc ^ (u16::from(byte) << 8), |crc, _| {
            if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 }
        })
    })
}

/// RFC 4648 base32 without padding; `None` for another character or trailing bits that are
/// not zero (no encoder writes them).
fn decode_base32(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &c in text {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    (buffer == 0).then_some(out)
}

/// RFC 4648 base32 without padding.
fn encode_base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// An nkey seed as nkeys encodes one: two prefix bytes (`S`, then the key type: `U` user, `A`
/// account, `O` operator, `N` server, `C` cluster, `X` curve), the 32 seed bytes, the CRC-16
/// of both, little-endian, all in base32: `SUA...`, 58 characters. `None` for another type.
pub(crate) fn nats_seed(kind: char, seed: &[u8; 32]) -> Option<String> {
    if !"UAONCX".contains(kind) {
        return None;
    }
    // a type is its letter's base32 value, shifted into the prefix byte's top five bits
    let kind = (kind as u8 - b'A') << 3;
    let mut raw = vec![(18 << 3) | (kind >> 5), (kind & 31) << 3];
    raw.extend_from_slice(seed);
    raw.extend_from_slice(&crc16_xmodem(&raw).to_le_bytes());
    Some(encode_base32(&raw))
}

fn nats_crc16_verifies(secret: &[u8]) -> bool {
    let Some(raw) = decode_base32(secret) else { return false };
    let Some((body, checksum)) = raw.split_last_chunk::<2>() else { return false };
    !body.is_empty() && crc16_xmodem(body) == u16::from_le_bytes(*checksum)
}

/// The 6-character base62 CRC32 that GitHub-style tokens end with.
pub(crate) fn base62_crc32(data: &[u8]) -> String {
    let mut value = crc32fast::hash(data);
    let mut digits = [b'0'; CRC32_TOKEN_CHECKSUM_LEN];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(digits.to_vec()).expect("base62 digits are ASCII")
}

fn github_crc32_verifies(secret: &[u8]) -> bool {
    let tail_len = CRC32_TOKEN_RANDOM_LEN + CRC32_TOKEN_CHECKSUM_LEN;
    if secret.len() < tail_len {
        return false;
    }
    let tail = &secret[secret.len() - tail_len..];
    let (random, checksum) = tail.split_at(CRC32_TOKEN_RANDOM_LEN);
    base62_crc32(random).as_bytes() == checksum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_built_with_its_checksum_verifies() {
        let random = "AbCdEfGhIjKlMnOpQrStUvWxYz0123";
        let token = format!("ghp_{random}{}", base62_crc32(random.as_bytes()));
        assert_eq!(token.len(), 40);
        assert!(Checksum::GithubCrc32.verifies(token.as_bytes()));
    }

    #[test]
    fn one_changed_character_breaks_the_checksum() {
        let random = "AbCdEfGhIjKlMnOpQrStUvWxYz0123";
        let token = format!("npm_{random}{}", base62_crc32(random.as_bytes()));
        let typo = token.replacen("C", "c", 1);
        assert!(!Checksum::GithubCrc32.verifies(typo.as_bytes()));
        assert!(!Checksum::GithubCrc32.verifies(b"ghp_short"));
    }

    #[test]
    fn a_nats_seed_verifies_and_a_changed_one_does_not() {
        let user = nats_seed('U', &[7; 32]).unwrap();
        assert_eq!(user.len(), 58);
        assert!(user.starts_with("SUA"), "{user}");
        assert!(Checksum::NatsCrc16.verifies(user.as_bytes()));
        let typo = format!("{}{}", &user[..10], if &user[10..11] == "B" { "C" } else { "B" });
        assert!(!Checksum::NatsCrc16.verifies(format!("{typo}{}", &user[11..]).as_bytes()));
        assert!(
            !Checksum::NatsCrc16
                .verifies(b"SUAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
        );
        assert!(!Checksum::NatsCrc16.verifies(b"sua1"), "not base32");
        for (kind, prefix) in [('A', "SAA"), ('O', "SOA"), ('N', "SNA"), ('C', "SCA"), ('X', "SXA")]
        {
            assert!(nats_seed(kind, &[9; 32]).unwrap().starts_with(prefix), "{kind}");
        }
    }

    #[test]
    fn crc16_is_xmodem() {
        // the check value of CRC-16/XMODEM
        assert_eq!(crc16_xmodem(b"123456789"), 0x31C3);
        assert_eq!(encode_base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(decode_base32(b"MZXW6YTBOI").as_deref(), Some(&b"foobar"[..]));
    }

    #[test]
    fn checksum_is_padded_to_six_characters() {
        // CRC32 of the empty input is 0, the smallest value.
        assert_eq!(base62_crc32(b""), "000000");
        assert_eq!(base62_crc32(b"a").len(), 6);
    }
}
