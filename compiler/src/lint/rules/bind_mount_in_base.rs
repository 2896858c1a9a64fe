//! A host bind mount declared for every environment.

use super::prelude::*;
use crate::lint::support::origin::from_compose_file;

declare_rule! {
    /// ## What it does
    /// Flags a host bind mount written in the service itself rather than in an environment
    /// overlay (`environments.dev.services.NAME.volumes`), so that it applies to every
    /// environment. In a compose file, which has no overlays, only a bind mount of the service's
    /// own build context (its sources mounted over the image) is reported; data directories and
    /// configuration (also from the build context, when mounted under `/etc`) are left to
    /// STK032, which refuses every bind mount in prod.
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

/// Whether a bind mount's host path lies in the service's own build context: the sources the
/// image is built from, mounted over it for hot reload. A compose file has no overlays; there a
/// data directory or a configuration file bind-mounted on purpose is not reported (STK032 refuses
/// every bind mount in prod), only the working tree reaching the image. A mount at a
/// configuration path (`/etc/...`) is configuration, even from the build context (a project
/// whose context folder also holds the service's config files).
fn mounts_own_sources(svc: &Service, source: &str, target: &str) -> bool {
    let Some(b) = &svc.build else {
        return false;
    };
    if target == "/etc" || target.starts_with("/etc/") {
        return false;
    }
    let norm = |p: &str| p.trim_start_matches("./").trim_end_matches('/').to_string();
    let (src, ctx) = (norm(source), norm(&b.context));
    if src.starts_with('/') || src.starts_with("..") {
        return false;
    }
    ctx.is_empty() || ctx == "." || src == ctx || src.starts_with(&format!("{ctx}/"))
}

/// Reports bind mounts outside overlays.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for m in &svc.mounts {
            if let MountKind::Bind(src) = &m.kind
                && !m.from_env_overlay
                && (!from_compose_file(svc) || mounts_own_sources(svc, &src.value, &m.target.value))
            {
                out.push(
                    BindMountInBase::in_base(svc, &src.value, m.span)
                        .in_service(id, format!("volumes.{}", m.target.value)),
                );
            }
        }
    }
}

/// Marks every service as read from a compose file (as the compose frontend does).
fn from_compose(stack: &mut Stack) {
    for s in &mut stack.services {
        s.security.runtime_defaults = Some(s.name.span);
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
    Case::pass(
        "a compose file's data and configuration, also from the build context",
        "
        stack: t
        services:
          api:
            build: { preset: python-uv }
            volumes: ['./conf:/etc/api', './clickhouse/users.xml:/etc/clickhouse-server/users.d/u.xml', '/srv/uploads:/app/uploads']
        ",
    )
    .mutate(from_compose),
    Case::fail(
        "a compose file's sources mounted over the image",
        "
        stack: t
        services:
          api:
            build: { preset: python-uv }
            volumes: ['./src:/app/src']
        ",
        &["5:15 warning"],
    )
    .mutate(from_compose),
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
