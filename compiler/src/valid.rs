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
