//! An image or container command written as a string, run through `/bin/sh -c`.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags `build.cmd`, `command` and `entrypoint` written as a single string. A string is
    /// shell form: stackc runs it as `/bin/sh -c "<string>"` (the Dockerfile's `CMD` and the
    /// compose and Kubernetes commands are the JSON array `["/bin/sh", "-c", ...]`). A list is
    /// exec form and runs the program directly. A list that calls a shell on purpose
    /// (`[sh, -c, "..."]`) is not flagged.
    ///
    /// ## Why is this bad?
    /// In shell form, process 1 of the container is `sh`, not the service. `sh` does not pass
    /// `SIGTERM` on, so `docker stop` and Kubernetes wait for the grace period and kill the
    /// service without letting it shut down cleanly (connections dropped, buffers lost), and the
    /// service's own signal handling never runs. hadolint reports the same for Dockerfiles as
    /// DL3025 and BuildKit as `JSONArgsRecommended`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       preset: python-uv
    ///       cmd: "uvicorn app.main:app --host 0.0.0.0"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       preset: python-uv
    ///       cmd: [uvicorn, app.main:app, --host, 0.0.0.0]
    /// ```
    pub struct ShellFormEntrypoint;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "command written as a string runs under a shell that swallows signals",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[Backend::Dockerfile, Backend::Compose, Backend::Kubernetes],
    tags: &["reliability"],
    requires: None,
};

impl ShellFormEntrypoint {
    fn shell(svc: &Service, what: &str, span: Span) -> Violation {
        Violation::new(format!("the {what} of `{}` is a string, run by `/bin/sh -c`", svc.name.value), span, "process 1 is `sh`")
            .help("write it as a list, e.g. `[uvicorn, app.main:app]`; if it needs a shell, write `[sh, -c, \"... && exec program\"]` so the program replaces the shell")
    }
}

/// Reports shell-form commands.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        if let Some(span) = svc.build.as_ref().and_then(|b| b.cmd_shell) {
            out.push(
                ShellFormEntrypoint::shell(svc, "image command (`build.cmd`)", span)
                    .in_service(id, "build.cmd"),
            );
        }
        for (what, path, cmd) in [
            ("command", "command", &svc.command),
            ("entrypoint", "entrypoint", &svc.entrypoint),
        ] {
            if let Some(c) = cmd.as_ref().filter(|c| c.shell) {
                out.push(ShellFormEntrypoint::shell(svc, what, c.span).in_service(id, path));
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "lists, and a list that calls a shell on purpose",
        "
        stack: t
        services:
          a:
            build: { preset: python-uv, cmd: [uvicorn, app.main:app] }
          b:
            image: redis:7.4.5-alpine
            command: [sh, -c, 'exec redis-server --save 60 1']
        ",
    ),
    Case::fail(
        "string image command and string service command",
        "
        stack: t
        services:
          a:
            build: { preset: python-uv, cmd: 'uvicorn app.main:app' }
          b:
            image: redis:7.4.5-alpine
            command: redis-server --save 60 1
        ",
        &["4:38 warning", "7:14 warning"],
    ),
];
