//! The operator's files: `secrets.example.env` (keys, never values) and `README.md`.

use crate::escape::one_line;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use stackc_compiler::ir::{Alphabet, Condition, SecretId, SecretSource, Stack};

use super::names::{secret_ref, stack_secret};
use crate::output::{EmitContext, GENERATED_MARKER, LossEntry};

/// Secrets some service uses, in id order.
fn used_secrets(stack: &Stack) -> Vec<SecretId> {
    let mut ids: Vec<SecretId> = stack
        .services
        .iter()
        .flat_map(|s| stack.secrets_used_by(s))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// For each secret, the names of the services that use it, in service order.
fn users_by_secret(stack: &Stack) -> Vec<String> {
    let mut names: Vec<Vec<&str>> = vec![Vec::new(); stack.secrets.len()];
    for s in &stack.services {
        for id in stack.secrets_used_by(s) {
            names[id.index()].push(s.name.value.as_str());
        }
    }
    names.into_iter().map(|n| n.join(", ")).collect()
}

fn source_text(source: &SecretSource) -> String {
    match source {
        SecretSource::Generate { length, alphabet } => {
            let a = match alphabet {
                Alphabet::Alnum => "letters and digits",
                Alphabet::Hex => "hex digits",
                Alphabet::Base64Url => "base64url characters",
            };
            format!("random, {length} {a}")
        }
        SecretSource::FromEnv(var) => format!("the value of `{var}` in the deploying environment"),
        SecretSource::File(path) => format!("the contents of `{}` (one line)", one_line(path)),
        SecretSource::External(name) => format!("existing Secret `{name}`"),
    }
}

/// The command, run in the spec's directory, that writes `secrets.env` beside the manifests.
fn init_command(stack: &Stack, ctx: &EmitContext) -> String {
    format!(
        "stackc secrets init --env {} --k8s {}",
        stack.env, ctx.output_from_source
    )
}

/// `secrets.example.env`: one line per key of the stack's Secret, no values; `None` when no
/// service uses a secret that stackc's Secret holds.
pub(super) fn secrets_example(stack: &Stack, header: &[String]) -> Option<String> {
    let ids: Vec<SecretId> = used_secrets(stack)
        .into_iter()
        .filter(|id| !matches!(stack.secret(*id).source, SecretSource::External(_)))
        .collect();
    if ids.is_empty() {
        return None;
    }
    let mut out: String = header.iter().map(|l| format!("# {l}\n")).collect();
    let _ = writeln!(out, "#");
    let _ = writeln!(
        out,
        "# Keys of the Secret `{}` (namespace `{}`). This file holds no values.",
        stack_secret(stack),
        stack.targets.k8s.namespace
    );
    let _ = writeln!(
        out,
        "# `stackc secrets init --k8s DIR` writes these keys with their values to DIR/secrets.env"
    );
    let _ = writeln!(
        out,
        "# (mode 0600, git-ignored), from which the kustomization generates the Secret."
    );
    let _ = writeln!(
        out,
        "# Optional keys are commented out: uncomment them to set a value."
    );
    let users = users_by_secret(stack);
    for id in ids {
        let s = stack.secret(id);
        let (_, key) = secret_ref(stack, s);
        let _ = writeln!(
            out,
            "\n# {}: {}; used by {}",
            s.name.value,
            source_text(&s.source),
            users[id.index()]
        );
        if s.optional {
            let _ = writeln!(out, "# {key}=");
        } else {
            let _ = writeln!(out, "{key}=");
        }
    }
    Some(out)
}

fn describe(path: &str) -> String {
    let (stem, kind) = path.split_once('.').unwrap_or((path, ""));
    match kind {
        "deployment.yaml" => format!("Deployment `{stem}`"),
        "statefulset.yaml" => format!("StatefulSet `{stem}` with its volume claim templates"),
        "job.yaml" => format!("Job `{stem}-<hash of its pod template>`"),
        "service.yaml" => format!("Services of `{stem}`"),
        "configmaps.yaml" => format!("ConfigMaps of `{stem}` (its config files)"),
        "cronjob.yaml" => format!("CronJob `{stem}` (its schedule is UTC)"),
        "pdb.yaml" => format!("PodDisruptionBudget of `{stem}`: one pod at a time may be evicted"),
        "rbac.yaml" => {
            format!("ServiceAccount, Role and RoleBinding that let `{stem}` wait for Jobs")
        }
        "pvc.yaml" => format!("PersistentVolumeClaim `{stem}`"),
        _ => match path {
            "ingress.yaml" => "the Ingress for public ports".into(),
            "networkpolicies.yaml" => {
                "NetworkPolicies: default-deny ingress, then what the network tiers allow".into()
            }
            "namespace.yaml" => "the Namespace, with its Pod Security Standard labels".into(),
            "kustomization.yaml" => {
                "the kustomization: every manifest, the Secret generated from `secrets.env`, the patches".into()
            }
            ".gitignore" => "keeps `secrets.env` out of version control".into(),
            p if p.starts_with("patches/") => "a patch from `targets.k8s.patches`".into(),
            "secrets.example.env" => "the keys of the Secret to create (no values)".into(),
            _ => String::new(),
        },
    }
}

/// `README.md`: how to create the Secret and apply the manifests, the start order and the losses.
pub(super) fn readme(
    stack: &Stack,
    header: &[String],
    files: &BTreeMap<String, String>,
    losses: &[LossEntry],
    ctx: &EmitContext,
) -> String {
    let ns = &stack.targets.k8s.namespace;
    let mut out = String::new();
    for l in header {
        debug_assert!(l.contains(GENERATED_MARKER));
        let _ = writeln!(out, "<!-- {} -->", l.replace("--", "- -"));
    }
    let _ = writeln!(
        out,
        "# `{}` on Kubernetes (environment `{}`)\n",
        stack.name.value, stack.env
    );
    let _ = writeln!(
        out,
        "Manifests for Kubernetes {} in namespace `{ns}`, listed in `kustomization.yaml`.\n",
        stack.targets.k8s.version
    );

    let used = used_secrets(stack);
    let external: Vec<SecretId> = used
        .iter()
        .copied()
        .filter(|id| matches!(stack.secret(*id).source, SecretSource::External(_)))
        .collect();
    let _ = writeln!(out, "## Apply\n");
    let _ = writeln!(out, "```sh");
    if files.contains_key("secrets.example.env") {
        let _ = writeln!(
            out,
            "# in the spec's directory: writes secrets.env here (mode 0600, git-ignored)\n{}",
            init_command(stack, ctx)
        );
    }
    let _ = writeln!(out, "kubectl apply -k .\n```\n");
    if !used.is_empty() {
        let _ = writeln!(out, "## Secrets\n");
        let _ = writeln!(
            out,
            "The manifests hold no secret value: containers read them with `secretKeyRef`. A value composed from a secret (a URL with a password) is built by Kubernetes from a helper variable `STACKC_SECRET_<ENV_NAME>` placed before it.\n"
        );
        let _ = writeln!(
            out,
            "| secret | Secret object | key | source | used by |\n|---|---|---|---|---|"
        );
        let users = users_by_secret(stack);
        for id in &used {
            let s = stack.secret(*id);
            let (object, key) = secret_ref(stack, s);
            let optional = if s.optional { " (optional)" } else { "" };
            let _ = writeln!(
                out,
                "| `{}` | `{object}` | `{key}` | {}{optional} | {} |",
                s.name.value,
                source_text(&s.source),
                users[id.index()]
            );
        }
        if !external.is_empty() {
            let _ = writeln!(
                out,
                "\nExternal secrets must already exist in namespace `{ns}` with the key shown."
            );
        }
        let _ = writeln!(out);
    }

    let waits: Vec<String> = stack
        .services
        .iter()
        .filter(|s| !s.depends_on.is_empty())
        .map(|s| {
            let deps: Vec<String> = s
                .depends_on
                .iter()
                .map(|d| {
                    let how = match d.condition {
                        Condition::Completed => "completed",
                        Condition::Healthy if stack.service(d.service).health.is_some() => "ready",
                        Condition::Healthy => "accepting connections",
                        Condition::Started => "accepting connections",
                    };
                    format!("`{}` {how}", stack.service(d.service).name.value)
                })
                .collect();
            format!("- `{}` waits for {}", s.name.value, deps.join(", "))
        })
        .collect();
    if !waits.is_empty() {
        let _ = writeln!(out, "## Start order\n");
        let _ = writeln!(
            out,
            "Init containers hold each pod until its dependencies are there: a TCP connect to the dependency's Service for `started` and `healthy`, `kubectl wait --for=condition=complete` for a Job (`completed`). Each Job is named by a hash of its pod template, so a changed job runs as a new Job and an unchanged one is left alone.\n"
        );
        for w in waits {
            let _ = writeln!(out, "{w}");
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## Files\n");
    let mut listed: Vec<&str> = files.keys().map(String::as_str).collect();
    listed.push("README.md");
    listed.sort();
    for f in listed {
        let d = if f == "README.md" {
            "this file".to_string()
        } else {
            describe(f)
        };
        let _ = writeln!(out, "- `{f}`: {d}");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "## What these manifests do not express\n");
    if losses.is_empty() {
        let _ = writeln!(out, "Nothing: every feature of the spec is mapped.");
    } else {
        for l in losses {
            let _ = writeln!(out, "- {l}");
        }
    }
    out
}
