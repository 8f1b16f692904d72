//! Chooses what the single Aho-Corasick pass looks for: each rule's own literal prefixes
//! when its regex has them, its declared keywords otherwise.

use regex_syntax::hir::{
    Capture, Class, ClassBytes, Hir, HirKind, Look, Repetition,
    literal::{ExtractKind, Extractor},
};

/// Literals shorter than this match too often to gate a confirmation.
pub(crate) const MIN_LITERAL_LEN: usize = 3;
/// Keywords shorter than this make the keyword pass fire on ordinary prose and code.
pub(crate) const MIN_KEYWORD_LEN: usize = 4;
const MAX_PREFIX_LITERALS: usize = 64;
/// Longer literals gate no better; cutting them lets variants collapse into one.
const MAX_LITERAL_LEN: usize = 12;
const MIN_SHARED_PREFIX: usize = 8;

/// Words that occur in almost every source file: a keyword equal to one of them makes the
/// context rule run on nearly every line.
const COMMON_WORDS: &[&str] = &[
    "access", "auth", "client", "config", "data", "false", "http", "https", "name", "null", "pass",
    "test", "true", "user", "value",
];

/// The distinct, lower-cased literal prefixes (cut to [`MAX_LITERAL_LEN`] bytes) every match of
/// `hir` starts with, and how many bytes every match is known to start with literally (a
/// placeholder check must not count those as the secret's body); `None` when
/// the regex has no prefix of at least [`MIN_LITERAL_LEN`] bytes on some branch.
pub(crate) fn prefix_gates(hir: &Hir) -> Option<(Vec<Vec<u8>>, usize)> {
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&case_folded(hir));
    let known_prefix = seq.literals()?.iter().map(|lit| lit.len()).min().unwrap_or(0);
    let mut literals: Vec<Vec<u8>> = seq
        .literals()?
        .iter()
        .map(|lit| {
            let bytes = lit.as_bytes();
            bytes[..bytes.len().min(MAX_LITERAL_LEN)].to_ascii_lowercase()
        })
        .collect();
    literals.sort();
    literals.dedup();
    let mut literals = collapse_shared_prefixes(literals);
    // `ntn_[0-9]{11}` expands to `ntn_00`, `ntn_01`, ...: shorten the set to its common
    // prefixes rather than give up on the fast path.
    while literals.len() > MAX_PREFIX_LITERALS {
        let longest = literals.iter().map(Vec::len).max().unwrap_or(0);
        if longest <= MIN_LITERAL_LEN {
            return None;
        }
        for literal in &mut literals {
            literal.truncate(longest - 1);
        }
        literals.sort();
        literals.dedup();
    }
    let usable = !literals.is_empty() && literals.iter().all(|lit| lit.len() >= MIN_LITERAL_LEN);
    usable.then_some((literals, known_prefix))
}

/// `hir` with every `[Aa]`-style class replaced by its lower-case letter. The literal pass is
/// case-insensitive anyway, and without this `(?i)datadog` extracts 128 case variants that
/// would have to be cut down to a short, common stem like `data`.
fn case_folded(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Class(Class::Bytes(class)) => {
            letter_of_case_pair(class).map_or_else(|| hir.clone(), |b| Hir::literal([b]))
        }
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(case_folded).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(case_folded).collect()),
        HirKind::Repetition(rep) => {
            Hir::repetition(Repetition { sub: Box::new(case_folded(&rep.sub)), ..rep.clone() })
        }
        HirKind::Capture(cap) => {
            Hir::capture(Capture { sub: Box::new(case_folded(&cap.sub)), ..cap.clone() })
        }
        _ => hir.clone(),
    }
}

/// The lower-case letter when `class` is exactly one letter in both cases.
fn letter_of_case_pair(class: &ClassBytes) -> Option<u8> {
    let [upper, lower] = class.ranges() else { return None };
    let single =
        |r: &regex_syntax::hir::ClassBytesRange| (r.start() == r.end()).then_some(r.start());
    let (upper, lower) = (single(upper)?, single(lower)?);
    (upper.is_ascii_uppercase() && lower == upper.to_ascii_lowercase()).then_some(lower)
}

