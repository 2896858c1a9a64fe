//! Lowering: a compose tree (includes and `extends` already merged) to the stack spec AST,
//! with spans into the compose file. What the spec cannot say goes to the report.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;

use crate::diag::{ErrorCode, Span};
use crate::knowledge::secrets::{is_credential_key, known_token, url_credential};
use crate::syntax::Sp;
use crate::syntax::forms::{CommandSpec, DependsOnSpec, MountLong, MountSpec, PortLong, PortSpec};
use crate::syntax::keywords::{
    Condition, Exposure, HostNamespace, Keyword, PodSecurity, Protocol, RestartPolicy,
    SecurityDefaults, ServiceKind, listed,
};
use crate::syntax::spec::*;

use super::interp::{self, Op, Piece};
use super::keys;
use super::names::{Unique, is_env_key, is_spec_name, spec_name, stack_name};
use super::node::Node;
use super::read::{Cx, Entries, docker_bytes, duration_text, go_duration_ms, quantity_text};
use super::shell;

mod binds;
mod build;
mod env;
mod env_values;
mod health;
mod networks;
mod pod_security;
mod ports;
mod profiles;
mod project;
mod secret_files;
mod secret_vars;
mod service;
#[cfg(test)]
mod tests;
mod unresolved;
mod var_binds;
mod vars;
mod volumes;

pub use pod_security::POD_SECURITY_PATH;
pub use ports::{Published, parse_short_port};
pub use project::NETWORK_KEY_FIELD;
pub use vars::is_secret_var_name;
use vars::{unresolved_vars, var_list};
pub use volumes::{project_path, project_path_under};

/// What the lowered spec is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `stackc lint`: the compose file as it runs — literal credentials stay literal (so the
    /// secret rules see them), every service is kept whatever its profiles.
    Lint,
    /// `stackc import`: an idiomatic spec — literal credentials become secrets, profiles
    /// become environments.
    Import,
}

/// How a compose variable is carried into the spec.
#[derive(Debug)]
struct VarUse {
    /// Becomes a secret (else a variable).
    secret: bool,
    /// Name in the spec's `secrets:` or `variables:`.
    spec_name: String,
    /// First use, where the declaration points.
    span: Span,
    default: Option<String>,
    required: bool,
    /// The compose variable (`from_env`): the key of the first use; another default of the
    /// same variable is another spec variable reading it.
    env: String,
    /// Used as an environment entry with no value (`KEY` alone: passed through when set, else
    /// unset): the spec variable then keeps no (or an empty) default and is not required, and
    /// a use with another default or a requirement reads it through another spec variable.
    passthrough: bool,
}

/// A compose secret or config at top level.
#[derive(Debug)]
struct Grantable {
    /// `file:`, relative to the compose file, when that is all the definition says.
    file: Option<Sp<String>>,
    /// The definition as written, for `targets.compose`.
    raw: serde_json::Value,
}

