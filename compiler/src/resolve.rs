//! Resolution: spec + environment name → IR. Names become ids, the environment overlay is
//! applied, values are typed, defaults filled. Every problem is reported, all at once.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;

use crate::diag::{Diagnostic, Diagnostics, ErrorCode, SourceFile, Span, did_you_mean};
use crate::ir::*;
use crate::syntax::Sp;
use crate::syntax::forms::{CommandSpec, DependsOnSpec, MountLong, MountSpec, PortSpec};
use crate::syntax::keywords::{Keyword, MountMode, Role, SecurityDefaults, ServiceKind, listed};
use crate::syntax::spec::*;

mod build;
mod deploy;
mod health;
mod k8s;
mod mounts;
mod ports;
mod restart;
mod secrets;
mod service;
mod targets;
mod values;

pub use crate::knowledge::quantity::{parse_duration, parse_quantity};
pub use ports::is_app_protocol;

/// Default image of the Kubernetes init containers that wait for dependencies.
pub const DEFAULT_WAIT_IMAGE: &str = "busybox:1.37.0";

/// Resolves `spec` for environment `env`.
pub fn resolve(
    file: &Arc<SourceFile>,
    spec: &StackSpec,
    env: &str,
) -> Result<Stack, Vec<Diagnostic>> {
    resolve_with(file, spec, env, &[])
}

/// Resolves `spec` for environment `env`, with variable values given on the command line
/// (`--set NAME=VALUE`; names the spec does not declare are ignored here, the CLI refuses
/// them).
pub fn resolve_with(
    file: &Arc<SourceFile>,
    spec: &StackSpec,
    env: &str,
    sets: &[(String, String)],
) -> Result<Stack, Vec<Diagnostic>> {
    let mut r = Resolver {
        f: file.clone(),
        d: Diagnostics::default(),
        sets: sets.to_vec(),
    };
    let stack = r.stack(spec, env);
    if r.d.has_errors() {
        Err(r.d.into_sorted())
    } else {
        Ok(stack.expect("no errors means a stack"))
    }
}

struct Resolver {
    f: Arc<SourceFile>,
    d: Diagnostics,
    /// Variable values given on the command line.
    sets: Vec<(String, String)>,
}

/// Tables of names to ids, built before services are lowered.
struct Names {
    services: HashMap<String, ServiceId>,
    /// Services removed by `only_in` in this environment.
    absent_services: HashMap<String, Vec<String>>,
    /// (service, dependency) pairs whose compose-only `depends_on` entry says
    /// `required: false`: where the dependency is absent, there is no dependency.
    optional_dependencies: HashSet<(String, String)>,
    secrets: HashMap<String, SecretId>,
    vars: HashMap<String, VarId>,
    volumes: HashMap<String, VolumeId>,
    /// Volumes only services of other environments mount: left out of this one's outputs.
    absent_volumes: HashSet<String>,
    networks: HashMap<String, NetworkId>,
    /// Ports of each service, for `${services.X.port}`.
    ports: Vec<Vec<Port>>,
    /// Each variable's name and the value every target can write as is (see
    /// [`Variable::fixed_value`]), by id: images are resolved with them.
    /// Whether each has a deploy-time source (`from_env`).
    var_fixed: Vec<(String, Option<String>, bool)>,
    /// Each variable's value in this build (`--set`, else its default), by id.
    var_values: Vec<Option<String>>,
}

/// Whether `s` is a valid stack-spec name: lowercase letters, digits, `-` and `_`, starting
/// with a letter, at most 63 characters, not ending in `-` or `_`.
pub fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_')
        && !matches!(b[b.len() - 1], b'-' | b'_')
}

/// DNS-1123 label form of a valid name.
pub fn dns_name(s: &str) -> String {
    s.replace('_', "-")
}

impl Resolver {
    fn err(
        &mut self,
        code: ErrorCode,
        msg: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let d = Diagnostic::error(code, msg)
            .at(&self.f, span, label)
            .help(help);
        self.d.push(d);
    }

    /// A word of the closed set `K`: the word written, `default` when absent, and an `STK025`
    /// error (with a "did you mean") for anything else.
    fn word<K: Keyword>(&mut self, word: Option<&Sp<String>>, default: K) -> K {
        word.and_then(|w| self.parse_word(w)).unwrap_or(default)
    }

