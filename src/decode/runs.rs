//! Finding runs of base64 and hex characters without reading every byte.

use super::Run;
use crate::model::Encoding;

/// The shortest base64 run decoded (24 bytes of text). Shorter base64 values are decoded only
/// where a format says they are base64 (see `checks::encoded`).
pub(crate) const MIN_BASE64_LEN: usize = 32;
/// The shortest hex run decoded (20 bytes of text); no shorter than [`MIN_BASE64_LEN`], which
/// is the stride runs are looked for at.
pub(crate) const MIN_HEX_LEN: usize = 40;
/// A line at least this long that a run fills to its end may continue on the next line
/// (MIME and PEM wrap base64 at 64 or 76 characters).
const MIN_WRAP_WIDTH: usize = 60;
/// The indentation a wrapped continuation line may have (YAML block scalars, heredocs).
const MAX_WRAP_INDENT: usize = 32;

const ALNUM: u8 = 1;
/// `+` and `/`: the standard alphabet's own characters.
const STANDARD: u8 = 2;
/// `-` and `_`: the URL-safe alphabet's own characters.
const URL_SAFE: u8 = 4;
const HEX: u8 = 8;

static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => ALNUM | HEX,
            b'g'..=b'z' | b'G'..=b'Z' => ALNUM,
            b'+' | b'/' => STANDARD,
            b'-' | b'_' => URL_SAFE,
            _ => 0,
        };
        b += 1;
    }
    table
};

pub(super) fn class(b: u8) -> u8 {
    CLASS[b as usize]
}

/// The base64 and hex runs of `content`, in order, none overlapping.
///
/// A run of at least [`MIN_BASE64_LEN`] characters starting at or after `p` holds
/// `p + MIN_BASE64_LEN - 1`, so only every [`MIN_BASE64_LEN`]-th byte past the last run is
/// read while none is a run character. When one is, the bytes before it are read back only
/// until a non-run byte: a run through it would have to reach that byte's position plus
/// [`MIN_BASE64_LEN`], which is the next byte read. Source code is mostly identifiers, so
/// this reads a few bytes of each word instead of the whole word; a run's bytes are read
/// whole only once [`MIN_BASE64_LEN`] of them in a row are known.
pub(crate) fn runs(content: &[u8]) -> Vec<Run> {
    let mut found = Vec::new();
    let mut floor = 0;
    let mut at = MIN_BASE64_LEN - 1;
    while at < content.len() {
        if class(content[at]) == 0 {
            at += MIN_BASE64_LEN;
            continue;
        }
        let window = floor.max(at + 1 - MIN_BASE64_LEN);
        if let Some(gap) = (window..at).rev().find(|&i| class(content[i]) == 0) {
            at = gap + MIN_BASE64_LEN;
            continue;
        }
        let mut start = window;
        while start > floor && class(content[start - 1]) != 0 {
            start -= 1;
        }
        let (end, encoding) = run_at(content, start, at + 1);
        if let Some(encoding) = encoding {
            found.push(Run { range: start..end, encoding });
        }
        // The next run may start right at `end` (after padding).
        floor = end;
        at = end + MIN_BASE64_LEN - 1;
    }
    found
}

/// The run that starts at `start` and holds `content[start..known]`: where it ends (wrapped
/// lines and padding included) and its encoding, if it is long enough and of one alphabet.
pub(super) fn run_at(content: &[u8], start: usize, known: usize) -> (usize, Option<Encoding>) {
    let (mut end, mut any, mut all) = segment(content, start, known);
    let width = end - start;
    let padded = padding(content, end);
    if padded == end && width >= MIN_WRAP_WIDTH {
        // Wrapped lines: each as wide as the first, the last one narrower or padded.
        while let Some(next) = continuation(content, end) {
            let (next_end, next_any, next_all) = segment(content, next, next);
            let next_width = next_end - next;
            let fills_line = matches!(
                content.get(padding(content, next_end)),
                None | Some(b'\r' | b'\n' | b'"' | b'\'')
            );
            if next_width == 0 || next_width > width || !fills_line {
                break;
            }
            (end, any, all) = (next_end, any | next_any, all & next_all);
            if next_width < width || padding(content, end) > end {
                break;
            }
        }
    }
    let length = content[start..end].iter().filter(|b| class(**b) != 0).count();
    let padded_end = padding(content, end);
    let encoding = if all & HEX != 0 && length >= MIN_HEX_LEN && padded_end == end {
        Some(Encoding::Hex)
    } else if length < MIN_BASE64_LEN || (any & STANDARD != 0 && any & URL_SAFE != 0) {
        None
    } else if any & URL_SAFE != 0 {
        Some(Encoding::Base64url)
    } else {
        Some(Encoding::Base64)
    };
    (padded_end, encoding)
}

/// Where the characters of a run starting at `start` end (`content[start..known]` are run
/// characters already), and the union and intersection of their classes.
fn segment(content: &[u8], start: usize, known: usize) -> (usize, u8, u8) {
    let (mut any, mut all) = (0, HEX | ALNUM | STANDARD | URL_SAFE);
    for &b in &content[start..known] {
        any |= class(b);
        all &= class(b);
    }
    let mut end = known;
    while let Some(&b) = content.get(end) {
        let c = class(b);
        if c == 0 {
            break;
        }
        any |= c;
        all &= c;
        end += 1;
    }
    (end, any, all)
}

/// `end` past up to two `=` of padding.
fn padding(content: &[u8], end: usize) -> usize {
    let pad = content[end..].iter().take(2).take_while(|&&b| b == b'=').count();
    end + pad
}

/// The start of the next line's run when the run ending at `end` fills its line: a line break,
/// then at most [`MAX_WRAP_INDENT`] spaces or tabs.
fn continuation(content: &[u8], end: usize) -> Option<usize> {
    let mut at = end;
    if content.get(at) == Some(&b'\r') {
        at += 1;
    }
    if content.get(at) != Some(&b'\n') {
        return None;
    }
    at += 1;
    let indent = content[at..]
        .iter()
        .take(MAX_WRAP_INDENT + 1)
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    (indent <= MAX_WRAP_INDENT).then_some(at + indent)
}
