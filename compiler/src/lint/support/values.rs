//! The scalars of a service as the secret rules see them: every user-written string with its
//! span, a path for fingerprints, and its text with references written back as `${...}`.

use crate::diag::Span;
use crate::ir::{MountKind, Segment, Service, Stack, Value};

/// Where a scalar comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Env,
    Command,
    Entrypoint,
    HealthCommand,
    Label,
    BuildArg,
    BuildEnv,
    BuildStep,
    /// The text of a `config:` file (the span is the file's path in the spec).
    ConfigFile,
}

impl Origin {
    /// How a message names the place: "environment variable", "command argument", ...
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Env => "environment variable",
            Origin::Command => "command",
            Origin::Entrypoint => "entrypoint",
            Origin::HealthCommand => "health check command",
            Origin::Label => "label",
            Origin::BuildArg => "build argument",
            Origin::BuildEnv => "build environment variable",
            Origin::BuildStep => "build step",
            Origin::ConfigFile => "config file",
        }
    }
}

/// One user-written string of a service.
#[derive(Clone, Debug)]
pub struct Scalar<'a> {
    pub origin: Origin,
    /// The key for env, labels and build args/env; the file path for config files.
    pub key: Option<&'a str>,
    pub span: Span,
    /// The text with references written back as `${secrets.NAME}` etc.
    pub text: String,
    /// The text when it holds no reference except to variables with a known value.
    pub literal: Option<String>,
    /// A variable the literal text came from, when one did.
    pub via_variable: Option<String>,
    /// Fingerprint path: `env.KEY`, `command[1]`, `volumes./etc/app.conf`.
    pub path: String,
}

/// The text of a value, references written back as `${...}`.
pub fn value_text(stack: &Stack, v: &Value) -> String {
    let mut out = String::new();
    for s in &v.segments {
        match s {
            Segment::Literal(t) => out.push_str(t),
            Segment::Secret(id) => {
                out.push_str(&format!("${{secrets.{}}}", stack.secret(*id).name.value))
            }
            Segment::Var(id) => {
                out.push_str(&format!("${{vars.{}}}", stack.variable(*id).name.value))
            }
            Segment::ServiceHost(id) => out.push_str(&format!(
                "${{services.{}.host}}",
                stack.service(*id).name.value
            )),
            Segment::ServicePort(id, i) => {
                let svc = stack.service(*id);
                let name = svc.ports.get(*i).map(|p| p.name.as_str()).unwrap_or("port");
                out.push_str(&format!("${{services.{}.ports.{name}}}", svc.name.value));
            }
        }
    }
    out
}

/// The literal text of a value whose only references are variables with a value in this
/// environment (a committed default is as literal as text), and the first such variable.
pub fn literal_value(stack: &Stack, v: &Value) -> Option<(String, Option<String>)> {
    let mut out = String::new();
    let mut via = None;
    for s in &v.segments {
        match s {
            Segment::Literal(t) => out.push_str(t),
            Segment::Var(id) => {
                let var = stack.variable(*id);
                out.push_str(var.value.as_deref()?);
                via.get_or_insert_with(|| var.name.value.clone());
            }
            _ => return None,
        }
    }
    Some((out, via))
}

fn of_value<'a>(
    stack: &Stack,
    origin: Origin,
    key: Option<&'a str>,
    v: &Value,
    path: String,
) -> Scalar<'a> {
    let lit = literal_value(stack, v);
    Scalar {
        origin,
        key,
        span: v.span,
        text: value_text(stack, v),
        literal: lit.as_ref().map(|l| l.0.clone()),
        via_variable: lit.and_then(|l| l.1),
        path,
    }
}

fn of_text<'a>(
    origin: Origin,
    key: Option<&'a str>,
    span: Span,
    text: &str,
    path: String,
) -> Scalar<'a> {
    Scalar {
        origin,
        key,
        span,
        text: text.to_string(),
        literal: Some(text.to_string()),
        via_variable: None,
        path,
    }
}

/// Every user-written string of a service: env, command, entrypoint, health command, labels,
/// build args, build env, build steps and the text of config files.
pub fn scalars<'a>(stack: &Stack, svc: &'a Service) -> Vec<Scalar<'a>> {
    let mut out = Vec::new();
    for e in &svc.env {
        out.push(of_value(
            stack,
            Origin::Env,
            Some(&e.key.value),
            &e.value,
            format!("env.{}", e.key.value),
        ));
    }
    let commands = [
        (Origin::Command, "command", svc.command.as_ref()),
        (Origin::Entrypoint, "entrypoint", svc.entrypoint.as_ref()),
        (
            Origin::HealthCommand,
            "health.cmd",
            svc.health.as_ref().and_then(|h| h.cmd.as_ref()),
        ),
    ];
    for (origin, name, cmd) in commands {
        for (i, a) in cmd.iter().flat_map(|c| c.args.iter()).enumerate() {
            out.push(of_value(stack, origin, None, a, format!("{name}[{i}]")));
        }
    }
    for (k, v) in &svc.labels {
        out.push(of_text(
            Origin::Label,
            Some(&k.value),
            v.span,
            &v.value,
            format!("labels.{}", k.value),
        ));
    }
    if let Some(b) = &svc.build {
        for (k, v) in &b.args {
            out.push(of_text(
                Origin::BuildArg,
                Some(&k.value),
                v.span,
                &v.value,
                format!("build.args.{}", k.value),
            ));
        }
        for (k, v) in &b.env {
            out.push(of_text(
                Origin::BuildEnv,
                Some(&k.value),
                v.span,
                &v.value,
                format!("build.env.{}", k.value),
            ));
        }
        for (k, v) in &b.labels {
            out.push(of_text(
                Origin::Label,
                Some(&k.value),
                v.span,
                &v.value,
                format!("build.labels.{}", k.value),
            ));
        }
        for (i, s) in b.steps.iter().enumerate() {
            out.push(of_text(
                Origin::BuildStep,
                None,
                s.span,
                &s.value,
                format!("build.steps[{i}]"),
            ));
        }
    }
    for m in &svc.mounts {
        if let MountKind::Config {
            source,
            content: Some(text),
        } = &m.kind
        {
            out.push(of_text(
                Origin::ConfigFile,
                Some(&source.value),
                source.span,
                text,
                format!("volumes.{}", m.target.value),
            ));
        }
    }
    out
}

/// 1-based line number of byte `offset` in `text` (for notes about config files).
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
