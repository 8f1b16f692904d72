//! Sources: each reads some content (files, standard input, the index, git objects) and hands
//! it to the [`crate::pipeline`], which turns it into findings.

pub(crate) mod files;
pub(crate) mod history;
pub mod staged;
pub(crate) mod stdin;
pub(crate) mod tracking;

use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::ScanSummary;

/// What every source read and skipped, for the summary line. Shared by all of a scan's
/// sources (a history scan also walks the working tree), so they count into one place.
#[derive(Debug, Default)]
pub(crate) struct ScanStats {
    files: AtomicU64,
    bytes: AtomicU64,
    skipped_binary: AtomicU64,
    skipped_large: AtomicU64,
}

impl ScanStats {
    /// Whether content of `size` bytes is within `--max-file-size`; counts it skipped if not.
    pub(crate) fn within_size_limit(&self, size: u64, max_file_size: u64) -> bool {
        let within = size <= max_file_size;
        if !within {
            self.skipped_large.fetch_add(1, Ordering::Relaxed);
        }
        within
    }

    /// Whether `content` is text to scan; counts it scanned, or skipped as binary.
    pub(crate) fn admit_text(&self, content: &[u8]) -> bool {
        if looks_binary(content) {
            self.skipped_binary.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(content.len() as u64, Ordering::Relaxed);
        true
    }

    /// Adds what a source counted itself.
    pub(crate) fn add(&self, summary: &ScanSummary) {
        self.files.fetch_add(summary.files, Ordering::Relaxed);
        self.bytes.fetch_add(summary.bytes, Ordering::Relaxed);
        self.skipped_binary.fetch_add(summary.skipped_binary, Ordering::Relaxed);
        self.skipped_large.fetch_add(summary.skipped_large, Ordering::Relaxed);
    }

    /// Counts content found binary before it was read whole.
    pub(crate) fn skip_binary(&self) {
        self.skipped_binary.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn summary(&self) -> ScanSummary {
        ScanSummary {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            skipped_binary: self.skipped_binary.load(Ordering::Relaxed),
            skipped_large: self.skipped_large.load(Ordering::Relaxed),
        }
    }
}

/// Binary content: a NUL byte in the first 8 KiB, as git and ripgrep decide it, unless they
/// are the NULs of UTF-16 text (which the pipeline decodes and scans).
pub(crate) fn looks_binary(content: &[u8]) -> bool {
    crate::input::sniff(content) == crate::input::Encoding::Binary
}
