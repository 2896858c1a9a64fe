//! The kustomization: every manifest, the Secret generated from the git-ignored `secrets.env`
//! (written by `stackc secrets init --k8s DIR`), and the user's patches (`targets.k8s.patches`)
//! written to `patches/`.

use std::collections::BTreeMap;

use stackc_compiler::diag::Diagnostic;
use stackc_compiler::ir::{SecretId, SecretSource, Stack};

use super::names::{sanitise, secret_ref, stack_labels, stack_secret};
use super::yaml;

/// The env file the Secret is generated from, beside the kustomization; never committed.
pub const SECRETS_ENV: &str = "secrets.env";

/// The secrets the manifests read from the stack's Secret, with their keys, in id order:
/// exactly the keys `secrets.env` must hold (optional ones may be left out).
pub fn secret_env_keys(stack: &Stack) -> Vec<(SecretId, String)> {
    let mut ids: Vec<SecretId> = stack
        .services
        .iter()
        .flat_map(|s| stack.secrets_used_by(s))
        .filter(|id| !matches!(stack.secret(*id).source, SecretSource::External(_)))
        .collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .map(|id| (id, secret_ref(stack, stack.secret(id)).1))
        .collect()
}

/// Patch files (path, text) and their entries in the kustomization.
type Patches = (Vec<(String, String)>, Vec<serde_json::Value>);

/// The patch files, by path, and their entries in the kustomization.
fn patches(stack: &Stack, header: &[String]) -> Result<Patches, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut entries = Vec::new();
    for (i, p) in stack.targets.k8s.patches.iter().enumerate() {
        let what = match &p.patch {
            serde_json::Value::Object(m) => {
                let kind = m.get("kind").and_then(|k| k.as_str()).unwrap_or("patch");
                let name = m
                    .get("metadata")
                    .and_then(|md| md.get("name"))
                    .and_then(|n| n.as_str())
                    .unwrap_or("");
                sanitise(&format!("{kind}-{name}"))
            }
            _ => "json6902".to_string(),
        };
        let path = format!("patches/{:02}-{what}.yaml", i + 1);
        let mut patch = p.patch.clone();
        // The objects are in the stack's namespace: a strategic-merge patch names it too, or
        // kustomize finds no object to patch.
        if let Some(md) = patch
            .get_mut("metadata")
            .and_then(serde_json::Value::as_object_mut)
        {
            md.entry("namespace")
                .or_insert_with(|| stack.targets.k8s.namespace.clone().into());
        }
        files.push((path.clone(), yaml::file(header, &[yaml::document(&patch)?])));
        let mut entry = serde_json::json!({ "path": path });
        if let Some(t) = &p.target {
            entry["target"] = t.clone();
        }
        entries.push(entry);
    }
    Ok((files, entries))
}

/// `kustomization.yaml`, the patch files and `.gitignore`, added to `files`.
pub(super) fn write(
    stack: &Stack,
    header: &[String],
    files: &mut BTreeMap<String, String>,
) -> Result<(), Vec<Diagnostic>> {
    let resources: Vec<String> = files
        .keys()
        .filter(|p| p.ends_with(".yaml") && !p.contains('/'))
        .cloned()
        .collect();
    let mut k = serde_json::json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": stack.targets.k8s.namespace,
        "resources": resources,
    });
    if !secret_env_keys(stack).is_empty() {
        // No name suffix: the Jobs' names hash their templates, which name the Secret.
        k["secretGenerator"] = serde_json::json!([{
            "name": stack_secret(stack),
            "envs": [SECRETS_ENV],
            "options": {
                "disableNameSuffixHash": true,
                "labels": stack_labels(stack),
            },
        }]);
        files.insert(
            ".gitignore".into(),
            format!(
                "{}# The Secret's values, written by `stackc secrets init --k8s`: never commit them.\n{SECRETS_ENV}\n",
                header.iter().map(|l| format!("# {l}\n")).collect::<String>()
            ),
        );
    }
    let (patch_files, entries) = patches(stack, header)?;
    if !entries.is_empty() {
        k["patches"] = serde_json::Value::Array(entries);
    }
    files.extend(patch_files);
    files.insert(
        "kustomization.yaml".into(),
        yaml::file(header, &[yaml::document(&k)?]),
    );
    Ok(())
}