/// Lowering state for one compose file.
pub struct Lowering<'a> {
    cx: &'a mut Cx,
    mode: Mode,
    project: String,
    services: HashMap<String, String>,
    volumes: HashMap<String, String>,
    networks: HashMap<String, String>,
    vars: IndexMap<String, VarUse>,
    /// Variables that carry a secret because a credential-shaped key or a credential option
    /// takes their whole value.
    secret_vars: HashSet<String>,
    /// Variables named like a data store's URL whose every known value has no credential.
    plain_url_vars: HashSet<String>,
    /// Every compose variable name used in the file (so generated env names avoid them).
    used_var_names: HashSet<String>,
    secret_names: Unique,
    secret_env_names: Unique,
    /// Literal credential → spec secret name (one secret per distinct value).
    literal_secrets: HashMap<String, String>,
    moved_secrets: Vec<(String, String)>,
    secrets_out: NameMap<SecretSpec>,
    volumes_out: NameMap<VolumeSpec>,
    volume_names: Unique,
    networks_out: NameMap<NetworkSpec>,
    environments: IndexMap<String, Span>,
    top_secrets: HashMap<String, Grantable>,
    top_configs: HashMap<String, Grantable>,
    /// Compose-only fields (`targets.compose`).
    compose: ComposeTargetSpec,
    /// Set when the mount being read stays compose-only: why.
    raw_mount: Option<String>,
    /// Set when the mount being read is in the spec and also kept as written for compose (an
    /// option only compose has, such as `volume.nocopy`).
    shadow_mount: bool,
    /// The project directory (where optional env files are looked for).
    dir: std::path::PathBuf,
    /// The project's env file (import only): what compose substitutes for `${VAR}`.
    project_env: IndexMap<String, String>,
    /// Variables used where an empty value changes what the file means (an image): an unset
    /// one is not the empty string there, but a value the build must be given.
    structural_vars: HashSet<String>,
    /// Variables whose empty default comes from a plain `${X}` (compose's empty string for an
    /// unset variable), not from a default the file wrote.
    implicit_empty: HashSet<String>,
}

/// A lowered compose file.
pub struct Lowered {
    pub spec: StackSpec,
    /// Literal credentials moved into secrets (import only): the variable that now carries
    /// each, and its value. Never written into the spec.
    pub moved_secrets: Vec<(String, String)>,
}

