//! The systemd plan: the stack lowered once, for one target (flavour, runtime, Podman version),
//! into typed values that the two renderers ([`super::quadlet`], [`super::units`]) only spell.
//!
//! # Invariants
//!
//! * Every decision is made here: what is refused (errors), what is lost (loss entries), names,
//!   which Quadlet key or `PodmanArgs=` fallback carries a setting ([`Via`]), rootful or
//!   rootless, and the order of entries. A renderer adds no loss entry and refuses nothing but
//!   what its syntax cannot carry (the INI writer's checks, the plain units' argv check).
//! * A fact both flavours share is lowered by one function, so its loss entry and its error are
//!   the same for both: networks, ports, mounts, environment, health, security, resources,
//!   restart, schedules and rootful reasons.
//! * Secrets are decided in one place, [`secrets`]: which environment variable becomes a podman
//!   secret or an env-file line, which secret file is a podman secret or a state-directory
//!   file, and the variable through which a command, entrypoint or health check reads a secret
//!   ([`commands`]: the container's shell expands it; the unit never holds the value).
//!
//! Adding a service field: lower it in [`service`] (or the module of its section) into a field
//! of [`ServicePlan`], record its loss or refusal there, then write it in both renderers.

mod commands;
mod health;
mod keys;
mod mounts;
mod net;
pub(crate) mod secrets;
mod service;
pub(crate) mod shell;
mod values;

#[cfg(test)]
mod tests;

use stackc_compiler::diag::Span;
use stackc_compiler::ir::{Condition, HostNamespace, Runtime, Stack, SystemdFlavour};

use super::Emitter;
use super::rootful::{self, Reason};
use crate::output::Outcome;

pub(crate) use health::{HealthPlan, Readiness};
pub(crate) use keys::Via;
pub(crate) use mounts::{ConfigCopy, MountPlan, Source};
pub(crate) use net::{NetPlan, NetworkPlan, network_unit};
pub(crate) use secrets::{EnvFile, EnvItem};

/// A user value and where the spec wrote it.
pub(crate) type At<T> = (T, Span);

/// The whole stack, lowered for one target.
pub(crate) struct StackPlan {
    pub services: Vec<ServicePlan>,
    /// Networks to create: every declared one, then the default one if a service uses it.
    pub networks: Vec<NetworkPlan>,
    pub volumes: Vec<VolumePlan>,
    /// The `.timer` of each scheduled service, in service order.
    pub timers: Vec<TimerPlan>,
    /// Env files (`<service>.env`), one per service that needs one, in service order.
    pub env_files: Vec<EnvFile>,
    /// Config file copies, in service and mount order.
    pub copies: Vec<ConfigCopy>,
    /// Some service has a dev bind mount (reached through the `project` link).
    pub binds: bool,
    /// Why rootless Podman cannot run the units; empty when it can (or for docker).
    pub rootful: Vec<Reason>,
    /// `(podman secret, env variable)` of every podman secret the units read, sorted.
    pub podman_secrets: Vec<(String, String)>,
    /// `(file name, env variable)` of every secret file docker units mount, sorted.
    pub secret_files: Vec<(String, String)>,
    /// The unit of the runtime's daemon every unit needs (`docker.service`), if any.
    pub daemon: Option<&'static str>,
}

