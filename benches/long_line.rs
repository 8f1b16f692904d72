//! One 25 MB line (the default --max-file-size) of each shape that once made the line-level
//! checks quadratic, scanned through the whole pipeline as the working-tree walk scans a
//! file. Target: under 2 s each on the project's 2-core machine. Run with
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

#[divan::bench(args = HOSTILE_LINE_SHAPES, sample_count = 3, sample_size = 1)]
fn one_25_mb_line(bencher: Bencher, shape: &str) {
    let line = shape.repeat(LINE_BYTES / shape.len()).into_bytes();
    let mut scanner = pipeline().scanner();
    bencher
        .counter(BytesCount::new(line.len()))
        .bench_local(|| scanner.scan("bundle.min.js", &line, Tracking::Committed).len());
}
