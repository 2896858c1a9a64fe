//! Two services publishing the same host port.

use std::collections::HashMap;

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a host port (with its protocol) that two services publish. For specs the resolver
    /// already refuses this (`STK023`); the rule covers stacks from other frontends, such as
    /// imported compose files.
    ///
    /// ## Why is this bad?
    /// Only one process can bind a host port: the second service fails to start with "port is
    /// already allocated", often only on the machine where both run.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   a: { image: ghcr.io/acme/a:1.0.0, ports: [{ port: 8080, expose: public }] }
    ///   b: { image: ghcr.io/acme/b:1.0.0, ports: [{ port: 8080, expose: loopback }] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   a: { image: ghcr.io/acme/a:1.0.0, ports: [{ port: 8080, expose: public }] }
    ///   b: { image: ghcr.io/acme/b:1.0.0, ports: [{ port: 8080, host_port: 8081, expose: loopback }] }
    /// ```
    pub struct DuplicateHostPort;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "two services publish the same host port",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd],
    tags: &["reliability"],
    requires: None,
};

impl DuplicateHostPort {
    fn duplicate(svc: &Service, port: &Port, first: &Service, first_span: Span) -> Violation {
        Violation::new(
            format!(
                "host port {}/{} is published by both `{}` and `{}`",
                port.host_port,
                port.protocol.as_str(),
                first.name.value,
                svc.name.value
            ),
            port.span,
            "published again",
        )
        .also(first_span, "first published here")
        .help("set a different `host_port` on one of them, or keep one `internal`")
    }
}

/// Reports host ports published twice.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let mut seen: HashMap<(u16, Protocol), (ServiceId, Span)> = HashMap::new();
    for (id, svc) in ctx.services() {
        for p in svc.ports.iter().filter(|p| p.is_published()) {
            match seen.get(&(p.host_port, p.protocol)) {
                Some((first, span)) => {
                    let v = DuplicateHostPort::duplicate(svc, p, ctx.stack.service(*first), *span);
                    out.push(v.in_service(id, format!("ports.{}/{}", p.port, p.protocol.as_str())));
                }
                None => {
                    seen.insert((p.host_port, p.protocol), (id, p.span));
                }
            }
        }
    }
}

/// Moves `b`'s published port onto `a`'s host port, as an imported compose file can.
fn collide(stack: &mut Stack) {
    stack.services[1].ports[0].host_port = 8080;
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "different host ports, and one internal",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, ports: [{ port: 8080, expose: public }] }
          b: { image: ghcr.io/acme/b:1.0.0, ports: [{ port: 8080, host_port: 8081, expose: loopback }] }
          c: { image: ghcr.io/acme/c:1.0.0, ports: [8080] }
        ",
    ),
    Case::fail(
        "the same host port from another frontend",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, ports: [{ port: 8080, expose: public }] }
          b: { image: ghcr.io/acme/b:1.0.0, ports: [{ port: 9090, expose: loopback }] }
        ",
        &["4:45 error"],
    )
    .mutate(collide),
];
