//! A database on a network that public services share and that is not internal.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a database (see STK301) attached to a network that is not `internal: true` and that
    /// a service with a `public` port also joins, including the stack's implicit default network
    /// when neither declares networks.
    ///
    /// ## Why is this bad?
    /// The public service is the one an attacker reaches first. On a shared, routable network a
    /// compromised entry point reaches every port of the database, and the database can reach the
    /// internet (exfiltration, or pulling tools). Put databases on an internal backend network
    /// that only their clients join; in Kubernetes stackc turns internal networks into
    /// deny-by-default NetworkPolicies.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db: { image: postgres:17.6-alpine }
    ///   api: { image: ghcr.io/acme/api:1.0.0, ports: [{ port: 8000, expose: public }] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// networks:
    ///   backend: { internal: true }
    ///   frontend: {}
    /// services:
    ///   db: { image: postgres:17.6-alpine, networks: [backend] }
    ///   api: { image: ghcr.io/acme/api:1.0.0, ports: [{ port: 8000, expose: public }], networks: [frontend, backend] }
    /// ```
    pub struct DatabaseOnPublicNetwork;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "database shares a routable network with a public service",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security", "network"],
    requires: None,
};

impl DatabaseOnPublicNetwork {
    fn shared(svc: &Service, network: &str, public: &Service, span: Span) -> Violation {
        Violation::new(format!("database `{}` shares the network `{network}` with public service `{}`", svc.name.value, public.name.value), span, "routable network shared with a public service")
            .also(public.name.span, "public service")
            .help("put the database on an internal network (`networks: { backend: { internal: true } }`) joined only by its clients")
    }
}

/// Reports databases on routable networks shared with public services.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let stack = ctx.stack;
    // Public services, the entry points (not databases) first: they are what an attacker reaches.
    let mut public: Vec<(ServiceId, &Service)> = ctx
        .services()
        .filter(|(_, s)| s.ports.iter().any(|p| p.exposure == Exposure::Public))
        .collect();
    public.sort_by_key(|(id, _)| ctx.database(*id).is_some());
    for (id, svc) in ctx.services() {
        if ctx.database(id).is_none() {
            continue;
        }
        // The other nodes of the same store (the same image: a distributed cluster's peers)
        // must reach each other; one of them being public is not a client sharing the network.
        let image = |s: &Service| s.image.as_ref().map(|i| i.value.clone());
        let public: Vec<&(ServiceId, &Service)> = public
            .iter()
            .filter(|(_, p)| image(p).is_none() || image(p) != image(svc))
            .collect();
        if svc.networks.is_empty() {
            if let Some((_, p)) = public
                .iter()
                .find(|(pid, p)| *pid != id && p.networks.is_empty())
            {
                out.push(
                    DatabaseOnPublicNetwork::shared(svc, "default", p, svc.name.span)
                        .in_service(id, "networks.default"),
                );
            }
            continue;
        }
        for (nid, span) in &svc.networks {
            let n = stack.network(*nid);
            if n.internal {
                continue;
            }
            if let Some((_, p)) = public
                .iter()
                .find(|(pid, p)| *pid != id && p.networks.iter().any(|(x, _)| x == nid))
            {
                out.push(
                    DatabaseOnPublicNetwork::shared(svc, &n.name.value, p, *span)
                        .in_service(id, format!("networks.{}", n.name.value)),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "database on an internal backend",
        "
        stack: t
        networks: { backend: { internal: true }, frontend: {} }
        services:
          db: { image: postgres:17.6, networks: [backend] }
          api: { image: ghcr.io/acme/api:1.0.0, ports: [{ port: 8000, expose: public }], networks: [frontend, backend] }
        ",
    ),
    Case::fail(
        "default network, and a routable shared network",
        "
        stack: t
        networks: { shared: {} }
        services:
          db: { image: postgres:17.6 }
          cache: { image: redis:7.4.5, networks: [shared] }
          api: { image: ghcr.io/acme/api:1.0.0, ports: [{ port: 8000, expose: public }] }
          web: { image: ghcr.io/acme/web:1.0.0, ports: [{ port: 8080, expose: public }], networks: [shared] }
        ",
        &["4:3 warning", "5:43 warning"],
    ),
    Case::pass(
        "the public nodes of one distributed store (the same image) on a shared network",
        "
        stack: t
        services:
          node1: { image: minio/minio:RELEASE.2025-09-07T16-13-09Z, ports: [{ port: 9000, expose: public }] }
          node2: { image: minio/minio:RELEASE.2025-09-07T16-13-09Z, ports: [{ port: 9000, host_port: 9002, expose: public }] }
        ",
    ),
    Case::fail(
        "a node of a store beside a public service of another image",
        "
        stack: t
        services:
          node1: { image: minio/minio:RELEASE.2025-09-07T16-13-09Z, ports: [{ port: 9000, expose: public }] }
          node2: { image: minio/minio:RELEASE.2025-09-07T16-13-09Z }
          api: { image: ghcr.io/acme/api:1.0.0, ports: [{ port: 8000, expose: public }] }
        ",
        &["3:3 warning", "4:3 warning"],
    ),
];
