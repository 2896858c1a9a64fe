//! A remote-administration port, or a privileged host port on a service that is not a proxy.

use super::prelude::*;
use crate::lint::support::images::is_proxy;

declare_rule! {
    /// ## What it does
    /// Flags a port used for remote administration: 22 (SSH), 23 (Telnet), 2375 and 2376 (the
    /// Docker API), 3389 (RDP), whatever its exposure; and a published host port below 1024 on a
    /// service that is not a reverse proxy (nginx, traefik, caddy, haproxy, envoy, httpd, ...;
    /// an image known to be one of them under another name, such as PeerTube's web server, from
    /// a table kept with the Dockerfile each was read from; a service built from a Dockerfile
    /// counts when a proxy's name is a word of its image, service or build context name). Low ports that are the service's own protocol (DNS 53, DHCP
    /// 67/68, NTP 123, mail, LDAP, syslog) are not reported.
    ///
    /// ## Why is this bad?
    /// A container running SSH or exposing the Docker API is a remote shell into the stack (the
    /// Docker API is root on the host). Privileged ports need `CAP_NET_BIND_SERVICE` or root in
    /// the container; an application that binds them usually runs as root, and port 80/443 on
    /// the host belongs to the proxy that terminates TLS.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:3.1.0
    ///     ports: [{ port: 22, expose: public }, { port: 80, expose: public }]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:3.1.0
    ///     ports: [{ port: 8080, expose: public }]
    /// ```
    pub struct SensitivePortExposed;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "remote-administration port, or privileged host port outside a proxy",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[
        Backend::Compose,
        Backend::Dockerfile,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["security", "exposure"],
    requires: None,
};

/// Ports of remote-administration protocols.
const ADMIN_PORTS: &[(u16, &str)] = &[
    (22, "SSH"),
    (23, "Telnet"),
    (2375, "the Docker API"),
    (2376, "the Docker API over TLS"),
    (3389, "RDP"),
];

impl SensitivePortExposed {
    fn admin(svc: &Service, port: &Port, protocol: &str) -> Violation {
        Violation::new(format!("`{}` listens on port {}, the port of {protocol}", svc.name.value, port.port), port.span, format!("{protocol} port"))
            .help("do not run remote administration in a container; use `docker exec` / `kubectl exec`, and never expose the Docker API")
    }

    fn privileged(svc: &Service, port: &Port) -> Violation {
        Violation::new(format!("`{}` publishes privileged host port {}, but is not a reverse proxy", svc.name.value, port.host_port), port.exposure_span.unwrap_or(port.span), "host port below 1024")
            .help("listen on a port above 1024 (e.g. 8080) and let a reverse proxy own 80/443; or set `host_port` above 1024")
    }
}

/// Low ports whose protocol is the service itself: a DNS, DHCP, NTP, mail or directory server
/// publishes them on the host by design (they are not remote administration).
const SERVICE_PORTS: &[u16] = &[
    25, 53, 67, 68, 69, 110, 123, 143, 161, 162, 389, 465, 514, 587, 636, 853, 993, 995,
];

/// Reports sensitive ports.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for p in &svc.ports {
            let path = format!("ports.{}/{}", p.port, p.protocol.as_str());
            if let Some((_, what)) = ADMIN_PORTS.iter().find(|(n, _)| *n == p.port) {
                out.push(SensitivePortExposed::admin(svc, p, what).in_service(id, path));
            } else if p.is_published()
                && p.host_port != 0
                && p.host_port < 1024
                && !is_proxy(svc)
                && !SERVICE_PORTS.contains(&p.host_port)
            {
                out.push(SensitivePortExposed::privileged(svc, p).in_service(id, path));
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "a proxy on 443, an app above 1024, an internal low port",
        "
        stack: t
        services:
          proxy:
            image: traefik:v3.5.2
            ports: [{ port: 443, expose: public }]
          app:
            image: ghcr.io/acme/app:3.1.0
            ports: [{ port: 8080, expose: public }, 80, { port: 81, host_port: 0, expose: public }]
          nginx:
            build: { context: ./nginx, dockerfile: Dockerfile }
            ports: [{ port: 80, expose: public }]
          dns:
            image: pihole/pihole:2025.08.0
            ports: [{ port: 53, protocol: udp, expose: public }, { port: 67, protocol: udp, expose: public }]
        ",
    ),
    Case::pass(
        "an image known to be a proxy under another name",
        "
        stack: t
        services:
          webserver:
            image: chocobozzz/peertube-webserver:latest
            ports: [{ port: 80, expose: public }, { port: 443, expose: public }]
        ",
    ),
    Case::fail(
        "a look-alike of a known proxy image on another registry",
        "
        stack: t
        services:
          webserver:
            image: ghcr.io/acme/peertube-webserver:1.0.0
            ports: [{ port: 80, expose: public }]
        ",
        &["5:33 warning"],
    ),
    Case::fail(
        "ssh, docker api, privileged host port",
        "
        stack: t
        services:
          app:
            image: ghcr.io/acme/app:3.1.0
            ports: [22, { port: 2375, expose: loopback }, { port: 8080, host_port: 80, expose: public }]
        ",
        &["5:13 warning", "5:17 warning", "5:88 warning"],
    ),
    Case::fail(
        "block-style long form",
        "
        stack: t
        services:
          app:
            image: ghcr.io/acme/app:3.1.0
            ports:
              - port: 3389
                expose: internal
        ",
        &["6:9 warning"],
    ),
];
