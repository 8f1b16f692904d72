//! Live checks: does a found key still work? One request per unique secret to the
//! provider's identity or read-only endpoint, read the way an API answers: 2xx live, 401 not
//! accepted, 403 accepted but not permitted. Only `scan --validate`, `keyhound doctor` and
//! `keyhound revoke` get here; a plain scan never touches the network.
//!
//! Validators are data (the `[[validate]]` tables of `rules/*.toml`, read by [`catalog`]);
//! code covers what data cannot say: Signature V4 ([`sigv4`]), partner keys and
//! variables read from the finding's line ([`jobs`]).

pub(crate) mod answer;
pub(crate) mod catalog;
pub(crate) mod cli;
pub(crate) mod doctor;
mod http;
mod jobs;
mod pool;
pub(crate) mod recognise;
pub(crate) mod request;
pub(crate) mod revoke;
pub(crate) mod sigv4;

use std::time::Duration;

pub use crate::model::{Status, Validation};
pub use catalog::{Catalog, provider_id};

use crate::{diagnostics::Diagnostics, finding::Finding};

pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Requests in flight at once, across providers.
pub(crate) const MAX_CONCURRENT_REQUESTS: usize = 8;
/// The least time between two requests to one provider (a scan of a large history can hold
/// hundreds of one provider's keys; no provider should see a burst from us).
pub(crate) const MIN_INTERVAL_PER_PROVIDER: Duration = Duration::from_millis(200);

/// How validation runs.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) timeout: Duration,
    /// `--validator-url`: provider id → base URL replacing the validator's scheme and host.
    pub(crate) bases: Vec<(String, String)>,
    pub(crate) concurrency: usize,
    pub(crate) min_interval: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: DEFAULT_TIMEOUT,
            bases: Vec::new(),
            concurrency: MAX_CONCURRENT_REQUESTS,
            min_interval: MIN_INTERVAL_PER_PROVIDER,
        }
    }
}

impl Options {
    /// Options with `--validator-url PROVIDER=URL` values, each checked against the catalog
    /// and the HTTPS rule.
    pub(crate) fn with_bases(catalog: &Catalog, overrides: &[String]) -> Result<Options, String> {
        let mut bases = Vec::with_capacity(overrides.len());
        for text in overrides {
            let (provider, url) = text
                .split_once('=')
                .ok_or_else(|| format!("--validator-url `{text}`: expected PROVIDER=URL"))?;
            let provider = provider_id(provider);
            if !catalog.knows_provider(&provider) {
                return Err(format!(
                    "--validator-url: no validator for provider `{provider}` (the ids are the providers `keyhound rules` shows, in lower case: github, gitlab, ...)"
                ));
            }
            request::check_url(url).map_err(|err| format!("--validator-url {provider}: {err}"))?;
            bases.push((provider, url.to_string()));
        }
        Ok(Options { bases, ..Options::default() })
    }

    pub(crate) fn base_for(&self, provider_id: &str) -> Option<&str> {
        self.bases.iter().rev().find(|(p, _)| p == provider_id).map(|(_, url)| url.as_str())
    }
}

/// One validation per finding, in order. Findings without a validator are `unknown`.
/// Warns once (not per finding) when the network is unreachable.
pub(crate) fn validate(
    findings: &[Finding],
    catalog: &Catalog,
    options: &Options,
    diagnostics: &Diagnostics,
) -> Vec<Validation> {
    let plan = jobs::plan(findings, catalog, options);
    let client = http::Client::new(options.timeout);
    let results = pool::run(&plan.jobs, &client, options);
    if results.unreachable > 0 {
        diagnostics.warn(
            "--validate",
            format!(
                "network unreachable: {} key(s) could not be checked and are `unknown` (check the connection, or HTTPS_PROXY)",
                results.unreachable
            ),
        );
    }
    plan.assign(results.validations)
}
