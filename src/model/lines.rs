//! Positions in scanned content: byte offsets to 1-based lines and character columns.

/// Where in the scanned content a finding sits (1-based; columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Span {
    /// Whether the two spans share a character.
    pub(crate) fn overlaps(&self, other: &Span) -> bool {
        (self.line, self.column) < (other.end_line, other.end_column)
            && (other.line, other.column) < (self.end_line, self.end_column)
    }
}

/// Byte offset → line and column, built on first use (most files have no findings).
#[derive(Debug, Default)]
pub(crate) struct LineIndex {
    starts: std::cell::OnceCell<Vec<usize>>,
    /// Characters before each [`CHECKPOINT`]-th byte, built on the first column asked for
    /// far into a long line: a column then costs at most two checkpoints' counting, so a
    /// minified file with thousands of findings on one line stays linear.
    checkpoints: std::cell::OnceCell<Vec<usize>>,
    /// The last line's start and where its text begins (see [`LineIndex::text_start`]).
    indent: std::cell::Cell<Option<(usize, usize)>>,
}

/// Bytes between two character-count checkpoints.
const CHECKPOINT: usize = 256;

impl LineIndex {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn starts(&self, content: &[u8]) -> &[usize] {
        self.starts.get_or_init(|| {
            std::iter::once(0).chain(memchr::memchr_iter(b'\n', content).map(|i| i + 1)).collect()
        })
    }

    /// 1-based line and column (in characters) of `offset`.
    pub(crate) fn position(&self, content: &[u8], offset: usize) -> (usize, usize) {
        let starts = self.starts(content);
        let line = starts.partition_point(|&s| s <= offset);
        let line_start = starts[line - 1];
        let column = if offset - line_start <= CHECKPOINT {
            1 + count_chars(&content[line_start..offset])
        } else {
            1 + self.chars_before(content, offset) - self.chars_before(content, line_start)
        };
        (line, column)
    }

    /// Characters in `content[..offset]`.
    fn chars_before(&self, content: &[u8], offset: usize) -> usize {
        let checkpoints = self.checkpoints.get_or_init(|| {
            let mut total = 0;
            let mut table = vec![0];
            for chunk in content.chunks(CHECKPOINT) {
                total += count_chars(chunk);
                table.push(total);
            }
            table
        });
        let at = offset / CHECKPOINT;
        checkpoints[at] + count_chars(&content[at * CHECKPOINT..offset])
    }

    /// Byte offset of the start of 1-based `line` (the end of `content` past its last line).
    pub(crate) fn line_start(&self, content: &[u8], line: usize) -> usize {
        let starts = self.starts(content);
        line.checked_sub(1).and_then(|i| starts.get(i)).copied().unwrap_or(content.len())
    }

    /// The first byte of the line starting at `line_start` that is not ASCII whitespace (the
    /// line's end if none). Remembered for the last line asked, so many findings on one line
    /// with a long indent read it once.
    pub(crate) fn text_start(&self, content: &[u8], line_start: usize) -> usize {
        if let Some((_, text)) = self.indent.get().filter(|(start, _)| *start == line_start) {
            return text;
        }
        let indent = content[line_start..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace() && **b != b'\n')
            .count();
        self.indent.set(Some((line_start, line_start + indent)));
        line_start + indent
    }

    /// From the start of the line `lines` lines above the one holding `offset` to the end
    /// (its newline included) of the line `lines` below it, in logarithmic time.
    pub(crate) fn lines_around(
        &self,
        content: &[u8],
        offset: usize,
        lines: usize,
    ) -> (usize, usize) {
        let starts = self.starts(content);
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let start = starts[line.saturating_sub(lines)];
        let end = starts.get(line + lines + 1).copied().unwrap_or(content.len());
        (start, end)
    }

    /// Start and end (excluding the newline) of the line holding `offset`.
    pub(crate) fn line_bounds(&self, content: &[u8], offset: usize) -> (usize, usize) {
        let starts = self.starts(content);
        let line = starts.partition_point(|&s| s <= offset);
        let start = starts[line - 1];
        let end = starts.get(line).map_or(content.len(), |next| next - 1);
        let end = if end > start && content[end - 1] == b'\r' { end - 1 } else { end };
        (start, end.max(start))
    }
}

/// UTF-8 characters, counting each invalid byte as one.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_in_characters() {
        let text = "ab\ncé tok\n".as_bytes();
        let index = LineIndex::new();
        assert_eq!(index.position(text, 0), (1, 1));
        assert_eq!(index.position(text, 3), (2, 1));
        let tok = text.windows(3).position(|w| w == b"tok").unwrap();
        assert_eq!(index.position(text, tok), (2, 4));
        assert_eq!(index.line_bounds(text, tok), (3, text.len() - 1));
    }

    #[test]
    fn spans_overlap_when_they_share_a_character() {
        let span = |line, column, end_column| Span { line, column, end_line: line, end_column };
        assert!(span(1, 5, 10).overlaps(&span(1, 9, 12)));
        assert!(!span(1, 5, 10).overlaps(&span(1, 10, 12)));
        assert!(!span(1, 5, 10).overlaps(&span(2, 5, 10)));
    }

    #[test]
    fn columns_far_into_a_long_line_count_every_character() {
        let mut text = "é".repeat(5000).into_bytes();
        text.extend(b"x\n".repeat(3000));
        let index = LineIndex::new();
        let x = 10_000;
        assert_eq!(index.position(&text, x), (1, 5001));
        assert_eq!(index.position(&text, x - 2), (1, 5000));
        let second_line = x + 2;
        assert_eq!(index.position(&text, second_line), (2, 1));
        let mut long = b"ab".repeat(10_000);
        long.push(b'\n');
        long.extend(b"c".repeat(9000));
        let index = LineIndex::new();
        assert_eq!(index.position(&long, 20_001 + 8999), (2, 9000));
        assert_eq!(index.position(&long, 12_345), (1, 12_346));
    }

    #[test]
    fn line_starts() {
        let text = b"ab\ncd\n\nef";
        let index = LineIndex::new();
        assert_eq!([1, 2, 3, 4, 9].map(|line| index.line_start(text, line)), [0, 3, 6, 7, 9]);
    }

    #[test]
    fn lines_around_an_offset() {
        let text = b"ab\ncd\n\nef";
        let index = LineIndex::new();
        assert_eq!(index.lines_around(text, 4, 0), (3, 6), "its own line, newline included");
        assert_eq!(index.lines_around(text, 4, 1), (0, 7));
        assert_eq!(index.lines_around(text, 8, 5), (0, text.len()), "clipped to the content");
    }
}
