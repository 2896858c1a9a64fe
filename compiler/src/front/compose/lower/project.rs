//! Project-level sections: top-level `volumes:`, `networks:`, `secrets:`, `configs:`, and
//! the declarations and job marks that close a lowering.

use super::*;

/// The compose-only field of a network that keeps its compose key when the spec renamed it
/// (the compose backend writes the network under it again).
pub const NETWORK_KEY_FIELD: &str = "x-stackc-key";

impl Lowering<'_> {
    pub(super) fn top_volumes(&mut self, v: &Sp<Node>) {
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

    pub(super) fn top_networks(&mut self, v: &Sp<Node>) {
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
            let mut fields = IndexMap::new();
            if name != k.value {
                // The compose file's key, which the compose file uses again (services refer
                // to it, and compose names the network after it).
                fields.insert(
                    NETWORK_KEY_FIELD.to_string(),
                    serde_json::Value::String(k.value.clone()),
                );
            }
            if let Some(e) = self.cx.map(v, &format!("networks.{}", k.value)) {
                self.cx
                    .check_keys(e, keys::NETWORK, &format!("network `{}`", k.value));
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
            }
            if !fields.is_empty() {
                self.compose
                    .networks
                    .insert(Sp::new(name.clone(), k.span), fields);
            }
            self.networks.insert(k.value.clone(), name.clone());
            self.networks_out.insert(Sp::new(name, k.span), spec);
        }
    }

    pub(super) fn grantables(
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

    /// The `secrets:` and `variables:` of the spec, in order of first use (literal secrets
    /// first).
    pub(super) fn declarations(&mut self) -> (NameMap<SecretSpec>, NameMap<VariableSpec>) {
        let mut secrets = std::mem::take(&mut self.secrets_out);
        let mut variables = IndexMap::new();
        for v in self.vars.values() {
            let name = &v.env;
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
    pub(super) fn mark_jobs(&mut self, services: &mut NameMap<ServiceSpec>) {
        let mut jobs: Vec<(String, Span)> = Vec::new();
        for s in services.values() {
            if let Some(d) = &s.depends_on
                && let DependsOnSpec::Map(entries) = &d.value
            {
                for (name, cond) in entries {
                    if Condition::parse(&cond.value) == Some(Condition::Completed) {
                        jobs.push((name.value.clone(), cond.span));
                    }
                }
            }
        }
        for (name, span) in jobs {
            if let Some(s) = services.get_mut(name.as_str())
                && s.kind.is_none()
            {
                s.kind = Some(ServiceKind::Job.written(span));
            }
        }
    }
}
