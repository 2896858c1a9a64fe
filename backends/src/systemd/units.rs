//! The plain-units renderer: one `.service` per service running `podman run` or `docker run`
//! in the foreground, and a oneshot `<network>-network.service` per network that creates it,
//! written from the [`super::plan`].
//!
//! Invariants: every `ExecStart=` is an argv written by the INI writer (user strings are
//! arguments, never shell text); the only verbatim values are `WorkingDirectory=%E/...` and
//! the `-`-prefixed `ExecStartPre=`/`ExecStop=` built from the runtime path and DNS-1123
//! names. Files, env file and the dev `project` link live in the state directory
//! `%E/stackc/<stack>`, the unit's working directory, so the runtime resolves `./...` there.
//! The one check of its own is syntax: an argument of the argv holding a control character
//! is refused at the spec value it came from (the INI writer could only point at the line).

use stackc_compiler::diag::Span;
use stackc_compiler::ir::Runtime;

use super::ini::IniValue;
use super::plan::{
    EnvItem, MountPlan, NetworkPlan, Readiness, ServicePlan, Source, StackPlan, network_unit,
};
use super::unit::{Sec, Unit};
use super::{Emitter, START_TIMEOUT, install_section, push_unit};
use crate::output::OutputFile;

/// Every unit of the plan.
pub(super) fn render(e: &mut Emitter, plan: &StackPlan) -> Vec<OutputFile> {
    let mut files = Vec::new();
    for s in &plan.services {
        if let Some(u) = service(e, plan, s) {
            push_unit(e, &mut files, format!("{}.service", s.base), &u);
        }
    }
    for n in &plan.networks {
        let u = network(e, plan, n);
        push_unit(e, &mut files, network_unit(&n.name), &u);
    }
    files
}

/// `Requires=`/`After=` the runtime daemon (docker only: podman has none).
fn daemon(plan: &StackPlan) -> Vec<String> {
    plan.daemon.iter().map(|d| d.to_string()).collect()
}

