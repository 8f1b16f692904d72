//! Warnings about input that could not be scanned. They go to stderr as they happen (never
//! into the report) and are counted, so a summary can say how much was skipped.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Debug, Default)]
pub struct Diagnostics {
    quiet: AtomicBool,
    warnings: AtomicUsize,
}

impl Diagnostics {
    pub fn new(quiet: bool) -> Self {
        Diagnostics { quiet: AtomicBool::new(quiet), warnings: AtomicUsize::new(0) }
    }

    /// One line on stderr: `keyhound: warning: <subject>: <message>`.
    pub fn warn(&self, subject: &str, message: impl std::fmt::Display) {
        self.warnings.fetch_add(1, Ordering::Relaxed);
        if !self.quiet.load(Ordering::Relaxed) {
            eprintln!("keyhound: warning: {subject}: {message}");
        }
    }

    pub fn warning_count(&self) -> usize {
        self.warnings.load(Ordering::Relaxed)
    }

    pub fn is_quiet(&self) -> bool {
        self.quiet.load(Ordering::Relaxed)
    }
}
