//! The literal pass: finds every (ASCII case-insensitive) occurrence of every gate literal,
//! overlapping ones included.
//!
//! The automaton is Aho-Corasick's, built here straight into a flat table (a trie of the
//! literals, each state's row its failure state's row with its own children written over it),
//! and walked over several slices of the haystack at once. Building `aho-corasick`'s DFA and
//! copying its transitions cost a quarter of startup with 700 rules; this costs a memcpy per
//! state. A DFA's walk is a chain of
//! dependent loads (the next state depends on the previous one), so one walk runs at the
//! load latency, whatever the automaton: about 500 MB/s on this project's machine, which is
//! what `aho-corasick`'s own search reached here. [`STREAMS`] independent walks let the CPU
//! overlap their loads: 2.5 times as fast on the same automaton (see `benches/engine.rs`).

/// How many slices one walk interleaves. 4 to 6 measured best here; more spill registers.
const STREAMS: usize = 6;
/// Below this many bytes per slice, one plain walk is as fast.
const MIN_SLICE: usize = 256;
/// A row index must fit an entry.
const MAX_ROWS: usize = 1 << 16;
/// The table's first entries hold the byte classes, a byte each, so that one register
/// addresses both.
const CLASS_ENTRIES: usize = 256 / 2;

/// One occurrence of a gate literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct LiteralHit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) literal: u32,
}

/// The automaton's transitions, as a table a walk indexes with `state << shift | class`,
/// where `class` is the byte's class: bytes no literal has are one class, and a letter's two
/// cases are one.
///
/// A row has an entry per class, not per byte: the literals of 700 rules use 56 distinct
/// bytes, so a row is 64 entries (128 bytes, two cache lines) instead of 256 (the text
/// visits four or five of a 256-entry row's eight lines), and the rows the text keeps
/// visiting stay in the first-level cache. Looking the class up is a load per byte, but one
/// that does not wait on the previous state. States are row indices, two bytes each, for the
/// same reason. Every non-matching state's row is below `first_match`, a power of two, and
/// every matching state's is at or above it, so a walk checks several states for a match
/// with one OR and one comparison.
#[derive(Debug)]
pub(crate) struct LiteralPass {
    /// The byte classes (packed two to an entry), then the rows.
    table: Vec<u16>,
    /// log2 of a row's entries.
    shift: u32,
    start: u16,
    first_match: u16,
    /// For each matching state's row: the literals that end there.
    matches: Vec<Vec<u32>>,
    lengths: Vec<usize>,
    longest: usize,
}

impl LiteralPass {
    /// A pass over `literals`, matched ASCII case-insensitively.
    pub(crate) fn new(literals: &[Vec<u8>]) -> Result<LiteralPass, String> {
        let trie = Trie::new(literals);
        let layout = Layout::new(&trie);
        if layout.rows > MAX_ROWS {
            return Err(format!("{} literals need too large an automaton", literals.len()));
        }
        let mut classes = [0u8; 256];
        let mut class_count: usize = 1;
        for literal in literals {
            for &byte in literal {
                let byte = byte.to_ascii_lowercase();
                if classes[usize::from(byte)] == 0 {
                    classes[usize::from(byte)] = class_count as u8;
                    classes[usize::from(byte.to_ascii_uppercase())] = class_count as u8;
                    class_count += 1;
                }
            }
        }
        // At least 64 entries a row: the walks are compiled for 64, 128 and 256.
        let shift = class_count.next_power_of_two().trailing_zeros().max(6);
        let stride = 1usize << shift;
        let offset = |node: u32| layout.row[node as usize] as u16;
        let mut table = vec![0u16; CLASS_ENTRIES + layout.rows * stride];
        for (entry, pair) in table.iter_mut().zip(classes.chunks_exact(2)) {
            *entry = u16::from_ne_bytes([pair[0], pair[1]]);
        }
        let mut matches = vec![Vec::new(); layout.rows];
        // Breadth first, so a state's failure state (shallower) has its row already.
        for &node in &trie.order {
            let row = CLASS_ENTRIES + layout.row[node as usize] * stride;
            let state = &trie.nodes[node as usize];
            if node == Trie::ROOT {
                table[row..row + stride].fill(offset(Trie::ROOT));
            } else {
                let fail = CLASS_ENTRIES + layout.row[state.fail as usize] * stride;
                table.copy_within(fail..fail + stride, row);
            }
            for &(byte, child) in &state.children {
                table[row + usize::from(classes[usize::from(byte)])] = offset(child);
            }
            matches[layout.row[node as usize]].clone_from(&state.output);
        }
        Ok(LiteralPass {
            table,
            shift,
            start: offset(Trie::ROOT),
            first_match: layout.first_match as u16,
            matches,
            lengths: literals.iter().map(Vec::len).collect(),
            longest: literals.iter().map(Vec::len).max().unwrap_or(0),
        })
    }

