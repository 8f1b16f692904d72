//! `keyhound.toml`: a project's configuration, found at the scan root (or given with
//! `--config`). Custom rules use the schema of the built-in `rules/*.toml`; everything else
//! tunes which rules run and what is suppressed. Every problem is an error naming the file and
//! line, because a misspelt key that is silently ignored would quietly change what is scanned.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use clap::ValueEnum;
use serde::Deserialize;
use toml::Spanned;

use crate::{
    classify::ValueFilter,
    engine::Engine,
    pipeline::Pipeline,
    report::Format,
    rule_check::check_examples,
    rules::{self, Rule, RuleError, RuleSpec, line_of},
    suppress::{Baseline, IgnoreFile, PathPatterns, Suppressions, ignore_file::IGNORE_FILE_NAME},
};

pub(crate) const CONFIG_FILE_NAME: &str = "keyhound.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigSpec {
    format: Option<Spanned<String>>,
    max_key_age_days: Option<u32>,
    #[serde(default = "yes")]
    builtin_suppression: bool,
    generic_entropy: Option<Spanned<f64>>,
    #[serde(default)]
    placeholder_words: Vec<String>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    enable_only: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    allow: AllowSpec,
    #[serde(default)]
    rules: Vec<Spanned<RuleSpec>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowSpec {
    #[serde(default)]
    paths: Vec<Spanned<String>>,
}

/// A rule id named in `disable` or `enable_only`, with its line for errors.
#[derive(Debug, Clone)]
struct RuleRef {
    id: String,
    line: usize,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The file this came from (`None`: no configuration file, all defaults).
    pub(crate) file: Option<PathBuf>,
    /// The default report format (`--format` wins).
    pub format: Option<Format>,
    /// Keys older than this many days should be rotated (used by `--max-key-age`).
    pub(crate) max_key_age_days: Option<u32>,
    /// Built-in suppression of lock files, vendored code, UUIDs, digests... (on by default).
    pub(crate) builtin_suppression: bool,
    /// Replaces the minimum entropy of every generic rule.
    pub(crate) generic_entropy: Option<f64>,
    pub(crate) placeholder_words: Vec<String>,
    /// `[allow] paths`: gitignore-style patterns relative to the scan root, with lines.
    pub(crate) allow_paths: Vec<(usize, String)>,
    pub(crate) custom_rules: Vec<Rule>,
    disable: Vec<RuleRef>,
    enable_only: Option<Vec<RuleRef>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            file: None,
            format: None,
            max_key_age_days: None,
            builtin_suppression: true,
            generic_entropy: None,
            placeholder_words: Vec::new(),
            allow_paths: Vec::new(),
            custom_rules: Vec::new(),
            disable: Vec::new(),
            enable_only: None,
        }
    }
}

impl Config {
    /// Parses a configuration; `file` is the name used in errors.
    pub fn parse(file: &str, text: &str) -> Result<Config, RuleError> {
        let error = |line: usize, message: String| RuleError { file: file.into(), line, message };
        let spec: ConfigSpec = toml::from_str(text).map_err(|err| {
            let line = err.span().map_or(1, |span| line_of(text, span.start));
            error(line, err.message().lines().next().unwrap_or("invalid TOML").trim().into())
        })?;
        let at = |span: std::ops::Range<usize>| line_of(text, span.start);
        let format = spec
            .format
            .map(|name| {
                Format::from_str(name.get_ref(), true).map_err(|_| {
                    let known: Vec<String> = Format::value_variants()
                        .iter()
                        .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
                        .collect();
                    error(
                        at(name.span()),
                        format!(
                            "unknown format `{}` (expected one of: {})",
                            name.get_ref(),
                            known.join(", ")
                        ),
                    )
                })
            })
            .transpose()?;
        let generic_entropy = spec
            .generic_entropy
            .map(|value| match *value.get_ref() {
                bits if (0.0..=8.0).contains(&bits) => Ok(bits),
                bits => Err(error(
                    at(value.span()),
                    format!("generic_entropy {bits} is out of range (expected 0.0 to 8.0 bits per character)"),
                )),
            })
            .transpose()?;
        let refs = |ids: Vec<Spanned<String>>| -> Vec<RuleRef> {
            ids.into_iter().map(|id| RuleRef { line: at(id.span()), id: id.into_inner() }).collect()
        };
        let custom_rules = rules::resolve_rule_specs(file, text, spec.rules)?;
        Ok(Config {
            file: Some(PathBuf::from(file)),
            format,
            max_key_age_days: spec.max_key_age_days,
            builtin_suppression: spec.builtin_suppression,
            generic_entropy,
            placeholder_words: spec.placeholder_words,
            allow_paths: spec
                .allow
                .paths
                .into_iter()
                .map(|p| (at(p.span()), p.into_inner()))
                .collect(),
            custom_rules,
            disable: refs(spec.disable),
            enable_only: spec.enable_only.map(refs),
        })
    }

