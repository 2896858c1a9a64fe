//! The Quadlet renderer: one `.container` per service, a `.volume` per named volume and a
//! `.network` per network (plus `<stack>-default.network` when a service names none), written
//! from the [`super::plan`].
//!
//! Invariants: only keys of [`super::quadlet_keys::QUADLET_KEYS`] that the targeted Podman
//! has are written in Quadlet sections (the plan chose each key or its `PodmanArgs=` fallback,
//! [`Via`]); config files are copied to `files/` next to the units and mounted with a path
//! relative to the unit file (Quadlet resolves `./` against the file's directory).

use stackc_compiler::diag::Span;

use super::ini::IniValue;
use super::plan::{
    EnvItem, MountPlan, NetworkPlan, Readiness, ServicePlan, Source, StackPlan, Via, VolumePlan,
};
use super::unit::{Sec, Unit};
use super::{Emitter, START_TIMEOUT, install_section, push_unit};
use crate::output::OutputFile;

/// Every Quadlet file of the plan.
pub(super) fn render(e: &mut Emitter, plan: &StackPlan) -> Vec<OutputFile> {
    let mut files = Vec::new();
    for s in &plan.services {
        let u = container(e, s);
        push_unit(e, &mut files, format!("{}.container", s.base), &u);
    }
    for v in &plan.volumes {
        let u = volume(e, v);
        push_unit(e, &mut files, format!("{}.volume", v.name), &u);
    }
    for n in &plan.networks {
        let u = network(e, n);
        push_unit(e, &mut files, format!("{}.network", n.name), &u);
    }
    files
}

fn volume(e: &Emitter, v: &VolumePlan) -> Unit {
    let mut u = Unit {
        header: e.header(),
        sections: Vec::new(),
    };
    let (text, span) = &v.description;
    u.section("Unit")
        .text("Description", text.clone(), Some(*span));
    let vol = u.section("Volume");
    if v.named {
        vol.text("VolumeName", v.name.clone(), None);
    }
    u
}

fn network(e: &Emitter, n: &NetworkPlan) -> Unit {
    let mut u = Unit {
        header: e.header(),
        sections: Vec::new(),
    };
    u.section("Unit").text(
        "Description",
        format!("{}: {} (stackc)", e.name(), n.label),
        None,
    );
    let net = u.section("Network");
    if n.named {
        net.text("NetworkName", n.name.clone(), None);
    }
    if n.internal {
        net.text("Internal", "true", None);
    }
    u
}

/// `PodmanArgs=` lines, in the order they are written.
type PodmanArgs = Vec<(String, Option<Span>)>;

fn container(e: &mut Emitter, s: &ServicePlan) -> Unit {
    let mut c = Sec::new("Container");
    let mut args = PodmanArgs::new();
    if let Some((image, span)) = &s.image {
        c.text("Image", image.clone(), Some(*span));
    }
    c.text("ContainerName", s.base.clone(), None);
    networks(&mut c, &mut args, s);
    for (spec, span) in &s.ports {
        c.text("PublishPort", spec.clone(), Some(*span));
    }
    for m in &s.mounts {
        mount(&mut c, m);
    }
    env(e, &mut c, &mut args, s);
    commands(&mut c, &mut args, s);
    health(&mut c, &mut args, s);
    security(&mut c, &mut args, s);
    for (label, span) in &s.labels {
        c.ini("Label", IniValue::Words(vec![label.clone()]), Some(*span));
    }
    resources(&mut c, &mut args, s);
    for (arg, span) in args {
        c.command("PodmanArgs", vec![arg], span);
    }
    Unit {
        header: e.header(),
        sections: [unit_section(s), c, service_section(s), install_section(s)]
            .into_iter()
            .filter(|sec| sec.name != "Install" || !sec.lines.is_empty())
            .collect(),
    }
}

fn unit_section(s: &ServicePlan) -> Sec {
    let mut unit = Sec::new("Unit");
    let (text, span) = &s.description;
    unit.text("Description", text.clone(), Some(*span));
    if !s.requires.is_empty() {
        unit.ini("Requires", IniValue::Words(s.requires.clone()), None);
        unit.ini("After", IniValue::Words(s.requires.clone()), None);
    }
    super::units::start_limit(&mut unit, s);
    unit
}

fn networks(c: &mut Sec, args: &mut PodmanArgs, s: &ServicePlan) {
    if s.net.host {
        c.text("Network", "host", None);
        return;
    }
    for n in &s.net.nets {
        c.text("Network", format!("{n}.network"), None);
    }
    match &s.net.alias {
        Some((alias, Via::Key)) => c.text("NetworkAlias", alias.clone(), None),
        Some((alias, Via::Arg)) => args.push((format!("--network-alias={alias}"), None)),
        None => {}
    }
}

/// `SOURCE:TARGET[:OPTIONS]`.
fn volume_spec(source: &str, target: &str, options: &[&str]) -> String {
    let mut s = format!("{source}:{target}");
    if !options.is_empty() {
        s.push(':');
        s.push_str(&options.join(","));
    }
    s
}

fn mount(c: &mut Sec, m: &MountPlan) {
    match m {
        MountPlan::Bind {
            source,
            target,
            options,
            span,
        } => {
            let source = match source {
                Source::Volume(name) => format!("{name}.volume"),
                Source::Path(path) => path.clone(),
            };
            c.text("Volume", volume_spec(&source, target, options), Some(*span));
        }
        MountPlan::Secret { name, target, span } => c.text(
            "Secret",
            format!("{name},type=mount,target={target}"),
            Some(*span),
        ),
        MountPlan::Tmpfs {
            target,
            options,
            span,
        } => {
            let opts: Vec<&str> = options.iter().map(String::as_str).collect();
            // `Tmpfs=` takes `TARGET[:OPTIONS]`.
            let spec = volume_spec("", target, &opts);
            c.text(
                "Tmpfs",
                spec.trim_start_matches(':').to_string(),
                Some(*span),
            );
        }
    }
}

