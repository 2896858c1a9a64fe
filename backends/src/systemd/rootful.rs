//! What rootless Podman cannot run: a host port below 1024 (`net.ipv4.ip_unprivileged_port_start`
//! defaults to 1024) or a mount of the Docker/Podman socket (owned by root). Such units are
//! generated for a rootful install: each reason is a loss entry (recorded by the plan) and the
//! README says so first.

use stackc_compiler::diag::Span;
use stackc_compiler::ir::{MountKind, Runtime, Stack, SystemdFlavour};

use super::Emitter;

/// Sockets of container engines, which only root can use.
const ENGINE_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/var/run/podman/podman.sock",
];

/// One reason the units need root: the service, what, where.
pub struct Reason {
    pub service: usize,
    pub what: String,
    pub span: Span,
}

/// Why rootless Podman cannot run the stack's units; empty for docker units (always rootful).
pub fn reasons(stack: &Stack, flavour: SystemdFlavour, runtime: Runtime) -> Vec<Reason> {
    if flavour == SystemdFlavour::Units && runtime == Runtime::Docker {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, svc) in stack.services.iter().enumerate() {
        for p in &svc.ports {
            if p.is_published() && p.host_port != 0 && p.host_port < 1024 {
                out.push(Reason {
                    service: i,
                    what: format!("host port {} is below 1024", p.host_port),
                    span: p.span,
                });
            }
        }
        for m in &svc.mounts {
            if let MountKind::Bind(src) = &m.kind
                && ENGINE_SOCKETS.contains(&src.value.as_str())
            {
                out.push(Reason {
                    service: i,
                    what: format!("it mounts the engine socket `{}`", src.value),
                    span: m.span,
                });
            }
        }
    }
    out
}

/// The README's note, `None` when rootless works.
pub fn readme_note(e: &Emitter, reasons: &[Reason]) -> Option<String> {
    if reasons.is_empty() {
        return None;
    }
    let mut t = String::from(
        "\n**Install rootful.** These units need root, so use the rootful commands below:\n\n",
    );
    for r in reasons {
        t.push_str(&format!(
            "- `{}`: {}\n",
            e.stack.services[r.service].name.value, r.what
        ));
    }
    Some(t)
}
