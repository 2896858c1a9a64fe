//! A health check that targets a port the service does not declare.

use std::sync::LazyLock;

use regex::Regex;

use super::prelude::*;
use crate::lint::support::origin::from_compose_file;

declare_rule! {
    /// ## What it does
    /// Flags a health check that targets a port the service does not declare: an `http` or `tcp`
    /// check (the validator refuses these for specs, STK034; the rule covers other frontends),
    /// and a local address in the check command (`http://localhost:8081/health`,
    /// `127.0.0.1:8081`, bash's `/dev/tcp/127.0.0.1/8081`) when the service declares ports and
    /// that one is not among them. A compose file's `ports` lists only what it publishes, and a
    /// check on a port left unpublished (a collector's health port 13133, ZooKeeper's admin
    /// server on 8080) is the usual pattern there: command checks of services read from a
    /// compose file are left alone.
    ///
    /// ## Why is this bad?
    /// The check fails forever, so the service never becomes healthy: dependants never start and
    /// Kubernetes restarts the pod in a loop. Usually the port was changed in one place only.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     ports: [8000]
    ///     health: { cmd: [curl, -f, "http://localhost:8080/health"] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     ports: [8000]
    ///     health: { cmd: [curl, -f, "http://localhost:8000/health"] }
    /// ```
    pub struct HealthcheckPortMismatch;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "health check targets a port the service does not declare",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Kubernetes],
    tags: &["reliability"],
    requires: None,
};

/// A local address with a port in a command: `localhost:8080`, `127.0.0.1:8080`, `[::1]:8080`,
/// `0.0.0.0:8080`, or bash's `/dev/tcp/127.0.0.1/8080`.
static LOCAL_PORT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?:^|[^A-Za-z0-9.-])(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):([0-9]{1,5})(?:[^0-9]|$)|/dev/(?:tcp|udp)/(?:localhost|127\.0\.0\.1)/([0-9]{1,5}))").expect("local port pattern compiles")
});

/// Ports of local addresses in a string.
pub fn local_ports(text: &str) -> Vec<u16> {
    LOCAL_PORT_RE
        .captures_iter(text)
        .filter_map(|c| c.get(1).or(c.get(2))?.as_str().parse().ok())
        .collect()
}

impl HealthcheckPortMismatch {
    fn undeclared(svc: &Service, what: &str, port: u16, span: Span) -> Violation {
        let declared: Vec<String> = svc.ports.iter().map(|p| p.port.to_string()).collect();
        let declared = if declared.is_empty() {
            "none".to_string()
        } else {
            declared.join(", ")
        };
        Violation::new(
            format!(
                "the {what} of `{}` targets port {port}, which the service does not declare",
                svc.name.value
            ),
            span,
            format!("port {port}"),
        )
        .note(format!("declared ports: {declared}"))
        .help(format!("check the port number, or add {port} to `ports`"))
    }
}

/// Reports health checks on undeclared ports.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let Some(h) = &svc.health else { continue };
        let declared = |p: u16| svc.ports.iter().any(|d| d.port == p);
        for (what, port) in h
            .http
            .iter()
            .map(|c| ("http health check", c.port))
            .chain(h.tcp.iter().map(|p| ("tcp health check", *p)))
        {
            if !declared(port.value) {
                out.push(
                    HealthcheckPortMismatch::undeclared(svc, what, port.value, port.span)
                        .in_service(id, "health"),
                );
            }
        }
        if svc.ports.is_empty() || from_compose_file(svc) {
            continue;
        }
        for (i, arg) in h.cmd.iter().flat_map(|c| c.args.iter()).enumerate() {
            let Some(text) = arg.as_literal() else {
                continue;
            };
            if let Some(port) = local_ports(&text).into_iter().find(|p| !declared(*p)) {
                out.push(
                    HealthcheckPortMismatch::undeclared(
                        svc,
                        "health check command",
                        port,
                        arg.span,
                    )
                    .in_service(id, format!("health.cmd[{i}]")),
                );
            }
        }
    }
}

/// Points the http check at an undeclared port, as another frontend can.
fn undeclared_http_port(stack: &mut Stack) {
    if let Some(h) = stack.services[0]
        .health
        .as_mut()
        .and_then(|h| h.http.as_mut())
    {
        h.port.value = 9999;
    }
}

/// Marks every service as read from a compose file (as the compose frontend does).
fn from_compose(stack: &mut Stack) {
    for s in &mut stack.services {
        s.security.runtime_defaults = Some(s.name.span);
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "declared ports in urls, /dev/tcp and probes; no ports declared at all",
        r#"
        stack: t
        services:
          api:
            image: ghcr.io/acme/api:1.0.0
            ports: [8000, 6333]
            health: { cmd: [sh, -c, "curl -f http://localhost:8000/health && :> /dev/tcp/127.0.0.1/6333"], http: { port: 8000 } }
          worker:
            image: ghcr.io/acme/worker:1.0.0
            health: { cmd: [curl, -f, "http://127.0.0.1:9000/"] }
        "#,
    ),
    Case::pass(
        "a compose file's command check on a port it does not publish",
        r#"
        stack: t
        services:
          collector:
            image: jaegertracing/jaeger-collector:1.62.0
            ports: [4318]
            health: { cmd: [wget, --spider, "http://localhost:13133/status"] }
        "#,
    )
    .mutate(from_compose),
    Case::fail(
        "a url on another port",
        r#"
        stack: t
        services:
          api:
            image: ghcr.io/acme/api:1.0.0
            ports: [8000]
            health: { cmd: [curl, -f, "http://localhost:8080/health"] }
        "#,
        &["6:31 error"],
    ),
    Case::fail(
        "an http probe from another frontend",
        r#"
        stack: t
        services:
          api:
            image: ghcr.io/acme/api:1.0.0
            ports: [8000]
            health: { cmd: [/bin/true], http: { port: 8000 } }
        "#,
        &["6:47 error"],
    )
    .mutate(undeclared_http_port),
];