    /// A word of the closed set `K`, or `None` after an `STK025` error listing the words.
    fn parse_word<K: Keyword>(&mut self, w: &Sp<String>) -> Option<K> {
        if let Some(k) = K::parse(&w.value) {
            return Some(k);
        }
        let help = match did_you_mean(&w.value, K::spellings()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("use one of {}", listed::<K>()),
        };
        let what = K::WHAT;
        let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        self.err(
            ErrorCode::InvalidValue,
            format!("unknown {what} `{}`", w.value.escape_debug()),
            w.span,
            format!("not {article} {what}"),
            help,
        );
        None
    }

    /// Checks a user-chosen name; reports and returns false when it is not usable.
    fn check_name(&mut self, what: &str, name: &Sp<String>) -> bool {
        if is_name(&name.value) {
            return true;
        }
        let suggestion: String = name
            .value
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let suggestion = suggestion
            .trim_matches(|c| c == '-' || c == '_')
            .to_string();
        let help = if is_name(&suggestion) {
            format!(
                "use lowercase letters, digits, `-` and `_`, starting with a letter, at most 63 characters: e.g. `{suggestion}`"
            )
        } else {
            "use lowercase letters, digits, `-` and `_`, starting with a letter, at most 63 characters".to_string()
        };
        self.err(
            ErrorCode::InvalidName,
            format!("invalid {what} name `{}`", name.value.escape_debug()),
            name.span,
            "becomes a Kubernetes object name, a unit name and a file name",
            help,
        );
        false
    }

