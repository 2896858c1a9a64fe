//! Two services publishing the same host port.

use super::prelude::*;
use crate::lint::support::ports::{bind_address, overlap};

declare_rule! {
    /// ## What it does
    /// Flags a host port (with its protocol) that two services publish on overlapping addresses:
    /// the same address, or the wildcard (`0.0.0.0`, `::`, what `public` binds) and any other.
    /// The resolver refuses the same port on the same written address (`STK023`); this rule
    /// also catches `public` on 8080 next to `host_ip: 127.0.0.1` on 8080, and stacks from other
    /// frontends.
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
    fn duplicate(
        svc: &Service,
        port: &Port,
        addr: &str,
        first: &Service,
        first_addr: &str,
        first_span: Span,
    ) -> Violation {
        let both = if addr == first_addr {
            format!("`{addr}`")
        } else {
            format!("`{first_addr}` and `{addr}`, which overlap")
        };
        Violation::new(
            format!(
                "host port {}/{} is published by both `{}` and `{}` on {both}",
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

/// Reports host ports published twice on overlapping addresses.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let mut seen: Vec<(u16, Protocol, String, ServiceId, Span)> = Vec::new();
    for (id, svc) in ctx.services() {
        for p in svc.ports.iter().filter(|p| p.host_port != 0) {
            let Some(addr) = bind_address(p) else {
                continue;
            };
            let clash = seen.iter().find(|(hp, proto, a, sid, _)| {
                *hp == p.host_port && *proto == p.protocol && *sid != id && overlap(a, &addr)
            });
            match clash {
                Some((_, _, first_addr, first, span)) => {
                    let v = DuplicateHostPort::duplicate(
                        svc,
                        p,
                        &addr,
                        ctx.stack.service(*first),
                        first_addr,
                        *span,
                    );
                    out.push(v.in_service(id, format!("ports.{}/{}", p.port, p.protocol.as_str())));
                }
                None => seen.push((p.host_port, p.protocol, addr, id, p.span)),
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
          d: { image: ghcr.io/acme/d:1.0.0, ports: [{ port: 9000, expose: loopback, host_ip: 127.0.0.1 }] }
          e: { image: ghcr.io/acme/e:1.0.0, ports: [{ port: 9000, expose: loopback, host_ip: 127.0.0.2 }] }
          f: { image: ghcr.io/acme/f:1.0.0, ports: [{ port: 9100, host_port: 0, expose: public }, { port: 9200, host_port: 0, expose: public }] }
        ",
    ),
    Case::fail(
        "the wildcard overlaps a chosen address",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, ports: [{ port: 8080, expose: public }] }
          b: { image: ghcr.io/acme/b:1.0.0, ports: [{ port: 9090, host_port: 8080, expose: loopback, host_ip: 127.0.0.1 }] }
        ",
        &["4:45 error"],
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
