//! Secrets inside base64 and hex. Formats wrap credentials in base64 (Kubernetes Secret
//! `data`, kubeconfig `client-key-data`, Docker `auths.*.auth`, `Authorization: Basic`, `.npmrc`
//! `_auth`), and people paste encoded keys anywhere; the engine only sees what is written, so
//! [`crate::pipeline`] asks this module for the encoded runs of each piece of content, decodes
//! the ones that turn into text, and scans that text with the same engine.
//!
//! Bounded by design, so plain source code pays almost nothing:
//! - a run must be at least [`MIN_BASE64_LEN`] base64 or [`MIN_HEX_LEN`] hex characters;
//!   finding runs reads one byte in every [`MIN_BASE64_LEN`] unless that byte can be part of
//!   a run (then the run around it), so most bytes are never looked at;
//! - a run is decoded only when its first bytes decode to text ([`decode_text`]): binary
//!   (images, digests, compressed data) stops after a few dozen bytes;
//! - decoded text is searched again for runs, [`MAX_DEPTH`] layers deep at most.
//!
//! Nothing here knows the engine or findings: it turns bytes into runs and runs into text.

mod runs;

use std::ops::Range;

use base64::{
    Engine as _, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};

use crate::model::Encoding;
pub(crate) use runs::runs;
#[cfg(test)]
use runs::{MIN_BASE64_LEN, MIN_HEX_LEN};

/// How many encodings deep decoded text is searched (base64 inside base64 is common:
/// a Kubernetes Secret holding a kubeconfig holding `client-key-data`).
pub(crate) const MAX_DEPTH: usize = 2;

/// The longest run decoded, in bytes of encoded text (a 4096-bit PEM key in base64 is about
/// 4.4 KB; a kubeconfig with certificates about 10 KB).
pub(crate) const MAX_RUN_LEN: usize = 256 * 1024;

/// How many encoded characters are decoded first to decide whether a run is text.
const SNIFF_CHARS: usize = 96;
/// How many encoded characters are decoded, without allocating, to reject a run early.
const PREFIX_CHARS: usize = 24;

/// A run of encoded text in scanned content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) range: Range<usize>,
    pub(crate) encoding: Encoding,
}

static STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);
static URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// `encoded` (whitespace between wrapped lines allowed) decoded as `encoding`, if it decodes.
pub(crate) fn decode(encoded: &[u8], encoding: Encoding) -> Option<Vec<u8>> {
    let compact: Vec<u8>;
    let mut text = encoded;
    if text.iter().any(u8::is_ascii_whitespace) {
        compact = text.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
        text = &compact;
    }
    match encoding {
        Encoding::Hex => decode_hex(text),
        Encoding::Base64 | Encoding::Base64url => {
            let engine = if encoding == Encoding::Base64 { &STANDARD } else { &URL_SAFE };
            let body_len = text.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
            // A run cut out of a longer word can leave one character too many.
            let usable = if body_len % 4 == 1 { body_len - 1 } else { body_len };
            engine.decode(&text[..usable]).ok()
        }
    }
}

/// `encoded` decoded, when what it decodes to is text: the first [`SNIFF_CHARS`] are decoded
/// and judged before the rest is.
pub(crate) fn decode_text(encoded: &[u8], encoding: Encoding) -> Option<Vec<u8>> {
    if encoded.len() > MAX_RUN_LEN || !may_be_text(encoded, encoding) {
        return None;
    }
    sniffed_text(encoded, encoding)
}

/// [`decode_text`] without its bounds and early rejection.
fn sniffed_text(encoded: &[u8], encoding: Encoding) -> Option<Vec<u8>> {
    let quantum = if encoding == Encoding::Hex { 2 } else { 4 };
    let head_len =
        encoded.iter().take(SNIFF_CHARS * 2).filter(|b| !b.is_ascii_whitespace()).count();
    if head_len > SNIFF_CHARS {
        let head: Vec<u8> = encoded
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .take(SNIFF_CHARS / quantum * quantum)
            .collect();
        if !is_text(&decode(&head, encoding)?, true) {
            return None;
        }
    }
    let decoded = decode(encoded, encoding)?;
    is_text(&decoded, false).then_some(decoded)
}

/// Whether the first [`PREFIX_CHARS`] characters of `encoded` decode to the start of text.
/// When they do not, neither does the whole run (its decoding starts with the same bytes), so
/// the run is rejected without an allocation: most runs in source code are long identifiers,
/// which decode to binary. Undecodable characters are left to [`decode`] to judge.
fn may_be_text(encoded: &[u8], encoding: Encoding) -> bool {
    let mut chars = [0u8; PREFIX_CHARS];
    let mut len = 0;
    for &b in encoded.iter().filter(|b| !b.is_ascii_whitespace()).take(PREFIX_CHARS) {
        chars[len] = b;
        len += 1;
    }
    let mut bytes = [0u8; PREFIX_CHARS];
    let decoded = match encoding {
        Encoding::Hex => {
            let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
            let mut n = 0;
            for pair in chars[..len].chunks_exact(2) {
                let (Some(high), Some(low)) = (digit(pair[0]), digit(pair[1])) else {
                    return true;
                };
                bytes[n] = high << 4 | low;
                n += 1;
            }
            n
        }
        Encoding::Base64 | Encoding::Base64url => {
            let engine = if encoding == Encoding::Base64 { &STANDARD } else { &URL_SAFE };
            match engine.decode_slice(&chars[..len / 4 * 4], &mut bytes) {
                Ok(n) => n,
                Err(_) => return true,
            }
        }
    };
    decoded == 0 || is_text(&bytes[..decoded], true)
}

/// A credential value that a format documents as base64 (`auth`, `_auth`, `Basic ...`),
/// decoded with whichever alphabet fits, when it decodes to text.
pub(crate) fn base64_value(encoded: &[u8]) -> Option<Vec<u8>> {
    let url = encoded.iter().any(|b| matches!(b, b'-' | b'_'));
    let decoded = decode(encoded, if url { Encoding::Base64url } else { Encoding::Base64 })?;
    is_text(&decoded, false).then_some(decoded)
}

/// Printable UTF-8 (tabs and line breaks allowed). `truncated`: the bytes were cut from a
/// longer decoding, so a character split at the end is fine.
fn is_text(bytes: &[u8], truncated: bool) -> bool {
    if bytes.is_empty() {
        return false;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) if truncated && err.error_len().is_none() => {
            std::str::from_utf8(&bytes[..err.valid_up_to()]).expect("valid up to here")
        }
        Err(_) => return false,
    };
    text.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

fn decode_hex(text: &[u8]) -> Option<Vec<u8>> {
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let even = text.len() & !1;
    text[..even].chunks_exact(2).map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?)).collect()
}

#[cfg(test)]
mod tests;
