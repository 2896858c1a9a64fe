//! The plain-units flavour: one `.service` per service running `podman run` or `docker run`
//! in the foreground, and a oneshot `<network>-network.service` per network that creates it.
//!
//! Invariants: every `ExecStart=` is an argv written by the INI writer (user strings are
//! arguments, never shell text); the only verbatim values are `WorkingDirectory=%E/...` and
//! the `-`-prefixed `ExecStartPre=`/`ExecStop=` built from the runtime path and DNS-1123
//! names. Files, env file and the dev `project` link live in the state directory
//! `%E/stackc/<stack>`, the unit's working directory, so the runtime resolves `./...` there.

use stackc_compiler::diag::{ErrorCode, Span};
use stackc_compiler::ir::{MountKind, Runtime, Service, ServiceId, format_duration};

use super::ini::IniValue;
use super::quadlet::bind_source;
use super::unit::{Sec, Unit};
use super::{Emitter, EnvItem, Net, START_TIMEOUT, common_losses, cpus, memory, restart};
use crate::output::{Outcome, OutputFile};

/// Builds every unit.
pub(super) fn build(e: &mut Emitter) -> Vec<OutputFile> {
    let mut files = Vec::new();
    let stack = e.stack;
    for (i, svc) in stack.services.iter().enumerate() {
        if let Some(f) = service(e, ServiceId(i as u32), svc) {
            files.push(f);
        }
    }
    for n in e.networks() {
        files.extend(network(e, n));
    }
    files
}

fn render(e: &mut Emitter, path: String, u: &Unit) -> Option<OutputFile> {
    match u.render(&e.stack.file, &path) {
        Ok(text) => Some(OutputFile::new(path, text)),
        Err(d) => {
            e.errors.extend(d);
            None
        }
    }
}

/// `Requires=`/`After=` the runtime daemon (docker only: podman has none).
fn runtime_deps(e: &Emitter) -> Vec<String> {
    match e.runtime() {
        Runtime::Docker => vec!["docker.service".into()],
        Runtime::Podman => Vec::new(),
    }
}

fn network(e: &mut Emitter, n: Net) -> Option<OutputFile> {
    let name = e.net_name(n);
    let label = match n {
        Net::Declared(id) => format!("network `{}`", e.stack.network(id).name.value),
        Net::Default => "default network".to_string(),
    };
    let mut u = Unit {
        header: e.header(),
        sections: Vec::new(),
    };
    let unit = u.section("Unit");
    unit.text(
        "Description",
        format!("{}: {label} (stackc)", e.stack.name.value),
        None,
    );
    let deps = runtime_deps(e);
    if !deps.is_empty() {
        unit.ini("Requires", IniValue::Words(deps.clone()), None);
        unit.ini("After", IniValue::Words(deps), None);
    }
    let rt = e.runtime_path();
    let internal = if e.net_internal(n) { " --internal" } else { "" };
    let script = format!(
        "{rt} network inspect {name} >/dev/null 2>&1 || exec {rt} network create{internal} {name}"
    );
    let s = u.section("Service");
    s.text("Type", "oneshot", None);
    s.text("RemainAfterExit", "yes", None);
    s.command(
        "ExecStart",
        vec!["/bin/sh".into(), "-c".into(), script],
        None,
    );
    render(e, format!("{name}-network.service"), &u)
}

/// POSIX-shell quoting of one word (docker's `--health-cmd` is a shell command line).
fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:=@+,-".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `ExecStart=` arguments, each with the span of the spec value it came from.
#[derive(Default)]
struct Argv(Vec<(String, Option<Span>)>);

impl Argv {
    fn push(&mut self, arg: impl Into<String>, span: Option<Span>) {
        self.0.push((arg.into(), span));
    }
}

