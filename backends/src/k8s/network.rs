//! Networking: Services per service, LoadBalancer Services for public TCP ports, and
//! NetworkPolicies derived from the network tiers and the dependency graph.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service as KService, ServicePort, ServiceSpec};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use stackc_compiler::ir::{Exposure, NetworkId, Port, PortRoute, Service, ServiceId};

use super::Emitter;
use super::exposure::{Route, routed};
use super::names::{labels, selector, stack_labels, tier_label};
use super::pod::{Workload, protocol};
use crate::output::Outcome;

fn service_port(p: &Port, port: u16) -> ServicePort {
    ServicePort {
        name: Some(p.name.clone()),
        port: i32::from(port),
        target_port: Some(IntOrString::String(p.name.clone())),
        protocol: Some(protocol(p.protocol).into()),
        app_protocol: p.app_protocol.as_ref().map(|a| a.value.clone()),
        ..Default::default()
    }
}

fn policy_port(p: &Port) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(i32::from(p.port))),
        protocol: Some(protocol(p.protocol).into()),
        ..Default::default()
    }
}

fn peer(labels: BTreeMap<String, String>) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(labels),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl Emitter<'_> {
    /// The Services of one service: ClusterIP with every port, the headless Service a
    /// StatefulSet needs, and a LoadBalancer for public ports when exposing that way.
    pub(super) fn services(
        &mut self,
        id: ServiceId,
        svc: &Service,
        workload: Workload,
        routes: &[Route],
    ) -> Vec<KService> {
        let mut out = Vec::new();
        for p in &svc.ports {
            if p.exposure == Exposure::Loopback {
                self.loss(
                    Some(svc),
                    format!("ports.{}.expose: loopback", p.name),
                    Outcome::Approximated("Kubernetes has no host loopback: the port is reachable inside the cluster only (ClusterIP); use `kubectl port-forward` to reach it from a workstation".into()),
                    p.exposure_span.or(Some(p.span)),
                );
            }
        }
        let ports: Vec<ServicePort> = svc.ports.iter().map(|p| service_port(p, p.port)).collect();
        if !ports.is_empty() {
            out.push(KService {
                metadata: self.meta(&svc.dns_name, labels(self.stack, svc)),
                spec: Some(ServiceSpec {
                    type_: Some("ClusterIP".into()),
                    selector: Some(selector(self.stack, svc)),
                    ports: Some(ports.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        if workload == Workload::StatefulSet {
            out.push(KService {
                metadata: self.meta(&headless_name(svc), labels(self.stack, svc)),
                spec: Some(ServiceSpec {
                    cluster_ip: Some("None".into()),
                    selector: Some(selector(self.stack, svc)),
                    ports: (!ports.is_empty()).then_some(ports),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        let balanced: Vec<&str> = routed(routes, id, PortRoute::LoadBalancer).collect();
        let public: Vec<&Port> = svc
            .ports
            .iter()
            .filter(|p| balanced.contains(&p.name.as_str()))
            .collect();
        if !public.is_empty() {
            out.push(KService {
                metadata: self.meta(&format!("{}-public", svc.dns_name), labels(self.stack, svc)),
                spec: Some(ServiceSpec {
                    type_: Some("LoadBalancer".into()),
                    selector: Some(selector(self.stack, svc)),
                    ports: Some(
                        public
                            .iter()
                            .map(|p| service_port(p, p.host_port))
                            .collect(),
                    ),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        out
    }

    /// Tiers a service is on; `None` is the stack's default network.
    fn tiers(&self, svc: &Service) -> Vec<Option<NetworkId>> {
        if svc.networks.is_empty() {
            vec![None]
        } else {
            svc.networks.iter().map(|(n, _)| Some(*n)).collect()
        }
    }

    fn shares_tier(&self, a: &Service, b: &Service) -> bool {
        let tb = self.tiers(b);
        self.tiers(a).iter().any(|t| tb.contains(t))
    }

    /// Whether the service is only on internal tiers (no route out).
    fn internal_only(&self, svc: &Service) -> bool {
        !svc.networks.is_empty()
            && svc
                .networks
                .iter()
                .all(|(n, _)| self.stack.network(*n).internal)
    }

    /// NetworkPolicies: default-deny ingress for the namespace, then what the tiers allow.
    pub(super) fn network_policies(
        &mut self,
        api_clients: &[ServiceId],
        routes: &[Route],
    ) -> Vec<NetworkPolicy> {
        let stack = self.stack;
        let name = &stack.name.value;
        let stack_selector =
            BTreeMap::from([(super::names::PART_OF_LABEL.to_string(), name.clone())]);
        let policy = |e: &Self,
                      n: String,
                      pod: BTreeMap<String, String>,
                      spec: NetworkPolicySpec| NetworkPolicy {
            metadata: e.meta(&n, stack_labels(stack)),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(pod),
                    ..Default::default()
                }),
                ..spec
            }),
        };
        let mut out = vec![NetworkPolicy {
            metadata: self.meta(&format!("{name}-default-deny-ingress"), stack_labels(stack)),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector::default()),
                policy_types: Some(vec!["Ingress".into()]),
                ..Default::default()
            }),
        }];
        // Only ports routed out of the cluster (Ingress or LoadBalancer) are opened to everyone.
        let public_rule = |id: ServiceId, svc: &Service| {
            let open: Vec<&str> = routes
                .iter()
                .filter(|r| r.service == id && r.kind != PortRoute::Cluster)
                .map(|r| r.port.as_str())
                .collect();
            let ports: Vec<NetworkPolicyPort> = svc
                .ports
                .iter()
                .filter(|p| open.contains(&p.name.as_str()))
                .map(policy_port)
                .collect();
            (!ports.is_empty()).then_some(NetworkPolicyIngressRule {
                ports: Some(ports),
                from: None,
            })
        };
        if stack.networks.is_empty() {
            out.push(policy(
                self,
                format!("{name}-allow-stack"),
                stack_selector.clone(),
                NetworkPolicySpec {
                    policy_types: Some(vec!["Ingress".into()]),
                    ingress: Some(vec![NetworkPolicyIngressRule {
                        from: Some(vec![peer(stack_selector.clone())]),
                        ports: None,
                    }]),
                    ..Default::default()
                },
            ));
            for (id, svc) in stack.services_with_ids() {
                if let Some(rule) = public_rule(id, svc) {
                    out.push(policy(
                        self,
                        format!("{}-public", svc.dns_name),
                        selector(stack, svc),
                        NetworkPolicySpec {
                            policy_types: Some(vec!["Ingress".into()]),
                            ingress: Some(vec![rule]),
                            ..Default::default()
                        },
                    ));
                }
            }
            return out;
        }
        let mut dependents: Vec<Vec<ServiceId>> = vec![Vec::new(); stack.services.len()];
        for (id, svc) in stack.services_with_ids() {
            for d in &svc.depends_on {
                dependents[d.service.index()].push(id);
            }
        }
        for (id, svc) in stack.services_with_ids() {
            if svc.ports.is_empty() {
                continue;
            }
            // One peer per tier the service joins (the default network when it names none),
            // plus the services that depend on it from outside its tiers: linear in services and
            // dependencies. Never an empty `from`, which Kubernetes reads as "from anywhere".
            let mut peers: Vec<NetworkPolicyPeer> = svc
                .networks
                .iter()
                .map(|(n, _)| tier_peer(stack, *n))
                .collect();
            if svc.networks.is_empty() {
                peers.push(default_tier_peer(stack));
            }
            peers.extend(
                dependents[id.index()]
                    .iter()
                    .map(|d| stack.service(*d))
                    .filter(|other| !self.shares_tier(svc, other))
                    .map(|other| peer(selector(stack, other))),
            );
            let mut rules = vec![NetworkPolicyIngressRule {
                from: Some(peers),
                ports: Some(svc.ports.iter().map(policy_port).collect()),
            }];
            rules.extend(public_rule(id, svc));
            out.push(policy(
                self,
                format!("{}-ingress", svc.dns_name),
                selector(stack, svc),
                NetworkPolicySpec {
                    policy_types: Some(vec!["Ingress".into()]),
                    ingress: Some(rules),
                    ..Default::default()
                },
            ));
        }
        for (id, svc) in stack.services_with_ids() {
            if !self.internal_only(svc) {
                continue;
            }
            let mut peers: Vec<NetworkPolicyPeer> = svc
                .networks
                .iter()
                .map(|(n, _)| tier_peer(stack, *n))
                .collect();
            peers.extend(
                svc.depends_on
                    .iter()
                    .map(|d| stack.service(d.service))
                    .filter(|other| !self.shares_tier(svc, other))
                    .map(|other| peer(selector(stack, other))),
            );
            let dns = ["UDP", "TCP"]
                .iter()
                .map(|p| NetworkPolicyPort {
                    port: Some(IntOrString::Int(53)),
                    protocol: Some((*p).into()),
                    ..Default::default()
                })
                .collect();
            let mut rules = vec![
                NetworkPolicyEgressRule {
                    to: Some(peers),
                    ports: None,
                },
                NetworkPolicyEgressRule {
                    to: None,
                    ports: Some(dns),
                },
            ];
            if api_clients.contains(&id) {
                self.loss(
                    Some(svc),
                    "networks",
                    Outcome::Approximated("the pod waits for a Job through the Kubernetes API: egress to TCP 443 and 6443 is allowed to any address".into()),
                    None,
                );
                let api = [443, 6443]
                    .iter()
                    .map(|p| NetworkPolicyPort {
                        port: Some(IntOrString::Int(*p)),
                        protocol: Some("TCP".into()),
                        ..Default::default()
                    })
                    .collect();
                rules.push(NetworkPolicyEgressRule {
                    to: None,
                    ports: Some(api),
                });
            }
            out.push(policy(
                self,
                format!("{}-egress", svc.dns_name),
                selector(stack, svc),
                NetworkPolicySpec {
                    policy_types: Some(vec!["Egress".into()]),
                    egress: Some(rules),
                    ..Default::default()
                },
            ));
        }
        out
    }
}

/// The pods of this stack on its default network (services that name no network).
fn default_tier_peer(stack: &stackc_compiler::ir::Stack) -> NetworkPolicyPeer {
    peer(BTreeMap::from([
        (
            super::names::DEFAULT_TIER_LABEL.to_string(),
            "true".to_string(),
        ),
        (
            super::names::PART_OF_LABEL.to_string(),
            stack.name.value.clone(),
        ),
    ]))
}

/// The pods of one network tier of this stack.
fn tier_peer(stack: &stackc_compiler::ir::Stack, n: NetworkId) -> NetworkPolicyPeer {
    peer(BTreeMap::from([
        (tier_label(stack, n), "true".to_string()),
        (
            super::names::PART_OF_LABEL.to_string(),
            stack.name.value.clone(),
        ),
    ]))
}

/// The headless Service that governs a StatefulSet.
pub(super) fn headless_name(svc: &Service) -> String {
    let mut n = format!("{}-headless", svc.dns_name);
    n.truncate(63);
    n.trim_end_matches('-').to_string()
}