/// Plain values in the unit, whole secrets as podman secrets, the rest in the env file. A
/// multi-line value is a `PodmanArgs=` argument, whose newlines are escaped as `\n` (see
/// `ini.rs`, "Invariants").
fn env(e: &mut Emitter, c: &mut Sec, args: &mut PodmanArgs, s: &ServicePlan) {
    for item in &s.env {
        match item {
            EnvItem::Plain { key, value, span } if value.contains('\n') => {
                args.push((format!("--env={key}={value}"), Some(*span)));
            }
            EnvItem::Plain { key, value, span } => {
                let v = if is_assignment_name(key) {
                    IniValue::Assignment {
                        name: key.clone(),
                        value: value.clone(),
                    }
                } else {
                    IniValue::Words(vec![format!("{key}={value}")])
                };
                c.ini("Environment", v, Some(*span));
            }
            EnvItem::Secret { key, name, span } => c.text(
                "Secret",
                format!("{name},type=env,target={key}"),
                Some(*span),
            ),
            EnvItem::File => {}
        }
    }
    if s.env_file {
        let path = e.fixed(format!("{}/{}.env", e.state_dir_display(), s.dns_name));
        c.fixed("EnvironmentFile", path);
    }
}

fn commands(c: &mut Sec, args: &mut PodmanArgs, s: &ServicePlan) {
    if let Some((argv, span, via)) = &s.entrypoint {
        let json = serde_json::to_string(argv).expect("strings serialize");
        match via {
            Via::Key => c.text("Entrypoint", json, Some(*span)),
            Via::Arg => args.push((format!("--entrypoint={json}"), Some(*span))),
        }
    }
    if let Some((argv, span)) = &s.command
        && !argv.is_empty()
    {
        c.command("Exec", argv.clone(), Some(*span));
    }
    if let Some((w, span)) = &s.workdir {
        c.text("WorkingDir", w.clone(), Some(*span));
    }
    if let Some((u, span)) = &s.user {
        c.text("User", u.clone(), Some(*span));
    }
}

fn health(c: &mut Sec, args: &mut PodmanArgs, s: &ServicePlan) {
    if let Some(h) = &s.health {
        let json = serde_json::to_string(&h.argv).expect("strings serialize");
        c.text("HealthCmd", json, Some(h.cmd_span));
        c.text("HealthInterval", h.interval.clone(), Some(h.span));
        c.text("HealthTimeout", h.timeout.clone(), Some(h.span));
        c.text("HealthRetries", h.retries.to_string(), Some(h.span));
        if let Some(p) = &h.start_period {
            c.text("HealthStartPeriod", p.clone(), Some(h.span));
        }
    }
    match s.readiness {
        Readiness::Healthy(Via::Key) => c.text("Notify", "healthy", None),
        Readiness::Healthy(Via::Arg) => args.push(("--sdnotify=healthy".into(), None)),
        Readiness::Started => {}
    }
}

fn security(c: &mut Sec, args: &mut PodmanArgs, s: &ServicePlan) {
    let sec = &s.security;
    if let Some(span) = sec.read_only {
        c.text("ReadOnly", "true", span);
    }
    if sec.no_new_privileges {
        c.text("NoNewPrivileges", "true", None);
    }
    for (cap, span) in &sec.cap_drop {
        let span = Some(*span).filter(|s| !s.is_empty());
        c.ini("DropCapability", IniValue::Words(vec![cap.clone()]), span);
    }
    for (cap, span) in &sec.cap_add {
        c.ini(
            "AddCapability",
            IniValue::Words(vec![cap.clone()]),
            Some(*span),
        );
    }
    if let Some(span) = sec.privileged {
        args.push(("--privileged".into(), span));
    }
    for (o, span) in &sec.security_opt {
        args.push((format!("--security-opt={o}"), Some(*span)));
    }
    for (ns, span) in &sec.host_namespaces {
        args.push((format!("--{ns}=host"), Some(*span)));
    }
}

fn resources(c: &mut Sec, args: &mut PodmanArgs, s: &ServicePlan) {
    match &s.memory {
        Some((m, span, Via::Key)) => c.text("Memory", m.clone(), Some(*span)),
        Some((m, span, Via::Arg)) => args.push((format!("--memory={m}"), Some(*span))),
        None => {}
    }
    if let Some((cpus, span)) = &s.cpus {
        args.push((format!("--cpus={cpus}"), Some(*span)));
    }
}

fn service_section(s: &ServicePlan) -> Sec {
    let mut service = Sec::new("Service");
    if s.job {
        service.text("Type", "oneshot", s.kind_span);
        if !s.scheduled {
            service.text("RemainAfterExit", "yes", None);
        }
    }
    let (restart, span) = s.restart;
    service.text("Restart", restart, span);
    // Jobs too: a oneshot unit has no start timeout by default, and its start is the pull
    // plus the whole run.
    service.text("TimeoutStartSec", START_TIMEOUT, None);
    service
}

/// Whether `name` is a systemd `Environment=` name (`[A-Za-z_][A-Za-z0-9_]*`).
pub(super) fn is_assignment_name(name: &str) -> bool {
    let mut b = name.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}