    /// Checks that names stay distinct after DNS normalisation (`a_b` and `a-b` collide).
    fn check_collisions<'a>(&mut self, what: &str, names: impl Iterator<Item = &'a Sp<String>>) {
        let mut seen: HashMap<String, &Sp<String>> = HashMap::new();
        for n in names {
            let key = dns_name(&n.value);
            if let Some(first) = seen.get(&key) {
                let d = Diagnostic::error(
                    ErrorCode::NameCollision,
                    format!(
                        "{what} names `{}` and `{}` collide as `{key}`",
                        first.value, n.value
                    ),
                )
                .at(&self.f, n.span, "collides")
                .also(&self.f, first.span, "first defined here")
                .help("`_` becomes `-` in Kubernetes and unit names: rename one of them");
                self.d.push(d);
            } else {
                seen.insert(key, n);
            }
        }
    }

    fn stack(&mut self, spec: &StackSpec, env_name: &str) -> Option<Stack> {
        if let Some(v) = &spec.version
            && v.value != 1
        {
            self.err(
                ErrorCode::InvalidValue,
                format!("unsupported spec version `{}`", v.value),
                v.span,
                "only version 1 exists",
                "write `version: 1` or leave it out",
            );
        }
        if !is_name(&spec.stack.value) || spec.stack.value.contains('_') {
            self.err(
                ErrorCode::InvalidName,
                format!("invalid stack name `{}`", spec.stack.value.escape_debug()),
                spec.stack.span,
                "becomes the compose project and Kubernetes namespace",
                "use lowercase letters, digits and `-`, starting with a letter, at most 63 characters",
            );
        }

        // Environment.
        let env_spec = self.environment(spec, env_name);
        let profile = match env_spec.and_then(|e| e.profile.as_ref()) {
            Some(p) => self.word(Some(p), Profile::Dev),
            None if matches!(env_name, "prod" | "production") => Profile::Prod,
            None => Profile::Dev,
        };

        // Tables.
        for (map_name, keys) in [
            ("secret", spec.secrets.keys().collect::<Vec<_>>()),
            ("variable", spec.variables.keys().collect()),
            ("volume", spec.volumes.keys().collect()),
            ("network", spec.networks.keys().collect()),
            ("service", spec.services.keys().collect()),
        ] {
            let mut ok = Vec::new();
            for k in keys {
                if map_name == "variable" {
                    if !is_env_key(&k.value) {
                        self.err(
                            ErrorCode::InvalidName,
                            format!("invalid variable name `{}`", k.value.escape_debug()),
                            k.span,
                            "not a variable name",
                            "use letters, digits and `_`, starting with a letter or `_`",
                        );
                    }
                    continue;
                }
                if self.check_name(map_name, k) {
                    ok.push(k);
                }
            }
            self.check_collisions(map_name, ok.into_iter());
        }

        let secrets: Vec<Secret> = spec
            .secrets
            .iter()
            .map(|(k, s)| self.secret(k, s))
            .collect();
        {
            let mut seen: HashMap<&str, &Sp<String>> = HashMap::new();
            for s in &secrets {
                if let Some(first) = seen.insert(s.env_name.as_str(), &s.name) {
                    let d = Diagnostic::error(
                        ErrorCode::NameCollision,
                        format!(
                            "secrets `{}` and `{}` use the same variable `{}`",
                            first.value, s.name.value, s.env_name
                        ),
                    )
                    .at(&self.f, s.name.span, "same `env_name`")
                    .also(&self.f, first.span, "first used here")
                    .help("give one of them a different `env_name`");
                    self.d.push(d);
                }
            }
        }
        let variables: Vec<Variable> = spec
            .variables
            .iter()
            .map(|(k, v)| {
                let overlay = env_spec.and_then(|e| e.variables.get(k.value.as_str()));
                let required = v.required.as_ref().filter(|r| r.value);
                if let Some(r) = required
                    && v.from_env.is_none()
                {
                    self.err(
                        ErrorCode::MissingOrAmbiguousSource,
                        format!("required variable `{}` has no `from_env`", k.value),
                        r.span,
                        "required from where?",
                        "add `from_env: NAME`, the variable of the deploying environment that must be set",
                    );
                }
                let set = self.sets.iter().rev().find(|(n, _)| *n == k.value);
                match set {
                    Some((_, value)) => Variable {
                        name: k.clone(),
                        value: Some(value.clone()),
                        from_env: None,
                        required: false,
                        set_on_command_line: true,
                    },
                    None => Variable {
                        name: k.clone(),
                        value: overlay.or(v.default.as_ref()).map(|s| s.value.clone()),
                        from_env: v.from_env.as_ref().map(|s| s.value.clone()),
                        required: required.is_some(),
                        set_on_command_line: false,
                    },
                }
            })
            .collect();
        if let Some(e) = env_spec {
            for k in e.variables.keys() {
                if !spec.variables.contains_key(k.value.as_str()) {
                    let help = hint(
                        &k.value,
                        spec.variables.keys(),
                        "declare it under top-level `variables:`",
                    );
                    self.err(
                        ErrorCode::UnknownVariableOrPort,
                        format!("unknown variable `{}`", k.value),
                        k.span,
                        "not declared",
                        help,
                    );
                }
            }
        }

        let networks: Vec<Network> = spec
            .networks
            .iter()
            .map(|(k, n)| Network {
                name: k.clone(),
                dns_name: dns_name(&k.value),
                internal: n.internal.as_ref().is_some_and(|b| b.value),
            })
            .collect();

        // Which services exist in this environment.
        let declared_envs: Vec<&str> = spec.environments.keys().map(|k| k.value.as_str()).collect();
        let mut present = Vec::new();
        let mut absent_services = HashMap::new();
        for (k, s) in &spec.services {
            for e in &s.only_in {
                if !declared_envs.is_empty() && !declared_envs.contains(&e.value.as_str()) {
                    let help = hint(
                        &e.value,
                        spec.environments.keys(),
                        "declare it under `environments:`",
                    );
                    self.err(
                        ErrorCode::UnknownEnvironment,
                        format!("unknown environment `{}`", e.value),
                        e.span,
                        "not declared",
                        help,
                    );
                }
            }
            if s.only_in.is_empty() || s.only_in.iter().any(|e| e.value == env_name) {
                present.push((k, s));
            } else {
                absent_services.insert(
                    k.value.clone(),
                    s.only_in.iter().map(|e| e.value.clone()).collect(),
                );
            }
        }

        if present.is_empty() && !spec.services.is_empty() && profile == Profile::Prod {
            self.deploys_nothing(spec, env_name);
        }

        // A volume only other environments mount (a prod volume in place of dev's bind) is not
        // part of this one: no empty volume, PVC or unit for it here.
        let elsewhere_only = volumes_of_other_environments(spec, env_name, &present);
        let volumes: Vec<Volume> = spec
            .volumes
            .iter()
            .filter(|(k, _)| !elsewhere_only.contains(k.value.as_str()))
            .map(|(k, v)| Volume {
                name: k.clone(),
                dns_name: dns_name(&k.value),
                size: v.size.as_ref().and_then(|s| self.quantity(s)),
                storage_class: v.storage_class.clone(),
                access_mode: self.access_mode(v),
                owner: v.owner.as_ref().and_then(|o| self.volume_owner(o)),
            })
            .collect();

        let mut names = Names {
            services: present
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.value.clone(), ServiceId(i as u32)))
                .collect(),
            absent_services,
            optional_dependencies: optional_dependencies(spec),
            secrets: secrets
                .iter()
                .enumerate()
                .map(|(i, s)| (s.name.value.clone(), SecretId(i as u32)))
                .collect(),
            vars: variables
                .iter()
                .enumerate()
                .map(|(i, v)| (v.name.value.clone(), VarId(i as u32)))
                .collect(),
            volumes: volumes
                .iter()
                .enumerate()
                .map(|(i, v)| (v.name.value.clone(), VolumeId(i as u32)))
                .collect(),
            absent_volumes: elsewhere_only.iter().map(|v| v.to_string()).collect(),
            networks: networks
                .iter()
                .enumerate()
                .map(|(i, n)| (n.name.value.clone(), NetworkId(i as u32)))
                .collect(),
            ports: Vec::new(),
            var_fixed: variables
                .iter()
                .map(|v| {
                    (
                        v.name.value.clone(),
                        v.fixed_value().map(str::to_string),
                        v.from_env.is_some(),
                    )
                })
                .collect(),
            var_values: variables.iter().map(|v| v.value.clone()).collect(),
        };

        // Overlays must name existing services.
        let overlays: HashMap<&str, &ServiceOverlaySpec> = match env_spec {
            Some(e) => {
                for k in e.services.keys() {
                    if !spec.services.contains_key(k.value.as_str()) {
                        let help = hint(
                            &k.value,
                            spec.services.keys(),
                            "overlays can only change services declared under `services:`",
                        );
                        self.err(
                            ErrorCode::UnknownService,
                            format!("unknown service `{}` in environment `{env_name}`", k.value),
                            k.span,
                            "not a service",
                            help,
                        );
                    }
                }
                e.services
                    .iter()
                    .map(|(k, v)| (k.value.as_str(), v))
                    .collect()
            }
            None => HashMap::new(),
        };

        // Ports first: `${services.X.port}` needs every service's ports.
        names.ports = present
            .iter()
            .map(|(k, s)| {
                let overlay = overlays.get(k.value.as_str());
                // An overlay port replaces the base port with the same number and protocol.
                let mut all: Vec<&Sp<PortSpec>> = s.ports.iter().collect();
                for p in overlay.into_iter().flat_map(|o| o.ports.iter()) {
                    match all.iter().position(|b| b.value.key() == p.value.key()) {
                        Some(i) => all[i] = p,
                        None => all.push(p),
                    }
                }
                self.ports(k, all.into_iter())
            })
            .collect();
        self.check_host_ports(&present, &names.ports);

        let services: Vec<Service> = present
            .iter()
            .enumerate()
            .map(|(i, (k, s))| {
                self.service(k, s, overlays.get(k.value.as_str()).copied(), &names, i)
            })
            .collect();
        self.check_cycles(&services);
        let mut volumes = volumes;
        deploy::infer_volume_owners(&mut volumes, &services);

        let targets = self.targets(spec.targets.as_ref(), &spec.stack.value, &names);
        let suppressions = self.suppressions(spec.lint.as_ref());
        Some(Stack {
            file: self.f.clone(),
            name: spec.stack.clone(),
            env: env_name.to_string(),
            profile,
            services,
            secrets,
            variables,
            volumes,
            networks,
            targets,
            suppressions,
        })
    }

    /// `STK058`: a production environment in which no service exists (every one is `only_in`
    /// other environments, as an imported compose file whose services all have a profile):
    /// a build would write nothing to deploy.
    fn deploys_nothing(&mut self, spec: &StackSpec, env: &str) {
        let mut others: Vec<&str> = Vec::new();
        for s in spec.services.values() {
            for e in &s.only_in {
                if !others.contains(&e.value.as_str()) {
                    others.push(&e.value);
                }
            }
        }
        let span = spec
            .environments
            .keys()
            .find(|k| k.value == env)
            .map(|k| k.span)
            .or_else(|| {
                spec.services
                    .values()
                    .find_map(|s| s.only_in.first().map(|e| e.span))
            })
            .unwrap_or(Span::DUMMY);
        let list = others
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ");
        self.err(
            ErrorCode::EmptyEnvironment,
            format!("environment `{env}` deploys no service"),
            span,
            "every service is `only_in` other environments",
            format!("choose what `{env}` deploys: add `{env}` to the `only_in` of its services (they are in {list}), or build one of those with `--env NAME`"),
        );
    }

    fn environment<'s>(&mut self, spec: &'s StackSpec, env: &str) -> Option<&'s EnvironmentSpec> {
        if let Some(e) = spec.environments.get(env) {
            return Some(e);
        }
        // `dev`, the default, always exists: without a declared overlay it is the base spec.
        if env == "dev" {
            return None;
        }
        if !spec.environments.is_empty() || !matches!(env, "dev" | "prod") {
            let names: Vec<&str> = spec.environments.keys().map(|k| k.value.as_str()).collect();
            let mut d = Diagnostic::error(
                ErrorCode::UnknownEnvironment,
                format!("unknown environment `{env}`"),
            );
            let span = spec
                .environments
                .keys()
                .next()
                .map(|k| k.span)
                .unwrap_or(spec.stack.span);
            d = d.at(&self.f, span, "environments are declared here");
            d = d.help(match did_you_mean(env, names.iter().copied()) {
                Some(s) => format!("did you mean `--env {s}`?"),
                None if names.is_empty() => {
                    "declare it under `environments:`, or use `--env dev` or `--env prod`"
                        .to_string()
                }
                None => format!("declared environments: {}", names.join(", ")),
            });
            self.d.push(d);
        }
        None
    }

    fn suppressions(&mut self, l: Option<&LintSpec>) -> Vec<Suppression> {
        let Some(l) = l else { return Vec::new() };
        l.ignore
            .iter()
            .filter_map(|(rule, reason)| {
                if reason.value.trim().is_empty() {
                    self.err(ErrorCode::SuppressionWithoutReason, format!("suppression of `{}` has no reason", rule.value), reason.span, "empty reason", "say why the finding does not apply, e.g. `dev-only admin port, tracked in OPS-12`");
                    return None;
                }
                Some(Suppression { rule: rule.clone(), reason: reason.clone() })
            })
            .collect()
    }

    fn duration(&mut self, s: &Sp<String>) -> Option<Duration> {
        match parse_duration(&s.value) {
            Some(d) => Some(d),
            None => {
                self.err(
                    ErrorCode::InvalidValue,
                    format!("invalid duration `{}`", s.value.escape_debug()),
                    s.span,
                    "not a duration",
                    "write e.g. `10s`, `1m30s`, `500ms`",
                );
                None
            }
        }
    }

    fn quantity(&mut self, s: &Sp<String>) -> Option<Quantity> {
        match parse_quantity(&s.value) {
            Some(bytes) => Some(Quantity {
                bytes,
                text: s.value.clone(),
                span: s.span,
            }),
            None => {
                self.err(
                    ErrorCode::InvalidValue,
                    format!("invalid quantity `{}`", s.value.escape_debug()),
                    s.span,
                    "not a size",
                    "write e.g. `512Mi`, `1Gi`, `20Gi`",
                );
                None
            }
        }
    }
}

