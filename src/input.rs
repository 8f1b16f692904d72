//! Reading untrusted input with bounds: files keyhound is told to read (configuration, rules,
//! ignore files, baselines) are refused above a size instead of read until memory runs out
//! (`--baseline /dev/zero`), and scanned content is classified from its first 8 KiB before
//! the rest is read: binary, UTF-8 (or bytes), or UTF-16 to decode.

use std::{
    fs::File,
    io::{self, Read},
    path::Path,
};

/// Configuration, rules, ignore and baseline files larger than this are refused.
pub const MAX_INPUT_FILE_BYTES: u64 = 8 << 20;

/// How much content decides whether it is text, as git and ripgrep decide it.
pub const SNIFF_BYTES: usize = 8192;

/// `path` read whole, or an error if it holds more than `limit` bytes (checked while
/// reading: a device or a FIFO has no size to ask for).
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut content = Vec::new();
    File::open(path)?.take(limit.saturating_add(1)).read_to_end(&mut content)?;
    if content.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {}; refusing to read it", human_size(limit)),
        ));
    }
    Ok(content)
}

/// [`read_bounded`] at [`MAX_INPUT_FILE_BYTES`], as UTF-8 text.
pub fn read_input_file(path: &Path) -> io::Result<String> {
    let content = read_bounded(path, MAX_INPUT_FILE_BYTES)?;
    String::from_utf8(content)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not valid UTF-8"))
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// What content is, judged from its first [`SNIFF_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 or another byte-oriented text (scanned as bytes).
    Bytes,
    /// UTF-16, little or big endian; `bom` if it starts with a byte-order mark.
    Utf16 {
        little_endian: bool,
        bom: bool,
    },
    Binary,
}

/// Classifies `content` from its first [`SNIFF_BYTES`]: a UTF-16 byte-order mark, or the NUL
/// pattern of mostly-ASCII UTF-16 (every other byte NUL), is UTF-16; any other NUL is binary.
pub fn sniff(content: &[u8]) -> Encoding {
    let head = &content[..content.len().min(SNIFF_BYTES)];
    match head {
        [0xFF, 0xFE, ..] => return Encoding::Utf16 { little_endian: true, bom: true },
        [0xFE, 0xFF, ..] => return Encoding::Utf16 { little_endian: false, bom: true },
        _ => {}
    }
    if memchr::memchr(0, head).is_none() {
        return Encoding::Bytes;
    }
    match utf16_nul_pattern(head) {
        Some(little_endian) => Encoding::Utf16 { little_endian, bom: false },
        None => Encoding::Binary,
    }
}

/// `Some(little_endian)` if nearly every code unit of `head` is an ASCII character with a
/// NUL high byte (in one byte order) and none is NUL itself.
fn utf16_nul_pattern(head: &[u8]) -> Option<bool> {
    let units = head.len() / 2;
    if units < 2 {
        return None;
    }
    let (mut low_nul, mut high_nul) = (0, 0);
    for pair in head.chunks_exact(2) {
        match (pair[0], pair[1]) {
            (0, 0) => return None,
            (_, 0) => low_nul += 1,
            (0, _) => high_nul += 1,
            _ => {}
        }
    }
    // Mostly ASCII text: at least 90% of code units have a NUL half, all on one side.
    let threshold = units * 9 / 10;
    if low_nul >= threshold && high_nul == 0 {
        Some(true)
    } else if high_nul >= threshold && low_nul == 0 {
        Some(false)
    } else {
        None
    }
}

/// UTF-16 `content` as UTF-8, without its byte-order mark; `None` if it is not text after all
/// (unpaired surrogates or NUL characters in it). Lines stay lines, so findings keep their
/// line numbers; columns count characters either way.
pub fn decode_utf16(content: &[u8], little_endian: bool) -> Option<Vec<u8>> {
    let units = content.chunks_exact(2).map(|pair| {
        let bytes = [pair[0], pair[1]];
        if little_endian { u16::from_le_bytes(bytes) } else { u16::from_be_bytes(bytes) }
    });
    let mut text = String::with_capacity(content.len() / 2 + content.len() / 8);
    for unit in char::decode_utf16(units) {
        match unit {
            Ok('\0') | Err(_) => return None,
            Ok(c) => text.push(c),
        }
    }
    let text = text.strip_prefix('\u{FEFF}').map(str::to_string).unwrap_or(text);
    Some(text.into_bytes())
}

