//! A container sharing the host's PID, IPC or UTS namespace.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags `security: { host_namespaces: [pid | ipc | uts] }`. (`network` is STK903's.)
    ///
    /// ## Why is this bad?
    /// The host's PID namespace shows the container every host process (and their environment
    /// and arguments, secrets included) and lets it signal them; the IPC namespace exposes the
    /// host's shared memory; the UTS namespace lets it rename the host. Pod Security's baseline
    /// profile forbids all three.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   monitor:
    ///     image: ghcr.io/acme/monitor:1.0.0
    ///     security: { host_namespaces: [pid] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   monitor:
    ///     image: ghcr.io/acme/monitor:1.0.0
    /// ```
    pub struct HostNamespaceShared;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "container shares the host's pid, ipc or uts namespace",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security"],
    requires: None,
};

impl HostNamespaceShared {
    fn shared(svc: &Service, ns: &Sp<HostNamespace>) -> Violation {
        let what = match ns.value {
            HostNamespace::Pid => "sees and can signal every host process",
            HostNamespace::Ipc => "shares the host's shared memory",
            HostNamespace::Uts | HostNamespace::Network => "can change the host's name",
        };
        Violation::new(
            format!(
                "service `{}` shares the host's `{}` namespace",
                svc.name.value, ns.value
            ),
            ns.span,
            what,
        )
        .help(format!("remove `{}` from `host_namespaces`", ns.value))
    }
}

/// Reports shared host namespaces.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for ns in svc
            .security
            .host_namespaces
            .iter()
            .filter(|n| n.value != HostNamespace::Network)
        {
            out.push(
                HostNamespaceShared::shared(svc, ns)
                    .in_service(id, format!("security.host_namespaces.{}", ns.value)),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "own namespaces (host network is another rule's)",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0 }
          b: { image: ghcr.io/acme/b:1.0.0, security: { host_namespaces: [network] } }
        ",
    ),
    Case::fail(
        "pid and ipc",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { host_namespaces: [pid, ipc] } }
        ",
        &["3:67 error", "3:72 error"],
    ),
];
