//! A database's data directory on a host bind mount.

use super::prelude::*;
use crate::lint::support::database::covers;

declare_rule! {
    /// ## What it does
    /// Flags a host bind mount over a database's data directory (`/var/lib/postgresql/data` for
    /// postgres, `/data` for redis, ...). When the data directory of the image is unknown, any
    /// bind mount of a database counts.
    ///
    /// ## Why is this bad?
    /// A bind mount ties the data to one host path: file ownership and permissions must match the
    /// container's user (a classic start-up failure), Docker Desktop's file sharing makes it slow,
    /// and Kubernetes cannot express it without a hostPath volume that pins the pod to a node.
    /// A named volume (a PersistentVolumeClaim in Kubernetes) has none of these problems. Binds are
    /// refused in prod (STK032); in dev this rule warns.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.6-alpine
    ///     volumes: ["./pgdata:/var/lib/postgresql/data"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// volumes:
    ///   pgdata: { size: 20Gi }
    /// services:
    ///   db:
    ///     image: postgres:17.6-alpine
    ///     volumes: ["pgdata:/var/lib/postgresql/data"]
    /// ```
    pub struct DatabaseDataBindMount;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "database data directory is a host bind mount",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["reliability", "storage"],
    requires: None,
};

impl DatabaseDataBindMount {
    fn bind(svc: &Service, source: &str, target: &str, span: Span) -> Violation {
        Violation::new(format!("the data of database `{}` at `{target}` is bind-mounted from the host path `{source}`", svc.name.value), span, "host bind mount")
            .help(format!("declare a named volume under `volumes:` and mount it at `{target}`"))
    }
}

/// Reports bind-mounted database data.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let Some(db) = ctx.database(id) else { continue };
        for m in &svc.mounts {
            let MountKind::Bind(src) = &m.kind else {
                continue;
            };
            if db.data_dir().is_none_or(|d| covers(&m.target.value, d)) {
                out.push(
                    DatabaseDataBindMount::bind(svc, &src.value, &m.target.value, m.span)
                        .in_service(id, format!("volumes.{}", m.target.value)),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "named volume for data, bind for an init script",
        "
        stack: t
        volumes: { pgdata: {} }
        services:
          db:
            image: postgres:17.6
            volumes: ['pgdata:/var/lib/postgresql/data', './init:/docker-entrypoint-initdb.d:ro']
        ",
    ),
    Case::fail(
        "bind over the data directory and over an unknown store",
        "
        stack: t
        services:
          db:
            image: postgres:17.6
            volumes: ['./pgdata:/var/lib/postgresql/data']
          store:
            role: database
            image: ghcr.io/acme/store:1.0.0
            volumes: ['./data:/srv/data']
        ",
        &["5:15 warning", "9:15 warning"],
    ),
];
