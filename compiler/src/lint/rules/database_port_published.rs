//! A database's port published on every interface.

use super::prelude::*;
use crate::lint::support::database::Database;
use crate::lint::support::ports::reachable_from_network;

declare_rule! {
    /// ## What it does
    /// Flags a port of a database (a service marked `role: database`, or running a known
    /// database image; a well-known port alone, such as a frontend's stray `expose: 3306`, is
    /// not enough) that is exposed `public`: published on all host interfaces in compose and systemd, an Ingress or LoadBalancer in Kubernetes,
    /// or published on a `host_ip` that is not a loopback address. `loopback` (127.0.0.1, for
    /// tools on the developer's machine) and `internal` are fine.
    ///
    /// ## Why is this bad?
    /// Databases are the most scanned services on the internet, and Docker's port publishing
    /// bypasses host firewalls such as ufw. A published database is one weak or default password
    /// away from a breach; only the services that use it should reach it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.6-alpine
    ///     ports: [{ port: 5432, expose: public }]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.6-alpine
    ///     ports: [5432]
    /// environments:
    ///   dev:
    ///     services:
    ///       db: { ports: [{ port: 5432, expose: loopback }] }
    /// ```
    pub struct DatabasePortPublished;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "database port is published on every interface",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security", "exposure"],
    requires: None,
};

impl DatabasePortPublished {
    fn published(svc: &Service, db: &Database, port: &Port) -> Violation {
        let span = port
            .bind_address
            .as_ref()
            .map(|a| a.span)
            .or(port.exposure_span)
            .unwrap_or(port.span);
        let r#where = match crate::lint::support::ports::bind_address(port) {
            Some(a)
                if !crate::lint::support::ports::is_wildcard(&a) && port.bind_address.is_some() =>
            {
                format!("on `{a}`")
            }
            _ => "on every interface".to_string(),
        };
        Violation::new(format!("database `{}` publishes port {} {where}", svc.name.value, port.port), span, "reachable from the network")
            .note(format!("`{}` counts as a database because {}", svc.name.value, db.why()))
            .help("keep the port `internal`; for local tools publish it as `expose: loopback` in the dev environment only")
    }
}

/// Reports public database ports.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let Some(db) = ctx.database(id) else { continue };
        for p in svc.ports.iter().filter(|p| reachable_from_network(p)) {
            out.push(
                DatabasePortPublished::published(svc, db, p)
                    .in_service(id, format!("ports.{}/{}", p.port, p.protocol.as_str())),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "internal, loopback, and a public port on an app",
        "
        stack: t
        services:
          db:
            image: postgres:17.6
            ports: [5432]
          cache:
            image: redis:7.4.5
            ports: [{ port: 6379, expose: loopback }]
          web:
            image: nginx:1.27.3
            ports: [{ port: 8080, expose: public }]
        ",
    ),
    Case::fail(
        "by image, by role (a port alone is not a database); an error in prod",
        "
        stack: t
        services:
          db:
            image: postgres:17.6
            ports: [{ port: 5432, expose: public }]
          vectors:
            role: database
            image: qdrant/qdrant:v1.15.4
            ports: [{ port: 6333, expose: public }]
          custom:
            image: ghcr.io/acme/kv:1.0.0
            ports: [{ port: 6379, expose: public }]
        ",
        &["5:35 error", "9:35 error"],
    )
    .env("prod"),
    Case::fail(
        "published on a network address",
        "
        stack: t
        services:
          db:
            image: postgres:17.6
            ports: [{ port: 5432, expose: loopback, host_ip: 192.168.1.10 }]
        ",
        &["5:54 error"],
    )
    .env("prod"),
];
