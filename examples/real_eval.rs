//! Precision and recall on real repositories, against hand-made labels.
//!
//! ```sh
//! real_eval score eval/real/labels.tsv FINDINGS_DIR [--tool keyhound|gitleaks|betterleaks|kingfisher|detect-secrets]
//! ```
//! `FINDINGS_DIR` holds one report per repository, named `<owner+name>.json` (the tool's own
//! JSON format). `scripts/precision.sh` runs the scans and then this.
//!
//! A label names a repository, commit, path, line and rule (or `*`: whatever rule reports
//! that line), the kind of value, its class (`true` or `false`) and why — never the value.
//! A finding is a true positive when a `true` label covers it, a false positive when a
//! `false` label does, and *unlabelled* otherwise (printed, so that triage can catch up).
//! Every line with a `true` label is a secret the scan should report: recall is the share of
//! those lines some finding of the tool lands on, whatever its rule.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
};

use serde_json::Value;

/// Any rule may claim a label whose rule column is this.
const ANY_RULE: &str = "*";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    True,
    False,
}

#[derive(Debug, Clone)]
struct Label {
    kind: String,
    class: Class,
}

/// Where a value sits: repository, path inside it, 1-based line.
type Spot = (String, String, u64);

#[derive(Debug, Clone)]
struct Finding {
    spot: Spot,
    rule: String,
    confidence: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Keyhound,
    Gitleaks,
    Betterleaks,
    Kingfisher,
    DetectSecrets,
}

impl Tool {
    fn parse(name: &str) -> Option<Tool> {
        match name {
            "keyhound" => Some(Tool::Keyhound),
            "gitleaks" => Some(Tool::Gitleaks),
            "betterleaks" => Some(Tool::Betterleaks),
            "kingfisher" => Some(Tool::Kingfisher),
            "detect-secrets" => Some(Tool::DetectSecrets),
            _ => None,
        }
    }
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("real_eval: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let usage = "usage: real_eval score LABELS.tsv FINDINGS_DIR [--tool NAME] [--min-confidence LEVEL] [--quiet]";
    let mut positional = Vec::new();
    let mut tool = Tool::Keyhound;
    let mut min_confidence: Option<String> = None;
    let mut quiet = false;
    let mut rest = args.into_iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--tool" => {
                let name = rest.next().ok_or(usage)?;
                tool = Tool::parse(&name).ok_or_else(|| format!("unknown tool {name}"))?;
            }
            "--min-confidence" => min_confidence = Some(rest.next().ok_or(usage)?),
            "--quiet" => quiet = true,
            _ => positional.push(arg),
        }
    }
    let [command, labels, findings] = positional.as_slice() else {
        return Err(usage.into());
    };
    if command != "score" {
        return Err(usage.into());
    }
    let (labels, repos) = read_labels(Path::new(labels))?;
    let mut findings = read_findings(Path::new(findings), tool, &repos)?;
    if let Some(level) = &min_confidence {
        let floor = confidence_rank(level).ok_or_else(|| format!("unknown confidence {level}"))?;
        findings
            .retain(|f| f.confidence.as_deref().and_then(confidence_rank).unwrap_or(0) >= floor);
    }
    let matching = if tool == Tool::Keyhound { Matching::ByRule } else { Matching::ByLine };
    print!("{}", score(&labels, &findings, matching, quiet));
    Ok(())
}

fn confidence_rank(level: &str) -> Option<u8> {
    match level {
        "low" => Some(1),
        "medium" => Some(2),
        "high" => Some(3),
        _ => None,
    }
}

type LabelKey = (Spot, String);

fn read_labels(path: &Path) -> Result<(HashMap<LabelKey, Label>, BTreeSet<String>), String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut labels = HashMap::new();
    let mut repos = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        if index == 0 || line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [repo, _commit, file, line_no, rule, kind, class, _reason] = cols.as_slice() else {
            return Err(format!(
                "{}:{}: expected 8 tab-separated columns",
                path.display(),
                index + 1
            ));
        };
        let line_no: u64 = line_no
            .parse()
            .map_err(|_| format!("{}:{}: bad line number", path.display(), index + 1))?;
        let class = match *class {
            "true" => Class::True,
            "false" => Class::False,
            other => {
                return Err(format!(
                    "{}:{}: class {other:?} is neither true nor false",
                    path.display(),
                    index + 1
                ));
            }
        };
        repos.insert(repo.to_string());
        let key = ((repo.to_string(), file.to_string(), line_no), rule.to_string());
        if labels.insert(key, Label { kind: kind.to_string(), class }).is_some() {
            return Err(format!("{}:{}: duplicate label", path.display(), index + 1));
        }
    }
    Ok((labels, repos))
}

