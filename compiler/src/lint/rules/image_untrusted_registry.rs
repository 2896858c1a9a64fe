//! An image from a registry outside the configured allow-list.

use super::prelude::*;
use crate::lint::support::images::service_images;

declare_rule! {
    /// ## What it does
    /// With `allowed_registries` set in `[lint.options]`, flags an image whose registry is not
    /// in the list. Images without a registry part come from `docker.io`. An entry may name a
    /// registry (`ghcr.io`) or a registry and path prefix (`ghcr.io/acme`). Without the list the
    /// rule is inactive.
    ///
    /// ## Why is this bad?
    /// Organisations mirror and scan the registries they trust. An image pulled from elsewhere
    /// bypasses that scanning and can disappear or change without notice (Docker Hub's rate
    /// limits and repository deletions are common outage causes).
    ///
    /// ## Example
    /// ```yaml
    /// # stackc.toml: [lint.options] allowed_registries = ["ghcr.io/acme", "quay.io"]
    /// services:
    ///   cache:
    ///     image: redis:7.4.5-alpine
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: ghcr.io/acme/mirror/redis:7.4.5-alpine
    /// ```
    pub struct ImageUntrustedRegistry;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "image comes from a registry outside the allow-list",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[
        Backend::Compose,
        Backend::Dockerfile,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["security", "supply-chain"],
    requires: Some("`allowed_registries` in `[lint.options]`"),
};

impl ImageUntrustedRegistry {
    fn untrusted(
        svc: &Service,
        image: &str,
        registry: &str,
        allowed: &[String],
        span: Span,
    ) -> Violation {
        Violation::new(
            format!(
                "image `{image}` of `{}` comes from `{registry}`, which is not an allowed registry",
                svc.name.value
            ),
            span,
            "registry not allowed",
        )
        .help(format!(
            "pull it through an allowed registry ({}), or add `{registry}` to `allowed_registries`",
            allowed.join(", ")
        ))
    }
}

/// Whether `full` (`registry/repository`) is under one of the allowed entries.
fn allowed(full: &str, list: &[String]) -> bool {
    list.iter().any(|a| {
        let a = a.trim_end_matches('/');
        full == a
            || full
                .strip_prefix(a)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Reports images from registries outside the allow-list.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let list = &ctx.options.allowed_registries;
    if list.is_empty() {
        return;
    }
    for (id, svc) in ctx.services() {
        for image in service_images(svc) {
            let Ok(r) = &image.parsed else { continue };
            if r.is_scratch() {
                continue;
            }
            let host = if r.is_docker_hub() {
                "docker.io"
            } else {
                r.registry_host()
            };
            let full = format!("{host}/{}", r.familiar_repository());
            if !allowed(&full, list) {
                out.push(
                    ImageUntrustedRegistry::untrusted(svc, image.text, host, list, image.span)
                        .in_service(id, image.role.path()),
                );
            }
        }
    }
}

fn acme(o: &mut crate::lint::RuleOptions) {
    o.allowed_registries = vec!["ghcr.io/acme".into(), "quay.io".into()];
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "allowed registry and prefix",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/api:1.0.0 }
          b: { image: quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z }
        ",
    )
    .options(acme),
    Case::pass(
        "inactive without a list",
        "
        stack: t
        services:
          a: { image: redis:7.4.5 }
        ",
    ),
    Case::fail(
        "docker hub, another owner on an allowed host",
        "
        stack: t
        services:
          a: { image: redis:7.4.5 }
          b: { image: ghcr.io/acmecorp/api:1.0.0 }
        ",
        &["3:15 warning", "4:15 warning"],
    )
    .options(acme),
];
