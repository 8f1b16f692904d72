//! Standard input as one file named `-`.

use std::io::Read;

use anyhow::Context;

use crate::{finding::Finding, model::Tracking, pipeline::Pipeline};

pub fn scan_stdin(pipeline: &Pipeline, max_size: u64) -> anyhow::Result<Vec<Finding>> {
    let mut content = Vec::new();
    std::io::stdin()
        .take(max_size.saturating_add(1))
        .read_to_end(&mut content)
        .context("cannot read standard input")?;
    if content.len() as u64 > max_size {
        anyhow::bail!("standard input is larger than --max-file-size ({max_size} bytes)");
    }
    Ok(pipeline.scanner().scan("-", &content, Tracking::NoRepository))
}
