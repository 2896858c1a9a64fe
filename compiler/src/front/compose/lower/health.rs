//! A service's `healthcheck:` and `depends_on:`.

use crate::diag::ErrorCode;

use super::*;

impl Lowering<'_> {
    pub(super) fn health(
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
                            ErrorCode::ComposeInvalidValue,
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
    pub(super) fn health_test(
        &mut self,
        v: &Sp<Node>,
        path: &str,
    ) -> Result<Option<Sp<CommandSpec>>, ()> {
        match &v.value {
            Node::Seq(items) => {
                let Some(first) = items.first() else {
                    self.cx.error(
                        ErrorCode::ComposeInvalidValue,
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
                        self.cx.error(ErrorCode::ComposeInvalidValue, format!("a health check test list starts with `CMD`, `CMD-SHELL` or `NONE`, not `{}`", kind.value.escape_debug()), kind.span, "not a test kind", "write `[CMD, program, args...]` or `[CMD-SHELL, \"shell command\"]`");
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

    /// `depends_on`. An entry with `required: false` stays a dependency of the spec, and is
    /// also kept under `targets.compose` with its compose condition and `required: false`: an
    /// environment that leaves the dependency's service out (a profile it does not run) has
    /// no such dependency, as compose skips it.
    pub(super) fn depends_on(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) -> Option<Sp<DependsOnSpec>> {
        match &v.value {
            Node::Seq(items) => {
                let mut names = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    // Entries are interpolated like any value (`- ${DB_HOST:-db}`).
                    if let Some(n) = self.cx.resolved(item, &format!("{path}[{i}]")) {
                        names.push(self.service_ref(n));
                    }
                }
                Some(Sp::new(DependsOnSpec::List(names), v.span))
            }
            Node::Map(entries) => {
                let mut out = Vec::new();
                for (name, val) in entries {
                    let p = format!("{path}.{}", name.value);
                    let mut condition = Condition::Started.written(name.span);
                    let mut optional = false;
                    let mut restart = false;
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
                                    let Some(mapped) = Condition::from_compose_word(&c.value)
                                    else {
                                        let words: Vec<String> = Condition::ALL
                                            .iter()
                                            .map(|c| format!("`{}`", c.compose_word()))
                                            .collect();
                                        self.cx.error(
                                            ErrorCode::ComposeInvalidValue,
                                            format!(
                                                "unknown condition `{}`",
                                                c.value.escape_debug()
                                            ),
                                            c.span,
                                            "not a condition",
                                            format!("use one of {}", words.join(", ")),
                                        );
                                        continue;
                                    };
                                    condition = mapped.written(c.span);
                                }
                                "required" => {
                                    optional = self.cx.boolean(cv, &cp).is_some_and(|b| !b.value);
                                }
                                _ => {
                                    if self.cx.boolean(cv, &cp).is_some_and(|b| b.value) {
                                        self.cx.approximated(&cp, k.span, "kept for compose only, under `targets.compose` (restarting a service when its dependency is updated is not in the stack spec); other targets leave it out");
                                        restart = true;
                                    }
                                }
                            }
                        }
                    }
                    let dep = self.service_ref(name.clone());
                    if optional || restart {
                        let compose_condition = match condition.value.as_str() {
                            "healthy" => "service_healthy",
                            "completed" => "service_completed_successfully",
                            _ => "service_started",
                        };
                        if let serde_json::Value::Object(m) = extra
                            .entry("depends_on".into())
                            .or_insert_with(|| serde_json::json!({}))
                        {
                            let mut entry = serde_json::json!({ "condition": compose_condition });
                            if optional {
                                entry["required"] = false.into();
                            }
                            if restart {
                                entry["restart"] = true.into();
                            }
                            m.insert(dep.value.clone(), entry);
                        }
                    }
                    out.push((dep, condition));
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
    pub(super) fn service_ref(&self, n: Sp<String>) -> Sp<String> {
        match self.services.get(&n.value) {
            Some(name) => Sp::new(name.clone(), n.span),
            None => n,
        }
    }

    /// A dependency on the health of a service that has no health check in the spec (none in
    /// the compose file: its image may define a HEALTHCHECK, which compose then waits for; or
    /// one kept for compose only) waits for `started` in the spec, with a note; refusing it would
    /// refuse the file. Compose still waits for health, as the file wrote: the condition is
    /// kept under `targets.compose` (its `depends_on`), and other targets list it as a loss.
    pub(super) fn healthy_without_check(&mut self, services: &mut NameMap<ServiceSpec>) {
        let checked: HashSet<String> = services
            .iter()
            .filter(|(_, s)| s.health.is_some())
            .map(|(k, _)| k.value.clone())
            .collect();
        let names: Vec<String> = services.keys().map(|k| k.value.clone()).collect();
        for (svc, spec) in services.iter_mut() {
            let Some(deps) = spec.depends_on.as_mut() else {
                continue;
            };
            let DependsOnSpec::Map(entries) = &mut deps.value else {
                continue;
            };
            let mut kept = serde_json::Map::new();
            let mut at = None;
            for (target, condition) in entries.iter_mut() {
                if Condition::parse(&condition.value) != Some(Condition::Healthy)
                    || checked.contains(&target.value)
                    || !names.contains(&target.value)
                {
                    continue;
                }
                let why = if self.compose_health(&target.value) {
                    "its health check is kept for compose only"
                } else {
                    "its image may have one, which compose waits for"
                };
                self.cx.approximated(
                    format!("services.{}.depends_on.{}", svc.value, target.value),
                    condition.span,
                    format!(
                        "`{}` has no health check in the spec ({why}): compose waits for it to be healthy (kept under `targets.compose`), other targets wait for `started`; add `health:` to `{}` to wait for health on every target",
                        target.value, target.value
                    ),
                );
                kept.insert(
                    target.value.clone(),
                    serde_json::json!({ "condition": Condition::Healthy.compose_word() }),
                );
                at.get_or_insert(condition.span);
                *condition = Condition::Started.written(condition.span);
            }
            if let Some(span) = at {
                let fields = self.compose.services.entry(svc.clone()).or_default();
                match fields.get_mut("depends_on") {
                    // Optional dependencies are there already: the condition joins them.
                    Some(serde_json::Value::Object(deps)) => {
                        for (dep, entry) in kept {
                            match deps.get_mut(&dep) {
                                Some(serde_json::Value::Object(e)) => {
                                    e.insert("condition".into(), entry["condition"].clone());
                                }
                                _ => {
                                    deps.insert(dep, entry);
                                }
                            }
                        }
                    }
                    _ => {
                        fields.insert(
                            Sp::new("depends_on".into(), span),
                            serde_json::Value::Object(kept),
                        );
                    }
                }
            }
        }
    }

    /// Whether service `name` (its spec name) has a health check kept for compose only.
    fn compose_health(&self, name: &str) -> bool {
        self.compose
            .services
            .get(name)
            .is_some_and(|f| f.contains_key("healthcheck"))
    }
}