fn service(e: &mut Emitter, id: ServiceId, svc: &Service) -> Option<OutputFile> {
    let stack = e.stack;
    let base = e.base(svc);
    let rt = e.runtime_path();
    let podman = e.runtime() == Runtime::Podman;
    let mut unit = Sec::new("Unit");
    let mut s = Sec::new("Service");
    let mut install = Sec::new("Install");

    let kind = if svc.is_job() { "job" } else { "service" };
    unit.text(
        "Description",
        format!("{}: {kind} `{}` (stackc)", e.name(), svc.name.value),
        Some(svc.name.span),
    );
    let plan = e.nets[id.index()].clone();
    let mut requires = runtime_deps(e);
    requires.extend(
        plan.nets
            .iter()
            .map(|n| format!("{}-network.service", e.net_name(*n))),
    );
    requires.extend(
        svc.depends_on
            .iter()
            .map(|d| format!("{}.service", e.base(stack.service(d.service)))),
    );
    let mut after = vec!["network-online.target".to_string()];
    after.extend(requires.iter().cloned());
    unit.ini(
        "Wants",
        IniValue::Words(vec!["network-online.target".into()]),
        None,
    );
    unit.ini("After", IniValue::Words(after), None);
    if !requires.is_empty() {
        unit.ini("Requires", IniValue::Words(requires), None);
    }

    let mut argv = Argv::default();
    argv.push(rt, None);
    argv.push("run", None);
    argv.push("--rm", None);
    if podman {
        argv.push("--replace", None);
    }
    argv.push(format!("--name={base}"), None);
    if plan.host {
        argv.push("--network=host", None);
    } else if podman || plan.nets.len() == 1 {
        for n in &plan.nets {
            argv.push(format!("--network={}", e.net_name(*n)), None);
        }
        argv.push(format!("--network-alias={}", svc.dns_name), None);
    } else {
        // docker run joins several networks only with the per-network syntax (Engine 25+).
        for n in &plan.nets {
            argv.push(
                format!("--network=name={},alias={}", e.net_name(*n), svc.dns_name),
                None,
            );
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
        argv.push(format!("--publish={spec}"), Some(p.span));
    }

    let mut needs_state_dir = false;
    let config_paths = e.config_paths(svc);
    for (m, cfg) in svc.mounts.iter().zip(config_paths) {
        let target = &m.target.value;
        let (source, opts): (String, Vec<&str>) = match &m.kind {
            // podman chowns an owned volume to the container's user (`U`); docker units run a
            // `chown` first (`ExecStartPre=`).
            MountKind::Volume(vid) => (
                format!("{}-{}", e.name(), stack.volume(*vid).dns_name),
                if podman && stack.volume(*vid).owner.is_some() && !m.read_only {
                    vec!["U"]
                } else {
                    Vec::new()
                },
            ),
            MountKind::Bind(src) => {
                let source = bind_source(e, svc, &src.value, m.span);
                needs_state_dir |= source.starts_with("./");
                (source, Vec::new())
            }
            MountKind::Config { .. } => {
                needs_state_dir = true;
                (format!("./{}", cfg.unwrap_or_default()), vec!["z"])
            }
            // podman: a podman secret mounted as a file; docker (no secrets outside swarm): a
            // file the operator writes into the state directory (README), mode 0400.
            MountKind::Secret(sid) if podman => {
                let s = stack.secret(*sid);
                if target.contains(',') || target.contains(':') {
                    colon_error(e, svc, m.span);
                    continue;
                }
                argv.push(
                    format!(
                        "--secret={}-{},type=mount,target={target}",
                        e.name(),
                        s.dns_name
                    ),
                    Some(m.span),
                );
                continue;
            }
            MountKind::Secret(sid) => {
                needs_state_dir = true;
                (
                    format!("./secrets/{}", stack.secret(*sid).dns_name),
                    Vec::new(),
                )
            }
            MountKind::Tmpfs { size } => {
                let mut opts = Vec::new();
                if m.read_only {
                    opts.push("ro".to_string());
                }
                if let Some(q) = size {
                    opts.push(format!("size={}", q.bytes));
                }
                if target.contains(':') {
                    colon_error(e, svc, m.span);
                    continue;
                }
                argv.push(
                    if opts.is_empty() {
                        format!("--tmpfs={target}")
                    } else {
                        format!("--tmpfs={target}:{}", opts.join(","))
                    },
                    Some(m.span),
                );
                continue;
            }
        };
        if target.contains(':') || source.contains(':') {
            colon_error(e, svc, m.span);
            continue;
        }
        let mut all: Vec<&str> = Vec::new();
        if m.read_only {
            all.push("ro");
        }
        all.extend(opts);
        let suffix = if all.is_empty() {
            String::new()
        } else {
            format!(":{}", all.join(","))
        };
        argv.push(format!("--volume={source}:{target}{suffix}"), Some(m.span));
    }

    let items = e.env_items(id, svc);
    let mut env_file = false;
    for item in items {
        match item {
            EnvItem::Plain { key, value, span } => {
                argv.push(format!("--env={key}={value}"), Some(span))
            }
            EnvItem::File { .. } | EnvItem::Secret { .. } => env_file = true,
        }
    }
    if env_file {
        needs_state_dir = true;
        argv.push(format!("--env-file=./{}.env", svc.dns_name), None);
    }

    if let Some(h) = &svc.health
        && let Some(json) = e.health_json(svc)
    {
        let span = Some(h.cmd.as_ref().map(|c| c.span).unwrap_or(h.span));
        if podman {
            argv.push(format!("--health-cmd={json}"), span);
        } else {
            let words: Vec<String> = serde_json::from_str(&json).unwrap_or_default();
            argv.push(
                format!(
                    "--health-cmd={}",
                    words
                        .iter()
                        .map(|w| sh_quote(w))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                span,
            );
        }
        argv.push(
            format!("--health-interval={}", format_duration(h.interval)),
            None,
        );
        argv.push(
            format!("--health-timeout={}", format_duration(h.timeout)),
            None,
        );
        argv.push(format!("--health-retries={}", h.retries), None);
        if !h.start_period.is_zero() {
            argv.push(
                format!("--health-start-period={}", format_duration(h.start_period)),
                None,
            );
        }
    }
    if let Some(w) = &svc.workdir {
        argv.push(format!("--workdir={}", w.value), Some(w.span));
    }
    if let Some(u) = &svc.user {
        argv.push(format!("--user={}", u.value), Some(u.span));
    }
    let sec = &svc.security;
    if sec.is_read_only() {
        argv.push("--read-only", None);
    }
    if sec.no_new_privileges.value {
        argv.push("--security-opt=no-new-privileges", None);
    }
    for cap in &sec.cap_drop {
        argv.push(format!("--cap-drop={}", cap.value), Some(cap.span));
    }
    for cap in &sec.cap_add {
        argv.push(format!("--cap-add={}", cap.value), Some(cap.span));
    }
    if sec.is_privileged() {
        argv.push("--privileged", None);
    }
    for o in &sec.security_opt {
        argv.push(format!("--security-opt={}", o.value), Some(o.span));
    }
    for ns in &sec.host_namespaces {
        if matches!(ns.value.as_str(), "pid" | "ipc" | "uts") {
            argv.push(format!("--{}=host", ns.value), Some(ns.span));
        }
    }
    for (k, v) in &svc.labels {
        argv.push(format!("--label={}={}", k.value, v.value), Some(v.span));
    }
    let r = &svc.resources;
    if let Some(m) = &r.memory {
        argv.push(format!("--memory={}", memory(m.bytes)), Some(m.span));
    }
    if let Some(c) = &r.cpus {
        argv.push(format!("--cpus={}", cpus(c.value)), Some(c.span));
    }
    common_losses(e, svc);

    let mut command = match &svc.command {
        Some(c) => e.argv(svc, c, "command").unwrap_or_default(),
        None => Vec::new(),
    };
    if let Some(ep) = &svc.entrypoint
        && let Some(ep_argv) = e.argv(svc, ep, "entrypoint")
    {
        if podman {
            argv.push(
                format!(
                    "--entrypoint={}",
                    serde_json::to_string(&ep_argv).expect("strings serialize")
                ),
                Some(ep.span),
            );
        } else if let Some((first, rest)) = ep_argv.split_first() {
            // docker's --entrypoint is the executable only: the rest leads the command.
            argv.push(format!("--entrypoint={first}"), Some(ep.span));
            let mut full = rest.to_vec();
            full.append(&mut command);
            command = full;
        }
    }
    let (image, image_span) = match e.image(svc) {
        Some((i, sp)) => (i, Some(sp)),
        None => (String::new(), None),
    };
    if image.starts_with('-') {
        e.error(
            stackc_compiler::diag::Diagnostic::error(
                ErrorCode::SystemdUnsafeValue,
                format!(
                    "image `{image}` of `{}` would be read as an option",
                    svc.name.value
                ),
            )
            .at(
                &e.stack.file,
                image_span.unwrap_or(svc.name.span),
                "this image",
            )
            .help("an image reference starts with a letter or digit"),
        );
    }
    argv.push(image, image_span);
    // The words after the image were checked by `argv` (they may hold newlines, which the
    // INI writer escapes).
    let options_and_image = argv.0.len();
    let cmd_span = svc.command.as_ref().map(|c| c.span);
    for a in command {
        argv.push(a, cmd_span);
    }
    // Each argument is checked where it came from, so an error points at the spec value.
    let mut clean = true;
    for (arg, span) in &argv.0[..options_and_image] {
        clean &= e.no_control(
            svc,
            arg,
            span.unwrap_or(svc.name.span),
            "container settings",
        );
    }
    if !clean {
        return None;
    }

    if svc.is_job() {
        s.text("Type", "oneshot", svc.kind_span);
        if !super::timer::scheduled(svc) {
            s.text("RemainAfterExit", "yes", None);
        }
    } else {
        s.text("Type", "simple", None);
    }
    if needs_state_dir {
        let dir = e.state_dir();
        s.fixed("WorkingDirectory", dir);
    }
    let pre = e.fixed(format!("-{rt} rm -f {base}"));
    s.fixed("ExecStartPre", pre);
    if !podman {
        // docker creates a named volume owned by root: give an owned one to its user first.
        for (vid, o) in stack.owned_volumes(svc) {
            let vol = format!("{}-{}", e.name(), stack.volume(vid).dns_name);
            let chown = e.fixed(format!(
                "{rt} run --rm --network=none --user=0:0 --cap-drop=ALL --cap-add=CHOWN --volume={vol}:/volume {} chown {}:{} /volume",
                crate::compose::volume_owner::INIT_IMAGE,
                o.uid,
                o.gid
            ));
            s.fixed("ExecStartPre", chown);
        }
    }
    s.command(
        "ExecStart",
        argv.0.into_iter().map(|(a, _)| a).collect(),
        cmd_span.or(image_span),
    );
    // A job has exited by the time its start job is done: only services wait for health.
    if e.awaited_healthy[id.index()] && svc.health.is_some() && !svc.is_job() {
        let check = if podman {
            format!("until {rt} healthcheck run {base} >/dev/null 2>&1; do sleep 2; done")
        } else {
            format!(
                "until [ \"$({rt} inspect --format '{{{{.State.Health.Status}}}}' {base} 2>/dev/null)\" = healthy ]; do sleep 2; done"
            )
        };
        s.command(
            "ExecStartPost",
            vec!["/bin/sh".into(), "-c".into(), check],
            None,
        );
    }
    let stop = e.fixed(format!("-{rt} stop {base}"));
    s.fixed("ExecStop", stop);
    let restart = restart(e, svc);
    s.text("Restart", restart, svc.restart.span);
    // Jobs too: a oneshot unit has no start timeout by default, and its start is the pull
    // plus the whole run.
    s.text("TimeoutStartSec", START_TIMEOUT, None);
    if !svc.is_job() {
        // `ExecStop=` stops the container with SIGTERM; `run` then exits 128+15.
        s.text("SuccessExitStatus", "143", None);
    }
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
        sections: vec![unit, s, install]
            .into_iter()
            .filter(|sec| sec.name != "Install" || !sec.lines.is_empty())
            .collect(),
    };
    render(e, format!("{base}.service"), &u)
}

fn colon_error(e: &mut Emitter, svc: &Service, span: stackc_compiler::diag::Span) {
    e.error(
        stackc_compiler::diag::Diagnostic::error(
            ErrorCode::SystemdUnsafeValue,
            format!(
                "a mount path of `{}` contains `:`, which podman and docker read as a separator",
                svc.name.value
            ),
        )
        .at(&e.stack.file, span, "this mount")
        .help("choose a path without `:`"),
    );
}

#[cfg(test)]
mod tests {
    use super::sh_quote;

    #[test]
    fn shell_quoting() {
        assert_eq!(sh_quote("pg_isready"), "pg_isready");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote(""), "''");
    }
}
