//! Compose-only fields (`targets.compose.services`) that cannot be combined with what stackc
//! writes for the service: refused at build with a located `STK044` error, so the backend never
//! writes a file `docker compose config` rejects or a field twice.

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{Condition, Service, Stack};

use indexmap::IndexMap;

use super::model::{ComposeDependency, ComposeService};
use super::text::Text;

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

/// Compose-only `depends_on` of `svc`: the compose condition of dependencies the spec gives
/// (`{ NAME: { condition: service_healthy } }`, kept by `stackc import` for a health check that
/// only compose knows, such as the image's own). One that names no dependency of the service
/// or no condition compose knows is a located `STK044` error; one on a service this
/// environment leaves out is no dependency (the resolver checks the names).
pub(super) fn dependency_conditions(
    stack: &Stack,
    svc: &Service,
    entries: &serde_json::Map<String, serde_json::Value>,
    written: &mut IndexMap<String, ComposeDependency>,
) -> Result<(), Diagnostic> {
    let name = &svc.name.value;
    for (dep, v) in entries {
        let word = v.get("condition").and_then(|c| c.as_str());
        let condition = match word.and_then(Condition::from_compose_word) {
            Some(c) => c.compose_word(),
            None => {
                return Err(Diagnostic::error(
                    ErrorCode::ComposeFieldConflict,
                    format!("compose-only `depends_on.{dep}` of `{name}` has no condition compose knows"),
                )
                .at(&stack.file, key_span(stack, svc, "depends_on"), "no known condition")
                .help("write `{ condition: service_started }`, `service_healthy` or `service_completed_successfully`"));
            }
        };
        // A service left out of this environment is no dependency here.
        if !stack.services.iter().any(|s| s.name.value == *dep) {
            continue;
        }
        let Some(entry) = written.get_mut(dep) else {
            return Err(Diagnostic::error(
                ErrorCode::ComposeFieldConflict,
                format!("compose-only `depends_on.{dep}` of `{name}` names no dependency of the service"),
            )
            .at(&stack.file, key_span(stack, svc, "depends_on"), "not in the service's `depends_on`")
            .help(format!("add `{dep}` to the `depends_on` of `{name}`, or remove it from `targets.compose.services.{name}.depends_on`")));
        };
        entry.condition = condition;
        if v.get("required") == Some(&serde_json::Value::Bool(false)) {
            entry.required = Some(false);
        }
        if v.get("restart") == Some(&serde_json::Value::Bool(true)) {
            entry.restart = Some(true);
        }
    }
    Ok(())
}

/// Compose-only `environment` of `svc`: names of its environment variables that compose passes
/// through from where it runs (`KEY` alone: unset when missing), kept by `stackc import` for
/// an optional secret written that way. A name the service's `env` does not set is a located
/// `STK044` error.
pub(super) fn passed_through(
    stack: &Stack,
    svc: &Service,
    keys: &[serde_json::Value],
    written: &mut IndexMap<String, Option<Text>>,
) -> Result<(), Diagnostic> {
    let name = &svc.name.value;
    for key in keys {
        let entry = key.as_str().and_then(|k| written.get_mut(k));
        let Some(entry) = entry else {
            let shown = key.as_str().map_or_else(|| key.to_string(), str::to_string);
            return Err(Diagnostic::error(
                ErrorCode::ComposeFieldConflict,
                format!("compose-only `environment` entry `{shown}` of `{name}` is no variable of its `env`"),
            )
            .at(&stack.file, key_span(stack, svc, "environment"), "not in the service's `env`")
            .help(format!("list only names the service's `env` sets (each is passed through as `KEY` alone), or remove it from `targets.compose.services.{name}.environment`")));
        };
        *entry = None;
    }
    Ok(())
}
