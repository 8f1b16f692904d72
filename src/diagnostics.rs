//! Warnings about input that could not be scanned. They go to stderr as they happen (never
//! into the report) and are counted, so a summary can say how much was skipped.

use std::sync::{
    OnceLock,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

/// Makes a warning safe to print: redacts secrets, escapes control characters. Set by the
/// scan plan, which owns the rules (see `report::redact::for_warning`).
pub(crate) type Sanitizer = Box<dyn Fn(&str) -> String + Send + Sync>;

#[derive(Default)]
pub struct Diagnostics {
    quiet: AtomicBool,
    warnings: AtomicUsize,
    sanitizer: OnceLock<Sanitizer>,
}

impl std::fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diagnostics")
            .field("quiet", &self.quiet)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl Diagnostics {
    pub(crate) fn new(quiet: bool) -> Self {
        Diagnostics { quiet: AtomicBool::new(quiet), ..Default::default() }
    }

    /// Warnings name paths, refs and commits from the repository: each passes `sanitizer`
    /// before it is printed. Set it as soon as the rules are loaded; the first one set stays.
    pub(crate) fn set_sanitizer(&self, sanitizer: Sanitizer) {
        let _ = self.sanitizer.set(sanitizer);
    }

    /// One line on stderr: `keyhound: warning: <subject>: <message>`.
    pub fn warn(&self, subject: &str, message: impl std::fmt::Display) {
        self.warnings.fetch_add(1, Ordering::Relaxed);
        if !self.quiet.load(Ordering::Relaxed) {
            let line = format!("{subject}: {message}");
            let line = match self.sanitizer.get() {
                Some(sanitize) => sanitize(&line),
                None => line.replace(|c: char| c.is_control(), "?"),
            };
            eprintln!("keyhound: warning: {line}");
        }
    }
}
