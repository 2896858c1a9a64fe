//! One service lowered: identity, dependencies, image, ports, command, security, resources,
//! restart, and the loss entries every flavour reports the same way.

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{HostNamespace, RestartPolicy, Runtime, Service, SystemdFlavour};

use super::commands::{self, ShellVar};
use super::net::{self, Joins};
use super::{Chown, SecurityPlan, ServicePlan, StackPlan, health, mounts, secrets};
use crate::output::Outcome;
use crate::systemd::{Emitter, cpus as cpu_amount, memory as memory_size};

/// Lowers the service at `index`; `awaited` says whether another service waits for it to be healthy.
pub(super) fn lower(
    e: &mut Emitter,
    plan: &mut StackPlan,
    (index, svc): (usize, &Service),
    joins: Joins,
    awaited: bool,
) -> ServicePlan {
    let stack = e.stack;
    health::healthy_wait_losses(e, svc);
    let image = image(e, svc);
    let net = net::name(e, svc, joins);
    let ports = ports(e, svc, net.host);
    let mounts = mounts::lower(e, plan, svc);
    let vars = commands::shell_vars(e, svc);
    let (env, env_file) = secrets::lower_env(e, svc, &vars);
    let env_file = env_file.map(|f| plan.env_files.push(f)).is_some();
    let (entrypoint, command) = process(e, svc, &vars);
    let workdir = svc
        .workdir
        .as_ref()
        .filter(|w| e.key_or_refuse(svc, "WorkingDir", Some(w.span), "workdir"))
        .map(|w| (w.value.clone(), w.span));
    let health = health::lower(e, svc, &vars);
    let readiness = health::readiness(e, svc, awaited);
    let security = security(e, svc);
    let (memory, cpus) = resources(e, svc);
    common_losses(e, svc);
    let kind = if svc.is_job() { "job" } else { "service" };
    ServicePlan {
        index,
        base: e.base(svc),
        dns_name: svc.dns_name.clone(),
        description: (
            format!("{}: {kind} `{}` (stackc)", e.name(), svc.name.value),
            svc.name.span,
        ),
        job: svc.is_job(),
        kind_span: svc.kind_span,
        scheduled: svc.schedule.is_some(),
        requires: svc
            .depends_on
            .iter()
            .map(|d| format!("{}.service", e.base(stack.service(d.service))))
            .collect(),
        net,
        ports,
        mounts,
        chowns: chowns(e, svc),
        env,
        env_file,
        image,
        entrypoint,
        command,
        workdir,
        user: svc.user.as_ref().map(|u| (u.value.clone(), u.span)),
        health,
        readiness,
        security,
        labels: svc
            .labels
            .iter()
            .map(|(k, v)| (format!("{}={}", k.value, v.value), v.span))
            .collect(),
        memory,
        cpus,
        restart: (restart(e, svc), svc.restart.span),
        start_limit: svc
            .restart
            .max_retries
            .map(|n| (n.saturating_add(1), svc.restart.span)),
    }
}

/// Published ports; with the host's network there is nothing to publish (a loss).
fn ports(e: &mut Emitter, svc: &Service, host: bool) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for p in &svc.ports {
        let Some(spec) = p.publish_spec() else {
            continue;
        };
        if host {
            e.loss(Some(svc), "ports", Outcome::Dropped("with the host's network, the container's ports are the host's; nothing is published".into()), Some(p.span));
            continue;
        }
        out.push((spec, p.span));
    }
    out
}

type Entrypoint = Option<(Vec<String>, Span, super::Via)>;

/// The entrypoint (and how Quadlet writes it) and the command, with their spans.
fn process(
    e: &mut Emitter,
    svc: &Service,
    vars: &[ShellVar],
) -> (Entrypoint, Option<(Vec<String>, Span)>) {
    let p = e.process(svc, vars);
    // The spec's entrypoint, or the image's known one a secret in the command needs.
    let ep_span = svc
        .entrypoint
        .as_ref()
        .or(svc.command.as_ref())
        .map(|c| c.span);
    let entrypoint = ep_span.zip(p.entrypoint).and_then(|(span, argv)| {
        let via = e.via(svc, Some("Entrypoint"), Some(span), "entrypoint")?;
        Some((argv, span, via))
    });
    let command = svc
        .command
        .as_ref()
        .zip(p.command)
        .map(|(c, argv)| (argv, c.span));
    (entrypoint, command)
}

/// Docker units: each owned volume is chowned to its user before the container starts.
fn chowns(e: &Emitter, svc: &Service) -> Vec<Chown> {
    if e.opts.flavour != SystemdFlavour::Units || e.runtime() != Runtime::Docker {
        return Vec::new();
    }
    e.stack
        .owned_volumes(svc)
        .into_iter()
        .map(|(vid, o)| Chown {
            volume: format!("{}-{}", e.name(), e.stack.volume(vid).dns_name),
            uid: o.uid,
            gid: o.gid,
        })
        .collect()
}

