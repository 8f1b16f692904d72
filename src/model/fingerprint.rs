//! Stable identities: a secret's hash and a finding's fingerprint.

use sha2::{Digest, Sha256};

pub fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprint SARIF, the ignore file and baselines share.
pub fn fingerprint(rule_id: &str, secret_sha256: &str, path: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [rule_id, secret_sha256, path] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
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
}
