//! An official image whose release cycle is past its end of life.

use super::prelude::*;
use crate::lint::support::eol::{COMPILED, Eol, past_eol};
use crate::lint::support::images::ServiceImage;

declare_rule! {
    /// ## What it does
    /// Flags an official Docker Hub image (`image`, `build.base` or `build.builder`) whose tag
    /// names a release cycle past its end of life: PostgreSQL 14 and older, Node.js 21 and
    /// older (every odd release, and 20), Python 3.9 and older, MySQL 5.7 and 8.0, Redis 5.0,
    /// 6.0, 7.0 and 8.0, MongoDB 6.0 and older. The table is data
    /// (`compiler/src/lint/support/eol.rs`), taken from endoflife.date and dated; a tag that does
    /// not name the cycle completely (`redis:6`, `python:3`) is not reported.
    ///
    /// ## Why is this bad?
    /// Past its end of life a release gets no fixes, security fixes included: every
    /// vulnerability found from then on stays open in the image, and the upgrade that finally
    /// becomes unavoidable spans several major versions at once.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:12.22
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.6
    /// ```
    pub struct ImageEndOfLife;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "image release is past its end of life",
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
    requires: None,
};

impl ImageEndOfLife {
    fn ended(svc: &Service, image: &ServiceImage<'_>, eol: &Eol) -> Violation {
        Violation::new(
            format!(
                "{} `{}` of `{}` is {} {}, past its end of life since {}",
                image.role.describe(),
                image.text,
                svc.name.value,
                eol.image,
                eol.cycle,
                eol.date
            ),
            image.span,
            "no more security fixes",
        )
        .help(format!(
            "move to a supported release of `{}` (see https://endoflife.date)",
            eol.image
        ))
        .note(format!(
            "end-of-life table of {COMPILED}, from endoflife.date"
        ))
    }
}

/// Reports images past their end of life.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for image in ctx.pulled_images(svc) {
            let Ok(r) = &image.parsed else { continue };
            if !r.is_docker_hub() {
                continue;
            }
            let Some(tag) = r.tag.as_deref() else {
                continue;
            };
            if let Some(e) = past_eol(r.familiar_repository(), tag) {
                out.push(ImageEndOfLife::ended(svc, &image, e).in_service(id, image.role.path()));
            }
        }
    }
}

/// Pass and fail cases: spec snippets and the exact `line:col severity` of each finding.
pub const CASES: &[Case] = &[
    Case::pass(
        "supported releases, incomplete cycles, other repositories",
        "
        stack: t
        services:
          db: { image: postgres:17.6-alpine }
          cache: { image: 'redis:6' }
          app: { image: 'python:3.12-slim' }
          geo: { image: 'postgis/postgis:12-3.4' }
          web: { image: 'ghcr.io/acme/node:16' }
        ",
    ),
    Case::fail(
        "postgres 12, node 16 as a build base, python 3.8, mysql 5.7 (an error in prod)",
        "
        stack: t
        services:
          db: { image: 'postgres:12.4' }
          web:
            build: { base: 'node:16-alpine' }
          api: { image: 'python:3.8-slim-bookworm' }
          legacy: { image: 'docker.io/library/mysql:5.7.44' }
        ",
        &["3:16 error", "5:20 error", "6:17 error", "7:20 error"],
    )
    .env("prod"),
];
