//! Standard input, or a FIFO given as the scan path (`keyhound scan <(cat f)`): one stream,
//! read to its end (within `--max-file-size`) and scanned as one file.

use std::io::Read;

use anyhow::Context;

use crate::{
    finding::Finding,
    model::{Location, Tracking},
    pipeline::Pipeline,
};

pub(crate) fn scan_stdin(pipeline: &Pipeline, max_size: u64) -> anyhow::Result<Vec<Finding>> {
    let stdin = std::io::stdin().lock();
    scan_as(pipeline, stdin, &Location::Stdin, "standard input", max_size)
}

/// Scans everything `stream` holds as one file named `name`; `what` names it in errors.
pub(crate) fn scan_stream(
    pipeline: &Pipeline,
    stream: impl Read,
    name: &str,
    what: &str,
    max_size: u64,
) -> anyhow::Result<Vec<Finding>> {
    scan_as(pipeline, stream, &Location::file(name), what, max_size)
}

fn scan_as(
    pipeline: &Pipeline,
    stream: impl Read,
    location: &Location,
    what: &str,
    max_size: u64,
) -> anyhow::Result<Vec<Finding>> {
    let mut content = Vec::new();
    stream
        .take(max_size.saturating_add(1))
        .read_to_end(&mut content)
        .with_context(|| format!("cannot read {what}"))?;
    if content.len() as u64 > max_size {
        anyhow::bail!("{what} is larger than --max-file-size ({max_size} bytes)");
    }
    Ok(pipeline.scanner().scan_at(location, &content, Tracking::NoRepository))
}