    /// Every occurrence in `haystack`, ordered by start (then end, then literal).
    pub(crate) fn find_all(&self, haystack: &[u8], hits: &mut Vec<LiteralHit>) {
        hits.clear();
        match self.shift {
            6 => self.find_all_in::<6>(haystack, hits),
            7 => self.find_all_in::<7>(haystack, hits),
            _ => self.find_all_in::<8>(haystack, hits),
        }
        hits.sort_unstable();
    }

    fn find_all_in<const SHIFT: u32>(&self, haystack: &[u8], hits: &mut Vec<LiteralHit>) {
        debug_assert_eq!(SHIFT, self.shift);
        let slice = haystack.len() / STREAMS;
        if slice < MIN_SLICE {
            let start = usize::from(self.start);
            self.walk::<SHIFT>(start, haystack, 0, haystack.len(), usize::MAX, hits);
        } else {
            self.walk_interleaved::<SHIFT>(haystack, slice, hits);
        }
    }

    /// The state after `state` reads `byte`, in a table of `1 << SHIFT` entries a row.
    ///
    /// # Safety
    /// `table` is `self.table`'s pointer, `SHIFT` is `self.shift`, and `state` is the start
    /// state or an entry of a row.
    #[inline(always)]
    unsafe fn step<const SHIFT: u32>(table: *const u16, state: usize, byte: u8) -> usize {
        // SAFETY: the first `CLASS_ENTRIES` entries are the 256 byte classes; every class
        // is below a row's length and every entry is a row of the table (see `new`). A
        // bounds check here costs 12% of the engine's throughput.
        unsafe {
            let class = *table.cast::<u8>().add(usize::from(byte));
            usize::from(*table.add(CLASS_ENTRIES + (state << SHIFT | usize::from(class))))
        }
    }

    /// One walk from `state` over `haystack[from..to]`, keeping hits that start before
    /// `starts_before`.
    fn walk<const SHIFT: u32>(
        &self,
        mut state: usize,
        haystack: &[u8],
        from: usize,
        to: usize,
        starts_before: usize,
        hits: &mut Vec<LiteralHit>,
    ) {
        let table = self.table.as_ptr();
        for (at, &byte) in haystack[from..to].iter().enumerate() {
            // SAFETY: `state` starts as the start state and is an entry after each step.
            state = unsafe { Self::step::<SHIFT>(table, state, byte) };
            if state >= usize::from(self.first_match) {
                self.record(state, from + at + 1, starts_before, hits);
            }
        }
    }

    /// [`STREAMS`] walks, each over one slice of `slice` bytes, advanced together. A walk
    /// that reaches its slice's end reads on for the longest literal's length, so that a
    /// literal across a boundary is found by the walk where it starts, and only there.
    ///
    /// The six states, the table, `first_match`, the byte pointers and the end fit in
    /// registers, and recording hits is out of line: with it inlined here the compiler
    /// spilled every state to the stack, which put a store and a load into each walk's chain
    /// of dependent loads.
    fn walk_interleaved<const SHIFT: u32>(
        &self,
        haystack: &[u8],
        slice: usize,
        hits: &mut Vec<LiteralHit>,
    ) {
        assert!(slice * STREAMS <= haystack.len());
        let table = self.table.as_ptr();
        let first_match = usize::from(self.first_match);
        let [mut s0, mut s1, mut s2, mut s3, mut s4, mut s5] = [usize::from(self.start); STREAMS];
        let low = haystack.as_ptr();
        // SAFETY: `3 * slice <= haystack.len()`, asserted above.
        let (mut p0, mut p3) = (low, unsafe { low.add(3 * slice) });
        let end = unsafe { low.add(slice) };
        while p0 < end {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `p0 < end = low + slice`, as `advance_x86_64` requires.
            unsafe {
                let mut states = [s0, s1, s2, s3, s4, s5];
                (p0, p3) = Self::advance_x86_64::<SHIFT>(
                    table,
                    &mut states,
                    (p0, p3),
                    end,
                    slice,
                    first_match,
                );
                [s0, s1, s2, s3, s4, s5] = states;
            }
            #[cfg(not(target_arch = "x86_64"))]
            // SAFETY: `p0 < low + slice`, so `p3 + 2 * slice = p0 + 5 * slice` is below
            // `low + 6 * slice <= low + haystack.len()`; states start as the start state and
            // are entries after each step.
            unsafe {
                let step = |state: usize, byte: u8| Self::step::<SHIFT>(table, state, byte);
                s0 = step(s0, *p0);
                s1 = step(s1, *p0.add(slice));
                s2 = step(s2, *p0.add(2 * slice));
                s3 = step(s3, *p3);
                s4 = step(s4, *p3.add(slice));
                s5 = step(s5, *p3.add(2 * slice));
                p0 = p0.add(1);
                p3 = p3.add(1);
            }
            if (s0 | s1 | s2 | s3 | s4 | s5) >= first_match {
                // SAFETY: both point into `haystack`, `p0` above `low`.
                let at = unsafe { p0.offset_from(low) } as usize - 1;
                self.record_streams([s0, s1, s2, s3, s4, s5], at, slice, hits);
            }
        }
        let states = [s0, s1, s2, s3, s4, s5];
        for (i, &state) in states.iter().enumerate() {
            let from = (i + 1) * slice;
            if i + 1 == STREAMS {
                self.walk::<SHIFT>(state, haystack, from, haystack.len(), usize::MAX, hits);
            } else {
                let to = haystack.len().min(from + self.longest.saturating_sub(1));
                self.walk::<SHIFT>(state, haystack, from, to, from, hits);
            }
        }
    }

