//! Programs that well-known images do not ship, as data: a health check calling one of them
//! fails on every run, and the service never becomes healthy.
//!
//! Reasoning, per entry: the official Debian-based `postgres` and `redis` images install only
//! the server (their Dockerfiles fetch `gosu` and sources with a `wget` they purge again); their
//! Alpine variants keep busybox's `wget` but have no `curl`. The `-slim` variants of `python` and
//! `node` are built from `debian:*-slim` with neither `curl` nor `wget`; their `-alpine` variants
//! have busybox's `wget` and `sh`, no `curl` and no `bash`. `alpine` and `busybox` are busybox
//! only. Distroless images (`gcr.io/distroless/…`) have no shell and no tools at all. `qdrant`
//! and `ollama` ship neither `curl` nor `wget` (found while writing examples/an-app, whose
//! health checks use bash's `/dev/tcp` and `ollama list` instead). Compiled on 2026-12-04.

use super::image_ref::ImageRef;

/// Which tags of the image an entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Every tag.
    Any,
    /// Tags containing `alpine`.
    Alpine,
    /// Tags without `alpine`.
    NotAlpine,
    /// Tags containing `slim`.
    Slim,
}

/// Programs an image lacks.
#[derive(Debug)]
pub struct Lacks {
    /// Docker Hub repository (`postgres`, `qdrant/qdrant`), or a registry path prefix ending in
    /// `/` (`gcr.io/distroless/`).
    pub image: &'static str,
    pub variant: Variant,
    pub missing: &'static [&'static str],
    /// What to call instead.
    pub instead: &'static str,
}

const fn lacks(
    image: &'static str,
    variant: Variant,
    missing: &'static [&'static str],
    instead: &'static str,
) -> Lacks {
    Lacks {
        image,
        variant,
        missing,
        instead,
    }
}

/// The table.
pub const LACKS: &[Lacks] = &[
    lacks(
        "postgres",
        Variant::NotAlpine,
        &["curl", "wget"],
        "`pg_isready -U postgres`",
    ),
    lacks(
        "postgres",
        Variant::Alpine,
        &["curl", "bash"],
        "`pg_isready -U postgres`",
    ),
    lacks(
        "redis",
        Variant::NotAlpine,
        &["curl", "wget"],
        "`redis-cli ping`",
    ),
    lacks(
        "redis",
        Variant::Alpine,
        &["curl", "bash"],
        "`redis-cli ping`",
    ),
    lacks(
        "python",
        Variant::Slim,
        &["curl", "wget"],
        "`python -c \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:PORT/')\"`",
    ),
    lacks(
        "python",
        Variant::Alpine,
        &["curl", "bash"],
        "busybox `wget -q --spider http://127.0.0.1:PORT/`",
    ),
    lacks(
        "node",
        Variant::Slim,
        &["curl", "wget"],
        "`node -e \"fetch('http://127.0.0.1:PORT/').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))\"`",
    ),
    lacks(
        "node",
        Variant::Alpine,
        &["curl", "bash"],
        "busybox `wget -q --spider http://127.0.0.1:PORT/`",
    ),
    lacks(
        "alpine",
        Variant::Any,
        &["curl", "bash"],
        "busybox `wget -q --spider`",
    ),
    lacks(
        "busybox",
        Variant::Any,
        &["curl", "bash"],
        "busybox `wget -q --spider`",
    ),
    lacks(
        "gcr.io/distroless/",
        Variant::Any,
        &["curl", "wget", "sh", "bash"],
        "a health-check mode of the program itself, or a check from outside (`health: { tcp: … }`)",
    ),
    lacks(
        "qdrant/qdrant",
        Variant::Any,
        &["curl", "wget"],
        "`bash -c ':> /dev/tcp/127.0.0.1/6333'`",
    ),
    lacks(
        "ollama/ollama",
        Variant::Any,
        &["curl", "wget"],
        "`ollama list`",
    ),
];

impl Variant {
    fn matches(self, tag: &str) -> bool {
        let t = tag.to_ascii_lowercase();
        match self {
            Variant::Any => true,
            Variant::Alpine => t.contains("alpine"),
            Variant::NotAlpine => !t.contains("alpine"),
            Variant::Slim => t.contains("slim"),
        }
    }
}

/// The entry saying that `image` lacks `program`, if any.
pub fn lacks_program(image: &ImageRef, program: &str) -> Option<&'static Lacks> {
    let base = program.rsplit('/').next().unwrap_or(program);
    let tag = image.tag.as_deref().unwrap_or("latest");
    let full = format!("{}/{}", image.registry_host(), image.repository);
    LACKS.iter().find(|l| {
        let named = if l.image.ends_with('/') {
            full.starts_with(l.image)
        } else {
            image.is_docker_hub() && image.familiar_repository() == l.image
        };
        named && l.variant.matches(tag) && l.missing.contains(&base)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::support::image_ref::parse_image_ref;

    fn lacks(image: &str, program: &str) -> bool {
        lacks_program(&parse_image_ref(image).unwrap(), program).is_some()
    }

    #[test]
    fn variants_decide_what_is_missing() {
        assert!(lacks("postgres:17.6", "curl"));
        assert!(lacks("postgres:17.6", "/usr/bin/wget"));
        assert!(lacks("postgres:17.6-alpine", "curl"));
        assert!(!lacks("postgres:17.6-alpine", "wget"));
        assert!(!lacks("postgres:17.6", "pg_isready"));
        assert!(lacks("python:3.13-slim", "curl"));
        assert!(!lacks("python:3.13", "curl"));
        assert!(lacks("gcr.io/distroless/static-debian12:nonroot", "sh"));
        assert!(!lacks("ghcr.io/acme/postgres:1", "curl"));
    }
}
