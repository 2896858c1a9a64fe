//! Literal credentials outside `environment` (import only). Lowering moves a literal
//! credential of an environment value into a secret; this pass finds the same value, and any
//! well-known token, wherever else the compose file wrote it:
//!
//! - a command, entrypoint or health check reads it from the secret (`${secrets.NAME}`);
//! - compose-only fields kept as they are (`x-` extensions and anchors, `logging` options, ...)
//!   read it from the variable that carries the secret (`${VAR}`, set in `.env`);
//! - labels and build arguments cannot read a secret: the import report names each place
//!   (`file:line`) where the value stayed, so nobody commits it believing it moved.

use crate::diag::Span;
use crate::lint::support::secrets::known_tokens;
use crate::syntax::Sp;
use crate::syntax::forms::CommandSpec;
use crate::syntax::spec::{SecretSpec, StackSpec};

use super::credential_text;
use super::names::Unique;
use super::report::{ImportReport, Outcome};

/// A credential found in the file: its literal value, its secret and the variable carrying it.
struct Credential {
    value: String,
    secret: String,
    env: String,
}

/// Moves every literal credential out of the places lowering does not cover, or reports where
/// it stayed. `moved` holds the credentials already moved (variable, value) and gains new ones.
pub fn sweep(spec: &mut StackSpec, moved: &mut Vec<(String, String)>, report: &mut ImportReport) {
    let mut creds = known(spec, moved);
    let mut names = Unique::default();
    let mut envs = Unique::default();
    for (k, s) in &spec.secrets {
        names.take(&k.value);
        if let Some(e) = s.env_name.as_ref().or(s.from_env.as_ref()) {
            envs.take(&e.value);
        }
    }
    for (env, _) in moved.iter() {
        envs.take(env);
    }
    // Well-known tokens that no environment value held become secrets of their own.
    for text in texts(spec) {
        for (_, range) in known_tokens(&text.value) {
            let token = &text.value[range];
            if creds.iter().any(|c| c.value == token) {
                continue;
            }
            let secret = names.fresh("imported_token");
            let env = envs.fresh(&secret.to_uppercase());
            spec.secrets.insert(
                Sp::new(secret.clone(), text.span),
                SecretSpec {
                    generate: None,
                    from_env: Some(Sp::new(env.clone(), text.span)),
                    file: None,
                    external: None,
                    optional: None,
                    env_name: None,
                },
            );
            moved.push((env.clone(), token.to_string()));
            creds.push(Credential {
                value: token.to_string(),
                secret,
                env,
            });
        }
    }
    if creds.is_empty() {
        return;
    }
    for (name, svc) in spec.services.iter_mut() {
        let base = format!("services.{}", name.value);
        let commands = [
            ("command", svc.command.as_mut()),
            ("entrypoint", svc.entrypoint.as_mut()),
            (
                "healthcheck.test",
                svc.health.as_mut().and_then(|h| h.cmd.as_mut()),
            ),
        ];
        for (field, cmd) in commands {
            let Some(cmd) = cmd else { continue };
            let path = format!("{base}.{field}");
            match &mut cmd.value {
                CommandSpec::Shell(s) => in_spec_text(s, &creds, &path, report),
                CommandSpec::Exec(args) => {
                    for a in args {
                        in_spec_text(a, &creds, &path, report);
                    }
                }
            }
        }
        for (k, v) in &svc.labels {
            stays(
                v,
                &creds,
                &format!("{base}.labels.{}", k.value),
                "labels cannot read a secret",
                report,
            );
        }
        if let Some(b) = &svc.build {
            for (k, v) in &b.args {
                let why = "build arguments end up in the image history; pass it as a build secret";
                stays(
                    v,
                    &creds,
                    &format!("{base}.build.args.{}", k.value),
                    why,
                    report,
                );
            }
        }
    }
    if let Some(c) = spec.targets.as_mut().and_then(|t| t.compose.as_mut()) {
        for (k, v) in c.extensions.iter_mut() {
            in_compose_value(v, &creds, k, Span::DUMMY, report);
        }
        for (svc, fields) in c.services.iter_mut() {
            for (k, v) in fields.iter_mut() {
                let path = format!("services.{}.{}", svc.value, k.value);
                in_compose_value(v, &creds, &path, k.span, report);
            }
        }
    }
}

