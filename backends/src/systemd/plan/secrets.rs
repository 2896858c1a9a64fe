//! Secrets, decided in one place. A secret is a reference in the IR and never a value here:
//!
//! * an environment variable that is exactly one required secret is a podman secret in
//!   Quadlet (`Secret=...,type=env`); every other secret-bearing variable is a `KEY=template`
//!   line of the service's env file, with `${ENV_NAME}` for each secret;
//! * a secret mounted as a file is a podman secret (Quadlet, podman units) or a file the
//!   operator writes into the state directory (docker units);
//! * a secret in a command, entrypoint or health-check argument reaches the container as one
//!   more variable, `STACKC_SECRET_<ENV_NAME>` (see [`super::commands`]), delivered the same
//!   way (a podman secret in Quadlet, else an env-file line); the container's shell expands it.

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{Runtime, Segment, Service, SystemdFlavour, Value};

use super::commands::{self, ShellVar};

use crate::systemd::Emitter;

/// One environment variable of a service, as the units carry it.
#[derive(Clone, Debug)]
pub(crate) enum EnvItem {
    /// No secret: the value, written into the unit.
    Plain {
        key: String,
        value: String,
        span: Span,
    },
    /// Exactly one required secret (Quadlet only): the podman secret `name`.
    Secret {
        key: String,
        name: String,
        span: Span,
    },
    /// Holds a secret: a line of the env file.
    File,
}

/// A service's env file, `<dns_name>.env`, written by the operator from its template.
#[derive(Clone, Debug)]
pub(crate) struct EnvFile {
    pub dns_name: String,
    /// `KEY=template` lines, `${ENV_NAME}` per secret.
    pub lines: Vec<(String, String)>,
    /// The secrets' `ENV_NAME`s the template reads, sorted (for `envsubst`).
    pub vars: Vec<String>,
}

/// How a secret mounted as a file reaches the container.
pub(crate) enum SecretMount {
    /// A podman secret, `<stack>-<dns_name>`.
    Podman(String),
    /// `./secrets/<dns_name>` in the state directory (docker has no secrets outside swarm).
    File(String),
}

/// A service's environment, and its env file when some variable holds a secret.
/// `vars` are the variables the service's commands read secrets from (after its own).
pub(super) fn lower_env(
    e: &mut Emitter,
    svc: &Service,
    vars: &[ShellVar],
) -> (Vec<EnvItem>, Option<EnvFile>) {
    let mut items = Vec::new();
    let mut lines = Vec::new();
    let mut secret_vars = Vec::new();
    for ev in &svc.env {
        if crate::deploy_values::unset_pass_through(e.stack, ev) {
            let (feature, outcome) = crate::deploy_values::unset_pass_through_loss(ev);
            e.loss(Some(svc), feature, outcome, Some(ev.value.span));
            continue;
        }
        let key = ev.key.value.clone();
        if !ev.value.has_secret() {
            let value = e.render(svc, &ev.value, |_, _| String::new());
            let what = format!("environment variable `{key}`");
            // A multi-line value reaches the container through a command-line argument, whose
            // newlines the INI writer escapes as `\n` (unit files: `--env=` of `ExecStart=`;
            // Quadlet: `PodmanArgs=`).
            if e.no_control(svc, &value.replace('\n', ""), ev.value.span, &what) {
                items.push(EnvItem::Plain {
                    key,
                    value,
                    span: ev.value.span,
                });
            }
            continue;
        }
        if let Some(name) = podman_env_secret(e, &ev.value) {
            if e.key_or_refuse(
                svc,
                "Secret",
                Some(ev.value.span),
                "secret environment variable",
            ) {
                items.push(EnvItem::Secret {
                    key,
                    name,
                    span: ev.value.span,
                });
            }
            continue;
        }
        let template = template(e, svc, &ev.value);
        if template.contains(['\n', '\r', '\0']) {
            line_break_error(e, svc, &key, ev.value.span);
        }
        secret_vars.extend(secret_env_names(e, &ev.value));
        lines.push((key, template));
        items.push(EnvItem::File);
    }
    for v in vars.iter().filter(|v| !v.own) {
        let whole = Value {
            span: v.span,
            segments: vec![Segment::Secret(v.id)],
        };
        if let Some(name) = podman_env_secret(e, &whole) {
            if e.key_or_refuse(svc, "Secret", Some(v.span), "secret in a command") {
                items.push(EnvItem::Secret {
                    key: v.name.clone(),
                    name,
                    span: v.span,
                });
            }
            continue;
        }
        secret_vars.extend(secret_env_names(e, &whole));
        lines.push((v.name.clone(), template(e, svc, &whole)));
        items.push(EnvItem::File);
    }
    secret_vars.sort();
    secret_vars.dedup();
    let file = (!lines.is_empty()).then(|| EnvFile {
        dns_name: svc.dns_name.clone(),
        vars: secret_vars,
        lines,
    });
    (items, file)
}