/// `aws-secret-a`, `aws-secret-k` and `aws-secret=` (the extractor walks into optional parts and
/// small classes) gate no better than `aws-secret`: sorted runs sharing a prefix of at least
/// [`MIN_SHARED_PREFIX`] bytes become that prefix, unless it ends at a URL's `//`, which every
/// URL has; a literal that starts with an earlier one (`xoxa-0-` after `xoxa-`) adds nothing.
fn collapse_shared_prefixes(sorted: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut collapsed: Vec<Vec<u8>> = Vec::with_capacity(sorted.len());
    for literal in sorted {
        if let Some(group) = collapsed.last_mut() {
            let shared = group.iter().zip(&literal).take_while(|(a, b)| a == b).count();
            if shared == group.len() {
                continue;
            }
            if shared >= MIN_SHARED_PREFIX && !group[..shared].ends_with(b"//") {
                group.truncate(shared);
                continue;
            }
        }
        collapsed.push(literal);
    }
    collapsed
}

/// The most literals a required-literal test tries (a case-insensitive word has more).
const MAX_REQUIRED_LITERALS: usize = 8;
/// Shorter required literals are too common to reject a hit.
const MIN_REQUIRED_LEN: usize = 2;

/// Literals one of which every match of `hir` contains (not necessarily at its start), when
/// its regex has such a part: a mandatory part (of its top-level sequence, through capture
/// groups) whose every match starts with one of at most [`MAX_REQUIRED_LITERALS`] literals of
/// at least [`MIN_REQUIRED_LEN`] bytes. `after_start`: the regex's first mandatory part is
/// its gate (a literal prefix the pass found already), so it is not considered. Of several
/// such parts, the one with the longest shortest literal. A hit whose window holds none of
/// them cannot match: `https://` is a gate of a dozen webhook rules, but `/hooks/` is rare.
pub(crate) fn required_literals(hir: &Hir, after_start: bool) -> Option<Vec<Vec<u8>>> {
    let mut parts = Vec::new();
    mandatory_parts(hir, &mut parts);
    let mut best: Option<Vec<Vec<u8>>> = None;
    for part in parts.into_iter().skip(usize::from(after_start)) {
        let seq = Extractor::new().kind(ExtractKind::Prefix).extract(part);
        let Some(literals) = seq.literals() else { continue };
        if literals.is_empty()
            || literals.len() > MAX_REQUIRED_LITERALS
            || literals.iter().any(|lit| lit.len() < MIN_REQUIRED_LEN)
        {
            continue;
        }
        let mut found: Vec<Vec<u8>> = literals.iter().map(|lit| lit.as_bytes().to_vec()).collect();
        found.sort();
        found.dedup();
        let shortest = |set: &[Vec<u8>]| set.iter().map(Vec::len).min().unwrap_or(0);
        if best.as_ref().is_none_or(|b| shortest(&found) > shortest(b)) {
            best = Some(found);
        }
    }
    best
}

/// The parts of `hir`'s top-level sequence (through capture groups) that match at least one
/// byte: every match of `hir` holds a match of each.
fn mandatory_parts<'h>(hir: &'h Hir, parts: &mut Vec<&'h Hir>) {
    match hir.kind() {
        HirKind::Capture(capture) => mandatory_parts(&capture.sub, parts),
        HirKind::Concat(subs) => subs.iter().for_each(|sub| mandatory_parts(sub, parts)),
        _ if hir.properties().minimum_len().is_some_and(|len| len > 0) => parts.push(hir),
        _ => {}
    }
}

/// Whether every match of `hir` starts at a line's start (`(?m)^`). Not `(?Rm)^`: it also
/// matches after a lone `\r`, inside what the engine takes for one line.
pub(crate) fn starts_at_line_start(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Look(look) => matches!(look, Look::StartLF | Look::Start),
        HirKind::Capture(capture) => starts_at_line_start(&capture.sub),
        HirKind::Concat(parts) => parts.first().is_some_and(starts_at_line_start),
        HirKind::Alternation(parts) => parts.iter().all(starts_at_line_start),
        _ => false,
    }
}

