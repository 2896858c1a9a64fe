//! The Quadlet flavour: one `.container` per service, a `.volume` per named volume and a
//! `.network` per network tier (plus `<stack>-default.network` when a service names none).
//!
//! Invariants: only keys of [`super::quadlet_keys::QUADLET_KEYS`] that the targeted Podman
//! has are written in Quadlet sections (a newer key uses its `PodmanArgs=` fallback or is an
//! `STK050` error); config files are copied to `files/` next to the units and mounted with
//! a path relative to the unit file (Quadlet resolves `./` against the file's directory).

use stackc_compiler::diag::{ErrorCode, Span};
use stackc_compiler::ir::{MountKind, Service, ServiceId, format_duration};

use super::ini::IniValue;
use super::quadlet_keys::{PodmanVersion, QuadletUnit, notify_healthy_since};
use super::unit::{Sec, Unit};
use super::{Emitter, EnvItem, Net, START_TIMEOUT, common_losses, cpus, memory, restart};
use crate::output::{Outcome, OutputFile};

/// Builds every Quadlet file.
pub(super) fn build(e: &mut Emitter) -> Vec<OutputFile> {
    let mut files = Vec::new();
    let stack = e.stack;
    for (i, svc) in stack.services.iter().enumerate() {
        if let Some(f) = container(e, ServiceId(i as u32), svc) {
            files.push(f);
        }
    }
    for v in &stack.volumes {
        let mut u = Unit {
            header: e.header(),
            sections: Vec::new(),
        };
        u.section("Unit").text(
            "Description",
            format!("{}: volume `{}` (stackc)", e.name(), v.name.value),
            Some(v.name.span),
        );
        let vol = u.section("Volume");
        if e.has_unit_key(QuadletUnit::Volume, "VolumeName") {
            vol.text("VolumeName", format!("{}-{}", e.name(), v.dns_name), None);
        }
        let path = format!("{}-{}.volume", e.name(), v.dns_name);
        push(e, &mut files, path, &u);
    }
    for n in e.networks() {
        let mut u = Unit {
            header: e.header(),
            sections: Vec::new(),
        };
        let label = match n {
            Net::Declared(id) => format!("network `{}`", stack.network(id).name.value),
            Net::Default => "default network".to_string(),
        };
        u.section("Unit").text(
            "Description",
            format!("{}: {label} (stackc)", e.name()),
            None,
        );
        let has_name = e.has_unit_key(QuadletUnit::Network, "NetworkName");
        let name = e.net_name(n);
        let internal = e.net_internal(n);
        let net = u.section("Network");
        if has_name {
            net.text("NetworkName", name.clone(), None);
        }
        if internal {
            net.text("Internal", "true", None);
        }
        push(e, &mut files, format!("{name}.network"), &u);
    }
    files
}

fn push(e: &mut Emitter, files: &mut Vec<OutputFile>, path: String, u: &Unit) {
    match u.render(&e.stack.file, &path) {
        Ok(text) => files.push(OutputFile::new(path, text)),
        Err(d) => e.errors.extend(d),
    }
}

/// The `Volume=` spelling `SOURCE:TARGET[:OPTIONS]`; a `:` in the target is `STK051`.
fn volume_arg(
    e: &mut Emitter,
    svc: &Service,
    source: &str,
    target: &str,
    opts: &[&str],
    span: Span,
) -> Option<String> {
    if target.contains(':') || source.contains(':') {
        e.error(
            stackc_compiler::diag::Diagnostic::error(
                ErrorCode::SystemdUnsafeValue,
                format!(
                    "a mount path of `{}` contains `:`, which podman reads as a separator",
                    svc.name.value
                ),
            )
            .at(&e.stack.file, span, "this mount")
            .help("choose a path without `:`"),
        );
        return None;
    }
    let mut s = format!("{source}:{target}");
    if !opts.is_empty() {
        s.push(':');
        s.push_str(&opts.join(","));
    }
    Some(s)
}

