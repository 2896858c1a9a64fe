//! Which frontend a service came from, for rules and fixes whose wording or edit differs
//! between a stack spec and a compose file.

use crate::ir::Service;

/// Whether the service was read from a compose file: the compose frontend leaves security to the
/// runtime, recorded at the service's name (a spec's `defaults: runtime` is at its own value).
pub fn from_compose_file(svc: &Service) -> bool {
    svc.security.runtime_defaults == Some(svc.name.span)
}
