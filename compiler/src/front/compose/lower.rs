//! Lowering: a compose tree (includes and `extends` already merged) to the stack spec AST,
//! with spans into the compose file. What the spec cannot say goes to the report.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;

use crate::diag::Span;
use crate::lint::support::secrets::{is_credential_key, known_token, url_credential};
use crate::syntax::Sp;
use crate::syntax::forms::{CommandSpec, DependsOnSpec, MountLong, MountSpec, PortLong, PortSpec};
use crate::syntax::spec::*;

use super::interp::{self, Op, Piece};
use super::keys;
use super::names::{Unique, is_env_key, is_spec_name, spec_name, stack_name};
use super::node::Node;
use super::read::{Cx, Entries, docker_bytes, duration_text, go_duration_ms, quantity_text};
use super::shell;

mod secret_files;

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
    /// Variables that carry a secret because a credential-shaped key takes their whole value.
    secret_vars: HashSet<String>,
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
pub fn lower(cx: &mut Cx, root: &Sp<Node>, project: &str, mode: Mode) -> Option<Lowered> {
    let Some(top) = root.value.as_map() else {
        cx.error(
            "STK078",
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
    };
    l.cx.check_keys(top, keys::TOP, super::read::TOP_LEVEL);
    l.compose.extensions = top
        .iter()
        .filter(|(k, _)| k.value.starts_with("x-"))
        .map(|(k, v)| (k.value.clone(), to_json(&v.value)))
        .collect();
    let get = |k: &str| top.iter().find(|(key, _)| key.value == k);
    let stack = l.stack_name(get("name"), root.span);
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
                "STK078",
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
    l.mark_jobs(&mut out);

    let environments = if l.environments.is_empty() {
        IndexMap::new()
    } else {
        // `--env dev` (the default) must stay valid once environments exist.
        let mut envs: NameMap<EnvironmentSpec> = IndexMap::new();
        let first = *l.environments.values().next().unwrap_or(&Span::DUMMY);
        if !l.environments.contains_key("dev") {
            envs.insert(Sp::new("dev".into(), first), EnvironmentSpec::default());
        }
        for (name, span) in &l.environments {
            envs.insert(Sp::new(name.clone(), *span), EnvironmentSpec::default());
        }
        envs
    };
    let (secrets, variables) = l.declarations();
    let spec = StackSpec {
        stack,
        version: None,
        secrets,
        variables,
        networks: std::mem::take(&mut l.networks_out),
        volumes: std::mem::take(&mut l.volumes_out),
        services: out,
        environments,
        targets: compose_targets(std::mem::take(&mut l.compose)),
        lint: None,
    };
    Some(Lowered {
        spec,
        moved_secrets: std::mem::take(&mut l.moved_secrets),
    })
}

impl Lowering<'_> {
    fn stack_name(&mut self, name: Option<&(Sp<String>, Sp<Node>)>, root: Span) -> Sp<String> {
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
    fn rename(&mut self, table: &str, k: &Sp<String>, taken: &mut Unique, what: &str) -> String {
        let name = if is_spec_name(&k.value) && taken.take(&k.value) {
            return k.value.clone();
        } else {
            taken.fresh(&spec_name(&k.value))
        };
        self.cx.approximated(
            format!("{table}.{}", k.value),
            k.span,
            format!(
                "{what} `{}` is named `{name}` in the stack spec (lowercase letters, digits, `-` and `_`, starting with a letter)",
                k.value
            ),
        );
        name
    }

    fn top_volumes(&mut self, v: &Sp<Node>) {
        let Some(entries) = self.cx.map(v, "volumes") else {
            return;
        };
        let mut taken = Unique::default();
        for (k, v) in entries {
            if k.value.starts_with("x-") {
                continue;
            }
            let name = self.rename("volumes", k, &mut taken, "volume");
            self.volume_names.take(&name);
            if let Some(e) = self.cx.map(v, &format!("volumes.{}", k.value)) {
                self.cx
                    .check_keys(e, keys::VOLUME, &format!("volume `{}`", k.value));
                let mut fields = IndexMap::new();
                for (opt, val) in e {
                    if !opt.value.starts_with("x-") {
                        self.compose_only(format!("volumes.{}.{}", k.value, opt.value), opt.span, "volume drivers, options, labels, names and external volumes are not in the stack spec");
                    }
                    fields.insert(opt.value.clone(), to_json(&val.value));
                }
                if !fields.is_empty() {
                    self.compose
                        .volumes
                        .insert(Sp::new(name.clone(), k.span), fields);
                }
            }
            self.volumes.insert(k.value.clone(), name.clone());
            self.volumes_out
                .insert(Sp::new(name, k.span), VolumeSpec::default());
        }
    }

    fn top_networks(&mut self, v: &Sp<Node>) {
        let Some(entries) = self.cx.map(v, "networks") else {
            return;
        };
        let mut taken = Unique::default();
        for (k, v) in entries {
            if k.value.starts_with("x-") {
                continue;
            }
            let name = self.rename("networks", k, &mut taken, "network");
            let mut spec = NetworkSpec::default();
            if let Some(e) = self.cx.map(v, &format!("networks.{}", k.value)) {
                self.cx
                    .check_keys(e, keys::NETWORK, &format!("network `{}`", k.value));
                let mut fields = IndexMap::new();
                for (opt, val) in e {
                    let path = format!("networks.{}.{}", k.value, opt.value);
                    if opt.value == "internal" {
                        spec.internal = self.cx.boolean(val, &path);
                        continue;
                    }
                    if !opt.value.starts_with("x-") {
                        self.compose_only(path, opt.span, "network drivers, IPAM, IPv6, labels, names and external networks are not in the stack spec");
                    }
                    fields.insert(opt.value.clone(), to_json(&val.value));
                }
                if !fields.is_empty() {
                    self.compose
                        .networks
                        .insert(Sp::new(name.clone(), k.span), fields);
                }
            }
            self.networks.insert(k.value.clone(), name.clone());
            self.networks_out.insert(Sp::new(name, k.span), spec);
        }
    }

    fn grantables(
        &mut self,
        v: &Sp<Node>,
        table: &str,
        allowed: &[&str],
    ) -> HashMap<String, Grantable> {
        let mut out = HashMap::new();
        let Some(entries) = self.cx.map(v, table) else {
            return out;
        };
        let what = if table == "secrets" {
            "secret"
        } else {
            "config"
        };
        for (k, v) in entries {
            if k.value.starts_with("x-") {
                continue;
            }
            let mut file = None;
            let mut only_file = true;
            if let Some(e) = self.cx.map(v, &format!("{table}.{}", k.value)) {
                self.cx
                    .check_keys(e, allowed, &format!("{what} `{}`", k.value));
                for (opt, val) in e {
                    match opt.value.as_str() {
                        "file" => {
                            file = self.cx.resolved(val, &format!("{table}.{}.file", k.value))
                        }
                        _ => only_file = false,
                    }
                }
            }
            out.insert(
                k.value.clone(),
                Grantable {
                    file: file.filter(|_| only_file),
                    raw: to_json(&v.value),
                },
            );
        }
        out
    }

    /// Records a field kept for compose only (`targets.compose`).
    fn compose_only(&mut self, path: impl Into<String>, span: Span, why: &str) {
        self.cx.approximated(
            path,
            span,
            format!(
                "kept for compose only, under `targets.compose` ({why}); other targets leave it out"
            ),
        );
    }

    /// Marks variables whose whole value is taken by a credential-shaped environment key.
    fn classify_secret_vars(&mut self, services: &[(&Sp<String>, &Entries)]) {
        for (_, e) in services {
            for (k, v) in e.iter() {
                if k.value != "environment" && k.value != "command" && k.value != "entrypoint" {
                    if k.value == "healthcheck" || k.value == "build" {
                        collect_var_names(v, &mut self.used_var_names);
                    }
                    continue;
                }
                collect_var_names(v, &mut self.used_var_names);
                if k.value != "environment" {
                    continue;
                }
                let pairs: Vec<(String, String)> = match &v.value {
                    Node::Map(m) => m
                        .iter()
                        .filter_map(|(k, v)| Some((k.value.clone(), v.value.scalar_text()?)))
                        .collect(),
                    Node::Seq(items) => items
                        .iter()
                        .filter_map(|i| {
                            let t = i.value.scalar_text()?;
                            let (k, v) = t.split_once('=')?;
                            Some((k.to_string(), v.to_string()))
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                for (key, value) in pairs {
                    if !is_credential_key(&key) {
                        continue;
                    }
                    if let Ok(p) = interp::parse(&value)
                        && let [Piece::Var { name, .. }] = p.as_slice()
                    {
                        self.secret_vars.insert(name.clone());
                    }
                }
            }
        }
        for name in &self.used_var_names {
            self.secret_env_names.take(name);
        }
    }

    /// The reference a compose variable becomes, registering it on first use.
    fn use_var(&mut self, name: &str, op: Op, arg: &[Piece], span: Span, path: &str) -> String {
        if matches!(op, Op::AltIfNonEmpty | Op::AltIfSet) {
            self.cx.approximated(path, span, format!("`${{{name}:+...}}` (a replacement when `{name}` is set) is not in the stack spec; imported as the replacement text"));
            let mut s = String::new();
            for p in arg {
                self.render_piece(p, span, path, &mut s);
            }
            return s;
        }
        if !self.vars.contains_key(name) {
            let secret = self.secret_vars.contains(name) || is_secret_var_name(name);
            let spec_name = if secret {
                let base = spec_name(&name.to_lowercase());
                self.secret_names.fresh(&base)
            } else {
                name.to_string()
            };
            self.vars.insert(
                name.to_string(),
                VarUse {
                    secret,
                    spec_name,
                    span,
                    default: None,
                    required: false,
                },
            );
        }
        let secret = self.vars[name].secret;
        let reference = {
            let v = &self.vars[name];
            if v.secret {
                format!("${{secrets.{}}}", v.spec_name)
            } else {
                format!("${{vars.{}}}", v.spec_name)
            }
        };
        match op {
            Op::Plain => {}
            Op::DefaultIfEmpty | Op::DefaultIfUnset => {
                let default = interp::with_defaults(arg);
                if interp::has_vars(arg) {
                    self.cx.approximated(
                        path,
                        span,
                        format!(
                            "the default of `{name}` uses variables; imported with their defaults"
                        ),
                    );
                }
                if op == Op::DefaultIfUnset {
                    self.cx.approximated(path, span, format!("`${{{name}-...}}` keeps an empty `{name}`; the stack spec uses the default also when `{name}` is empty"));
                }
                if secret {
                    self.cx.approximated(path, span, format!("secret `{name}` had a default value in the compose file; secrets have none, so it was left out"));
                } else {
                    let v = self.vars.get_mut(name).expect("registered above");
                    match &v.default {
                        None => v.default = Some(default),
                        Some(d) if *d == default => {}
                        Some(_) => self.cx.approximated(path, span, format!("variable `{name}` has another default elsewhere; the first one is used everywhere")),
                    }
                }
            }
            Op::ErrorIfEmpty | Op::ErrorIfUnset => {
                if op == Op::ErrorIfUnset {
                    self.cx.approximated(path, span, format!("`${{{name}?...}}` accepts an empty `{name}`; the stack spec requires a non-empty value"));
                }
                self.vars.get_mut(name).expect("registered above").required = true;
            }
            // Handled above.
            Op::AltIfNonEmpty | Op::AltIfSet => {}
        }
        reference
    }

    fn render_piece(&mut self, p: &Piece, span: Span, path: &str, out: &mut String) {
        match p {
            Piece::Lit(t) => out.push_str(&t.replace('$', "$$")),
            Piece::Var { name, op, arg, .. } => {
                let r = self.use_var(name, *op, arg, span, path);
                out.push_str(&r);
            }
        }
    }

    /// A value in the spec's syntax: `${secrets.NAME}`, `${vars.NAME}`, `$$` for `$`.
    fn spec_value(&mut self, s: &Sp<String>, path: &str) -> Option<Sp<String>> {
        let pieces = self.cx.pieces(s, path)?;
        let base = self.cx.text_base(s.span);
        let mut out = String::new();
        for p in &pieces {
            let span = match p {
                Piece::Var { start, end, .. } => Span::new(
                    base + *start as u32,
                    (base + *end as u32).min(s.span.end.max(base)),
                ),
                Piece::Lit(_) => s.span,
            };
            self.render_piece(p, span, path, &mut out);
        }
        Some(Sp::new(out, s.span))
    }

    /// A literal credential in `key`'s value moved into a secret (import only): the spec value
    /// referring to it, or `None` when the value is not a literal credential.
    fn literal_secret(
        &mut self,
        key: &Sp<String>,
        value: &Sp<String>,
        path: &str,
    ) -> Option<Sp<String>> {
        if self.mode != Mode::Import {
            return None;
        }
        let pieces = interp::parse(&value.value).ok()?;
        if interp::has_vars(&pieces) {
            return None;
        }
        let text = interp::with_defaults(&pieces);
        if text.is_empty() {
            return None;
        }
        if is_credential_key(&key.value) || known_token(&text).is_some() {
            let name = self.literal_secret_name(&key.value, &text, value.span, path);
            return Some(Sp::new(format!("${{secrets.{name}}}"), value.span));
        }
        let cred = url_credential(&text)?;
        let password = &text[cred.password_range.clone()];
        let name = self.literal_secret_name(
            &format!("{}_password", key.value),
            password,
            value.span,
            path,
        );
        let out = format!(
            "{}${{secrets.{name}}}{}",
            text[..cred.password_range.start].replace('$', "$$"),
            text[cred.password_range.end..].replace('$', "$$")
        );
        Some(Sp::new(out, value.span))
    }

    fn literal_secret_name(&mut self, key: &str, literal: &str, span: Span, path: &str) -> String {
        if let Some(name) = self.literal_secrets.get(literal) {
            let name = name.clone();
            self.cx.approximated(
                path,
                span,
                format!(
                    "literal credential replaced by secret `{name}` (same value as its first use)"
                ),
            );
            return name;
        }
        let name = self.secret_names.fresh(&spec_name(&key.to_lowercase()));
        let env = self
            .secret_env_names
            .fresh(&key.to_uppercase().replace(['-', '.'], "_"));
        let mut spec = SecretSpec {
            generate: None,
            from_env: Some(Sp::new(env.clone(), span)),
            file: None,
            external: None,
            optional: None,
            env_name: None,
        };
        if name.to_uppercase().replace('-', "_") != env {
            spec.env_name = Some(Sp::new(env.clone(), span));
        }
        self.secrets_out.insert(Sp::new(name.clone(), span), spec);
        self.literal_secrets
            .insert(literal.to_string(), name.clone());
        self.moved_secrets.push((env.clone(), literal.to_string()));
        self.cx.approximated(
            path,
            span,
            format!("literal credential moved into secret `{name}`, read from `{env}`: `stackc import -o` writes its value to `.env` beside the spec (the spec keeps no value)"),
        );
        name
    }

    /// The `secrets:` and `variables:` of the spec, in order of first use (literal secrets
    /// first).
    fn declarations(&mut self) -> (NameMap<SecretSpec>, NameMap<VariableSpec>) {
        let mut secrets = std::mem::take(&mut self.secrets_out);
        let mut variables = IndexMap::new();
        for (name, v) in &self.vars {
            let span = v.span;
            if v.secret {
                let env_name = (v.spec_name.to_uppercase().replace('-', "_") != *name)
                    .then(|| Sp::new(name.clone(), span));
                secrets.insert(
                    Sp::new(v.spec_name.clone(), span),
                    SecretSpec {
                        generate: None,
                        from_env: Some(Sp::new(name.clone(), span)),
                        file: None,
                        external: None,
                        // `${VAR}` in compose accepts an unset variable (it becomes empty).
                        optional: (!v.required).then_some(Sp::new(true, span)),
                        env_name,
                    },
                );
            } else {
                variables.insert(
                    Sp::new(v.spec_name.clone(), span),
                    VariableSpec {
                        default: v.default.clone().map(|d| Sp::new(d, span)),
                        from_env: Some(Sp::new(name.clone(), span)),
                        required: v.required.then_some(Sp::new(true, span)),
                    },
                );
            }
        }
        (secrets, variables)
    }

    /// Turns every service that another waits on to complete into a job.
    fn mark_jobs(&mut self, services: &mut NameMap<ServiceSpec>) {
        let mut jobs: Vec<(String, Span)> = Vec::new();
        for s in services.values() {
            if let Some(d) = &s.depends_on
                && let DependsOnSpec::Map(entries) = &d.value
            {
                for (name, cond) in entries {
                    if cond.value == "completed" {
                        jobs.push((name.value.clone(), cond.span));
                    }
                }
            }
        }
        for (name, span) in jobs {
            if let Some(s) = services.get_mut(name.as_str())
                && s.kind.is_none()
            {
                s.kind = Some(Sp::new("job".into(), span));
            }
        }
    }

    fn service(&mut self, key: &Sp<String>, e: &Entries) -> ServiceSpec {
        let name = key.value.as_str();
        let mut s = ServiceSpec {
            security: Some(SecuritySpec {
                // Compose leaves capabilities and privilege escalation to the runtime.
                defaults: Some(Sp::new("runtime".into(), key.span)),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut resources = ResourcesSpec::default();
        // Compose-only fields, kept as they are under `targets.compose.services`.
        let mut extra: IndexMap<String, serde_json::Value> = IndexMap::new();
        for (k, v) in e {
            if k.value.starts_with("x-") {
                extra.insert(k.value.clone(), to_json(&v.value));
                continue;
            }
            let path = format!("services.{name}.{}", k.value);
            match k.value.as_str() {
                "image" => s.image = self.cx.resolved(v, &path),
                "build" => s.build = self.build(v, &path, &mut extra),
                "command" => s.command = self.command(v, &path),
                "entrypoint" => s.entrypoint = self.command(v, &path),
                "environment" => self.environment(v, &path, &mut s.env),
                "env_file" => s.env_file = self.env_files(v, &path),
                "working_dir" => s.workdir = self.cx.resolved(v, &path),
                "user" => s.user = self.cx.resolved(v, &path),
                "labels" => {
                    for (lk, lv) in self.cx.list_or_dict(v, &path) {
                        let value = match lv {
                            Some(lv) => {
                                let n = Sp::new(Node::Str(lv.value.clone()), lv.span);
                                match self.cx.resolved(&n, &format!("{path}.{}", lk.value)) {
                                    Some(x) => x,
                                    None => continue,
                                }
                            }
                            None => Sp::new(String::new(), lk.span),
                        };
                        s.labels.insert(lk, value);
                    }
                }
                "restart" => s.restart = self.restart(v, &path),
                "deploy" => self.deploy(v, &path, &mut s, &mut resources, &mut extra),
                "scale" => {
                    if let Some(n) = self.count(v, &path) {
                        self.cx.approximated(
                            &path,
                            k.span,
                            "written as `replicas` (compose `deploy.replicas`)",
                        );
                        s.replicas = Some(n);
                    }
                }
                "cpus" | "mem_limit" | "mem_reservation" => {
                    let slot = match k.value.as_str() {
                        "cpus" => Slot::Cpus,
                        "mem_limit" => Slot::Memory,
                        _ => Slot::RequestMemory,
                    };
                    self.resource(v, &path, slot, &mut resources);
                    self.cx.approximated(
                        &path,
                        k.span,
                        "written as `resources` (compose `deploy.resources`)",
                    );
                }
                "ports" => {
                    let ports = self.ports(v, &path, &mut extra);
                    s.ports.extend(ports);
                }
                "expose" => self.expose(v, &path, &mut s.ports),
                "volumes" => self.volumes(v, &path, &mut s.volumes, &mut extra),
                "tmpfs" => self.tmpfs(v, &path, &mut s.volumes),
                "healthcheck" => s.health = self.health(v, &path, &mut extra),
                "depends_on" => s.depends_on = self.depends_on(v, &path),
                "networks" => s.networks = self.service_networks(v, &path, &mut extra),
                "network_mode" => {
                    if let Some(m) = self.cx.resolved(v, &path) {
                        if m.value == "host" {
                            security(&mut s)
                                .host_namespaces
                                .push(Sp::new("network".into(), m.span));
                        } else {
                            self.compose_only(
                                &path,
                                k.span,
                                "only the host network mode is in the stack spec",
                            );
                            extra.insert(k.value.clone(), to_json(&v.value));
                        }
                    }
                }
                "pid" | "ipc" | "uts" => {
                    if let Some(m) = self.cx.resolved(v, &path) {
                        if m.value == "host" {
                            let ns = if k.value == "pid" {
                                "pid"
                            } else if k.value == "ipc" {
                                "ipc"
                            } else {
                                "uts"
                            };
                            security(&mut s)
                                .host_namespaces
                                .push(Sp::new(ns.into(), m.span));
                        } else {
                            self.compose_only(
                                &path,
                                k.span,
                                "only sharing the host's namespace is in the stack spec",
                            );
                            extra.insert(k.value.clone(), to_json(&v.value));
                        }
                    }
                }
                "read_only" => security(&mut s).read_only = self.cx.boolean(v, &path),
                "privileged" => security(&mut s).privileged = self.cx.boolean(v, &path),
                "cap_add" => security(&mut s).cap_add = self.cx.strings(v, &path, false),
                "cap_drop" => security(&mut s).cap_drop = Some(self.cx.strings(v, &path, false)),
                "security_opt" => security(&mut s).security_opt = self.cx.strings(v, &path, false),
                "profiles" => {
                    let profiles = self.cx.strings(v, &path, false);
                    if self.mode == Mode::Import {
                        for p in &profiles {
                            self.environments.entry(p.value.clone()).or_insert(p.span);
                        }
                        s.only_in = profiles;
                    }
                }
                "secrets" => self.grants(v, &path, true, &mut s.volumes, &mut extra),
                "configs" => self.grants(v, &path, false, &mut s.volumes, &mut extra),
                "extends" => {}
                other => {
                    self.check_shape(other, v, &path);
                    self.compose_only(&path, k.span, keys::unmapped_reason(other));
                    extra.insert(other.to_string(), to_json(&v.value));
                }
            }
        }
        if s.build.is_none() && s.image.is_none() && extra.contains_key("build") {
            // Built by compose only: other targets need an image name; compose's default one.
            let image = format!("{}-{}", self.project, name);
            self.cx.approximated(
                format!("services.{name}.image"),
                key.span,
                format!("the image is named `{image}` (the name compose gives it) for targets other than compose"),
            );
            s.image = Some(Sp::new(image, key.span));
        }
        self.rename_references(&mut extra);
        if !extra.is_empty() {
            let spec_name = self
                .services
                .get(name)
                .cloned()
                .unwrap_or_else(|| name.to_string());
            self.compose
                .services
                .insert(Sp::new(spec_name, key.span), extra);
        }
        if resources.cpus.is_some() || resources.memory.is_some() || resources.requests.is_some() {
            s.resources = Some(resources);
        }
        s
    }

    /// Service names inside compose-only fields (`network_mode: service:NAME`, `links`,
    /// `volumes_from`, ...) follow the services' spec names.
    fn rename_references(&self, extra: &mut IndexMap<String, serde_json::Value>) {
        use serde_json::Value;
        let rename = |name: &str| self.services.get(name).cloned();
        for (k, v) in extra.iter_mut() {
            match (k.as_str(), v) {
                ("network_mode" | "pid" | "ipc", Value::String(s)) => {
                    if let Some(n) = s.strip_prefix("service:").and_then(rename) {
                        *s = format!("service:{n}");
                    }
                }
                ("links" | "volumes_from", Value::Array(items)) => {
                    for item in items.iter_mut() {
                        if let Value::String(s) = item {
                            let (name, rest) = match s.split_once(':') {
                                Some((n, r)) => (n.to_string(), format!(":{r}")),
                                None => (s.clone(), String::new()),
                            };
                            if let Some(n) = rename(&name) {
                                *s = format!("{n}{rest}");
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Light shape checks for keys that are not mapped, so a malformed one is still an error.
    fn check_shape(&mut self, key: &str, v: &Sp<Node>, path: &str) {
        let is_list = matches!(v.value, Node::Seq(_) | Node::Null);
        let is_map = matches!(v.value, Node::Map(_) | Node::Null);
        let wrong = match key {
            "logging" => {
                if let Some(e) = self.cx.map(v, path) {
                    self.cx.check_keys(e, &["driver", "options"], "`logging`");
                }
                None
            }
            "dns" | "dns_search" => {
                self.cx.strings(v, path, true);
                None
            }
            "dns_opt"
            | "external_links"
            | "links"
            | "volumes_from"
            | "group_add"
            | "device_cgroup_rules" => (!is_list).then_some("a list"),
            "extra_hosts" | "sysctls" | "annotations" => {
                (!is_list && !is_map).then_some("a map or a list")
            }
            "ulimits" | "storage_opt" | "blkio_config" | "credential_spec" | "develop"
            | "provider" => (!is_map).then_some("a map"),
            "container_name" | "hostname" | "domainname" | "platform" | "pull_policy"
            | "stop_grace_period" | "stop_signal" => {
                (v.value.scalar_text().is_none() && v.value != Node::Null).then_some("a string")
            }
            _ => None,
        };
        if let Some(expected) = wrong {
            self.cx.wrong_type(v, expected, path);
        }
    }

    fn restart(&mut self, v: &Sp<Node>, path: &str) -> Option<Sp<String>> {
        let r = self.cx.resolved(v, path)?;
        match r.value.as_str() {
            "no" | "always" | "on-failure" | "unless-stopped" => Some(r),
            other if other.starts_with("on-failure:") && other[11..].parse::<u32>().is_ok() => {
                self.cx.approximated(path, r.span, "the retry limit of `on-failure:N` is not in the stack spec; imported as `on-failure`");
                Some(Sp::new("on-failure".into(), r.span))
            }
            other => {
                self.cx.error(
                    "STK075",
                    format!("unknown restart policy `{}`", other.escape_debug()),
                    r.span,
                    "not a restart policy",
                    "use `no`, `always`, `on-failure[:N]` or `unless-stopped`",
                );
                None
            }
        }
    }

    fn count(&mut self, v: &Sp<Node>, path: &str) -> Option<Sp<u32>> {
        let t = self.cx.resolved(v, path)?;
        match t.value.trim().parse::<u32>() {
            Ok(n) => Some(Sp::new(n, t.span)),
            Err(_) => {
                self.cx.error(
                    "STK075",
                    format!(
                        "`{path}` must be a whole number, found `{}`",
                        t.value.escape_debug()
                    ),
                    t.span,
                    "not a whole number",
                    "write a number such as `2`",
                );
                None
            }
        }
    }

    fn build(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) -> Option<BuildSpec> {
        let mut b = BuildSpec::default();
        let mut context: Option<Sp<String>> = None;
        let mut compose_only = serde_json::Map::new();
        let whole = |extra: &mut IndexMap<String, serde_json::Value>| {
            extra.insert("build".into(), to_json(&v.value));
        };
        match &v.value {
            Node::Map(e) => {
                self.cx.check_keys(e, keys::BUILD, "`build`");
                if let Some((k, _)) = e.iter().find(|(k, _)| k.value == "dockerfile_inline") {
                    self.compose_only(
                        format!("{path}.dockerfile_inline"),
                        k.span,
                        "inline Dockerfiles are not in the stack spec",
                    );
                    whole(extra);
                    return None;
                }
                for (k, val) in e.iter() {
                    if k.value.starts_with("x-") {
                        compose_only.insert(k.value.clone(), to_json(&val.value));
                        continue;
                    }
                    let p = format!("{path}.{}", k.value);
                    match k.value.as_str() {
                        "context" => context = self.cx.resolved(val, &p),
                        "dockerfile" => b.dockerfile = self.cx.resolved(val, &p),
                        "args" => {
                            for (ak, av) in self.cx.list_or_dict(val, &p) {
                                let value = match av {
                                    Some(av) => {
                                        let n = Sp::new(Node::Str(av.value), av.span);
                                        match self.cx.resolved(&n, &format!("{p}.{}", ak.value)) {
                                            Some(x) => x,
                                            None => continue,
                                        }
                                    }
                                    None => {
                                        self.cx.approximated(format!("{p}.{}", ak.value), ak.span, "a build argument without a value (taken from the environment) is imported as empty");
                                        Sp::new(String::new(), ak.span)
                                    }
                                };
                                b.args.insert(ak, value);
                            }
                        }
                        _ => {
                            self.compose_only(&p, k.span, "only the context, Dockerfile and arguments of a build are in the stack spec");
                            compose_only.insert(k.value.clone(), to_json(&val.value));
                        }
                    }
                }
            }
            _ => context = self.cx.resolved(v, path),
        }
        let context_span = context.as_ref().map(|c| c.span).unwrap_or(v.span);
        let ctx_text = context
            .as_ref()
            .map(|c| c.value.clone())
            .unwrap_or_else(|| ".".into());
        if ctx_text.contains("://")
            || ctx_text.starts_with("git@")
            || ctx_text.starts_with("github.com/")
        {
            self.compose_only(
                path,
                context_span,
                "remote build contexts are not in the stack spec",
            );
            whole(extra);
            return None;
        }
        let Some(rel) = project_path(&ctx_text) else {
            self.compose_only(path, context_span, &format!("build context `{ctx_text}` is outside the project directory, which the stack spec does not allow"));
            whole(extra);
            return None;
        };
        if !compose_only.is_empty() {
            extra.insert("build".into(), serde_json::Value::Object(compose_only));
        }
        b.context = Some(Sp::new(rel, context_span));
        if b.dockerfile.is_none() {
            b.dockerfile = Some(Sp::new("Dockerfile".into(), context_span));
        }
        Some(b)
    }

    fn command(&mut self, v: &Sp<Node>, path: &str) -> Option<Sp<CommandSpec>> {
        let args: Vec<Sp<String>> = match &v.value {
            Node::Null => return None,
            Node::Seq(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let s = self.cx.scalar(item, &format!("{path}[{i}]"))?;
                    out.push(self.spec_value(&s, path)?);
                }
                out
            }
            other if other.scalar_text().is_some() => {
                let s = self.cx.scalar(v, path)?;
                let pieces = self.cx.pieces(&s, path)?;
                let words = match shell::split(&pieces) {
                    Ok(w) => w,
                    Err(msg) => {
                        self.cx.error(
                            "STK075",
                            format!("cannot split `{path}` into arguments: {msg}"),
                            s.span,
                            "not a valid command line",
                            "close the quote, or write the command as a list",
                        );
                        return None;
                    }
                };
                if words.iter().any(|w| interp::has_vars(w)) {
                    self.cx.approximated(path, s.span, "compose splits this command after substituting variables; each variable stays one argument here (the same when values have no spaces and are not empty)");
                }
                let mut out = Vec::new();
                for w in &words {
                    let mut text = String::new();
                    for p in w {
                        self.render_piece(p, s.span, path, &mut text);
                    }
                    out.push(Sp::new(text, s.span));
                }
                out
            }
            _ => {
                self.cx.wrong_type(v, "a string or a list of strings", path);
                return None;
            }
        };
        if args.is_empty() {
            self.cx.dropped(
                path,
                v.span,
                "an empty command (which clears the image's) is not in the stack spec",
            );
            return None;
        }
        Some(Sp::new(CommandSpec::Exec(args), v.span))
    }

    fn environment(&mut self, v: &Sp<Node>, path: &str, env: &mut NameMap<Sp<String>>) {
        for (k, val) in self.cx.list_or_dict(v, path) {
            let p = format!("{path}.{}", k.value);
            if !is_env_key(&k.value) {
                self.cx.dropped(
                    &p,
                    k.span,
                    "the stack spec only takes variable names of letters, digits, `_`, `.` and `-`",
                );
                continue;
            }
            let value = match val {
                None => {
                    // `KEY` alone: the value of KEY where compose runs, or unset.
                    self.cx.approximated(&p, k.span, format!("`{}` without a value passes the variable through when set; the spec passes it through as a variable, empty when unset", k.value));
                    let r = self.use_var(&k.value, Op::Plain, &[], k.span, &p);
                    Sp::new(r, k.span)
                }
                Some(raw) => match self.literal_secret(&k, &raw, &p) {
                    Some(s) => s,
                    None => match self.spec_value(&raw, &p) {
                        Some(s) => s,
                        None => continue,
                    },
                },
            };
            env.insert(k, value);
        }
    }

    fn env_files(&mut self, v: &Sp<Node>, path: &str) -> Vec<Sp<String>> {
        let mut out = Vec::new();
        let items: Vec<&Sp<Node>> = match &v.value {
            Node::Seq(items) => items.iter().collect(),
            Node::Null => Vec::new(),
            _ => vec![v],
        };
        for (i, item) in items.into_iter().enumerate() {
            let p = format!("{path}[{i}]");
            let file = match &item.value {
                Node::Map(e) => {
                    self.cx.check_keys(e, keys::ENV_FILE, "an `env_file` entry");
                    let mut file = None;
                    for (k, val) in e.iter() {
                        match k.value.as_str() {
                            "path" => file = self.cx.resolved(val, &format!("{p}.path")),
                            "required" => {
                                let optional = self
                                    .cx
                                    .boolean(val, &format!("{p}.required"))
                                    .is_some_and(|b| !b.value);
                                if optional {
                                    self.cx.approximated(
                                        &p,
                                        k.span,
                                        "an optional env file is required in the stack spec",
                                    );
                                }
                            }
                            "format" => self.cx.dropped(
                                format!("{p}.format"),
                                k.span,
                                "env file formats other than compose's are not in the stack spec",
                            ),
                            _ => {}
                        }
                    }
                    if file.is_none() {
                        self.cx.error(
                            "STK071",
                            "an `env_file` entry needs `path`",
                            item.span,
                            "no `path`",
                            "add `path: FILE`",
                        );
                    }
                    file
                }
                _ => self.cx.resolved(item, &p),
            };
            let Some(file) = file else { continue };
            match project_path(&file.value) {
                Some(rel) => out.push(Sp::new(rel, file.span)),
                None => self.cx.dropped(
                    &p,
                    file.span,
                    format!("env file `{}` is outside the project directory", file.value),
                ),
            }
        }
        out
    }

    fn resource(&mut self, v: &Sp<Node>, path: &str, slot: Slot, r: &mut ResourcesSpec) {
        let Some(t) = self.cx.resolved(v, path) else {
            return;
        };
        match slot {
            Slot::Cpus | Slot::RequestCpus => match t.value.trim().parse::<f64>() {
                Ok(c) if c > 0.0 => {
                    let c = Sp::new(c, t.span);
                    if slot == Slot::Cpus {
                        r.cpus = Some(c);
                    } else {
                        r.requests.get_or_insert_with(Default::default).cpus = Some(c);
                    }
                }
                Ok(_) => self.cx.dropped(path, t.span, "zero CPUs means no limit"),
                Err(_) => self.cx.error(
                    "STK075",
                    format!("invalid cpu amount `{}`", t.value.escape_debug()),
                    t.span,
                    "not a number",
                    "write cores as a number, e.g. `0.5`",
                ),
            },
            Slot::Memory | Slot::RequestMemory => match docker_bytes(&t.value) {
                Some(b) => {
                    let q = Sp::new(quantity_text(b), t.span);
                    if slot == Slot::Memory {
                        r.memory = Some(q);
                    } else {
                        r.requests.get_or_insert_with(Default::default).memory = Some(q);
                    }
                }
                None => self.cx.error(
                    "STK075",
                    format!("invalid memory size `{}`", t.value.escape_debug()),
                    t.span,
                    "not a size",
                    "write e.g. `512m` or `1g`",
                ),
            },
        }
    }

    fn deploy(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        s: &mut ServiceSpec,
        r: &mut ResourcesSpec,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) {
        let Some(e) = self.cx.map(v, path) else {
            return;
        };
        self.cx.check_keys(e, keys::DEPLOY, "`deploy`");
        let mut compose_only = serde_json::Map::new();
        for (k, val) in e.iter() {
            if k.value.starts_with("x-") {
                compose_only.insert(k.value.clone(), to_json(&val.value));
                continue;
            }
            let p = format!("{path}.{}", k.value);
            match k.value.as_str() {
                "replicas" => s.replicas = self.count(val, &p),
                "resources" => {
                    let Some(re) = self.cx.map(val, &p) else {
                        continue;
                    };
                    self.cx
                        .check_keys(re, keys::RESOURCES, "`deploy.resources`");
                    for (rk, rv) in re.iter().filter(|(k, _)| !k.value.starts_with("x-")) {
                        let rp = format!("{p}.{}", rk.value);
                        let Some(set) = self.cx.map(rv, &rp) else {
                            continue;
                        };
                        let limits = rk.value == "limits";
                        self.cx.check_keys(
                            set,
                            if limits {
                                keys::LIMITS
                            } else {
                                keys::RESERVATIONS
                            },
                            &format!("`deploy.resources.{}`", rk.value),
                        );
                        for (sk, sv) in set.iter().filter(|(k, _)| !k.value.starts_with("x-")) {
                            let sp = format!("{rp}.{}", sk.value);
                            match (limits, sk.value.as_str()) {
                                (true, "cpus") => self.resource(sv, &sp, Slot::Cpus, r),
                                (true, "memory") => self.resource(sv, &sp, Slot::Memory, r),
                                (false, "cpus") => self.resource(sv, &sp, Slot::RequestCpus, r),
                                (false, "memory") => self.resource(sv, &sp, Slot::RequestMemory, r),
                                _ => self.cx.dropped(
                                    &sp,
                                    sk.span,
                                    "only cpus and memory are in the stack spec's resources",
                                ),
                            }
                        }
                    }
                }
                _ => {
                    self.compose_only(&p, k.span, "deployment settings other than replicas and resources are not in the stack spec");
                    compose_only.insert(k.value.clone(), to_json(&val.value));
                }
            }
        }
        if !compose_only.is_empty() {
            extra.insert("deploy".into(), serde_json::Value::Object(compose_only));
        }
    }

    fn ports(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) -> Vec<Sp<PortSpec>> {
        let mut out: Vec<Sp<PortSpec>> = Vec::new();
        let Some(items) = self.cx.seq(v, path) else {
            return out;
        };
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let parsed = match &item.value {
                Node::Map(e) => self.long_port(e, item, &p),
                _ => match self.cx.resolved(item, &p) {
                    Some(s) => match parse_short_port(&s.value) {
                        Ok(ports) => ports,
                        Err(msg) => {
                            self.cx.error(
                                "STK072",
                                format!("invalid port `{}`: {msg}", s.value.escape_debug()),
                                s.span,
                                "not a port mapping",
                                "write `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, e.g. `8080:80` or `127.0.0.1:5432:5432`",
                            );
                            continue;
                        }
                    },
                    None => continue,
                },
            };
            // A mapping the spec cannot hold (a container port published twice, another
            // protocol) stays a compose-only port, as written.
            let representable = parsed.iter().all(|port| {
                matches!(port.protocol.as_str(), "tcp" | "udp")
                    && !out
                        .iter()
                        .any(|o| o.value.key() == (port.container as u32, port.protocol.as_str()))
            });
            if !representable {
                self.compose_only(
                    &p,
                    item.span,
                    "the stack spec publishes each container port once, over tcp or udp",
                );
                push_extra(extra, "ports", to_json(&item.value));
                continue;
            }
            for port in parsed {
                self.push_port(port, item.span, &p, &mut out);
            }
        }
        out
    }

    fn long_port(&mut self, e: &Entries, item: &Sp<Node>, p: &str) -> Vec<Published> {
        self.cx.check_keys(e, keys::PORT, "a port");
        let mut target = None;
        let mut published = None;
        let mut host_ip = None;
        let mut protocol = "tcp".to_string();
        let mut name = None;
        for (k, val) in e.iter().filter(|(k, _)| !k.value.starts_with("x-")) {
            let kp = format!("{p}.{}", k.value);
            match k.value.as_str() {
                "target" => target = self.cx.resolved(val, &kp),
                "published" => published = self.cx.resolved(val, &kp),
                "host_ip" => host_ip = self.cx.resolved(val, &kp),
                "protocol" => {
                    if let Some(pr) = self.cx.resolved(val, &kp) {
                        protocol = pr.value.to_ascii_lowercase();
                    }
                }
                "name" => name = self.cx.resolved(val, &kp),
                "mode" => {
                    if self
                        .cx
                        .resolved(val, &kp)
                        .is_some_and(|m| m.value == "host")
                    {
                        self.cx.approximated(
                            &kp,
                            k.span,
                            "host-mode publishing is swarm-specific; published as usual",
                        );
                    }
                }
                _ => self.cx.dropped(
                    &kp,
                    k.span,
                    "application protocols are not in the stack spec",
                ),
            }
        }
        let Some(target) = target else {
            self.cx.error(
                "STK072",
                "a port in the long syntax needs `target`",
                item.span,
                "no `target`",
                "add `target: CONTAINER_PORT`",
            );
            return Vec::new();
        };
        let text = match (&host_ip, &published) {
            (None, None) => format!("{}/{protocol}", target.value),
            (ip, published) => format!(
                "{}{}:{}/{protocol}",
                ip.as_ref()
                    .map(|h| format!("{}:", bracket(&h.value)))
                    .unwrap_or_default(),
                published.as_ref().map(|p| p.value.as_str()).unwrap_or(""),
                target.value
            ),
        };
        match parse_short_port(&text) {
            Ok(mut ports) => {
                if let Some(n) = name {
                    if ports.len() == 1 && is_port_name(&n.value) {
                        ports[0].name = Some(n);
                    } else {
                        self.cx.dropped(format!("{p}.name"), n.span, "port names are at most 15 lowercase letters, digits and `-` in the stack spec");
                    }
                }
                ports
            }
            Err(msg) => {
                self.cx.error(
                    "STK072",
                    format!("invalid port: {msg}"),
                    item.span,
                    "not a valid port",
                    "`target` and `published` are port numbers (1-65535) or ranges `8000-8010`",
                );
                Vec::new()
            }
        }
    }

    fn push_port(&mut self, port: Published, span: Span, path: &str, out: &mut Vec<Sp<PortSpec>>) {
        if port.protocol != "tcp" && port.protocol != "udp" {
            self.cx.dropped(
                path,
                span,
                format!(
                    "protocol `{}` is not in the stack spec (tcp and udp are)",
                    port.protocol
                ),
            );
            return;
        }
        if let Some(first) = out
            .iter()
            .find(|o| o.value.key() == (port.container as u32, port.protocol.as_str()))
        {
            let _ = first;
            self.cx.dropped(
                path,
                span,
                format!(
                    "container port {} is already published; the stack spec publishes a port once",
                    port.container
                ),
            );
            return;
        }
        if let Some(note) = &port.note {
            self.cx.approximated(path, span, note.clone());
        }
        let (expose, host_ip) = match port.host_ip.as_deref() {
            None | Some("") => ("public", None),
            Some("127.0.0.1") => ("loopback", None),
            Some(ip) if ip == "::1" || ip == "[::1]" => ("loopback", Some(ip.to_string())),
            Some(ip) => ("public", Some(ip.to_string())),
        };
        let host_port = match port.host {
            None => Some(0),
            Some(h) if h == port.container => None,
            Some(h) => Some(h as u32),
        };
        let long = PortLong {
            port: Sp::new(port.container as u32, span),
            expose: Some(Sp::new(expose.into(), span)),
            host_port: host_port.map(|h| Sp::new(h, span)),
            host_ip: host_ip.map(|h| Sp::new(h, span)),
            protocol: (port.protocol == "udp").then(|| Sp::new("udp".into(), span)),
            name: port.name,
        };
        out.push(Sp::new(PortSpec::Long(long), span));
    }

    fn expose(&mut self, v: &Sp<Node>, path: &str, ports: &mut Vec<Sp<PortSpec>>) {
        let Some(items) = self.cx.seq(v, path) else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(s) = self.cx.resolved(item, &p) else {
                continue;
            };
            let (num, proto) = match s.value.split_once('/') {
                Some((n, pr)) => (n, pr.to_ascii_lowercase()),
                None => (s.value.as_str(), "tcp".to_string()),
            };
            let Some(range) = parse_range(num) else {
                self.cx.error(
                    "STK072",
                    format!("invalid exposed port `{}`", s.value.escape_debug()),
                    s.span,
                    "not a port",
                    "write a port number (1-65535), a range `8000-8010`, optionally with `/udp`",
                );
                continue;
            };
            if proto != "tcp" && proto != "udp" {
                self.cx.dropped(
                    &p,
                    s.span,
                    format!("protocol `{proto}` is not in the stack spec"),
                );
                continue;
            }
            for n in range.0..=range.1 {
                if ports
                    .iter()
                    .any(|o| o.value.key() == (n as u32, proto.as_str()))
                {
                    self.cx.approximated(
                        &p,
                        s.span,
                        format!(
                            "port {n} is also published; `expose` adds nothing in the stack spec"
                        ),
                    );
                    continue;
                }
                let spec = if proto == "udp" {
                    PortSpec::Long(PortLong {
                        port: Sp::new(n as u32, s.span),
                        expose: None,
                        host_port: None,
                        host_ip: None,
                        protocol: Some(Sp::new("udp".into(), s.span)),
                        name: None,
                    })
                } else {
                    PortSpec::Short(Sp::new(n as u32, s.span))
                };
                ports.push(Sp::new(spec, s.span));
            }
        }
    }

    fn volumes(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        out: &mut Vec<Sp<MountSpec>>,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) {
        let Some(items) = self.cx.seq(v, path) else {
            return;
        };
        // Compose keeps the last mount at a container path.
        let mut kept: Vec<KeptMount> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            self.raw_mount = None;
            let m = match &item.value {
                Node::Map(e) => self.long_mount(e, item, &p),
                _ => self.short_mount(item, &p),
            };
            let entry = match (m, self.raw_mount.take()) {
                (Some(m), _) => Ok(Sp::new(m, item.span)),
                (None, Some(why)) => {
                    self.compose_only(&p, item.span, &why);
                    Err(to_json(&item.value))
                }
                (None, None) => continue,
            };
            let target = mount_target_of(item);
            if let Some(t) = &target
                && let Some(pos) = kept.iter().position(|(k, _, _)| k.as_deref() == Some(t))
            {
                let first = kept[pos].1;
                self.cx.dropped(
                    format!("{path}[{first}]"),
                    items[first].span,
                    format!("another mount at `{t}` follows; compose keeps only the last one"),
                );
                drop(kept.remove(pos));
            }
            kept.push((target, i, entry));
        }
        for (_, _, entry) in kept {
            match entry {
                Ok(m) => out.push(m),
                Err(raw) => push_extra(extra, "volumes", raw),
            }
        }
    }

    fn short_mount(&mut self, item: &Sp<Node>, p: &str) -> Option<MountSpec> {
        if let Node::Str(raw) = &item.value
            && let Some((src, _)) = raw.split_once(':')
            && !src.contains("PWD")
            && interp::parse(src).is_ok_and(|p| interp::has_vars(&p))
        {
            self.raw_mount =
                Some("a mount source taken from a variable is not in the stack spec".into());
            return None;
        }
        let s = self.cx.path_text(item, p)?;
        let parts: Vec<&str> = s.value.split(':').collect();
        let (source, target, mode) = match parts.as_slice() {
            [t] => (None, *t, None),
            [a, b] if is_mount_mode(b) && a.starts_with('/') => (None, *a, Some(*b)),
            [a, b] => (Some(*a), *b, None),
            [a, b, c] => (Some(*a), *b, Some(*c)),
            _ => {
                self.cx.error(
                    "STK073",
                    format!("invalid volume `{}`", s.value.escape_debug()),
                    s.span,
                    "not a mount",
                    "write `VOLUME:/path`, `./host/path:/path[:ro]` or `/path`",
                );
                return None;
            }
        };
        if !target.starts_with('/') {
            self.cx.error(
                "STK073",
                format!(
                    "invalid volume `{}`: the container path `{target}` is not absolute",
                    s.value.escape_debug()
                ),
                s.span,
                "not an absolute path",
                "container paths start with `/`",
            );
            return None;
        }
        let mut read_only = false;
        for m in mode.unwrap_or("").split(',').filter(|m| !m.is_empty()) {
            match m {
                "ro" => read_only = true,
                "rw" => {}
                m if is_mount_mode(m) => self.cx.approximated(
                    p,
                    s.span,
                    format!("mount option `{m}` is not in the stack spec"),
                ),
                m => {
                    self.cx.error("STK073", format!("unknown mount option `{m}`"), s.span, "not a mount option", "use `ro` or `rw` (and `z`, `Z`, `nocopy`, propagation or consistency options)");
                    return None;
                }
            }
        }
        let ro = if read_only { ":ro" } else { "" };
        let Some(source) = source else {
            self.raw_mount = Some("anonymous volumes are not in the stack spec".into());
            return None;
        };
        if source.starts_with('.') || source.starts_with('/') || source.starts_with('~') {
            let src = self.bind_source(source, s.span, p)?;
            return Some(MountSpec::Short(Sp::new(
                format!("{src}:{target}{ro}"),
                s.span,
            )));
        }
        let name = self.volume_ref(source, s.span);
        Some(MountSpec::Short(Sp::new(
            format!("{name}:{target}{ro}"),
            s.span,
        )))
    }

    /// A bind source as the spec takes it, or `None` (reported) when it leaves the project.
    fn bind_source(&mut self, source: &str, span: Span, p: &str) -> Option<String> {
        if source.starts_with('/') {
            return Some(source.to_string());
        }
        let _ = (span, p);
        if source.starts_with('~') {
            self.raw_mount = Some(format!(
                "a bind mount of `{source}` (a home directory path) is not in the stack spec: host paths are relative to the project"
            ));
            return None;
        }
        match project_path(source) {
            Some(rel) if rel == "." => Some("./".into()),
            Some(rel) => Some(rel),
            None => {
                self.raw_mount = Some(format!(
                    "a bind mount of `{source}` leaves the project directory, which the stack spec does not allow"
                ));
                None
            }
        }
    }

    /// The spec name of a named volume; an undeclared one is left as written for the resolver
    /// to report.
    fn volume_ref(&mut self, source: &str, _span: Span) -> String {
        self.volumes
            .get(source)
            .cloned()
            .unwrap_or_else(|| source.to_string())
    }

    fn long_mount(&mut self, e: &Entries, item: &Sp<Node>, p: &str) -> Option<MountSpec> {
        self.cx.check_keys(e, keys::MOUNT, "a mount");
        let get = |k: &str| e.iter().find(|(key, _)| key.value == k);
        let kind = match get("type") {
            Some((_, t)) => self.cx.resolved(t, &format!("{p}.type"))?,
            None => {
                self.cx.error(
                    "STK073",
                    "a mount in the long syntax needs `type`",
                    item.span,
                    "no `type`",
                    "add `type: volume`, `bind` or `tmpfs`",
                );
                return None;
            }
        };
        // What the spec cannot hold keeps the mount compose-only, as written.
        let mut exotic: Option<String> = None;
        let source = match get("source") {
            Some((_, s)) => {
                if let Node::Str(raw) = &s.value
                    && !raw.contains("PWD")
                    && interp::parse(raw).is_ok_and(|p| interp::has_vars(&p))
                {
                    exotic = Some(
                        "a mount source taken from a variable is not in the stack spec".into(),
                    );
                }
                self.cx.path_text(s, &format!("{p}.source"))
            }
            None => None,
        };
        let target = match get("target") {
            Some((_, t)) => self.cx.resolved(t, &format!("{p}.target")),
            None => None,
        };
        let read_only = match get("read_only") {
            Some((_, r)) => self.cx.boolean(r, &format!("{p}.read_only")),
            None => None,
        };
        for (sub, allowed) in [
            ("bind", keys::MOUNT_BIND),
            ("volume", keys::MOUNT_VOLUME),
            ("tmpfs", keys::MOUNT_TMPFS),
            ("image", keys::MOUNT_IMAGE),
        ] {
            if let Some((k, v)) = get(sub)
                && let Some(opts) = self.cx.map(v, &format!("{p}.{sub}"))
            {
                self.cx
                    .check_keys(opts, allowed, &format!("`{sub}` of a mount"));
                for (o, _) in opts.iter() {
                    if sub == "tmpfs" && o.value == "size" {
                        continue;
                    }
                    exotic = Some(format!(
                        "mount option `{sub}.{}` is not in the stack spec",
                        o.value
                    ));
                }
                let _ = k;
            }
        }
        if get("consistency").is_some() || e.iter().any(|(k, _)| k.value.starts_with("x-")) {
            exotic =
                Some("mount consistency and extension fields are not in the stack spec".into());
        }
        let Some(target) = target else {
            self.cx.error(
                "STK073",
                "a mount in the long syntax needs `target`",
                item.span,
                "no `target`",
                "add `target: /path/in/container`",
            );
            return None;
        };
        if !target.value.starts_with('/') {
            self.cx.error(
                "STK073",
                format!(
                    "mount target `{}` is not an absolute path",
                    target.value.escape_debug()
                ),
                target.span,
                "not an absolute path",
                "container paths start with `/`",
            );
            return None;
        }
        if matches!(kind.value.as_str(), "npipe" | "cluster" | "image") {
            exotic = Some(format!("`{}` mounts are not in the stack spec", kind.value));
        }
        if kind.value == "volume" && source.is_none() {
            exotic = Some("anonymous volumes are not in the stack spec".into());
        }
        if let Some(why) = exotic {
            self.raw_mount = Some(why);
            return None;
        }
        let mut long = MountLong {
            target: Some(target.clone()),
            read_only: read_only.filter(|r| r.value),
            ..Default::default()
        };
        match kind.value.as_str() {
            "volume" => match source {
                Some(src) => {
                    long.volume = Some(Sp::new(self.volume_ref(&src.value, src.span), src.span))
                }
                None => return None,
            },
            "bind" => {
                let Some(src) = source else {
                    self.cx.error(
                        "STK073",
                        "a bind mount needs `source`",
                        item.span,
                        "no `source`",
                        "add `source: ./path/on/host`",
                    );
                    return None;
                };
                let path = self.bind_source(&src.value, src.span, p)?;
                long.bind = Some(Sp::new(path, src.span));
            }
            "tmpfs" => {
                long.tmpfs = Some(target.clone());
                long.target = None;
                if let Some((_, t)) = get("tmpfs")
                    && let Some(size) = t.value.get("size")
                    && let Some(sz) = self.cx.resolved(size, &format!("{p}.tmpfs.size"))
                {
                    match docker_bytes(&sz.value) {
                        Some(b) => long.size = Some(Sp::new(quantity_text(b), sz.span)),
                        None => self.cx.error(
                            "STK075",
                            format!("invalid tmpfs size `{}`", sz.value.escape_debug()),
                            sz.span,
                            "not a size",
                            "write bytes, or e.g. `64m`",
                        ),
                    }
                }
            }
            other => {
                self.cx.error(
                    "STK073",
                    format!("unknown mount type `{}`", other.escape_debug()),
                    kind.span,
                    "not a mount type",
                    "use `volume`, `bind`, `tmpfs`, `npipe`, `cluster` or `image`",
                );
                return None;
            }
        }
        Some(MountSpec::Long(long))
    }

    fn tmpfs(&mut self, v: &Sp<Node>, path: &str, out: &mut Vec<Sp<MountSpec>>) {
        for (i, t) in self.cx.strings(v, path, true).into_iter().enumerate() {
            let p = format!("{path}[{i}]");
            let (target, opts) = t.value.split_once(':').unwrap_or((t.value.as_str(), ""));
            if !target.starts_with('/') {
                self.cx.error(
                    "STK073",
                    format!("tmpfs path `{}` is not absolute", target.escape_debug()),
                    t.span,
                    "not an absolute path",
                    "container paths start with `/`",
                );
                continue;
            }
            let mut long = MountLong {
                tmpfs: Some(Sp::new(target.to_string(), t.span)),
                ..Default::default()
            };
            for o in opts.split(',').filter(|o| !o.is_empty()) {
                match o.split_once('=') {
                    Some(("size", sz)) => match docker_bytes(sz) {
                        Some(b) => long.size = Some(Sp::new(quantity_text(b), t.span)),
                        None => self.cx.approximated(
                            &p,
                            t.span,
                            format!("tmpfs size `{sz}` is not a size the stack spec reads"),
                        ),
                    },
                    _ => self.cx.approximated(
                        &p,
                        t.span,
                        format!("tmpfs option `{o}` is not in the stack spec"),
                    ),
                }
            }
            self.cx
                .approximated(&p, t.span, "written as a tmpfs mount under `volumes`");
            out.push(Sp::new(MountSpec::Long(long), t.span));
        }
    }

    fn health(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) -> Option<HealthSpec> {
        let e = self.cx.map(v, path)?;
        self.cx.check_keys(e, keys::HEALTHCHECK, "`healthcheck`");
        let mut h = HealthSpec::default();
        let mut disabled = None;
        let mut test_seen = false;
        let mut compose_only = serde_json::Map::new();
        for (k, val) in e.iter() {
            if k.value.starts_with("x-") {
                compose_only.insert(k.value.clone(), to_json(&val.value));
                continue;
            }
            let p = format!("{path}.{}", k.value);
            match k.value.as_str() {
                "test" => {
                    test_seen = true;
                    match self.health_test(val, &p) {
                        Ok(cmd) => h.cmd = cmd,
                        Err(()) => disabled = Some(k.span),
                    }
                }
                "disable" => {
                    if self.cx.boolean(val, &p).is_some_and(|b| b.value) {
                        disabled = Some(k.span);
                    }
                }
                "interval" | "timeout" | "start_period" => {
                    let Some(d) = self.cx.resolved(val, &p) else {
                        continue;
                    };
                    let Some(ms) = go_duration_ms(&d.value) else {
                        self.cx.error(
                            "STK075",
                            format!("invalid duration `{}`", d.value.escape_debug()),
                            d.span,
                            "not a duration",
                            "write e.g. `10s`, `1m30s` or `500ms`",
                        );
                        continue;
                    };
                    let d = Some(Sp::new(duration_text(ms), d.span));
                    match k.value.as_str() {
                        "interval" => h.interval = d,
                        "timeout" => h.timeout = d,
                        _ => h.start_period = d,
                    }
                }
                "retries" => h.retries = self.count(val, &p),
                _ => {
                    self.compose_only(&p, k.span, "`start_interval` is not in the stack spec");
                    compose_only.insert(k.value.clone(), to_json(&val.value));
                }
            }
        }
        if let Some(span) = disabled {
            self.compose_only(
                path,
                span,
                "disabling the image's health check is not in the stack spec",
            );
            extra.insert("healthcheck".into(), to_json(&v.value));
            return None;
        }
        if h.cmd.is_none() {
            if !test_seen {
                self.compose_only(path, v.span, "a health check without `test` (timings for the image's own check) is not in the stack spec");
                extra.insert("healthcheck".into(), to_json(&v.value));
            }
            return None;
        }
        if !compose_only.is_empty() {
            extra.insert(
                "healthcheck".into(),
                serde_json::Value::Object(compose_only),
            );
        }
        Some(h)
    }

    /// The command of a health check; `Err` when the test disables checking (`NONE`).
    fn health_test(&mut self, v: &Sp<Node>, path: &str) -> Result<Option<Sp<CommandSpec>>, ()> {
        match &v.value {
            Node::Seq(items) => {
                let Some(first) = items.first() else {
                    self.cx.error(
                        "STK075",
                        "an empty health check test",
                        v.span,
                        "no command",
                        "write `[CMD, ...]`, `[CMD-SHELL, ...]` or a string",
                    );
                    return Ok(None);
                };
                let Some(kind) = self.cx.scalar(first, path) else {
                    return Ok(None);
                };
                let mut args = Vec::new();
                for (i, item) in items[1..].iter().enumerate() {
                    let Some(s) = self.cx.scalar(item, &format!("{path}[{}]", i + 1)) else {
                        return Ok(None);
                    };
                    let Some(value) = self.spec_value(&s, path) else {
                        return Ok(None);
                    };
                    args.push(value);
                }
                match kind.value.as_str() {
                    "NONE" => Err(()),
                    "CMD" if !args.is_empty() => Ok(Some(Sp::new(CommandSpec::Exec(args), v.span))),
                    "CMD-SHELL" if !args.is_empty() => {
                        if args.len() > 1 {
                            self.cx.approximated(
                                path,
                                v.span,
                                "`CMD-SHELL` with several items: they are joined with spaces",
                            );
                        }
                        let text = args
                            .iter()
                            .map(|a| a.value.as_str())
                            .collect::<Vec<_>>()
                            .join(" ");
                        Ok(Some(Sp::new(
                            CommandSpec::Shell(Sp::new(text, v.span)),
                            v.span,
                        )))
                    }
                    _ => {
                        self.cx.error("STK075", format!("a health check test list starts with `CMD`, `CMD-SHELL` or `NONE`, not `{}`", kind.value.escape_debug()), kind.span, "not a test kind", "write `[CMD, program, args...]` or `[CMD-SHELL, \"shell command\"]`");
                        Ok(None)
                    }
                }
            }
            other if other.scalar_text().is_some() => {
                let Some(s) = self.cx.scalar(v, path) else {
                    return Ok(None);
                };
                if s.value.trim().is_empty() {
                    return Err(());
                }
                let Some(value) = self.spec_value(&s, path) else {
                    return Ok(None);
                };
                Ok(Some(Sp::new(CommandSpec::Shell(value), v.span)))
            }
            _ => {
                self.cx.wrong_type(v, "a string or a list of strings", path);
                Ok(None)
            }
        }
    }

    fn depends_on(&mut self, v: &Sp<Node>, path: &str) -> Option<Sp<DependsOnSpec>> {
        match &v.value {
            Node::Seq(items) => {
                let mut names = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    if let Some(n) = self.cx.scalar(item, &format!("{path}[{i}]")) {
                        names.push(self.service_ref(n));
                    }
                }
                Some(Sp::new(DependsOnSpec::List(names), v.span))
            }
            Node::Map(entries) => {
                let mut out = Vec::new();
                for (name, val) in entries {
                    let p = format!("{path}.{}", name.value);
                    let mut condition = Sp::new("started".to_string(), name.span);
                    if let Some(e) = self.cx.map(val, &p) {
                        self.cx
                            .check_keys(e, keys::DEPENDS_ON, "a `depends_on` entry");
                        for (k, cv) in e.iter().filter(|(k, _)| !k.value.starts_with("x-")) {
                            let cp = format!("{p}.{}", k.value);
                            match k.value.as_str() {
                                "condition" => {
                                    let Some(c) = self.cx.resolved(cv, &cp) else {
                                        continue;
                                    };
                                    let mapped = match c.value.as_str() {
                                        "service_started" => "started",
                                        "service_healthy" => "healthy",
                                        "service_completed_successfully" => "completed",
                                        other => {
                                            self.cx.error("STK075", format!("unknown condition `{}`", other.escape_debug()), c.span, "not a condition", "use `service_started`, `service_healthy` or `service_completed_successfully`");
                                            continue;
                                        }
                                    };
                                    condition = Sp::new(mapped.to_string(), c.span);
                                }
                                "required" => {
                                    if self.cx.boolean(cv, &cp).is_some_and(|b| !b.value) {
                                        self.cx.approximated(&cp, k.span, "optional dependencies are not in the stack spec; the dependency is required");
                                    }
                                }
                                _ => {
                                    if self.cx.boolean(cv, &cp).is_some_and(|b| b.value) {
                                        self.cx.dropped(&cp, k.span, "restarting a service when its dependency restarts is not in the stack spec");
                                    }
                                }
                            }
                        }
                    }
                    out.push((self.service_ref(name.clone()), condition));
                }
                Some(Sp::new(DependsOnSpec::Map(out), v.span))
            }
            Node::Null => None,
            _ => {
                self.cx
                    .wrong_type(v, "a list of service names or a map", path);
                None
            }
        }
    }

    /// A service name as the spec knows it (an unknown one stays for the resolver to report).
    fn service_ref(&self, n: Sp<String>) -> Sp<String> {
        match self.services.get(&n.value) {
            Some(name) => Sp::new(name.clone(), n.span),
            None => n,
        }
    }

    fn service_networks(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) -> Vec<Sp<String>> {
        let mut names: Vec<Sp<String>> = Vec::new();
        let mut options = serde_json::Map::new();
        match &v.value {
            Node::Seq(_) => names = self.cx.strings(v, path, false),
            Node::Map(entries) => {
                for (name, val) in entries {
                    let p = format!("{path}.{}", name.value);
                    if let Some(e) = self.cx.map(val, &p) {
                        self.cx
                            .check_keys(e, keys::SERVICE_NETWORK, "a service's network");
                        if let Some((k, _)) = e.first() {
                            self.compose_only(
                                &p,
                                k.span,
                                "per-network aliases, addresses and priorities are not in the stack spec",
                            );
                            let spec = self
                                .networks
                                .get(&name.value)
                                .cloned()
                                .unwrap_or_else(|| name.value.clone());
                            options.insert(spec, to_json(&val.value));
                        }
                    }
                    names.push(name.clone());
                }
            }
            Node::Null => {}
            _ => self
                .cx
                .wrong_type(v, "a list or a map of network names", path),
        }
        if !options.is_empty() {
            extra.insert("networks".into(), serde_json::Value::Object(options));
        }
        names
            .into_iter()
            .map(|n| match self.networks.get(&n.value) {
                Some(name) => Sp::new(name.clone(), n.span),
                None if n.value == "default" => {
                    self.networks.insert("default".into(), "default".into());
                    self.networks_out
                        .insert(Sp::new("default".into(), n.span), NetworkSpec::default());
                    n
                }
                None => n,
            })
            .collect()
    }

    /// Service `secrets:` / `configs:`: files mounted into the container. A config that is
    /// only a file becomes a `config:` mount; secrets and other configs stay compose-only.
    fn grants(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        secrets: bool,
        out: &mut Vec<Sp<MountSpec>>,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) {
        let Some(items) = self.cx.seq(v, path) else {
            return;
        };
        let what = if secrets { "secret" } else { "config" };
        let mut kept = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let (source, target, only_source) = match &item.value {
                Node::Map(e) => {
                    self.cx
                        .check_keys(e, keys::GRANT, &format!("a service's {what}"));
                    let mut source = None;
                    let mut target = None;
                    let mut only = true;
                    for (k, val) in e {
                        let kp = format!("{p}.{}", k.value);
                        match k.value.as_str() {
                            "source" => source = self.cx.resolved(val, &kp),
                            "target" => target = self.cx.resolved(val, &kp),
                            _ => only = false,
                        }
                    }
                    let Some(source) = source else {
                        self.cx.error(
                            "STK071",
                            format!("a {what} entry needs `source`"),
                            item.span,
                            "no `source`",
                            "add `source: NAME`",
                        );
                        continue;
                    };
                    (source, target, only)
                }
                _ => match self.cx.resolved(item, &p) {
                    Some(s) => (s, None, true),
                    None => continue,
                },
            };
            if secrets
                && only_source
                && let Some(m) = self.secret_file_mount(&source, target.as_ref(), item.span)
            {
                out.push(m);
                continue;
            }
            let table = if secrets {
                &self.top_secrets
            } else {
                &self.top_configs
            };
            let Some(g) = table.get(&source.value) else {
                let names: Vec<&str> = table.keys().map(String::as_str).collect();
                let help = match crate::diag::did_you_mean(&source.value, names.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("declare it under top-level `{what}s:`"),
                };
                let code = if secrets { "STK013" } else { "STK076" };
                self.cx.error(
                    code,
                    format!("unknown {what} `{}`", source.value),
                    source.span,
                    "not declared",
                    help,
                );
                continue;
            };
            let config_file = (!secrets && only_source)
                .then(|| g.file.as_ref().and_then(|f| project_path(&f.value)))
                .flatten();
            if let Some(src) = config_file {
                let target = match target {
                    Some(t) if t.value.starts_with('/') => t.value,
                    Some(t) => format!("/{}", t.value),
                    None => format!("/{}", source.value),
                };
                out.push(Sp::new(
                    MountSpec::Long(MountLong {
                        config: Some(Sp::new(src, item.span)),
                        target: Some(Sp::new(target, item.span)),
                        name: Some(source.clone()),
                        ..Default::default()
                    }),
                    item.span,
                ));
                continue;
            }
            let raw = g.raw.clone();
            let definitions = if secrets {
                &mut self.compose.secrets
            } else {
                &mut self.compose.configs
            };
            definitions.entry(source.value.clone()).or_insert(raw);
            self.compose_only(
                &p,
                item.span,
                &format!("{what}s mounted as files are not in the stack spec"),
            );
            kept.push(to_json(&item.value));
        }
        if !kept.is_empty() {
            extra.insert(
                if secrets { "secrets" } else { "configs" }.to_string(),
                serde_json::Value::Array(kept),
            );
        }
    }
}

/// A mount read from `volumes`: its container path, its index, and the spec mount or the
/// compose-only entry as written.
type KeptMount = (
    Option<String>,
    usize,
    Result<Sp<MountSpec>, serde_json::Value>,
);

/// Appends a compose-only item to the list field `key` (`ports`, `volumes`).
fn push_extra(extra: &mut IndexMap<String, serde_json::Value>, key: &str, item: serde_json::Value) {
    match extra
        .entry(key.to_string())
        .or_insert_with(|| serde_json::Value::Array(Vec::new()))
    {
        serde_json::Value::Array(items) => items.push(item),
        other => *other = serde_json::Value::Array(vec![item]),
    }
}

/// The container path of a mount, short or long syntax, as written.
fn mount_target_of(n: &Sp<Node>) -> Option<String> {
    match &n.value {
        Node::Map(_) => n.value.get("target").and_then(|t| t.value.scalar_text()),
        Node::Str(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            match parts.as_slice() {
                [t] => Some(t.to_string()),
                [a, b] if a.starts_with('/') && is_mount_mode(b) => Some(a.to_string()),
                [_, t, ..] => Some(t.to_string()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `targets:` with the compose-only fields, when there are any.
fn compose_targets(c: ComposeTargetSpec) -> Option<TargetsSpec> {
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
fn to_json(n: &Node) -> serde_json::Value {
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

/// Where a resource amount goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Cpus,
    Memory,
    RequestCpus,
    RequestMemory,
}

fn security(s: &mut ServiceSpec) -> &mut SecuritySpec {
    s.security.get_or_insert_with(Default::default)
}

/// Collects the names of every variable used in a node's scalars.
fn collect_var_names(n: &Sp<Node>, out: &mut HashSet<String>) {
    match &n.value {
        Node::Seq(items) => items.iter().for_each(|i| collect_var_names(i, out)),
        Node::Map(m) => m.iter().for_each(|(_, v)| collect_var_names(v, out)),
        Node::Str(s) => {
            if let Ok(p) = interp::parse(s) {
                collect_pieces(&p, out);
            }
        }
        _ => {}
    }
}

fn collect_pieces(pieces: &[Piece], out: &mut HashSet<String>) {
    for p in pieces {
        if let Piece::Var { name, arg, .. } = p {
            out.insert(name.clone());
            collect_pieces(arg, out);
        }
    }
}

/// Variables whose name says they carry a secret: credential-shaped names, and connection
/// URLs of data stores (which usually embed a password).
pub fn is_secret_var_name(name: &str) -> bool {
    if is_credential_key(name) {
        return true;
    }
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    const STORES: &[&str] = &[
        "DATABASE",
        "DB",
        "REDIS",
        "MONGO",
        "MONGODB",
        "POSTGRES",
        "POSTGRESQL",
        "PG",
        "MYSQL",
        "MARIADB",
        "AMQP",
        "RABBITMQ",
        "BROKER",
        "CONNECTION",
    ];
    matches!(*last, "URL" | "URI" | "DSN" | "STRING")
        && words[..words.len() - 1].iter().any(|w| STORES.contains(w))
}

/// A relative path normalised inside the project (`./a/b`, or `.`); `None` when it leaves the
/// project or is absolute.
pub fn project_path(p: &str) -> Option<String> {
    if p.starts_with('/') || p.starts_with('~') || p.contains('\0') || p.contains('\n') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(if parts.is_empty() {
        ".".into()
    } else {
        format!("./{}", parts.join("/"))
    })
}

fn is_mount_mode(m: &str) -> bool {
    m.split(',').all(|o| {
        matches!(
            o,
            "ro" | "rw"
                | "z"
                | "Z"
                | "nocopy"
                | "consistent"
                | "cached"
                | "delegated"
                | "shared"
                | "slave"
                | "private"
                | "rshared"
                | "rslave"
                | "rprivate"
        )
    })
}

fn is_port_name(n: &str) -> bool {
    n.len() <= 15
        && n.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && n.bytes().any(|c| c.is_ascii_lowercase())
        && !n.starts_with('-')
        && !n.ends_with('-')
}

fn bracket(ip: &str) -> String {
    if ip.contains(':') && !ip.starts_with('[') {
        format!("[{ip}]")
    } else {
        ip.to_string()
    }
}

/// One published container port from a port mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Published {
    pub container: u16,
    /// `None`: the runtime picks a host port.
    pub host: Option<u16>,
    pub host_ip: Option<String>,
    pub protocol: String,
    pub name: Option<Sp<String>>,
    /// Set when the mapping is only approximated.
    pub note: Option<String>,
}

fn parse_range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a, b),
        None => (s, s),
    };
    let a: u16 = a.trim().parse().ok().filter(|p| *p > 0)?;
    let b: u16 = b.trim().parse().ok().filter(|p| *p > 0)?;
    (a <= b).then_some((a, b))
}

/// Parses compose's short port syntax `[[HOST_IP:][HOST_PORT[-END]]:]CONTAINER[-END][/PROTO]`,
/// expanding ranges into one entry per port.
pub fn parse_short_port(s: &str) -> Result<Vec<Published>, String> {
    let s = s.trim();
    let (mapping, protocol) = match s.rsplit_once('/') {
        Some((m, p)) => (m, p.to_ascii_lowercase()),
        None => (s, "tcp".to_string()),
    };
    if protocol.is_empty() {
        return Err("empty protocol".into());
    }
    let (ip, rest) = if let Some(r) = mapping.strip_prefix('[') {
        let (ip, after) = r
            .split_once(']')
            .ok_or("unclosed `[` in the host address")?;
        let after = after
            .strip_prefix(':')
            .ok_or("expected `:` after the host address")?;
        (Some(ip.to_string()), after)
    } else {
        (None, mapping)
    };
    let mut parts: Vec<&str> = rest.rsplitn(3, ':').collect();
    parts.reverse();
    let (ip, host, container) = match (ip, parts.as_slice()) {
        (None, [c]) => (None, None, *c),
        (None, [h, c]) => (None, Some(*h), *c),
        (None, [ip, h, c]) => (Some(ip.to_string()), Some(*h), *c),
        (Some(ip), [c]) => (Some(ip), None, *c),
        (Some(ip), [h, c]) => (Some(ip), Some(*h), *c),
        _ => return Err("too many `:`".into()),
    };
    let (c0, c1) = parse_range(container)
        .ok_or("the container port is not a port number (1-65535) or a range")?;
    let host = match host {
        None | Some("") => None,
        Some(h) => {
            Some(parse_range(h).ok_or("the host port is not a port number (1-65535) or a range")?)
        }
    };
    let n = (c1 - c0) as usize + 1;
    let mut out = Vec::new();
    let mut note = None;
    let hosts: Vec<Option<u16>> = match host {
        None => vec![None; n],
        Some((h0, h1)) if (h1 - h0) as usize + 1 == n => (h0..=h1).map(Some).collect(),
        Some((h0, _)) if n == 1 => {
            note = Some(format!(
                "a host port range for one container port is published on its first port, {h0}"
            ));
            vec![Some(h0)]
        }
        Some(_) => return Err("the host and container ranges differ in length".into()),
    };
    for (i, h) in hosts.into_iter().enumerate() {
        out.push(Published {
            container: c0 + i as u16,
            host: h,
            host_ip: ip.clone().filter(|i| !i.is_empty()),
            protocol: protocol.clone(),
            name: None,
            note: note.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(container: u16, host: Option<u16>, ip: Option<&str>, proto: &str) -> Published {
        Published {
            container,
            host,
            host_ip: ip.map(str::to_string),
            protocol: proto.into(),
            name: None,
            note: None,
        }
    }

    #[test]
    fn short_ports() {
        assert_eq!(
            parse_short_port("80").unwrap(),
            vec![p(80, None, None, "tcp")]
        );
        assert_eq!(
            parse_short_port("8080:80").unwrap(),
            vec![p(80, Some(8080), None, "tcp")]
        );
        assert_eq!(
            parse_short_port("127.0.0.1:5432:5432").unwrap(),
            vec![p(5432, Some(5432), Some("127.0.0.1"), "tcp")]
        );
        assert_eq!(
            parse_short_port("127.0.0.1::80").unwrap(),
            vec![p(80, None, Some("127.0.0.1"), "tcp")]
        );
        assert_eq!(
            parse_short_port("[::1]:80:80/udp").unwrap(),
            vec![p(80, Some(80), Some("::1"), "udp")]
        );
        assert_eq!(
            parse_short_port("8000-8001:9000-9001").unwrap(),
            vec![
                p(9000, Some(8000), None, "tcp"),
                p(9001, Some(8001), None, "tcp")
            ]
        );
        assert!(parse_short_port("80:70000").is_err());
        assert!(parse_short_port("abc").is_err());
        assert!(parse_short_port("1-3:1-2").is_err());
    }

    #[test]
    fn paths_stay_in_the_project() {
        assert_eq!(project_path("."), Some(".".into()));
        assert_eq!(project_path("./a/../b"), Some("./b".into()));
        assert_eq!(project_path("../x"), None);
        assert_eq!(project_path("/abs"), None);
    }

    #[test]
    fn secret_variable_names() {
        assert!(is_secret_var_name("REDIS_PASSWORD"));
        assert!(is_secret_var_name("MINIO_SECRET_KEY"));
        assert!(is_secret_var_name("DATABASE_URL"));
        assert!(is_secret_var_name("REDIS_URL"));
        assert!(!is_secret_var_name("NEO4J_URI"));
        assert!(!is_secret_var_name("API_HOST"));
        assert!(!is_secret_var_name("QDRANT_URL"));
    }
}
