//! Health checks: podman runs `health.cmd` (an http/tcp probe is a loss, no command at all is
//! `STK053`), and how a unit others wait on as `healthy` reports that it is ready.

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{Condition, Service, SystemdFlavour, format_duration};

use super::commands::ShellVar;
use super::keys::Via;
use crate::output::Outcome;
use crate::systemd::Emitter;
use crate::systemd::quadlet_keys::{PodmanVersion, notify_healthy_since};

/// A health check podman or docker runs.
#[derive(Clone, Debug)]
pub(crate) struct HealthPlan {
    /// The command, exec form (podman's `--health-cmd` JSON array).
    pub argv: Vec<String>,
    /// Where the command (or, without one, the check) was written.
    pub cmd_span: Span,
    /// Where the check was written.
    pub span: Span,
    pub interval: String,
    pub timeout: String,
    pub retries: u32,
    /// `None` when there is no start period.
    pub start_period: Option<String>,
}

/// When systemd counts the unit as started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// Once the container has started.
    Started,
    /// Once its health check passes (some service waits on it as `healthy`): Quadlet's
    /// `Notify=healthy` ([`Via::Key`]) or `--sdnotify=healthy`; plain units poll the check.
    Healthy(Via),
}

/// The health check, if the target can run it; `STK050` when Quadlet lacks `HealthCmd=`.
pub(super) fn lower(e: &mut Emitter, svc: &Service, vars: &[ShellVar]) -> Option<HealthPlan> {
    let h = svc.health.as_ref()?;
    if !e.key_or_refuse(svc, "HealthCmd", Some(h.span), "health check") {
        return None;
    }
    let argv = health_argv(e, svc, vars)?;
    Some(HealthPlan {
        argv,
        cmd_span: h.cmd.as_ref().map(|c| c.span).unwrap_or(h.span),
        span: h.span,
        interval: format_duration(h.interval),
        timeout: format_duration(h.timeout),
        retries: h.retries,
        start_period: (!h.start_period.is_zero()).then(|| format_duration(h.start_period)),
    })
}

/// The health command's argv (exec form, no shell), or `STK053` when there is none.
fn health_argv(e: &mut Emitter, svc: &Service, vars: &[ShellVar]) -> Option<Vec<String>> {
    let h = svc.health.as_ref()?;
    let Some(cmd) = &h.cmd else {
        e.error(
            Diagnostic::error(ErrorCode::SystemdProbeNeedsCmd, format!("systemd cannot check the health of `{}` without a command", svc.name.value))
                .at(&e.stack.file, h.span, "http/tcp check only")
                .help("add `health.cmd` (a command run inside the container, e.g. `[wget, -q, --spider, http://localhost:8080/healthz]`)"),
        );
        return None;
    };
    if h.http.is_some() || h.tcp.is_some() {
        e.loss(
            Some(svc),
            "health.http/tcp",
            Outcome::Approximated(
                "podman runs `health.cmd`; the http/tcp probe is used by Kubernetes".into(),
            ),
            Some(h.span),
        );
    }
    let (argv, written) = e.health_words(svc, cmd, vars)?;
    let first = written
        .first()
        .map(|a| a.to_ascii_uppercase())
        .unwrap_or_default();
    if matches!(first.as_str(), "CMD" | "CMD-SHELL" | "NONE") {
        e.error(
            Diagnostic::error(
                ErrorCode::SystemdUnsafeValue,
                format!(
                    "the health check of `{}` starts with `{}`, which podman reads as a keyword",
                    svc.name.value, written[0]
                ),
            )
            .at(&e.stack.file, cmd.span, "this command")
            .help("write the command itself, without the Docker `CMD`/`CMD-SHELL` prefix"),
        );
        return None;
    }
    if argv.len() == 1 && !is_plain_word(&argv[0]) {
        e.error(
            Diagnostic::error(
                ErrorCode::SystemdUnsafeValue,
                format!(
                    "podman would run the one-word health check of `{}` through a shell",
                    svc.name.value
                ),
            )
            .at(&e.stack.file, cmd.span, "this command")
            .help("split it into its arguments, or use the shell form (`cmd: \"...\"`)"),
        );
        return None;
    }
    Some(argv)
}

fn is_plain_word(w: &str) -> bool {
    w.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_./:=@+,-".contains(&b))
}

/// When the unit counts as started: once healthy when another service waits for that (a job
/// has exited by then, so it never does), as far as the targeted Podman can tell systemd.
pub(super) fn readiness(e: &mut Emitter, svc: &Service, awaited: bool) -> Readiness {
    if !awaited || svc.health.is_none() || svc.is_job() {
        return Readiness::Started;
    }
    match e.opts.flavour {
        SystemdFlavour::Units => Readiness::Healthy(Via::Arg),
        _ if e.version >= notify_healthy_since() => Readiness::Healthy(Via::Key),
        _ if e.version >= PodmanVersion::new(4, 7) => e
            .via(svc, None, None, "health notification")
            .map_or(Readiness::Started, Readiness::Healthy),
        _ => Readiness::Started,
    }
}

/// Quadlet below Podman 4.7: a dependency on a healthy service only waits until it started.
pub(super) fn healthy_wait_losses(e: &mut Emitter, svc: &Service) {
    if e.opts.flavour != SystemdFlavour::Quadlet || e.version >= PodmanVersion::new(4, 7) {
        return;
    }
    let stack = e.stack;
    for d in &svc.depends_on {
        if d.condition == Condition::Healthy {
            e.loss(
                Some(svc),
                format!("depends_on.{}: healthy", stack.service(d.service).name.value),
                Outcome::Approximated(format!(
                    "Podman {} cannot report health to systemd (`Notify=healthy` needs {}, `--sdnotify=healthy` 4.7): `After=` waits until the container has started",
                    e.version,
                    notify_healthy_since()
                )),
                Some(d.span),
            );
        }
    }
}