fn read_findings(dir: &Path, tool: Tool, repos: &BTreeSet<String>) -> Result<Vec<Finding>, String> {
    let mut all = Vec::new();
    for repo in repos {
        let file: PathBuf = dir.join(format!("{repo}.json"));
        let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let report: Value = if text.trim().is_empty() {
            Value::Array(Vec::new())
        } else {
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?
        };
        all.extend(parse_report(tool, repo, &report));
    }
    Ok(all)
}

fn parse_report(tool: Tool, repo: &str, report: &Value) -> Vec<Finding> {
    let text =
        |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_u64).unwrap_or_default();
    let spot = |path: String, line: u64| (repo.to_string(), relative(&path, repo), line);
    let empty = Vec::new();
    match tool {
        Tool::Keyhound => (report.as_array().unwrap_or(&empty).iter())
            .map(|f| Finding {
                spot: spot(text(f, "path"), number(f, "line")),
                rule: text(f, "rule_id"),
                confidence: f.get("confidence").and_then(Value::as_str).map(str::to_string),
            })
            .collect(),
        Tool::Gitleaks => (report.as_array().unwrap_or(&empty).iter())
            .map(|f| Finding {
                spot: spot(text(f, "File"), number(f, "StartLine")),
                rule: text(f, "RuleID"),
                confidence: None,
            })
            .collect(),
        Tool::Betterleaks => {
            let list = report.get("findings").and_then(Value::as_array).unwrap_or(&empty);
            list.iter()
                .map(|f| {
                    let location = f.get("location").unwrap_or(f);
                    Finding {
                        spot: spot(text(location, "path"), number(location, "start_line")),
                        rule: text(f, "rule_id"),
                        confidence: f.get("confidence").and_then(Value::as_str).map(str::to_string),
                    }
                })
                .collect()
        }
        Tool::Kingfisher => {
            let list = report.get("findings").and_then(Value::as_array).unwrap_or(&empty);
            list.iter()
                .map(|f| {
                    let rule = f.get("rule").map(|r| text(r, "id")).unwrap_or_default();
                    let inner = f.get("finding").unwrap_or(f);
                    Finding {
                        spot: spot(text(inner, "path"), number(inner, "line")),
                        rule,
                        confidence: inner
                            .get("confidence")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    }
                })
                .collect()
        }
        Tool::DetectSecrets => {
            let Some(results) = report.get("results").and_then(Value::as_object) else {
                return Vec::new();
            };
            results
                .iter()
                .flat_map(|(path, list)| {
                    (list.as_array().unwrap_or(&empty).iter()).map(move |f| Finding {
                        spot: spot(path.clone(), number(f, "line_number")),
                        rule: text(f, "type"),
                        confidence: None,
                    })
                })
                .collect()
        }
    }
}

/// Peers print paths as given on their command line: keep what follows the repository's
/// own directory so that every tool's paths compare equal.
fn relative(path: &str, repo: &str) -> String {
    let path = path.trim_start_matches("./");
    match path.find(&format!("{repo}/")) {
        Some(at) => path[at + repo.len() + 1..].to_string(),
        None => path.to_string(),
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    true_positive: usize,
    false_positive: usize,
    unlabelled: usize,
}

impl Tally {
    fn precision(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_positive)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { f64::NAN } else { part as f64 / whole as f64 }
}

/// How a finding is matched to labels: keyhound's by its rule (each rule's claim was triaged),
/// a peer's by its line alone (its rule names are not ours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matching {
    ByRule,
    ByLine,
}

