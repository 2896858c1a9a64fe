//! stackc's compiler: frontends, IR, validator and lint engine.
//!
//! One direction: `syntax` → `resolve` (names, references, environment overlay) → `ir` →
//! `valid` (proof for the backends) → `lint`. No module reaches backwards.

pub mod diag;
pub mod front;
pub mod ir;
pub mod knowledge;
pub mod lint;
pub mod load;
pub mod pipeline;
pub mod resolve;
pub mod schedule;
pub mod schema;
pub mod syntax;
pub mod target;
pub mod valid;
