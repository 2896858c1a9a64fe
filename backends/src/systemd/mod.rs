//! systemd backend: Podman Quadlet files and plain units.

pub mod ini;
pub mod quadlet_keys;
