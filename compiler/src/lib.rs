//! stackc's compiler: frontends, IR, validator and lint engine.

pub mod lint;
