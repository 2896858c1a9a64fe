//! Shared building blocks of the lint rules.

pub mod database;
pub mod image_ref;
pub mod images;
pub mod ports;
pub mod secrets;
pub mod shell;
pub mod values;
