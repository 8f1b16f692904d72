//! The literal pass: finds every (ASCII case-insensitive) occurrence of every gate literal,
//! overlapping ones included.
//!
//! `aho-corasick` builds the automaton; this module copies its transitions into a flat table
//! and walks it over several slices of the haystack at once. A DFA's walk is a chain of
//! dependent loads (the next state depends on the previous one), so one walk runs at the
//! load latency, whatever the automaton: about 500 MB/s on this project's machine, which is
//! what `aho-corasick`'s own search reached here. [`STREAMS`] independent walks let the CPU
//! overlap their loads: 2.5 times as fast on the same automaton (see `benches/engine.rs`).

use aho_corasick::{
    Anchored, MatchKind,
    automaton::{Automaton, StateID},
    dfa,
    nfa::noncontiguous,
};

/// How many slices one walk interleaves. 4 to 6 measured best here; more spill registers.
const STREAMS: usize = 6;
/// Below this many bytes per slice, one plain walk is as fast.
const MIN_SLICE: usize = 256;
/// The largest transition table the pass builds (entries of 4 bytes).
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

/// The automaton's transitions, as a table a walk indexes with `state + byte`.
///
/// States are premultiplied row offsets. Every non-matching state's offset is below
/// `first_match`, a power of two, and every matching state's is at or above it, so a walk
/// checks several states for a match with one OR and one comparison.
#[derive(Debug)]
pub(crate) struct LiteralPass {
    table: Vec<u32>,
    start: u32,
    first_match: u32,
    /// For each matching state's row: the literals that end there.
    matches: Vec<Vec<u32>>,
    lengths: Vec<usize>,
    longest: usize,
}

impl LiteralPass {
    /// A pass over `literals` (lower-case; matched ASCII case-insensitively).
    pub(crate) fn new(literals: &[Vec<u8>]) -> Result<LiteralPass, String> {
        let mut dfa_builder = dfa::Builder::new();
        dfa_builder.ascii_case_insensitive(true).match_kind(MatchKind::Standard);
        match dfa_builder.build(literals) {
            Ok(automaton) => LiteralPass::from_automaton(&automaton, literals),
            // A very large rule set can exceed the DFA's size limit; the NFA has none.
            Err(_) => {
                let automaton = noncontiguous::Builder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(literals)
                    .map_err(|err| err.to_string())?;
                LiteralPass::from_automaton(&automaton, literals)
            }
        }
    }

