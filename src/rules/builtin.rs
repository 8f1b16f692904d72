//! The rule files embedded at build time (see `build.rs`).

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
