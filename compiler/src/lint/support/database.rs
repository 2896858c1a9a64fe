//! Which services are databases, and where they keep their data.
//!
//! A long-running service is a database when it says so (`role: database`), else when its image's
//! repository is a known data store. A port alone never makes a database: a frontend with a stray
//! `expose: 3306`, or a proxy forwarding 5432, is not one.
//! Jobs are never databases, even when they run a database image (a setup job using the client).

use crate::diag::Span;
use crate::ir::{MountKind, Service, Stack};

use crate::knowledge::image_ref::parse_image_ref;
use crate::lint::RuleOptions;

/// Why a service counts as a database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// `role: database`, written here.
    Role(Span),
    /// The image's repository is a known data store.
    Image(&'static str),
}

/// A service classified as a database.
#[derive(Clone, Debug)]
pub struct Database {
    pub reason: Reason,
    /// The known store, when the image says which (`postgres`).
    pub product: Option<&'static Store>,
}

impl Database {
    /// Where the store keeps its data, when known.
    pub fn data_dir(&self) -> Option<&'static str> {
        self.product.and_then(|p| p.data_dir)
    }
    /// Whether the store is meant to keep data across restarts (memcached is not).
    pub fn persistent(&self) -> bool {
        self.product.is_none_or(|p| p.persistent)
    }
    /// Why, in words: "`role: database`", "image `postgres`", "port 5432".
    pub fn why(&self) -> String {
        match &self.reason {
            Reason::Role(_) => "it is marked `role: database`".to_string(),
            Reason::Image(name) => format!("its image is `{name}`"),
        }
    }
}

/// A known data store.
#[derive(Debug, PartialEq, Eq)]
pub struct Store {
    /// Last repository component of its images (`postgres`, `clickhouse-server`).
    pub basename: &'static str,
    pub data_dir: Option<&'static str>,
    pub persistent: bool,
    pub broker: bool,
}

const fn store(
    basename: &'static str,
    data_dir: Option<&'static str>,
    persistent: bool,
    broker: bool,
) -> Store {
    Store {
        basename,
        data_dir,
        persistent,
        broker,
    }
}

/// Known data stores by image basename.
pub const STORES: &[Store] = &[
    store("postgres", Some("/var/lib/postgresql/data"), true, false),
    store("postgis", Some("/var/lib/postgresql/data"), true, false),
    store("timescaledb", Some("/var/lib/postgresql/data"), true, false),
    store("mysql", Some("/var/lib/mysql"), true, false),
    store("mariadb", Some("/var/lib/mysql"), true, false),
    store("mongo", Some("/data/db"), true, false),
    store("redis", Some("/data"), true, false),
    store("valkey", Some("/data"), true, false),
    store("memcached", None, false, false),
    store(
        "elasticsearch",
        Some("/usr/share/elasticsearch/data"),
        true,
        false,
    ),
    store(
        "opensearch",
        Some("/usr/share/opensearch/data"),
        true,
        false,
    ),
    store("cassandra", Some("/var/lib/cassandra"), true, false),
    store("couchdb", Some("/opt/couchdb/data"), true, false),
    store("influxdb", None, true, false),
    store(
        "clickhouse-server",
        Some("/var/lib/clickhouse"),
        true,
        false,
    ),
    store("clickhouse", Some("/var/lib/clickhouse"), true, false),
    store("neo4j", Some("/data"), true, false),
    store("qdrant", Some("/qdrant/storage"), true, false),
    store("minio", None, true, false),
    store("rabbitmq", Some("/var/lib/rabbitmq"), true, true),
    store("nats", None, false, true),
    store("kafka", None, true, true),
];

/// The known store an image reference names, if any.
pub fn store_of_image(image: &str) -> Option<&'static Store> {
    let r = parse_image_ref(image).ok()?;
    STORES.iter().find(|s| s.basename == r.basename())
}

/// Classifies one service.
pub fn classify(svc: &Service, options: &RuleOptions) -> Option<Database> {
    if svc.is_job() {
        return None;
    }
    let product = svc
        .image
        .as_ref()
        .and_then(|i| store_of_image(&i.value))
        .filter(|s| !s.broker || options.brokers_are_databases);
    if let Some(span) = svc.role_database {
        return Some(Database {
            reason: Reason::Role(span),
            product,
        });
    }
    product.map(|p| Database {
        reason: Reason::Image(p.basename),
        product,
    })
}

/// Classifies every service, indexed like `stack.services`.
pub fn classify_all(stack: &Stack, options: &RuleOptions) -> Vec<Option<Database>> {
    stack
        .services
        .iter()
        .map(|s| classify(s, options))
        .collect()
}

/// Whether a container path is `dir` or one of its parents (a mount there covers `dir`).
pub fn covers(target: &str, dir: &str) -> bool {
    let t = target.trim_end_matches('/');
    let d = dir.trim_end_matches('/');
    t.is_empty() || d == t || d.strip_prefix(t).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether a mount keeps data across container re-creation.
pub fn is_persistent(kind: &MountKind) -> bool {
    matches!(kind, MountKind::Volume(_) | MountKind::Bind(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_matches_the_dir_and_its_parents_only() {
        assert!(covers(
            "/var/lib/postgresql/data",
            "/var/lib/postgresql/data"
        ));
        assert!(covers("/var/lib/postgresql", "/var/lib/postgresql/data"));
        assert!(covers("/var/lib/postgresql/", "/var/lib/postgresql/data"));
        assert!(!covers("/var/lib/postgres", "/var/lib/postgresql/data"));
        assert!(!covers(
            "/var/lib/postgresql/data/pg",
            "/var/lib/postgresql/data"
        ));
    }

    #[test]
    fn stores_are_found_by_basename_with_any_registry() {
        assert_eq!(
            store_of_image("postgres:17.6").map(|s| s.basename),
            Some("postgres")
        );
        assert_eq!(
            store_of_image("docker.io/library/redis:7.4.5").map(|s| s.basename),
            Some("redis")
        );
        assert_eq!(
            store_of_image("postgis/postgis:17-3.5").map(|s| s.basename),
            Some("postgis")
        );
        assert_eq!(store_of_image("ghcr.io/acme/api:1.0.0"), None);
    }
}
