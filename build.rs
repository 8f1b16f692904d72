//! Embeds every `rules/*.toml` file into the binary, so adding a provider is adding a file,
//! and analyses each built-in rule's regex once, here, instead of at every start (see
//! `src/engine/analysis.rs`).

use std::{collections::BTreeMap, env, fs, path::Path};

#[allow(dead_code)]
#[path = "src/engine/literals.rs"]
mod literals;

#[allow(dead_code)]
#[path = "src/engine/analysis.rs"]
mod analysis;

fn main() {
    let rules_dir = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=src/engine/literals.rs");
    println!("cargo:rerun-if-changed=src/engine/analysis.rs");
    let mut files: Vec<_> = fs::read_dir(rules_dir)
        .expect("rules/ directory")
        .map(|entry| entry.expect("rules/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut source = String::from("pub(crate) static BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n");
    let mut analyses = BTreeMap::new();
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().expect("rule file name").to_string_lossy();
        // Relative to the manifest, so two checkouts sharing a target directory each embed
        // their own files.
        source.push_str(&format!(
            "    ({:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/{name}\"))),\n",
            format!("rules/{name}")
        ));
        let text = fs::read_to_string(path).expect("read a rules file");
        for pattern in regexes(&text) {
            // A regex that does not parse is left to the loader, which names its line.
            if let Ok(found) = analysis::analyse(&pattern) {
                analyses.insert(pattern, found);
            }
        }
    }
    source.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).to_path_buf();
    fs::write(out.join("builtin_rules.rs"), source).expect("write builtin_rules.rs");
    let mut built = String::from("pub static BUILT_ANALYSES: &[(&str, BuiltAnalysis)] = &[\n");
    for (pattern, found) in &analyses {
        built.push_str(&format!("    ({pattern:?}, {}),\n", found.to_rust()));
    }
    built.push_str("];\n");
    fs::write(out.join("regex_analyses.rs"), built).expect("write regex_analyses.rs");
}

/// The `regex` of every `[[rules]]` entry of a rules file; a file that does not parse has
/// none here (the loader reports it).
fn regexes(text: &str) -> Vec<String> {
    let Ok(table) = text.parse::<toml::Table>() else { return Vec::new() };
    let Some(toml::Value::Array(rules)) = table.get("rules") else { return Vec::new() };
    rules
        .iter()
        .filter_map(|rule| rule.get("regex")?.as_str().map(str::to_string))
        .filter(|pattern| !pattern.is_empty())
        .collect()
}
