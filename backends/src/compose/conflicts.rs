//! Compose-only fields (`targets.compose.services`) that cannot be combined with what stackc
//! writes for the service: refused at build with a located `STK044` error, so the backend never
//! writes a file `docker compose config` rejects or a field twice.

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{Service, Stack};

use super::model::ComposeService;

/// The span of compose-only field `key` of `svc` (the service name when it is unknown).
fn key_span(stack: &Stack, svc: &Service, key: &str) -> Span {
    stack
        .targets
        .compose
        .key_span(&svc.name.value, key)
        .unwrap_or(svc.name.span)
}

/// A compose-only field (`field`, under key `key`) that stackc also writes from the spec.
pub(super) fn written_twice(stack: &Stack, svc: &Service, key: &str, field: &str) -> Diagnostic {
    Diagnostic::error(
        ErrorCode::ComposeFieldConflict,
        format!(
            "compose-only field `{field}` of `{}` is also written from the service's spec",
            svc.name.value
        ),
    )
    .at(&stack.file, key_span(stack, svc, key), "written twice")
    .help(format!(
        "remove `{field}` from `targets.compose.services.{}`: the service's own fields set it",
        svc.name.value
    ))
}

/// Checks the written service: `network_mode` cannot be combined with `networks`, and no
/// port can be published with a network mode other than `bridge`.
pub(super) fn check(stack: &Stack, svc: &Service, s: &ComposeService) -> Result<(), Diagnostic> {
    let pass = &stack.targets.compose;
    let name = &svc.name.value;
    let passed = |k: &str| pass.service(name).iter().any(|(key, _)| key == k);
    let mode = s
        .network_mode
        .as_ref()
        .map(|m| m.as_str().to_string())
        .or_else(|| {
            pass.service(name)
                .iter()
                .find(|(k, _)| k == "network_mode")
                .and_then(|(_, v)| v.as_str().map(str::to_string))
        });
    let Some(mode) = mode.filter(|m| m != "bridge") else {
        return Ok(());
    };
    // The field to point at: the compose-only one when there is one, else the spec's.
    let at = |other: &str| {
        let key = if passed(other) { other } else { "network_mode" };
        key_span(stack, svc, key)
    };
    let refuse = |what: &str, other: &str| {
        Diagnostic::error(
            ErrorCode::ComposeFieldConflict,
            format!("`{name}` cannot combine `network_mode: {mode}` with {what}"),
        )
        .at(&stack.file, at(other), "conflicts with the network mode")
        .help(format!(
            "drop `network_mode` from `targets.compose.services.{name}`, or the service's {what}"
        ))
    };
    if !s.networks.is_empty() || passed("networks") {
        return Err(refuse("`networks`", "networks"));
    }
    if !s.ports.is_empty() {
        return Err(refuse("published `ports`", "ports"));
    }
    Ok(())
}