    /// `max_key_age_days`, in the unit `--max-key-age` takes.
    pub fn max_key_age(&self) -> Option<u64> {
        self.max_key_age_days.map(u64::from)
    }

    pub(crate) fn load(path: &Path) -> Result<Config, RuleError> {
        let (name, text) = rules::read_text(path, "configuration")?;
        Config::parse(&name, &text)
    }

    /// The explicit file if given, else `keyhound.toml` in the scan root's directory, else
    /// the defaults.
    pub(crate) fn for_scan(scan_root: &Path, explicit: Option<&Path>) -> Result<Config, RuleError> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        let candidate = scan_dir(scan_root).join(CONFIG_FILE_NAME);
        if candidate.is_file() { Config::load(&candidate) } else { Ok(Config::default()) }
    }

    /// The engine's value filter: the configured placeholder words, and the built-in
    /// rejection of generic look-alikes unless built-in suppression is off.
    pub(crate) fn value_filter(&self) -> ValueFilter {
        ValueFilter::new(self.placeholder_words.iter().cloned(), self.builtin_suppression)
    }

    /// The built-in rules plus the custom ones (whose examples must pass), narrowed by
    /// `enable_only` and `disable`, with the generic entropy threshold applied.
    pub(crate) fn rules(&self) -> Result<Vec<Rule>, RuleError> {
        let mut all = rules::builtin_rules()?;
        all.extend(self.custom_rules.iter().cloned());
        rules::check_unique_ids(&all)?;
        let known: HashSet<&str> = all.iter().map(|rule| rule.id.as_str()).collect();
        let file = self.file_name();
        for reference in self.disable.iter().chain(self.enable_only.iter().flatten()) {
            if !known.contains(reference.id.as_str()) {
                return Err(RuleError {
                    file: file.clone(),
                    line: reference.line,
                    message: format!(
                        "unknown rule id `{}` (`keyhound rules` lists the rule ids)",
                        reference.id
                    ),
                });
            }
        }
        let disabled: HashSet<&str> = self.disable.iter().map(|r| r.id.as_str()).collect();
        let only: Option<HashSet<&str>> =
            self.enable_only.as_ref().map(|ids| ids.iter().map(|r| r.id.as_str()).collect());
        let mut selected: Vec<Rule> = all
            .into_iter()
            .filter(|rule| only.as_ref().is_none_or(|ids| ids.contains(rule.id.as_str())))
            .filter(|rule| !disabled.contains(rule.id.as_str()))
            .collect();
        if let Some(bits) = self.generic_entropy {
            for rule in selected.iter_mut().filter(|rule| rule.generic) {
                rule.entropy = Some(bits);
            }
        }
        // Against the rules that will run: a disabled rule cannot steal an example's match.
        self.check_custom_examples(&selected)?;
        Ok(selected)
    }

    /// The pipeline a scan runs: the configured rules and value filter, and `suppressions`.
    pub(crate) fn pipeline(&self, suppressions: Suppressions) -> Result<Pipeline, RuleError> {
        let engine = Engine::new(self.rules()?, self.value_filter())?;
        Ok(Pipeline::new(engine, suppressions))
    }

    /// Suppressions for a scan of `scan_root`: the configured built-in switch and path
    /// allowlist, the ignore file (explicit, or `.keyhoundignore` at the scan root or the
    /// repository root), and the baseline if one is given.
    pub(crate) fn suppressions(
        &self,
        scan_root: &Path,
        ignore_file: Option<&Path>,
        baseline: Option<&Path>,
    ) -> Result<Suppressions> {
        let mut suppressions = Suppressions::new(self.builtin_suppression);
        let dir = scan_dir(scan_root);
        if !self.allow_paths.is_empty() {
            let patterns = self.allow_paths.iter().map(|(line, p)| (*line, p.as_str()));
            suppressions.add_path_patterns(PathPatterns::new(
                &self.file_name(),
                &dir,
                "",
                patterns,
            )?);
        }
        let ignore = match ignore_file {
            Some(path) => Some(IgnoreFile::load(path, &dir, "")?),
            None => match find_ignore_file(&dir) {
                Some((path, root, prefix)) => Some(IgnoreFile::load(&path, &root, &prefix)?),
                None => None,
            },
        };
        if let Some(ignore) = ignore {
            suppressions.add_ignore_file(ignore);
        }
        if let Some(path) = baseline {
            suppressions.set_baseline(Baseline::load(path)?);
        }
        Ok(suppressions)
    }

    fn file_name(&self) -> String {
        self.file.as_ref().map_or_else(|| CONFIG_FILE_NAME.into(), |f| f.display().to_string())
    }

    fn check_custom_examples(&self, all: &[Rule]) -> Result<(), RuleError> {
        if self.custom_rules.is_empty() {
            return Ok(());
        }
        let engine = Engine::new(all.to_vec(), self.value_filter())?;
        let pipeline = Pipeline::new(engine, Suppressions::new(self.builtin_suppression));
        let ids: HashSet<String> = self
            .custom_rules
            .iter()
            .filter(|custom| all.iter().any(|rule| rule.id == custom.id))
            .map(|r| r.id.clone())
            .collect();
        let failures = check_examples(&pipeline, Some(&ids));
        match failures.first() {
            None => Ok(()),
            Some(first) => Err(RuleError {
                file: first.file.clone(),
                line: first.line,
                message: format!(
                    "rule `{}`: {}{}",
                    first.rule_id,
                    first.message,
                    match failures.len() {
                        1 => String::new(),
                        n => format!(" (and {} more example failure(s))", n - 1),
                    }
                ),
            }),
        }
    }
}

