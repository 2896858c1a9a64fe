//! docker-compose backend: `compose.yaml`, `.env.example`, and the Dockerfiles of services
//! built from a recipe.
//!
//! Invariants: no secret value is ever written — a secret becomes `${VAR:?...}` interpolation
//! from the `.env` that `stackc secrets init` writes; literal `$` is escaped as `$$`; output is
//! a pure function of the IR (maps in source order).

mod conflicts;
mod env_example;
pub mod interpolation;
pub mod model;
mod network_keys;
mod secret_files;
pub mod text;
pub mod volume_owner;

use indexmap::IndexMap;
use stackc_compiler::diag::{Diagnostic, ErrorCode};
use stackc_compiler::ir::{
    Command, HostNamespace, MountKind, Profile, Resources, Segment, Service, Stack, Value,
    format_duration,
};
use stackc_compiler::valid::Validated;

use crate::output::{BackendOutput, EmitContext, LossSink, Outcome, OutputFile};
use model::*;
use stackc_compiler::target::Target;
use text::escape;

const TARGET: Target = Target::Compose;

/// How the compose file is written.
#[derive(Clone, Copy, Debug, Default)]
pub struct ComposeOptions {
    /// Write only what the spec says, the way compose reads it: no restart policy or health
    /// check timings that the spec leaves to their defaults, internal ports as `expose`, mounts
    /// in the form they were written. With a spec from `stackc import`, `docker compose config`
    /// then reads the output exactly as it read the original compose file.
    pub fidelity: bool,
}

/// Builds `compose.yaml` (or the file name the spec chooses) and `.env.example`.
pub fn emit(stack: &Validated<Stack>, ctx: &EmitContext) -> Result<BackendOutput, Vec<Diagnostic>> {
    emit_with(stack, ctx, &ComposeOptions::default())
}

