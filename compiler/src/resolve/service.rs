//! A service: image, command, environment, `depends_on` (and its cycles), resources, security.

use crate::diag::ErrorCode;

use super::*;

impl Resolver {
    pub(super) fn service(
        &mut self,
        key: &Sp<String>,
        s: &ServiceSpec,
        o: Option<&ServiceOverlaySpec>,
        names: &Names,
        index: usize,
    ) -> Service {
        let written_kind = self.word(s.kind.as_ref(), ServiceKind::Service);
        let kind = match written_kind {
            ServiceKind::Service => WorkloadKind::Service,
            ServiceKind::Job | ServiceKind::Cron => WorkloadKind::Job,
        };
        let schedule = self.schedule(s, written_kind == ServiceKind::Cron);
        let role_database = s.role.as_ref().and_then(|r| {
            let role: Role = self.parse_word(r)?;
            (role == Role::Database).then_some(r.span)
        });
        let restart_sp = o.and_then(|o| o.restart.as_ref()).or(s.restart.as_ref());
        let restart = self.restart(restart_sp, kind, names);
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
                ErrorCode::InvalidValue,
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
                    ErrorCode::InvalidName,
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
                        ErrorCode::PathOutsideProject,
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
                    ErrorCode::DuplicateMountTarget,
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
                        ErrorCode::UndeclaredNetwork,
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
            schedule,
        }
    }

    pub(super) fn command(&mut self, c: &Sp<CommandSpec>, names: &Names) -> Command {
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
                        ErrorCode::InvalidValue,
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

    pub(super) fn depends_on(
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
            // A compose file's word (`service_healthy`) gets the spec's as its fix.
            let compose_word =
                cond.and_then(|c| Some((c, Condition::from_compose_word(&c.value)?)));
            let condition = match compose_word {
                Some((c, meant)) => {
                    self.err(
                        ErrorCode::InvalidValue,
                        format!("unknown condition `{}`", c.value),
                        c.span,
                        "not a condition",
                        format!("write `{meant}`"),
                    );
                    Condition::Started
                }
                None => self.word(cond, Condition::Started),
            };
            if name.value == key.value {
                self.err(
                    ErrorCode::DependencyCycle,
                    format!("service `{}` depends on itself", key.value),
                    name.span,
                    "self-dependency",
                    "remove it from its own `depends_on`",
                );
                continue;
            }
            // An optional dependency (compose's `required: false`) on a service this
            // environment leaves out is no dependency here.
            if names.absent_services.contains_key(&name.value)
                && names
                    .optional_dependencies
                    .contains(&(key.value.clone(), name.value.clone()))
            {
                continue;
            }
            let Some(id) = self.service_ref(&name.value, name.span, names) else {
                continue;
            };
            if let Some(first) = out.iter().find(|o| o.service == id) {
                let d = Diagnostic::error(
                    ErrorCode::DuplicateKey,
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

    pub(super) fn check_cycles(&mut self, services: &[Service]) {
        // Conditions that need the target's health/completion.
        for s in services {
            for d in &s.depends_on {
                let t = &services[d.service.index()];
                match d.condition {
                    Condition::Healthy if t.health.is_none() => {
                        let mut diag = Diagnostic::error(
                            ErrorCode::UnsatisfiableCondition,
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
                        let d2 = Diagnostic::error(ErrorCode::UnsatisfiableCondition, format!("`{}` waits for `{}` to complete, but `{}` is a long-running service", s.name.value, t.name.value, t.name.value))
                            .at(&self.f, d.span, "waits for completion")
                            .also(&self.f, t.name.span, "declared as a service")
                            .help(format!("mark `{}` with `kind: job`, or wait for `healthy` or `started`", t.name.value));
                        self.d.push(d2);
                    }
                    _ if t.schedule.is_some() => self.cron_dependency(s, t, d.span),
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
                            let d = Diagnostic::error(ErrorCode::DependencyCycle, format!("dependency cycle: {}", chain.join(" → ")))
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

    pub(super) fn resources(&mut self, r: &ResourcesSpec) -> Resources {
        let mut cpu = |c: &Option<Sp<f64>>| -> Option<Sp<f64>> {
            let c = c.as_ref()?;
            if !(c.value > 0.0 && c.value <= 1024.0 && c.value.is_finite()) {
                self.err(
                    ErrorCode::InvalidValue,
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

    pub(super) fn security(&mut self, s: Option<&SecuritySpec>) -> Security {
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
        let runtime_defaults = s.defaults.as_ref().and_then(|d| {
            let defaults = self.word(Some(d), SecurityDefaults::Hardened);
            (defaults == SecurityDefaults::Runtime).then_some(d.span)
        });
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
                    ErrorCode::InvalidValue,
                    format!("invalid capability `{}`", c.value.escape_debug()),
                    c.span,
                    "not a capability",
                    "write capability names like `NET_BIND_SERVICE`",
                );
            }
        }
        let host_namespaces = s
            .host_namespaces
            .iter()
            .filter_map(|n| Some(Sp::new(self.parse_word(n)?, n.span)))
            .collect();
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
            host_namespaces,
            security_opt: s.security_opt.clone(),
            runtime_defaults,
        }
    }
}