fn score(
    labels: &HashMap<LabelKey, Label>,
    findings: &[Finding],
    matching: Matching,
    quiet: bool,
) -> String {
    let mut out = String::new();
    let mut total = Tally::default();
    let mut per_rule: BTreeMap<String, Tally> = BTreeMap::new();
    let mut unlabelled = Vec::new();
    // a line holding a true label is a secret, whatever else was labelled on it
    let mut by_line: HashMap<&Spot, Class> = HashMap::new();
    for ((spot, _), label) in labels {
        let class = by_line.entry(spot).or_insert(label.class);
        if label.class == Class::True {
            *class = Class::True;
        }
    }
    for finding in findings {
        let class = match matching {
            Matching::ByRule => labels
                .get(&(finding.spot.clone(), finding.rule.clone()))
                .or_else(|| labels.get(&(finding.spot.clone(), ANY_RULE.to_string())))
                .map(|label| label.class),
            Matching::ByLine => by_line.get(&finding.spot).copied(),
        };
        let rule = per_rule.entry(finding.rule.clone()).or_default();
        for tally in [&mut total, rule] {
            match class {
                Some(Class::True) => tally.true_positive += 1,
                Some(Class::False) => tally.false_positive += 1,
                None => tally.unlabelled += 1,
            }
        }
        if class.is_none() {
            unlabelled.push(finding);
        }
    }

    // every line a true label names is a secret to find, whichever rule finds it
    let mut secrets: BTreeMap<&Spot, &str> = BTreeMap::new();
    for ((spot, _), label) in labels {
        if label.class == Class::True {
            secrets.entry(spot).or_insert(&label.kind);
        }
    }
    let found: BTreeSet<&Spot> = findings.iter().map(|f| &f.spot).collect();
    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (spot, kind) in &secrets {
        let entry = per_kind.entry(kind).or_default();
        entry.1 += 1;
        if found.contains(spot) {
            entry.0 += 1;
        }
    }
    let hit: usize = per_kind.values().map(|(hit, _)| hit).sum();

    out += &format!(
        "findings {}  true {}  false {}  unlabelled {}\n",
        findings.len(),
        total.true_positive,
        total.false_positive,
        total.unlabelled
    );
    out += &format!(
        "precision {:.3} (labelled findings; {:.3} if every unlabelled one were false)\n",
        total.precision(),
        ratio(total.true_positive, findings.len())
    );
    out += &format!(
        "recall {:.3} ({hit} of {} labelled secret lines)\n",
        ratio(hit, secrets.len()),
        secrets.len()
    );
    out += "\nrecall by kind:\n";
    for (kind, (hit, all)) in &per_kind {
        out += &format!("  {kind:<14} {:.3}  ({hit}/{all})\n", ratio(*hit, *all));
    }
    out += "\nper rule:                                     true false unlabelled precision\n";
    for (rule, tally) in &per_rule {
        out += &format!(
            "  {rule:<42} {:>5} {:>5} {:>10} {:>9.3}\n",
            tally.true_positive,
            tally.false_positive,
            tally.unlabelled,
            tally.precision()
        );
    }
    if !quiet && !unlabelled.is_empty() {
        out += "\nunlabelled findings (repository, path, line, rule):\n";
        for finding in unlabelled {
            let (repo, path, line) = &finding.spot;
            out += &format!("  {repo}\t{path}\t{line}\t{}\n", finding.rule);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(kind: &str, class: Class) -> Label {
        Label { kind: kind.into(), class }
    }

    fn at(path: &str, line: u64, rule: &str) -> Finding {
        Finding { spot: ("r".into(), path.into(), line), rule: rule.into(), confidence: None }
    }

    #[test]
    fn a_true_label_counts_once_for_recall_and_per_finding_for_precision() {
        let mut labels = HashMap::new();
        labels.insert((("r".into(), "a".into(), 1), "x".into()), label("token", Class::True));
        labels
            .insert((("r".into(), "b".into(), 2), ANY_RULE.into()), label("password", Class::True));
        labels.insert((("r".into(), "c".into(), 3), "x".into()), label("name", Class::False));
        let findings = [at("a", 1, "x"), at("a", 1, "x"), at("c", 3, "x"), at("d", 4, "y")];
        let report = score(&labels, &findings, Matching::ByRule, false);
        assert!(report.contains("true 2  false 1  unlabelled 1"), "{report}");
        assert!(report.contains("recall 0.500 (1 of 2"), "{report}");
        assert!(report.contains("password       0.000  (0/1)"), "{report}");
        assert!(report.contains("r\td\t4\ty"), "{report}");
    }

    #[test]
    fn peers_paths_lose_the_directory_they_were_given() {
        assert_eq!(relative("/tmp/real/o+n/src/a.rs", "o+n"), "src/a.rs");
        assert_eq!(relative("./src/a.rs", "o+n"), "src/a.rs");
    }
}
