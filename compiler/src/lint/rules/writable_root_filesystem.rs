//! A long-running service with a writable root filesystem.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a long-running service that does not set `security: { read_only: true }`. Jobs are
    /// exempt. It is informational in dev and a warning in prod.
    ///
    /// ## Why is this bad?
    /// With a writable root filesystem, an attacker who gets code execution can replace binaries
    /// and drop tools that survive until the container is re-created, and a bug can fill the
    /// container's layer. With a read-only root, the writable places are explicit: volumes for
    /// data, `tmpfs` mounts for scratch space (`/tmp`, `/run`).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     security: { read_only: true }
    ///     volumes: [{ tmpfs: /tmp, size: 64Mi }]
    /// ```
    pub struct WritableRootFilesystem;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "service has a writable root filesystem",
    doc: DOC,
    dev: Level::Info,
    prod: Level::Warning,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security"],
    requires: None,
};

impl WritableRootFilesystem {
    fn writable(svc: &Service, span: Span) -> Violation {
        Violation::new(format!("service `{}` has a writable root filesystem", svc.name.value), span, "`read_only` not set")
            .help("set `security: { read_only: true }` and mount a `tmpfs` at the paths it writes (e.g. `/tmp`)")
    }
}

/// Reports services without a read-only root.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        if svc.is_job() || svc.security.is_read_only() {
            continue;
        }
        let span = svc
            .security
            .read_only
            .as_ref()
            .map(|r| r.span)
            .unwrap_or(svc.name.span);
        out.push(WritableRootFilesystem::writable(svc, span).in_service(id, "security.read_only"));
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "read-only root, and a job",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { read_only: true }, volumes: [{ tmpfs: /tmp }] }
          b: { kind: job, image: ghcr.io/acme/b:1.0.0 }
        ",
    ),
    Case::fail(
        "unset, and explicitly false; a warning in prod",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0 }
          b: { image: ghcr.io/acme/b:1.0.0, security: { read_only: false } }
        ",
        &["3:3 warning", "4:60 warning"],
    )
    .env("prod"),
];
