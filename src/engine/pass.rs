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
/// The largest transition table the pass builds: 65,536 rows, so a row index fits an entry.
const MAX_TABLE_ENTRIES: usize = 1 << 24;
/// A row has an entry per byte: looking a byte's class up first would cost a load per byte.
const STRIDE: usize = 256;

/// One occurrence of a gate literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct LiteralHit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) literal: u32,
}

/// The automaton's transitions, as a table a walk indexes with `state * 256 + byte`.
///
/// States are row indices, two bytes each: with 700 rules the table has about 9,500 rows, and
/// at four bytes an entry (premultiplied offsets, a shift less per byte) the rows the text
/// keeps visiting missed the first-level cache three times as often as the 123-rule table
/// did. Every non-matching state's row is below `first_match`, a power of two, and every
/// matching state's is at or above it, so a walk checks several states for a match with one
/// OR and one comparison.
#[derive(Debug)]
pub(crate) struct LiteralPass {
    table: Vec<u16>,
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
        if layout.rows * STRIDE > MAX_TABLE_ENTRIES {
            return Err(format!("{} literals need too large an automaton", literals.len()));
        }
        let offset = |node: u32| layout.row[node as usize] as u16;
        let mut table = vec![0u16; layout.rows * STRIDE];
        let mut matches = vec![Vec::new(); layout.rows];
        // Breadth first, so a state's failure state (shallower) has its row already.
        for &node in &trie.order {
            let row = layout.row[node as usize] * STRIDE;
            let state = &trie.nodes[node as usize];
            if node == Trie::ROOT {
                table[row..row + STRIDE].fill(offset(Trie::ROOT));
            } else {
                let fail = layout.row[state.fail as usize] * STRIDE;
                table.copy_within(fail..fail + STRIDE, row);
            }
            for &(byte, child) in &state.children {
                table[row + usize::from(byte)] = offset(child);
                table[row + usize::from(byte.to_ascii_uppercase())] = offset(child);
            }
            matches[layout.row[node as usize]].clone_from(&state.output);
        }
        Ok(LiteralPass {
            table,
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
        let slice = haystack.len() / STREAMS;
        if slice < MIN_SLICE {
            self.walk(usize::from(self.start), haystack, 0, haystack.len(), usize::MAX, hits);
        } else {
            self.walk_interleaved(haystack, slice, hits);
        }
        hits.sort_unstable();
    }

    #[inline(always)]
    fn step(&self, state: usize, byte: u8) -> usize {
        let index = state << 8 | usize::from(byte);
        debug_assert!(index < self.table.len());
        // SAFETY: `state` is the start state or a table entry, and every entry is a row of
        // the table (see `new`); a row has an entry for each byte. A bounds check here costs
        // 12% of the engine's throughput.
        usize::from(unsafe { *self.table.get_unchecked(index) })
    }

    /// One walk from `state` over `haystack[from..to]`, keeping hits that start before
    /// `starts_before`.
    fn walk(
        &self,
        mut state: usize,
        haystack: &[u8],
        from: usize,
        to: usize,
        starts_before: usize,
        hits: &mut Vec<LiteralHit>,
    ) {
        for (at, &byte) in haystack[from..to].iter().enumerate() {
            state = self.step(state, byte);
            if state >= usize::from(self.first_match) {
                self.record(state, from + at + 1, starts_before, hits);
            }
        }
    }

    /// [`STREAMS`] walks, each over one slice of `slice` bytes, advanced together. A walk
    /// that reaches its slice's end reads on for the longest literal's length, so that a
    /// literal across a boundary is found by the walk where it starts, and only there.
    ///
    /// The six states, the table and two positions fit in registers: one spilled to the stack
    /// puts a store and a load into its walk's chain of dependent loads.
    fn walk_interleaved(&self, haystack: &[u8], slice: usize, hits: &mut Vec<LiteralHit>) {
        assert!(slice * STREAMS <= haystack.len());
        let table = self.table.as_ptr();
        let first_match = usize::from(self.first_match);
        let step = |state: usize, byte: *const u8| -> usize {
            // SAFETY: as in `step`; `byte` points into `haystack` (see below).
            usize::from(unsafe { *table.add(state << 8 | usize::from(*byte)) })
        };
        let [mut s0, mut s1, mut s2, mut s3, mut s4, mut s5] = [usize::from(self.start); STREAMS];
        let low = haystack.as_ptr();
        for at in 0..slice {
            // SAFETY: `at + 5 * slice < 6 * slice <= haystack.len()`, asserted above.
            let (b0, b3) = unsafe { (low.add(at), low.add(at + 3 * slice)) };
            let (b1, b2, b4, b5) =
                unsafe { (b0.add(slice), b0.add(2 * slice), b3.add(slice), b3.add(2 * slice)) };
            s0 = step(s0, b0);
            s1 = step(s1, b1);
            s2 = step(s2, b2);
            s3 = step(s3, b3);
            s4 = step(s4, b4);
            s5 = step(s5, b5);
            if (s0 | s1 | s2 | s3 | s4 | s5) >= first_match {
                for (i, state) in [s0, s1, s2, s3, s4, s5].into_iter().enumerate() {
                    if state >= first_match {
                        self.record(state, i * slice + at + 1, usize::MAX, hits);
                    }
                }
            }
        }
        let states = [s0, s1, s2, s3, s4, s5];
        for (i, &state) in states.iter().enumerate() {
            let from = (i + 1) * slice;
            if i + 1 == STREAMS {
                self.walk(state, haystack, from, haystack.len(), usize::MAX, hits);
            } else {
                let to = haystack.len().min(from + self.longest.saturating_sub(1));
                self.walk(state, haystack, from, to, from, hits);
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