fn container(e: &mut Emitter, id: ServiceId, svc: &Service) -> Option<OutputFile> {
    let stack = e.stack;
    let base = e.base(svc);
    let mut unit = Sec::new("Unit");
    let mut c = Sec::new("Container");
    let mut service = Sec::new("Service");
    let mut install = Sec::new("Install");
    let mut podman_args: Vec<(String, Option<Span>, &'static str)> = Vec::new();

    let kind = if svc.is_job() { "job" } else { "service" };
    unit.text(
        "Description",
        format!("{}: {kind} `{}` (stackc)", e.name(), svc.name.value),
        Some(svc.name.span),
    );
    let deps: Vec<String> = svc
        .depends_on
        .iter()
        .map(|d| format!("{}.service", e.base(stack.service(d.service))))
        .collect();
    if !deps.is_empty() {
        unit.ini("Requires", IniValue::Words(deps.clone()), None);
        unit.ini("After", IniValue::Words(deps), None);
    }
    // Waiting for health below Podman 5.0 (`Notify=healthy`).
    for d in &svc.depends_on {
        if d.condition == stackc_compiler::ir::Condition::Healthy
            && e.version < PodmanVersion::new(4, 7)
        {
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

    let image = e.image(svc);
    if let Some((image, span)) = &image {
        c.text("Image", image.clone(), Some(*span));
    }
    c.text("ContainerName", base.clone(), None);

    // Networks and the alias other services reach this one at.
    let plan = e.nets[id.index()].clone();
    if plan.host {
        c.text("Network", "host", None);
    } else {
        for n in &plan.nets {
            c.text("Network", format!("{}.network", e.net_name(*n)), None);
        }
        if e.has_key("NetworkAlias") {
            c.text("NetworkAlias", svc.dns_name.clone(), None);
        } else {
            podman_args.push((
                format!("--network-alias={}", svc.dns_name),
                None,
                "network alias",
            ));
        }
    }

    for p in &svc.ports {
        let Some(spec) = p.publish_spec() else {
            continue;
        };
        if plan.host {
            e.loss(Some(svc), "ports", Outcome::Dropped("with the host's network, the container's ports are the host's; nothing is published".into()), Some(p.span));
            continue;
        }
        c.text("PublishPort", spec, Some(p.span));
    }

    let config_paths = e.config_paths(svc);
    for (m, cfg) in svc.mounts.iter().zip(config_paths) {
        let target = &m.target.value;
        let ro: &[&str] = if m.read_only { &["ro"] } else { &[] };
        match &m.kind {
            MountKind::Volume(vid) => {
                let v = stack.volume(*vid);
                let src = format!("{}-{}.volume", e.name(), v.dns_name);
                // `U`: podman chowns the volume to the container's user, so a non-root
                // service can write it (only where it writes: a reader keeps the owner).
                let chown = v.owner.is_some() && !m.read_only;
                let owned: Vec<&str> = ro.iter().copied().chain(chown.then_some("U")).collect();
                if let Some(arg) = volume_arg(e, svc, &src, target, &owned, m.span) {
                    c.text("Volume", arg, Some(m.span));
                }
            }
            MountKind::Bind(src) => {
                let source = bind_source(e, svc, &src.value, m.span);
                if let Some(arg) = volume_arg(e, svc, &source, target, ro, m.span) {
                    c.text("Volume", arg, Some(m.span));
                }
            }
            MountKind::Config { .. } => {
                let path = cfg.unwrap_or_default();
                let opts: &[&str] = if m.read_only { &["ro", "z"] } else { &["z"] };
                if let Some(arg) = volume_arg(e, svc, &format!("./{path}"), target, opts, m.span) {
                    c.text("Volume", arg, Some(m.span));
                }
            }
            MountKind::Secret(sid) => {
                // A podman secret the operator creates (README), mounted as a file.
                let s = stack.secret(*sid);
                if target.contains(',') {
                    e.error(
                        stackc_compiler::diag::Diagnostic::error(
                            ErrorCode::SystemdUnsafeValue,
                            format!("the secret file path of `{}` contains `,`, which podman reads as a separator", svc.name.value),
                        )
                        .at(&stack.file, m.span, "this mount")
                        .help("choose a path without `,`"),
                    );
                    continue;
                }
                c.text(
                    "Secret",
                    format!("{}-{},type=mount,target={target}", e.name(), s.dns_name),
                    Some(m.span),
                );
            }
            MountKind::Tmpfs { size } => {
                if !e.has_key("Tmpfs") {
                    e.too_new(svc, "Tmpfs", Some(m.span), "tmpfs mount");
                    continue;
                }
                let mut opts = Vec::new();
                if m.read_only {
                    opts.push("ro".to_string());
                }
                if let Some(q) = size {
                    opts.push(format!("size={}", q.bytes));
                }
                let opts: Vec<&str> = opts.iter().map(String::as_str).collect();
                if let Some(arg) = volume_arg(e, svc, "", target, &opts, m.span) {
                    // `Tmpfs=` takes `TARGET[:OPTIONS]`.
                    c.text(
                        "Tmpfs",
                        arg.trim_start_matches(':').to_string(),
                        Some(m.span),
                    );
                }
            }
        }
    }

    // Environment: plain values in the unit, whole secrets as podman secrets, the rest in
    // the env file.
    let items = e.env_items(id, svc);
    let mut env_file = false;
    for item in items {
        match item {
            EnvItem::Plain { key, value, span } => {
                let v = if is_assignment_name(&key) {
                    IniValue::Assignment { name: key, value }
                } else {
                    IniValue::Words(vec![format!("{key}={value}")])
                };
                c.ini("Environment", v, Some(span));
            }
            EnvItem::Secret { key, secret, span } => {
                if e.has_key("Secret") {
                    let s = stack.secret(secret);
                    c.text(
                        "Secret",
                        format!("{}-{},type=env,target={key}", e.name(), s.dns_name),
                        Some(span),
                    );
                } else {
                    e.too_new(svc, "Secret", Some(span), "secret environment variable");
                }
            }
            EnvItem::File { .. } => env_file = true,
        }
    }
    if env_file {
        let path = e.fixed(format!("%E/stackc/{}/{}.env", e.name(), svc.dns_name));
        c.fixed("EnvironmentFile", path);
    }

    if let Some(ep) = &svc.entrypoint
        && let Some(argv) = e.argv(svc, ep, "entrypoint")
    {
        let json = serde_json::to_string(&argv).expect("strings serialize");
        if e.has_key("Entrypoint") {
            c.text("Entrypoint", json, Some(ep.span));
        } else {
            podman_args.push((format!("--entrypoint={json}"), Some(ep.span), "entrypoint"));
        }
    }
    if let Some(cmd) = &svc.command
        && let Some(argv) = e.argv(svc, cmd, "command")
        && !argv.is_empty()
    {
        c.command("Exec", argv, Some(cmd.span));
    }
    if let Some(w) = &svc.workdir {
        if e.has_key("WorkingDir") {
            c.text("WorkingDir", w.value.clone(), Some(w.span));
        } else {
            e.too_new(svc, "WorkingDir", Some(w.span), "workdir");
        }
    }
    if let Some(u) = &svc.user {
        c.text("User", u.value.clone(), Some(u.span));
    }

    if let Some(h) = &svc.health {
        if !e.has_key("HealthCmd") {
            e.too_new(svc, "HealthCmd", Some(h.span), "health check");
        } else if let Some(json) = e.health_json(svc) {
            let span = h.cmd.as_ref().map(|c| c.span).unwrap_or(h.span);
            c.text("HealthCmd", json, Some(span));
            c.text("HealthInterval", format_duration(h.interval), Some(h.span));
            c.text("HealthTimeout", format_duration(h.timeout), Some(h.span));
            c.text("HealthRetries", h.retries.to_string(), Some(h.span));
            if !h.start_period.is_zero() {
                c.text(
                    "HealthStartPeriod",
                    format_duration(h.start_period),
                    Some(h.span),
                );
            }
        }
        if e.awaited_healthy[id.index()] && !svc.is_job() {
            if e.version >= notify_healthy_since() {
                c.text("Notify", "healthy", None);
            } else if e.version >= PodmanVersion::new(4, 7) {
                podman_args.push(("--sdnotify=healthy".into(), None, "health notification"));
            }
        }
    }

    let sec = &svc.security;
    if sec.is_read_only() {
        c.text("ReadOnly", "true", sec.read_only.as_ref().map(|r| r.span));
    }
    if sec.no_new_privileges.value {
        c.text("NoNewPrivileges", "true", None);
    }
    for cap in &sec.cap_drop {
        c.ini(
            "DropCapability",
            IniValue::Words(vec![cap.value.clone()]),
            Some(cap.span).filter(|s| !s.is_empty()),
        );
    }
    for cap in &sec.cap_add {
        c.ini(
            "AddCapability",
            IniValue::Words(vec![cap.value.clone()]),
            Some(cap.span),
        );
    }
    if sec.is_privileged() {
        podman_args.push((
            "--privileged".into(),
            sec.privileged.as_ref().map(|p| p.span),
            "privileged",
        ));
    }
    for o in &sec.security_opt {
        podman_args.push((
            format!("--security-opt={}", o.value),
            Some(o.span),
            "security_opt",
        ));
    }
    for ns in &sec.host_namespaces {
        if matches!(ns.value.as_str(), "pid" | "ipc" | "uts") {
            podman_args.push((
                format!("--{}=host", ns.value),
                Some(ns.span),
                "host namespace",
            ));
        }
    }
    for (k, v) in &svc.labels {
        c.ini(
            "Label",
            IniValue::Words(vec![format!("{}={}", k.value, v.value)]),
            Some(v.span),
        );
    }

    let r = &svc.resources;
    if let Some(m) = &r.memory {
        if e.has_key("Memory") {
            c.text("Memory", memory(m.bytes), Some(m.span));
        } else {
            podman_args.push((
                format!("--memory={}", memory(m.bytes)),
                Some(m.span),
                "memory limit",
            ));
        }
    }
    if let Some(cpu) = &r.cpus {
        podman_args.push((
            format!("--cpus={}", cpus(cpu.value)),
            Some(cpu.span),
            "cpu limit",
        ));
    }
    common_losses(e, svc);

    let has_args = e.has_key("PodmanArgs");
    for (arg, span, what) in podman_args {
        if has_args {
            c.command("PodmanArgs", vec![arg], span);
        } else {
            // The feature's own key is newer still, or there is none: the fallback is too new.
            e.too_new(svc, "PodmanArgs", span, what);
        }
    }

    if svc.is_job() {
        service.text("Type", "oneshot", svc.kind_span);
        if !super::timer::scheduled(svc) {
            service.text("RemainAfterExit", "yes", None);
        }
    }
    let restart = restart(e, svc);
    service.text("Restart", restart, svc.restart.span);
    // Jobs too: a oneshot unit has no start timeout by default, and its start is the pull
    // plus the whole run.
    service.text("TimeoutStartSec", START_TIMEOUT, None);
    // A scheduled service is started by its timer, not at boot.
    if !super::timer::scheduled(svc) {
        install.ini(
            "WantedBy",
            IniValue::Words(vec!["default.target".into()]),
            None,
        );
    }

    let u = Unit {
        header: e.header(),
        sections: vec![unit, c, service, install]
            .into_iter()
            .filter(|sec| sec.name != "Install" || !sec.lines.is_empty())
            .collect(),
    };
    let path = format!("{base}.container");
    let mut files = Vec::new();
    push(e, &mut files, path, &u);
    files.pop()
}

/// A dev bind mount's source: through the `project` link the install step creates next to
/// the units (see README), or an absolute path as written.
pub(super) fn bind_source(e: &mut Emitter, svc: &Service, src: &str, span: Span) -> String {
    if src.starts_with('/') {
        return src.to_string();
    }
    e.binds = true;
    e.loss(
        Some(svc),
        "volumes (bind)",
        Outcome::Approximated("the host path is reached through the `project` link to the spec's directory that the install step creates".into()),
        Some(span),
    );
    let rel = src.trim_start_matches("./");
    if rel.is_empty() || rel == "." {
        "./project".to_string()
    } else {
        format!("./project/{rel}")
    }
}

/// Whether `name` is a systemd `Environment=` name (`[A-Za-z_][A-Za-z0-9_]*`).
pub(super) fn is_assignment_name(name: &str) -> bool {
    let mut b = name.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}
