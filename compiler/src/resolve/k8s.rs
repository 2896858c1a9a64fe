//! Resolution of the Kubernetes production options: `targets.k8s` (TLS, Ingress annotations,
//! per-service exposure, Pod Security, patches), volume access modes and cron schedules.

use super::{Names, Resolver, hint_str};
use crate::ir::*;
use crate::schedule;
use crate::syntax::Sp;
use crate::syntax::keywords::{Keyword, PatchOp};
use crate::syntax::spec::*;

/// The production options of `targets.k8s`, resolved.
pub(super) struct K8sProduction {
    pub tls: Option<K8sTls>,
    pub ingress_annotations: Vec<(String, String)>,
    pub services: Vec<K8sServiceOptions>,
    pub pod_security: PodSecurity,
    pub pod_security_span: Option<Span>,
    pub patches: Vec<K8sPatch>,
}

use crate::diag::{ErrorCode, Span};

impl Resolver {
    /// The schedule of a service: required for `kind: cron`, refused elsewhere.
    pub(super) fn schedule(&mut self, s: &ServiceSpec, cron: bool) -> Option<Schedule> {
        match (&s.schedule, cron) {
            (Some(sch), true) => match schedule::parse(&sch.value, sch.span) {
                Ok(parsed) => Some(parsed),
                Err(why) => {
                    self.err(
                        ErrorCode::InvalidValue,
                        format!("invalid schedule `{}`", sch.value.escape_debug()),
                        sch.span,
                        why,
                        "write five cron fields, e.g. `30 2 * * *` (02:30 UTC daily), or `@daily`",
                    );
                    None
                }
            },
            (None, true) => {
                let span = s.kind.as_ref().map(|k| k.span).unwrap_or_default();
                self.err(
                    ErrorCode::MissingOrAmbiguousSource,
                    "a `kind: cron` service needs a `schedule`",
                    span,
                    "no schedule",
                    "add `schedule:` with five cron fields, e.g. `0 3 * * *`",
                );
                None
            }
            (Some(sch), false) => {
                self.err(
                    ErrorCode::InvalidValue,
                    "`schedule` is only for `kind: cron`",
                    sch.span,
                    "not a cron service",
                    "set `kind: cron`, or remove `schedule`",
                );
                None
            }
            (None, false) => None,
        }
    }

    /// Waiting for a scheduled service: there is no single run to wait for (STK016).
    pub(super) fn cron_dependency(&mut self, s: &Service, t: &Service, span: Span) {
        let d = crate::diag::Diagnostic::error(
            ErrorCode::UnsatisfiableCondition,
            format!(
                "`{}` waits for `{}`, which runs on a schedule",
                s.name.value, t.name.value
            ),
        )
        .at(&self.f, span, "waits for a cron service")
        .also(&self.f, t.name.span, "declared `kind: cron` here")
        .help(format!(
            "remove `{}` from `depends_on`: a scheduled run is not a start-up step",
            t.name.value
        ));
        self.d.push(d);
    }

    /// The access mode written on a volume.
    pub(super) fn access_mode(&mut self, v: &VolumeSpec) -> Option<Sp<AccessMode>> {
        let w = v.access_mode.as_ref()?;
        let mode = self.word(Some(w), AccessMode::ReadWriteOnce);
        Some(Sp::new(mode, w.span))
    }

    /// `targets.k8s`: TLS, annotations, per-service exposure, Pod Security and patches.
    pub(super) fn k8s_production(
        &mut self,
        k: Option<&K8sTargetSpec>,
        stack: &str,
        names: &Names,
    ) -> K8sProduction {
        let pod_security = self.word(
            k.and_then(|k| k.pod_security.as_ref()),
            PodSecurity::Baseline,
        );
        let Some(k) = k else {
            return K8sProduction {
                tls: None,
                ingress_annotations: Vec::new(),
                services: Vec::new(),
                pod_security,
                pod_security_span: None,
                patches: Vec::new(),
            };
        };
        self.k8s_names(k);
        K8sProduction {
            tls: k.tls.as_ref().map(|t| self.tls(t, stack)),
            ingress_annotations: k
                .ingress_annotations
                .iter()
                .map(|(a, v)| (a.value.clone(), v.value.clone()))
                .collect(),
            services: k
                .services
                .iter()
                .filter_map(|(name, o)| self.k8s_service(name, o, names))
                .collect(),
            pod_security,
            pod_security_span: k.pod_security.as_ref().map(|p| p.span),
            patches: k.patches.iter().filter_map(|p| self.patch(p)).collect(),
        }
    }