/// The credentials lowering already moved, with the secret that now holds each.
fn known(spec: &StackSpec, moved: &[(String, String)]) -> Vec<Credential> {
    moved
        .iter()
        .filter_map(|(env, value)| {
            let (name, _) = spec.secrets.iter().find(|(_, s)| {
                s.env_name
                    .as_ref()
                    .or(s.from_env.as_ref())
                    .map(|e| &e.value)
                    == Some(env)
            })?;
            Some(Credential {
                value: value.clone(),
                secret: name.value.clone(),
                env: env.clone(),
            })
        })
        .collect()
}

/// Every spec text this pass looks at (commands, health checks, labels, build arguments, and
/// the strings of compose-only fields).
fn texts(spec: &StackSpec) -> Vec<Sp<String>> {
    let mut out = Vec::new();
    for svc in spec.services.values() {
        let cmds = [
            svc.command.as_ref(),
            svc.entrypoint.as_ref(),
            svc.health.as_ref().and_then(|h| h.cmd.as_ref()),
        ];
        for c in cmds.into_iter().flatten() {
            match &c.value {
                CommandSpec::Shell(s) => out.push(s.clone()),
                CommandSpec::Exec(args) => out.extend(args.iter().cloned()),
            }
        }
        out.extend(svc.labels.values().cloned());
        if let Some(b) = &svc.build {
            out.extend(b.args.values().cloned());
        }
    }
    if let Some(c) = spec.targets.as_ref().and_then(|t| t.compose.as_ref()) {
        let mut strings = Vec::new();
        for v in c.extensions.values() {
            json_strings(v, Span::DUMMY, &mut strings);
        }
        for fields in c.services.values() {
            for (k, v) in fields {
                json_strings(v, k.span, &mut strings);
            }
        }
        out.extend(strings);
    }
    out
}

fn json_strings(v: &serde_json::Value, span: Span, out: &mut Vec<Sp<String>>) {
    match v {
        serde_json::Value::String(s) => out.push(Sp::new(s.clone(), span)),
        serde_json::Value::Array(items) => items.iter().for_each(|i| json_strings(i, span, out)),
        serde_json::Value::Object(m) => m.values().for_each(|i| json_strings(i, span, out)),
        _ => {}
    }
}

/// A spec value (`$` written `$$`) with each credential replaced by its secret reference.
fn in_spec_text(s: &mut Sp<String>, creds: &[Credential], path: &str, report: &mut ImportReport) {
    for c in creds {
        let literal = c.value.replace('$', "$$");
        if credential_text::contains(&s.value, &literal) {
            s.value =
                credential_text::replace(&s.value, &literal, &format!("${{secrets.{}}}", c.secret));
            report.push(
                path,
                s.span,
                Outcome::Approximated(format!(
                    "literal credential replaced by secret `{}`",
                    c.secret
                )),
            );
        }
    }
}

/// A compose value kept as it is, with each credential replaced by compose interpolation of
/// the variable that carries it.
fn in_compose_value(
    v: &mut serde_json::Value,
    creds: &[Credential],
    path: &str,
    span: Span,
    report: &mut ImportReport,
) {
    match v {
        serde_json::Value::String(s) => {
            for c in creds {
                let literal = c.value.replace('$', "$$");
                if credential_text::contains(s, &literal) {
                    *s = credential_text::replace(s, &literal, &format!("${{{}}}", c.env));
                    report.push(
                        path,
                        span,
                        Outcome::Approximated(format!(
                            "literal credential replaced by `${{{}}}`, the variable of secret `{}` (set in `.env`)",
                            c.env, c.secret
                        )),
                    );
                }
            }
        }
        serde_json::Value::Array(items) => {
            for i in items {
                in_compose_value(i, creds, path, span, report);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, i) in m.iter_mut() {
                in_compose_value(i, creds, &format!("{path}.{k}"), span, report);
            }
        }
        _ => {}
    }
}

/// Reports a credential left in a value no secret can reach.
fn stays(v: &Sp<String>, creds: &[Credential], path: &str, why: &str, report: &mut ImportReport) {
    for c in creds {
        if credential_text::contains(&v.value, &c.value.replace('$', "$$")) {
            report.push(
                path,
                v.span,
                Outcome::Approximated(format!(
                    "a literal credential (the value of secret `{}`) stays here: {why}; remove it by hand before committing",
                    c.secret
                )),
            );
        }
    }
}
