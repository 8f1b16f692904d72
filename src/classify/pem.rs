//! A PEM block whose body is cut short (`MIIEpQIBAAKCAQEAuyf...`, one line of a 2048-bit key in
//! a docstring) documents the format; it holds no key. DER says how long it is: a body that
//! decodes to a small part of what its outer `SEQUENCE` declares is an excerpt.

use super::lookalikes::decode_base64;

/// A body that decodes to less than a tenth of the length its DER header declares is an
/// excerpt (one line of a key in a docstring); one cut shorter than that (a key split across a
/// page, a synthetic example) is still reported.
const EXCERPT_SHARE: usize = 10;

/// Whether `block` (a `-----BEGIN ...-----` match, possibly with `\n` escapes, quotes or
/// indentation around its lines) is an excerpt of a DER structure: `...` in its body, or less
/// than [`EXCERPT_SHARE`]`⁻¹` of the length its own header declares.
pub(crate) fn is_truncated_der(block: &[u8]) -> bool {
    let Some(body) = pem_body(block) else { return false };
    if body.windows(3).any(|w| w == b"...") {
        return true;
    }
    let base64: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
        .collect();
    let Some(decoded) = decode_base64(&base64) else { return false };
    declared_length(&decoded).is_some_and(|declared| decoded.len() * EXCERPT_SHARE < declared)
}

/// The base64 between the BEGIN and END lines, without header lines (`Proc-Type: ...`) or the
/// escapes and quotes a block carries inside source code.
fn pem_body(block: &[u8]) -> Option<Vec<u8>> {
    let begin = memchr::memmem::find(block, b"-----BEGIN ")?;
    let after_begin = begin + memchr::memmem::find(&block[begin + 11..], b"-----")? + 16;
    let end = memchr::memmem::find(&block[after_begin..], b"-----END")
        .map_or(block.len(), |e| after_begin + e);
    let body = &block[after_begin..end];
    let mut unescaped = Vec::with_capacity(body.len());
    for line in body.split(|&b| b == b'\n') {
        // `\n` escapes inside a string literal: the `n` after each backslash is no base64
        for (i, piece) in line.split(|&b| b == b'\\').enumerate() {
            let piece = if i > 0 { piece.strip_prefix(b"n").unwrap_or(piece) } else { piece };
            if !piece.contains(&b':') {
                unescaped.extend_from_slice(piece);
            }
        }
    }
    Some(unescaped)
}

/// Total length (tag, length bytes and content) a DER `SEQUENCE` at the start of `der` declares.
fn declared_length(der: &[u8]) -> Option<usize> {
    if der.first() != Some(&0x30) {
        return None;
    }
    let first = *der.get(1)? as usize;
    if first < 0x80 {
        return Some(2 + first);
    }
    let count = first & 0x7f;
    if count == 0 || count > 3 {
        return None;
    }
    let bytes = der.get(2..2 + count)?;
    Some(2 + count + bytes.iter().fold(0usize, |n, &b| (n << 8) | b as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        bytes
            .chunks(3)
            .flat_map(|chunk| {
                let n = chunk.iter().fold(0u32, |n, &b| (n << 8) | u32::from(b))
                    << (8 * (3 - chunk.len()));
                (0..=chunk.len()).map(move |i| ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char)
            })
            .collect()
    }

    fn block(der: &[u8]) -> String {
        let body = encode(der);
        let lines: Vec<String> =
            body.as_bytes().chunks(64).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            lines.join("\n")
        )
    }

    fn der(content_len: usize) -> Vec<u8> {
        let mut der = vec![0x30, 0x82, (content_len >> 8) as u8, content_len as u8];
        der.extend((0..content_len).map(|i| (i * 7 + 3) as u8));
        der
    }

    #[test]
    fn a_whole_key_is_not_truncated() {
        let whole = block(&der(600));
        assert!(!is_truncated_der(whole.as_bytes()));
        assert!(!is_truncated_der(whole.replace('\n', "\\n").as_bytes()), "escaped in source");
    }

    #[test]
    fn a_key_cut_to_a_line_is() {
        let whole = block(&der(600));
        let one_line: String =
            whole.lines().take(2).chain(whole.lines().last()).collect::<Vec<_>>().join("\n");
        assert!(is_truncated_der(one_line.as_bytes()));
        assert!(is_truncated_der(b"-----BEGIN RSA PRIVATE KEY-----\nMIIEpQIBAAKCAQEAuyf...\n-----END RSA PRIVATE KEY-----"));
    }

    #[test]
    fn not_der_is_left_alone() {
        assert!(!is_truncated_der(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"));
    }
}