fn network(e: &Emitter, plan: &StackPlan, n: &NetworkPlan) -> Unit {
    let mut u = Unit {
        header: e.header(),
        sections: Vec::new(),
    };
    let unit = u.section("Unit");
    unit.text(
        "Description",
        format!("{}: {} (stackc)", e.name(), n.label),
        None,
    );
    let deps = daemon(plan);
    if !deps.is_empty() {
        unit.ini("Requires", IniValue::Words(deps.clone()), None);
        unit.ini("After", IniValue::Words(deps), None);
    }
    let rt = e.runtime_path();
    let internal = if n.internal { " --internal" } else { "" };
    let name = &n.name;
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
    u
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

fn service(e: &mut Emitter, plan: &StackPlan, s: &ServicePlan) -> Option<Unit> {
    let podman = e.runtime() == Runtime::Podman;
    let mut argv = Argv::default();
    argv.push(e.runtime_path(), None);
    argv.push("run", None);
    argv.push("--rm", None);
    if podman {
        argv.push("--replace", None);
    }
    argv.push(format!("--name={}", s.base), None);
    networks(&mut argv, s, podman);
    for (spec, span) in &s.ports {
        argv.push(format!("--publish={spec}"), Some(*span));
    }
    for m in &s.mounts {
        argv.push(mount(m), Some(mount_span(m)));
    }
    env(&mut argv, s);
    health(&mut argv, s, podman);
    settings(&mut argv, s);
    let command = entrypoint(&mut argv, s, podman);
    let (image, image_span) = match &s.image {
        Some((i, sp)) => (i.clone(), Some(*sp)),
        None => (String::new(), None),
    };
    argv.push(image, image_span);
    // The words after the image were checked by the plan (they may hold newlines, which the
    // INI writer escapes).
    let options_and_image = argv.0.len();
    let cmd_span = s.command.as_ref().map(|(_, span)| *span);
    for a in command {
        argv.push(a, cmd_span);
    }
    if !options_are_clean(e, s, &argv.0[..options_and_image]) {
        return None;
    }
    let exec = (
        argv.0.into_iter().map(|(a, _)| a).collect(),
        cmd_span.or(image_span),
    );
    Some(Unit {
        header: e.header(),
        sections: [
            unit_section(plan, s),
            service_section(e, s, exec),
            install_section(s),
        ]
        .into_iter()
        .filter(|sec| sec.name != "Install" || !sec.lines.is_empty())
        .collect(),
    })
}

/// Each option is checked where it came from, so an error points at the spec value.
fn options_are_clean(e: &mut Emitter, s: &ServicePlan, options: &[(String, Option<Span>)]) -> bool {
    let svc = &e.stack.services[s.index];
    let mut clean = true;
    for (arg, span) in options {
        // Environment values were checked by the plan: a newline in one is escaped.
        let arg = match arg.strip_prefix("--env=") {
            Some(_) => arg.replace('\n', ""),
            None => arg.clone(),
        };
        clean &= e.no_control(
            svc,
            &arg,
            span.unwrap_or(svc.name.span),
            "container settings",
        );
    }
    clean
}

fn unit_section(plan: &StackPlan, s: &ServicePlan) -> Sec {
    let mut unit = Sec::new("Unit");
    let (text, span) = &s.description;
    unit.text("Description", text.clone(), Some(*span));
    let mut requires = daemon(plan);
    requires.extend(s.net.nets.iter().map(|n| network_unit(n)));
    requires.extend(s.requires.iter().cloned());
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
    start_limit(&mut unit, s);
    unit
}

/// `restart: on-failure:N`: at most N restarts, so N + 1 starts in all.
pub(super) fn start_limit(unit: &mut Sec, s: &ServicePlan) {
    if let Some((burst, span)) = s.start_limit {
        unit.text("StartLimitIntervalSec", "infinity", span);
        unit.text("StartLimitBurst", burst.to_string(), span);
    }
}

fn networks(argv: &mut Argv, s: &ServicePlan, podman: bool) {
    let net = &s.net;
    if net.host {
        argv.push("--network=host", None);
        return;
    }
    let alias = net
        .alias
        .as_ref()
        .map(|(a, _)| a.as_str())
        .unwrap_or_default();
    if podman || net.nets.len() == 1 {
        for n in &net.nets {
            argv.push(format!("--network={n}"), None);
        }
        argv.push(format!("--network-alias={alias}"), None);
    } else {
        // docker run joins several networks only with the per-network syntax (Engine 25+).
        for n in &net.nets {
            argv.push(format!("--network=name={n},alias={alias}"), None);
        }
    }
}

/// `--volume=SOURCE:TARGET[:OPTIONS]`, `--secret=...`, `--tmpfs=TARGET[:OPTIONS]`.
fn mount(m: &MountPlan) -> String {
    match m {
        MountPlan::Bind {
            source,
            target,
            options,
            ..
        } => {
            let source = match source {
                Source::Volume(s) | Source::Path(s) => s,
            };
            if options.is_empty() {
                format!("--volume={source}:{target}")
            } else {
                format!("--volume={source}:{target}:{}", options.join(","))
            }
        }
        MountPlan::Secret { name, target, .. } => {
            format!("--secret={name},type=mount,target={target}")
        }
        MountPlan::Tmpfs {
            target, options, ..
        } => {
            if options.is_empty() {
                format!("--tmpfs={target}")
            } else {
                format!("--tmpfs={target}:{}", options.join(","))
            }
        }
    }
}

fn mount_span(m: &MountPlan) -> Span {
    match m {
        MountPlan::Bind { span, .. }
        | MountPlan::Secret { span, .. }
        | MountPlan::Tmpfs { span, .. } => *span,
    }
}

fn env(argv: &mut Argv, s: &ServicePlan) {
    for item in &s.env {
        if let EnvItem::Plain { key, value, span } = item {
            argv.push(format!("--env={key}={value}"), Some(*span));
        }
    }
    if s.env_file {
        argv.push(format!("--env-file=./{}.env", s.dns_name), None);
    }
}

fn health(argv: &mut Argv, s: &ServicePlan, podman: bool) {
    let Some(h) = &s.health else {
        return;
    };
    let cmd = if podman {
        serde_json::to_string(&h.argv).expect("strings serialize")
    } else {
        h.argv
            .iter()
            .map(|w| sh_quote(w))
            .collect::<Vec<_>>()
            .join(" ")
    };
    argv.push(format!("--health-cmd={cmd}"), Some(h.cmd_span));
    argv.push(format!("--health-interval={}", h.interval), None);
    argv.push(format!("--health-timeout={}", h.timeout), None);
    argv.push(format!("--health-retries={}", h.retries), None);
    if let Some(p) = &h.start_period {
        argv.push(format!("--health-start-period={p}"), None);
    }
}

/// Working directory, user, security, labels and resources.
fn settings(argv: &mut Argv, s: &ServicePlan) {
    if let Some((w, span)) = &s.workdir {
        argv.push(format!("--workdir={w}"), Some(*span));
    }
    if let Some((u, span)) = &s.user {
        argv.push(format!("--user={u}"), Some(*span));
    }
    let sec = &s.security;
    if sec.read_only.is_some() {
        argv.push("--read-only", None);
    }
    if sec.no_new_privileges {
        argv.push("--security-opt=no-new-privileges", None);
    }
    for (cap, span) in &sec.cap_drop {
        argv.push(format!("--cap-drop={cap}"), Some(*span));
    }
    for (cap, span) in &sec.cap_add {
        argv.push(format!("--cap-add={cap}"), Some(*span));
    }
    if sec.privileged.is_some() {
        argv.push("--privileged", None);
    }
    for (o, span) in &sec.security_opt {
        argv.push(format!("--security-opt={o}"), Some(*span));
    }
    for (ns, span) in &sec.host_namespaces {
        argv.push(format!("--{ns}=host"), Some(*span));
    }
    for (label, span) in &s.labels {
        argv.push(format!("--label={label}"), Some(*span));
    }
    if let Some((m, span, _)) = &s.memory {
        argv.push(format!("--memory={m}"), Some(*span));
    }
    if let Some((c, span)) = &s.cpus {
        argv.push(format!("--cpus={c}"), Some(*span));
    }
}

/// `--entrypoint`, and the command after the image: docker's `--entrypoint` is the executable
/// only, so the rest of the entrypoint leads the command.
fn entrypoint(argv: &mut Argv, s: &ServicePlan, podman: bool) -> Vec<String> {
    let mut command = s
        .command
        .as_ref()
        .map(|(c, _)| c.clone())
        .unwrap_or_default();
    let Some((ep, span, _)) = &s.entrypoint else {
        return command;
    };
    if podman {
        let json = serde_json::to_string(ep).expect("strings serialize");
        argv.push(format!("--entrypoint={json}"), Some(*span));
    } else if let Some((first, rest)) = ep.split_first() {
        argv.push(format!("--entrypoint={first}"), Some(*span));
        let mut full = rest.to_vec();
        full.append(&mut command);
        command = full;
    }
    command
}

fn service_section(e: &mut Emitter, s: &ServicePlan, exec: (Vec<String>, Option<Span>)) -> Sec {
    let rt = e.runtime_path();
    let podman = e.runtime() == Runtime::Podman;
    let mut sec = Sec::new("Service");
    if s.job {
        sec.text("Type", "oneshot", s.kind_span);
        if !s.scheduled {
            sec.text("RemainAfterExit", "yes", None);
        }
    } else {
        sec.text("Type", "simple", None);
    }
    if s.uses_state_dir() {
        let dir = e.state_dir();
        sec.fixed("WorkingDirectory", dir);
    }
    let pre = e.fixed(format!("-{rt} rm -f {}", s.base));
    sec.fixed("ExecStartPre", pre);
    // docker creates a named volume owned by root: give an owned one to its user first.
    for c in &s.chowns {
        let chown = e.fixed(format!(
            "{rt} run --rm --network=none --user=0:0 --cap-drop=ALL --cap-add=CHOWN --volume={}:/volume {} chown {}:{} /volume",
            c.volume,
            crate::compose::volume_owner::INIT_IMAGE,
            c.uid,
            c.gid
        ));
        sec.fixed("ExecStartPre", chown);
    }
    sec.command("ExecStart", exec.0, exec.1);
    if let Readiness::Healthy(_) = s.readiness {
        sec.command(
            "ExecStartPost",
            vec![
                "/bin/sh".into(),
                "-c".into(),
                health_wait(rt, &s.base, podman),
            ],
            None,
        );
    }
    let stop = e.fixed(format!("-{rt} stop {}", s.base));
    sec.fixed("ExecStop", stop);
    let (restart, span) = s.restart;
    sec.text("Restart", restart, span);
    // Jobs too: a oneshot unit has no start timeout by default, and its start is the pull
    // plus the whole run.
    sec.text("TimeoutStartSec", START_TIMEOUT, None);
    if !s.job {
        // `ExecStop=` stops the container with SIGTERM; `run` then exits 128+15.
        sec.text("SuccessExitStatus", "143", None);
    }
    sec
}

/// The script of `ExecStartPost=` that waits until the container is healthy.
fn health_wait(rt: &str, base: &str, podman: bool) -> String {
    if podman {
        format!("until {rt} healthcheck run {base} >/dev/null 2>&1; do sleep 2; done")
    } else {
        format!(
            "until [ \"$({rt} inspect --format '{{{{.State.Health.Status}}}}' {base} 2>/dev/null)\" = healthy ]; do sleep 2; done"
        )
    }
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
