//! Embeds every `rules/*.toml` file into the binary, so adding a provider is adding a file.

use std::{env, fs, path::Path};

fn main() {
    let rules_dir = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files: Vec<_> = fs::read_dir(rules_dir)
        .expect("rules/ directory")
        .map(|entry| entry.expect("rules/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut source = String::from("pub static BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let absolute = fs::canonicalize(path).expect("rule file path");
        source.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            path.display().to_string(),
            absolute.display().to_string()
        ));
    }
    source.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_rules.rs");
    fs::write(out, source).expect("write builtin_rules.rs");
}
