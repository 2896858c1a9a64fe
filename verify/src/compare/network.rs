//! Who can reach whom, and what is reachable from outside: networks and aliases (compose,
//! Podman), NetworkPolicies and the Ingress or LoadBalancer (Kubernetes), published ports.

use std::collections::BTreeSet;

use stackc_compiler::ir::{Exposure, Protocol, Service};

use super::{Cmp, rules};
use crate::Target;
use crate::model::{Model, Publish};
use crate::source::Loc;

pub fn check(c: &mut Cmp, model: &Model) {
    if c.target == Target::K8s {
        if model.has_policies {
            reach(c, model);
        }
        routes(c, model);
        return;
    }
    for svc in &c.stack.services {
        let names = c.service_names(&svc.name.value);
        let Some(w) = names.iter().find_map(|n| model.workloads.get(n)) else {
            continue;
        };
        networks(c, svc, w);
        published(c, svc, w);
    }
}

/// Names a spec network may have in this target.
fn network_names(c: &Cmp, name: &str) -> Vec<String> {
    let stack = c.stack;
    stack
        .networks
        .iter()
        .filter(|n| n.name.value == name)
        .flat_map(|n| rules::object_names(&stack.name.value, &n.name.value, &n.dns_name))
        .collect()
}

fn networks(c: &mut Cmp, svc: &Service, w: &crate::model::Workload) {
    let name = &svc.name.value;
    let spec_loc = |c: &Cmp, span| Loc::of_span(&c.stack.file, span);
    let mut matched = BTreeSet::new();
    for (id, span) in &svc.networks {
        let net = &c.stack.network(*id).name.value;
        let cands = network_names(c, net);
        match w.networks.iter().find(|n| cands.contains(&n.value)) {
            Some(n) => {
                matched.insert(n.value.clone());
            }
            None => {
                let l = spec_loc(c, *span);
                c.diff(&w.loc, Some(&l), format!("`{name}`: not on network `{net}`, so it cannot reach or be reached by the services there"), "rebuild from the spec");
            }
        }
    }
    for n in &w.networks {
        if matched.contains(&n.value) {
            continue;
        }
        let is_default = rules::may_join_default(c.stack, svc)
            && (n.value == "default" || n.value.ends_with("-default"));
        if !is_default {
            c.diff(
                &n.loc,
                None,
                format!(
                    "`{name}`: joins network `{}`, which the spec does not give it",
                    n.value
                ),
                "rebuild from the spec",
            );
        }
    }
}

fn published(c: &mut Cmp, svc: &Service, w: &crate::model::Workload) {
    let name = &svc.name.value;
    let expected: Vec<(Publish, Loc)> = svc
        .ports
        .iter()
        .filter(|p| p.is_published())
        .map(|p| {
            let pb = Publish {
                host_ip: crate::expect::publish_ip(p),
                host_port: p.host_port,
                port: p.port,
                udp: p.protocol == Protocol::Udp,
            };
            (pb, Loc::of_span(&c.stack.file, p.span))
        })
        .collect();
    for (e, l) in &expected {
        if w.published.iter().any(|a| a.value == *e) {
            continue;
        }
        match w
            .published
            .iter()
            .find(|a| a.value.port == e.port && a.value.udp == e.udp)
        {
            Some(a) => c.diff(
                &a.loc,
                Some(l),
                format!(
                    "`{name}`: port {} is published as {}, the spec says {}",
                    e.port,
                    a.value.describe(),
                    e.describe()
                ),
                "rebuild from the spec",
            ),
            None => c.diff(
                &w.loc,
                Some(l),
                format!(
                    "`{name}`: port {} is not published; the spec says {}",
                    e.port,
                    e.describe()
                ),
                "rebuild from the spec",
            ),
        }
    }
    for a in &w.published {
        if !expected
            .iter()
            .any(|(e, _)| e.port == a.value.port && e.udp == a.value.udp)
        {
            c.diff(
                &a.loc,
                None,
                format!(
                    "`{name}`: port {} is published as {}, but the spec keeps it internal",
                    a.value.port,
                    a.value.describe()
                ),
                "rebuild from the spec",
            );
        }
    }
}

/// Tiers of a service; `None` is the stack's default network.
fn tiers(svc: &Service) -> Vec<Option<u32>> {
    if svc.networks.is_empty() {
        vec![None]
    } else {
        svc.networks.iter().map(|(n, _)| Some(n.0)).collect()
    }
}