/// Quadlet: the podman secret a variable reads when it is exactly one required secret.
fn podman_env_secret(e: &Emitter, v: &Value) -> Option<String> {
    let sid = v.as_single_secret()?;
    let s = e.stack.secret(sid);
    (e.opts.flavour == SystemdFlavour::Quadlet && !s.optional)
        .then(|| format!("{}-{}", e.name(), s.dns_name))
}

fn line_break_error(e: &mut Emitter, svc: &Service, key: &str, span: Span) {
    e.error(
        Diagnostic::error(
            ErrorCode::SystemdUnsafeValue,
            format!(
                "environment variable `{key}` of `{}` contains a line break",
                svc.name.value
            ),
        )
        .at(&e.stack.file, span, "this value")
        .help("env files hold one `KEY=value` per line; remove the line break"),
    );
}

/// A value with `${ENV_NAME}` for each secret (env-file templates).
fn template(e: &mut Emitter, svc: &Service, v: &Value) -> String {
    e.render(svc, v, |stack, id| {
        format!("${{{}}}", stack.secret(id).env_name)
    })
}

/// The `ENV_NAME` of each secret in a value (the env file's template reads them).
fn secret_env_names(e: &Emitter, v: &Value) -> Vec<String> {
    v.segments
        .iter()
        .filter_map(|s| match s {
            Segment::Secret(sid) => Some(e.stack.secret(*sid).env_name.clone()),
            _ => None,
        })
        .collect()
}

/// How a secret file is mounted: a podman secret unless the runtime is docker.
pub(super) fn secret_mount(e: &Emitter, sid: stackc_compiler::ir::SecretId) -> SecretMount {
    let s = e.stack.secret(sid);
    if e.opts.flavour == SystemdFlavour::Units && e.runtime() == Runtime::Docker {
        SecretMount::File(format!("./secrets/{}", s.dns_name))
    } else {
        SecretMount::Podman(format!("{}-{}", e.name(), s.dns_name))
    }
}

/// `(podman secret, env variable)` of every secret a `Secret=` line or `--secret` reads
/// (Quadlet, podman units), sorted: the README tells the operator to create them.
pub(super) fn podman_secrets(e: &Emitter) -> Vec<(String, String)> {
    let quadlet = e.opts.flavour == SystemdFlavour::Quadlet;
    if !quadlet && e.runtime() != Runtime::Podman {
        return Vec::new();
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for svc in &e.stack.services {
        let files = e.stack.secret_files(svc).into_iter().map(|(id, _)| id);
        let envs = svc.env.iter().filter_map(|ev| ev.value.as_single_secret());
        let commands = commands::secrets_in_commands(svc)
            .into_iter()
            .map(|(id, _)| id);
        let envs = envs
            .chain(commands)
            .filter(|id| quadlet && !e.stack.secret(*id).optional);
        for id in files.chain(envs) {
            let s = e.stack.secret(id);
            out.push((format!("{}-{}", e.name(), s.dns_name), s.env_name.clone()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `(file name, env variable)` of every secret file docker units bind-mount from the state
/// directory, sorted.
pub(super) fn docker_secret_files(e: &Emitter) -> Vec<(String, String)> {
    if e.opts.flavour == SystemdFlavour::Quadlet || e.runtime() != Runtime::Docker {
        return Vec::new();
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for svc in &e.stack.services {
        for (id, _) in e.stack.secret_files(svc) {
            let s = e.stack.secret(id);
            out.push((s.dns_name.clone(), s.env_name.clone()));
        }
    }
    out.sort();
    out.dedup();
    out
}