/// A reason a keyword will make the keyword pass slow or noisy.
pub(crate) fn keyword_problem(keyword: &str) -> Option<String> {
    if keyword.len() < MIN_KEYWORD_LEN {
        return Some(format!(
            "keyword `{keyword}` is shorter than {MIN_KEYWORD_LEN} bytes and would fire on ordinary text"
        ));
    }
    if COMMON_WORDS.contains(&keyword) {
        return Some(format!("keyword `{keyword}` is too common to prefilter well"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix_literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
        Some(prefix_gates(hir)?.0)
    }

    fn hir(pattern: &str) -> Hir {
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
            .unwrap()
    }

    #[test]
    fn extracts_prefixes_through_word_boundaries_and_classes() {
        assert_eq!(
            prefix_literals(&hir(r"\b(?P<secret>ghp_[A-Za-z0-9]{36})\b")).unwrap(),
            vec![b"ghp_".to_vec()]
        );
        let mut lits = prefix_literals(&hir(r"\bgh[us]_[A-Za-z0-9]{36}")).unwrap();
        lits.sort();
        assert_eq!(lits, vec![b"ghs_".to_vec(), b"ghu_".to_vec()]);
        assert_eq!(prefix_literals(&hir(r"(?:AKIA|ASIA)[A-Z0-9]{16}")).unwrap().len(), 2);
    }

    #[test]
    fn optional_suffixes_collapse_into_the_shortest_prefix() {
        let lits =
            prefix_literals(&hir(r"(?i)aws[_-]?secret(?:[_-]?access)?(?:[_-]?key)?=")).unwrap();
        assert_eq!(
            lits,
            vec![b"aws-secret".to_vec(), b"aws_secret".to_vec(), b"awssecret".to_vec()]
        );
        let urls = prefix_literals(&hir(r"https://(?:api|www)\.acme\.io/")).unwrap();
        assert_eq!(urls.len(), 2, "never collapsed to `https://`");
        let discord = r"https://(?:(?:ptb|canary)\.)?discord\.com/api/(?:v[0-9]{1,2}/)?webhooks/";
        assert_eq!(prefix_literals(&hir(discord)).unwrap().len(), 3);
    }

    #[test]
    fn case_insensitive_keywords_stay_whole() {
        assert_eq!(
            prefix_literals(&hir(r"(?i)(?:datadog|dd_api_key)[\w.-]{0,20}")).unwrap(),
            vec![b"datadog".to_vec(), b"dd_api_key".to_vec()]
        );
    }

    #[test]
    fn large_literal_sets_shrink_to_their_common_prefix() {
        for pattern in [r"\bntn_[0-9]{11}[A-Za-z0-9]{35}", r"xoxb-[0-9]{8,14}", r"xoxb-[0-9][0-9]"]
        {
            let lits = prefix_literals(&hir(pattern)).unwrap();
            assert!(lits.len() <= MAX_PREFIX_LITERALS, "{pattern}: {}", lits.len());
            assert!(lits.iter().all(|l| l.len() >= MIN_LITERAL_LEN), "{pattern}");
        }
    }

    #[test]
    fn no_prefix_for_context_rules() {
        assert!(prefix_literals(&hir(r"(?i)[a-z_]{0,9}datadog.{0,20}[0-9a-f]{32}")).is_none());
        // A leading keyword is a prefix: such rules take the fast path.
        assert_eq!(
            prefix_literals(&hir(r"(?i)datadog.{0,20}[0-9a-f]{32}")).unwrap(),
            vec![b"datadog".to_vec()]
        );
        assert!(prefix_literals(&hir(r"[0-9a-f]{32}-us\d{1,2}")).is_none());
        assert!(prefix_literals(&hir(r"(?:ab|xy)[a-z]{3}")).is_none());
    }

    #[test]
    fn required_literals_of_a_regex_are_its_mandatory_inner_parts() {
        let webhook = hir(r"(?P<secret>https://[A-Za-z0-9.-]{3,100}/hooks/[a-z0-9]{26})\b");
        assert_eq!(required_literals(&webhook, true), Some(vec![b"/hooks/".to_vec()]));
        assert_eq!(required_literals(&webhook, false), Some(vec![b"https://".to_vec()]));
        let curl = hir(r#"(?m)^[ \t]*(?:-H|--header)[ \t]{1,5}['"](?i:token)[ \t]*:"#);
        assert_eq!(
            required_literals(&curl, false),
            Some(vec![b"--header".to_vec(), b"-H".to_vec()])
        );
        // Optional parts, single bytes and case-insensitive words (2^7 spellings) are none.
        let generic = hir(r"(?i)(?:secret|token)(?:_key)?[ \t]{0,4}[=:][ \t]*(?P<secret>\w{8,})");
        assert_eq!(required_literals(&generic, true), None);
        assert_eq!(required_literals(&hir(r"(?i)webhook\.[a-z]{8}"), false), None);
    }

    #[test]
    fn line_start_anchors() {
        assert!(starts_at_line_start(&hir(r"(?m)^[ \t]*(?:export )?token=")));
        assert!(starts_at_line_start(&hir(r"(?m)(?:^a|^b)")));
        assert!(!starts_at_line_start(&hir(r"(?m)(?:^a|b)")));
        assert!(!starts_at_line_start(&hir(r"[\w]{0,4}token")));
        assert!(!starts_at_line_start(&hir(r"(?Rm)^token")));
    }

    #[test]
    fn keyword_lint() {
        assert!(keyword_problem("key").is_some());
        assert!(keyword_problem("auth").is_some());
        assert!(keyword_problem("datadog").is_none());
    }
}
