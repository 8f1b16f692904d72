//! Engine throughput on real source code (the crates in cargo's registry cache), against the
//! classic design measured in `docs/engine-design.md`: every rule's regex
//! run over the whole input. Run with `cargo bench --bench engine`.
//!
//! `keyhound_engine_and_decoder` is all the matching a scan does: the engine, then the engine
//! again on every base64 or hex run that decodes to text. `startup_rules_loaded_first_file_scanned`
//! is what a pre-commit hook waits for before its first finding.

use std::{fs, path::PathBuf, sync::OnceLock};

use divan::{Bencher, counter::BytesCount};
use keyhound::{classify::ValueFilter, engine::Engine, pipeline::Pipeline, rules};
use regex_automata::{meta::Regex, util::syntax};

const CORPUS_BYTES: usize = 32 << 20;
/// The per-rule baseline is ~100x slower; a smaller slice keeps the run short.
const BASELINE_BYTES: usize = 2 << 20;

fn main() {
    divan::main();
}

fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
        let mut files = Vec::new();
        let mut total = 0;
        let mut stack = vec![home.join("registry").join("src")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else { continue };
            let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    stack.push(path);
                } else if total < CORPUS_BYTES
                    && path.extension().is_some_and(|e| e == "rs" || e == "md" || e == "toml")
                    && let Ok(content) = fs::read(&path)
                {
                    total += content.len();
                    files.push(content);
                }
            }
        }
        assert!(total > 0, "no source files under cargo's registry cache");
        // scripts/bench-engine.sh reads this to count instructions per byte.
        eprintln!("corpus: {} files, {total} bytes", files.len());
        files
    })
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::new(rules::builtin_rules().unwrap(), ValueFilter::standard()).unwrap()
    })
}

#[divan::bench(sample_count = 30)]
fn keyhound_engine(bencher: Bencher) {
    let files = corpus();
    let bytes: usize = files.iter().map(Vec::len).sum();
    // One scanner for every file, as each walker thread keeps one: its regex caches warm up
    // once, not per file.
    let mut scanner = engine().scanner();
    bencher
        .counter(BytesCount::new(bytes))
        .bench_local(|| files.iter().map(|f| scanner.scan(f).len()).sum::<usize>());
}

#[divan::bench(sample_count = 30)]
fn keyhound_engine_and_decoder(bencher: Bencher) {
    let files = corpus();
    let bytes: usize = files.iter().map(Vec::len).sum();
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    let pipeline = PIPELINE.get_or_init(|| {
        Pipeline::builtin(
            Engine::new(rules::builtin_rules().unwrap(), ValueFilter::standard()).unwrap(),
        )
    });
    let mut scanner = pipeline.scanner();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        files
            .iter()
            .map(|f| {
                let (found, decoded) = scanner.matches_and_decoded(f);
                found.len() + decoded.len()
            })
            .sum::<usize>()
    });
}

#[divan::bench(sample_count = 3)]
fn baseline_every_rule_over_every_file(bencher: Bencher) {
    let mut slice = Vec::new();
    for file in corpus() {
        if slice.iter().map(Vec::len).sum::<usize>() >= BASELINE_BYTES {
            break;
        }
        slice.push(file.clone());
    }
    let bytes: usize = slice.iter().map(Vec::len).sum();
    let regexes: Vec<Regex> = engine()
        .rules()
        .iter()
        .map(|rule| {
            Regex::builder()
                .syntax(syntax::Config::new().unicode(false).utf8(false))
                .build(&rule.regex)
                .unwrap()
        })
        .collect();
    bencher.counter(BytesCount::new(bytes)).bench(|| {
        let mut found = 0;
        for file in &slice {
            for regex in &regexes {
                found += regex.find_iter(file.as_slice()).count();
            }
        }
        found
    });
}

#[divan::bench(sample_count = 10)]
fn startup_load_and_compile_rules() -> Engine {
    Engine::new(rules::builtin_rules().unwrap(), ValueFilter::standard()).unwrap()
}

/// Rules parsed, the engine built, and one source file scanned with the decoder, as a
/// pre-commit hook on one staged file does (the first hits build their rules' regexes).
#[divan::bench(sample_count = 20)]
fn startup_rules_loaded_first_file_scanned() -> usize {
    let file = &corpus()[0];
    let engine = Engine::new(rules::builtin_rules().unwrap(), ValueFilter::standard()).unwrap();
    let pipeline = Pipeline::builtin(engine);
    let (found, decoded) = pipeline.scanner().matches_and_decoded(file);
    found.len() + decoded.len()
}
