//! Standard input as one file named `-`.

use std::io::Read;

use anyhow::Context;

use crate::{
    engine::Engine,
    finding::Finding,
    sources::{Tracking, scan_content},
};

pub fn scan_stdin(engine: &Engine, max_size: u64) -> anyhow::Result<Vec<Finding>> {
    let mut content = Vec::new();
    std::io::stdin()
        .take(max_size.saturating_add(1))
        .read_to_end(&mut content)
        .context("cannot read standard input")?;
    if content.len() as u64 > max_size {
        anyhow::bail!("standard input is larger than --max-file-size ({max_size} bytes)");
    }
    Ok(scan_content(&mut engine.scanner(), "-", &content, Tracking::NoRepository))
}