/// Content ready to scan: as read, decoded from UTF-16, or not text.
#[derive(Debug, PartialEq, Eq)]
pub enum Text {
    Bytes(Vec<u8>),
    DecodedUtf16(Vec<u8>),
    Binary,
}

impl Text {
    /// Classifies and, for UTF-16, decodes `content`.
    pub fn of(content: Vec<u8>) -> Text {
        match sniff(&content) {
            Encoding::Bytes => Text::Bytes(content),
            Encoding::Binary => Text::Binary,
            Encoding::Utf16 { little_endian, .. } => match decode_utf16(&content, little_endian) {
                Some(decoded) => Text::DecodedUtf16(decoded),
                None => Text::Binary,
            },
        }
    }

    pub fn into_content(self) -> Option<Vec<u8>> {
        match self {
            Text::Bytes(content) | Text::DecodedUtf16(content) => Some(content),
            Text::Binary => None,
        }
    }
}

/// Reads a file of `size` bytes (from its metadata) for scanning: the first [`SNIFF_BYTES`]
/// decide, and a binary file is not read further.
pub fn read_text_file(path: &Path, size: u64) -> io::Result<Text> {
    let mut file = File::open(path)?;
    let mut head = vec![0; SNIFF_BYTES];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    head.truncate(filled);
    if sniff(&head) == Encoding::Binary {
        return Ok(Text::Binary);
    }
    // Read no more than the size the walk saw (the file may grow while it is read).
    let rest_limit = size.saturating_sub(filled as u64);
    let mut content = head;
    content.reserve(rest_limit as usize);
    file.take(rest_limit).read_to_end(&mut content)?;
    Ok(Text::of(content))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little_endian: bool, bom: bool) -> Vec<u8> {
        let bom = bom.then_some(0xFEFF);
        bom.into_iter()
            .chain(text.encode_utf16())
            .flat_map(|u| if little_endian { u.to_le_bytes() } else { u.to_be_bytes() })
            .collect()
    }

    #[test]
    fn utf16_with_or_without_a_bom_is_decoded_and_binary_is_not() {
        let text = "$token = \"abc\"\r\nWrite-Host é\n";
        for (le, bom) in [(true, true), (false, true), (true, false), (false, false)] {
            let bytes = utf16(text, le, bom);
            assert_eq!(sniff(&bytes), Encoding::Utf16 { little_endian: le, bom }, "{le} {bom}");
            assert_eq!(Text::of(bytes), Text::DecodedUtf16(text.as_bytes().to_vec()));
        }
        assert_eq!(sniff(b"plain text\n"), Encoding::Bytes);
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"), Encoding::Binary);
        assert_eq!(Text::of(b"PK\x03\x04\0\0\x08\0".to_vec()), Text::Binary);
        // A NUL character inside "UTF-16" means it is binary after all.
        assert_eq!(Text::of(utf16("ab\0cd", true, true)), Text::Binary);
    }

    #[test]
    fn bounded_reads_refuse_what_never_ends() {
        let err = read_bounded(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small");
        std::fs::write(&small, "ok").unwrap();
        assert_eq!(read_bounded(&small, 2).unwrap(), b"ok");
        assert!(read_bounded(&small, 1).is_err());
    }

    #[test]
    fn a_binary_file_is_judged_by_its_head_and_not_read_further() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        let mut bytes = vec![0u8; 16];
        bytes.extend(std::iter::repeat_n(b'a', 100_000));
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read_text_file(&path, bytes.len() as u64).unwrap(), Text::Binary);
        let text = dir.path().join("text");
        std::fs::write(&text, "a".repeat(20_000)).unwrap();
        let read = read_text_file(&text, 20_000).unwrap().into_content().unwrap();
        assert_eq!(read.len(), 20_000);
    }
}