    /// Names Kubernetes would refuse: hosts, the TLS Secret, annotation keys.
    fn k8s_names(&mut self, k: &K8sTargetSpec) {
        let hosts = k
            .host
            .iter()
            .chain(k.services.values().filter_map(|s| s.host.as_ref()));
        for h in hosts {
            let name = h.value.strip_prefix("*.").unwrap_or(&h.value);
            if !is_subdomain(name) {
                self.err(
                    ErrorCode::InvalidValue,
                    format!("invalid host `{}`", h.value.escape_debug()),
                    h.span,
                    "not a DNS name",
                    "write a lowercase DNS name such as `shop.example.com` (a leading `*.` is allowed)",
                );
            }
        }
        if let Some(secret) = k.tls.as_ref().and_then(|t| t.value.secret.as_ref())
            && !is_subdomain(&secret.value)
        {
            self.err(
                ErrorCode::InvalidValue,
                format!("invalid Secret name `{}`", secret.value.escape_debug()),
                secret.span,
                "not a Kubernetes object name",
                "use lowercase letters, digits, `-` and `.`",
            );
        }
        for key in k.ingress_annotations.keys() {
            if !is_annotation_key(&key.value) {
                self.err(
                    ErrorCode::InvalidValue,
                    format!("invalid annotation key `{}`", key.value.escape_debug()),
                    key.span,
                    "not a Kubernetes annotation key",
                    "write `prefix/name`: a DNS prefix, and a name of at most 63 letters, digits, `-`, `_` or `.`",
                );
            }
        }
    }

    fn tls(&mut self, t: &Sp<K8sTlsSpec>, stack: &str) -> K8sTls {
        let issuer = match (&t.cluster_issuer, &t.issuer) {
            (Some(c), Some(i)) => {
                self.err(
                    ErrorCode::MissingOrAmbiguousSource,
                    "`tls` names both a `cluster_issuer` and an `issuer`",
                    i.span,
                    "second issuer",
                    "keep one of them",
                );
                Some(("cert-manager.io/cluster-issuer", c.value.clone()))
            }
            (Some(c), None) => Some(("cert-manager.io/cluster-issuer", c.value.clone())),
            (None, Some(i)) => Some(("cert-manager.io/issuer", i.value.clone())),
            (None, None) => None,
        };
        if issuer.is_none() && t.secret.is_none() {
            // Without an issuer nothing fills a default Secret: the operator must name theirs.
            self.err(
                ErrorCode::MissingOrAmbiguousSource,
                "`tls` names neither a `secret` nor an issuer",
                t.span,
                "empty tls",
                "set `secret` to the certificate's Secret, or `cluster_issuer`/`issuer` for cert-manager",
            );
        }
        K8sTls {
            secret: t
                .secret
                .as_ref()
                .map(|s| s.value.clone())
                .unwrap_or_else(|| format!("{stack}-tls")),
            issuer,
        }
    }

    fn k8s_service(
        &mut self,
        name: &Sp<String>,
        o: &K8sServiceSpec,
        names: &Names,
    ) -> Option<K8sServiceOptions> {
        let Some(id) = names.services.get(&name.value) else {
            if !names.absent_services.contains_key(&name.value) {
                let help = hint_str(
                    &name.value,
                    names.services.keys(),
                    "name a service of the stack",
                );
                self.err(
                    ErrorCode::UnknownService,
                    format!("unknown service `{}` in `targets.k8s.services`", name.value),
                    name.span,
                    "not a service",
                    help,
                );
            }
            return None;
        };
        let ports = &names.ports[id.index()];
        let mut out = Vec::new();
        for (key, p) in &o.ports {
            let Some(port) = ports
                .iter()
                .find(|q| q.name == key.value || q.port.to_string() == key.value)
            else {
                let known: Vec<String> = ports.iter().map(|q| format!("`{}`", q.name)).collect();
                self.err(
                    ErrorCode::UnknownService,
                    format!("`{}` has no port `{}`", name.value, key.value),
                    key.span,
                    "not a port of the service",
                    if known.is_empty() {
                        "declare the port under the service's `ports`".to_string()
                    } else {
                        format!("name one of its ports: {}", known.join(", "))
                    },
                );
                continue;
            };
            let app_protocol = p
                .app_protocol
                .as_ref()
                .map(|w| Sp::new(self.word(Some(w), AppProtocol::Tcp), w.span));
            let expose = p
                .expose
                .as_ref()
                .map(|w| Sp::new(self.word(Some(w), PortRoute::Cluster), w.span));
            out.push(K8sPortOptions {
                port: port.name.clone(),
                span: key.span,
                app_protocol,
                expose,
                path: p.path.clone(),
            });
        }
        for path in o
            .path
            .iter()
            .chain(o.ports.values().filter_map(|p| p.path.as_ref()))
        {
            if !path.value.starts_with('/') || path.value.chars().any(char::is_whitespace) {
                self.err(
                    ErrorCode::InvalidValue,
                    format!("invalid Ingress path `{}`", path.value.escape_debug()),
                    path.span,
                    "not an absolute URL path",
                    "write a path starting with `/`, without spaces",
                );
            }
        }
        Some(K8sServiceOptions {
            service: name.value.clone(),
            span: name.span,
            host: o.host.clone(),
            path: o.path.clone(),
            ports: out,
        })
    }