/// [`emit`] with options.
pub fn emit_with(
    stack: &Validated<Stack>,
    ctx: &EmitContext,
    opts: &ComposeOptions,
) -> Result<BackendOutput, Vec<Diagnostic>> {
    network_keys::check(stack).map_err(|d| vec![d])?;
    let mut out = BackendOutput::default();
    let mut losses = LossSink::new(TARGET);
    let mut errors = Vec::new();
    let pass = &stack.targets.compose;
    let extra = |table: &[(String, Vec<(String, serde_json::Value)>)], name: &str| {
        table
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.iter().cloned().collect::<IndexMap<_, _>>())
            .unwrap_or_default()
    };
    let mut file = ComposeFile {
        name: Text::lit(&stack.name.value),
        services: IndexMap::new(),
        volumes: stack
            .volumes
            .iter()
            .map(|v| {
                (
                    v.name.value.clone(),
                    ComposeVolume {
                        extra: extra(&pass.volumes, &v.name.value),
                    },
                )
            })
            .collect(),
        networks: stack
            .networks
            .iter()
            .map(|n| {
                let mut extra = extra(&pass.networks, &n.name.value);
                extra.shift_remove(network_keys::KEY_FIELD);
                (
                    network_keys::key(stack, &n.name.value),
                    ComposeNetwork {
                        internal: n.internal.then_some(true),
                        extra,
                    },
                )
            })
            .collect(),
        secrets: stack
            .services
            .iter()
            .filter_map(|svc| svc.build.as_ref())
            .flat_map(|b| b.secrets.iter())
            .map(|(id, _)| {
                let sec = stack.secret(*id);
                (
                    sec.name.value.clone(),
                    serde_json::json!({ "environment": sec.env_name }),
                )
            })
            .chain(
                pass.secrets
                    .iter()
                    .map(|(k, v)| (k.clone(), with_file_from_output(v, ctx))),
            )
            .chain(secret_files::definitions(stack, ctx, opts.fidelity))
            .collect(),
        configs: pass
            .configs
            .iter()
            .map(|(k, v)| (k.clone(), with_file_from_output(v, ctx)))
            .collect(),
        extensions: pass.extensions.iter().cloned().collect(),
    };
    for v in &stack.volumes {
        if v.size.is_some() {
            losses.record(
                None,
                format!("volumes.{}.size", v.name.value),
                Outcome::Dropped(
                    "compose volumes have no size; the local driver grows as needed".into(),
                ),
                v.size.as_ref().map(|s| s.span),
            );
        }
    }
    // Config files published as compose configs (spec `name`).
    for svc in &stack.services {
        for m in &svc.mounts {
            if let (MountKind::Config { source, .. }, Some(name)) = (&m.kind, &m.compose_config) {
                file.configs.insert(
                    name.value.clone(),
                    serde_json::json!({ "file": escape(&ctx.from_output(&source.value)) }),
                );
            }
        }
    }
    let mut needs_default_network = false;
    for svc in &stack.services {
        match service(stack, svc, ctx, opts, &mut losses) {
            Ok((s, joined_default)) => {
                needs_default_network |= joined_default;
                file.services.insert(svc.name.value.clone(), s);
            }
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if !opts.fidelity {
        volume_owner::wire(stack, &mut file.services);
    }
    if needs_default_network && !file.networks.is_empty() {
        file.networks
            .insert("default".into(), ComposeNetwork::default());
    }
    let read = serde_json::to_value(&file)
        .map(|v| interpolation::variables_read(&v))
        .map_err(|e| {
            vec![Diagnostic::error(
                ErrorCode::InternalError,
                format!("internal error: cannot read back the compose model: {e}"),
            )]
        })?;
    let body = stackc_compiler::syntax::emit::to_yaml(&file).map_err(|e| {
        vec![Diagnostic::error(
            ErrorCode::InternalError,
            format!("internal error: cannot write compose YAML: {e}"),
        )]
    })?;
    let mut text = String::new();
    for line in ctx.header_lines(&stack.env) {
        text.push_str(&format!("# {line}\n"));
    }
    text.push_str(
        "# Secrets come from `.env` (`stackc secrets init`); see `.env.example` for the list.\n",
    );
    text.push_str(&body);
    out.files
        .push(OutputFile::new(stack.targets.compose_file.clone(), text));
    out.files.push(OutputFile::new(
        ".env.example",
        env_example::render(stack, ctx, &read),
    ));
    // Services built from a recipe: their Dockerfiles sit next to the compose file, where its
    // `build.dockerfile` points.
    let mut errors = Vec::new();
    for svc in &stack.services {
        match crate::dockerfile::render_service_output(stack, svc, ctx) {
            Ok(o) => {
                out.files.extend(o.files);
                losses.extend(o.losses);
            }
            Err(d) => errors.extend(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    out.losses = losses.into_entries();
    Ok(out)
}

/// Renders a value: literal text escaped, references resolved for compose.
pub fn render_value(stack: &Stack, v: &Value) -> Text {
    Text::rendered(render_value_text(stack, v))
}

fn render_value_text(stack: &Stack, v: &Value) -> String {
    let mut s = String::new();
    for seg in &v.segments {
        match seg {
            Segment::Literal(t) => s.push_str(&escape(t)),
            Segment::Secret(id) => {
                let sec = stack.secret(*id);
                if sec.optional {
                    s.push_str(&format!("${{{}:-}}", sec.env_name));
                } else {
                    s.push_str(&format!("${{{}:?run stackc secrets init}}", sec.env_name));
                }
            }
            Segment::Var(id) => {
                let var = stack.variable(*id);
                let value = escape(var.value.as_deref().unwrap_or(""));
                match &var.from_env {
                    // Without a default, an unset variable must stop compose, not become "".
                    Some(name) if var.required || var.value.is_none() => {
                        s.push_str(&format!("${{{name}:?variable {name} must be set}}"))
                    }
                    Some(name) => s.push_str(&format!("${{{name}:-{value}}}")),
                    None => s.push_str(&value),
                }
            }
            // The DNS-label form, as on every other target (a network alias, see `dns_alias`).
            Segment::ServiceHost(id) => s.push_str(&stack.service(*id).dns_name),
            Segment::ServicePort(id, i) => {
                s.push_str(&stack.service(*id).ports[*i].port.to_string())
            }
        }
    }
    s
}

/// The image a service runs or its build is tagged as; a deploy-time variable in it is
/// interpolated by compose (`${IMAGE_TAG:?...}`).
fn image_of(stack: &Stack, svc: &Service) -> Option<Text> {
    let b = svc.build.as_ref();
    match (&svc.image, &svc.image_template) {
        (Some(_), Some(t)) => Some(render_value(stack, t)),
        (Some(i), None) => Some(Text::lit(&i.value)),
        (None, _) => match (
            b.and_then(|b| b.image.as_ref()),
            b.and_then(|b| b.image_template.as_ref()),
        ) {
            (Some(_), Some(t)) => Some(render_value(stack, t)),
            (Some(i), None) => Some(Text::lit(&i.value)),
            (None, _) => None,
        },
    }
}

/// Whether `svc` is built by compose only (a compose-only `build:`) under the image name
/// compose gives such a build (`PROJECT-SERVICE`), which the compose file did not write.
fn names_its_compose_build(stack: &Stack, svc: &Service) -> bool {
    svc.build.is_none()
        && svc.image_template.is_none()
        && stack
            .targets
            .compose
            .service(&svc.name.value)
            .iter()
            .any(|(k, _)| k == "build")
        && svc
            .image
            .as_ref()
            .is_some_and(|i| i.value == format!("{}-{}", stack.name.value, svc.name.value))
}

/// Several replicas cannot all bind one host port: `STK049`, located at the port (the fix is
/// `host_port: 0`, a proxy in front, or one replica).
fn replicas_on_host_port(stack: &Stack, svc: &Service) -> Option<Diagnostic> {
    if svc.replicas < 2 {
        return None;
    }
    let p = svc
        .ports
        .iter()
        .find(|p| p.is_published() && p.host_port != 0)?;
    Some(
        Diagnostic::error(
            ErrorCode::ComposeReplicasFixedPort,
            format!(
                "compose cannot publish host port {} of `{}` for {} replicas",
                p.host_port, svc.name.value, svc.replicas
            ),
        )
        .at(&stack.file, p.span, "one host port, several containers")
        .also(
            &stack.file,
            svc.replicas_span.unwrap_or(svc.name.span),
            "replicas set here",
        )
        .help(format!(
            "publish it with `host_port: 0` (docker picks a free port per replica), put a proxy in front of `{}` and publish that, or use one replica in this environment",
            svc.name.value
        )),
    )
}

/// Whether some value of the stack refers to `svc`'s host name (`${services.X.host}`).
fn host_referenced(stack: &Stack, svc: &Service) -> bool {
    stack.services.iter().any(|other| {
        other.values().any(|v| {
            v.segments.iter().any(|seg| {
                matches!(seg, Segment::ServiceHost(id) if stack.service(*id).name.value == svc.name.value)
            })
        })
    })
}

/// A service whose name is not a DNS label (`woodpecker_server`) is also reachable as its
/// DNS-label form (`woodpecker-server`), the host name `${services.X.host}` gives on every
/// target: a network alias on each network it joins (`default` when it lists none). Returns
/// whether it joined `default` explicitly.
fn dns_alias(svc: &Service, networks: &mut ComposeNetworks) -> bool {
    if svc.name.value == svc.dns_name {
        return false;
    }
    let mut joined_default = false;
    if networks.names.is_empty() {
        networks.names.push("default".into());
        joined_default = true;
    }
    for n in &networks.names {
        let entry = networks
            .options
            .entry(n.clone())
            .or_insert_with(|| serde_json::json!({}));
        if let serde_json::Value::Object(o) = entry {
            let aliases = o
                .entry("aliases")
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if let serde_json::Value::Array(a) = aliases
                && !a.iter().any(|x| x == svc.dns_name.as_str())
            {
                a.push(serde_json::Value::String(svc.dns_name.clone()));
            }
        }
    }
    joined_default
}

/// Whether an env value is the variable of the same name with no value at all (compose's
/// `KEY` alone, imported): compose passes it through from where it runs, or leaves it unset.
fn passes_through(stack: &Stack, key: &str, v: &Value) -> bool {
    match v.segments.as_slice() {
        [Segment::Var(id)] => {
            let var = stack.variable(*id);
            var.value.is_none() && !var.required && var.from_env.as_deref() == Some(key)
        }
        _ => false,
    }
}

fn command(stack: &Stack, c: &Command) -> Vec<Text> {
    if c.shell {
        vec![
            Text::lit("/bin/sh"),
            Text::lit("-c"),
            render_value(stack, &c.args[0]),
        ]
    } else {
        c.args.iter().map(|a| render_value(stack, a)).collect()
    }
}

/// The compose profile of `kind: cron` services.
pub const CRON_PROFILE: &str = "cron";

fn loss(
    losses: &mut LossSink,
    svc: &Service,
    feature: impl Into<String>,
    outcome: Outcome,
    span: Option<stackc_compiler::diag::Span>,
) {
    losses.record(Some(&svc.name.value), feature, outcome, span);
}

/// Memory in docker's units (k, m, g are powers of 1024).
fn memory(bytes: u64) -> String {
    const G: u64 = 1 << 30;
    const M: u64 = 1 << 20;
    const K: u64 = 1 << 10;
    if bytes.is_multiple_of(G) {
        format!("{}g", bytes / G)
    } else if bytes.is_multiple_of(M) {
        format!("{}m", bytes / M)
    } else if bytes.is_multiple_of(K) {
        format!("{}k", bytes / K)
    } else {
        format!("{bytes}b")
    }
}

fn cpus(c: f64) -> String {
    let s = format!("{c:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn resources(r: &Resources) -> Option<ComposeResources> {
    if r.is_empty() {
        return None;
    }
    let limits = (r.cpus.is_some() || r.memory.is_some()).then(|| ComposeResourceSet {
        cpus: r.cpus.as_ref().map(|c| Text::lit(&cpus(c.value))),
        memory: r.memory.as_ref().map(|m| Text::lit(&memory(m.bytes))),
        ..Default::default()
    });
    let reservations =
        (r.request_cpus.is_some() || r.request_memory.is_some()).then(|| ComposeResourceSet {
            cpus: r.request_cpus.as_ref().map(|c| Text::lit(&cpus(c.value))),
            memory: r
                .request_memory
                .as_ref()
                .map(|m| Text::lit(&memory(m.bytes))),
            ..Default::default()
        });
    Some(ComposeResources {
        limits,
        reservations,
    })
}

fn service(
    stack: &Stack,
    svc: &Service,
    ctx: &EmitContext,
    opts: &ComposeOptions,
    losses: &mut LossSink,
) -> Result<(ComposeService, bool), Diagnostic> {
    let mut s = ComposeService {
        image: image_of(stack, svc),
        ..Default::default()
    };
    if opts.fidelity && names_its_compose_build(stack, svc) {
        // Compose names the image of a build itself (`PROJECT-SERVICE`): the name the import
        // gave other targets is not written back.
        s.image = None;
    }
    if let Some(b) = &svc.build {
        let dockerfile = match &b.dockerfile {
            Some(d) => Some(Text::lit(&d.value)),
            None => Some(Text::lit(&format!(
                "{}/{}.Dockerfile",
                relative_from(&b.context, &ctx.output_from_source),
                svc.name.value
            ))),
        };
        s.build = Some(ComposeBuild {
            context: Text::lit(&ctx.from_output(&b.context)),
            dockerfile,
            args: b
                .args
                .iter()
                .map(|(k, v)| (k.value.clone(), Text::lit(&v.value)))
                .collect(),
            secrets: b
                .secrets
                .iter()
                .map(|(id, _)| stack.secret(*id).name.value.clone())
                .collect(),
            extra: IndexMap::new(),
        });
    }
    s.entrypoint = svc.entrypoint.as_ref().map(|c| command(stack, c));
    s.command = svc.command.as_ref().map(|c| command(stack, c));
    s.env_file = svc
        .env_files
        .iter()
        .map(|p| Text::lit(&ctx.from_output(&p.value)))
        .collect();
    for e in &svc.env {
        let value = if opts.fidelity && passes_through(stack, &e.key.value, &e.value) {
            None
        } else {
            Some(render_value(stack, &e.value))
        };
        s.environment.insert(e.key.value.clone(), value);
    }
    s.working_dir = svc.workdir.as_ref().map(|w| Text::lit(&w.value));
    s.user = svc.user.as_ref().map(|u| Text::lit(&u.value));
    for (k, v) in &svc.labels {
        s.labels.insert(k.value.clone(), Text::lit(&v.value));
    }
    for p in &svc.ports {
        match p.publish_spec() {
            // Fidelity keeps a written port name, which only the long syntax can say, as it
            // alone can say the application protocol.
            Some(_) if (opts.fidelity && p.name_span.is_some()) || p.app_protocol.is_some() => {
                s.ports.push(ComposePortEntry::Long(ComposePort {
                    name: p.name_span.map(|_| Text::lit(&p.name)),
                    target: p.port,
                    published: (p.host_port != 0).then(|| Text::lit(&p.host_port.to_string())),
                    host_ip: p
                        .bind_address
                        .as_ref()
                        .map(|a| Text::lit(&a.value))
                        .or_else(|| p.host_ip().filter(|ip| *ip != "0.0.0.0").map(Text::lit)),
                    protocol: p.protocol.as_str(),
                    app_protocol: p.app_protocol.as_ref().map(|a| Text::lit(&a.value)),
                }))
            }
            Some(published) => s.ports.push(ComposePortEntry::Short(Text::lit(&published))),
            None if opts.fidelity => s.expose.push(Text::lit(&match p.protocol {
                stackc_compiler::ir::Protocol::Tcp => p.port.to_string(),
                stackc_compiler::ir::Protocol::Udp => format!("{}/udp", p.port),
            })),
            None => {}
        }
        if let (None, Some(a)) = (p.publish_spec(), &p.app_protocol) {
            loss(
                losses,
                svc,
                format!("ports.{}.app_protocol", p.name),
                Outcome::Dropped(
                    "compose says an application protocol on published ports only".into(),
                ),
                Some(a.span),
            );
        }
    }
    for m in &svc.mounts {
        // A config file with a compose config name goes through compose `configs:`.
        if let (MountKind::Config { .. }, Some(name)) = (&m.kind, &m.compose_config) {
            s.configs.push(ComposeConfigEntry::Long {
                source: name.value.clone(),
                target: Text::lit(&m.target.value),
            });
            continue;
        }
        if opts.fidelity
            && m.short_form
            && let Some(short) = short_mount(stack, m, ctx)
        {
            s.volumes.push(ComposeVolumeEntry::Short(Text::lit(&short)));
            continue;
        }
        let (kind, source, tmpfs) = match &m.kind {
            MountKind::Volume(id) => (
                "volume",
                Some(Text::lit(&stack.volume(*id).name.value)),
                None,
            ),
            MountKind::Bind(src) => (
                "bind",
                Some(Text::lit(&if src.value.starts_with('/') {
                    src.value.clone()
                } else {
                    ctx.from_output(&src.value)
                })),
                None,
            ),
            MountKind::Config { source, .. } => (
                "bind",
                Some(Text::lit(&ctx.from_output(&source.value))),
                None,
            ),
            // Written as the service's `secrets:` (below the mounts).
            MountKind::Secret(_) => continue,
            MountKind::Tmpfs { size } => (
                "tmpfs",
                None,
                size.as_ref().map(|q| ComposeTmpfs { size: q.bytes }),
            ),
        };
        s.volumes.push(ComposeVolumeEntry::Long(ComposeMount {
            kind,
            source,
            target: Text::lit(&m.target.value),
            read_only: m.read_only.then_some(true),
            tmpfs,
        }));
    }
    s.secrets = secret_files::service_entries(stack, svc);
    if let Some(d) = replicas_on_host_port(stack, svc) {
        return Err(d);
    }
    if let Some(h) = &svc.health {
        match &h.cmd {
            Some(c) => {
                let mut test = Vec::new();
                if c.shell {
                    test.push(Text::lit("CMD-SHELL"));
                    test.push(render_value(stack, &c.args[0]));
                } else {
                    test.push(Text::lit("CMD"));
                    test.extend(c.args.iter().map(|a| render_value(stack, a)));
                }
                // Fidelity writes only the timings the spec gives, so compose applies its own
                // defaults to the others as it did for the original file.
                let keep = |written: Option<stackc_compiler::diag::Span>| {
                    !opts.fidelity || written.is_some()
                };
                s.healthcheck = Some(ComposeHealthcheck {
                    test,
                    interval: keep(h.written.interval)
                        .then(|| Text::lit(&format_duration(h.interval))),
                    timeout: keep(h.written.timeout)
                        .then(|| Text::lit(&format_duration(h.timeout))),
                    retries: keep(h.written.retries).then_some(h.retries),
                    start_period: if opts.fidelity {
                        h.written
                            .start_period
                            .map(|_| Text::lit(&format_duration(h.start_period)))
                    } else {
                        (!h.start_period.is_zero())
                            .then(|| Text::lit(&format_duration(h.start_period)))
                    },
                    extra: IndexMap::new(),
                });
                if h.http.is_some() || h.tcp.is_some() {
                    loss(
                        losses,
                        svc,
                        "health.http/tcp",
                        Outcome::Approximated(
                            "compose runs `health.cmd`; the http/tcp probe is used by Kubernetes"
                                .into(),
                        ),
                        Some(h.span),
                    );
                }
            }
            None => {
                return Err(Diagnostic::error(ErrorCode::ComposeProbeNeedsCmd, format!("compose cannot check the health of `{}` without a command", svc.name.value))
                    .at(&stack.file, h.span, "http/tcp check only")
                    .help("add `health.cmd` (a command run inside the container, e.g. `[wget, -q, --spider, http://localhost:8080/healthz]`)"));
            }
        }
    }
    for d in &svc.depends_on {
        let condition = d.condition.compose_word();
        s.depends_on.insert(
            stack.service(d.service).name.value.clone(),
            ComposeDependency {
                condition,
                required: None,
                restart: None,
            },
        );
    }
    if let Some(t) = &svc.restart.template {
        s.restart = Some(render_value(stack, t));
    } else if !opts.fidelity || svc.restart.span.is_some() {
        s.restart = Some(Text::lit(&match svc.restart.max_retries {
            Some(n) => format!("on-failure:{n}"),
            None => svc.restart.policy.as_str().to_string(),
        }));
    }
    if let Some(sch) = &svc.schedule {
        // Compose has no scheduler: the job sits under a profile that `up` leaves out.
        s.extra
            .insert("profiles".into(), serde_json::json!([CRON_PROFILE]));
        loss(
            losses,
            svc,
            "schedule",
            Outcome::Approximated(format!(
                "compose has no scheduler: the job is under profile `{CRON_PROFILE}`, which `docker compose up` skips; run `docker compose run --rm {}` on `{}` (UTC) from the host's crontab or a systemd timer",
                svc.name.value, sch.cron
            )),
            Some(sch.span),
        );
    }
    s.networks.names = svc
        .networks
        .iter()
        .map(|(id, _)| network_keys::key(stack, &stack.network(*id).name.value))
        .collect();
    let mut joined_default = false;
    let all_internal = !svc.networks.is_empty()
        && svc
            .networks
            .iter()
            .all(|(id, _)| stack.network(*id).internal);
    if all_internal && svc.ports.iter().any(|p| p.is_published()) {
        s.networks.names.push("default".into());
        joined_default = true;
        loss(
            losses,
            svc,
            "networks",
            Outcome::Approximated("Docker cannot publish ports of a container that is only on internal networks; it also joins `default`".into()),
            svc.networks.first().map(|(_, sp)| *sp),
        );
    }
    if host_referenced(stack, svc) {
        joined_default |= dns_alias(svc, &mut s.networks);
    }
    let sec = &svc.security;
    s.read_only = sec.is_read_only().then_some(true);
    s.cap_drop = sec.cap_drop.iter().map(|c| Text::lit(&c.value)).collect();
    s.cap_add = sec.cap_add.iter().map(|c| Text::lit(&c.value)).collect();
    if sec.no_new_privileges.value {
        s.security_opt.push(Text::lit("no-new-privileges:true"));
    }
    s.security_opt
        .extend(sec.security_opt.iter().map(|o| Text::lit(&o.value)));
    s.privileged = sec.is_privileged().then_some(true);
    for ns in &sec.host_namespaces {
        let field = match ns.value {
            HostNamespace::Pid => &mut s.pid,
            HostNamespace::Ipc => &mut s.ipc,
            HostNamespace::Uts => &mut s.uts,
            HostNamespace::Network => &mut s.network_mode,
        };
        *field = Some(Text::lit("host"));
    }
    let replicas = (svc.replicas != 1 || svc.replicas_span.is_some()).then_some(svc.replicas);
    let res = resources(&svc.resources);
    if replicas.is_some() || res.is_some() {
        s.deploy = Some(ComposeDeploy {
            replicas,
            resources: res,
            extra: IndexMap::new(),
        });
    }
    if svc.replicas > 1 && svc.ports.iter().any(|p| p.is_published()) {
        loss(
            losses,
            svc,
            "replicas",
            Outcome::Approximated(
                "replicas of a service with a published host port collide on that port in compose"
                    .into(),
            ),
            svc.replicas_span,
        );
    }
    if stack.profile == Profile::Prod && svc.mounts.iter().any(|m| m.from_env_overlay) {
        loss(
            losses,
            svc,
            "volumes",
            Outcome::Approximated("environment-specific mounts were added by the overlay".into()),
            None,
        );
    }
    passthrough(stack, svc, ctx, opts.fidelity, &mut s, losses)?;
    // A service compose builds from a compose-only `build` and names itself: the spec's image is
    // compose's default name (`STACK-SERVICE`), which a fidelity build leaves to compose.
    if opts.fidelity
        && svc.build.is_none()
        && stack
            .targets
            .compose
            .service(&svc.name.value)
            .iter()
            .any(|(k, _)| k == "build")
        && svc.image.as_ref().is_some_and(|i| {
            svc.image_template.is_none()
                && i.value == format!("{}-{}", stack.name.value, svc.name.value)
        })
    {
        s.image = None;
    }
    conflicts::check(stack, svc, &s)?;
    Ok((s, joined_default))
}

/// Leaves out of `deploy.resources` the value a compose-only `cpus`, `mem_limit` or
/// `mem_reservation` says; `false` when that field says another value than the spec's (a
/// variable is taken as the same: compose substitutes it when it runs).
fn take_resource(svc: &Service, s: &mut ComposeService, key: &str, v: &serde_json::Value) -> bool {
    let r = &svc.resources;
    let text = match v {
        serde_json::Value::String(t) => t.clone(),
        other => other.to_string(),
    };
    let variable = text.contains('$');
    let same = match key {
        "cpus" => {
            variable
                || text
                    .trim()
                    .parse::<f64>()
                    .is_ok_and(|c| r.cpus.as_ref().map_or(c == 0.0, |x| x.value == c))
        }
        _ => {
            let spec = if key == "mem_limit" {
                &r.memory
            } else {
                &r.request_memory
            };
            variable
                || stackc_compiler::knowledge::quantity::docker_bytes(&text)
                    .is_some_and(|b| spec.as_ref().is_some_and(|m| m.bytes == b))
        }
    };
    if !same {
        return false;
    }
    if let Some(d) = s.deploy.as_mut() {
        if let Some(res) = d.resources.as_mut() {
            let set = if key == "mem_reservation" {
                &mut res.reservations
            } else {
                &mut res.limits
            };
            if let Some(x) = set.as_mut() {
                if key == "cpus" {
                    x.cpus = None;
                } else {
                    x.memory = None;
                }
                if x.cpus.is_none() && x.memory.is_none() {
                    *set = None;
                }
            }
            if res.limits.is_none() && res.reservations.is_none() {
                d.resources = None;
            }
        }
        if d.replicas.is_none() && d.resources.is_none() && d.extra.is_empty() {
            s.deploy = None;
        }
    }
    true
}

/// Adds the spec's compose-only fields of a service (`targets.compose.services`). Fields of
/// `build`, `deploy` and `healthcheck` join what stackc wrote; one stackc already writes is a
/// located `STK044` error, never written twice or dropped.
fn passthrough(
    stack: &Stack,
    svc: &Service,
    ctx: &EmitContext,
    fidelity: bool,
    s: &mut ComposeService,
    losses: &mut LossSink,
) -> Result<(), Diagnostic> {
    let name = &svc.name.value;
    for (k, v) in stack.targets.compose.service(name) {
        // The compose file's profiles of a service its env file activates: a fidelity build
        // writes them (compose reads the output with that env file); another build deploys the
        // environment's services as they are.
        if k == "profiles" && !fidelity {
            loss(
                losses,
                svc,
                "profiles",
                Outcome::Approximated(
                    "the compose file's profiles are written by fidelity builds only: this build runs the service without them"
                        .into(),
                ),
                None,
            );
            continue;
        }
        // Compose-only resources (devices, pids) join the spec's cpus and memory.
        let rest;
        let v = match (k.as_str(), v, s.deploy.as_mut()) {
            ("deploy", serde_json::Value::Object(fields), Some(d))
                if fields.contains_key("resources") =>
            {
                let resources = d.resources.get_or_insert_with(Default::default);
                let sets = fields["resources"].as_object().into_iter().flatten();
                for (set_name, set_fields) in sets {
                    let set = match set_name.as_str() {
                        "limits" => &mut resources.limits,
                        "reservations" => &mut resources.reservations,
                        _ => {
                            return Err(conflicts::written_twice(
                                stack,
                                svc,
                                k,
                                &format!("deploy.resources.{set_name}"),
                            ));
                        }
                    };
                    let set = set.get_or_insert_with(Default::default);
                    for (rk, rv) in set_fields.as_object().into_iter().flatten() {
                        if matches!(rk.as_str(), "cpus" | "memory") {
                            return Err(conflicts::written_twice(
                                stack,
                                svc,
                                k,
                                &format!("deploy.resources.{set_name}.{rk}"),
                            ));
                        }
                        set.extra.insert(rk.clone(), rv.clone());
                    }
                }
                let mut others = fields.clone();
                others.remove("resources");
                if others.is_empty() {
                    continue;
                }
                rest = serde_json::Value::Object(others);
                &rest
            }
            _ => v,
        };
        let nested: Option<(&mut IndexMap<String, serde_json::Value>, &[&str])> =
            match (k.as_str(), v) {
                ("build", serde_json::Value::Object(_)) => s.build.as_mut().map(|b| {
                    // Compose-only arguments join a build whose spec has none.
                    let written: &[&str] = if b.args.is_empty() {
                        &["context", "dockerfile"]
                    } else {
                        &["context", "dockerfile", "args"]
                    };
                    (&mut b.extra, written)
                }),
                ("deploy", serde_json::Value::Object(_)) => s
                    .deploy
                    .as_mut()
                    .map(|d| (&mut d.extra, &["replicas", "resources"][..])),
                ("healthcheck", serde_json::Value::Object(_)) => s.healthcheck.as_mut().map(|h| {
                    (
                        &mut h.extra,
                        &["test", "interval", "timeout", "retries", "start_period"][..],
                    )
                }),
                _ => None,
            };
        if let (Some((extra, written)), serde_json::Value::Object(fields)) = (nested, v) {
            for (fk, fv) in fields {
                if written.contains(&fk.as_str()) {
                    return Err(conflicts::written_twice(
                        stack,
                        svc,
                        k,
                        &format!("{k}.{fk}"),
                    ));
                }
                extra.insert(fk.clone(), fv.clone());
            }
            continue;
        }
        let already = match k.as_str() {
            "pid" => s.pid.is_some(),
            "ipc" => s.ipc.is_some(),
            "uts" => s.uts.is_some(),
            "network_mode" => s.network_mode.is_some(),
            "entrypoint" => s.entrypoint.is_some(),
            "profiles" => s.extra.contains_key("profiles"),
            "command" => s.command.is_some(),
            "build" => s.build.is_some(),
            "deploy" => s.deploy.is_some(),
            "healthcheck" => s.healthcheck.is_some(),
            _ => false,
        };
        if already {
            return Err(conflicts::written_twice(stack, svc, k, k));
        }
        match (k.as_str(), v) {
            ("configs", serde_json::Value::Array(items)) => {
                s.configs
                    .extend(items.iter().cloned().map(ComposeConfigEntry::Raw));
                continue;
            }
            ("secrets", serde_json::Value::Array(items)) => {
                s.secrets.extend(items.iter().cloned());
                continue;
            }
            ("networks", serde_json::Value::Object(options)) => {
                for (n, o) in options {
                    // A service that names no network is on compose's `default`: its options
                    // (an alias) name it.
                    if n == "default" && s.networks.names.is_empty() {
                        s.networks.names.push("default".into());
                    }
                    s.networks
                        .options
                        .insert(network_keys::key(stack, n), o.clone());
                }
                continue;
            }
            ("environment", serde_json::Value::Array(keys)) => {
                conflicts::passed_through(stack, svc, keys, &mut s.environment)?;
                continue;
            }
            ("depends_on", serde_json::Value::Object(entries)) => {
                conflicts::dependency_conditions(stack, svc, entries, &mut s.depends_on)?;
                continue;
            }
            // `scale` as written says the spec's replicas (the compose frontend keeps both):
            // written once, as `scale`; replicas changed in the spec since conflict with it.
            ("scale", _) => {
                if let Some(d) = s.deploy.as_mut()
                    && let Some(r) = d.replicas
                {
                    let written = v
                        .as_u64()
                        .or_else(|| v.as_str().and_then(|t| t.trim().parse().ok()));
                    if written.is_some_and(|w| w != u64::from(r)) {
                        return Err(conflicts::written_twice(stack, svc, k, k));
                    }
                    d.replicas = None;
                    if d.resources.is_none() && d.extra.is_empty() {
                        s.deploy = None;
                    }
                }
            }
            // `cpus`, `mem_limit`, `mem_reservation` as written say the spec's resources (the
            // compose frontend keeps both): written once, in this form.
            ("cpus" | "mem_limit" | "mem_reservation", _) if !take_resource(svc, s, k, v) => {
                return Err(conflicts::written_twice(stack, svc, k, k));
            }
            // `expose` as written replaces the internal ports the spec gives (compose reads
            // both the same: other services reach every port of the container anyway).
            ("expose", serde_json::Value::Array(_)) => {
                s.expose.clear();
                s.extra.insert(k.clone(), v.clone());
                continue;
            }
            ("ports", serde_json::Value::Array(items)) => {
                s.ports
                    .extend(items.iter().cloned().map(ComposePortEntry::Raw));
                continue;
            }
            // Compose's short `tmpfs:` list, as the compose file wrote it: it says the spec's
            // tmpfs mounts at its paths (with compose's options), which are not written twice.
            ("tmpfs", serde_json::Value::Array(items)) => {
                let paths: Vec<&str> = items
                    .iter()
                    .filter_map(|t| t.as_str())
                    .map(|t| t.split_once(':').map_or(t, |(p, _)| p))
                    .collect();
                s.volumes.retain(|m| {
                    !matches!(m, ComposeVolumeEntry::Long(l)
                        if l.kind == "tmpfs" && paths.contains(&l.target.as_str()))
                });
            }
            // A compose-only mount at a path the spec also mounts says that mount as the
            // compose file wrote it, in its place (see the compose frontend).
            ("volumes", serde_json::Value::Array(items)) => {
                let raw: Vec<ComposeVolumeEntry> = items
                    .iter()
                    .map(|m| ComposeVolumeEntry::Raw(mount_from_output(m, ctx)))
                    .collect();
                s.volumes = with_compose_only_mounts(std::mem::take(&mut s.volumes), raw);
                continue;
            }
            _ => {}
        }
        let v = match (k.as_str(), v) {
            ("label_file", _) => with_paths_from_output(v, ctx),
            // `develop.watch` paths are relative to the project, like bind sources.
            ("develop", serde_json::Value::Object(d)) => {
                let mut d = d.clone();
                if let Some(serde_json::Value::Array(rules)) = d.get_mut("watch") {
                    for r in rules.iter_mut() {
                        if let Some(p) = r.get("path").filter(|p| p.is_string()) {
                            let p = with_paths_from_output(p, ctx);
                            r["path"] = p;
                        }
                    }
                }
                serde_json::Value::Object(d)
            }
            // A build the spec could not express (a context outside the project, a remote
            // one, an inline Dockerfile): its local context is relative to the spec.
            ("build", serde_json::Value::String(c)) if !c.contains("://") => {
                with_paths_from_output(v, ctx)
            }
            ("build", serde_json::Value::Object(b)) => {
                let mut b = b.clone();
                if let Some(c) = b
                    .get("context")
                    .filter(|c| !c.as_str().unwrap_or("").contains("://"))
                {
                    let c = with_paths_from_output(c, ctx);
                    b.insert("context".into(), c);
                }
                serde_json::Value::Object(b)
            }
            _ => v.clone(),
        };
        s.extra.insert(k.clone(), v);
    }
    Ok(())
}

/// A compose-only `secrets:`/`configs:` entry with its relative `file` seen from the output
/// directory.
fn with_file_from_output(v: &serde_json::Value, ctx: &EmitContext) -> serde_json::Value {
    let mut v = v.clone();
    if let Some(serde_json::Value::String(f)) = v.get_mut("file")
        && !f.starts_with('/')
    {
        *f = ctx.from_output(f);
    }
    v
}

/// The container path of a compose mount as JSON, short or long syntax.
fn json_mount_target(m: &serde_json::Value) -> Option<String> {
    match m {
        serde_json::Value::String(s) => short_mount_target(s).map(str::to_string),
        serde_json::Value::Object(o) => o.get("target")?.as_str().map(str::to_string),
        _ => None,
    }
}

/// The container path of a short-syntax mount (`SOURCE:TARGET[:MODE]` or `TARGET`).
fn short_mount_target(s: &str) -> Option<&str> {
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        [t] => Some(t),
        [a, _] if a.starts_with('/') && !parts[1].starts_with('/') => Some(a),
        [_, t, ..] => Some(t),
        _ => None,
    }
}

/// The container path of a mount the backend wrote.
/// A service's mounts with its compose-only ones (`raw`, in the compose file's order): one at a
/// path the spec mounts takes that mount's place; the others go just before the next one that
/// does, or after every mount when none follows. The compose frontend writes the spec mounts
/// that follow a compose-only one among them, so compose's order is kept.
fn with_compose_only_mounts(
    spec: Vec<ComposeVolumeEntry>,
    raw: Vec<ComposeVolumeEntry>,
) -> Vec<ComposeVolumeEntry> {
    let targets: Vec<Option<String>> = spec.iter().map(volume_entry_target).collect();
    let mut spec: Vec<Option<ComposeVolumeEntry>> = spec.into_iter().map(Some).collect();
    // What goes before the spec mount of each index; the last slot: after all of them.
    let mut slots: Vec<Vec<ComposeVolumeEntry>> = (0..=spec.len()).map(|_| Vec::new()).collect();
    let mut waiting: Vec<ComposeVolumeEntry> = Vec::new();
    for r in raw {
        let target = volume_entry_target(&r);
        let at = target
            .as_ref()
            .and_then(|t| targets.iter().position(|s| s.as_ref() == Some(t)))
            .filter(|&i| spec[i].is_some());
        match at {
            Some(i) => {
                spec[i] = None;
                slots[i].append(&mut waiting);
                slots[i].push(r);
            }
            None => waiting.push(r),
        }
    }
    let end = spec.len();
    slots[end].append(&mut waiting);
    let mut merged = Vec::new();
    for (slot, m) in slots
        .into_iter()
        .zip(spec.into_iter().map(Some).chain([None]))
    {
        merged.extend(slot);
        merged.extend(m.flatten());
    }
    merged
}

fn volume_entry_target(m: &ComposeVolumeEntry) -> Option<String> {
    match m {
        ComposeVolumeEntry::Short(t) => short_mount_target(t.as_str()).map(str::to_string),
        ComposeVolumeEntry::Long(l) => Some(l.target.as_str().to_string()),
        ComposeVolumeEntry::Raw(v) => json_mount_target(v),
    }
}

/// A compose mount (short or long syntax) with a relative bind source seen from the output
/// directory.
fn mount_from_output(m: &serde_json::Value, ctx: &EmitContext) -> serde_json::Value {
    match m {
        serde_json::Value::String(s) => match s.split_once(':') {
            Some((src, rest)) if src.starts_with('.') => {
                serde_json::Value::String(format!("{}:{rest}", ctx.from_output(src)))
            }
            _ => m.clone(),
        },
        serde_json::Value::Object(o) => {
            let mut o = o.clone();
            let bind = o.get("type").and_then(|t| t.as_str()) == Some("bind");
            if bind
                && let Some(serde_json::Value::String(src)) = o.get("source")
                && src.starts_with('.')
            {
                let src = ctx.from_output(src);
                o.insert("source".into(), serde_json::Value::String(src));
            }
            serde_json::Value::Object(o)
        }
        other => other.clone(),
    }
}

/// A path or list of paths relative to the spec, seen from the output directory.
fn with_paths_from_output(v: &serde_json::Value, ctx: &EmitContext) -> serde_json::Value {
    match v {
        // An absolute path, or one from a variable (`${PWD}/x`) or the home directory, is read
        // the same from anywhere.
        serde_json::Value::String(p) if !p.starts_with(['/', '$', '~']) => {
            serde_json::Value::String(ctx.from_output(p))
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|i| with_paths_from_output(i, ctx))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A mount in compose's short syntax, as the spec's short form wrote it; `None` for a tmpfs.
fn short_mount(stack: &Stack, m: &stackc_compiler::ir::Mount, ctx: &EmitContext) -> Option<String> {
    let source = match &m.kind {
        MountKind::Volume(id) => stack.volume(*id).name.value.clone(),
        MountKind::Bind(src) if src.value.starts_with('/') => src.value.clone(),
        MountKind::Bind(src) => ctx.from_output(&src.value),
        MountKind::Config { source, .. } => ctx.from_output(&source.value),
        MountKind::Tmpfs { .. } | MountKind::Secret(_) => return None,
    };
    let mode = if m.read_only { ":ro" } else { "" };
    Some(format!("{source}:{}{mode}", m.target.value))
}

/// The path from `from` (a directory relative to the spec) to `to` (relative to the spec).
fn relative_from(from: &str, to: &str) -> String {
    let split = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (split(from), split(to));
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), a.len() - common).collect();
    parts.extend(b[common..].iter().cloned());
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_uses_binary_units() {
        assert_eq!(memory(1 << 30), "1g");
        assert_eq!(memory(512 << 20), "512m");
        assert_eq!(memory(1_000_000_000), "1000000000b");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_from(".", "out/compose"), "out/compose");
        assert_eq!(relative_from("./app", "out"), "../out");
        assert_eq!(relative_from("app", "app/out"), "out");
    }

    #[test]
    fn cpu_amounts() {
        assert_eq!(cpus(1.0), "1");
        assert_eq!(cpus(0.25), "0.25");
    }
}
