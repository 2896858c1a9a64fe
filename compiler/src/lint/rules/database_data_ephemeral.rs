//! A database without persistent storage for its data.

use super::prelude::*;
use crate::lint::support::database::{covers, is_persistent};

declare_rule! {
    /// ## What it does
    /// Flags a database (see STK301 for how databases are recognised) whose data directory has no
    /// volume: no named volume or bind mount at that path or a parent, or a `tmpfs` there. When
    /// the image's data directory is unknown, a database without any persistent mount is flagged.
    /// Stores that keep no data by design (memcached, nats without JetStream) are exempt.
    ///
    /// ## Why is this bad?
    /// The data lives in the container's writable layer and is lost whenever the container is
    /// re-created: on every image update, `docker compose up` after a config change, and every
    /// pod reschedule in Kubernetes.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.6-alpine
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
    pub struct DatabaseDataEphemeral;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "database has no persistent volume for its data",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["reliability", "storage"],
    requires: None,
};

impl DatabaseDataEphemeral {
    fn no_volume(svc: &Service, dir: Option<&str>, why: String) -> Violation {
        let (msg, help) = match dir {
            Some(d) => (
                format!(
                    "database `{}` keeps its data in `{d}` without a volume",
                    svc.name.value
                ),
                format!(
                    "declare a named volume and mount it: `volumes: [\"{}_data:{d}\"]`",
                    svc.name.value
                ),
            ),
            None => (
                format!("database `{}` has no persistent volume", svc.name.value),
                "declare a named volume and mount it at the store's data directory".to_string(),
            ),
        };
        Violation::new(
            msg,
            svc.name.span,
            "data lost when the container is re-created",
        )
        .note(format!(
            "`{}` counts as a database because {why}",
            svc.name.value
        ))
        .help(help)
    }
}

/// Reports databases without persistent data.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let Some(db) = ctx.database(id) else { continue };
        if !db.persistent() {
            continue;
        }
        let ok = match db.data_dir() {
            Some(dir) => {
                // The deepest mount covering the data directory decides (a tmpfs over a volume loses data).
                let best = svc
                    .mounts
                    .iter()
                    .filter(|m| covers(&m.target.value, dir))
                    .max_by_key(|m| m.target.value.len());
                best.is_some_and(|m| is_persistent(&m.kind))
            }
            None => svc.mounts.iter().any(|m| is_persistent(&m.kind)),
        };
        if !ok {
            out.push(
                DatabaseDataEphemeral::no_volume(svc, db.data_dir(), db.why())
                    .in_service(id, "volumes"),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "volume at the data dir or a parent, unknown store with a volume, memcached",
        "
        stack: t
        volumes: { pg: {}, r: {}, q: {} }
        services:
          db: { image: postgres:17.6, volumes: ['pg:/var/lib/postgresql'] }
          cache: { image: redis:7.4.5, volumes: ['r:/data'] }
          store: { role: database, image: ghcr.io/acme/store:1.0.0, volumes: ['q:/srv'] }
          memo: { image: memcached:1.6.39 }
        ",
    ),
    Case::fail(
        "no volume, a volume elsewhere, a tmpfs over the data",
        "
        stack: t
        volumes: { logs: {} }
        services:
          db: { image: postgres:17.6 }
          search:
            image: opensearchproject/opensearch:2.19.3
            volumes: ['logs:/usr/share/opensearch/logs']
          cache:
            image: redis:7.4.5
            volumes: [{ tmpfs: /data }]
        ",
        &["4:3 error", "5:3 error", "8:3 error"],
    ),
];
