//! Exposure of public ports, port by port: HTTP ports through the Ingress (TLS, annotations,
//! class, a host and path per service), other TCP ports through a LoadBalancer Service,
//! database ports kept inside the cluster unless asked otherwise.
//!
//! How a public port is known to speak HTTP, first match wins:
//! 1. `targets.k8s.services.<svc>.ports.<port>.app_protocol` (`http` or `tcp`);
//! 2. the service's `health.http` checks that port: HTTP;
//! 3. the port's name is `http`, `https`, `web`, `ui`, `console`, `api` or ends in `-http`: HTTP;
//! 4. a well-known number: HTTP for 80, 443, 3000, 5000, 8000, 8080, 8081, 8443, 8888, 9000;
//!    TCP for SSH, SMTP, DNS and the database and broker ports (see [`TCP_PORTS`]);
//! 5. otherwise a LoadBalancer Service (any TCP protocol), with a loss entry that names
//!    `app_protocol`.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use stackc_compiler::diag::{Diagnostic, ErrorCode};
use stackc_compiler::ir::{
    AppProtocol, Exposure, K8sExpose, Port, PortRoute, Protocol, Service, ServiceId,
};

use super::Emitter;
use super::names::stack_labels;
use crate::output::Outcome;

/// Well-known ports that speak HTTP.
const HTTP_PORTS: &[u16] = &[80, 443, 3000, 5000, 8000, 8080, 8081, 8443, 8888, 9000];
/// Port names that say HTTP.
const HTTP_NAMES: &[&str] = &["http", "https", "web", "ui", "console", "api"];
/// Well-known ports that speak another TCP protocol (SSH, SMTP, DNS, mail, databases, brokers).
const TCP_PORTS: &[u16] = &[
    21, 22, 25, 53, 110, 143, 389, 465, 587, 636, 993, 995, 1433, 1521, 1883, 2049, 2181, 3306,
    4222, 5432, 5672, 6379, 6380, 7000, 7001, 7687, 8883, 9042, 9092, 9300, 11211, 26257, 27017,
    28015,
];
/// Well-known database and broker ports, which stay inside the cluster unless asked.
const DATABASE_PORTS: &[u16] = &[
    1433, 1521, 2181, 3306, 4222, 5432, 5672, 6379, 6380, 7000, 7001, 7687, 9042, 9092, 9300,
    11211, 26257, 27017, 28015,
];

/// What a public port becomes.
#[derive(Clone, Debug)]
pub(super) struct Route {
    pub service: ServiceId,
    /// The port's name.
    pub port: String,
    pub kind: PortRoute,
    pub path: String,
}

/// Whether a port speaks HTTP: `Some(true)`, `Some(false)` (another protocol), `None` (unknown).
pub(super) fn speaks_http(svc: &Service, p: &Port, written: Option<AppProtocol>) -> Option<bool> {
    if let Some(a) = written {
        return Some(a == AppProtocol::Http);
    }
    if p.protocol == Protocol::Udp {
        return Some(false);
    }
    if svc
        .health
        .as_ref()
        .and_then(|h| h.http.as_ref())
        .is_some_and(|h| h.port.value == p.port)
    {
        return Some(true);
    }
    if HTTP_NAMES.contains(&p.name.as_str()) || p.name.ends_with("-http") {
        return Some(true);
    }
    if HTTP_PORTS.contains(&p.port) {
        return Some(true);
    }
    if TCP_PORTS.contains(&p.port) {
        return Some(false);
    }
    None
}

