//! Builds a synthetic source tree for whole-scan benchmarks: real source code (the crates in
//! cargo's registry cache, which every machine that built keyhound has), copied until the tree
//! reaches the requested size, with a few fake, format-valid tokens planted at known places.
//!
//! Usage: cargo run --release --example corpus -- OUT_DIR SIZE_MIB [SEED]
//! Prints the number of files, bytes and planted tokens; lists them in OUT_DIR.planted.tsv
//! (beside the tree, so the scan does not see the list).

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use keyhound::fake::FakeGen;

const SOURCE_EXTENSIONS: &[&str] =
    &["rs", "md", "toml", "json", "c", "h", "py", "js", "ts", "go", "java", "yml", "yaml", "txt"];
const MAX_SOURCE_FILE: u64 = 1 << 20;
/// One planted token per this many files: a realistic repository has very few secrets.
const PLANT_EVERY: usize = 2000;

const TEMPLATES: &[&str] = &[
    "GITHUB_TOKEN = \"{{crc32:ghp_}}\"\n",
    "aws_access_key_id = AKIA{{upper:16}}\n",
    "const stripe = \"sk_live_{{alnum:24}}\";\n",
    "SLACK_TOKEN=xoxb-{{digits:12}}-{{digits:12}}-{{alnum:24}}\n",
    "npm_token: {{crc32:npm_}}\n",
    "url = \"postgres://app:{{alnum:20}}@db.internal:5432/app\"\n",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: corpus OUT_DIR SIZE_MIB [SEED]");
        std::process::exit(2);
    }
    let out = PathBuf::from(&args[0]);
    let target_bytes = args[1].parse::<u64>().expect("SIZE_MIB is a number") << 20;
    let seed = args.get(2).map_or(1, |s| s.parse().expect("SEED is a number"));
    let sources = source_files();
    assert!(!sources.is_empty(), "no source files found under cargo's registry cache");
    let mut fake = FakeGen::new(seed);
    fs::create_dir_all(&out).expect("create OUT_DIR");
    let manifest = format!("{}.planted.tsv", out.display());
    let mut planted = fs::File::create(&manifest).expect("create the planted-token list");
    let (mut files, mut bytes, mut tokens) = (0usize, 0u64, 0usize);
    'copies: for copy in 0.. {
        for (relative, source) in &sources {
            if bytes >= target_bytes {
                break 'copies;
            }
            let mut content = fs::read(source).expect("read source file");
            let relative = Path::new(&format!("copy{copy:03}")).join(relative);
            if files % PLANT_EVERY == PLANT_EVERY - 1 {
                let template = TEMPLATES[tokens % TEMPLATES.len()];
                let line = fake.expand(template).expect("template expands");
                writeln!(planted, "{}\t{}", relative.display(), line.trim_end()).expect("write");
                content.extend_from_slice(line.as_bytes());
                tokens += 1;
            }
            let path = out.join(&relative);
            fs::create_dir_all(path.parent().expect("parent")).expect("create directories");
            fs::write(&path, &content).expect("write corpus file");
            bytes += content.len() as u64;
            files += 1;
        }
    }
    println!("{files} files, {} MiB, {tokens} planted tokens in {}", bytes >> 20, out.display());
}

/// (path relative to the registry cache, absolute path) of every text source file.
fn source_files() -> Vec<(PathBuf, PathBuf)> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let root = home.join("registry").join("src");
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if meta.len() <= MAX_SOURCE_FILE && has_source_extension(&path) {
                let relative = path.strip_prefix(&root).expect("under root").to_path_buf();
                found.push((relative, path));
            }
        }
    }
    found.sort();
    found
}

fn has_source_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| SOURCE_EXTENSIONS.contains(&e))
}
