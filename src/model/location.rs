//! Where scanned content comes from: a file, standard input, a commit message, a ref name or a
//! blob no commit reaches. Reports name a location by one string ([`Location::name`]); only a
//! file has a path that path rules (ignore files, `[allow] paths`, `.env` names) apply to.

use std::{borrow::Cow, cmp::Ordering, fmt};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Location {
    /// A file (or a blob at a path in history), relative to the scan root, `/`-separated.
    File(String),
    /// Standard input (or a FIFO given as the scan path).
    Stdin,
    /// A commit's message (the commit is in the finding's provenance).
    CommitMessage,
    /// A branch or tag name (the commit it names is in the finding's provenance).
    RefName,
    /// A blob no commit reaches (`--all-objects`), by its object id.
    UnreachableBlob(String),
}

impl Location {
    pub(crate) fn file(path: impl Into<String>) -> Self {
        Location::File(path.into())
    }

    /// The file's path; `None` for anything that is not a file.
    pub(crate) fn path(&self) -> Option<&str> {
        match self {
            Location::File(path) => Some(path),
            _ => None,
        }
    }

    /// How reports, fingerprints and baselines name the location: the path, `-` for standard
    /// input, `<commit message>`, `<ref name>`, `<blob:ID>`.
    pub(crate) fn name(&self) -> Cow<'_, str> {
        match self {
            Location::File(path) => Cow::Borrowed(path),
            Location::Stdin => Cow::Borrowed("-"),
            Location::CommitMessage => Cow::Borrowed("<commit message>"),
            Location::RefName => Cow::Borrowed("<ref name>"),
            Location::UnreachableBlob(id) => Cow::Owned(format!("<blob:{id}>")),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Reports list findings by their location's name, so every kind sorts among paths the way its
/// name does.
impl Ord for Location {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Location::File(a), Location::File(b)) => a.cmp(b),
            _ => self.name().cmp(&other.name()),
        }
    }
}

impl PartialOrd for Location {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_strings_reports_print() {
        assert_eq!(Location::file("a/b.py").name(), "a/b.py");
        assert_eq!(Location::Stdin.to_string(), "-");
        assert_eq!(Location::CommitMessage.name(), "<commit message>");
        assert_eq!(Location::RefName.name(), "<ref name>");
        assert_eq!(Location::UnreachableBlob("0123".into()).name(), "<blob:0123>");
    }

    #[test]
    fn only_files_have_paths() {
        assert_eq!(Location::file(".env").path(), Some(".env"));
        assert_eq!(Location::Stdin.path(), None);
        assert_eq!(Location::UnreachableBlob("ab".into()).path(), None);
    }

    #[test]
    fn locations_sort_by_name() {
        let mut locations = [
            Location::file("src/a.rs"),
            Location::UnreachableBlob("ff".into()),
            Location::file(".env"),
            Location::Stdin,
            Location::CommitMessage,
        ];
        locations.sort();
        let names: Vec<String> = locations.iter().map(Location::to_string).collect();
        assert_eq!(names, ["-", ".env", "<blob:ff>", "<commit message>", "src/a.rs"]);
    }
}
