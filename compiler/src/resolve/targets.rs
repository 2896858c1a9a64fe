//! `targets:`: the options of each target, and the compose pass-through.

use crate::diag::ErrorCode;

use super::*;

impl Resolver {
    pub(super) fn targets(
        &mut self,
        t: Option<&TargetsSpec>,
        stack: &str,
        names: &Names,
    ) -> Targets {
        let passthrough = self.compose_passthrough(t, names);
        let compose_file = t
            .and_then(|t| t.compose.as_ref())
            .and_then(|c| c.file.as_ref());
        if let Some(f) = compose_file
            && (f.value.contains('/') || f.value.starts_with('.') || f.value.is_empty())
        {
            self.err(
                ErrorCode::InvalidValue,
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
                ErrorCode::InvalidName,
                format!("invalid namespace `{}`", ns.value.escape_debug()),
                ns.span,
                "not a DNS-1123 label",
                "use lowercase letters, digits and `-`",
            );
        }
        let version = self.word(k.and_then(|k| k.version.as_ref()), K8sVersion::V1_33);
        let expose = self.word(k.and_then(|k| k.expose.as_ref()), K8sExpose::Ingress);
        let prod = self.k8s_production(k, stack, names);
        let flavour = self.word(s.and_then(|s| s.flavour.as_ref()), SystemdFlavour::Quadlet);
        let runtime = self.word(s.and_then(|s| s.runtime.as_ref()), Runtime::Podman);
        Targets {
            compose_file: pick(compose_file).unwrap_or_else(|| "compose.yaml".into()),
            compose: passthrough,
            k8s: K8sOptions {
                namespace: pick(namespace).unwrap_or_else(|| stack.to_string()),
                version,
                expose,
                ingress_class: pick(k.and_then(|k| k.ingress_class.as_ref())),
                host: pick(k.and_then(|k| k.host.as_ref())),
                wait_image: pick(k.and_then(|k| k.wait_image.as_ref()))
                    .unwrap_or_else(|| DEFAULT_WAIT_IMAGE.into()),
                tls: prod.tls,
                ingress_annotations: prod.ingress_annotations,
                services: prod.services,
                pod_security: prod.pod_security,
                pod_security_span: prod.pod_security_span,
                patches: prod.patches,
            },
            systemd: SystemdOptions {
                flavour,
                runtime,
                podman_version: pick(s.and_then(|s| s.podman_version.as_ref()))
                    .unwrap_or_else(|| "5.4".into()),
            },
        }
    }

    /// The services a compose-only `depends_on` names: each a service of the stack (in some
    /// environment).
    fn compose_dependency_names(
        &mut self,
        deps: &serde_json::Map<String, serde_json::Value>,
        at: Span,
        names: &Names,
    ) {
        for dep in deps.keys() {
            if names.services.contains_key(dep) || names.absent_services.contains_key(dep) {
                continue;
            }
            let help = hint_str(dep, names.services.keys(), "name a service of the stack");
            self.err(
                ErrorCode::UnknownService,
                format!("unknown service `{dep}` in a compose-only `depends_on`"),
                at,
                "not a service",
                help,
            );
        }
    }

    /// `targets.compose`: extension fields and compose-only fields, checked against the names
    /// of the stack and the fields stackc writes itself.
    pub(super) fn compose_passthrough(
        &mut self,
        t: Option<&TargetsSpec>,
        names: &Names,
    ) -> ComposePassthrough {
        let Some(c) = t.and_then(|t| t.compose.as_ref()) else {
            return ComposePassthrough::default();
        };
        let mut out = ComposePassthrough {
            from_compose_file: c.from_compose_file,
            ..Default::default()
        };
        let at = c.file.as_ref().map(|f| f.span);
        for (k, v) in &c.extensions {
            if !k.starts_with("x-") {
                let span = at
                    .or_else(|| c.services.keys().next().map(|s| s.span))
                    .unwrap_or(Span::DUMMY);
                self.err(
                    ErrorCode::InvalidValue,
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
                        ErrorCode::UnknownService,
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
                // An empty command or entrypoint (`""`, `[]`, `[""]`: clearing the image's) is not
                // in the spec: the compose frontend keeps it here.
                let clears = matches!(k.as_str(), "command" | "entrypoint")
                    && match v {
                        serde_json::Value::String(t) => t.trim().is_empty(),
                        serde_json::Value::Array(items) => items.iter().all(|i| i == ""),
                        _ => false,
                    };
                if COMPOSE_WRITTEN_FIELDS.contains(&k.as_str()) && !clears {
                    self.err(
                        ErrorCode::InvalidValue,
                        format!(
                            "`{}` of `{}` cannot be given as a compose-only field",
                            k.value, svc.value
                        ),
                        k.span,
                        "stackc writes this field itself",
                        format!("express `{}` in the service's own spec fields", k.value),
                    );
                    continue;
                }
                if let ("depends_on", serde_json::Value::Object(deps)) = (k.as_str(), v) {
                    self.compose_dependency_names(deps, k.span, names);
                }
                out.service_keys
                    .push((svc.value.clone(), k.value.clone(), k.span));
                kept.push((k.value.clone(), v.clone()));
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
                // A volume only other environments mount is not in this one's outputs, nor
                // are its compose-only fields.
                if table == "volumes" && names.absent_volumes.contains(&name.value) {
                    continue;
                }
                if !known.contains(&name.value) {
                    let what = &table[..table.len() - 1];
                    self.err(
                        ErrorCode::InvalidValue,
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
}
