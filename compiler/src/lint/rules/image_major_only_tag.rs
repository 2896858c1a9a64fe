//! An image tag that names only a major version (`17`, `7-alpine`, `5-community`).

use super::prelude::*;
use crate::lint::support::images::ImageRole;

declare_rule! {
    /// ## What it does
    /// Flags an image (`image`, `build.base` or `build.builder`) whose tag names only a major
    /// version, optionally with a variant: `postgres:17-alpine`, `redis:7`, `neo4j:5-community`.
    ///
    /// ## Why is this bad?
    /// A major-only tag moves with every minor and patch release. That is usually what you want
    /// from a base you rebuild often, but for a service it means the software changes on any
    /// re-pull, without a change in the repository: a patch release that changes behaviour, or a
    /// minor release with a data migration, ships unreviewed. In prod the rule is an error.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: redis:7-alpine
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: redis:7.4.5-alpine
    /// ```
    pub struct ImageMajorOnlyTag;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "image tag names only a major version",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Error,
    backends: &[
        Backend::Compose,
        Backend::Dockerfile,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["supply-chain", "reproducibility"],
    requires: None,
};

impl ImageMajorOnlyTag {
    fn major_only(svc: &Service, role: ImageRole, image: &str, tag: &str, span: Span) -> Violation {
        Violation::new(
            format!(
                "{} `{image}` of `{}` names only a major version (`{tag}`)",
                role.describe(),
                svc.name.value
            ),
            span,
            "moves with every minor and patch release",
        )
        .help("pin the full version, e.g. `17.6-alpine` rather than `17-alpine`")
    }
}

/// Reports major-only tags.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for image in ctx.pulled_images(svc) {
            if image.role == ImageRole::Built {
                continue;
            }
            let Ok(r) = &image.parsed else { continue };
            if r.is_major_only_tag() {
                let tag = r.tag.as_deref().unwrap_or_default();
                out.push(
                    ImageMajorOnlyTag::major_only(svc, image.role, image.text, tag, image.span)
                        .in_service(id, image.role.path()),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "full versions, dates, compound versions, digests",
        "
        stack: t
        services:
          a: { image: redis:7.4.5-alpine }
          b: { image: ghcr.io/acme/tool:20240101 }
          c: { image: postgis/postgis:17-3.5 }
          d: { image: 'redis:7@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' }
        ",
    ),
    Case::fail(
        "major only, with a variant, build base",
        "
        stack: t
        services:
          a: { image: redis:7-alpine }
          b: { image: neo4j:5-community }
          c:
            build: { base: 'python:3', image: ghcr.io/acme/c:1 }
        ",
        &["3:15 warning", "4:15 warning", "6:20 warning"],
    ),
    Case::fail(
        "an error in prod",
        "
        stack: t
        services:
          a: { image: postgres:17 }
        ",
        &["3:15 error"],
    )
    .env("prod"),
];
