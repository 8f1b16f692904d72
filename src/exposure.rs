//! How long a secret found in git history has been exposed, and whether it is overdue for
//! rotation (`--max-key-age`). Only findings with provenance (history scans) have an age: for
//! a working-tree file there is no commit to date it from.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::finding::Finding;

pub(crate) const DEFAULT_MAX_KEY_AGE_DAYS: u64 = 90;
const SECONDS_PER_DAY: i64 = 86_400;

/// Said once, plainly, wherever a finding comes from history.
pub(crate) const HISTORY_ADVICE: &str = "This secret is in git history: deleting the line or the file in a new commit does not remove it, since every clone and every old commit still has it. Revoke it first, then clean history if needed (git filter-repo, force-push, ask collaborators to re-clone).";

/// When a key counts as overdue, and the current time (fixed in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAgePolicy {
    pub(crate) max_days: u64,
    /// Seconds since the Unix epoch; `None` reads the clock.
    pub(crate) now: Option<i64>,
}

impl KeyAgePolicy {
    /// `max_days`, or the default when `None`; the clock's time.
    pub fn with_max_days(max_days: Option<u64>) -> Self {
        KeyAgePolicy { max_days: max_days.unwrap_or(DEFAULT_MAX_KEY_AGE_DAYS), now: None }
    }
}

impl Default for KeyAgePolicy {
    fn default() -> Self {
        KeyAgePolicy { max_days: DEFAULT_MAX_KEY_AGE_DAYS, now: None }
    }
}

/// A finding's exposure: whole days since the commit that introduced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exposure {
    pub(crate) days: u64,
    /// Author time of the introducing commit, Unix seconds.
    pub(crate) since: i64,
    pub(crate) overdue: bool,
}

impl KeyAgePolicy {
    pub(crate) fn now(&self) -> i64 {
        self.now.unwrap_or_else(|| {
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
        })
    }

    /// `None` for findings without provenance.
    pub(crate) fn exposure(&self, finding: &Finding) -> Option<Exposure> {
        // A blob that no commit reaches has no date to count from.
        let since = finding.provenance.as_ref().filter(|p| p.commit.is_some())?.time;
        // A commit dated in the future (clock skew) counts as exposed today.
        let days = (self.now().saturating_sub(since).max(0) / SECONDS_PER_DAY) as u64;
        Some(Exposure { days, since, overdue: days > self.max_days })
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time.
pub(crate) fn civil_date(unix: i64) -> String {
    gix::date::Time { seconds: unix, offset: 0 }.format_or_unix(gix::date::time::format::SHORT)
}

/// A finding of a test rule, from history when `time` is given (for reporter unit tests).
#[cfg(test)]
pub(crate) fn sample_finding(time: Option<i64>) -> Finding {
    const RULES: &str = r#"provider = "Acme"
[rotation]
revoke = "Delete the key at https://acme.invalid/keys. Then more."
reissue = "Create a new key."
verify = "Check the audit log."
docs = "https://acme.invalid/docs"
[[rules]]
id = "acme"
name = "Acme key"
severity = "high"
regex = '''acme_[a-z]{8}'''
"#;
    let rule = crate::rules::parse_rules_file("acme.toml", RULES).unwrap().remove(0);
    finding_of(rule, time)
}

/// A finding of `rule` on `k = acme_abcdefgh`, from history when `time` is given.
#[cfg(test)]
pub(crate) fn finding_of(rule: crate::rules::Rule, time: Option<i64>) -> Finding {
    use crate::{
        finding::Provenance,
        model::{LineIndex, Location},
    };
    let content = b"k = acme_abcdefgh";
    let end = content.len();
    let mut finding =
        Finding::new(rule.into(), Location::file("a.py"), content, &LineIndex::new(), 4..end);
    finding.provenance = time.map(|time| Provenance {
        commit: Some("0123456789abcdef".into()),
        author_name: "Ada".into(),
        author_email: "ada@example.invalid".into(),
        time,
        summary: "add key".into(),
        blob: Some("b".into()),
        ..Provenance::default()
    });
    finding
}

/// 2024-01-02T03:04:05Z, the date test repositories commit at.
#[cfg(test)]
pub(crate) const SAMPLE_COMMIT_TIME: i64 = 1_704_164_645;

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED_AT: i64 = SAMPLE_COMMIT_TIME;

    fn finding(time: Option<i64>) -> Finding {
        sample_finding(time)
    }
    fn policy(max_days: u64, now: i64) -> KeyAgePolicy {
        KeyAgePolicy { max_days, now: Some(now) }
    }

    #[test]
    fn no_provenance_no_age() {
        assert_eq!(policy(90, COMMITTED_AT).exposure(&finding(None)), None);
    }

    #[test]
    fn days_since_the_commit_and_overdue_past_the_limit() {
        let f = finding(Some(COMMITTED_AT));
        let day = SECONDS_PER_DAY;
        let at = |days: i64| policy(90, COMMITTED_AT + days * day + 5).exposure(&f).unwrap();
        assert_eq!(at(0), Exposure { days: 0, since: COMMITTED_AT, overdue: false });
        assert_eq!(at(90).days, 90);
        assert!(!at(90).overdue, "exactly the limit is not overdue");
        assert!(at(91).overdue);
        assert_eq!(at(400).days, 400);
        assert!(!policy(1000, COMMITTED_AT + 400 * day).exposure(&f).unwrap().overdue);
    }

    #[test]
    fn a_commit_from_the_future_is_exposed_today() {
        let f = finding(Some(COMMITTED_AT + 10 * SECONDS_PER_DAY));
        assert_eq!(policy(0, COMMITTED_AT).exposure(&f).unwrap().days, 0);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(COMMITTED_AT), "2024-01-02");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
        assert_eq!(civil_date(-86_400), "1969-12-31");
    }
}
