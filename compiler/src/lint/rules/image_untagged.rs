//! An image reference with neither tag nor digest.

use super::prelude::*;
use crate::lint::support::image_ref::ImageRefError;
use crate::lint::support::images::ServiceImage;

declare_rule! {
    /// ## What it does
    /// Flags an image reference (`image`, `build.base`, `build.builder` or `build.image`) that
    /// has neither a tag nor a digest, such as `postgres` or `registry.example.com:5000/app`,
    /// and a reference that is not a valid image name at all. The `image:` of a service that
    /// also has `build:` names the image the build produces, not one pulled: it is not
    /// reported as untagged. Neither is the `image:` of a compose service whose `build:` is
    /// kept for compose only (a context outside the project or from a variable, such as
    /// `context: ..`), nor the name compose gives such a build when it has no `image:`.
    ///
    /// ## Why is this bad?
    /// Without a tag every runtime pulls `latest`, whatever that is on the day of the pull: two
    /// machines deploying the same spec can run different software, and a rollback pulls the
    /// same moving target again. `host:5000/app` is a common trap: the `:5000` is the registry's
    /// port, not a tag.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.6-alpine
    /// ```
    pub struct ImageUntagged;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "image has neither a tag nor a digest",
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

impl ImageUntagged {
    fn untagged(svc: &Service, image: &ServiceImage<'_>) -> Violation {
        Violation::new(
            format!(
                "{} `{}` of `{}` has neither a tag nor a digest",
                image.role.describe(),
                image.text,
                svc.name.value
            ),
            image.span,
            "pulls whatever `latest` is today",
        )
        .help(format!(
            "pin a release: `{}:<version>`, or `{}@sha256:<digest>`",
            image.text, image.text
        ))
    }

    fn invalid(svc: &Service, image: &ServiceImage<'_>, err: &ImageRefError) -> Violation {
        Violation::new(
            format!(
                "{} `{}` of `{}` is not a valid image reference: {err}",
                image.role.describe(),
                image.text,
                svc.name.value
            ),
            image.span,
            "not an image reference",
        )
        .help("write `[registry/]repository:tag[@sha256:digest]`, with a lowercase repository")
    }
}

/// Reports untagged and invalid image references.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for image in ctx.service_images(svc) {
            let v = match &image.parsed {
                Ok(r) if r.is_untagged() && !r.is_scratch() && !image.local => {
                    ImageUntagged::untagged(svc, &image)
                }
                Ok(_) => continue,
                // A tag injected when deploying (`${vars.tag}` with `from_env`): nothing to judge.
                Err(ImageRefError::Unresolved) if image.text.contains("${vars.") => continue,
                Err(e) => ImageUntagged::invalid(svc, &image, e),
            };
            out.push(v.in_service(id, image.role.path()));
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "tag, digest, or both",
        "
        stack: t
        services:
          a: { image: postgres:17.6 }
          b: { image: 'redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' }
          c: { image: 'registry.example.com:5000/app:1.2.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' }
          d: { build: { base: scratch } }
          e: { image: acme-web, build: { base: 'debian:12.11-slim' } }
        ",
    ),
    Case::pass(
        "a tag injected when deploying, in the image and the built image",
        "
        stack: t
        variables:
          tag: { from_env: IMAGE_TAG }
        services:
          a: { image: 'acme/web:${vars.tag}' }
          b: { build: { preset: go, image: 'ghcr.io/acme/b:${vars.tag}' } }
        ",
    ),
    Case::fail(
        "no tag, registry port is not a tag, build base and built image",
        "
        stack: t
        services:
          a: { image: postgres }
          b: { image: 'registry.example.com:5000/app' }
          c:
            build: { base: python, image: ghcr.io/acme/api }
          d:
            build: { preset: rust-cargo, builder: rust, base: 'debian:12.11-slim', image: ghcr.io/acme/d:1.0.0 }
        ",
        &["3:15 error", "4:15 error", "6:20 error", "6:35 error", "8:43 error"],
    ),
    Case::pass(
        "images compose builds from a `build:` kept for compose only",
        "
        stack: t
        services:
          lemmy: { image: docker-lemmy }
          prebuilt: { image: acme_prebuilt }
        targets:
          compose:
            services:
              lemmy: { build: { context: '..', dockerfile: docker/Dockerfile } }
              prebuilt: { build: { context: '${PWD}' } }
        ",
    ),
    Case::fail(
        "other compose-only fields do not make a pulled image a build's",
        "
        stack: t
        services:
          mail: { image: bytemark/smtp }
        targets:
          compose:
            services:
              mail: { pull_policy: always, container_name: mail }
        ",
        &["3:18 error"],
    ),
    Case::fail(
        "invalid reference",
        "
        stack: t
        services:
          a: { image: Postgres/Server:17 }
        ",
        &["3:15 error"],
    ),
];
