//! Reading untrusted input with bounds: files keyhound is told to read (configuration, rules,
//! ignore files, baselines) are refused above a size instead of read until memory runs out
//! (`--baseline /dev/zero`), and scanned content is classified from its first 8 KiB before
//! the rest is read: binary, UTF-8 (or bytes), or UTF-16 to decode.

use std::{
    borrow::Cow,
    fs::File,
    io::{self, Read},
    path::Path,
};

/// Configuration, rules, ignore and baseline files larger than this are refused.
pub(crate) const MAX_INPUT_FILE_BYTES: u64 = 8 << 20;

/// How much content decides whether it is text, as git and ripgrep decide it.
pub(crate) const SNIFF_BYTES: usize = 8192;

/// `path` read whole, or an error if it holds more than `limit` bytes (checked while
/// reading: a device or a FIFO has no size to ask for).
pub(crate) fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
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
pub(crate) fn read_input_file(path: &Path) -> io::Result<String> {
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

/// Worker threads beyond this many per core only contend (a thousand spinning walker threads
/// on two cores do not finish a five-file scan in 20 s).
pub(crate) const MAX_THREADS_PER_CORE: usize = 4;

/// `requested` threads, capped at [`MAX_THREADS_PER_CORE`] per core; the warning to give if
/// it was capped. 0 stays 0 (one per core).
pub(crate) fn capped_threads(requested: usize, cores: usize) -> (usize, Option<String>) {
    let max = MAX_THREADS_PER_CORE * cores.max(1);
    if requested <= max {
        return (requested, None);
    }
    let warning = format!(
        "more than {MAX_THREADS_PER_CORE} threads per core ({cores} core(s)) only slows the scan; using {max}"
    );
    (max, Some(warning))
}

/// What a scan path is, and so how it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanPath {
    /// `-`: standard input.
    Stdin,
    /// A directory or a regular file: walked.
    Tree,
    /// A FIFO (`<(…)`, `mkfifo`): read to its end as one stream, like standard input.
    Stream,
}

/// How to read the scan path `path`; an error for what is none of a directory, a regular
/// file, a FIFO or `-` (a device, a socket), which would otherwise scan nothing and look clean.
pub(crate) fn scan_path_kind(path: &Path) -> io::Result<ScanPath> {
    if path == Path::new("-") {
        return Ok(ScanPath::Stdin);
    }
    let kind = std::fs::metadata(path)
        .map_err(|err| match err.kind() {
            io::ErrorKind::NotFound => {
                io::Error::new(err.kind(), format!("{}: no such file or directory", path.display()))
            }
            _ => io::Error::new(err.kind(), format!("{}: {err}", path.display())),
        })?
        .file_type();
    if kind.is_dir() || kind.is_file() {
        return Ok(ScanPath::Tree);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Ok(ScanPath::Stream);
        }
        let what = if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "not a file"
        };
        Err(unsupported(path, what))
    }
    #[cfg(not(unix))]
    Err(unsupported(path, "not a file"))
}

fn unsupported(path: &Path, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{}: {what}, not a directory, a regular file, a FIFO or `-`; nothing to scan",
            path.display()
        ),
    )
}

/// What content is, judged from its first [`SNIFF_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
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
pub(crate) fn sniff(content: &[u8]) -> Encoding {
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
pub(crate) fn decode_utf16(content: &[u8], little_endian: bool) -> Option<Vec<u8>> {
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

/// `content` as the rules see it: UTF-16 decoded to UTF-8, anything else as it is.
pub(crate) fn scannable(content: &[u8]) -> Cow<'_, [u8]> {
    match sniff(content) {
        Encoding::Utf16 { little_endian, .. } => {
            decode_utf16(content, little_endian).map_or(Cow::Borrowed(content), Cow::Owned)
        }
        Encoding::Bytes | Encoding::Binary => Cow::Borrowed(content),
    }
}

/// Reads a file of `size` bytes (from its metadata) for scanning; `None` if it is binary. The
/// first [`SNIFF_BYTES`] decide, and a binary file is not read further.
pub(crate) fn read_text_file(path: &Path, size: u64) -> io::Result<Option<Vec<u8>>> {
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
        return Ok(None);
    }
    // Read no more than the size the walk saw (the file may grow while it is read).
    let rest_limit = size.saturating_sub(filled as u64);
    let mut content = head;
    content.reserve(rest_limit as usize);
    file.take(rest_limit).read_to_end(&mut content)?;
    Ok(Some(content))
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
            assert_eq!(scannable(&bytes), text.as_bytes());
        }
        assert_eq!(sniff(b"plain text\n"), Encoding::Bytes);
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"), Encoding::Binary);
        assert_eq!(sniff(b"PK\x03\x04\0\0\x08\0"), Encoding::Binary);
        assert_eq!(scannable(b"plain"), &b"plain"[..]);
        // A NUL character inside "UTF-16" means it is not text: it is scanned as it is.
        assert_eq!(decode_utf16(&utf16("ab\0cd", true, true), true), None);
    }

    #[test]
    fn thread_counts_are_capped_per_core() {
        assert_eq!(capped_threads(0, 2), (0, None));
        assert_eq!(capped_threads(8, 2), (8, None));
        let (threads, warning) = capped_threads(1000, 2);
        assert_eq!(threads, 8);
        assert!(warning.unwrap().contains("using 8"));
    }

    #[test]
    fn scan_paths_are_trees_streams_or_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(scan_path_kind(Path::new("-")).unwrap(), ScanPath::Stdin);
        assert_eq!(scan_path_kind(dir.path()).unwrap(), ScanPath::Tree);
        let err = scan_path_kind(Path::new("/dev/null")).unwrap_err().to_string();
        assert!(err.starts_with("/dev/null: a character device, not a directory"), "{err}");
        let err = scan_path_kind(&dir.path().join("missing")).unwrap_err().to_string();
        assert!(err.ends_with("missing: no such file or directory"), "{err}");
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
        assert_eq!(read_text_file(&path, bytes.len() as u64).unwrap(), None);
        let text = dir.path().join("text");
        std::fs::write(&text, "a".repeat(20_000)).unwrap();
        let read = read_text_file(&text, 20_000).unwrap().unwrap();
        assert_eq!(read.len(), 20_000);
    }
}
