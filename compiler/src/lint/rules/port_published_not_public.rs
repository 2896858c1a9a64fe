//! A port published on the host in prod although it is not public.

use super::prelude::*;
use crate::lint::support::origin::from_compose_file;

declare_rule! {
    /// ## What it does
    /// In a prod environment, flags a port exposed `loopback`: published on the host's
    /// 127.0.0.1 although the port is not meant to be public. In dev, loopback ports for local
    /// tools are the point and the rule is off. Compose files, which have no dev overlay and
    /// choose `127.0.0.1:` explicitly, are not reported.
    ///
    /// ## Why is this bad?
    /// Only what must be reachable should be published. On a production host, a loopback port
    /// opens the service to every process and user on the machine (and to anything that can
    /// forward to it, such as an SSH tunnel or a compromised neighbour container using host
    /// networking), bypassing the network tiers the spec declares.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   admin:
    ///     image: ghcr.io/acme/admin:2.0.1
    ///     ports: [{ port: 9000, expose: loopback }]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   admin:
    ///     image: ghcr.io/acme/admin:2.0.1
    ///     ports: [9000]
    /// environments:
    ///   dev:
    ///     services:
    ///       admin: { ports: [{ port: 9000, expose: loopback }] }
    /// ```
    pub struct PortPublishedNotPublic;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "port is published on the host in prod although it is not public",
    doc: DOC,
    dev: Level::Off,
    prod: Level::Warning,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security", "exposure"],
    requires: None,
};

impl PortPublishedNotPublic {
    fn published(svc: &Service, port: &Port, env: &str) -> Violation {
        Violation::new(format!("port {} of `{}` is published on the host in environment `{env}` although it is not public", port.port, svc.name.value), port.exposure_span.unwrap_or(port.span), "published on 127.0.0.1")
            .help("keep the port `internal` in prod, and publish it as `loopback` in the dev environment only")
    }
}

/// Reports loopback ports in prod.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    if ctx.profile() != Profile::Prod {
        return;
    }
    // A compose file that publishes on 127.0.0.1 chose it explicitly, and has no dev overlay to
    // move the port into.
    for (id, svc) in ctx.services().filter(|(_, s)| !from_compose_file(s)) {
        for p in svc
            .ports
            .iter()
            .filter(|p| p.exposure == Exposure::Loopback)
        {
            out.push(
                PortPublishedNotPublic::published(svc, p, &ctx.stack.env)
                    .in_service(id, format!("ports.{}/{}", p.port, p.protocol.as_str())),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "loopback only in the dev overlay",
        "
        stack: t
        services:
          admin:
            image: ghcr.io/acme/admin:2.0.1
            ports: [9000]
        environments:
          dev:
            services:
              admin: { ports: [{ port: 9000, expose: loopback }] }
          prod: {}
        ",
    )
    .env("prod"),
    Case::fail(
        "loopback in the base applies to prod",
        "
        stack: t
        services:
          admin:
            image: ghcr.io/acme/admin:2.0.1
            ports: [{ port: 9000, expose: loopback }]
        ",
        &["5:35 warning"],
    )
    .env("prod"),
];
