//! Secrets mounted as files (`volumes: [{ secret: NAME, target: PATH }]`): compose reads them
//! through top-level `secrets:` entries (the spec's `file`, else `.secrets/NAME`, which `stackc
//! secrets init` writes beside `.env`), and each service lists the ones it mounts. The value
//! never appears in the compose file.

use indexmap::IndexMap;
use stackc_compiler::ir::{SecretSource, Service, Stack};

use crate::output::EmitContext;

/// The top-level `secrets:` entries of the secrets some service mounts as files: a `file`
/// source is read from its file (relative to the output directory), every other one from
/// `.secrets/NAME` beside the spec (`stackc secrets init` writes it, 0600). A fidelity build
/// reads a `from_env` one from its variable (`environment:`), as an imported compose file did.
pub fn definitions(
    stack: &Stack,
    ctx: &EmitContext,
    fidelity: bool,
) -> IndexMap<String, serde_json::Value> {
    let mut out = IndexMap::new();
    for svc in &stack.services {
        for (id, _) in stack.secret_files(svc) {
            let sec = stack.secret(id);
            let def = match &sec.source {
                SecretSource::File(f) if !f.starts_with('/') => {
                    serde_json::json!({ "file": ctx.from_output(f) })
                }
                SecretSource::File(f) => serde_json::json!({ "file": f }),
                SecretSource::FromEnv(v) if fidelity => serde_json::json!({ "environment": v }),
                // Written by `stackc secrets init` beside `.env`: a file source also works
                // for read-only services (compose copies an `environment:` one in).
                _ => serde_json::json!({
                    "file": ctx.from_output(&format!(".secrets/{}", sec.name.value))
                }),
            };
            out.entry(sec.name.value.clone()).or_insert(def);
        }
    }
    out
}

/// A service's `secrets:` entries: `{ source, target }` for each secret it mounts.
pub fn service_entries(stack: &Stack, svc: &Service) -> Vec<serde_json::Value> {
    stack
        .secret_files(svc)
        .into_iter()
        .map(|(id, m)| {
            serde_json::json!({
                "source": stack.secret(id).name.value,
                "target": m.target.value,
            })
        })
        .collect()
}
