//! keyhound: finds leaked credentials in working trees and git histories.
//!
//! Data flows one way, and the modules are layered the same way (a module uses only those
//! below it; `tests/layers.rs` keeps it so): [`model`] → [`rules`] → [`finding`] →
//! [`classify`] → [`engine`] → [`checks`], [`suppress`] → [`pipeline`] → [`sources`] → [`run`]
//! → [`report`] → [`cli`] (the arguments `main.rs` parses).

pub mod checks;
pub mod checksum;
pub mod classify;
pub mod cli;
pub mod config;
pub(crate) mod decode;
pub(crate) mod diagnostics;
pub mod engine;
pub(crate) mod entropy;
pub mod explain;
pub mod exposure;
pub mod fake;
pub mod finding;
pub mod git;
pub mod hook;
pub mod input;
pub mod model;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod rule_check;
pub mod rules;
pub mod run;
pub mod sources;
pub mod suppress;
pub mod validate;