/// Lowers a compose tree. `project` is the project name when the file sets none (compose
/// derives it from the directory).
pub fn lower(
    cx: &mut Cx,
    root: &Sp<Node>,
    project: &str,
    dir: &std::path::Path,
    mode: Mode,
    project_env: &IndexMap<String, String>,
) -> Option<Lowered> {
    let Some(top) = root.value.as_map() else {
        cx.error(
            ErrorCode::NotAComposeFile,
            format!("expected a compose file, found {}", root.value.kind()),
            root.span,
            "not a map of top-level keys",
            "a compose file is a map with `services:` (and optionally `volumes:`, `networks:`, ...)",
        );
        return None;
    };
    let mut l = Lowering {
        cx,
        mode,
        project: project.to_string(),
        services: HashMap::new(),
        volumes: HashMap::new(),
        networks: HashMap::new(),
        vars: IndexMap::new(),
        secret_vars: HashSet::new(),
        plain_url_vars: HashSet::new(),
        used_var_names: HashSet::new(),
        secret_names: Unique::default(),
        secret_env_names: Unique::default(),
        literal_secrets: HashMap::new(),
        moved_secrets: Vec::new(),
        secrets_out: IndexMap::new(),
        volumes_out: IndexMap::new(),
        volume_names: Unique::default(),
        networks_out: IndexMap::new(),
        environments: IndexMap::new(),
        top_secrets: HashMap::new(),
        top_configs: HashMap::new(),
        compose: ComposeTargetSpec::default(),
        raw_mount: None,
        shadow_mount: false,
        dir: dir.to_path_buf(),
        project_env: if mode == Mode::Import {
            project_env.clone()
        } else {
            IndexMap::new()
        },
        structural_vars: HashSet::new(),
        implicit_empty: HashSet::new(),
    };
    l.cx.check_keys(top, keys::TOP, super::read::TOP_LEVEL);
    l.compose.extensions = top
        .iter()
        .filter(|(k, _)| k.value.starts_with("x-"))
        .map(|(k, v)| (k.value.clone(), to_json(&v.value)))
        .collect();
    let get = |k: &str| top.iter().find(|(key, _)| key.value == k);
    // Without `name:`, the stack name (the directory's) is located at the first top-level key:
    // the root node of a file that starts with a key begins at offset 0, like a dummy span.
    let name_at = top.first().map(|(k, _)| k.span).unwrap_or(root.span);
    let stack = l.stack_name(get("name"), name_at);
    if let Some((_, v)) = get("volumes") {
        l.top_volumes(v);
    }
    if let Some((_, v)) = get("networks") {
        l.top_networks(v);
    }
    if let Some((_, v)) = get("secrets") {
        l.top_secrets = l.grantables(v, "secrets", keys::SECRET);
    }
    if let Some((_, v)) = get("configs") {
        l.top_configs = l.grantables(v, "configs", keys::CONFIG);
    }
    if let Some((k, v)) = get("models") {
        if let Some(m) = l.cx.map(v, "models") {
            for (name, model) in m {
                if let Some(e) = l.cx.map(model, &format!("models.{}", name.value)) {
                    l.cx.check_keys(e, keys::MODEL, "a model");
                }
            }
        }
        l.cx.dropped("models", k.span, "AI models are not in the stack spec");
    }
    let services_node = match get("services") {
        Some((_, v)) => v,
        None => {
            let at = top.first().map(|(k, _)| k.span).unwrap_or(root.span);
            l.cx.error(
                ErrorCode::NotAComposeFile,
                "a compose file needs `services:`",
                at,
                "no `services:` in this file",
                "add `services:` with at least one service",
            );
            return None;
        }
    };
    let services = l.cx.map(services_node, "services")?;
    let services: Vec<(&Sp<String>, &Entries)> = services
        .iter()
        .filter_map(|(k, v)| {
            let e = l.cx.map(v, &format!("services.{}", k.value))?;
            l.cx.check_keys(e, keys::SERVICE, &format!("service `{}`", k.value));
            Some((k, e))
        })
        .collect();
    let mut taken = Unique::default();
    for (k, _) in &services {
        let name = l.rename("services", k, &mut taken, "service");
        l.services.insert(k.value.clone(), name);
    }
    l.classify_secret_vars(&services);
    let mut out: NameMap<ServiceSpec> = IndexMap::new();
    for (k, e) in &services {
        let spec = l.service(k, e);
        let name = l.services[&k.value].clone();
        out.insert(Sp::new(name, k.span), spec);
    }
    l.healthy_without_check(&mut out);
    if l.mode == Mode::Lint {
        let profiles: HashMap<String, Vec<String>> = services
            .iter()
            .map(|(k, e)| {
                let p = e
                    .iter()
                    .find(|(key, _)| key.value == "profiles")
                    .map(|(_, v)| {
                        v.value
                            .as_seq()
                            .unwrap_or(&[])
                            .iter()
                            .filter_map(|i| i.value.scalar_text())
                            .collect()
                    })
                    .unwrap_or_default();
                (l.services[&k.value].clone(), p)
            })
            .collect();
        Lowering::profile_exclusive_ports(&profiles, &mut out);
    }
    l.mark_jobs(&mut out);
    if l.mode == Mode::Import {
        l.default_profiles(&mut out);
        l.optional_dependencies(&out);
        l.activated_profiles(&services, &out);
        l.bare_entries_with_defaults(&services);
    }

    let mut overlays = if l.mode == Mode::Import {
        l.binds_per_environment(dir, &mut out)
    } else {
        IndexMap::new()
    };
    if l.mode == Mode::Import {
        l.built_image_names(&out, &mut overlays);
    }
    if l.environments.is_empty() && !overlays.is_empty() {
        l.environments.insert("dev".into(), name_at);
        l.environments.insert("prod".into(), name_at);
    }
    let environments = if l.environments.is_empty() {
        IndexMap::new()
    } else {
        // `--env dev` (the default) must stay valid once environments exist.
        let mut envs: NameMap<EnvironmentSpec> = IndexMap::new();
        let first = *l.environments.values().next().unwrap_or(&Span::DUMMY);
        // `dev` and `prod` are what compose runs without `--profile`: the services that name
        // no profile.
        for default in ["dev", "prod"] {
            if !l.environments.contains_key(default) {
                envs.insert(Sp::new(default.into(), first), EnvironmentSpec::default());
            }
        }
        for (name, span) in &l.environments {
            envs.insert(Sp::new(name.clone(), *span), EnvironmentSpec::default());
        }
        for (env, services) in overlays.drain(..) {
            if let Some(e) = envs.iter_mut().find(|(k, _)| k.value == env) {
                e.1.services = services;
            }
        }
        envs
    };
    if l.mode == Mode::Import {
        l.env_file_defaults();
    }
    let (secrets, variables) = l.declarations();
    let mut targets = compose_targets(std::mem::take(&mut l.compose));
    if l.mode == Mode::Import {
        l.pod_security(&out, &mut targets);
    }
    let spec = StackSpec {
        stack,
        version: None,
        secrets,
        variables,
        networks: std::mem::take(&mut l.networks_out),
        volumes: std::mem::take(&mut l.volumes_out),
        services: out,
        environments,
        targets,
        lint: None,
    };
    Some(Lowered {
        spec,
        moved_secrets: std::mem::take(&mut l.moved_secrets),
    })
}

