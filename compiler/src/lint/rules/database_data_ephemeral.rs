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
        // Every mount as (target, persistent): the spec's, and the compose-only `volumes`
        // (a bind whose source comes from a variable is kept for compose only).
        let mut mounts: Vec<(&str, bool)> = svc
            .mounts
            .iter()
            .map(|m| (m.target.value.as_str(), is_persistent(&m.kind)))
            .collect();
        for (k, v) in ctx.stack.targets.compose.service(&svc.name.value) {
            if k == "volumes" {
                mounts.extend(compose_only_mounts(v));
            }
        }
        let ok = match db.data_dir() {
            Some(dir) => {
                // The deepest mount covering the data directory decides (a tmpfs over a volume loses data).
                let best = mounts
                    .iter()
                    .filter(|(t, _)| covers(t, dir))
                    .max_by_key(|(t, _)| t.len());
                best.is_some_and(|(_, persistent)| *persistent)
            }
            None => mounts.iter().any(|(_, persistent)| *persistent),
        };
        if !ok {
            out.push(
                DatabaseDataEphemeral::no_volume(svc, db.data_dir(), db.why())
                    .in_service(id, "volumes"),
            );
        }
    }
}

/// The mounts of a compose `volumes` list as (target, persistent): a short form
/// `SOURCE:TARGET[:MODE]` (the target is the last part that is a path; the source may hold
/// `${VAR:-default}`) persists when it has a source; a long form unless it is a `tmpfs`.
fn compose_only_mounts(v: &serde_json::Value) -> Vec<(&str, bool)> {
    let Some(items) = v.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| match i {
            serde_json::Value::String(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                let at = parts.iter().rposition(|p| p.starts_with('/'))?;
                Some((parts[at], at > 0))
            }
            serde_json::Value::Object(o) => {
                let target = o.get("target")?.as_str()?;
                let tmpfs = o.get("type").and_then(|t| t.as_str()) == Some("tmpfs");
                Some((target, !tmpfs))
            }
            _ => None,
        })
        .collect()
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
    Case::pass(
        "a compose-only bind (its source from a variable) or volume at the data dir",
        "
        stack: t
        services:
          db: { image: postgres:17.6 }
          kv: { image: redis:7.4.5 }
        targets:
          compose:
            services:
              db: { volumes: ['./${VOLUME_PATH:-x}/pg:/var/lib/postgresql/data:rw'] }
              kv: { volumes: [{ type: bind, source: './${DIR}', target: /data }] }
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
    Case::fail(
        "a compose-only tmpfs or anonymous volume at the data dir",
        "
        stack: t
        services:
          db: { image: postgres:17.6 }
          kv: { image: redis:7.4.5 }
        targets:
          compose:
            services:
              db: { volumes: [{ type: tmpfs, target: /var/lib/postgresql/data }] }
              kv: { volumes: ['/data'] }
        ",
        &["3:3 error", "4:3 error"],
    ),
];
