//! A progress bar on stderr for long scans. indicatif draws nothing when stderr is not a
//! terminal, so pipes, CI logs and tests stay clean; `--quiet` hides it too. The bar uses no
//! colour at all, so `NO_COLOR` needs nothing more. A history scan counts every object read
//! and its inflated bytes, with the byte rate.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Instant,
};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts items and bytes; shows both with the byte rate.
pub(crate) struct Progress {
    bar: ProgressBar,
    bytes: AtomicU64,
    started: Instant,
}

impl Progress {
    pub(crate) fn new(what: &str, total_items: u64, quiet: bool) -> Self {
        let target =
            if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
        let bar = ProgressBar::with_draw_target(Some(total_items), target);
        let template =
            format!("{what}: {{bar:30}} {{pos}}/{{len}} {{msg}} [{{elapsed}}, ETA {{eta}}]");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        Progress { bar, bytes: AtomicU64::new(0), started: Instant::now() }
    }

    /// One item done, `bytes` of it read.
    pub(crate) fn add(&self, bytes: u64) {
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.bar.inc(1);
        // Formatting the message costs more than counting; refresh it now and then.
        if self.bar.position() % 64 == 0 {
            let seconds = self.started.elapsed().as_secs_f64().max(0.001);
            self.bar.set_message(format!(
                "{} ({}/s)",
                HumanBytes(total),
                HumanBytes((total as f64 / seconds) as u64)
            ));
        }
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hides_the_bar_and_counting_still_works() {
        let progress = Progress::new("history", 130, true);
        assert!(progress.bar.is_hidden());
        for _ in 0..130 {
            progress.add(10);
        }
        assert_eq!(progress.bar.position(), 130);
        assert_eq!(progress.bytes.load(Ordering::Relaxed), 1300);
        progress.finish();
    }
}
