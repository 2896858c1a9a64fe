//! Compose network names the stack spec cannot hold (`meet.jitsi`: a spec name is a DNS
//! label): `stackc import` keeps the compose file's key as `x-stackc-key` among the network's
//! compose-only fields (`targets.compose.networks.NAME`), and the compose file uses it as the
//! network's key again, so services, aliases and `docker compose config` read as before. Other
//! targets use the spec name.

use stackc_compiler::diag::{Diagnostic, ErrorCode};
use stackc_compiler::ir::Stack;

/// The compose-only field that holds a network's compose key.
pub const KEY_FIELD: &str = stackc_compiler::front::compose::lower::NETWORK_KEY_FIELD;

/// The compose key of spec network `name`: its `x-stackc-key`, else the spec name.
pub fn key(stack: &Stack, name: &str) -> String {
    stack
        .targets
        .compose
        .networks
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, fields)| fields.iter().find(|(k, _)| k == KEY_FIELD))
        .and_then(|(_, v)| v.as_str())
        .map_or_else(|| name.to_string(), str::to_string)
}

/// Whether compose takes `key` as a network key: a letter or digit, then letters, digits,
/// `_`, `.` and `-`.
fn valid(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_alphanumeric())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Each network's `x-stackc-key` is a string compose takes, and no two networks share a key:
/// else a located `STK044` error at the network.
pub fn check(stack: &Stack) -> Result<(), Diagnostic> {
    let mut seen: Vec<(String, &str)> = Vec::new();
    for n in &stack.networks {
        let name = n.name.value.as_str();
        let given = stack
            .targets
            .compose
            .networks
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, fields)| fields.iter().find(|(k, _)| k == KEY_FIELD));
        if let Some((_, v)) = given
            && !v.as_str().is_some_and(valid)
        {
            return Err(Diagnostic::error(
                ErrorCode::ComposeFieldConflict,
                format!("compose-only `{KEY_FIELD}` of network `{name}` is not a compose network name"),
            )
            .at(&stack.file, n.name.span, "this network")
            .help("write letters, digits, `_`, `.` and `-`, starting with a letter or digit (e.g. `meet.jitsi`)"));
        }
        let k = key(stack, name);
        if let Some((_, other)) = seen.iter().find(|(s, _)| *s == k) {
            return Err(Diagnostic::error(
                ErrorCode::ComposeFieldConflict,
                format!("networks `{other}` and `{name}` are both `{k}` in the compose file"),
            )
            .at(&stack.file, n.name.span, "same compose key")
            .help(format!(
                "remove `{KEY_FIELD}` from one of them, or give it another key"
            )));
        }
        seen.push((k, name));
    }
    Ok(())
}
