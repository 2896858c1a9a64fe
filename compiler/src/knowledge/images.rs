//! The images a service refers to, and facts about well-known images.

use crate::diag::Span;
use crate::ir::Service;

use super::image_ref::{ImageRef, ImageRefError, parse_image_ref};

/// Where an image reference is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageRole {
    /// `image:`, the image the service runs.
    Run,
    /// `build.base`, the base of the generated Dockerfile.
    Base,
    /// `build.builder`, the image of the build stage.
    Builder,
    /// `build.image`, the name the built image is pushed and pulled as.
    Built,
}

impl ImageRole {
    /// Fingerprint path.
    pub fn path(self) -> &'static str {
        match self {
            ImageRole::Run => "image",
            ImageRole::Base => "build.base",
            ImageRole::Builder => "build.builder",
            ImageRole::Built => "build.image",
        }
    }
    /// How a message names it.
    pub fn describe(self) -> &'static str {
        match self {
            ImageRole::Run => "image",
            ImageRole::Base => "base image",
            ImageRole::Builder => "builder image",
            ImageRole::Built => "built image name",
        }
    }
}

/// One image reference of a service, parsed.
#[derive(Clone, Debug)]
pub struct ServiceImage<'a> {
    pub role: ImageRole,
    pub text: &'a str,
    pub span: Span,
    pub parsed: Result<ImageRef, ImageRefError>,
    /// The name a local build tags its result with (`image:` beside `build:`): nothing is pulled
    /// by it, so pinning rules leave it alone.
    pub local: bool,
}

/// The image references a service writes: `image`, `build.base`, `build.builder`,
/// `build.image`.
pub fn service_images(svc: &Service) -> Vec<ServiceImage<'_>> {
    let mut out = Vec::new();
    let b = svc.build.as_ref();
    let items = [
        (ImageRole::Run, svc.image.as_ref()),
        (ImageRole::Base, b.and_then(|b| b.base.as_ref())),
        (ImageRole::Builder, b.and_then(|b| b.builder.as_ref())),
        (ImageRole::Built, b.and_then(|b| b.image.as_ref())),
    ];
    for (role, sp) in items {
        if let Some(sp) = sp {
            out.push(ServiceImage {
                role,
                text: &sp.value,
                span: sp.span,
                parsed: parse_image_ref(&sp.value),
                local: role == ImageRole::Run && b.is_some(),
            });
        }
    }
    out
}

/// A repository that moved: Docker Hub repository (or registry prefix) → where it lives now.
#[derive(Debug)]
pub struct Moved {
    /// Registry host the old location is on (`docker.io` for Docker Hub).
    pub registry: &'static str,
    /// Repository path or path prefix ending in `/` at the old location.
    pub repository: &'static str,
    /// The new location (registry and repository, or prefix).
    pub now: &'static str,
    /// Since when, and what happened.
    pub why: &'static str,
}

/// Known moved repositories.
pub const MOVED: &[Moved] = &[
    Moved {
        registry: "docker.io",
        repository: "minio/minio",
        now: "quay.io/minio/minio",
        why: "MinIO stopped publishing new releases to Docker Hub in 2025",
    },
    Moved {
        registry: "docker.io",
        repository: "minio/mc",
        now: "quay.io/minio/mc",
        why: "MinIO stopped publishing new releases to Docker Hub in 2025",
    },
    Moved {
        registry: "k8s.gcr.io",
        repository: "",
        now: "registry.k8s.io/",
        why: "k8s.gcr.io was frozen in April 2023",
    },
    Moved {
        registry: "gcr.io",
        repository: "google-containers/",
        now: "registry.k8s.io/",
        why: "the Kubernetes images moved to registry.k8s.io in 2023",
    },
    Moved {
        registry: "gcr.io",
        repository: "google_containers/",
        now: "registry.k8s.io/",
        why: "the Kubernetes images moved to registry.k8s.io in 2023",
    },
];

/// Where a moved image lives now, and why it moved.
pub fn moved(r: &ImageRef) -> Option<(String, &'static Moved)> {
    let host = if r.is_docker_hub() {
        "docker.io"
    } else {
        r.registry_host()
    };
    let repo = r.familiar_repository();
    MOVED.iter().find_map(|m| {
        if m.registry != host {
            return None;
        }
        if m.repository.is_empty() || m.repository.ends_with('/') {
            let rest = repo.strip_prefix(m.repository)?;
            Some((format!("{}{rest}", m.now), m))
        } else {
            (repo == m.repository).then(|| (m.now.to_string(), m))
        }
    })
}

