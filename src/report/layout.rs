//! How the human-readable outputs (the text report, `explain`, `rules`) are laid out: wrapped
//! to a width with hanging indents, and the styles they use. Styles are always written; the
//! output stream ([`output_stream`]) drops them when colour is off (`--color`, `NO_COLOR`, not
//! a terminal).

use std::io::{self, IsTerminal, Write};

use anstyle::{AnsiColor, Style};

use crate::rules::{Rotation, Rule, Severity};

/// The width when the output is not a terminal (a pipe, a file, CI logs).
pub(crate) const DEFAULT_WIDTH: usize = 80;
/// Narrower terminals still get this much, so hanging indents leave room for words.
const MIN_WIDTH: usize = 40;

/// `--color`: when the human-readable outputs use colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    #[default]
    Auto,
    Always,
    Never,
}

impl From<ColorWhen> for anstream::ColorChoice {
    fn from(when: ColorWhen) -> Self {
        match when {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }
}

/// Columns to wrap to: the terminal's width on a terminal, else [`DEFAULT_WIDTH`].
pub(crate) fn width_of(
    stream: &impl IsTerminal,
    terminal_columns: impl FnOnce() -> Option<usize>,
) -> usize {
    // A terminal of unknown size (0 columns: a pty nobody sized) counts as not a terminal.
    let columns = if stream.is_terminal() { terminal_columns() } else { None };
    columns.filter(|&columns| columns > 0).unwrap_or(DEFAULT_WIDTH).max(MIN_WIDTH)
}

/// The width of standard output.
pub fn stdout_width() -> usize {
    let stdout = io::stdout();
    width_of(&stdout, || terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0)))
}

/// Standard output with `when`'s colour decision applied.
pub(crate) fn output_stream(when: ColorWhen) -> anstream::AutoStream<io::StdoutLock<'static>> {
    anstream::AutoStream::new(io::stdout().lock(), when.into())
}

/// A closed pipe (`keyhound rules | head`) is the reader being done, not an error.
pub fn ignore_broken_pipe(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

pub(crate) const HEADING: Style = Style::new().bold();
pub(crate) const LABEL: Style = Style::new().dimmed();
pub(crate) const ALERT: Style = AnsiColor::Red.on_default().bold();

pub(crate) fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => AnsiColor::Red.on_default().bold(),
        Severity::High => AnsiColor::Red.on_default(),
        Severity::Medium => AnsiColor::Yellow.on_default(),
        Severity::Low => AnsiColor::Cyan.on_default(),
    }
}

/// `text` wrapped to `width` after `indent` spaces and `label`, continuation lines aligned
/// under the text's first column; the label in `style`. Words (URLs, ids) are never split.
pub(crate) fn hanging(
    indent: usize,
    label: &str,
    style: Style,
    text: &str,
    width: usize,
) -> String {
    let lead = " ".repeat(indent + label.chars().count());
    let options = textwrap::Options::new(width.max(MIN_WIDTH))
        .initial_indent(&lead)
        .subsequent_indent(&lead)
        .break_words(false)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = String::new();
    for (n, line) in textwrap::wrap(text, options).iter().enumerate() {
        if n == 0 {
            let rest = line.strip_prefix(lead.as_str()).unwrap_or(line);
            out.push_str(&format!("{}{style}{label}{style:#}{rest}\n", " ".repeat(indent)));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if text.is_empty() {
        out.push_str(&format!("{}{style}{label}{style:#}\n", " ".repeat(indent)));
    }
    out
}

/// A rotation's steps, one wrapped paragraph each.
pub(crate) fn rotation(rotation: &Rotation, width: usize) -> String {
    rotation
        .steps()
        .into_iter()
        .map(|(label, text)| hanging(2, label, LABEL, text, width))
        .collect()
}

/// `keyhound rules`: id, provider, severity and name in aligned columns, names wrapped under
/// their column while it leaves them room.
pub fn rules_table(rules: &[Rule], width: usize) -> String {
    let column = |header: &str, cell: &dyn Fn(&Rule) -> usize| {
        rules.iter().map(cell).max().unwrap_or(0).max(header.len())
    };
    let id_width = column("RULE", &|r| r.id.chars().count());
    let provider_width = column("PROVIDER", &|r| r.provider.chars().count());
    let severity_width = column("SEVERITY", &|r| r.severity.as_str().len());
    let lead = id_width + provider_width + severity_width + 6;
    let mut out = format!(
        "{HEADING}{:<id_width$}  {:<provider_width$}  {:<severity_width$}  NAME{HEADING:#}\n",
        "RULE", "PROVIDER", "SEVERITY"
    );
    for rule in rules {
        let style = severity_style(rule.severity);
        let cells = format!(
            "{:<id_width$}  {:<provider_width$}  {style}{:<severity_width$}{style:#}  ",
            rule.id,
            rule.provider,
            rule.severity.as_str()
        );
        if width >= lead + 30 {
            let name = hanging(lead, "", Style::new(), &rule.name, width);
            out.push_str(&cells);
            out.push_str(name.trim_start_matches(' '));
        } else {
            out.push_str(&format!("{cells}{}\n", rule.name));
        }
    }
    out
}

/// Writes `text` to standard output with `when`'s colour decision, ignoring a closed pipe.
pub fn print_stdout(text: &str, when: ColorWhen) -> io::Result<()> {
    print(&mut output_stream(when), text)
}

/// Writes `text` and flushes, ignoring a closed pipe.
pub(crate) fn print(out: &mut dyn Write, text: &str) -> io::Result<()> {
    ignore_broken_pipe(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}
