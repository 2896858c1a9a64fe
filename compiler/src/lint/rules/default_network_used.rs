//! Services left on the implicit default network.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a stack that declares no networks (every service on one implicit default network),
    /// once; and, when networks are declared, each service that joins none of them and so lands
    /// on the default network.
    ///
    /// ## Why is this bad?
    /// On a single flat network every container reaches every other on every port: there is no
    /// boundary between the public entry point and the databases. Declaring tiers (`frontend`,
    /// an internal `backend`) makes the intended paths explicit, and stackc turns them into
    /// compose networks, Podman networks and Kubernetes NetworkPolicies.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db: { image: postgres:17.6-alpine }
    ///   api: { image: ghcr.io/acme/api:1.0.0 }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// networks:
    ///   backend: { internal: true }
    /// services:
    ///   db: { image: postgres:17.6-alpine, networks: [backend] }
    ///   api: { image: ghcr.io/acme/api:1.0.0, networks: [backend] }
    /// ```
    pub struct DefaultNetworkUsed;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "services rely on the implicit default network",
    doc: DOC,
    dev: Level::Info,
    prod: Level::Info,
    backends: &[Backend::Compose, Backend::Kubernetes],
    tags: &["security", "network"],
    requires: None,
};

impl DefaultNetworkUsed {
    fn flat(stack: &Stack) -> Violation {
        Violation::new(format!("stack `{}` declares no networks: all {} services share one default network", stack.name.value, stack.services.len()), flat_span(stack), "one flat network")
            .help("declare network tiers under `networks:` (e.g. an internal `backend`) and list them in each service's `networks`")
    }

    fn left_out(svc: &Service) -> Violation {
        Violation::new(
            format!(
                "service `{}` joins no declared network and lands on the default network",
                svc.name.value
            ),
            svc.name.span,
            "no `networks:`",
        )
        .help("list the tiers it needs in `networks:`")
    }
}

/// Where the flat network is reported: the stack's name, or (a compose file without `name:`)
/// the first service.
fn flat_span(stack: &Stack) -> Span {
    if stack.name.span != Span::DUMMY {
        return stack.name.span;
    }
    stack.services.first().map_or(Span::DUMMY, |s| s.name.span)
}

/// Reports reliance on the default network.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let stack = ctx.stack;
    if stack.services.len() < 2 {
        return;
    }
    if stack.networks.is_empty() {
        out.push(DefaultNetworkUsed::flat(stack).at_path("networks"));
        return;
    }
    for (id, svc) in ctx.services() {
        // `network_mode` (compose-only: `none`, `host`, `service:x`) joins no network at all.
        let own_network_mode = stack
            .targets
            .compose
            .service(&svc.name.value)
            .iter()
            .any(|(k, _)| k == "network_mode");
        if svc.networks.is_empty() && !own_network_mode {
            out.push(DefaultNetworkUsed::left_out(svc).in_service(id, "networks"));
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "declared tiers, and a single service",
        "
        stack: t
        networks: { backend: { internal: true } }
        services:
          db: { image: postgres:17.6, networks: [backend] }
          api: { image: ghcr.io/acme/api:1.0.0, networks: [backend] }
        ",
    ),
    Case::fail(
        "no networks at all",
        "
        stack: t
        services:
          db: { image: postgres:17.6 }
          api: { image: ghcr.io/acme/api:1.0.0 }
        ",
        &["1:8 info"],
    ),
    Case::fail(
        "one service left out",
        "
        stack: t
        networks: { backend: {} }
        services:
          db: { image: postgres:17.6, networks: [backend] }
          api: { image: ghcr.io/acme/api:1.0.0 }
        ",
        &["5:3 info"],
    ),
];
