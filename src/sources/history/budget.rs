//! The memory a history scan may take (`--history-memory`), and how it is shared out.
//!
//! A whole-history scan's peak memory has three parts (measured on git/git and rails, see
//! the README's history section):
//! - a constant: rules, engine, threads' buffers and scanners, the pack index;
//! - per object, the state that lasts the whole scan (its id, state, size, slot; per tree
//!   and chunk of trees their decoded form, [`super::store`]; commits; the walks' marks,
//!   [`super::graph`]): about 225 (rails) to 270 (git/git) bytes an object with the decoded
//!   trees in memory. When that does not fit, the decoded trees, its largest part, are
//!   spilled to temporary files ([`super::spill`]), leaving about 105 (git/git) to 170
//!   (rails) bytes an object;
//! - per object of a pack while it is traversed, the delta tree that resolves each base once
//!   ([`super::packs::traverse`]): about 100 (git/git) to 160 (rails) bytes an object. This
//!   part gets what the budget leaves: a pack too large for it is traversed in slices of
//!   whole delta families, each resolved as in one traversal, at the cost of one more pass
//!   over the pack's entry headers per slice. Caches, kept contents and the pages of packs
//!   and spilled files kept between two releases shrink with the budget too.
//!
//! A budget below even the spilled state cannot be kept: the scan says so in a warning and
//! goes on with the smallest slices.

/// What `--history-memory` is unless given: git/git (0.41 M objects) and rails (1.24 M)
/// are each read in one traversal within it.
pub(crate) const DEFAULT_BYTES: u64 = 1 << 30;

/// Below this, the constant alone does not fit.
pub(crate) const MIN_BYTES: u64 = 64 << 20;

/// Memory that does not grow with history (measured before the first pack is read: 38 MiB
/// on git/git, 91 MiB with rails' larger index and pack pages), rounded.
const CONSTANT_BYTES: u64 = 64 << 20;

/// Per listed object, what lasts the whole scan with the decoded trees in memory (the peaks
/// of whole-pack scans, less the constant and the traversal: git/git 270 bytes, rails 225).
const LASTING_BYTES_PER_OBJECT: u64 = 300;

/// Per listed object, what lasts the whole scan with the decoded trees spilled to temporary
/// files ([`super::spill`]): ids, states, sizes, slots, chunk numbers and tree spans while
/// reading, commits, the pages of the pack index that gix maps (the peaks of scans at 128M,
/// less the constant: git/git 105 bytes, rails 170).
const SPILLED_BYTES_PER_OBJECT: u64 = 180;

/// Per object of a pack being traversed: gix's delta tree (an item of 48 bytes, in vectors
/// that grow by doubling, and a child list per base), the objects sorted by offset, and the
/// slicing's marks (traversal peaks, whole against sliced: git/git 95 bytes, rails 156).
const TRAVERSAL_BYTES_PER_OBJECT: u64 = 160;

/// The fewest objects a slice holds: fewer would only add passes over the pack's headers.
const MIN_SLICE_OBJECTS: usize = 4 << 10;

/// How the budget is shared out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemoryBudget {
    bytes: u64,
}

impl Default for MemoryBudget {
    fn default() -> Self {
        MemoryBudget { bytes: DEFAULT_BYTES }
    }
}

impl MemoryBudget {
    /// `Err` says why a budget cannot be kept.
    pub(crate) fn new(bytes: u64) -> Result<MemoryBudget, String> {
        if bytes < MIN_BYTES {
            return Err(format!(
                "must be at least {} MiB (rules, engine and buffers alone take about that)",
                MIN_BYTES >> 20
            ));
        }
        Ok(MemoryBudget { bytes })
    }

    pub(crate) fn bytes(self) -> u64 {
        self.bytes
    }

    /// What the lasting state of a history of `objects` objects is expected to take, with
    /// the constant, with its decoded trees in memory or `spilled`.
    pub(crate) fn lasting_bytes(objects: usize, spilled: bool) -> u64 {
        let per_object = if spilled { SPILLED_BYTES_PER_OBJECT } else { LASTING_BYTES_PER_OBJECT };
        CONSTANT_BYTES + objects as u64 * per_object
    }

    /// Whether a history of `objects` objects is scanned with its decoded trees in
    /// temporary files: when they do not fit in memory beside the smallest traversal.
    pub(crate) fn spills(self, objects: usize) -> bool {
        !self.holds(objects, false)
    }

    fn holds(self, objects: usize, spilled: bool) -> bool {
        Self::lasting_bytes(objects, spilled)
            + MIN_SLICE_OBJECTS as u64 * TRAVERSAL_BYTES_PER_OBJECT
            <= self.bytes
    }

    /// Whether a history of `objects` objects can be scanned within the budget at all
    /// (spilling its decoded trees if it must).
    pub(crate) fn fits(self, objects: usize) -> bool {
        self.holds(objects, true)
    }

