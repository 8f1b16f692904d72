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
/// A run of at least [`MIN_BASE64_LEN`] characters starting at or after `p` holds a whole
/// block of [`BLOCK`] bytes at `p + k * BLOCK` for some `k` (it is at least twice that long),
/// so the search tests blocks of that grid, sixteen bytes at once where the CPU can
/// ([`all_run_chars`]), and reads bytes one at a time only around a block that is all run
/// characters. Source code rarely has sixteen in a row (long identifiers, paths, digests):
/// the block test's branch is almost never taken, where testing sampled bytes one by one
/// mispredicted at every word.
pub(crate) fn runs(content: &[u8]) -> Vec<Run> {
    let mut found = Vec::new();
    let mut floor = 0;
    let mut grid = 0;
    while let Some(block) = next_full_block(content, grid) {
        let mut start = block;
        while start > floor && class(content[start - 1]) != 0 {
            start -= 1;
        }
        let mut end = block + BLOCK;
        while end < content.len() && class(content[end]) != 0 {
            end += 1;
        }
        if end - start < MIN_BASE64_LEN {
            // `content[end]` is no run character: the next run starts after it.
            grid = end + 1;
            continue;
        }
        let (run_end, encoding) = run_at(content, start, end);
        if let Some(encoding) = encoding {
            found.push(Run { range: start..run_end, encoding });
        }
        // The next run may start right at `run_end` (after padding).
        floor = run_end;
        grid = run_end;
    }
    found
}

/// How many bytes the run search tests at once; at most half of [`MIN_BASE64_LEN`].
const BLOCK: usize = 16;
const _: () = assert!(2 * BLOCK <= MIN_BASE64_LEN);

/// How many blocks the search tests before it branches.
const GROUP: usize = 4;

/// The first `from + k * BLOCK` whose block lies in `content` and is all run characters.
fn next_full_block(content: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at + GROUP * BLOCK <= content.len() {
        let group: &[u8; GROUP * BLOCK] =
            content[at..at + GROUP * BLOCK].try_into().expect("a group");
        if some_block_may_be_full(group) {
            for (i, block) in group.chunks_exact(BLOCK).enumerate() {
                if all_run_chars(block.try_into().expect("a block")) {
                    return Some(at + i * BLOCK);
                }
            }
        }
        at += GROUP * BLOCK;
    }
    while at + BLOCK <= content.len() {
        let block: &[u8; BLOCK] = content[at..at + BLOCK].try_into().expect("a block");
        if all_run_chars(block) {
            return Some(at);
        }
        at += BLOCK;
    }
    None
}

/// Whether some block of `group` has only bytes in `+..=z`, where every run character is:
/// most groups of source code have a space, a line break or a bracket in each block, and
/// the search then moves on after one branch for the four.
#[cfg(target_arch = "x86_64")]
fn some_block_may_be_full(group: &[u8; GROUP * BLOCK]) -> bool {
    // No early exit: one branch for the whole group.
    (0..GROUP).fold(false, |any, i| {
        let block = group[i * BLOCK..(i + 1) * BLOCK].try_into().expect("a block");
        any | all_in_plus_to_z(load(block))
    })
}

#[cfg(not(target_arch = "x86_64"))]
fn some_block_may_be_full(_: &[u8; GROUP * BLOCK]) -> bool {
    true
}

/// Whether every byte of `block` is a base64 or hex character (`class(b) != 0`).
#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)] // the intrinsics are safe to call where SSE2 is on since Rust 1.87
fn all_run_chars(block: &[u8; BLOCK]) -> bool {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    let bytes = load(block);
    // Every run character is in `+..=z`; most blocks of source code hold a space, a line
    // break or a bracket, which this test alone rejects.
    if !all_in_plus_to_z(bytes) {
        return false;
    }
    // SAFETY: SSE2 is part of x86-64.
    unsafe {
        let letters = in_range(_mm_or_si128(bytes, _mm_set1_epi8(0x20)), b'a', 26);
        let digits = in_range(bytes, b'0', 10);
        let is = |c: u8| _mm_cmpeq_epi8(bytes, _mm_set1_epi8(c as i8));
        let symbols =
            _mm_or_si128(_mm_or_si128(is(b'+'), is(b'/')), _mm_or_si128(is(b'-'), is(b'_')));
        let any = _mm_or_si128(_mm_or_si128(letters, digits), symbols);
        _mm_movemask_epi8(any) == 0xffff
    }
}

/// The block's sixteen bytes in one register.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn load(block: &[u8; BLOCK]) -> std::arch::x86_64::__m128i {
    // SAFETY: an unaligned load of exactly the block's 16 bytes; SSE2 is part of x86-64.
    unsafe { std::arch::x86_64::_mm_loadu_si128(block.as_ptr().cast()) }
}

/// Whether all sixteen bytes are in `+..=z`.
#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)] // the intrinsics are safe to call where SSE2 is on since Rust 1.87
#[inline(always)]
fn all_in_plus_to_z(bytes: std::arch::x86_64::__m128i) -> bool {
    // SAFETY: SSE2 is part of x86-64.
    unsafe {
        std::arch::x86_64::_mm_movemask_epi8(in_range(bytes, b'+', b'z' - b'+' + 1)) == 0xffff
    }
}

/// Lanes of `x` in `lo..lo + n`. SSE2 compares bytes as signed: `x + (128 - lo) < -128 + n`
/// as `i8` is `lo <= x < lo + n` unsigned.
#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)] // the intrinsics are safe to call where SSE2 is on since Rust 1.87
#[inline(always)]
fn in_range(x: std::arch::x86_64::__m128i, lo: u8, n: u8) -> std::arch::x86_64::__m128i {
    use std::arch::x86_64::{_mm_add_epi8, _mm_cmplt_epi8, _mm_set1_epi8};
    // SAFETY: SSE2 is part of x86-64.
    unsafe {
        let shifted = _mm_add_epi8(x, _mm_set1_epi8(128u8.wrapping_sub(lo) as i8));
        _mm_cmplt_epi8(shifted, _mm_set1_epi8(128u8.wrapping_add(n) as i8))
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn all_run_chars(block: &[u8; BLOCK]) -> bool {
    block.iter().all(|&b| class(b) != 0)
}

#[cfg(test)]
pub(super) fn all_run_chars_for_tests(block: &[u8; BLOCK]) -> bool {
    all_run_chars(block)
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