    /// Advances the six walks of [`Self::walk_interleaved`] from `(p0, p3)` (slices 0 and 3;
    /// slices 1, 2, 4 and 5 are `slice` and `2 * slice` bytes above them) until a state
    /// matches or `p0` reaches `end`, and returns the two pointers then. Written out because
    /// the compiler, given the same loop, kept one state and four slice pointers on the stack:
    /// this loop keeps all thirteen values in registers and runs five instructions a byte and
    /// stream (load the byte, its class, shift the state, add the class, load the next state).
    ///
    /// # Safety
    /// `table` and `SHIFT` are the pass's; the states are the start state or entries;
    /// `p0 < end`, and `end + 5 * slice` is at most the haystack's end, `p3 = p0 + 3 * slice`.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn advance_x86_64<const SHIFT: u32>(
        table: *const u16,
        states: &mut [usize; STREAMS],
        (mut p0, mut p3): (*const u8, *const u8),
        end: *const u8,
        slice: usize,
        first_match: usize,
    ) -> (*const u8, *const u8) {
        let [mut s0, mut s1, mut s2, mut s3, mut s4, mut s5] = *states;
        // One stream's step: its byte, the byte's class, the state's row, the next state.
        macro_rules! step {
            ($state:literal, $byte:literal) => {
                concat!(
                    "movzx {t:e}, byte ptr [",
                    $byte,
                    "]\n",
                    "movzx {t:e}, byte ptr [{table} + {t}]\n",
                    "shl {",
                    $state,
                    "}, {shift}\n",
                    "or {",
                    $state,
                    "}, {t}\n",
                    "movzx {",
                    $state,
                    ":e}, word ptr [{table} + 2 * {",
                    $state,
                    "} + {rows}]",
                )
            };
        }
        // SAFETY: the caller's; every address read is a byte of a slice below `end + 5 *
        // slice`, a class (the table's first 256 bytes) or an entry of a row.
        unsafe {
            std::arch::asm!(
                "2:",
                step!("s0", "{p0}"),
                step!("s1", "{p0} + {slice}"),
                step!("s2", "{p0} + 2 * {slice}"),
                step!("s3", "{p3}"),
                step!("s4", "{p3} + {slice}"),
                step!("s5", "{p3} + 2 * {slice}"),
                "inc {p0}",
                "inc {p3}",
                "mov {t}, {s0}",
                "or {t}, {s1}",
                "or {t}, {s2}",
                "or {t}, {s3}",
                "or {t}, {s4}",
                "or {t}, {s5}",
                "cmp {t}, {first_match}",
                "jae 3f",
                "cmp {p0}, {end}",
                "jb 2b",
                "3:",
                s0 = inout(reg) s0,
                s1 = inout(reg) s1,
                s2 = inout(reg) s2,
                s3 = inout(reg) s3,
                s4 = inout(reg) s4,
                s5 = inout(reg) s5,
                p0 = inout(reg) p0,
                p3 = inout(reg) p3,
                t = out(reg) _,
                table = in(reg) table,
                slice = in(reg) slice,
                end = in(reg) end,
                first_match = in(reg) first_match,
                shift = const SHIFT,
                rows = const 2 * CLASS_ENTRIES,
                options(nostack, readonly),
            );
        }
        *states = [s0, s1, s2, s3, s4, s5];
        (p0, p3)
    }

    /// The hits of the interleaved walks' states after reading the byte `at` of each slice.
    #[cold]
    #[inline(never)]
    fn record_streams(
        &self,
        states: [usize; STREAMS],
        at: usize,
        slice: usize,
        hits: &mut Vec<LiteralHit>,
    ) {
        for (i, state) in states.into_iter().enumerate() {
            if state >= usize::from(self.first_match) {
                self.record(state, i * slice + at + 1, usize::MAX, hits);
            }
        }
    }

    fn record(&self, state: usize, end: usize, starts_before: usize, hits: &mut Vec<LiteralHit>) {
        for &literal in &self.matches[state] {
            let start = end - self.lengths[literal as usize];
            if start < starts_before {
                hits.push(LiteralHit { start, end, literal });
            }
        }
    }
}