/// NetworkPolicies against the spec's networks: each declared port is reachable from exactly
/// the services sharing a network, and from anyone when public.
fn reach(c: &mut Cmp, model: &Model) {
    let stack = c.stack;
    for svc in &stack.services {
        let names = c.service_names(&svc.name.value);
        let Some(w) = names.iter().find_map(|n| model.workloads.get(n)) else {
            continue;
        };
        let mine = tiers(svc);
        let peers: Vec<&Service> = stack
            .services
            .iter()
            .filter(|o| o.name.value != svc.name.value && tiers(o).iter().any(|t| mine.contains(t)))
            .collect();
        let mut ports: Vec<&stackc_compiler::ir::Port> = svc.ports.iter().collect();
        ports.dedup_by_key(|p| p.port);
        for p in ports {
            let name = &svc.name.value;
            let spec_loc = Loc::of_span(&stack.file, p.span);
            let Some(allowed) = model.reach.get(&(w.name.clone(), p.port)) else {
                if p.exposure != Exposure::Public {
                    c.diff(&w.loc, Some(&spec_loc), format!("`{name}`: no NetworkPolicy selects it, so port {} is open to every pod", p.port), "rebuild from the spec");
                }
                continue;
            };
            let public = svc
                .ports
                .iter()
                .any(|q| q.port == p.port && q.exposure == Exposure::Public);
            match (&allowed.anyone, public) {
                (Some(l), false) => c.diff(l, Some(&spec_loc), format!("`{name}`: port {} is open to everyone by the NetworkPolicy at {}; the spec keeps it inside the stack", p.port, l.display()), "rebuild from the spec"),
                (None, true) => c.diff(&w.loc, Some(&spec_loc), format!("`{name}`: public port {} is not open to traffic from outside the stack", p.port), "rebuild from the spec"),
                _ => {}
            }
            if allowed.anyone.is_some() {
                continue;
            }
            for o in &peers {
                let found = c
                    .service_names(&o.name.value)
                    .iter()
                    .any(|n| allowed.peers.contains_key(n));
                if !found {
                    let at = allowed.selected_by.clone().unwrap_or_else(|| w.loc.clone());
                    c.diff(&at, Some(&spec_loc), format!("`{name}`: port {} is not reachable from `{}`, which shares a network with it in the spec", p.port, o.name.value), "rebuild from the spec");
                }
            }
            for (peer, l) in &allowed.peers {
                let Some(spec_peer) = c.spec_service_of(peer) else {
                    continue;
                };
                if spec_peer != *name
                    && !peers.iter().any(|o| o.name.value == spec_peer)
                    && !rules::dependent_may_reach(stack, &spec_peer, svc)
                {
                    c.diff(l, Some(&spec_loc), format!("`{name}`: port {} is reachable from `{spec_peer}` by the NetworkPolicy at {}; the spec gives them no shared network", p.port, l.display()), "rebuild from the spec");
                }
            }
        }
    }
}

/// Ingress / LoadBalancer routes against the spec's public ports.
fn routes(c: &mut Cmp, model: &Model) {
    let stack = c.stack;
    let mut routed = BTreeSet::new();
    for r in &model.routes {
        let Some(name) = c.spec_service_of(&r.value.workload) else {
            c.diff(
                &r.loc,
                None,
                format!(
                    "{} at {} routes to `{}`, which is no service of the spec",
                    r.value.what,
                    r.loc.display(),
                    r.value.port_text
                ),
                "rebuild from the spec",
            );
            continue;
        };
        let svc = stack
            .services
            .iter()
            .find(|s| s.name.value == name)
            .expect("found by name");
        let public: Vec<u16> = svc
            .ports
            .iter()
            .filter(|p| p.exposure == Exposure::Public)
            .map(|p| p.port)
            .collect();
        if let (Some(h), Some(want)) = (&r.value.host, &stack.targets.k8s.host)
            && h != want
            && *h != format!("{}.{want}", svc.dns_name)
        {
            let at = r.value.host_loc.clone().unwrap_or_else(|| r.loc.clone());
            c.diff(
                &at,
                None,
                format!(
                    "`{name}`: {} at {} serves host `{h}`, the spec's host is `{want}`",
                    r.value.what,
                    at.display()
                ),
                "rebuild from the spec",
            );
        }
        match r.value.port {
            Some(p) if public.contains(&p) => {
                routed.insert(name.clone());
            }
            _ => {
                let spec_loc = svc
                    .ports
                    .iter()
                    .find(|p| p.exposure == Exposure::Public)
                    .map(|p| Loc::of_span(&stack.file, p.span));
                let want = public
                    .first()
                    .map_or("no public port".to_string(), |p| format!("port {p}"));
                c.diff(
                    &r.loc,
                    spec_loc.as_ref(),
                    format!(
                        "`{name}`: {want} is routed to `{}` by {} at {}",
                        r.value.port_text,
                        r.value.what,
                        r.loc.display()
                    ),
                    "route to the service's public port; rebuild from the spec",
                );
                routed.insert(name.clone());
            }
        }
    }
    let catch_all_taken = stack.targets.k8s.host.is_none() && !model.routes.is_empty();
    for svc in &stack.services {
        let Some(p) = svc
            .ports
            .iter()
            .find(|p| p.exposure == Exposure::Public && p.protocol == Protocol::Tcp)
        else {
            continue;
        };
        if routed.contains(&svc.name.value) || catch_all_taken {
            continue;
        }
        let at = Loc::of_span(&stack.file, p.span);
        let w = c
            .service_names(&svc.name.value)
            .into_iter()
            .find_map(|n| model.workloads.get(&n).map(|w| w.loc.clone()));
        c.diff(
            w.as_ref().unwrap_or(&at),
            Some(&at),
            format!(
                "`{}`: public port {} has no Ingress route or LoadBalancer",
                svc.name.value, p.port
            ),
            "rebuild from the spec",
        );
    }
}