    /// Where decoded trees are spilled: the system's directory for temporary files, read
    /// back keeping about a sixteenth of the budget of their pages.
    pub(crate) fn spill_to(self) -> super::spill::SpillTo {
        super::spill::SpillTo {
            dir: std::env::temp_dir(),
            release_every_bytes: (self.bytes / 16).clamp(4 << 20, 64 << 20),
        }
    }

    /// How many objects of a pack one traversal may resolve at once, for a history of
    /// `objects` listed objects: what the budget leaves beside the lasting state.
    pub(crate) fn slice_objects(self, objects: usize) -> usize {
        let lasting = Self::lasting_bytes(objects, self.spills(objects));
        let left = self.bytes.saturating_sub(lasting);
        let slice = usize::try_from(left / TRAVERSAL_BYTES_PER_OBJECT).unwrap_or(usize::MAX);
        slice.max(MIN_SLICE_OBJECTS)
    }

    /// How a traversal shares out memory for a history of `objects` listed objects (none
    /// for a range, which keeps no state per object of the repository).
    pub(crate) fn slicing(self, objects: usize) -> super::packs::Slicing {
        super::packs::Slicing {
            slice_objects: self.slice_objects(objects),
            release_every_bytes: self.release_every_bytes(),
        }
    }

    /// Bytes read between two releases of a traversed pack's pages: its pages in the
    /// process stay near this.
    pub(crate) fn release_every_bytes(self) -> u64 {
        (self.bytes / 8).clamp(8 << 20, 256 << 20)
    }

    /// The delta-base cache of each thread that reads objects one by one.
    pub(crate) fn pack_cache_bytes(self) -> usize {
        to_usize((self.bytes / 32).clamp(4 << 20, 64 << 20))
    }

    /// The cache of decoded objects (trees read again while diffing a range).
    pub(crate) fn object_cache_bytes(self) -> usize {
        to_usize((self.bytes / 64).clamp(2 << 20, 32 << 20))
    }

    /// Contents of matched blobs kept for their second scan (beyond it, read again).
    pub(crate) fn kept_bytes(self) -> usize {
        to_usize((self.bytes / 32).clamp(2 << 20, 48 << 20))
    }
}

fn to_usize(bytes: u64) -> usize {
    usize::try_from(bytes).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_below_the_constant_are_refused() {
        assert!(MemoryBudget::new(0).is_err());
        assert!(MemoryBudget::new(MIN_BYTES - 1).unwrap_err().contains("at least 64 MiB"));
        assert_eq!(MemoryBudget::new(MIN_BYTES).unwrap().bytes(), MIN_BYTES);
    }

    #[test]
    fn the_default_reads_git_and_rails_sized_packs_whole() {
        let budget = MemoryBudget::default();
        for objects in [407_061, 1_242_388] {
            assert!(budget.fits(objects));
            assert!(!budget.spills(objects), "{objects}");
            assert!(budget.slice_objects(objects) >= objects, "{objects}");
        }
    }

    #[test]
    fn a_small_budget_slices_what_it_cannot_hold_and_never_below_the_floor() {
        let budget = MemoryBudget::new(512 << 20).unwrap();
        let slice = budget.slice_objects(1_242_388);
        assert!(slice < 1_242_388);
        assert!(!budget.spills(1_242_388));
        let lasting = MemoryBudget::lasting_bytes(1_242_388, false);
        let used = lasting + slice as u64 * TRAVERSAL_BYTES_PER_OBJECT;
        assert!(used <= 512 << 20, "{used}");
        let tiny = MemoryBudget::new(MIN_BYTES).unwrap();
        assert!(!tiny.fits(10_000_000));
        assert_eq!(tiny.slice_objects(10_000_000), MIN_SLICE_OBJECTS);
    }

    #[test]
    fn a_budget_that_cannot_hold_the_trees_spills_them() {
        // rails-sized at 256M, and the integration test's 20,000 objects at the smallest.
        for (budget, objects) in [(256 << 20, 1_242_388), (MIN_BYTES, 20_000)] {
            let budget = MemoryBudget::new(budget).unwrap();
            assert!(budget.spills(objects), "{objects}");
            assert!(
                MemoryBudget::lasting_bytes(objects, true)
                    < MemoryBudget::lasting_bytes(objects, false)
            );
        }
        assert!(!MemoryBudget::default().spills(407_061));
        let to = MemoryBudget::new(256 << 20).unwrap().spill_to();
        assert_eq!(to.release_every_bytes, 16 << 20);
    }

    #[test]
    fn caches_shrink_with_the_budget_within_bounds() {
        let (small, large) =
            (MemoryBudget::new(MIN_BYTES).unwrap(), MemoryBudget::new(64 << 30).unwrap());
        assert!(small.pack_cache_bytes() < large.pack_cache_bytes());
        assert_eq!(large.pack_cache_bytes(), 64 << 20);
        assert_eq!(large.release_every_bytes(), 256 << 20);
        assert!(small.kept_bytes() <= 2 << 20);
    }
}
