//! Service basics: the service map itself, `restart`, `command`, `deploy` and resources.

use crate::diag::ErrorCode;

use super::*;

/// A service's lint suppressions in a compose file: `x-stackc-lint-ignore: { CODE: reason }`,
/// read like the spec's `lint: { ignore: ... }` (stackc writes it on services it adds itself).
pub const LINT_IGNORE_KEY: &str = "x-stackc-lint-ignore";

impl Lowering<'_> {
    /// `x-stackc-lint-ignore` of a service: each code with its reason becomes a suppression.
    fn lint_ignores(&mut self, v: &Sp<Node>, s: &mut ServiceSpec) {
        let Some(entries) = v.value.as_map() else {
            return;
        };
        let lint = s.lint.get_or_insert_with(LintSpec::default);
        for (code, reason) in entries {
            if let Some(text) = reason.value.scalar_text() {
                lint.ignore.insert(code.clone(), Sp::new(text, reason.span));
            }
        }
    }

    pub(super) fn service(&mut self, key: &Sp<String>, e: &Entries) -> ServiceSpec {
        let name = key.value.as_str();
        let mut s = ServiceSpec {
            security: Some(SecuritySpec {
                // Compose leaves capabilities and privilege escalation to the runtime.
                defaults: Some(SecurityDefaults::Runtime.written(key.span)),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut resources = ResourcesSpec::default();
        // Compose-only fields, kept as they are under `targets.compose.services`.
        let mut extra: IndexMap<String, serde_json::Value> = IndexMap::new();
        // `expose` is read after `ports`, wherever it is written: a port both exposed and
        // published is one port.
        let mut expose = None;
        for (k, v) in e {
            if k.value.starts_with("x-") {
                if k.value == LINT_IGNORE_KEY {
                    self.lint_ignores(v, &mut s);
                }
                extra.insert(k.value.clone(), to_json(&v.value));
                continue;
            }
            let path = format!("services.{name}.{}", k.value);
            if self.kept_as_written(k, v, &path, &mut s, &mut extra) {
                continue;
            }
            match k.value.as_str() {
                "image" => s.image = self.cx.resolved(v, &path),
                "build" => s.build = self.build(v, &path, &mut extra),
                "command" | "entrypoint" => {
                    let c = self.command(v, &path);
                    // An empty one clears the image's: kept for compose as written.
                    if c.is_none() && is_empty_command(&v.value) {
                        extra.insert(k.value.clone(), to_json(&v.value));
                    }
                    if k.value == "command" {
                        s.command = c;
                    } else {
                        s.entrypoint = c;
                    }
                }
                "environment" => self.environment(v, &path, &mut s.env, &mut extra),
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
                // Other targets read `scale` as the spec's replicas; compose keeps it as
                // written (the backend writes the replicas once, as `scale`).
                "scale" => {
                    if let Some(n) = self.count(v, &path) {
                        s.replicas = Some(n);
                        extra.insert(k.value.clone(), to_json(&v.value));
                    }
                }
                // Other targets read them as the spec's resources; compose keeps them as
                // written (the backend writes each once, in this form).
                "cpus" | "mem_limit" | "mem_reservation" => {
                    let slot = match k.value.as_str() {
                        "cpus" => Slot::Cpus,
                        "mem_limit" => Slot::Memory,
                        _ => Slot::RequestMemory,
                    };
                    // With variables, the value they take (as the spec's): the compose-only
                    // fields are linted as a compose file of their own, without `.env`.
                    if let Some(t) = self.resource(v, &path, slot, &mut resources) {
                        let written = match &v.value {
                            Node::Str(raw) if raw.contains('$') => serde_json::json!(t.value),
                            other => to_json(other),
                        };
                        extra.insert(k.value.clone(), written);
                    }
                }
                "ports" => {
                    let ports = self.ports(v, &path, &mut extra);
                    s.ports.extend(ports);
                }
                "expose" => expose = Some((v, path)),
                "volumes" => self.volumes(v, &path, &mut s.volumes, &mut extra),
                "tmpfs" => self.tmpfs(v, &path, &mut s.volumes, &mut extra),
                "healthcheck" => s.health = self.health(v, &path, &mut extra),
                "depends_on" => s.depends_on = self.depends_on(v, &path, &mut extra),
                "networks" => s.networks = self.service_networks(v, &path, &mut extra),
                "network_mode" => {
                    if let Some(m) = self.cx.resolved(v, &path) {
                        if m.value == "host" {
                            security(&mut s)
                                .host_namespaces
                                .push(HostNamespace::Network.written(m.span));
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
                        // The compose key is the namespace's spec word.
                        if let (true, Some(ns)) =
                            (m.value == "host", HostNamespace::parse(&k.value))
                        {
                            security(&mut s).host_namespaces.push(ns.written(m.span));
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
        if let Some((v, path)) = expose {
            self.expose(v, &path, &mut s.ports, &mut extra);
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
        self.alias_compose_name(name, &s, &mut extra);
        self.rename_references(&mut extra);
        if !extra.is_empty() {
            let spec_name = self
                .services
                .get(name)
                .cloned()
                .unwrap_or_else(|| name.to_string());
            self.compose
                .services
                .insert(Sp::new(spec_name, key.span), with_spans(extra, e, key.span));
        }
        if resources.cpus.is_some() || resources.memory.is_some() || resources.requests.is_some() {
            s.resources = Some(resources);
        }
        s
    }

    /// A service the spec had to rename (`wazuh.indexer` is `wazuh-indexer`) is still reached
    /// by its compose name in what the file says (URLs, certificates' names): compose gets
    /// that name back as a network alias on each of the service's networks. Other targets
    /// have no alias: the rename's report says so.
    fn alias_compose_name(
        &mut self,
        name: &str,
        s: &ServiceSpec,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) {
        let Some(spec_name) = self.services.get(name) else {
            return;
        };
        let host_network = s
            .security
            .as_ref()
            .is_some_and(|sec| sec.host_namespaces.iter().any(|n| n.value == "network"));
        if spec_name == name || host_network || extra.contains_key("network_mode") {
            return;
        }
        let networks: Vec<String> = if s.networks.is_empty() {
            vec!["default".into()]
        } else {
            s.networks.iter().map(|n| n.value.clone()).collect()
        };
        let options = extra
            .entry("networks".into())
            .or_insert_with(|| serde_json::json!({}));
        let Some(options) = options.as_object_mut() else {
            return;
        };
        for net in networks {
            let entry = options.entry(net).or_insert_with(|| serde_json::json!({}));
            if !entry.is_object() {
                *entry = serde_json::json!({});
            }
            let aliases = entry
                .as_object_mut()
                .expect("an object")
                .entry("aliases")
                .or_insert_with(|| serde_json::json!([]));
            if let Some(list) = aliases.as_array_mut()
                && !list.iter().any(|a| a == name)
            {
                list.push(serde_json::Value::String(name.to_string()));
            }
        }
    }

    /// Service names inside compose-only fields (`network_mode: service:NAME`, `links`,
    /// `volumes_from`, ...) follow the services' spec names, and the named volumes of
    /// compose-only mounts the volumes' spec names.
    pub(super) fn rename_references(&self, extra: &mut IndexMap<String, serde_json::Value>) {
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
                ("volumes", Value::Array(items)) => {
                    for item in items.iter_mut() {
                        self.rename_volume_source(item);
                    }
                }
                _ => {}
            }
        }
    }

    /// A named volume a compose-only mount uses follows the volume's spec name (`vhost.d:/x:z`
    /// mounts `vhost-d` once the volume is renamed); bind mounts and other sources stay.
    fn rename_volume_source(&self, item: &mut serde_json::Value) {
        use serde_json::Value;
        let rename = |name: &str| self.volumes.get(name).filter(|n| *n != name).cloned();
        match item {
            Value::String(s) => {
                if let Some((source, rest)) = s.split_once(':')
                    && let Some(n) = rename(source)
                {
                    *s = format!("{n}:{rest}");
                }
            }
            Value::Object(m) => {
                let is_volume = m.get("type").and_then(Value::as_str) == Some("volume");
                if let Some(Value::String(source)) = m.get_mut("source")
                    && is_volume
                    && let Some(n) = rename(source)
                {
                    *source = n;
                }
            }
            _ => {}
        }
    }

    /// Light shape checks for keys that are not mapped, so a malformed one is still an error.
    pub(super) fn check_shape(&mut self, key: &str, v: &Sp<Node>, path: &str) {
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

    pub(super) fn restart(&mut self, v: &Sp<Node>, path: &str) -> Option<Sp<String>> {
        let r = self.cx.resolved(v, path)?;
        // Compose's policies are the spec's words.
        if RestartPolicy::parse(&r.value).is_some() {
            return Some(r);
        }
        match r.value.as_str() {
            other
                if other
                    .strip_prefix("on-failure:")
                    .is_some_and(|n| n.parse::<u32>().is_ok()) =>
            {
                Some(r)
            }
            other => {
                self.cx.error(
                    ErrorCode::ComposeInvalidValue,
                    format!("unknown restart policy `{}`", other.escape_debug()),
                    r.span,
                    "not a restart policy",
                    format!(
                        "use one of {}, or `on-failure:N`",
                        listed::<RestartPolicy>()
                    ),
                );
                None
            }
        }
    }

    pub(super) fn count(&mut self, v: &Sp<Node>, path: &str) -> Option<Sp<u32>> {
        let t = self.cx.resolved(v, path)?;
        match t.value.trim().parse::<u32>() {
            Ok(n) => Some(Sp::new(n, t.span)),
            Err(_) => {
                self.cx.error(
                    ErrorCode::ComposeInvalidValue,
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

    pub(super) fn command(&mut self, v: &Sp<Node>, path: &str) -> Option<Sp<CommandSpec>> {
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
                            ErrorCode::ComposeInvalidValue,
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
                    // A word of variables only that substitutes to nothing (`${EXTRA:+--x}`
                    // with `EXTRA` unset) is no argument: compose splits after substituting.
                    if text.is_empty()
                        && !w.is_empty()
                        && w.iter().all(|p| matches!(p, Piece::Var { .. }))
                    {
                        continue;
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
        if args.iter().all(|a| a.value.is_empty()) {
            self.compose_only(
                path,
                v.span,
                "an empty command or entrypoint (which clears the image's) is not in the stack spec",
            );
            return None;
        }
        Some(Sp::new(CommandSpec::Exec(args), v.span))
    }

    /// Sets a resource from a compose value; the value as compose substitutes it.
    pub(super) fn resource(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        slot: Slot,
        r: &mut ResourcesSpec,
    ) -> Option<Sp<String>> {
        let t = self.cx.resolved(v, path)?;
        // What was written, when variables made it what was read (`${CPUS}` unset is ``).
        let from = v
            .value
            .scalar_text()
            .filter(|w| *w != t.value)
            .map(|w| format!(" (`{}` as compose substitutes it)", w.escape_debug()));
        let set_it = if from.is_some() {
            "give its variables a value in `.env` or the environment, or "
        } else {
            ""
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
                    ErrorCode::ComposeInvalidValue,
                    format!(
                        "invalid cpu amount `{}`{}",
                        t.value.escape_debug(),
                        from.unwrap_or_default()
                    ),
                    t.span,
                    "not a number",
                    format!("{set_it}write cores as a number, e.g. `0.5`"),
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
                    ErrorCode::ComposeInvalidValue,
                    format!(
                        "invalid memory size `{}`{}",
                        t.value.escape_debug(),
                        from.unwrap_or_default()
                    ),
                    t.span,
                    "not a size",
                    format!("{set_it}write e.g. `512m` or `1g`"),
                ),
            },
        }
        Some(t)
    }

    pub(super) fn deploy(
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
                                (true, "cpus") => {
                                    self.resource(sv, &sp, Slot::Cpus, r);
                                }
                                (true, "memory") => {
                                    self.resource(sv, &sp, Slot::Memory, r);
                                }
                                (false, "cpus") => {
                                    self.resource(sv, &sp, Slot::RequestCpus, r);
                                }
                                (false, "memory") => {
                                    self.resource(sv, &sp, Slot::RequestMemory, r);
                                }
                                // Devices (GPUs), pids and generic resources: compose's.
                                _ => {
                                    self.compose_only(
                                        &sp,
                                        sk.span,
                                        "only cpus and memory are in the stack spec's resources",
                                    );
                                    let sets = compose_only
                                        .entry("resources")
                                        .or_insert_with(|| serde_json::json!({}));
                                    let set = &mut sets[rk.value.as_str()];
                                    if !set.is_object() {
                                        *set = serde_json::json!({});
                                    }
                                    set[sk.value.as_str()] = to_json(&sv.value);
                                }
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
}

/// Where a resource amount goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Cpus,
    Memory,
    RequestCpus,
    RequestMemory,
}

pub(super) fn security(s: &mut ServiceSpec) -> &mut SecuritySpec {
    s.security.get_or_insert_with(Default::default)
}

/// Compose-only fields as the spec holds them, each key located where the service's entries
/// write it (at `service` when it comes from elsewhere, such as a merged `build` part).
fn with_spans(
    extra: IndexMap<String, serde_json::Value>,
    entries: &Entries,
    service: Span,
) -> IndexMap<Sp<String>, serde_json::Value> {
    let span_of = |k: &str| {
        entries
            .iter()
            .find(|(key, _)| key.value == k)
            .map_or(service, |(key, _)| key.span)
    };
    extra
        .into_iter()
        .map(|(k, v)| {
            let span = span_of(&k);
            (Sp::new(k, span), v)
        })
        .collect()
}

/// `""`, `[]`, `[""]` or a blank string: a command or entrypoint with no word, which clears the
/// image's (docker reads `[""]` so too).
fn is_empty_command(n: &Node) -> bool {
    match n {
        Node::Seq(items) => items
            .iter()
            .all(|i| i.value.scalar_text().is_some_and(|t| t.is_empty())),
        other => other.scalar_text().is_some_and(|t| t.trim().is_empty()),
    }
}