    /// A patch: a mapping naming its object (strategic merge), or a list of operations with a
    /// target (JSON 6902).
    fn patch(&mut self, p: &K8sPatchSpec) -> Option<K8sPatch> {
        let target = p
            .target
            .as_ref()
            .map(|t| serde_json::to_value(t).unwrap_or_default());
        let ok = match &p.patch.value {
            serde_json::Value::Object(m) => {
                let named = m
                    .get("metadata")
                    .and_then(|md| md.get("name"))
                    .is_some_and(serde_json::Value::is_string);
                let typed = m.get("kind").is_some_and(serde_json::Value::is_string)
                    && m.get("apiVersion")
                        .is_some_and(serde_json::Value::is_string);
                if named && typed || target.is_some() {
                    true
                } else {
                    self.err(
                        ErrorCode::MissingOrAmbiguousSource,
                        "a strategic-merge patch must name its object",
                        p.patch.span,
                        "no `apiVersion`, `kind` or `metadata.name`",
                        "add `apiVersion`, `kind` and `metadata.name` of the object to patch, or a `target`",
                    );
                    false
                }
            }
            serde_json::Value::Array(ops) => {
                let well_formed = ops.iter().all(|op| {
                    op.get("op")
                        .and_then(serde_json::Value::as_str)
                        .is_some_and(|o| PatchOp::parse(o).is_some())
                        && op.get("path").is_some_and(serde_json::Value::is_string)
                });
                if !well_formed || ops.is_empty() {
                    self.err(
                        ErrorCode::InvalidValue,
                        "invalid JSON 6902 patch",
                        p.patch.span,
                        format!(
                            "each operation needs an `op` ({}) and a `path`",
                            PatchOp::spellings().join(", ")
                        ),
                        "write a list of `{ op: add, path: /spec/..., value: ... }`",
                    );
                    false
                } else if target.is_none() {
                    self.err(
                        ErrorCode::MissingOrAmbiguousSource,
                        "a JSON 6902 patch needs a `target`",
                        p.patch.span,
                        "no target",
                        "add `target: { kind: Deployment, name: api }`",
                    );
                    false
                } else {
                    true
                }
            }
            _ => {
                self.err(
                    ErrorCode::InvalidValue,
                    "a patch is a mapping (strategic merge) or a list of operations (JSON 6902)",
                    p.patch.span,
                    "neither",
                    "write the patch as YAML",
                );
                false
            }
        };
        ok.then(|| K8sPatch {
            span: p.patch.span,
            patch: p.patch.value.clone(),
            target,
        })
    }
}

/// A DNS-1123 subdomain: lowercase labels of letters, digits and `-`, joined by `.`.
fn is_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// A Kubernetes annotation key: `[prefix/]name`.
fn is_annotation_key(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    prefix.is_none_or(is_subdomain)
        && !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_names() {
        assert!(is_subdomain("api.an-app.example.com"));
        assert!(!is_subdomain("API.example.com"));
        assert!(!is_subdomain("a..b"));
        assert!(is_annotation_key(
            "nginx.ingress.kubernetes.io/proxy-body-size"
        ));
        assert!(is_annotation_key("team"));
        assert!(!is_annotation_key("bad key"));
        assert!(!is_annotation_key("Example.com/x"));
    }
}
