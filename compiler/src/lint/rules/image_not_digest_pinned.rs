//! An image pinned by tag only, when the project requires digests.

use super::prelude::*;
use crate::lint::config::Pinning;
use crate::lint::support::images::ImageRole;

declare_rule! {
    /// ## What it does
    /// With `pinning = "digest"` in `[lint.options]`, flags an image (`image`, `build.base` or
    /// `build.builder`) that carries a tag but no `@sha256:` digest. Without that policy the rule
    /// is inactive: a finding on every tag-pinned image would be noise.
    ///
    /// ## Why is this bad?
    /// A tag is a name the publisher can re-point: a compromised or careless publisher can
    /// replace `17.6-alpine` under you. A digest names the exact bytes, so the image you reviewed
    /// is the image that runs. Keep the tag for readers and let a bot (Renovate, Dependabot)
    /// update both.
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
    /// services:
    ///   db:
    ///     image: postgres:17.6-alpine@sha256:<digest of that release>
    /// ```
    pub struct ImageNotDigestPinned;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "image is pinned by tag only where the project requires a digest",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Error,
    backends: &[
        Backend::Compose,
        Backend::Dockerfile,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["security", "supply-chain"],
    requires: Some("`pinning = \"digest\"` in `[lint.options]`"),
};

impl ImageNotDigestPinned {
    fn tag_only(svc: &Service, role: ImageRole, image: &str, span: Span) -> Violation {
        Violation::new(format!("{} `{image}` of `{}` is not pinned by digest", role.describe(), svc.name.value), span, "tag only")
            .help(format!("append the digest of the release: `{image}@sha256:<digest>` (`docker buildx imagetools inspect {image}` prints it)"))
    }
}

/// Reports tag-only images under the digest policy.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    if ctx.options.pinning != Pinning::Digest {
        return;
    }
    for (id, svc) in ctx.services() {
        for image in ctx.pulled_images(svc) {
            if image.role == ImageRole::Built {
                continue;
            }
            let Ok(r) = &image.parsed else { continue };
            if r.tag.is_some() && !r.is_digest_pinned() {
                out.push(
                    ImageNotDigestPinned::tag_only(svc, image.role, image.text, image.span)
                        .in_service(id, image.role.path()),
                );
            }
        }
    }
}

fn digest_policy(o: &mut crate::lint::RuleOptions) {
    o.pinning = Pinning::Digest;
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "digests under the policy; the built image's own name is exempt",
        "
        stack: t
        services:
          a: { image: 'postgres:17.6@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' }
          b:
            build: { base: 'python:3.13-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', image: 'ghcr.io/acme/b:1.0.0' }
        ",
    )
    .options(digest_policy),
    Case::pass(
        "inactive without the policy",
        "
        stack: t
        services:
          a: { image: postgres:17.6 }
        ",
    ),
    Case::fail(
        "tags without digests under the policy, stricter in prod",
        "
        stack: t
        services:
          a: { image: postgres:17.6 }
          b:
            build: { base: python:3.13-slim, image: ghcr.io/acme/b:1.0.0 }
        ",
        &["3:15 error", "5:20 error"],
    )
    .options(digest_policy)
    .env("prod"),
];
