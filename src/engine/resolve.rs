//! Turns overlapping confirmations into one match per secret.
//!
//! - one rule matching the same bytes twice (two literal hits, two keywords) keeps the
//!   earliest, longest match;
//! - a provider rule's span, even one rejected as a placeholder or for a bad checksum, is
//!   never re-reported by a generic rule (a `ghp_` typo is not a "generic secret");
//! - a match inside another rule's accepted match (a token inside a PEM block) is dropped.

use super::{Candidate, Match};

pub(super) fn resolve(candidates: &mut [Candidate]) -> Vec<Match> {
    candidates.sort_by(|a, b| {
        (a.found.secret_start, std::cmp::Reverse(a.found.secret_end), a.generic, a.found.rule).cmp(
            &(b.found.secret_start, std::cmp::Reverse(b.found.secret_end), b.generic, b.found.rule),
        )
    });
    let mut keep: Vec<bool> = candidates.iter().map(|c| c.accepted).collect();
    for i in 0..candidates.len() {
        let first = &candidates[i];
        for j in i + 1..candidates.len() {
            let second = &candidates[j];
            if second.found.secret_start >= first.found.secret_end {
                break;
            }
            let contained = second.found.secret_end <= first.found.secret_end;
            if first.found.rule == second.found.rule {
                // A rejected match (a documentation example whose span runs on into a real
                // key) must not hide an accepted one of the same rule.
                if first.accepted || !second.accepted {
                    keep[j] = false;
                }
            } else if first.generic != second.generic {
                let generic = if first.generic { i } else { j };
                keep[generic] = false;
            } else if contained && first.accepted {
                keep[j] = false;
            }
        }
    }
    candidates
        .iter()
        .zip(keep)
        .filter(|(_, kept)| *kept)
        .map(|(candidate, _)| candidate.found.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(rule: usize, span: (usize, usize), generic: bool, accepted: bool) -> Candidate {
        Candidate {
            found: Match {
                rule: crate::model::RuleIndex::new(rule),
                secret_start: span.0,
                secret_end: span.1,
                match_start: span.0,
                match_end: span.1,
                demotion: None,
            },
            generic,
            accepted,
        }
    }

    fn rules_of(matches: &[Match]) -> Vec<usize> {
        matches.iter().map(|m| m.rule.get()).collect()
    }

    #[test]
    fn same_rule_keeps_the_longest() {
        let mut c = vec![candidate(0, (8, 30), false, true), candidate(0, (0, 30), false, true)];
        let out = resolve(&mut c);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].secret_start, 0);
    }

    #[test]
    fn a_rejected_match_does_not_hide_an_accepted_one_of_the_same_rule() {
        // An example block whose (placeholder) match runs on into a real block below it.
        let mut c =
            vec![candidate(0, (0, 300), false, false), candidate(0, (150, 300), false, true)];
        let out = resolve(&mut c);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].secret_start, 150);
    }

    #[test]
    fn a_rejected_provider_match_silences_the_generic_rule() {
        let mut c = vec![candidate(1, (4, 44), true, true), candidate(0, (4, 44), false, false)];
        assert!(resolve(&mut c).is_empty());
    }

    #[test]
    fn provider_beats_generic_and_contained_matches_go() {
        let mut c = vec![
            candidate(2, (0, 100), false, true),
            candidate(3, (10, 50), false, true),
            candidate(1, (60, 90), true, true),
            candidate(0, (200, 240), false, true),
        ];
        assert_eq!(rules_of(&resolve(&mut c)), vec![2, 0]);
    }

    #[test]
    fn disjoint_matches_all_stay() {
        let mut c = vec![candidate(0, (0, 10), false, true), candidate(0, (10, 20), false, true)];
        assert_eq!(resolve(&mut c).len(), 2);
    }
}