fn security(e: &mut Emitter, svc: &Service) -> SecurityPlan {
    let sec = &svc.security;
    let spanned = |v: &[stackc_compiler::syntax::Sp<String>]| -> Vec<(String, Span)> {
        v.iter().map(|x| (x.value.clone(), x.span)).collect()
    };
    let privileged_span = sec.privileged.as_ref().map(|p| p.span);
    let privileged = (sec.is_privileged()
        && e.via(svc, None, privileged_span, "privileged").is_some())
    .then_some(privileged_span);
    let mut security_opt = spanned(&sec.security_opt);
    security_opt.retain(|(_, span)| e.via(svc, None, Some(*span), "security_opt").is_some());
    let mut host_namespaces: Vec<_> = (sec.host_namespaces.iter())
        .map(|ns| (ns.value, ns.span))
        .collect();
    host_namespaces.retain(|(ns, span)| {
        *ns != HostNamespace::Network && e.via(svc, None, Some(*span), "host namespace").is_some()
    });
    SecurityPlan {
        read_only: sec
            .is_read_only()
            .then(|| sec.read_only.as_ref().map(|r| r.span)),
        no_new_privileges: sec.no_new_privileges.value,
        cap_drop: spanned(&sec.cap_drop),
        cap_add: spanned(&sec.cap_add),
        privileged,
        security_opt,
        host_namespaces,
    }
}

type Memory = Option<(String, Span, super::Via)>;

/// Memory and CPU limits.
fn resources(e: &mut Emitter, svc: &Service) -> (Memory, Option<(String, Span)>) {
    let r = &svc.resources;
    let memory = r.memory.as_ref().and_then(|m| {
        let via = e.via(svc, Some("Memory"), Some(m.span), "memory limit")?;
        Some((memory_size(m.bytes), m.span, via))
    });
    let cpus = r.cpus.as_ref().and_then(|c| {
        e.via(svc, None, Some(c.span), "cpu limit")?;
        Some((cpu_amount(c.value), c.span))
    });
    (memory, cpus)
}

/// The image a service runs, fully qualified for Podman (`docker.io/library/postgres:...`);
/// a build-only service without `build.image` is `STK054`, an image read as an option `STK051`.
fn image(e: &mut Emitter, svc: &Service) -> Option<(String, Span)> {
    let (image, span) = image_as_written(e, svc)?;
    let image = if e.opts.flavour == SystemdFlavour::Quadlet || e.runtime() == Runtime::Podman {
        crate::deploy_values::fully_qualified(&image)
    } else {
        image
    };
    if image.starts_with('-') {
        e.error(
            Diagnostic::error(
                ErrorCode::SystemdUnsafeValue,
                format!(
                    "image `{image}` of `{}` would be read as an option",
                    svc.name.value
                ),
            )
            .at(&e.stack.file, span, "this image")
            .help("an image reference starts with a letter or digit"),
        );
    }
    Some((image, span))
}

fn image_as_written(e: &mut Emitter, svc: &Service) -> Option<(String, Span)> {
    let mut losses = Vec::new();
    // Deploy-time variables without a value were refused before (`STK045`).
    let image = match crate::deploy_values::run_image(e.stack, svc, e.target, &mut losses) {
        Some(Err(_)) => return None,
        other => other.and_then(Result::ok),
    };
    for l in losses {
        e.loss(Some(svc), l.feature, l.outcome, l.span);
    }
    if svc.image.is_some() {
        return image;
    }
    let b = svc.build.as_ref()?;
    match image {
        Some((text, span)) => {
            e.loss(
                Some(svc),
                "build",
                Outcome::Approximated(format!("systemd runs the image `{text}`; build it (`stackc build -t dockerfile`) and push it or load it on the host first")),
                Some(b.span),
            );
            Some((text, span))
        }
        None => {
            e.error(
                Diagnostic::error(ErrorCode::SystemdBuildWithoutImage, format!("systemd units of `{}` need an image name", svc.name.value))
                    .at(&e.stack.file, b.span, "built, but not named")
                    .help("add `build.image: REGISTRY/NAME:TAG`, the image the host runs once it is built and pushed"),
            );
            None
        }
    }
}

/// systemd's `Restart=` for a restart policy.
fn restart(e: &mut Emitter, svc: &Service) -> &'static str {
    use RestartPolicy::*;
    match (svc.restart.policy, svc.is_job()) {
        (Always | UnlessStopped, true) => {
            e.loss(
                Some(svc),
                "restart",
                Outcome::Approximated(
                    "a job is a oneshot unit, which systemd restarts only on failure".into(),
                ),
                svc.restart.span,
            );
            "on-failure"
        }
        (UnlessStopped, false) => {
            if svc.restart.span.is_some() {
                e.loss(
                    Some(svc),
                    "restart",
                    Outcome::Approximated("`Restart=always`: a unit stopped by hand starts again at the next boot, because it is enabled".into()),
                    svc.restart.span,
                );
            }
            "always"
        }
        (Always, false) => "always",
        (OnFailure, _) => "on-failure",
        (No, _) => "no",
    }
}

/// Application protocols, replicas and resource requests, which one unit on one host cannot
/// honour.
fn common_losses(e: &mut Emitter, svc: &Service) {
    for p in &svc.ports {
        if let Some(a) = &p.app_protocol {
            e.loss(
                Some(svc),
                format!("ports.{}.app_protocol", p.name),
                Outcome::Dropped(format!("podman publishes a port without an application protocol; `{}` is for compose and Kubernetes", a.value)),
                Some(a.span),
            );
        }
    }
    if svc.replicas > 1 {
        e.loss(
            Some(svc),
            "replicas",
            Outcome::Approximated(format!(
                "systemd runs one instance of a unit; {} replicas were asked for",
                svc.replicas
            )),
            svc.replicas_span,
        );
    }
    let r = &svc.resources;
    if r.request_cpus.is_some() || r.request_memory.is_some() {
        let span = r
            .request_cpus
            .as_ref()
            .map(|c| c.span)
            .or(r.request_memory.as_ref().map(|m| m.span));
        e.loss(Some(svc), "resources.requests", Outcome::Dropped("requests are a scheduling hint for Kubernetes; a unit runs on this host regardless".into()), span);
    }
}
