//! What the engine reads off a rule's regex before its first hit: the secret's capture group,
//! the literal prefixes that gate it, how long a match can be, and whether it starts at a
//! line's start. Parsing 700 regexes for this was a third of startup, so `build.rs` includes
//! this file and analyses the built-in rules when keyhound is built; rules from files are
//! analysed when they are loaded. Depends on `regex-syntax` and `literals` alone.

use regex_syntax::hir::{Hir, HirKind};

use super::literals;

/// The facts about one regex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexAnalysis {
    /// The index of the `secret` capture group, as the built regex numbers it.
    pub secret_group: Option<usize>,
    /// The literal prefixes every match starts with and how many bytes of every match are
    /// known literally (see `literals::prefix_gates`); `None` when some branch has none.
    pub prefix: Option<(Vec<Vec<u8>>, usize)>,
    /// The longest match, if bounded.
    pub max_len: Option<usize>,
    /// Whether every match starts at a line's start.
    pub from_line_start: bool,
    /// Literals one of which every match contains besides its prefix gate (see
    /// `literals::required_literals`).
    pub required: Option<Vec<Vec<u8>>>,
}

/// `pattern` parsed as the engine builds it (bytes, ASCII classes) and analysed; the error
/// is the parser's message on one line.
pub fn analyse(pattern: &str) -> Result<RegexAnalysis, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|err| format!("invalid regex: {}", one_line(&err.to_string())))?;
    let prefix = literals::prefix_gates(&hir);
    Ok(RegexAnalysis {
        secret_group: named_group(&hir, "secret"),
        required: literals::required_literals(&hir, prefix.is_some()),
        prefix,
        max_len: hir.properties().maximum_len(),
        from_line_start: literals::starts_at_line_start(&hir),
    })
}

/// A [`RegexAnalysis`] written into the binary at build time.
#[derive(Debug)]
pub struct BuiltAnalysis {
    pub secret_group: Option<usize>,
    pub prefix: Option<(&'static [&'static [u8]], usize)>,
    pub max_len: Option<usize>,
    pub from_line_start: bool,
    pub required: Option<&'static [&'static [u8]]>,
}

impl BuiltAnalysis {
    pub fn to_analysis(&self) -> RegexAnalysis {
        RegexAnalysis {
            secret_group: self.secret_group,
            prefix: self
                .prefix
                .map(|(gates, known)| (gates.iter().map(|g| g.to_vec()).collect(), known)),
            max_len: self.max_len,
            from_line_start: self.from_line_start,
            required: self.required.map(|set| set.iter().map(|lit| lit.to_vec()).collect()),
        }
    }
}

impl RegexAnalysis {
    /// This analysis as the Rust expression of a [`BuiltAnalysis`] (for `build.rs`).
    #[allow(dead_code)]
    pub fn to_rust(&self) -> String {
        let prefix = match &self.prefix {
            None => "None".to_string(),
            Some((gates, known)) => {
                let gates: Vec<String> = gates.iter().map(|g| format!("&{g:?}")).collect();
                format!("Some((&[{}], {known}))", gates.join(", "))
            }
        };
        let required = match &self.required {
            None => "None".to_string(),
            Some(set) => {
                let set: Vec<String> = set.iter().map(|lit| format!("&{lit:?}")).collect();
                format!("Some(&[{}])", set.join(", "))
            }
        };
        format!(
            "BuiltAnalysis {{ secret_group: {:?}, prefix: {prefix}, max_len: {:?}, from_line_start: {}, required: {required} }}",
            self.secret_group, self.max_len, self.from_line_start
        )
    }
}

/// The index of the capture group called `name`, as the built regex numbers it (group 0 is
/// the whole match, then groups in the order their parentheses open).
fn named_group(hir: &Hir, name: &str) -> Option<usize> {
    match hir.kind() {
        HirKind::Capture(capture) if capture.name.as_deref() == Some(name) => {
            Some(capture.index as usize)
        }
        HirKind::Capture(capture) => named_group(&capture.sub, name),
        HirKind::Repetition(repetition) => named_group(&repetition.sub, name),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => {
            parts.iter().find_map(|part| named_group(part, name))
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => None,
    }
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