/// The directory a scan's configuration and ignore file live in: the root itself, or the
/// directory of a file root, or the working directory for standard input.
pub(crate) fn scan_dir(scan_root: &Path) -> PathBuf {
    if scan_root == Path::new("-") {
        return PathBuf::from(".");
    }
    if scan_root.is_file() {
        return match scan_root.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
    }
    scan_root.to_path_buf()
}

/// `.keyhoundignore` in `dir`, else in the enclosing repository's root (with `dir`'s place
/// below it as the prefix of scanned paths).
fn find_ignore_file(dir: &Path) -> Option<(PathBuf, PathBuf, String)> {
    let here = dir.join(IGNORE_FILE_NAME);
    if here.is_file() {
        return Some((here, dir.to_path_buf(), String::new()));
    }
    let absolute = std::fs::canonicalize(dir).ok()?;
    let repository = absolute.ancestors().find(|a| a.join(".git").exists())?;
    let file = repository.join(IGNORE_FILE_NAME);
    let prefix = absolute.strip_prefix(repository).ok()?.to_string_lossy().replace('\\', "/");
    file.is_file().then(|| (file, repository.to_path_buf(), prefix))
}

/// `keyhound init`: a commented starter configuration.
pub(crate) const STARTER_CONFIG: &str = include_str!("config/starter.toml");

/// Writes the starter configuration into `dir`, refusing to overwrite an existing file.
/// Returns the path written.
pub fn write_starter(dir: &Path) -> Result<PathBuf> {
    use std::io::Write;
    let path = &dir.join(CONFIG_FILE_NAME);
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).open(path).with_context(|| {
            match path.exists() {
                true => format!("{} already exists; not overwriting it", path.display()),
                false => format!("cannot create {}", path.display()),
            }
        })?;
    file.write_all(STARTER_CONFIG.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path.clone())
}

#[cfg(test)]
mod tests;
