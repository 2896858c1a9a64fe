//! Resolution: spec + environment name → IR. Names become ids, the environment overlay is
//! applied, values are typed, defaults filled. Every problem is reported, all at once.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;

use crate::diag::{Diagnostic, Diagnostics, SourceFile, Span, did_you_mean};
use crate::ir::*;
use crate::syntax::Sp;
use crate::syntax::forms::{CommandSpec, DependsOnSpec, MountLong, MountSpec, PortSpec};
use crate::syntax::spec::*;

/// Default image of the Kubernetes init containers that wait for dependencies.
pub const DEFAULT_WAIT_IMAGE: &str = "busybox:1.37.0";

mod deploy;

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
    secrets: HashMap<String, SecretId>,
    vars: HashMap<String, VarId>,
    volumes: HashMap<String, VolumeId>,
    networks: HashMap<String, NetworkId>,
    /// Ports of each service, for `${services.X.port}`.
    ports: Vec<Vec<Port>>,
    /// Each variable's name and the value every target can write as is (see
    /// [`Variable::fixed_value`]), by id: images are resolved with them.
    /// Whether each has a deploy-time source (`from_env`).
    var_fixed: Vec<(String, Option<String>, bool)>,
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
        code: &'static str,
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

    /// One of a fixed set of words: the matching value, `default` when absent, and an `STK025`
    /// error (with a "did you mean") for anything else.
    fn keyword<T: Copy>(
        &mut self,
        word: Option<&Sp<String>>,
        what: &str,
        choices: &[(&str, T)],
        default: T,
    ) -> T {
        let Some(w) = word else { return default };
        if let Some((_, v)) = choices.iter().find(|(name, _)| *name == w.value) {
            return *v;
        }
        let names: Vec<String> = choices.iter().map(|(n, _)| format!("`{n}`")).collect();
        let help = match did_you_mean(&w.value, choices.iter().map(|(n, _)| *n)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("use one of {}", names.join(", ")),
        };
        self.err(
            "STK025",
            format!("unknown {what} `{}`", w.value.escape_debug()),
            w.span,
            format!("not a {what}"),
            help,
        );
        default
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
            "STK021",
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
                    "STK022",
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
                "STK025",
                format!("unsupported spec version `{}`", v.value),
                v.span,
                "only version 1 exists",
                "write `version: 1` or leave it out",
            );
        }
        if !is_name(&spec.stack.value) || spec.stack.value.contains('_') {
            self.err(
                "STK021",
                format!("invalid stack name `{}`", spec.stack.value.escape_debug()),
                spec.stack.span,
                "becomes the compose project and Kubernetes namespace",
                "use lowercase letters, digits and `-`, starting with a letter, at most 63 characters",
            );
        }

        // Environment.
        let env_spec = self.environment(spec, env_name);
        let profile = match env_spec.and_then(|e| e.profile.as_ref()) {
            Some(p) => match p.value.as_str() {
                "dev" => Profile::Dev,
                "prod" => Profile::Prod,
                other => {
                    self.err(
                        "STK025",
                        format!("unknown profile `{other}`"),
                        p.span,
                        "expected `dev` or `prod`",
                        "set `profile: dev` or `profile: prod`",
                    );
                    Profile::Dev
                }
            },
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
                            "STK021",
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
                        "STK022",
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
                        "STK026",
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
                        "STK014",
                        format!("unknown variable `{}`", k.value),
                        k.span,
                        "not declared",
                        help,
                    );
                }
            }
        }
        let volumes: Vec<Volume> = spec
            .volumes
            .iter()
            .map(|(k, v)| Volume {
                name: k.clone(),
                dns_name: dns_name(&k.value),
                size: v.size.as_ref().and_then(|s| self.quantity(s)),
                owner: v.owner.as_ref().and_then(|o| self.volume_owner(o)),
            })
            .collect();
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
                        "STK015",
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

        let mut names = Names {
            services: present
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.value.clone(), ServiceId(i as u32)))
                .collect(),
            absent_services,
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
                            "STK010",
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
            let mut d = Diagnostic::error("STK015", format!("unknown environment `{env}`"));
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

    fn secret(&mut self, name: &Sp<String>, s: &SecretSpec) -> Secret {
        let mut sources = Vec::new();
        if let Some(g) = &s.generate {
            let length = g.length.as_ref().map(|l| l.value).unwrap_or(32);
            if let Some(l) = &g.length
                && !(8..=4096).contains(&l.value)
            {
                self.err(
                    "STK025",
                    format!("secret length {} is out of range", l.value),
                    l.span,
                    "between 8 and 4096",
                    "use a length of at least 16 for passwords",
                );
            }
            let alphabet = match g.alphabet.as_ref().map(|a| a.value.as_str()) {
                None | Some("alnum") => Alphabet::Alnum,
                Some("hex") => Alphabet::Hex,
                Some("base64url") => Alphabet::Base64Url,
                Some(other) => {
                    let sp = g.alphabet.as_ref().map(|a| a.span).unwrap_or(name.span);
                    self.err(
                        "STK025",
                        format!("unknown alphabet `{other}`"),
                        sp,
                        "not an alphabet",
                        "use `alnum`, `hex` or `base64url`",
                    );
                    Alphabet::Alnum
                }
            };
            sources.push(SecretSource::Generate { length, alphabet });
        }
        if let Some(v) = &s.from_env {
            if !is_env_key(&v.value) {
                self.err(
                    "STK021",
                    format!("invalid variable name `{}`", v.value.escape_debug()),
                    v.span,
                    "not a variable name",
                    "use letters, digits and `_`",
                );
            }
            sources.push(SecretSource::FromEnv(v.value.clone()));
        }
        if let Some(v) = &s.file {
            self.relative_path(v, "secret file");
            sources.push(SecretSource::File(v.value.clone()));
        }
        if let Some(v) = &s.external {
            sources.push(SecretSource::External(v.value.clone()));
        }
        if sources.len() != 1 {
            self.err(
                "STK026",
                format!(
                    "secret `{}` needs exactly one source, found {}",
                    name.value,
                    sources.len()
                ),
                name.span,
                "declared here",
                "set one of `generate`, `from_env`, `file`, `external`",
            );
        }
        let env_name = match &s.env_name {
            Some(e) => {
                if !is_env_key(&e.value) {
                    self.err(
                        "STK021",
                        format!("invalid variable name `{}`", e.value.escape_debug()),
                        e.span,
                        "not a variable name",
                        "use letters, digits and `_`",
                    );
                }
                e.value.clone()
            }
            None => name.value.to_uppercase().replace('-', "_"),
        };
        Secret {
            name: name.clone(),
            env_name,
            dns_name: dns_name(&name.value),
            source: sources
                .into_iter()
                .next()
                .unwrap_or(SecretSource::External(String::new())),
            optional: s.optional.as_ref().is_some_and(|o| o.value),
        }
    }

    fn ports<'a>(
        &mut self,
        svc: &Sp<String>,
        ports: impl Iterator<Item = &'a Sp<PortSpec>>,
    ) -> Vec<Port> {
        let mut out: Vec<Port> = Vec::new();
        for p in ports {
            let (num, expose, host, proto, name, host_ip) = match &p.value {
                PortSpec::Short(n) => (Sp::new(n.value, p.span), None, None, None, None, None),
                PortSpec::Long(l) => (
                    l.port,
                    l.expose.as_ref(),
                    l.host_port.as_ref(),
                    l.protocol.as_ref(),
                    l.name.as_ref(),
                    l.host_ip.as_ref(),
                ),
            };
            let Some(port) = self.port_number(&num) else {
                continue;
            };
            let exposure = match expose.map(|e| e.value.as_str()) {
                None | Some("internal") => Exposure::Internal,
                Some("loopback") => Exposure::Loopback,
                Some("public") => Exposure::Public,
                Some(other) => {
                    let help = hint(
                        other,
                        ["internal", "loopback", "public"]
                            .iter()
                            .map(|s| Sp::new(s.to_string(), Span::DUMMY))
                            .collect::<Vec<_>>()
                            .iter(),
                        "use `internal`, `loopback` or `public`",
                    );
                    self.err(
                        "STK025",
                        format!("unknown exposure `{other}`"),
                        expose.unwrap().span,
                        "not an exposure level",
                        help,
                    );
                    Exposure::Internal
                }
            };
            let host_port = match host {
                // 0: the runtime picks a free host port.
                Some(h) if h.value == 0 => 0,
                Some(h) => match self.port_number(h) {
                    Some(h) => h,
                    None => continue,
                },
                None => port,
            };
            if let Some(ip) = host_ip {
                let bare = ip.value.trim_start_matches('[').trim_end_matches(']');
                if exposure == Exposure::Internal {
                    self.err(
                        "STK025",
                        format!("`host_ip` on internal port {port}"),
                        ip.span,
                        "an internal port is not published",
                        "set `expose: public` or `expose: loopback`, or remove `host_ip`",
                    );
                } else if bare.parse::<std::net::IpAddr>().is_err() {
                    self.err(
                        "STK025",
                        format!("invalid host address `{}`", ip.value.escape_debug()),
                        ip.span,
                        "not an IP address",
                        "write an IPv4 or IPv6 address, e.g. `127.0.0.1` or `::1`",
                    );
                }
            }
            let protocol = match proto.map(|p| p.value.as_str()) {
                None | Some("tcp") => Protocol::Tcp,
                Some("udp") => Protocol::Udp,
                Some(other) => {
                    self.err(
                        "STK025",
                        format!("unknown protocol `{other}`"),
                        proto.unwrap().span,
                        "not a protocol",
                        "use `tcp` or `udp`",
                    );
                    Protocol::Tcp
                }
            };
            let name_sp = name.map(|n| n.span);
            let name = match name {
                Some(n) => {
                    let ok = n.value.len() <= 15
                        && n.value
                            .bytes()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                        && n.value.bytes().any(|c| c.is_ascii_lowercase())
                        && !n.value.starts_with('-')
                        && !n.value.ends_with('-');
                    if !ok {
                        self.err("STK021", format!("invalid port name `{}`", n.value.escape_debug()), n.span, "becomes a Kubernetes port name", "use at most 15 lowercase letters, digits and `-`, with at least one letter");
                    }
                    n.value.clone()
                }
                None => format!("{}-{port}", protocol.as_str()),
            };
            if let Some(first) = out
                .iter()
                .find(|o| o.port == port && o.protocol == protocol)
            {
                let d = Diagnostic::error(
                    "STK023",
                    format!("port {port} is declared twice in service `{}`", svc.value),
                )
                .at(&self.f, p.span, "declared again")
                .also(&self.f, first.span, "first declared here")
                .help("remove one of them");
                self.d.push(d);
                continue;
            }
            if let Some(first) = out.iter().find(|o| o.name == name) {
                let d = Diagnostic::error(
                    "STK023",
                    format!(
                        "port name `{name}` is used twice in service `{}`",
                        svc.value
                    ),
                )
                .at(&self.f, p.span, "used again")
                .also(&self.f, first.span, "first used here")
                .help("give each port its own `name`");
                self.d.push(d);
                continue;
            }
            out.push(Port {
                span: p.span,
                port,
                exposure,
                exposure_span: expose.map(|e| e.span),
                host_port,
                protocol,
                name,
                name_span: name_sp,
                bind_address: host_ip.map(|ip| {
                    Sp::new(
                        ip.value
                            .trim_start_matches('[')
                            .trim_end_matches(']')
                            .to_string(),
                        ip.span,
                    )
                }),
            });
        }
        out
    }

    fn port_number(&mut self, n: &Sp<u32>) -> Option<u16> {
        match u16::try_from(n.value) {
            Ok(p) if p > 0 => Some(p),
            _ => {
                self.err(
                    "STK024",
                    format!("port {} is out of range", n.value),
                    n.span,
                    "not a port",
                    "ports are between 1 and 65535",
                );
                None
            }
        }
    }

    fn check_host_ports(&mut self, present: &[(&Sp<String>, &ServiceSpec)], ports: &[Vec<Port>]) {
        let mut seen: HashMap<(u16, Protocol, Option<&str>), (&str, Span)> = HashMap::new();
        for ((svc, _), ports) in present.iter().zip(ports) {
            for p in ports
                .iter()
                .filter(|p| p.is_published() && p.host_port != 0)
            {
                let addr = p.bind_address.as_ref().map(|a| a.value.as_str());
                match seen.get(&(p.host_port, p.protocol, addr)) {
                    Some((first_svc, first)) => {
                        let d = Diagnostic::error(
                            "STK023",
                            format!(
                                "host port {}/{} is published by both `{first_svc}` and `{}`",
                                p.host_port,
                                p.protocol.as_str(),
                                svc.value
                            ),
                        )
                        .at(&self.f, p.span, "published again")
                        .also(&self.f, *first, "first published here")
                        .help("set a different `host_port` on one of them, or keep one `internal`");
                        self.d.push(d);
                    }
                    None => {
                        seen.insert(
                            (p.host_port, p.protocol, addr),
                            (svc.value.as_str(), p.span),
                        );
                    }
                }
            }
        }
    }

    fn service(
        &mut self,
        key: &Sp<String>,
        s: &ServiceSpec,
        o: Option<&ServiceOverlaySpec>,
        names: &Names,
        index: usize,
    ) -> Service {
        let kind = self.keyword(
            s.kind.as_ref(),
            "workload kind",
            &[
                ("service", WorkloadKind::Service),
                ("job", WorkloadKind::Job),
            ],
            WorkloadKind::Service,
        );
        let role_database = match &s.role {
            Some(r) if r.value == "database" => Some(r.span),
            Some(r) => {
                self.err(
                    "STK025",
                    format!("unknown role `{}`", r.value),
                    r.span,
                    "not a role",
                    "the only role is `database`",
                );
                None
            }
            None => None,
        };
        let restart_sp = o.and_then(|o| o.restart.as_ref()).or(s.restart.as_ref());
        let restart = Restart {
            policy: self.keyword(
                restart_sp,
                "restart policy",
                &[
                    ("always", RestartPolicy::Always),
                    ("unless-stopped", RestartPolicy::UnlessStopped),
                    ("on-failure", RestartPolicy::OnFailure),
                    ("no", RestartPolicy::No),
                ],
                if kind == WorkloadKind::Job {
                    RestartPolicy::No
                } else {
                    RestartPolicy::UnlessStopped
                },
            ),
            span: restart_sp.map(|r| r.span),
        };
        let replicas_sp = o.and_then(|o| o.replicas.as_ref()).or(s.replicas.as_ref());
        let image = o.and_then(|o| o.image.clone()).or_else(|| s.image.clone());
        let (image, image_template) = match image {
            Some(i) => {
                let (text, template) = self.image_text(&i, names);
                (Some(text), template)
            }
            None => (None, None),
        };
        if let Some(img) = &image
            && (img.value.trim().is_empty()
                || img
                    .value
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control()))
        {
            self.err(
                "STK025",
                format!("invalid image reference `{}`", img.value.escape_debug()),
                img.span,
                "not an image reference",
                "write `name:tag` or `name@sha256:DIGEST`",
            );
        }
        let command_sp = o.and_then(|o| o.command.as_ref()).or(s.command.as_ref());
        let command = command_sp.map(|c| self.command(c, names));
        let entrypoint = s.entrypoint.as_ref().map(|c| self.command(c, names));

        let mut env_map: IndexMap<&str, (&Sp<String>, &Sp<String>)> = IndexMap::new();
        for (k, v) in s.env.iter().chain(o.into_iter().flat_map(|o| o.env.iter())) {
            env_map.insert(k.value.as_str(), (k, v));
        }
        let mut env = Vec::new();
        for (k, v) in env_map.values() {
            if !is_env_key(&k.value) {
                self.err(
                    "STK021",
                    format!(
                        "invalid environment variable name `{}`",
                        k.value.escape_debug()
                    ),
                    k.span,
                    "not a variable name",
                    "use letters, digits, `_`, `.` and `-`, starting with a letter or `_`",
                );
            }
            env.push(EnvVar {
                key: (*k).clone(),
                value: self.value(v, names),
            });
        }
        let env_files = s
            .env_file
            .iter()
            .filter_map(|p| {
                if p.value.starts_with('/') {
                    self.err(
                        "STK037",
                        format!("env file `{}` is outside the project", p.value),
                        p.span,
                        "absolute path",
                        "give a path relative to the spec's directory",
                    );
                    return None;
                }
                let path = self.relative_path(p, "env file")?;
                Some(Sp::new(path, p.span))
            })
            .collect();
        let mut labels_map: IndexMap<&str, (&Sp<String>, &Sp<String>)> = IndexMap::new();
        for (k, v) in s
            .labels
            .iter()
            .chain(o.into_iter().flat_map(|o| o.labels.iter()))
        {
            labels_map.insert(k.value.as_str(), (k, v));
        }
        let labels = labels_map
            .values()
            .map(|(k, v)| ((*k).clone(), (*v).clone()))
            .collect();

        let resources_spec = o
            .and_then(|o| o.resources.as_ref())
            .or(s.resources.as_ref());
        let resources = resources_spec
            .map(|r| self.resources(r))
            .unwrap_or_default();
        let security = self.security(s.security.as_ref());

        let mut mounts = Vec::new();
        for m in &s.volumes {
            if let Some(m) = self.mount(m, names, false) {
                mounts.push(m);
            }
        }
        for m in o.into_iter().flat_map(|o| o.volumes.iter()) {
            if let Some(m) = self.mount(m, names, true) {
                mounts.push(m);
            }
        }
        let mut targets: HashMap<&str, Span> = HashMap::new();
        for m in &mounts {
            if let Some(first) = targets.insert(m.target.value.as_str(), m.span) {
                let d = Diagnostic::error(
                    "STK038",
                    format!(
                        "two mounts at `{}` in service `{}`",
                        m.target.value, key.value
                    ),
                )
                .at(&self.f, m.span, "mounted again")
                .also(&self.f, first, "first mounted here")
                .help("each container path can hold one mount");
                self.d.push(d);
            }
        }

        let health = s.health.as_ref().map(|h| self.health(h, names));
        let depends_on = s
            .depends_on
            .as_ref()
            .map(|d| self.depends_on(key, d, names))
            .unwrap_or_default();
        let mut networks = Vec::new();
        for n in &s.networks {
            match names.networks.get(&n.value) {
                Some(id) => networks.push((*id, n.span)),
                None => {
                    let help = hint(
                        &n.value,
                        names
                            .networks
                            .keys()
                            .map(|k| Sp::new(k.clone(), Span::DUMMY))
                            .collect::<Vec<_>>()
                            .iter(),
                        "declare it under top-level `networks:`",
                    );
                    self.err(
                        "STK012",
                        format!("unknown network `{}`", n.value),
                        n.span,
                        "not declared",
                        help,
                    );
                }
            }
        }
        let build = s.build.as_ref().map(|b| self.build(b, names));
        Service {
            name: key.clone(),
            dns_name: dns_name(&key.value),
            kind,
            kind_span: s.kind.as_ref().map(|k| k.span),
            role_database,
            image,
            image_template,
            build,
            command,
            entrypoint,
            env,
            env_files,
            workdir: s.workdir.clone(),
            user: s.user.clone(),
            labels,
            restart,
            replicas: replicas_sp.map(|r| r.value).unwrap_or(1),
            replicas_span: replicas_sp.map(|r| r.span),
            resources,
            security,
            ports: names.ports[index].clone(),
            mounts,
            health,
            depends_on,
            networks,
            suppressions: self.suppressions(s.lint.as_ref()),
        }
    }

    fn command(&mut self, c: &Sp<CommandSpec>, names: &Names) -> Command {
        match &c.value {
            CommandSpec::Shell(s) => {
                let s = Sp::new(s.value.clone(), c.span);
                Command {
                    span: c.span,
                    shell: true,
                    args: vec![self.value(&s, names)],
                }
            }
            CommandSpec::Exec(args) => {
                if args.is_empty() {
                    self.err(
                        "STK025",
                        "empty command",
                        c.span,
                        "no arguments",
                        "give at least the program to run, or leave the field out",
                    );
                }
                Command {
                    span: c.span,
                    shell: false,
                    args: args.iter().map(|a| self.value(a, names)).collect(),
                }
            }
        }
    }

    /// Parses `${...}` references in a scalar.
    fn value(&mut self, s: &Sp<String>, names: &Names) -> Value {
        let text = &s.value;
        // Offset of the text inside the span (skip an opening quote).
        let raw = self.f.slice(s.span);
        let base = s.span.start + u32::from(raw.starts_with('"') || raw.starts_with('\''));
        let mut segments: Vec<Segment> = Vec::new();
        let mut lit = String::new();
        let mut rest = text.as_str();
        let mut pos = 0usize;
        while let Some(i) = rest.find('$') {
            lit.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                lit.push('$');
                rest = tail;
                pos += i + 2;
                continue;
            }
            if !after.starts_with('{') {
                lit.push('$');
                rest = after;
                pos += i + 1;
                continue;
            }
            let start = pos + i;
            let Some(close) = after.find('}') else {
                let sp = Span::new(base + start as u32, s.span.end);
                self.err(
                    "STK027",
                    "unclosed `${` in value",
                    sp,
                    "no closing `}`",
                    "close the reference with `}`, or write `$${` for a literal `${`",
                );
                lit.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let inner = &after[1..close];
            let sp = Span::new(base + start as u32, base + (start + close + 2) as u32);
            match self.reference(inner, sp, names) {
                Some(seg) => {
                    if !lit.is_empty() {
                        segments.push(Segment::Literal(std::mem::take(&mut lit)));
                    }
                    segments.push(seg);
                }
                None => lit.push_str(&rest[i..i + close + 2]),
            }
            rest = &after[close + 1..];
            pos = start + close + 2;
        }
        lit.push_str(rest);
        if !lit.is_empty() || segments.is_empty() {
            segments.push(Segment::Literal(lit));
        }
        Value {
            span: s.span,
            segments,
        }
    }

    fn reference(&mut self, inner: &str, sp: Span, names: &Names) -> Option<Segment> {
        let parts: Vec<&str> = inner.trim().split('.').collect();
        match parts.as_slice() {
            ["secrets", name] => match names.secrets.get(*name) {
                Some(id) => Some(Segment::Secret(*id)),
                None => {
                    let help = hint_str(
                        name,
                        names.secrets.keys(),
                        "declare it under top-level `secrets:`",
                    );
                    self.err(
                        "STK013",
                        format!("unknown secret `{name}`"),
                        sp,
                        "not declared",
                        help,
                    );
                    None
                }
            },
            ["vars", name] => match names.vars.get(*name) {
                Some(id) => Some(Segment::Var(*id)),
                None => {
                    let help = hint_str(
                        name,
                        names.vars.keys(),
                        "declare it under top-level `variables:`",
                    );
                    self.err(
                        "STK014",
                        format!("unknown variable `{name}`"),
                        sp,
                        "not declared",
                        help,
                    );
                    None
                }
            },
            ["services", svc, rest @ ..] => {
                let id = self.service_ref(svc, sp, names)?;
                let ports = &names.ports[id.index()];
                match rest {
                    ["host"] => Some(Segment::ServiceHost(id)),
                    ["port"] => {
                        if ports.is_empty() {
                            self.err(
                                "STK014",
                                format!("service `{svc}` declares no port"),
                                sp,
                                "no port to refer to",
                                format!("add `ports:` to `{svc}`"),
                            );
                            None
                        } else {
                            Some(Segment::ServicePort(id, 0))
                        }
                    }
                    ["ports", pname] => match ports.iter().position(|p| p.name == *pname) {
                        Some(i) => Some(Segment::ServicePort(id, i)),
                        None => {
                            let known: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
                            let help = match did_you_mean(pname, known.iter().copied()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!("ports of `{svc}`: {}", known.join(", ")),
                            };
                            self.err(
                                "STK014",
                                format!("service `{svc}` has no port named `{pname}`"),
                                sp,
                                "unknown port",
                                help,
                            );
                            None
                        }
                    },
                    _ => self.unknown_reference(inner, sp),
                }
            }
            _ => self.unknown_reference(inner, sp),
        }
    }

    /// `${...}` that names nothing stackc knows: an STK027 error listing the forms.
    fn unknown_reference(&mut self, inner: &str, sp: Span) -> Option<Segment> {
        self.err(
            "STK027",
            format!("unknown reference `${{{inner}}}`"),
            sp,
            "not a reference",
            "references are `${secrets.NAME}`, `${vars.NAME}`, `${services.NAME.host}`, `${services.NAME.port}` and `${services.NAME.ports.PORT_NAME}`; write `$${` for a literal `${`",
        );
        None
    }

    fn service_ref(&mut self, name: &str, sp: Span, names: &Names) -> Option<ServiceId> {
        if let Some(id) = names.services.get(name) {
            return Some(*id);
        }
        if let Some(envs) = names.absent_services.get(name) {
            self.err(
                "STK010",
                format!("service `{name}` does not exist in this environment"),
                sp,
                "referenced here",
                format!("`{name}` is only in: {}; add this environment to its `only_in`, or drop the reference", envs.join(", ")),
            );
            return None;
        }
        let help = hint_str(name, names.services.keys(), "declare it under `services:`");
        self.err(
            "STK010",
            format!("unknown service `{name}`"),
            sp,
            "not a service",
            help,
        );
        None
    }

    fn depends_on(
        &mut self,
        key: &Sp<String>,
        d: &Sp<DependsOnSpec>,
        names: &Names,
    ) -> Vec<Dependency> {
        let entries: Vec<(&Sp<String>, Option<&Sp<String>>)> = match &d.value {
            DependsOnSpec::List(l) => l.iter().map(|n| (n, None)).collect(),
            DependsOnSpec::Map(m) => m.iter().map(|(n, c)| (n, Some(c))).collect(),
        };
        let mut out: Vec<Dependency> = Vec::new();
        for (name, cond) in entries {
            let condition = match cond.map(|c| c.value.as_str()) {
                None | Some("started") => Condition::Started,
                Some("healthy") => Condition::Healthy,
                Some("completed") => Condition::Completed,
                Some(other) => {
                    let other = other.to_string();
                    let hint = match other.as_str() {
                        "service_healthy" => "write `healthy`".to_string(),
                        "service_started" => "write `started`".to_string(),
                        "service_completed_successfully" => "write `completed`".to_string(),
                        _ => "use `started`, `healthy` or `completed`".to_string(),
                    };
                    self.err(
                        "STK025",
                        format!("unknown condition `{other}`"),
                        cond.unwrap().span,
                        "not a condition",
                        hint,
                    );
                    Condition::Started
                }
            };
            if name.value == key.value {
                self.err(
                    "STK020",
                    format!("service `{}` depends on itself", key.value),
                    name.span,
                    "self-dependency",
                    "remove it from its own `depends_on`",
                );
                continue;
            }
            let Some(id) = self.service_ref(&name.value, name.span, names) else {
                continue;
            };
            if let Some(first) = out.iter().find(|o| o.service == id) {
                let d = Diagnostic::error(
                    "STK003",
                    format!("`{}` is listed twice in `depends_on`", name.value),
                )
                .at(&self.f, name.span, "listed again")
                .also(&self.f, first.span, "first listed here")
                .help("keep one entry");
                self.d.push(d);
                continue;
            }
            out.push(Dependency {
                service: id,
                condition,
                span: cond
                    .map(|c| Span::new(name.span.start, c.span.end))
                    .unwrap_or(name.span),
            });
        }
        out
    }

    fn check_cycles(&mut self, services: &[Service]) {
        // Conditions that need the target's health/completion.
        for s in services {
            for d in &s.depends_on {
                let t = &services[d.service.index()];
                match d.condition {
                    Condition::Healthy if t.health.is_none() => {
                        let mut diag = Diagnostic::error(
                            "STK016",
                            format!(
                                "`{}` waits for `{}` to be healthy, but `{}` has no health check",
                                s.name.value, t.name.value, t.name.value
                            ),
                        )
                        .at(&self.f, d.span, "waits for health")
                        .also(&self.f, t.name.span, "no `health:` here")
                        .help(format!(
                            "add `health:` to `{}`, or wait for `started`",
                            t.name.value
                        ));
                        diag.severity = crate::diag::Severity::Error;
                        self.d.push(diag);
                    }
                    Condition::Completed if !t.is_job() => {
                        let d2 = Diagnostic::error("STK016", format!("`{}` waits for `{}` to complete, but `{}` is a long-running service", s.name.value, t.name.value, t.name.value))
                            .at(&self.f, d.span, "waits for completion")
                            .also(&self.f, t.name.span, "declared as a service")
                            .help(format!("mark `{}` with `kind: job`, or wait for `healthy` or `started`", t.name.value));
                        self.d.push(d2);
                    }
                    _ => {}
                }
            }
        }
        // Cycles: iterative DFS with colours; report each cycle once.
        let n = services.len();
        let mut colour = vec![0u8; n];
        let mut reported: HashSet<Vec<usize>> = HashSet::new();
        for root in 0..n {
            if colour[root] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            colour[root] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let deps = &services[node].depends_on;
                if *next < deps.len() {
                    let dep = deps[*next];
                    *next += 1;
                    let t = dep.service.index();
                    if colour[t] == 0 {
                        colour[t] = 1;
                        stack.push((t, 0));
                    } else if colour[t] == 1 {
                        let pos = stack.iter().position(|(s, _)| *s == t).unwrap_or(0);
                        let cycle: Vec<usize> = stack[pos..].iter().map(|(s, _)| *s).collect();
                        let mut key = cycle.clone();
                        key.sort();
                        if reported.insert(key) {
                            let mut chain: Vec<&str> = cycle
                                .iter()
                                .map(|i| services[*i].name.value.as_str())
                                .collect();
                            chain.push(&services[t].name.value);
                            let d = Diagnostic::error("STK020", format!("dependency cycle: {}", chain.join(" → ")))
                                .at(&self.f, dep.span, "closes the cycle")
                                .help("services cannot wait for each other in a circle: remove one of these `depends_on` entries");
                            self.d.push(d);
                        }
                    }
                } else {
                    colour[node] = 2;
                    stack.pop();
                }
            }
        }
    }

    fn resources(&mut self, r: &ResourcesSpec) -> Resources {
        let mut cpu = |c: &Option<Sp<f64>>| -> Option<Sp<f64>> {
            let c = c.as_ref()?;
            if !(c.value > 0.0 && c.value <= 1024.0 && c.value.is_finite()) {
                self.err(
                    "STK025",
                    format!("cpu amount {} is out of range", c.value),
                    c.span,
                    "not a cpu amount",
                    "give cores as a positive number, e.g. `0.5` or `2`",
                );
                return None;
            }
            Some(*c)
        };
        let cpus = cpu(&r.cpus);
        let request_cpus = cpu(&r.requests.as_ref().and_then(|q| q.cpus));
        Resources {
            cpus,
            memory: r.memory.as_ref().and_then(|m| self.quantity(m)),
            request_cpus,
            request_memory: r
                .requests
                .as_ref()
                .and_then(|q| q.memory.as_ref())
                .and_then(|m| self.quantity(m)),
        }
    }

    fn security(&mut self, s: Option<&SecuritySpec>) -> Security {
        let Some(s) = s else {
            return Security {
                read_only: None,
                cap_add: Vec::new(),
                cap_drop: vec![Sp::new("ALL".to_string(), Span::DUMMY)],
                cap_drop_span: None,
                no_new_privileges: Sp::new(true, Span::DUMMY),
                privileged: None,
                host_namespaces: Vec::new(),
                security_opt: Vec::new(),
                runtime_defaults: None,
            };
        };
        let runtime_defaults = match &s.defaults {
            None => None,
            Some(d) if d.value == "hardened" => None,
            Some(d) if d.value == "runtime" => Some(d.span),
            Some(d) => {
                self.err(
                    "STK025",
                    format!("unknown security defaults `{}`", d.value),
                    d.span,
                    "not a set of defaults",
                    "use `hardened` (stackc's) or `runtime` (the container runtime's)",
                );
                None
            }
        };
        // Defaults that apply to what is left out, and where they were chosen.
        let (default_drop, default_nnp) = match runtime_defaults {
            Some(at) => (Vec::new(), Sp::new(false, at)),
            None => (
                vec![Sp::new("ALL".to_string(), Span::DUMMY)],
                Sp::new(true, Span::DUMMY),
            ),
        };
        let norm = |v: &Vec<Sp<String>>| -> Vec<Sp<String>> {
            v.iter()
                .map(|c| {
                    Sp::new(
                        c.value
                            .to_uppercase()
                            .trim_start_matches("CAP_")
                            .to_string(),
                        c.span,
                    )
                })
                .collect()
        };
        for c in s.cap_add.iter().chain(s.cap_drop.iter().flatten()) {
            if c.value.is_empty()
                || !c
                    .value
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                self.err(
                    "STK025",
                    format!("invalid capability `{}`", c.value.escape_debug()),
                    c.span,
                    "not a capability",
                    "write capability names like `NET_BIND_SERVICE`",
                );
            }
        }
        for n in &s.host_namespaces {
            if !matches!(n.value.as_str(), "pid" | "ipc" | "network" | "uts") {
                self.err(
                    "STK025",
                    format!("unknown namespace `{}`", n.value),
                    n.span,
                    "not a namespace",
                    "use `pid`, `ipc`, `network` or `uts`",
                );
            }
        }
        Security {
            read_only: s.read_only,
            cap_add: norm(&s.cap_add),
            cap_drop: s.cap_drop.as_ref().map(norm).unwrap_or(default_drop),
            cap_drop_span: s
                .cap_drop
                .as_ref()
                .map(|v| v.first().map(|c| c.span).unwrap_or(Span::DUMMY))
                .or(runtime_defaults),
            no_new_privileges: s.no_new_privileges.unwrap_or(default_nnp),
            privileged: s.privileged,
            host_namespaces: s.host_namespaces.clone(),
            security_opt: s.security_opt.clone(),
            runtime_defaults,
        }
    }

    fn mount(&mut self, m: &Sp<MountSpec>, names: &Names, from_env_overlay: bool) -> Option<Mount> {
        let short_form = matches!(m.value, MountSpec::Short(_));
        let long = match &m.value {
            MountSpec::Long(l) => l.clone(),
            MountSpec::Short(s) => self.short_mount(&Sp::new(s.value.clone(), m.span))?,
        };
        let set = [
            long.volume.is_some(),
            long.bind.is_some(),
            long.config.is_some(),
            long.tmpfs.is_some(),
            long.secret.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if set != 1 {
            self.err(
                "STK026",
                format!(
                    "a mount needs exactly one of `volume`, `bind`, `config`, `tmpfs`, `secret`, found {set}"
                ),
                m.span,
                "ambiguous mount",
                "set exactly one source",
            );
            return None;
        }
        if let Some(n) = &long.name
            && long.config.is_none()
        {
            self.err(
                "STK025",
                format!(
                    "`name` on a mount that is not a `config` file (`{}`)",
                    n.value
                ),
                n.span,
                "only config files have a name",
                "remove `name`, or mount a `config:` file",
            );
        }
        let read_only = long.read_only.as_ref().is_some_and(|r| r.value);
        let (kind, target) = if let Some(v) = &long.volume {
            let Some(id) = names.volumes.get(&v.value) else {
                let help = hint_str(
                    &v.value,
                    names.volumes.keys(),
                    "declare it under top-level `volumes:`",
                );
                self.err(
                    "STK011",
                    format!("unknown volume `{}`", v.value),
                    v.span,
                    "not declared",
                    help,
                );
                return None;
            };
            (MountKind::Volume(*id), long.target.clone())
        } else if let Some(b) = &long.bind {
            let src = if b.value.starts_with('/') {
                b.value.clone()
            } else {
                self.relative_path(b, "bind mount source")?
            };
            (MountKind::Bind(Sp::new(src, b.span)), long.target.clone())
        } else if let Some(c) = &long.config {
            if c.value.starts_with('/') {
                self.err(
                    "STK037",
                    format!("config file `{}` is outside the project", c.value),
                    c.span,
                    "absolute path",
                    "config files come from the repository: give a path relative to the spec",
                );
                return None;
            }
            let src = self.relative_path(c, "config file")?;
            (
                MountKind::Config {
                    source: Sp::new(src, c.span),
                    content: None,
                },
                long.target.clone(),
            )
        } else if let Some(sec) = &long.secret {
            let (id, target) = self.secret_mount(sec, long.target.as_ref(), names)?;
            (MountKind::Secret(id), Some(target))
        } else {
            let t = long.tmpfs.clone().unwrap();
            let size = long.size.as_ref().and_then(|s| self.quantity(s));
            (MountKind::Tmpfs { size }, Some(t))
        };
        let Some(target) = target else {
            self.err(
                "STK006",
                "missing required field `target`",
                m.span,
                "where in the container?",
                "add `target: /path/in/container`",
            );
            return None;
        };
        if !target.value.starts_with('/')
            || target.value.contains('\n')
            || target.value.split('/').any(|p| p == "..")
        {
            self.err(
                "STK025",
                format!(
                    "mount target `{}` is not an absolute path",
                    target.value.escape_debug()
                ),
                target.span,
                "not an absolute path",
                "container paths start with `/` and contain no `..`",
            );
            return None;
        }
        let read_only =
            read_only || matches!(kind, MountKind::Config { .. } | MountKind::Secret(_));
        Some(Mount {
            span: m.span,
            kind,
            target,
            read_only,
            from_env_overlay,
            short_form,
            compose_config: long.name.clone(),
        })
    }

    fn short_mount(&mut self, s: &Sp<String>) -> Option<MountLong> {
        let parts: Vec<&str> = s.value.split(':').collect();
        let (src, target, mode) = match parts.as_slice() {
            [src, target] => (*src, *target, None),
            [src, target, mode] => (*src, *target, Some(*mode)),
            _ => {
                self.err(
                    "STK025",
                    format!("invalid mount `{}`", s.value.escape_debug()),
                    s.span,
                    "expected `source:/target[:ro]`",
                    "write `volume_name:/path`, `./host/path:/path[:ro]`, or the long form",
                );
                return None;
            }
        };
        let read_only = match mode {
            None | Some("rw") => false,
            Some("ro") => true,
            Some(other) => {
                self.err(
                    "STK025",
                    format!("unknown mount mode `{other}`"),
                    s.span,
                    "not a mode",
                    "use `ro` or `rw`",
                );
                return None;
            }
        };
        let src_sp = Sp::new(src.to_string(), s.span);
        let mut long = MountLong {
            target: Some(Sp::new(target.to_string(), s.span)),
            read_only: Some(Sp::new(read_only, s.span)),
            ..Default::default()
        };
        if src.starts_with('.') || src.starts_with('/') || src.starts_with('~') {
            long.bind = Some(src_sp);
        } else {
            long.volume = Some(src_sp);
        }
        Some(long)
    }

    /// Normalises a path relative to the spec's directory; refuses one that escapes it.
    fn relative_path(&mut self, p: &Sp<String>, what: &str) -> Option<String> {
        if p.value.starts_with('~') || p.value.contains('\0') || p.value.contains('\n') {
            self.err(
                "STK037",
                format!("{what} `{}` is not a project path", p.value.escape_debug()),
                p.span,
                "not allowed here",
                "give a path relative to the spec's directory",
            );
            return None;
        }
        let mut parts: Vec<&str> = Vec::new();
        for c in p.value.split('/') {
            match c {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        self.err(
                            "STK037",
                            format!("{what} `{}` escapes the project directory", p.value),
                            p.span,
                            "leaves the spec's directory",
                            "keep paths inside the directory of the spec",
                        );
                        return None;
                    }
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

    fn health(&mut self, h: &HealthSpec, names: &Names) -> Health {
        let span = [
            h.cmd.as_ref().map(|c| c.span),
            h.interval.as_ref().map(|s| s.span),
            h.http.as_ref().map(|x| x.port.span),
            h.tcp.as_ref().map(|t| t.port.span),
        ]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or(Span::DUMMY);
        let dur = |r: &mut Self, s: &Option<Sp<String>>, default: u64| {
            s.as_ref()
                .and_then(|s| r.duration(s))
                .unwrap_or(Duration::from_secs(default))
        };
        let http = h.http.as_ref().and_then(|x| {
            let port = self.port_number(&x.port)?;
            Some(HttpCheck {
                path: x
                    .path
                    .as_ref()
                    .map(|p| p.value.clone())
                    .unwrap_or_else(|| "/".into()),
                port: Sp::new(port, x.port.span),
            })
        });
        if let Some(p) = h.http.as_ref().and_then(|x| x.path.as_ref())
            && (!p.value.starts_with('/')
                || p.value.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            self.err(
                "STK025",
                format!("invalid http path `{}`", p.value.escape_debug()),
                p.span,
                "not a URL path",
                "write a path starting with `/`, without spaces",
            );
        }
        Health {
            span,
            cmd: h.cmd.as_ref().map(|c| self.command(c, names)),
            http,
            tcp: h
                .tcp
                .as_ref()
                .and_then(|t| self.port_number(&t.port).map(|p| Sp::new(p, t.port.span))),
            interval: dur(self, &h.interval, 10),
            timeout: dur(self, &h.timeout, 5),
            retries: h.retries.as_ref().map(|r| r.value).unwrap_or(3),
            start_period: dur(self, &h.start_period, 0),
            written: HealthTimings {
                interval: h.interval.as_ref().map(|s| s.span),
                timeout: h.timeout.as_ref().map(|s| s.span),
                retries: h.retries.as_ref().map(|s| s.span),
                start_period: h.start_period.as_ref().map(|s| s.span),
            },
        }
    }

    fn build(&mut self, b: &BuildSpec, names: &Names) -> BuildRecipe {
        let built_image = b.image.as_ref().map(|i| self.image_text(i, names));
        let span = [
            b.preset.as_ref(),
            b.context.as_ref(),
            b.dockerfile.as_ref(),
            b.base.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|s| s.span)
        .next()
        .unwrap_or(Span::DUMMY);
        let preset =
            b.preset
                .as_ref()
                .and_then(|p| match Preset::ALL.iter().find(|(n, _)| *n == p.value) {
                    Some((_, pr)) => Some(Sp::new(*pr, p.span)),
                    None => {
                        let help = match did_you_mean(&p.value, Preset::ALL.iter().map(|(n, _)| *n))
                        {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!(
                                "presets: {}",
                                Preset::ALL
                                    .iter()
                                    .map(|(n, _)| *n)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        };
                        self.err(
                            "STK025",
                            format!("unknown build preset `{}`", p.value),
                            p.span,
                            "not a preset",
                            help,
                        );
                        None
                    }
                });
        if b.preset.is_none() && b.dockerfile.is_none() && b.base.is_none() {
            self.err("STK026", "a build needs `preset`, `base` or `dockerfile`", span, "nothing to build from", "set `preset: python-uv` (or another preset), a `base` image, or an existing `dockerfile`");
        }
        if let Some(p) = &preset
            && p.value == Preset::Plain
            && b.base.is_none()
            && b.dockerfile.is_none()
        {
            self.err(
                "STK026",
                "the `plain` preset needs a `base` image",
                p.span,
                "no base image",
                "set `base: IMAGE:TAG`, e.g. `debian:12.11-slim`",
            );
        }
        let context = match &b.context {
            Some(c) => self
                .relative_path(c, "build context")
                .unwrap_or_else(|| ".".into()),
            None => ".".into(),
        };
        let mut secrets = Vec::new();
        for s in &b.secrets {
            match names.secrets.get(&s.value) {
                Some(id) => secrets.push((*id, s.span)),
                None => {
                    let help = hint_str(
                        &s.value,
                        names.secrets.keys(),
                        "declare it under top-level `secrets:`",
                    );
                    self.err(
                        "STK013",
                        format!("unknown secret `{}`", s.value),
                        s.span,
                        "not declared",
                        help,
                    );
                }
            }
        }
        let cmd_shell = b
            .cmd
            .as_ref()
            .filter(|c| matches!(c.value, CommandSpec::Shell(_)))
            .map(|c| c.span);
        let cmd = b.cmd.as_ref().map(|c| match &c.value {
            CommandSpec::Exec(v) => v.clone(),
            CommandSpec::Shell(s) => vec![
                Sp::new("/bin/sh".to_string(), c.span),
                Sp::new("-c".to_string(), c.span),
                Sp::new(s.value.clone(), c.span),
            ],
        });
        BuildRecipe {
            span,
            context,
            dockerfile: b.dockerfile.clone(),
            preset,
            base: b.base.clone(),
            builder: b.builder.clone(),
            system_packages: b.system_packages.clone(),
            build_packages: b.build_packages.clone(),
            steps: b.steps.clone(),
            sources: b.sources.clone(),
            cmd,
            cmd_shell,
            user: b.user.clone(),
            workdir: b.workdir.clone(),
            env: b.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            args: b.args.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            secrets,
            ignore: b.ignore.clone(),
            labels: b
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            image: built_image.as_ref().map(|i| i.0.clone()),
            image_template: built_image.and_then(|i| i.1),
        }
    }

    fn targets(&mut self, t: Option<&TargetsSpec>, stack: &str, names: &Names) -> Targets {
        let passthrough = self.compose_passthrough(t, names);
        let compose_file = t
            .and_then(|t| t.compose.as_ref())
            .and_then(|c| c.file.as_ref());
        if let Some(f) = compose_file
            && (f.value.contains('/') || f.value.starts_with('.') || f.value.is_empty())
        {
            self.err(
                "STK025",
                format!("invalid compose file name `{}`", f.value.escape_debug()),
                f.span,
                "a plain file name",
                "e.g. `compose.yaml`",
            );
        }
        let k = t.and_then(|t| t.k8s.as_ref());
        let s = t.and_then(|t| t.systemd.as_ref());
        let pick = |o: Option<&Sp<String>>| o.map(|s| s.value.clone());
        let namespace = k.and_then(|k| k.namespace.as_ref());
        if let Some(ns) = namespace
            && (!is_name(&ns.value) || ns.value.contains('_'))
        {
            self.err(
                "STK021",
                format!("invalid namespace `{}`", ns.value.escape_debug()),
                ns.span,
                "not a DNS-1123 label",
                "use lowercase letters, digits and `-`",
            );
        }
        let version = k.and_then(|k| k.version.as_ref());
        if let Some(v) = version
            && !matches!(v.value.as_str(), "1.29" | "1.30" | "1.31" | "1.32" | "1.33")
        {
            self.err(
                "STK025",
                format!("unsupported Kubernetes version `{}`", v.value),
                v.span,
                "not supported",
                "stackc targets Kubernetes 1.29 to 1.33",
            );
        }
        let expose = self.keyword(
            k.and_then(|k| k.expose.as_ref()),
            "exposure mode",
            &[
                ("ingress", K8sExpose::Ingress),
                ("loadbalancer", K8sExpose::LoadBalancer),
            ],
            K8sExpose::Ingress,
        );
        let flavour = self.keyword(
            s.and_then(|s| s.flavour.as_ref()),
            "systemd flavour",
            &[
                ("quadlet", SystemdFlavour::Quadlet),
                ("units", SystemdFlavour::Units),
            ],
            SystemdFlavour::Quadlet,
        );
        let runtime = self.keyword(
            s.and_then(|s| s.runtime.as_ref()),
            "runtime",
            &[("podman", Runtime::Podman), ("docker", Runtime::Docker)],
            Runtime::Podman,
        );
        Targets {
            compose_file: pick(compose_file).unwrap_or_else(|| "compose.yaml".into()),
            compose: passthrough,
            k8s: K8sOptions {
                namespace: pick(namespace).unwrap_or_else(|| stack.to_string()),
                version: pick(version).unwrap_or_else(|| "1.33".into()),
                expose,
                ingress_class: pick(k.and_then(|k| k.ingress_class.as_ref())),
                host: pick(k.and_then(|k| k.host.as_ref())),
                wait_image: pick(k.and_then(|k| k.wait_image.as_ref()))
                    .unwrap_or_else(|| DEFAULT_WAIT_IMAGE.into()),
            },
            systemd: SystemdOptions {
                flavour,
                runtime,
                podman_version: pick(s.and_then(|s| s.podman_version.as_ref()))
                    .unwrap_or_else(|| "5.4".into()),
            },
        }
    }

    /// `targets.compose`: extension fields and compose-only fields, checked against the names
    /// of the stack and the fields stackc writes itself.
    fn compose_passthrough(
        &mut self,
        t: Option<&TargetsSpec>,
        names: &Names,
    ) -> ComposePassthrough {
        let Some(c) = t.and_then(|t| t.compose.as_ref()) else {
            return ComposePassthrough::default();
        };
        let mut out = ComposePassthrough::default();
        let at = c.file.as_ref().map(|f| f.span);
        for (k, v) in &c.extensions {
            if !k.starts_with("x-") {
                let span = at
                    .or_else(|| c.services.keys().next().map(|s| s.span))
                    .unwrap_or(Span::DUMMY);
                self.err(
                    "STK025",
                    format!(
                        "compose extension `{}` does not start with `x-`",
                        k.escape_debug()
                    ),
                    span,
                    "not an extension field",
                    "name compose extension fields `x-...`",
                );
                continue;
            }
            out.extensions.push((k.clone(), v.clone()));
        }
        for (svc, fields) in &c.services {
            if !names.services.contains_key(&svc.value) {
                if !names.absent_services.contains_key(&svc.value) {
                    let help = hint_str(
                        &svc.value,
                        names.services.keys(),
                        "name a service of the stack",
                    );
                    self.err(
                        "STK010",
                        format!(
                            "unknown service `{}` in `targets.compose.services`",
                            svc.value
                        ),
                        svc.span,
                        "not a service",
                        help,
                    );
                }
                continue;
            }
            let mut kept = Vec::new();
            for (k, v) in fields {
                if COMPOSE_WRITTEN_FIELDS.contains(&k.as_str()) {
                    self.err(
                        "STK025",
                        format!(
                            "`{k}` of `{}` cannot be given as a compose-only field",
                            svc.value
                        ),
                        svc.span,
                        "stackc writes this field itself",
                        format!("express `{k}` in the service's own spec fields"),
                    );
                    continue;
                }
                kept.push((k.clone(), v.clone()));
            }
            out.services.push((svc.value.clone(), kept));
        }
        let networks: Vec<String> = names.networks.keys().cloned().collect();
        let volumes: Vec<String> = names.volumes.keys().cloned().collect();
        for (table, known, entries, dest) in [
            ("networks", &networks, &c.networks, &mut out.networks),
            ("volumes", &volumes, &c.volumes, &mut out.volumes),
        ] {
            for (name, fields) in entries {
                if !known.contains(&name.value) {
                    let what = &table[..table.len() - 1];
                    self.err(
                        "STK025",
                        format!(
                            "unknown {what} `{}` in `targets.compose.{table}`",
                            name.value
                        ),
                        name.span,
                        "not declared",
                        format!("declare it under top-level `{table}:`"),
                    );
                    continue;
                }
                dest.push((
                    name.value.clone(),
                    fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                ));
            }
        }
        out.secrets = c
            .secrets
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.configs = c
            .configs
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out
    }

    fn suppressions(&mut self, l: Option<&LintSpec>) -> Vec<Suppression> {
        let Some(l) = l else { return Vec::new() };
        l.ignore
            .iter()
            .filter_map(|(rule, reason)| {
                if reason.value.trim().is_empty() {
                    self.err("STK039", format!("suppression of `{}` has no reason", rule.value), reason.span, "empty reason", "say why the finding does not apply, e.g. `dev-only admin port, tracked in OPS-12`");
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
                    "STK025",
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
                    "STK025",
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

/// Service fields the compose backend writes itself: `targets.compose.services` cannot set
/// them. (`build`, `deploy` and `healthcheck` can be given: their fields are added to what
/// stackc writes; `ports`, `volumes` and `configs` entries are appended to stackc's, and
/// `networks` gives options to the networks the service joins.)
pub const COMPOSE_WRITTEN_FIELDS: &[&str] = &[
    "image",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "working_dir",
    "user",
    "labels",
    "expose",
    "depends_on",
    "restart",
    "read_only",
    "cap_add",
    "cap_drop",
    "security_opt",
    "privileged",
    "tmpfs",
    "extends",
    "profiles",
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

/// `10s`, `1m30s`, `500ms`, `2h`; a bare number is seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() || s.len() > 32 {
        return None;
    }
    if let Ok(n) = s.parse::<u64>() {
        return Some(Duration::from_secs(n));
    }
    let mut total_ms: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => return None,
        };
        total_ms = total_ms.checked_add(n.checked_mul(mult)?)?;
        rest = &rest[unit_len..];
    }
    Some(Duration::from_millis(total_ms))
}

/// `512Mi`, `1Gi`, `500M`, `1024` (bytes) → bytes.
pub fn parse_quantity(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if split == 0 || split > 15 {
        return None;
    }
    let n: u64 = s[..split].parse().ok()?;
    let mult: u64 = match &s[split..] {
        "" => 1,
        "k" | "K" => 1000,
        "M" => 1000u64.pow(2),
        "G" => 1000u64.pow(3),
        "T" => 1000u64.pow(4),
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mult).filter(|b| *b > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_duration("10 s"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("99999999999999999999h"), None);
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("512Mi"), Some(512 << 20));
        assert_eq!(parse_quantity("1G"), Some(1_000_000_000));
        assert_eq!(parse_quantity("1.5Gi"), None);
        assert_eq!(parse_quantity("0"), None);
        assert_eq!(parse_quantity("99999999999999999Ti"), None);
    }

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
