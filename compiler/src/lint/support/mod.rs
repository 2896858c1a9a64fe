//! Shared building blocks of the lint rules.

pub mod image_ref;
pub mod secrets;
