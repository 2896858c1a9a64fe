//! Networks: which networks each service joins, its alias, the networks to create, and the
//! unit names every generated file owns (`STK055` when two owners share one).

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{HostNamespace, NetworkId, Service, SystemdFlavour};

use super::keys::Via;
use crate::output::Outcome;
use crate::systemd::Emitter;

/// A network a container joins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Net {
    Declared(NetworkId),
    /// The stack's default network `<stack>-default` (services that name no network).
    Default,
}

/// How a service is connected, before names are given.
#[derive(Clone, Debug, Default)]
pub(crate) struct Joins {
    /// `host_namespaces: [network]`: no networks, no aliases, no published ports.
    pub host: bool,
    pub nets: Vec<Net>,
}

/// How a service is connected.
#[derive(Clone, Debug, Default)]
pub(crate) struct NetPlan {
    /// The host's network: no networks, no alias, no published ports.
    pub host: bool,
    /// `<stack>-<dns_name>` of each network joined.
    pub nets: Vec<String>,
    /// The alias other services reach it at (its DNS name); `None` with the host's network or
    /// when the targeted Podman cannot set it.
    pub alias: Option<(String, Via)>,
}

/// A network to create.
pub(crate) struct NetworkPlan {
    /// `<stack>-<dns_name>`, the runtime's name.
    pub name: String,
    /// `network `x`` or `default network`, for descriptions.
    pub label: String,
    pub internal: bool,
    /// Quadlet: the targeted Podman has `NetworkName=`.
    pub named: bool,
    /// Where the network was declared (`None` for the implicit default network).
    pub span: Option<Span>,
}

/// `<network>-network.service`: the plain units' oneshot that creates a network (and the
/// unit Quadlet generates from a `.network`).
pub(crate) fn network_unit(name: &str) -> String {
    format!("{name}-network.service")
}

/// The networks of every service, in service order (loss entries recorded once).
pub(super) fn lower_all(e: &mut Emitter) -> Vec<Joins> {
    let stack = e.stack;
    stack.services.iter().map(|s| joins(e, s)).collect()
}

fn joins(e: &mut Emitter, svc: &Service) -> Joins {
    if svc
        .security
        .host_namespaces
        .iter()
        .any(|n| n.value == HostNamespace::Network)
    {
        if let Some((_, span)) = svc.networks.first() {
            e.loss(
                Some(svc),
                "networks",
                Outcome::Dropped(
                    "the container uses the host's network; it joins no network and has no alias"
                        .into(),
                ),
                Some(*span),
            );
        }
        return Joins {
            host: true,
            nets: Vec::new(),
        };
    }
    let mut nets: Vec<Net> = svc
        .networks
        .iter()
        .map(|(id, _)| Net::Declared(*id))
        .collect();
    let all_internal = !nets.is_empty()
        && svc
            .networks
            .iter()
            .all(|(id, _)| e.stack.network(*id).internal);
    if nets.is_empty() {
        nets.push(default_net(e));
    } else if all_internal && svc.ports.iter().any(|p| p.is_published()) {
        let default = default_net(e);
        if !nets.contains(&default) {
            nets.push(default);
        }
        e.loss(
            Some(svc),
            "networks",
            Outcome::Approximated("podman cannot publish ports of a container that is only on internal networks; it also joins the stack's default network".into()),
            svc.networks.first().map(|(_, sp)| *sp),
        );
    }
    Joins { host: false, nets }
}

/// The default network: a declared network called `default`, else `<stack>-default`.
fn default_net(e: &Emitter) -> Net {
    match e
        .stack
        .networks
        .iter()
        .position(|n| n.dns_name == "default")
    {
        Some(i) => Net::Declared(NetworkId(i as u32)),
        None => Net::Default,
    }
}

/// The network's podman/docker name, `<stack>-<dns_name>`.
fn net_name(e: &Emitter, n: Net) -> String {
    match n {
        Net::Declared(id) => format!("{}-{}", e.name(), e.stack.network(id).dns_name),
        Net::Default => format!("{}-default", e.name()),
    }
}

/// Networks to create: every declared one, then the default one if a service uses it.
pub(super) fn networks(e: &Emitter, joins: &[Joins]) -> Vec<NetworkPlan> {
    let mut out: Vec<Net> = (0..e.stack.networks.len())
        .map(|i| Net::Declared(NetworkId(i as u32)))
        .collect();
    if joins.iter().any(|p| p.nets.contains(&Net::Default)) {
        out.push(Net::Default);
    }
    let named = e.has_unit_key(
        crate::systemd::quadlet_keys::QuadletUnit::Network,
        "NetworkName",
    );
    out.into_iter()
        .map(|n| {
            let (label, internal, span) = match n {
                Net::Declared(id) => {
                    let net = e.stack.network(id);
                    (
                        format!("network `{}`", net.name.value),
                        net.internal,
                        Some(net.name.span),
                    )
                }
                Net::Default => ("default network".to_string(), false, None),
            };
            NetworkPlan {
                name: net_name(e, n),
                label,
                internal,
                named,
                span,
            }
        })
        .collect()
}

/// Names the joined networks and decides how the alias is written.
pub(super) fn name(e: &mut Emitter, svc: &Service, j: Joins) -> NetPlan {
    if j.host {
        return NetPlan {
            host: true,
            ..NetPlan::default()
        };
    }
    let nets = j.nets.iter().map(|n| net_name(e, *n)).collect();
    let alias = e
        .via(svc, Some("NetworkAlias"), None, "network alias")
        .map(|via| (svc.dns_name.clone(), via));
    NetPlan {
        host: false,
        nets,
        alias,
    }
}

/// The systemd service names each generated file produces: two owners of one name are
/// `STK055`, located at the later owner (or the earlier, for the implicit default network).
pub(super) fn check_collisions(e: &mut Emitter, networks: &[NetworkPlan]) {
    let mut owners: Vec<(String, String, Option<Span>)> = Vec::new();
    for svc in &e.stack.services {
        owners.push((
            format!("{}.service", e.base(svc)),
            format!("service `{}`", svc.name.value),
            Some(svc.name.span),
        ));
    }
    for n in networks {
        let what = match n.span {
            Some(_) => n.label.clone(),
            None => "the default network".to_string(),
        };
        owners.push((network_unit(&n.name), what, n.span));
    }
    if e.opts.flavour == SystemdFlavour::Quadlet {
        for v in &e.stack.volumes {
            owners.push((
                format!("{}-{}-volume.service", e.name(), v.dns_name),
                format!("volume `{}`", v.name.value),
                Some(v.name.span),
            ));
        }
    }
    let mut seen: Vec<&(String, String, Option<Span>)> = Vec::new();
    let mut errors = Vec::new();
    for owner in &owners {
        let (unit, what, span) = owner;
        if let Some((_, first, first_span)) = seen.iter().find(|(u, _, _)| u == unit) {
            let d = Diagnostic::error(
                ErrorCode::SystemdUnitNameCollision,
                format!("{what} and {first} would both be the systemd unit `{unit}`"),
            )
            .help("rename one of them");
            errors.push(match span.or(*first_span) {
                Some(sp) => d.at(&e.stack.file, sp, "unit name taken"),
                None => d,
            });
        } else {
            seen.push(owner);
        }
    }
    e.errors.extend(errors);
}
