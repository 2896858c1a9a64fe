//! An image tag that names a moving target (`latest`, `stable`, `main`, ...).

use super::prelude::*;
use crate::lint::support::images::ImageRole;

declare_rule! {
    /// ## What it does
    /// Flags an image whose tag names a moving target rather than a release: `latest`, `stable`,
    /// `edge`, `nightly`, `dev`, `test`, `beta`, `canary`, `lts`, `main`, `master` (configurable
    /// with `floating_tags` in `[lint.options]`), unless a digest pins it. The `image:` of a
    /// service built here (beside `build:`, or in a compose file beside a `build:` kept for
    /// compose only, such as `context: ..`) names what the build produces and is not reported.
    ///
    /// ## Why is this bad?
    /// The tag is re-pointed at every release. A restart, a new node or a cache eviction pulls a
    /// different image than the one tested, and nothing in the repository records which one ran.
    /// A major upgrade can arrive unannounced, with a changed data format.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vectors:
    ///     image: qdrant/qdrant:latest
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   vectors:
    ///     image: qdrant/qdrant:v1.15.4
    /// ```
    pub struct ImageFloatingTag;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "image tag names a moving target such as `latest`",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[
        Backend::Compose,
        Backend::Dockerfile,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["security", "supply-chain", "reproducibility"],
    requires: None,
};

impl ImageFloatingTag {
    fn floating(svc: &Service, role: ImageRole, image: &str, tag: &str, span: Span) -> Violation {
        let repo = image.rsplit_once(':').map(|(r, _)| r).unwrap_or(image);
        Violation::new(
            format!(
                "{} `{image}` of `{}` uses the floating tag `{tag}`",
                role.describe(),
                svc.name.value
            ),
            span,
            format!("`{tag}` moves with every release"),
        )
        .help(format!(
            "pin a release tag, e.g. `{repo}:<version>`, and update it on purpose"
        ))
    }
}

/// Reports floating tags.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let floating: Vec<&str> = ctx
        .options
        .floating_tags
        .iter()
        .map(String::as_str)
        .collect();
    for (id, svc) in ctx.services() {
        for image in ctx.pulled_images(svc) {
            let Ok(r) = &image.parsed else { continue };
            if r.is_floating_tag(&floating) {
                let tag = r.tag.as_deref().unwrap_or_default();
                out.push(
                    ImageFloatingTag::floating(svc, image.role, image.text, tag, image.span)
                        .in_service(id, image.role.path()),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "release tags, a digest-pinned latest, a version containing a floating word",
        "
        stack: t
        services:
          a: { image: qdrant/qdrant:v1.15.4 }
          b: { image: 'nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' }
          c: { image: node:22-bookworm-slim }
          d: { image: ghcr.io/acme/tool:latest-1.2 }
          e: { image: 'acme-web:latest', build: { base: 'debian:12.11-slim' } }
        ",
    ),
    Case::fail(
        "latest, stable, case-insensitive, build base",
        "
        stack: t
        services:
          a: { image: qdrant/qdrant:latest }
          b: { image: 'traefik:STABLE' }
          c:
            build: { base: 'python:main', image: 'ghcr.io/acme/api:1.0.0' }
        ",
        &["3:15 error", "4:15 error", "6:20 error"],
    ),
    Case::pass(
        "an image compose builds from a `build:` kept for compose only",
        "
        stack: t
        services:
          mealie: { image: 'mealie:dev' }
        targets:
          compose:
            services:
              mealie: { build: { context: '../', target: production } }
        ",
    ),
    Case::fail(
        "other compose-only fields do not make a pulled image a build's",
        "
        stack: t
        services:
          kestra: { image: 'kestra/kestra:latest' }
        targets:
          compose:
            services:
              kestra: { pull_policy: always }
        ",
        &["3:20 error"],
    ),
    Case::fail(
        "a configured tag list",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/api:snapshot }
          b: { image: nginx:latest }
        ",
        &["3:15 error"],
    )
    .options(|o| o.floating_tags = vec!["snapshot".into()]),
];
