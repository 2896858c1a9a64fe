//! An image from a repository that has moved elsewhere.

use super::prelude::*;
use crate::lint::support::images::{ImageRole, moved};

declare_rule! {
    /// ## What it does
    /// Flags an image (`image`, `build.base` or `build.builder`) from a repository its publisher
    /// no longer updates there: `minio/minio` and `minio/mc` on Docker Hub (now on
    /// `quay.io/minio/`), `k8s.gcr.io/*` and `gcr.io/google-containers/*` (now on
    /// `registry.k8s.io`).
    ///
    /// ## Why is this bad?
    /// The old location keeps serving its last images, so nothing breaks at once: you just stop
    /// receiving security fixes, and a pin to a newer release fails to pull.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   storage:
    ///     image: minio/minio:RELEASE.2025-04-22T22-12-26Z
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   storage:
    ///     image: quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z
    /// ```
    pub struct ImageMoved;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "image comes from a repository that moved elsewhere",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[
        Backend::Compose,
        Backend::Dockerfile,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["supply-chain", "maintenance"],
    requires: None,
};

impl ImageMoved {
    fn moved(svc: &Service, image: &str, now: &str, why: &str, span: Span) -> Violation {
        Violation::new(
            format!(
                "image `{image}` of `{}` comes from a repository that moved to `{now}`",
                svc.name.value
            ),
            span,
            "no longer updated here",
        )
        .note(why.to_string())
        .help(format!("pull `{now}` with a current release tag"))
    }
}

/// Reports images from moved repositories.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for image in ctx.pulled_images(svc) {
            if image.role == ImageRole::Built {
                continue;
            }
            let Ok(r) = &image.parsed else { continue };
            if let Some((now, m)) = moved(r) {
                out.push(
                    ImageMoved::moved(svc, image.text, &now, m.why, image.span)
                        .in_service(id, image.role.path()),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "current locations",
        "
        stack: t
        services:
          a: { image: quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z }
          b: { image: registry.k8s.io/pause:3.10 }
        ",
    ),
    Case::fail(
        "minio on docker hub, k8s.gcr.io",
        "
        stack: t
        services:
          a: { image: minio/mc:RELEASE.2025-08-13T08-35-41Z }
          b: { image: docker.io/minio/minio:RELEASE.2025-04-22T22-12-26Z }
          c: { image: k8s.gcr.io/pause:3.9 }
        ",
        &["3:15 warning", "4:15 warning", "5:15 warning"],
    ),
];
