//! A debugger's port (the Node inspector, Chrome DevTools, Delve, JDWP) published beyond the
//! host's loopback interface.

use super::prelude::*;
use crate::lint::support::ports::{bind_address, is_loopback};

declare_rule! {
    /// ## What it does
    /// Flags a published port of a debugger: 9229 (the Node.js inspector, `node --inspect`),
    /// 9222 (Chrome DevTools remote debugging), 2345 (Delve) and 5005 (the JVM's JDWP), when it
    /// is published on every interface or on an address that is not a loopback address, in any
    /// environment. Published on `127.0.0.1` (`expose: loopback`) it is fine.
    ///
    /// ## Why is this bad?
    /// A debugger port runs any code it is sent, without authentication: the Node inspector
    /// and JDWP evaluate arbitrary expressions in the process, DevTools drives the browser. On
    /// every interface, anyone on the network (or the internet, since Docker's publishing
    /// bypasses host firewalls such as ufw) gets a shell in the container.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: node:22.19.0-bookworm-slim
    ///     command: [node, --inspect=0.0.0.0:9229, server.js]
    ///     ports: [{ port: 9229, expose: public }]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: node:22.19.0-bookworm-slim
    ///     command: [node, --inspect=0.0.0.0:9229, server.js]
    ///     ports: [{ port: 9229, expose: loopback }]
    /// ```
    pub struct DebugPortExposed;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "debugger port is published beyond the loopback interface",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd],
    tags: &["security", "exposure"],
    requires: None,
};

/// Container ports of debuggers, and which.
const DEBUG_PORTS: &[(u16, &str)] = &[
    (9229, "the Node.js inspector"),
    (9222, "Chrome DevTools remote debugging"),
    (2345, "the Delve debugger"),
    (5005, "the JVM debugger (JDWP)"),
];

impl DebugPortExposed {
    fn published(svc: &Service, port: &Port, what: &str, addr: &str) -> Violation {
        Violation::new(
            format!(
                "`{}` publishes port {}, {what}, on `{addr}`",
                svc.name.value, port.port
            ),
            port.bind_address
                .as_ref()
                .map(|a| a.span)
                .or(port.exposure_span)
                .unwrap_or(port.span),
            "runs any code it is sent",
        )
        .help("publish it on the loopback interface only (`expose: loopback`, compose `127.0.0.1:9229:9229`), or not at all outside development")
    }
}

/// Reports debugger ports reachable from the network.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for p in &svc.ports {
            let Some((_, what)) = DEBUG_PORTS.iter().find(|(n, _)| *n == p.port) else {
                continue;
            };
            let Some(addr) = bind_address(p) else {
                continue;
            };
            if !is_loopback(&addr) {
                out.push(
                    DebugPortExposed::published(svc, p, what, &addr)
                        .in_service(id, format!("ports.{}/{}", p.port, p.protocol.as_str())),
                );
            }
        }
    }
}

/// Pass and fail cases: spec snippets and the exact `line:col severity` of each finding.
pub const CASES: &[Case] = &[
    Case::pass(
        "loopback, internal, and a non-debug port",
        "
        stack: t
        services:
          web:
            image: node:22.19.0-bookworm-slim
            ports: [{ port: 9229, expose: loopback }, 9222, { port: 3000, expose: public }]
        ",
    ),
    Case::fail(
        "inspector on every interface, devtools on a LAN address, in prod too",
        "
        stack: t
        services:
          web:
            image: node:22.19.0-bookworm-slim
            ports: [{ port: 9229, expose: public }, { port: 9222, expose: loopback, host_ip: 192.168.1.20 }]
        ",
        &["5:35 error", "5:86 error"],
    )
    .env("prod"),
];
