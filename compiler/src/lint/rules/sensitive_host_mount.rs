//! A bind mount of a sensitive host path.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a bind mount of a sensitive host path: `/`, `/etc`, `/proc`, `/sys`, `/boot`,
    /// `/root`, `/dev`, the Docker and containerd sockets (`/var/run/docker.sock`,
    /// `/run/containerd`), `/var/lib/docker`, `/var/lib/kubelet`, or a path below them.
    ///
    /// ## Why is this bad?
    /// The container can read host secrets (`/etc/shadow`, `/root/.ssh`) or take the host over:
    /// write access to `/etc` or `/boot` persists code across reboots, and the Docker socket is
    /// root on the host, even when mounted read-only.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: ghcr.io/acme/agent:1.0.0
    ///     volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: ghcr.io/acme/agent:1.0.0
    ///     # talk to a socket proxy that allows only the calls the agent needs
    ///     env: { DOCKER_HOST: "tcp://${services.docker_proxy.host}:2375" }
    /// ```
    pub struct SensitiveHostMount;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "bind mount of a sensitive host path",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security", "storage"],
    requires: None,
};

/// Sensitive host paths (and everything below them).
const SENSITIVE: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/root",
    "/dev",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd",
    "/var/run/containerd",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/kubelet",
    "/run/podman",
    "/var/run/crio",
];

/// The sensitive path that `source` is or lies under.
fn sensitive(source: &str) -> Option<&'static str> {
    let s = source.trim_end_matches('/');
    if s.is_empty() {
        return Some("/");
    }
    SENSITIVE
        .iter()
        .copied()
        .find(|p| s == *p || s.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
}

impl SensitiveHostMount {
    fn mount(svc: &Service, source: &str, what: &str, span: Span) -> Violation {
        Violation::new(format!("`{}` bind-mounts the sensitive host path `{source}`", svc.name.value), span, format!("gives the container `{what}`"))
            .help("mount only what the service needs from the project directory, or use a named volume; for Docker access use a socket proxy that allows only the needed calls")
    }
}

/// Reports sensitive bind mounts.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for m in &svc.mounts {
            let MountKind::Bind(src) = &m.kind else {
                continue;
            };
            if !src.value.starts_with('/') {
                continue;
            }
            if let Some(what) = sensitive(&src.value) {
                out.push(
                    SensitiveHostMount::mount(svc, &src.value, what, m.span)
                        .in_service(id, format!("volumes.{}", m.target.value)),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "project paths and harmless absolute paths",
        "
        stack: t
        services:
          a:
            image: ghcr.io/acme/a:1.0.0
            volumes: ['./src:/app/src', '/srv/media:/media:ro', '/etcetera:/x']
        ",
    ),
    Case::fail(
        "docker socket, /etc file, root",
        "
        stack: t
        services:
          a:
            image: ghcr.io/acme/a:1.0.0
            volumes:
              - /var/run/docker.sock:/var/run/docker.sock
              - { bind: /etc/shadow, target: /shadow, read_only: true }
              - /:/host
        ",
        &["6:9 error", "7:9 error", "8:9 error"],
    ),
];
