//! The validator: checks that block emission, and the proof type backends require.

use std::ops::Deref;

use crate::diag::{Diagnostic, Diagnostics, ErrorCode, Span};
use crate::ir::{MountKind, Profile, Stack};

/// A value the validator accepted. Only [`validate`] constructs it, so a backend that takes
/// `&Validated<Stack>` cannot be handed an unchecked stack.
#[derive(Debug)]
pub struct Validated<T>(T);

impl<T> Deref for Validated<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Validated<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Checks what no target can emit. Returns all errors at once.
pub fn validate(stack: Stack) -> Result<Validated<Stack>, Vec<Diagnostic>> {
    let errors = errors(&stack);
    if errors.is_empty() {
        Ok(Validated(stack))
    } else {
        Err(errors)
    }
}

/// The errors [`validate`] reports, sorted, without taking the stack (lint reports them beside
/// its findings).
pub fn errors(stack: &Stack) -> Vec<Diagnostic> {
    let mut diags = Diagnostics::default();
    let f = &stack.file;
    for svc in &stack.services {
        if svc.is_job()
            && let Some(span) = svc.replicas_span
            && svc.replicas != 1
        {
            diags.push(
                Diagnostic::error(
                    ErrorCode::JobWithReplicas,
                    format!("job `{}` cannot have replicas", svc.name.value),
                )
                .at(f, span, "replicas set here")
                .also(
                    f,
                    svc.kind_span.unwrap_or(svc.name.span),
                    "declared a job here",
                )
                .help("a job runs once; remove `replicas` or make it a service"),
            );
        }
        if svc.image.is_none() && svc.build.is_none() {
            diags.push(
                Diagnostic::error(
                    ErrorCode::NoImageOrBuild,
                    format!(
                        "service `{}` has neither `image` nor `build`",
                        svc.name.value
                    ),
                )
                .at(f, svc.name.span, "no image to run")
                .help("add `image: NAME:TAG`, or a `build:` recipe"),
            );
        }
        if stack.profile == Profile::Prod {
            for m in &svc.mounts {
                if let MountKind::Bind(src) = &m.kind {
                    diags.push(
                        Diagnostic::error(
                            ErrorCode::HostMountInProd,
                            format!("host bind mount `{}` in service `{}` is not allowed in a prod environment", src.value, svc.name.value),
                        )
                        .at(f, m.span, "host path mounted here")
                        .help("move this mount into `environments.dev.services` (dev only), or use a named volume or a `config:` file"),
                    );
                }
            }
            // Mounts kept as compose syntax (`targets.compose`: a home directory path, an
            // SELinux label) are written to the prod compose file as they are.
            let compose_only = stack.targets.compose.service(&svc.name.value);
            for (_, v) in compose_only.iter().filter(|(k, _)| k == "volumes") {
                for src in compose_host_sources(v) {
                    let span = stack
                        .targets
                        .compose
                        .key_span(&svc.name.value, "volumes")
                        .unwrap_or(svc.name.span);
                    diags.push(
                        Diagnostic::error(
                            ErrorCode::HostMountInProd,
                            format!("host bind mount `{src}` in service `{}` is not allowed in a prod environment", svc.name.value),
                        )
                        .at(f, span, "host path mounted here (a compose-only mount)")
                        .help("move this mount into `environments.dev` (dev only), or use a named volume or a `config:` file"),
                    );
                }
            }
        }
        if let Some(h) = &svc.health {
            if h.cmd.is_none() && h.http.is_none() && h.tcp.is_none() {
                diags.push(
                    Diagnostic::error(
                        ErrorCode::EmptyHealthCheck,
                        format!("health check of `{}` checks nothing", svc.name.value),
                    )
                    .at(f, h.span, "no `cmd`, `http` or `tcp`")
                    .help("set one of `cmd`, `http` or `tcp`"),
                );
            }
            for (port, what) in h
                .http
                .iter()
                .map(|c| (c.port, "http"))
                .chain(h.tcp.iter().map(|p| (*p, "tcp")))
            {
                if !svc.ports.iter().any(|p| p.port == port.value) {
                    diags.push(
                        Diagnostic::error(ErrorCode::HealthCheckPortUndeclared, format!("{what} health check of `{}` uses port {}, which the service does not declare", svc.name.value, port.value))
                            .at(f, port.span, "undeclared port")
                            .help(format!("add {} to `ports`, or check the port number", port.value)),
                    );
                }
            }
        }
    }
    if diags.has_errors() {
        return diags.into_sorted();
    }
    let _ = Span::DUMMY;
    Vec::new()
}

/// The host paths outside the project that compose-syntax `volumes` mount: absolute paths and
/// home directory paths (`~/...`), in the short or the long syntax. Paths of the project
/// (`./conf`) and sources taken from a variable are not among them.
fn compose_host_sources(volumes: &serde_json::Value) -> Vec<String> {
    let outside = |s: &str| s.starts_with('/') || s.starts_with('~');
    let Some(items) = volumes.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            serde_json::Value::String(s) => {
                // `SRC:/target[:mode]`; `/path:ro` is an anonymous volume.
                let (src, rest) = s.split_once(':')?;
                (outside(src) && rest.starts_with('/')).then(|| src.to_string())
            }
            serde_json::Value::Object(m) => {
                let bind = m.get("type").and_then(|t| t.as_str()) == Some("bind");
                let src = m.get("source").and_then(|s| s.as_str())?;
                (bind && outside(src)).then(|| src.to_string())
            }
            _ => None,
        })
        .collect()
}