/// An image whose Dockerfile declares a `HEALTHCHECK`: compose and Podman run it for a service
/// that declares no check of its own, so the service reports its health as it is.
#[derive(Debug)]
pub struct OwnHealthcheck {
    /// Registry host and repository (`docker.io/louislam/uptime-kuma`, `ghcr.io/goauthentik/server`).
    pub image: &'static str,
    /// The image's check, as its Dockerfile writes it.
    pub check: &'static str,
    /// Where it is declared: repository and Dockerfile.
    pub source: &'static str,
}

const fn own(image: &'static str, check: &'static str, source: &'static str) -> OwnHealthcheck {
    OwnHealthcheck {
        image,
        check,
        source,
    }
}

/// Images known to ship their own `HEALTHCHECK`, each read from the Dockerfile its project
/// publishes the image from (checked on 2026-12-05). Only images whose current Dockerfile was
/// read are listed; an image missing here is treated as having no check.
pub const OWN_HEALTHCHECK: &[OwnHealthcheck] = &[
    own(
        "ghcr.io/goauthentik/server",
        "ak healthcheck",
        "goauthentik/authentik `Dockerfile`",
    ),
    own(
        "docker.io/louislam/uptime-kuma",
        "node extra/healthcheck.js",
        "louislam/uptime-kuma `docker/dockerfile`",
    ),
    own(
        "docker.io/woodpeckerci/woodpecker-server",
        "/bin/woodpecker-server ping",
        "woodpecker-ci/woodpecker `docker/Dockerfile.server.multiarch`",
    ),
    own(
        "docker.io/woodpeckerci/woodpecker-agent",
        "/bin/woodpecker-agent ping",
        "woodpecker-ci/woodpecker `docker/Dockerfile.agent.multiarch`",
    ),
    own(
        "docker.io/pihole/pihole",
        "dig +short +norecurse +retry=0 @127.0.0.1 pi.hole",
        "pi-hole/docker-pi-hole `src/Dockerfile`",
    ),
    own(
        "docker.io/axllent/mailpit",
        "/mailpit readyz",
        "axllent/mailpit `Dockerfile`",
    ),
    own(
        "ghcr.io/paperless-ngx/paperless-ngx",
        "curl -fs -S --max-time 2 http://localhost:8000",
        "paperless-ngx/paperless-ngx `Dockerfile`",
    ),
    own(
        "docker.io/itzg/minecraft-server",
        "mc-health",
        "itzg/docker-minecraft-server `Dockerfile`",
    ),
];

/// The `HEALTHCHECK` an image is known to ship, if any (any tag or digest of the repository).
pub fn own_healthcheck(r: &ImageRef) -> Option<&'static OwnHealthcheck> {
    let name = registry_and_repository(r);
    OWN_HEALTHCHECK.iter().find(|o| o.image == name)
}

/// `docker.io/louislam/uptime-kuma`, `ghcr.io/goauthentik/server`: the key of the image tables.
fn registry_and_repository(r: &ImageRef) -> String {
    let host = if r.is_docker_hub() {
        "docker.io"
    } else {
        r.registry_host()
    };
    format!("{host}/{}", r.familiar_repository())
}

/// Image basenames of reverse proxies and load balancers, which listen on 80 and 443 by design.
pub const PROXIES: &[&str] = &[
    "nginx",
    "nginx-unprivileged",
    "traefik",
    "caddy",
    "haproxy",
    "envoy",
    "httpd",
    "apache",
    "openresty",
    "varnish",
    "kong",
    "pomerium",
];

/// An image published under a project's own name that is a reverse proxy's image with the
/// project's configuration added.
#[derive(Debug)]
pub struct ProxyImage {
    /// Registry host and repository (`docker.io/chocobozzz/peertube-webserver`).
    pub image: &'static str,
    /// Where it is built from: repository, Dockerfile and its `FROM`.
    pub source: &'static str,
}

/// Images known to be a reverse proxy under another name, each read from the Dockerfile its
/// project publishes the image from (checked on 2026-12-05).
pub const PROXY_IMAGES: &[ProxyImage] = &[ProxyImage {
    image: "docker.io/chocobozzz/peertube-webserver",
    source: "Chocobozzz/PeerTube `support/docker/production/Dockerfile.nginx` (`FROM nginx:alpine`, `EXPOSE 80 443`)",
}];

