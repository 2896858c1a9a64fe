//! A service that is never restarted, or a job that is restarted forever.

use super::prelude::*;
use crate::lint::fix::{Fix, append_to_block};
use crate::lint::support::origin::from_compose_file;

declare_rule! {
    /// ## What it does
    /// Flags a long-running service with `restart: no`, and a job with `restart: always` or
    /// `unless-stopped`. (Services default to `unless-stopped` and jobs to `no`, so in a stack
    /// spec the rule only fires on an explicit choice.) In a compose file, whose default is `no`,
    /// a service without `restart:` is reported too, unless it sets `deploy.restart_policy`
    /// (which compose applies when `restart:` is absent: `on-failure` and `any` restart it,
    /// `none` is the file's choice of a one-shot container); `stackc lint --fix` adds
    /// `restart: unless-stopped`.
    ///
    /// ## Why is this bad?
    /// A service that is not restarted stays down after its first crash or a host reboot, until
    /// someone notices. A job restarted unconditionally runs again and again after it succeeds:
    /// migrations and seed scripts re-run, and `depends_on: { job: completed }` never holds.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     restart: "no"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     restart: unless-stopped
    /// ```
    pub struct RestartPolicyMissing;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "service is never restarted, or job is restarted forever",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["reliability"],
    requires: None,
};

impl RestartPolicyMissing {
    fn never(svc: &Service, span: Span) -> Violation {
        Violation::new(format!("service `{}` is never restarted", svc.name.value), span, "stays down after a crash or reboot")
            .help("use `restart: unless-stopped` (the default), or `on-failure`; mark one-shot containers `kind: job`")
    }

    /// A compose service without `restart:`, reported at its name.
    fn unset(svc: &Service) -> Violation {
        Violation::new(
            format!("service `{}` is never restarted", svc.name.value),
            svc.name.span,
            "no `restart:`: compose's default is `no`",
        )
        .help("add `restart: unless-stopped` (`stackc lint --fix` does), or `on-failure`")
    }

    fn forever(svc: &Service, policy: RestartPolicy, span: Span) -> Violation {
        Violation::new(
            format!(
                "job `{}` is restarted `{}`, so it runs again after it completes",
                svc.name.value,
                policy.as_str()
            ),
            span,
            "restarts a finished job",
        )
        .help("use `restart: on-failure` to retry a failed job, or leave `restart` out")
    }
}

/// Reports restart policies that contradict the workload kind.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let Some(span) = svc.restart.span else {
            // Compose's default is `no`: a compose service without `restart:` is never restarted.
            if from_compose_file(svc) && !svc.is_job() && !has_restart_policy(ctx, svc) {
                let fix =
                    append_to_block(&ctx.file().text, svc.name.span, "restart: unless-stopped")
                        .map(|e| Fix::new("add `restart: unless-stopped`", vec![e]));
                out.push(
                    RestartPolicyMissing::unset(svc)
                        .fix(fix)
                        .in_service(id, "restart"),
                );
            }
            continue;
        };
        let p = svc.restart.policy;
        let v = match (svc.is_job(), p) {
            (false, RestartPolicy::No) => RestartPolicyMissing::never(svc, span),
            (true, RestartPolicy::Always | RestartPolicy::UnlessStopped) => {
                RestartPolicyMissing::forever(svc, p, span)
            }
            _ => continue,
        };
        out.push(v.in_service(id, "restart"));
    }
}

/// Whether the compose file gives the service a `deploy.restart_policy` (kept for compose only).
fn has_restart_policy(ctx: &Ctx<'_>, svc: &Service) -> bool {
    ctx.stack
        .targets
        .compose
        .service(&svc.name.value)
        .iter()
        .any(|(k, v)| k == "deploy" && v.get("restart_policy").is_some())
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
        "defaults and sensible choices",
        "
        stack: t
        services:
          api: { image: ghcr.io/acme/api:1.0.0 }
          worker: { image: ghcr.io/acme/worker:1.0.0, restart: on-failure }
          seed: { kind: job, image: ghcr.io/acme/seed:1.0.0, restart: on-failure }
        ",
    ),
    Case::pass(
        "a compose service with a deploy restart policy",
        "
        stack: t
        services:
          worker: { image: ghcr.io/acme/worker:1.0.0 }
          setup: { image: ghcr.io/acme/setup:1.0.0 }
        targets:
          compose:
            services:
              worker: { deploy: { restart_policy: { condition: on-failure } } }
              setup: { deploy: { restart_policy: { condition: none } } }
        ",
    )
    .mutate(from_compose),
    Case::fail(
        "a compose service with neither restart nor a deploy restart policy",
        "
        stack: t
        services:
          worker: { image: ghcr.io/acme/worker:1.0.0 }
          web: { image: ghcr.io/acme/web:1.0.0 }
        targets:
          compose:
            services:
              worker: { deploy: { labels: { tier: back } } }
        ",
        &["3:3 warning", "4:3 warning"],
    )
    .mutate(from_compose),
    Case::fail(
        "never restarted service, forever restarted job",
        "
        stack: t
        services:
          api: { image: ghcr.io/acme/api:1.0.0, restart: 'no' }
          seed: { kind: job, image: ghcr.io/acme/seed:1.0.0, restart: always }
        ",
        &["3:50 warning", "4:63 warning"],
    ),
];