/// The literals' trie (lower-cased), with each node's failure link and output: the literals
/// that end at it, its own and those of its failure chain.
struct Trie {
    nodes: Vec<Node>,
    /// Node indices, breadth first from the root.
    order: Vec<u32>,
}

#[derive(Default)]
struct Node {
    children: Vec<(u8, u32)>,
    fail: u32,
    output: Vec<u32>,
}

impl Trie {
    const ROOT: u32 = 0;

    fn new(literals: &[Vec<u8>]) -> Trie {
        let mut nodes = vec![Node::default()];
        for (index, literal) in literals.iter().enumerate() {
            let mut node = Trie::ROOT;
            for &byte in literal {
                let byte = byte.to_ascii_lowercase();
                node = match nodes[node as usize].children.iter().find(|(b, _)| *b == byte) {
                    Some(&(_, child)) => child,
                    None => {
                        nodes.push(Node::default());
                        let child = (nodes.len() - 1) as u32;
                        nodes[node as usize].children.push((byte, child));
                        child
                    }
                };
            }
            nodes[node as usize].output.push(index as u32);
        }
        let mut order = vec![Trie::ROOT];
        let mut at = 0;
        while let Some(&parent) = order.get(at) {
            at += 1;
            for i in 0..nodes[parent as usize].children.len() {
                let (byte, child) = nodes[parent as usize].children[i];
                let fail = if parent == Trie::ROOT {
                    Trie::ROOT
                } else {
                    Trie::follow(&nodes, nodes[parent as usize].fail, byte)
                };
                let inherited = nodes[fail as usize].output.clone();
                let node = &mut nodes[child as usize];
                node.fail = fail;
                node.output.extend(inherited);
                order.push(child);
            }
        }
        Trie { nodes, order }
    }

    /// Where `byte` leads from `node`, following failure links.
    fn follow(nodes: &[Node], mut node: u32, byte: u8) -> u32 {
        loop {
            let state = &nodes[node as usize];
            if let Some(&(_, child)) = state.children.iter().find(|(b, _)| *b == byte) {
                return child;
            }
            if node == Trie::ROOT {
                return Trie::ROOT;
            }
            node = state.fail;
        }
    }
}

/// Where each state's row goes: non-matching states first, matching ones from a power of two.
struct Layout {
    row: Vec<usize>,
    rows: usize,
    first_match: usize,
}

