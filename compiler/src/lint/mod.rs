//! Lint engine.

pub mod support;