impl Emitter<'_> {
    /// The route of every public port, or the located errors of ports that cannot be routed.
    pub(super) fn routes(&mut self) -> Result<Vec<Route>, Vec<Diagnostic>> {
        let stack = self.stack;
        let f = &stack.file;
        let mut routes = Vec::new();
        let mut errors = Vec::new();
        for (id, svc) in stack.services_with_ids() {
            let opts = stack.targets.k8s.service(&svc.name.value);
            for p in svc.ports.iter().filter(|p| p.exposure == Exposure::Public) {
                let port_opts = opts.and_then(|o| o.ports.iter().find(|q| q.port == p.name));
                let written = port_opts
                    .and_then(|o| o.app_protocol.as_ref())
                    .map(|a| a.value);
                let http = speaks_http(svc, p, written);
                let asked = port_opts.and_then(|o| o.expose.as_ref());
                let database = svc.role_database.is_some() || DATABASE_PORTS.contains(&p.port);
                let kind = match (asked.map(|a| a.value), http) {
                    (Some(PortRoute::Ingress) | None, _)
                        if p.protocol == Protocol::Udp && http == Some(true) =>
                    {
                        errors.push(
                            Diagnostic::error(
                                ErrorCode::K8sPortExposure,
                                format!(
                                    "port `{}` of `{}` is UDP and cannot go through the Ingress",
                                    p.name, svc.name.value
                                ),
                            )
                            .at(f, p.span, "UDP port")
                            .help("use `app_protocol: tcp` with `expose: loadbalancer`"),
                        );
                        continue;
                    }
                    (Some(PortRoute::Ingress), Some(false)) => {
                        let at = asked.map(|a| a.span).unwrap_or(p.span);
                        errors.push(
                            Diagnostic::error(ErrorCode::K8sPortExposure, format!("port `{}` of `{}` does not speak HTTP and cannot go through the Ingress", p.name, svc.name.value))
                                .at(f, at, "an Ingress routes HTTP only")
                                .help("use `expose: loadbalancer` for a TCP port, or `app_protocol: http` if it does speak HTTP"),
                        );
                        continue;
                    }
                    (Some(k), _) => k,
                    (None, Some(true)) if stack.targets.k8s.expose == K8sExpose::LoadBalancer => {
                        PortRoute::LoadBalancer
                    }
                    (None, Some(true)) => PortRoute::Ingress,
                    (None, Some(false)) if database => {
                        self.loss(
                            Some(svc),
                            format!("ports.{}.expose: public", p.name),
                            Outcome::Approximated(format!("port {} is a database's: it stays inside the cluster (no Ingress, no LoadBalancer, no NetworkPolicy opening it); set `targets.k8s.services.{}.ports.{}.expose: loadbalancer` to publish it", p.port, svc.name.value, p.name)),
                            Some(p.span),
                        );
                        PortRoute::Cluster
                    }
                    (None, Some(false)) => PortRoute::LoadBalancer,
                    (None, None) => {
                        // A LoadBalancer carries any TCP protocol, HTTP included: deployable as
                        // it is, and never an Ingress route for a port that may not speak HTTP.
                        self.loss(
                            Some(svc),
                            format!("ports.{}.expose: public", p.name),
                            Outcome::Approximated(format!("stackc cannot tell whether port {} speaks HTTP, so it is published through a LoadBalancer Service (no TLS, no host name); set `targets.k8s.services.{}.ports.{}.app_protocol: http` to route it through the Ingress, or `tcp` to keep the LoadBalancer without this note", p.port, svc.name.value, p.name)),
                            Some(p.span),
                        );
                        PortRoute::LoadBalancer
                    }
                };
                let path = port_opts
                    .and_then(|o| o.path.as_ref())
                    .or(opts.and_then(|o| o.path.as_ref()))
                    .map(|p| p.value.clone())
                    .unwrap_or_else(|| "/".into());
                routes.push(Route {
                    service: id,
                    port: p.name.clone(),
                    kind,
                    path,
                });
            }
        }
        errors.extend(self.unpublished_port_options());
        if errors.is_empty() {
            Ok(routes)
        } else {
            Err(errors)
        }
    }

    /// Exposure asked for ports that are not public: an error rather than an ignored setting.
    fn unpublished_port_options(&self) -> Vec<Diagnostic> {
        let stack = self.stack;
        let mut errors = Vec::new();
        for o in &stack.targets.k8s.services {
            let Some(svc) = stack.services.iter().find(|s| s.name.value == o.service) else {
                continue;
            };
            for po in &o.ports {
                let public = svc
                    .ports
                    .iter()
                    .any(|p| p.name == po.port && p.exposure == Exposure::Public);
                if let Some(e) = po
                    .expose
                    .as_ref()
                    .filter(|e| e.value != PortRoute::Cluster && !public)
                {
                    errors.push(
                        Diagnostic::error(
                            ErrorCode::K8sPortExposure,
                            format!(
                                "port `{}` of `{}` is not public, so it cannot be exposed",
                                po.port, svc.name.value
                            ),
                        )
                        .at(&stack.file, e.span, "exposure of a port kept private")
                        .help("set `expose: public` on the service's port, or remove this setting"),
                    );
                }
            }
        }
        errors
    }

    /// The Ingress of the HTTP routes: one rule per host, one path per route, TLS when asked.
    pub(super) fn ingress(&mut self, routes: &[Route]) -> Option<Ingress> {
        let stack = self.stack;
        let opts = &stack.targets.k8s;
        // host → [(path, service, port)]
        let mut rules: Vec<(Option<String>, Vec<HTTPIngressPath>)> = Vec::new();
        for r in routes.iter().filter(|r| r.kind == PortRoute::Ingress) {
            let svc = stack.service(r.service);
            let svc_opts = opts.service(&svc.name.value);
            let mut host = svc_opts
                .and_then(|o| o.host.as_ref())
                .map(|h| h.value.clone())
                .or_else(|| opts.host.clone());
            let taken = |rules: &Vec<(Option<String>, Vec<HTTPIngressPath>)>,
                         h: &Option<String>| {
                rules.iter().any(|(rh, paths)| {
                    rh == h
                        && paths
                            .iter()
                            .any(|p| p.path.as_deref() == Some(r.path.as_str()))
                })
            };
            let feature = format!("ports.{}.expose: public", r.port);
            let span = svc.ports.iter().find(|p| p.name == r.port).map(|p| p.span);
            if taken(&rules, &host) {
                match &host {
                    Some(h) => {
                        let derived = format!("{}.{h}", svc.dns_name);
                        self.loss(
                            Some(svc),
                            feature,
                            Outcome::Approximated(format!("`{h}{}` already routes to another port: this one is served at host `{derived}`; set `targets.k8s.services.{}.host` or a `path`", r.path, svc.name.value)),
                            span,
                        );
                        host = Some(derived);
                    }
                    None => {
                        self.loss(
                            Some(svc),
                            feature,
                            Outcome::Dropped(format!("without a host the Ingress's `{}` is already taken by another port: set `targets.k8s.services.{}.host` or a `path`", r.path, svc.name.value)),
                            span,
                        );
                        continue;
                    }
                }
            }
            let path = HTTPIngressPath {
                path: Some(r.path.clone()),
                path_type: "Prefix".into(),
                backend: IngressBackend {
                    service: Some(IngressServiceBackend {
                        name: svc.dns_name.clone(),
                        port: Some(ServiceBackendPort {
                            name: Some(r.port.clone()),
                            ..Default::default()
                        }),
                    }),
                    ..Default::default()
                },
            };
            match rules.iter_mut().find(|(h, _)| *h == host) {
                Some((_, paths)) => paths.push(path),
                None => rules.push((host, vec![path])),
            }
        }
        if rules.is_empty() {
            return None;
        }
        let hosts: Vec<String> = rules.iter().filter_map(|(h, _)| h.clone()).collect();
        let mut annotations: BTreeMap<String, String> =
            opts.ingress_annotations.iter().cloned().collect();
        let tls = match &opts.tls {
            Some(t) => {
                if let Some((key, issuer)) = &t.issuer {
                    annotations.insert((*key).to_string(), issuer.clone());
                }
                Some(vec![IngressTLS {
                    hosts: (!hosts.is_empty()).then_some(hosts),
                    secret_name: Some(t.secret.clone()),
                }])
            }
            None => {
                self.loss(
                    None,
                    "targets.k8s.tls",
                    Outcome::Dropped("the Ingress serves plain HTTP: set `targets.k8s.tls` (a certificate Secret, or a cert-manager issuer)".into()),
                    None,
                );
                None
            }
        };
        let mut meta = self.meta(&stack.name.value, stack_labels(stack));
        meta.annotations = (!annotations.is_empty()).then_some(annotations);
        Some(Ingress {
            metadata: meta,
            spec: Some(IngressSpec {
                ingress_class_name: opts.ingress_class.clone(),
                rules: Some(
                    rules
                        .into_iter()
                        .map(|(host, paths)| IngressRule {
                            host,
                            http: Some(HTTPIngressRuleValue { paths }),
                        })
                        .collect(),
                ),
                tls,
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}

/// The routed ports of one service with the given route kind.
pub(super) fn routed(
    routes: &[Route],
    svc: ServiceId,
    kind: PortRoute,
) -> impl Iterator<Item = &str> {
    routes
        .iter()
        .filter(move |r| r.service == svc && r.kind == kind)
        .map(|r| r.port.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_ports_are_classified() {
        assert!(HTTP_PORTS.iter().all(|p| !TCP_PORTS.contains(p)));
        assert!(DATABASE_PORTS.iter().all(|p| TCP_PORTS.contains(p)));
    }
}