impl Layout {
    fn new(trie: &Trie) -> Layout {
        let matching = |node: &Node| !node.output.is_empty();
        let non_matching = trie.nodes.iter().filter(|n| !matching(n)).count();
        let first_match = non_matching.next_power_of_two();
        let mut next_plain = 0;
        let mut next_matching = first_match;
        let row = trie
            .nodes
            .iter()
            .map(|node| {
                let slot = if matching(node) { &mut next_matching } else { &mut next_plain };
                *slot += 1;
                *slot - 1
            })
            .collect();
        Layout { row, rows: next_matching, first_match }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(literals: &[&str], haystack: &[u8]) -> Vec<LiteralHit> {
        let mut hits = Vec::new();
        for start in 0..haystack.len() {
            for (literal, text) in literals.iter().enumerate() {
                let end = start + text.len();
                if end <= haystack.len()
                    && haystack[start..end].eq_ignore_ascii_case(text.as_bytes())
                {
                    hits.push(LiteralHit { start, end, literal: literal as u32 });
                }
            }
        }
        hits.sort_unstable();
        hits
    }

    fn pass(literals: &[&str]) -> LiteralPass {
        let owned: Vec<Vec<u8>> = literals.iter().map(|l| l.as_bytes().to_vec()).collect();
        LiteralPass::new(&owned).unwrap()
    }

    #[test]
    fn finds_what_a_naive_search_finds_across_slice_boundaries() {
        let literals = ["ghp_", "token", "oken", "to", "xoxb-1", "-----begin r", "a"];
        let pass = pass(&literals);
        let mut haystack = Vec::new();
        let mut seed = 7u64;
        // Long enough for the interleaved walk; a literal every few bytes, some across the
        // slices' boundaries wherever they fall.
        while haystack.len() < 20 * MIN_SLICE * STREAMS {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let piece: &[u8] = match (seed >> 33) % 9 {
                0 => b"GHP_",
                1 => b"Token",
                2 => b"-----BEGIN RSA",
                3 => b"xoxb-1",
                4 => b"\xff\x00",
                _ => b"qz ",
            };
            haystack.extend_from_slice(piece);
        }
        for len in [0, 1, 5, 100, MIN_SLICE * STREAMS - 1, MIN_SLICE * STREAMS + 3, haystack.len()]
        {
            let mut hits = Vec::new();
            pass.find_all(&haystack[..len], &mut hits);
            assert_eq!(hits, naive(&literals, &haystack[..len]), "length {len}");
        }
    }

    /// Random literal sets (sharing prefixes and suffixes, so failure links matter) over
    /// random text: every overlapping occurrence, as a naive search finds them.
    #[test]
    fn random_literal_sets_find_what_a_naive_search_finds() {
        let mut seed = 11u64;
        let mut next = |bound: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % bound
        };
        let alphabet = b"abAB_-1";
        for _ in 0..200 {
            let count = 1 + next(12);
            let owned: Vec<String> = (0..count)
                .map(|_| (0..1 + next(6)).map(|_| alphabet[next(alphabet.len())] as char).collect())
                .collect();
            let literals: Vec<&str> = owned.iter().map(String::as_str).collect();
            let haystack: Vec<u8> = (0..next(4 * MIN_SLICE * STREAMS))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let mut hits = Vec::new();
            pass(&literals).find_all(&haystack, &mut hits);
            assert_eq!(hits, naive(&literals, &haystack), "{literals:?}");
        }
    }

    /// Literal sets with more byte classes than a 64-entry row holds use 128 and 256.
    #[test]
    fn wide_byte_sets_find_what_a_naive_search_finds() {
        let mut seed = 13u64;
        let mut next = |bound: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % bound
        };
        for (distinct, shift) in [(100, 7), (200, 8)] {
            // Bytes 0x20.. without upper-case letters, then non-ASCII ones: `distinct` classes.
            let alphabet: Vec<u8> =
                (0x20..=0xffu8).filter(|b| !b.is_ascii_uppercase()).take(distinct).collect();
            let owned: Vec<Vec<u8>> = alphabet
                .chunks(4)
                .map(|chunk| chunk.to_vec())
                .chain((0..40).map(|_| (0..2 + next(3)).map(|_| alphabet[next(16)]).collect()))
                .collect();
            let pass = LiteralPass::new(&owned).unwrap();
            assert_eq!(pass.shift, shift);
            let haystack: Vec<u8> =
                (0..3 * MIN_SLICE * STREAMS).map(|_| alphabet[next(alphabet.len())]).collect();
            let mut hits = Vec::new();
            pass.find_all(&haystack, &mut hits);
            let texts: Vec<String> =
                owned.iter().map(|l| l.iter().map(|&b| char::from(b)).collect()).collect();
            let mut expected = Vec::new();
            for start in 0..haystack.len() {
                for (literal, text) in owned.iter().enumerate() {
                    let end = start + text.len();
                    if end <= haystack.len() && haystack[start..end].eq_ignore_ascii_case(text) {
                        expected.push(LiteralHit { start, end, literal: literal as u32 });
                    }
                }
            }
            expected.sort_unstable();
            assert_eq!(hits, expected, "{} classes: {texts:?}", distinct);
        }
    }

    #[test]
    fn no_literals_find_nothing() {
        let mut hits = vec![LiteralHit { start: 0, end: 1, literal: 0 }];
        pass(&[]).find_all(&[b'a'; 4096], &mut hits);
        assert!(hits.is_empty());
    }

    #[test]
    fn non_ascii_bytes_never_match_letters() {
        let pass = pass(&["key"]);
        let mut hits = Vec::new();
        pass.find_all("kéy KEY".as_bytes(), &mut hits);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].start, 5);
    }
}
