//! A bind mount of a sensitive host path.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a bind mount of a sensitive host path: `/`, `/etc`, `/proc`, `/sys`, `/boot`,
    /// `/root`, `/dev`, the Docker and containerd sockets (`/var/run/docker.sock`,
    /// `/run/containerd`), `/var/lib/docker`, `/var/lib/kubelet`, or a path below them; and a
    /// writable bind mount of a host system path that is harmless read-only: `/lib/modules`,
    /// `/usr/src`, `/lib`, `/usr`, `/bin`, `/sbin` and what lies below them. The host's time
    /// zone (`/etc/localtime`, `/etc/timezone`) mounted read-only is fine.
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
/// Host system paths that are harmless to read (kernel modules for a monitoring agent, headers
/// for a driver build) but let a container that writes them change the host's kernel modules,
/// libraries or binaries.
const SENSITIVE_WHEN_WRITABLE: &[&str] = &[
    "/lib",
    "/lib64",
    "/lib32",
    "/usr",
    "/bin",
    "/sbin",
    "/opt/containerd",
];

/// Host files that containers commonly read for the host's time zone: harmless read-only.
const HARMLESS_READ_ONLY: &[&str] = &["/etc/localtime", "/etc/timezone"];

/// The entry of `table` that `source` is or lies under.
fn under(source: &str, table: &[&'static str]) -> Option<&'static str> {
    let s = source.trim_end_matches('/');
    table
        .iter()
        .copied()
        .find(|p| s == *p || s.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
}

fn sensitive(source: &str) -> Option<&'static str> {
    if source.trim_end_matches('/').is_empty() {
        return Some("/");
    }
    under(source, SENSITIVE)
}

impl SensitiveHostMount {
    fn mount(svc: &Service, source: &str, what: &str, span: Span) -> Violation {
        Violation::new(format!("`{}` bind-mounts the sensitive host path `{source}`", svc.name.value), span, format!("gives the container `{what}`"))
            .help("mount only what the service needs from the project directory, or use a named volume; for Docker access use a socket proxy that allows only the needed calls")
    }

    fn writable(svc: &Service, source: &str, what: &str, span: Span) -> Violation {
        Violation::new(format!("`{}` bind-mounts the host system path `{source}` writable", svc.name.value), span, format!("can change the host's `{what}`"))
            .help("mount it read-only (`:ro`, or `read_only: true`): a container that writes it changes the host's kernel modules, libraries or programs")
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
            let path = format!("volumes.{}", m.target.value);
            if m.read_only && HARMLESS_READ_ONLY.contains(&src.value.trim_end_matches('/')) {
                continue;
            }
            if let Some(what) = sensitive(&src.value) {
                out.push(
                    SensitiveHostMount::mount(svc, &src.value, what, m.span).in_service(id, path),
                );
            } else if let Some(what) = under(&src.value, SENSITIVE_WHEN_WRITABLE)
                && !m.read_only
            {
                out.push(
                    SensitiveHostMount::writable(svc, &src.value, what, m.span)
                        .in_service(id, path),
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
          agent:
            image: ghcr.io/acme/agent:1.0.0
            volumes: ['/lib/modules:/lib/modules:ro', '/usr/src:/usr/src:ro', '/usrdata:/data', '/etc/localtime:/etc/localtime:ro']
        ",
    ),
    Case::fail(
        "writable kernel modules and headers, read-only /sys",
        "
        stack: t
        services:
          a:
            image: ghcr.io/acme/a:1.0.0
            volumes:
              - /lib/modules:/lib/modules
              - /usr/src:/usr/src
              - /sys:/host/sys:ro
        ",
        &["6:9 error", "7:9 error", "8:9 error"],
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