/// One service, lowered.
pub(crate) struct ServicePlan {
    /// The service's index in the stack.
    pub index: usize,
    /// `<stack>-<dns_name>`: unit, container and file base name.
    pub base: String,
    pub dns_name: String,
    /// `Description=` and the span of the service's name.
    pub description: At<String>,
    pub job: bool,
    pub kind_span: Option<Span>,
    /// Started by its timer, not at boot; exits inactive.
    pub scheduled: bool,
    /// `<base>.service` of each dependency, in spec order.
    pub requires: Vec<String>,
    pub net: NetPlan,
    /// `[IP:]HOST:CONTAINER[/PROTO]` of each published port.
    pub ports: Vec<At<String>>,
    pub mounts: Vec<MountPlan>,
    /// Docker units: owned volumes chowned by an `ExecStartPre=` container (docker has no `U`).
    pub chowns: Vec<Chown>,
    /// Variables written into the unit or read from secrets, in spec order.
    pub env: Vec<EnvItem>,
    /// The service reads `<dns_name>.env` from the state directory.
    pub env_file: bool,
    /// The image, fully qualified for Podman; `None` after an error.
    pub image: Option<At<String>>,
    pub entrypoint: Option<(Vec<String>, Span, Via)>,
    pub command: Option<At<Vec<String>>>,
    pub workdir: Option<At<String>>,
    pub user: Option<At<String>>,
    pub health: Option<HealthPlan>,
    pub readiness: Readiness,
    pub security: SecurityPlan,
    /// `KEY=VALUE` of each label.
    pub labels: Vec<At<String>>,
    /// Memory limit in docker/podman units (`512m`).
    pub memory: Option<(String, Span, Via)>,
    /// CPU limit as `--cpus` reads it.
    pub cpus: Option<At<String>>,
    /// systemd's `Restart=` and where the policy was written.
    pub restart: (&'static str, Option<Span>),
    /// `on-failure:N`: `StartLimitBurst=` (N restarts after the first start) with no
    /// interval, and where it was written.
    pub start_limit: Option<(u32, Option<Span>)>,
}

/// `ExecStartPre=` chown of an owned volume (docker units).
pub(crate) struct Chown {
    pub volume: String,
    pub uid: u32,
    pub gid: u32,
}

/// Security settings; a Quadlet `PodmanArgs=` setting the targeted Podman cannot take is
/// refused and absent.
#[derive(Default)]
pub(crate) struct SecurityPlan {
    /// Read-only root file system, and where it was written.
    pub read_only: Option<Option<Span>>,
    pub no_new_privileges: bool,
    pub cap_drop: Vec<At<String>>,
    pub cap_add: Vec<At<String>>,
    /// Privileged, and where it was written.
    pub privileged: Option<Option<Span>>,
    pub security_opt: Vec<At<String>>,
    /// Host namespaces other than the network (`pid`, `ipc`, `uts`).
    pub host_namespaces: Vec<At<HostNamespace>>,
}

/// A named volume (Quadlet `.volume`; plain units let the runtime create it).
pub(crate) struct VolumePlan {
    pub name: String,
    pub description: At<String>,
    /// Quadlet: the targeted Podman has `VolumeName=`.
    pub named: bool,
}

/// The timer of a scheduled service.
pub(crate) struct TimerPlan {
    pub base: String,
    pub description: String,
    pub calendar: At<String>,
}

impl ServicePlan {
    /// Whether the unit reads files relative to the state directory (plain units set it as
    /// their working directory): config files, relative binds, docker secret files, env file.
    pub fn uses_state_dir(&self) -> bool {
        self.env_file
            || self.mounts.iter().any(|m| {
                matches!(m, MountPlan::Bind { source: Source::Path(p), .. } if p.starts_with("./"))
            })
    }
}

/// Lowers the whole stack: services in spec order, then schedules, then rootful reasons, so
/// the loss report has one order for both flavours.
pub(crate) fn lower(e: &mut Emitter) -> StackPlan {
    let stack = e.stack;
    let nets = net::lower_all(e);
    volume_losses(e);
    let mut plan = StackPlan {
        services: Vec::new(),
        networks: net::networks(e, &nets),
        volumes: volumes(e),
        timers: Vec::new(),
        env_files: Vec::new(),
        copies: Vec::new(),
        binds: false,
        rootful: Vec::new(),
        podman_secrets: secrets::podman_secrets(e),
        secret_files: secrets::docker_secret_files(e),
        daemon: daemon(e),
    };
    net::check_collisions(e, &plan.networks);
    let awaited = awaited_healthy(stack);
    let services = stack.services.iter().enumerate();
    for ((svc, net), awaited) in services.zip(nets).zip(awaited) {
        let s = service::lower(e, &mut plan, svc, net, awaited);
        plan.services.push(s);
    }
    plan.timers = timers(e);
    plan.rootful = rootful::reasons(stack, e.opts.flavour, e.runtime());
    for r in &plan.rootful {
        let svc = &stack.services[r.service];
        e.loss(
            Some(svc),
            "rootless",
            Outcome::Approximated(format!(
                "{}, which rootless Podman cannot do: install these units rootful (README)",
                r.what
            )),
            Some(r.span),
        );
    }
    plan
}

/// Per service: some other service waits for it to be healthy.
fn awaited_healthy(stack: &Stack) -> Vec<bool> {
    let mut out = vec![false; stack.services.len()];
    for svc in &stack.services {
        for d in &svc.depends_on {
            if d.condition == Condition::Healthy {
                out[d.service.index()] = true;
            }
        }
    }
    out
}

/// Docker units need the Docker daemon; podman has none.
fn daemon(e: &Emitter) -> Option<&'static str> {
    (e.opts.flavour == SystemdFlavour::Units && e.runtime() == Runtime::Docker)
        .then_some("docker.service")
}

fn volume_losses(e: &mut Emitter) {
    for v in &e.stack.volumes {
        if let Some(size) = &v.size {
            e.losses.record(
                None,
                format!("volumes.{}.size", v.name.value),
                Outcome::Dropped(
                    "podman and docker local volumes have no size; they grow as needed".into(),
                ),
                Some(size.span),
            );
        }
    }
}

fn volumes(e: &Emitter) -> Vec<VolumePlan> {
    let named = e.has_unit_key(super::quadlet_keys::QuadletUnit::Volume, "VolumeName");
    e.stack
        .volumes
        .iter()
        .map(|v| VolumePlan {
            name: format!("{}-{}", e.name(), v.dns_name),
            description: (
                format!("{}: volume `{}` (stackc)", e.name(), v.name.value),
                v.name.span,
            ),
            named,
        })
        .collect()
}

/// Timers of scheduled services; cron's "day of month or day of week" is a loss.
fn timers(e: &mut Emitter) -> Vec<TimerPlan> {
    let stack = e.stack;
    let mut out = Vec::new();
    for svc in &stack.services {
        let Some(schedule) = &svc.schedule else {
            continue;
        };
        if schedule.days_are_ored() {
            e.loss(
                Some(svc),
                "schedule",
                Outcome::Approximated("cron runs when the day of month or the day of week matches; systemd's calendar needs both to match".into()),
                Some(schedule.span),
            );
        }
        out.push(TimerPlan {
            base: e.base(svc),
            description: format!("Schedule of {} ({})", svc.name.value, e.name()),
            calendar: (schedule.on_calendar(), schedule.span),
        });
    }
    out
}
