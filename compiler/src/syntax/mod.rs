//! Syntax: YAML text to the spanned spec types, and YAML out. serde-saphyr stays behind this
//! module's functions so it can be replaced.

pub mod emit;
pub mod forms;
pub mod keywords;
pub mod parse;
pub mod sp;
pub mod spec;

pub use parse::{ParseOptions, parse_spec};
pub use sp::Sp;
