//! Shared building blocks of the lint rules. Knowledge that frontends and backends use too
//! (secret detection, image references and well-known images) lives in [`crate::knowledge`].

pub mod database;
pub mod eol;
pub mod image_tools;
pub mod origin;
pub mod ports;
pub mod shell;
pub mod values;

pub use crate::knowledge::{image_ref, images, secrets};
