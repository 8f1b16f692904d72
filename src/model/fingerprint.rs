//! Stable identities: a secret's hash and a finding's fingerprint.

use sha2::{Digest, Sha256};

pub fn sha256_hex(data: &[u8]) -> String {
    let hex = sha256_hex_bytes(data);
    hex.iter().map(|&b| b as char).collect()
}

/// [`sha256_hex`] without an allocation, for comparing against known hashes.
pub fn sha256_hex_bytes(data: &[u8]) -> [u8; 64] {
    hex_digits(&Sha256::digest(data))
}

/// Lower-case hex of `bytes`, `N` being twice their number.
fn hex_digits<const N: usize>(bytes: &[u8]) -> [u8; N] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = [0; N];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0xf)];
    }
    hex
}

/// The fingerprint SARIF, the ignore file and baselines share.
pub fn fingerprint(rule_id: &str, secret_sha256: &str, path: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [rule_id, secret_sha256, path] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let hex: [u8; 32] = hex_digits(&hasher.finalize()[..16]);
    hex.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_position_but_not_path_or_rule() {
        let a = fingerprint("r", "h", "a.py");
        assert_eq!(a, fingerprint("r", "h", "a.py"));
        assert_ne!(a, fingerprint("r", "h", "b.py"));
        assert_ne!(a, fingerprint("s", "h", "a.py"));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn hashes_are_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
