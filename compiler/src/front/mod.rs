//! Frontends other than the stack spec: they read another format into the same spec AST
//! ([`crate::syntax::spec::StackSpec`]), so resolution, lints and backends are shared.

pub mod compose;
