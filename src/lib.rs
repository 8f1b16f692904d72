//! keyhound: finds leaked credentials in working trees and git histories.
//!
//! Data flows one way: sources (files, stdin, git) → [`engine`] → [`finding`]s → reporters.

pub mod checks;
pub mod checksum;
pub mod config;
pub mod diagnostics;
pub mod engine;
pub mod entropy;
pub mod explain;
pub mod exposure;
pub mod fake;
pub mod finding;
pub mod git;
pub mod hook;
pub mod input;
pub mod placeholder;
pub mod progress;
pub mod report;
pub mod rule_check;
pub mod rules;
pub mod sources;
pub mod suppress;
pub mod validate;
