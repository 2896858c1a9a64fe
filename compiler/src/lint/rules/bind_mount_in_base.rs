//! A host bind mount declared for every environment.

use super::prelude::*;
use crate::lint::support::origin::from_compose_file;

declare_rule! {
    /// ## What it does
    /// Flags a host bind mount written in the service itself rather than in an environment
    /// overlay (`environments.dev.services.NAME.volumes`), so that it applies to every
    /// environment. Compose files, which have no overlays, are not reported (a bind mount there
    /// is refused in prod by STK032).
    ///
    /// ## Why is this bad?
    /// Bind mounts are a development convenience (hot reload of sources). Written in the base, the
    /// mount ships to every environment: the validator refuses it in prod (STK032), so the spec
    /// only builds for prod once it is moved, and in the meantime the dev and CI containers run
    /// the working tree instead of the image's code.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build: { preset: python-uv }
    ///     volumes: ["./src:/app/src"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     build: { preset: python-uv }
    /// environments:
    ///   dev:
    ///     services:
    ///       api: { volumes: ["./src:/app/src"] }
    /// ```
    pub struct BindMountInBase;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "host bind mount applies to every environment",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["reliability", "storage"],
    requires: None,
};

impl BindMountInBase {
    fn in_base(svc: &Service, source: &str, span: Span) -> Violation {
        Violation::new(
            format!(
                "host bind mount `{source}` of `{}` applies to every environment",
                svc.name.value
            ),
            span,
            "declared in the base service",
        )
        .help(format!(
            "move it to `environments.dev.services.{}.volumes`",
            svc.name.value
        ))
    }
}

/// Reports bind mounts outside overlays.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    // A compose file has no environment overlays to move the mount into (STK032 refuses it in
    // prod).
    for (id, svc) in ctx.services().filter(|(_, s)| !from_compose_file(s)) {
        for m in &svc.mounts {
            if let MountKind::Bind(src) = &m.kind
                && !m.from_env_overlay
            {
                out.push(
                    BindMountInBase::in_base(svc, &src.value, m.span)
                        .in_service(id, format!("volumes.{}", m.target.value)),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "bind in the dev overlay",
        "
        stack: t
        services:
          api:
            build: { preset: python-uv }
        environments:
          dev:
            services:
              api: { volumes: ['./src:/app/src'] }
          prod: {}
        ",
    ),
    Case::fail(
        "bind in the base",
        "
        stack: t
        services:
          api:
            build: { preset: python-uv }
            volumes: ['./src:/app/src']
        ",
        &["5:15 warning"],
    ),
];
