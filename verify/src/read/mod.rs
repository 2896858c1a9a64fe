//! One reader per target. Readers know the targets' file formats, never stackc's writers.

pub mod compose;
pub mod dockerfile;
pub mod k8s;
pub mod systemd;