/// The (service, dependency) pairs that compose-only `depends_on` entries mark
/// `required: false` (`stackc import` keeps compose's optional dependencies there).
fn optional_dependencies(spec: &StackSpec) -> HashSet<(String, String)> {
    let Some(c) = spec.targets.as_ref().and_then(|t| t.compose.as_ref()) else {
        return HashSet::new();
    };
    let mut out = HashSet::new();
    for (svc, fields) in &c.services {
        let Some(serde_json::Value::Object(deps)) = fields.get("depends_on") else {
            continue;
        };
        for (dep, entry) in deps {
            if entry.get("required") == Some(&serde_json::Value::Bool(false)) {
                out.insert((svc.value.clone(), dep.clone()));
            }
        }
    }
    out
}

/// Service fields the compose backend writes itself: `targets.compose.services` cannot set
/// them. (`build`, `deploy` and `healthcheck` can be given: their fields are added to what
/// stackc writes; `ports`, `volumes` and `configs` entries are appended to stackc's (a
/// `volumes` entry at a path the spec mounts takes that mount's place), `tmpfs` says the
/// spec's tmpfs mounts at its paths in compose's short form, `networks` gives options to
/// the networks the service joins, `expose` as written replaces the internal ports a fidelity
/// build lists, `depends_on` gives the compose condition of dependencies the spec lists, and
/// `environment` names variables of the service's `env` that compose passes through as `KEY`
/// alone, and `profiles` (the compose file's, of a service the project's env file activates)
/// is written by fidelity builds only.)
pub const COMPOSE_WRITTEN_FIELDS: &[&str] = &[
    "image",
    "command",
    "entrypoint",
    "env_file",
    "working_dir",
    "user",
    "labels",
    "restart",
    "read_only",
    "cap_add",
    "cap_drop",
    "security_opt",
    "privileged",
    "extends",
];

