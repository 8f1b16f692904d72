//! One 25 MB line (the default --max-file-size) of each shape that once made the line-level
//! checks quadratic, of a minified bundle and of base64, scanned through the whole pipeline as
//! the working-tree walk scans a file. Target: under 2 s each on the project's 2-core machine. Run with
//! `cargo bench --bench long_line`.

use std::sync::OnceLock;

use divan::{Bencher, counter::BytesCount};
use keyhound::{
    classify::ValueFilter, engine::Engine, fake::HOSTILE_LINE_SHAPES, model::Tracking,
    pipeline::Pipeline, rules,
};

const LINE_BYTES: usize = 25 << 20;

fn main() {
    divan::main();
}

fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        Pipeline::builtin(
            Engine::new(rules::builtin_rules().unwrap(), ValueFilter::standard()).unwrap(),
        )
    })
}

/// A minified bundle's statements: requests with headers and query strings, minified names.
const BUNDLE_UNIT: &str = concat!(
    r#"function u(e,t){return fetch(e+"?v="+t.v,{method:"POST",headers:{"Content-Type":"#,
    r#""application/json",Authorization:"Bearer "+t.token,"x-api-key":t.k},body:JSON."#,
    r#"stringify(t.b)}).then(function(r){return r.ok?r.json():Promise.reject(r.status)})}"#,
    r#"var a=Object.defineProperty,c=function(e){return e&&e.__esModule?e:{default:e}};"#,
);

#[divan::bench(args = HOSTILE_LINE_SHAPES, sample_count = 3, sample_size = 1)]
fn one_25_mb_line(bencher: Bencher, shape: &str) {
    scan_line(bencher, shape.repeat(LINE_BYTES / shape.len()).into_bytes());
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn one_25_mb_minified_bundle(bencher: Bencher) {
    scan_line(bencher, BUNDLE_UNIT.repeat(LINE_BYTES / BUNDLE_UNIT.len()).into_bytes());
}

/// Random base64 in one line, as a data URI or an inlined blob is written.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn one_25_mb_base64_line(bencher: Bencher) {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let line = (0..LINE_BYTES)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ALPHABET[(state >> 58) as usize]
        })
        .collect();
    scan_line(bencher, line);
}

fn scan_line(bencher: Bencher, line: Vec<u8>) {
    let mut scanner = pipeline().scanner();
    bencher
        .counter(BytesCount::new(line.len()))
        .bench_local(|| scanner.scan("bundle.min.js", &line, Tracking::Committed).len());
}