    fn from_automaton(automaton: &impl Automaton, literals: &[Vec<u8>]) -> Result<Self, String> {
        let start = automaton.start_state(Anchored::No).map_err(|err| err.to_string())?;
        let explored = Explored::new(automaton, start);
        let layout = Layout::new(automaton, &explored.states);
        if layout.rows * STRIDE > MAX_TABLE_ENTRIES {
            return Err(format!("{} literals need too large an automaton", literals.len()));
        }
        let mut table = vec![0u32; layout.rows * STRIDE];
        let mut matches = vec![Vec::new(); layout.rows];
        for (index, &state) in explored.states.iter().enumerate() {
            let row = layout.row[index];
            let successors = &explored.next[index * STRIDE..(index + 1) * STRIDE];
            for (entry, &next) in table[row * STRIDE..(row + 1) * STRIDE].iter_mut().zip(successors)
            {
                *entry = (layout.row[next as usize] * STRIDE) as u32;
            }
            if automaton.is_match(state) {
                matches[row] = (0..automaton.match_len(state))
                    .map(|i| automaton.match_pattern(state, i).as_u32())
                    .collect();
            }
        }
        Ok(LiteralPass {
            table,
            start: (layout.row[Explored::START] * STRIDE) as u32,
            first_match: layout.first_match as u32,
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
            self.walk(self.start, haystack, 0, haystack.len(), usize::MAX, hits);
        } else {
            self.walk_interleaved(haystack, slice, hits);
        }
        hits.sort_unstable();
    }

    #[inline(always)]
    fn step(&self, state: u32, byte: u8) -> u32 {
        let index = state as usize + usize::from(byte);
        debug_assert!(index < self.table.len());
        // SAFETY: `state` is the start state or a table entry, and every entry is a row's
        // offset (`row * 256`, every row inside the table, see `from_automaton`); a row has an
        // entry for each byte. A bounds check here costs 12% of the engine's throughput.
        unsafe { *self.table.get_unchecked(index) }
    }

    /// One walk from `state` over `haystack[from..to]`, keeping hits that start before
    /// `starts_before`.
    fn walk(
        &self,
        mut state: u32,
        haystack: &[u8],
        from: usize,
        to: usize,
        starts_before: usize,
        hits: &mut Vec<LiteralHit>,
    ) {
        for (at, &byte) in haystack[from..to].iter().enumerate() {
            state = self.step(state, byte);
            if state >= self.first_match {
                self.record(state, from + at + 1, starts_before, hits);
            }
        }
    }

    /// [`STREAMS`] walks, each over one slice of `slice` bytes, advanced together. A walk
    /// that reaches its slice's end reads on for the longest literal's length, so that a
    /// literal across a boundary is found by the walk where it starts, and only there.
    fn walk_interleaved(&self, haystack: &[u8], slice: usize, hits: &mut Vec<LiteralHit>) {
        let (first, rest) = haystack.split_at(slice);
        let (second, rest) = rest.split_at(slice);
        let (third, rest) = rest.split_at(slice);
        let (fourth, rest) = rest.split_at(slice);
        let (fifth, rest) = rest.split_at(slice);
        let sixth = &rest[..slice];
        let [mut s0, mut s1, mut s2, mut s3, mut s4, mut s5] = [self.start; STREAMS];
        let lanes = first.iter().zip(second).zip(third).zip(fourth).zip(fifth).zip(sixth);
        for (at, (((((&b0, &b1), &b2), &b3), &b4), &b5)) in lanes.enumerate() {
            s0 = self.step(s0, b0);
            s1 = self.step(s1, b1);
            s2 = self.step(s2, b2);
            s3 = self.step(s3, b3);
            s4 = self.step(s4, b4);
            s5 = self.step(s5, b5);
            if (s0 | s1 | s2 | s3 | s4 | s5) >= self.first_match {
                for (i, state) in [s0, s1, s2, s3, s4, s5].into_iter().enumerate() {
                    if state >= self.first_match {
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

    fn record(&self, state: u32, end: usize, starts_before: usize, hits: &mut Vec<LiteralHit>) {
        for &literal in &self.matches[state as usize / STRIDE] {
            let start = end - self.lengths[literal as usize];
            if start < starts_before {
                hits.push(LiteralHit { start, end, literal });
            }
        }
    }
}

/// The states reachable from the start state, in the order found (the start first), and
/// each one's successor for every byte, as an index into that order.
struct Explored {
    states: Vec<StateID>,
    next: Vec<u32>,
}

impl Explored {
    const START: usize = 0;

    fn new(automaton: &impl Automaton, start: StateID) -> Explored {
        const UNSEEN: u32 = u32::MAX;
        // State ids are small offsets into the automaton's own tables: index by them.
        let mut index_of = vec![UNSEEN; start.as_usize() + 1];
        index_of[start.as_usize()] = 0;
        let mut states = vec![start];
        let mut next = Vec::new();
        let mut at = 0;
        while let Some(&state) = states.get(at) {
            for byte in 0..=255u8 {
                let target = automaton.next_state(Anchored::No, state, byte);
                let slot = target.as_usize();
                if slot >= index_of.len() {
                    index_of.resize(slot + 1, UNSEEN);
                }
                if index_of[slot] == UNSEEN {
                    index_of[slot] = states.len() as u32;
                    states.push(target);
                }
                next.push(index_of[slot]);
            }
            at += 1;
        }
        Explored { states, next }
    }
}

/// Where each state's row goes: non-matching states first, matching ones from the first row
/// whose offset is at or above a power of two.
struct Layout {
    row: Vec<usize>,
    rows: usize,
    first_match: usize,
}

impl Layout {
    fn new(automaton: &impl Automaton, states: &[StateID]) -> Layout {
        let non_matching = states.iter().filter(|&&s| !automaton.is_match(s)).count();
        let first_match = (non_matching * STRIDE).next_power_of_two().max(STRIDE);
        let mut next_plain = 0;
        let mut next_matching = first_match.div_ceil(STRIDE);
        let row = states
            .iter()
            .map(|&state| {
                let slot =
                    if automaton.is_match(state) { &mut next_matching } else { &mut next_plain };
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
        // The NFA is what a rule set too large for the DFA gets.
        let owned: Vec<Vec<u8>> = literals.iter().map(|l| l.as_bytes().to_vec()).collect();
        let nfa = noncontiguous::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&owned)
            .unwrap();
        let from_nfa = LiteralPass::from_automaton(&nfa, &owned).unwrap();
        for len in [0, 1, 5, 100, MIN_SLICE * STREAMS - 1, MIN_SLICE * STREAMS + 3, haystack.len()]
        {
            let expected = naive(&literals, &haystack[..len]);
            for pass in [&pass, &from_nfa] {
                let mut hits = Vec::new();
                pass.find_all(&haystack[..len], &mut hits);
                assert_eq!(hits, expected, "length {len}");
            }
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