/// Whether `s` is a valid environment variable name: letters, digits, `_`, `.` and `-`,
/// starting with a letter or `_`.
pub fn is_env_key(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | '-'))
}

fn hint<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a Sp<String>>,
    fallback: &str,
) -> String {
    let c: Vec<&str> = candidates.map(|s| s.value.as_str()).collect();
    match did_you_mean(word, c.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => fallback.to_string(),
    }
}

fn hint_str<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a String>,
    fallback: &str,
) -> String {
    let mut c: Vec<&str> = candidates.map(|s| s.as_str()).collect();
    c.sort();
    match did_you_mean(word, c.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => fallback.to_string(),
    }
}

#[cfg(test)]
mod words_tests;

/// The volume a mount names, if it is a named volume (`name:/path`, `volume: name`).
fn volume_of(m: &MountSpec) -> Option<&str> {
    match m {
        MountSpec::Long(l) => l.volume.as_ref().map(|v| v.value.as_str()),
        MountSpec::Short(s) => {
            let (source, _) = s.value.split_once(':')?;
            let path = source.starts_with(['.', '/', '~', '$']) || source.is_empty();
            (!path).then_some(source)
        }
    }
}

/// The declared volumes that no service of `env` mounts (`present`, with `env`'s overlays) but
/// another environment's does: a volume of theirs only.
fn volumes_of_other_environments<'s>(
    spec: &'s StackSpec,
    env: &str,
    present: &[(&Sp<String>, &ServiceSpec)],
) -> HashSet<&'s str> {
    let mut here: HashSet<&str> = HashSet::new();
    let mut elsewhere: HashSet<&str> = HashSet::new();
    for (name, svc) in &spec.services {
        let runs_here = present.iter().any(|(k, _)| k.value == name.value);
        let set = if runs_here { &mut here } else { &mut elsewhere };
        set.extend(svc.volumes.iter().filter_map(|m| volume_of(&m.value)));
    }
    for (env_name, e) in &spec.environments {
        for (svc, o) in &e.services {
            let runs_here = present.iter().any(|(k, _)| k.value == svc.value);
            let set = if env_name.value == env && runs_here {
                &mut here
            } else {
                &mut elsewhere
            };
            set.extend(o.volumes.iter().filter_map(|m| volume_of(&m.value)));
        }
    }
    spec.volumes
        .keys()
        .map(|k| k.value.as_str())
        .filter(|v| !here.contains(v) && elsewhere.contains(v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_name("neo4j_setup"));
        assert!(!is_name("Neo4j"));
        assert!(!is_name("../etc"));
        assert!(!is_name("a/b"));
        assert!(!is_name("web-"));
        assert_eq!(dns_name("neo4j_setup"), "neo4j-setup");
    }
}