impl Lowering<'_> {
    pub(super) fn stack_name(
        &mut self,
        name: Option<&(Sp<String>, Sp<Node>)>,
        root: Span,
    ) -> Sp<String> {
        let (raw, span) = match name.and_then(|(_, v)| self.cx.resolved(v, "name")) {
            Some(n) => (n.value, n.span),
            None => (self.project.clone(), root),
        };
        let valid = stack_name(&raw);
        if valid != raw {
            self.cx.approximated(
                "name",
                span,
                format!(
                    "the stack name `{valid}` replaces the project name `{raw}` (a stack name is a DNS label); compose's volume and network names change with it"
                ),
            );
        }
        Sp::new(valid, span)
    }

    /// The spec name for a compose name in `table`, reported when it had to change.
    pub(super) fn rename(
        &mut self,
        table: &str,
        k: &Sp<String>,
        taken: &mut Unique,
        what: &str,
    ) -> String {
        let name = if is_spec_name(&k.value) && taken.take(&k.value) {
            return k.value.clone();
        } else {
            taken.fresh(&spec_name(&k.value))
        };
        let reached = if table == "services" {
            format!(
                "; compose still reaches it as `{}` (a network alias, on the networks it joins), the other targets only as `{name}`: give values that name it (URLs, hosts) the new name for them",
                k.value
            )
        } else {
            String::new()
        };
        self.cx.approximated(
            format!("{table}.{}", k.value),
            k.span,
            format!(
                "{what} `{}` is named `{name}` in the stack spec (lowercase letters, digits, `-` and `_`, starting with a letter){reached}",
                k.value
            ),
        );
        name
    }

    /// Records a field kept for compose only (`targets.compose`).
    pub(super) fn compose_only(&mut self, path: impl Into<String>, span: Span, why: &str) {
        self.cx.approximated(
            path,
            span,
            format!(
                "kept for compose only, under `targets.compose` ({why}); other targets leave it out"
            ),
        );
    }
}

/// `targets:` with the compose-only fields, when there are any.
pub(super) fn compose_targets(c: ComposeTargetSpec) -> Option<TargetsSpec> {
    let empty = c.extensions.is_empty()
        && c.services.is_empty()
        && c.networks.is_empty()
        && c.volumes.is_empty()
        && c.secrets.is_empty()
        && c.configs.is_empty();
    (!empty).then(|| TargetsSpec {
        compose: Some(c),
        ..Default::default()
    })
}

/// A compose value as JSON, for fields copied as they are.
pub(super) fn to_json(n: &Node) -> serde_json::Value {
    use serde_json::Value;
    match n {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => i
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| i.parse::<u64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(i.clone())),
        Node::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Node::Str(s) => Value::String(s.clone()),
        Node::Seq(items) => Value::Array(items.iter().map(|i| to_json(&i.value)).collect()),
        Node::Map(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.value.clone(), to_json(&v.value)))
                .collect(),
        ),
    }
}
