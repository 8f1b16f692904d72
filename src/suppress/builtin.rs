//! Built-in suppression, on by default: the noise every repository has and no user should have
//! to configure away. It only ever silences *generic* rules (a value recognised by context such
//! as `secret = "..."`): a provider rule (`ghp_...`) is specific enough to trust anywhere.

/// Dependency lock files: full of hashes and integrity digests, never hand-written secrets.
const LOCK_FILES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "poetry.lock",
    "Pipfile.lock",
    "pdm.lock",
    "uv.lock",
    "go.sum",
    "Gemfile.lock",
    "composer.lock",
    "mix.lock",
    "Podfile.lock",
    "Package.resolved",
    "pubspec.lock",
    "flake.lock",
    "packages.lock.json",
    "gradle.lockfile",
    "conan.lock",
    // keyhound's own files list fingerprints and secret hashes.
    ".keyhound-baseline.json",
    ".keyhoundignore",
];

/// Directories of vendored third-party code.
const VENDOR_DIRS: &[&str] =
    &["vendor", "node_modules", "third_party", "third-party", ".yarn", "bower_components"];

/// Generated files: minified bundles and source maps are one huge line of identifiers.
const GENERATED_SUFFIXES: &[&str] = &[".min.js", ".min.css", ".js.map", ".css.map", ".lock"];

/// Whether generic rules are skipped in `path` (lock files, vendored and generated code).
/// [`skips_generic_rules`] for a file at `path`, or for every file under the directory `path`.
pub(crate) fn skips_generic_rules_under(path: &str, is_dir: bool) -> bool {
    if is_dir { skips_generic_rules(&format!("{path}/_")) } else { skips_generic_rules(path) }
}

pub(crate) fn skips_generic_rules(path: &str) -> bool {
    let mut components = path.split('/');
    let name = components.next_back().unwrap_or(path);
    LOCK_FILES.contains(&name)
        || GENERATED_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
        || path.split('/').rev().skip(1).any(|dir| VENDOR_DIRS.contains(&dir))
}

/// Directories and file names that hold tests and their fixtures.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "spec",
    "specs",
    "__tests__",
    "__mocks__",
    "__fixtures__",
    "fixtures",
    "testdata",
    "test-data",
    "test_data",
    "mocks",
];

pub(crate) fn is_test_path(path: &str) -> bool {
    let mut parts = path.split('/');
    let name = parts.next_back().unwrap_or(path).to_ascii_lowercase();
    let stem = name.split('.').next().unwrap_or(&name);
    parts.any(|dir| TEST_DIRS.contains(&dir.to_ascii_lowercase().as_str()))
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_spec")
        || name.contains(".test.")
        || name.contains(".spec.")
}

/// Words that in a test file's value say "this is not a real credential".
const TEST_FAKE_WORDS: &[&str] =
    &["test", "mock", "stub", "fixture", "bogus", "invalid", "foobar", "dontuse", "do_not_use"];

/// A generic match in a test file whose value says it is a fake (`secret = "test-secret-1"`).
pub(crate) fn is_test_fake(path: &str, secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    TEST_FAKE_WORDS.iter().any(|word| memchr::memmem::find(&lower, word.as_bytes()).is_some())
        && is_test_path(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_vendored_and_generated_code_skip_generic_rules() {
        for path in [
            "Cargo.lock",
            "web/package-lock.json",
            "go.sum",
            "a/b/poetry.lock",
            "vendor/github.com/x/y.go",
            "web/node_modules/left-pad/index.js",
            "third_party/lib/config.py",
            ".yarn/cache/x.js",
            "dist/app.min.js",
        ] {
            assert!(skips_generic_rules(path), "{path}");
        }
        for path in ["src/config.py", "vendor.py", "docs/vendor-notes.md", "Cargo.toml"] {
            assert!(!skips_generic_rules(path), "{path}");
        }
    }

    #[test]
    fn test_fakes_only_in_test_paths() {
        assert!(is_test_fake("tests/auth_test.py", b"test-secret-value-1"));
        assert!(is_test_fake("src/login.spec.ts", b"mockPassword99"));
        assert!(is_test_fake("pkg/auth/auth_test.go", b"s3cr3t_for_testing"));
        assert!(!is_test_fake("src/app.py", b"test-secret-value-1"), "not a test path");
        assert!(!is_test_fake("tests/auth.py", b"Zx9qL2mT7vB4nK8w"), "no fake word");
    }
}
