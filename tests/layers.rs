//! The crate's top-level modules form one-way layers: no module reaches, through `crate::`
//! paths, a module that reaches back. Read from the sources themselves, so a new `use` that
//! closes a cycle fails here, with the cycle named.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Rust files under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`None` for the crate roots).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// Source text with comments, string and char literals blanked, so `crate::` in a doc
/// comment or a string is not an edge.
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            i += end;
        } else if let Some(hashes) = raw_string_hashes(rest) {
            let close = format!("\"{}", "#".repeat(hashes));
            let body = rest.find('"').unwrap() + 1;
            let end = rest[body..].find(&close).map_or(rest.len(), |e| body + e + close.len());
            i += end;
        } else if bytes[i] == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            i = (j + 1).min(bytes.len());
        } else if bytes[i] == b'\'' && is_char_literal(&bytes[i..]) {
            let end = bytes[i + 1..].iter().position(|&b| b == b'\'').map_or(1, |p| p + 2);
            i += end;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        // What was skipped still separates the code around it.
        out.push(' ');
    }
    out
}

/// `r"`, `r#"`, `br##"`: the number of `#`s of a raw string starting here.
fn raw_string_hashes(rest: &str) -> Option<usize> {
    let after_prefix = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    let hashes = after_prefix.bytes().take_while(|&b| b == b'#').count();
    after_prefix[hashes..].starts_with('"').then_some(hashes)
}

/// `'a'`, `'\n'`, `'\''` rather than a lifetime `'a`.
fn is_char_literal(bytes: &[u8]) -> bool {
    match bytes {
        [b'\'', b'\\', ..] => true,
        [b'\'', _, b'\'', ..] => true,
        [b'\'', first, ..] if *first >= 0x80 => true,
        _ => false,
    }
}

/// The top-level modules `code` names after `crate::`, including inside `crate::{a, b::c}`.
fn crate_references(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `$crate::`, `my_crate::`
        }
        let trimmed = rest.trim_start();
        if let Some(group) = trimmed.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            let mut word = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                if depth == 1 && item_start && (c.is_alphanumeric() || c == '_') {
                    word.push(c);
                    continue;
                }
                if !word.is_empty() {
                    found.insert(std::mem::take(&mut word));
                    item_start = false;
                }
                if depth == 1 && c == ',' {
                    item_start = true;
                }
            }
            if !word.is_empty() {
                found.insert(word);
            }
        } else {
            let name: String =
                trimmed.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let Some(module) = module_of(&src, &file) else { continue };
        let code = code_only(&fs::read_to_string(&file).unwrap());
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(crate_references(&code).into_iter().filter(|target| *target != module));
    }
    graph
}

/// A cycle through `start`, if any, as the module path that closes it.
fn cycle_from(graph: &Graph, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((module, path)) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.to_string());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn top_level_modules_have_no_cycles() {
    let graph = graph();
    assert!(graph.contains_key("engine") && graph.contains_key("pipeline"), "{graph:?}");
    let cycles: Vec<String> =
        graph.keys().filter_map(|m| cycle_from(&graph, m)).map(|c| c.join(" -> ")).collect();
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_engine_knows_nothing_of_what_feeds_it_or_reads_its_matches() {
    let graph = graph();
    let forbidden = ["suppress", "checks", "pipeline", "sources", "run", "report", "config"];
    let mut reached = BTreeSet::new();
    let mut stack = vec!["engine".to_string()];
    while let Some(module) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if reached.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    let bad: Vec<&str> = forbidden.iter().copied().filter(|m| reached.contains(*m)).collect();
    assert!(bad.is_empty(), "the engine reaches {bad:?} (it reaches {reached:?})");
}

#[test]
fn references_are_read_from_code_only() {
    let code = code_only(
        "use crate::{a::B, c, d::{e, f}};\n// crate::g\nlet s = \"crate::h\"; crate::i::j();\n\
         let r = r#\"crate::k\"#; let c = '\"'; fn l<'a>(x: &'a str) { crate::m::n }",
    );
    let found: Vec<String> = crate_references(&code).into_iter().collect();
    assert_eq!(found, ["a", "c", "d", "i", "m"]);
}