/// Whether a service is a reverse proxy: its image is one of [`PROXIES`] or [`PROXY_IMAGES`], or,
/// for a service built from a Dockerfile (whose `FROM` the linter does not read), a proxy's name appears as a
/// word in the image name, the service name, the build context or the Dockerfile's name
/// (`build: ./nginx`, `image: acme-nginx`, `nginx.Dockerfile`).
pub fn is_proxy(svc: &Service) -> bool {
    let image = svc
        .image
        .as_ref()
        .and_then(|i| parse_image_ref(&i.value).ok());
    if image
        .as_ref()
        .is_some_and(|r| PROXIES.contains(&r.basename()))
    {
        return true;
    }
    let Some(b) = &svc.build else {
        let name = image.as_ref().map(registry_and_repository);
        return PROXY_IMAGES
            .iter()
            .any(|p| Some(p.image) == name.as_deref());
    };
    let mut names: Vec<&str> = vec![svc.name.value.as_str(), b.context.as_str()];
    names.extend(svc.image.as_ref().map(|i| i.value.as_str()));
    names.extend(b.dockerfile.as_ref().map(|d| d.value.as_str()));
    names.extend(b.base.as_ref().map(|d| d.value.as_str()));
    names.iter().any(|n| names_a_proxy(n))
}

/// Whether a name has a proxy's name as one of its words (split at `/ - _ . :`).
fn names_a_proxy(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(['/', '-', '_', '.', ':', '@'])
        .any(|w| PROXIES.contains(&w) || w == "proxy" || w == "reverseproxy")
}

/// Docker Hub images whose entrypoint is `docker-entrypoint.sh` on the image's `PATH` (their
/// Dockerfiles: `ENTRYPOINT ["docker-entrypoint.sh"]`), by familiar repository name: Docker
/// Official Images, and `valkey/valkey` (valkey-io/valkey-container, read 2026-12-05). A
/// command given to one of them is the arguments of that script.
pub const ENTRYPOINT_SCRIPT_IMAGES: &[&str] = &[
    "mariadb",
    "memcached",
    "mongo",
    "mysql",
    "postgres",
    "rabbitmq",
    "redis",
    "valkey/valkey",
];

/// The entrypoint of `image` when it is one of [`ENTRYPOINT_SCRIPT_IMAGES`] on Docker Hub.
pub fn known_entrypoint(image: &str) -> Option<&'static str> {
    let r = crate::knowledge::image_ref::parse_image_ref(image).ok()?;
    (r.is_docker_hub() && ENTRYPOINT_SCRIPT_IMAGES.contains(&r.familiar_repository()))
        .then_some("docker-entrypoint.sh")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_names_are_words_not_substrings() {
        assert!(names_a_proxy("./nginx"));
        assert!(names_a_proxy("acme/web-nginx:1.2"));
        assert!(names_a_proxy("nginx.Dockerfile"));
        assert!(names_a_proxy("reverse-proxy"));
        assert!(!names_a_proxy("./engine"));
        assert!(!names_a_proxy("ghcr.io/acme/api:1.0"));
    }

    #[test]
    fn images_with_their_own_healthcheck_are_known_by_repository() {
        let has = |s: &str| own_healthcheck(&parse_image_ref(s).unwrap()).map(|o| o.check);
        assert_eq!(
            has("ghcr.io/goauthentik/server:2025.10.2"),
            Some("ak healthcheck")
        );
        assert_eq!(
            has("louislam/uptime-kuma:2"),
            Some("node extra/healthcheck.js")
        );
        assert_eq!(
            has("docker.io/louislam/uptime-kuma:1.23.16"),
            Some("node extra/healthcheck.js")
        );
        assert_eq!(has("goauthentik/server:2025.10.2"), None);
        assert_eq!(has("ghcr.io/goauthentik/proxy:2025.10.2"), None);
        assert_eq!(has("postgres:17"), None);
        assert!(has("ghcr.io/paperless-ngx/paperless-ngx:2.18").is_some());
    }

    #[test]
    fn moved_images_are_found_with_the_new_location() {
        let r = parse_image_ref("minio/minio:latest").unwrap();
        assert_eq!(
            moved(&r).map(|m| m.0),
            Some("quay.io/minio/minio".to_string())
        );
        let r = parse_image_ref("k8s.gcr.io/pause:3.9").unwrap();
        assert_eq!(
            moved(&r).map(|m| m.0),
            Some("registry.k8s.io/pause".to_string())
        );
        let r = parse_image_ref("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z").unwrap();
        assert!(moved(&r).is_none());
        let r = parse_image_ref("minio/minio-console:v1").unwrap();
        assert!(moved(&r).is_none());
    }

    #[test]
    fn known_entrypoints_are_of_docker_hub_images_only() {
        assert_eq!(
            known_entrypoint("redis:7.4.1"),
            Some("docker-entrypoint.sh")
        );
        assert_eq!(
            known_entrypoint("docker.io/library/postgres:17"),
            Some("docker-entrypoint.sh")
        );
        assert_eq!(
            known_entrypoint("valkey/valkey:8"),
            Some("docker-entrypoint.sh")
        );
        assert_eq!(known_entrypoint("ghcr.io/acme/redis:7"), None);
        assert_eq!(known_entrypoint("bitnami/redis:7.4"), None);
    }
}
