//! Shared building blocks of the lint rules.

pub mod database;
pub mod eol;
pub mod image_ref;
pub mod image_tools;
pub mod images;
pub mod origin;
pub mod ports;
pub mod secrets;
pub mod shell;
pub mod values;
