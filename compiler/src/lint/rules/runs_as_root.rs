//! A service or image that states it runs as root.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags `user: root` or UID 0 (`0`, `0:0`, `root:root`) on a service, and `build.user` set to
    /// root in a build recipe. stackc cannot see inside third-party images, so a service that
    /// leaves `user` out is not flagged; build recipes default to a non-root user.
    ///
    /// ## Why is this bad?
    /// Root in a container is root on the host's kernel: a container escape, a writable host
    /// mount or an added capability turns into full host compromise. Most images run fine as an
    /// unprivileged user. It is an error in prod.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: ghcr.io/acme/worker:1.0.0
    ///     user: root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: ghcr.io/acme/worker:1.0.0
    ///     user: "10001:10001"
    /// ```
    pub struct RunsAsRoot;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "service or image runs as root",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Error,
    backends: &[
        Backend::Compose,
        Backend::Dockerfile,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["security"],
    requires: None,
};

/// Whether a `user` value names root.
pub fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root" || name == "0"
}

impl RunsAsRoot {
    fn root(svc: &Service, what: &str, span: Span) -> Violation {
        Violation::new(format!("{what} `{}` runs as root", svc.name.value), span, "UID 0")
            .help("run as an unprivileged user, e.g. `user: \"10001:10001\"`, and give it ownership of the paths it writes")
    }
}

/// Reports explicit root users.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        if let Some(u) = svc.user.as_ref().filter(|u| is_root(&u.value)) {
            out.push(RunsAsRoot::root(svc, "service", u.span).in_service(id, "user"));
        }
        if let Some(u) = svc
            .build
            .as_ref()
            .and_then(|b| b.user.as_ref())
            .filter(|u| is_root(&u.value))
        {
            out.push(
                RunsAsRoot::root(svc, "the image built for", u.span).in_service(id, "build.user"),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "unprivileged users and the default",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, user: '10001:10001' }
          b: { image: ghcr.io/acme/b:1.0.0, user: rooted }
          c: { build: { preset: python-uv } }
        ",
    ),
    Case::fail(
        "root by name and uid, build user; an error in prod",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, user: root }
          b: { image: ghcr.io/acme/b:1.0.0, user: '0:0' }
          c: { build: { preset: python-uv, user: root } }
        ",
        &["3:43 error", "4:43 error", "5:42 error"],
    )
    .env("prod"),
];
