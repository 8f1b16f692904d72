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
}

impl Checksum {
    pub(crate) fn verifies(self, secret: &[u8]) -> bool {
        match self {
            Checksum::GithubCrc32 => github_crc32_verifies(secret),
        }
    }
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
    fn checksum_is_padded_to_six_characters() {
        // CRC32 of the empty input is 0, the smallest value.
        assert_eq!(base62_crc32(b""), "000000");
        assert_eq!(base62_crc32(b"a").len(), 6);
    }
}
