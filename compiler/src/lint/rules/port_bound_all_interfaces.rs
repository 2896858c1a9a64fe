//! A port published on every interface in a dev environment.

use super::prelude::*;
use crate::lint::fix::{Edit, Fix, in_env_overlay};
use crate::lint::support::origin::from_compose_file;
use crate::lint::support::ports::binds_all_interfaces;

declare_rule! {
    /// ## What it does
    /// In a dev environment, flags a port published on every interface (`expose: public`
    /// without `host_ip`, or `host_ip: 0.0.0.0` / `::`) by a service that is not a database
    /// (databases are STK301's). In prod the rule is off: there, `public` states that the port
    /// must be reachable. DHCP (67, 68), which answers broadcasts from the network and cannot
    /// work on loopback, is not reported.
    ///
    /// ## Why is this bad?
    /// On a developer's laptop a port published on every interface is reachable from the café's
    /// Wi-Fi or the office network, usually with development credentials and debug endpoints.
    /// `expose: loopback` binds it to 127.0.0.1: the browser and tools on the machine still reach
    /// it, nobody else does.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     ports: [{ port: 8000, expose: public }]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     ports: [{ port: 8000, expose: public }]
    /// environments:
    ///   dev:
    ///     services:
    ///       api: { ports: [{ port: 8000, expose: loopback }] }
    /// ```
    pub struct PortBoundAllInterfaces;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "port is published on every interface in a dev environment",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Off,
    backends: &[Backend::Compose, Backend::Systemd],
    tags: &["security", "exposure"],
    requires: None,
};

impl PortBoundAllInterfaces {
    fn all_interfaces(svc: &Service, port: &Port, env: &str) -> Violation {
        Violation::new(
            format!(
                "port {} of `{}` is published on every interface in environment `{env}`",
                port.port, svc.name.value
            ),
            port.bind_address
                .as_ref()
                .map(|a| a.span)
                .or(port.exposure_span)
                .unwrap_or(port.span),
            "binds every interface",
        )
        .help(format!(
            "in `environments.{env}.services.{}`, publish it with `expose: loopback` (127.0.0.1)",
            svc.name.value
        ))
    }
}

/// The fix: a written wildcard `host_ip` becomes `127.0.0.1`; a compose short-form mapping
/// without an address gets `127.0.0.1:` in front (and quotes).
fn loopback_fix(ctx: &Ctx<'_>, svc: &Service, p: &Port) -> Option<Fix> {
    let file = ctx.file();
    let (span, replacement) = match &p.bind_address {
        // In a spec, only an address written in this environment's overlay: the base is prod's
        // too.
        Some(a) if from_compose_file(svc) || in_env_overlay(&file.text, a.span, &ctx.stack.env) => {
            let written = file.slice(a.span);
            let q = quote_of(written);
            (a.span, format!("{q}127.0.0.1{q}"))
        }
        None if from_compose_file(svc) => (p.span, loopback_mapping(file.slice(p.span))?),
        _ => return None,
    };
    let edit = Edit { span, replacement };
    Some(Fix::new(
        format!("publish port {} on 127.0.0.1", p.port),
        vec![edit],
    ))
}

/// The quote a scalar is written with, if any.
fn quote_of(written: &str) -> &'static str {
    match written.as_bytes().first() {
        Some(b'"') => "\"",
        Some(b'\'') => "'",
        _ => "",
    }
}

/// `8080:80` → `"127.0.0.1:8080:80"`, `3000` → `"127.0.0.1::3000"`, keeping the quotes used;
/// `None` for anything else (an address already, variables, a long-form mapping).
pub fn loopback_mapping(written: &str) -> Option<String> {
    let q = match quote_of(written) {
        "" => "\"",
        q => q,
    };
    let inner = written.trim_matches(|c| c == '"' || c == '\'');
    let mapping = inner.split('/').next()?;
    if mapping.is_empty()
        || !mapping
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '-')
    {
        return None;
    }
    let new = match mapping.matches(':').count() {
        0 => format!("127.0.0.1::{inner}"),
        1 => format!("127.0.0.1:{inner}"),
        _ => return None,
    };
    Some(format!("{q}{new}{q}"))
}

/// DHCP (67, 68) and BOOTP/TFTP-style broadcast services answer broadcasts from the network:
/// on the loopback interface they cannot work at all.
const BROADCAST_PORTS: &[u16] = &[67, 68];

/// Reports public ports in dev.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    if ctx.profile() != Profile::Dev {
        return;
    }
    for (id, svc) in ctx.services() {
        if ctx.database(id).is_some() {
            continue;
        }
        for p in svc
            .ports
            .iter()
            .filter(|p| binds_all_interfaces(p) && !BROADCAST_PORTS.contains(&p.port))
        {
            out.push(
                PortBoundAllInterfaces::all_interfaces(svc, p, &ctx.stack.env)
                    .fix(loopback_fix(ctx, svc, p))
                    .in_service(id, format!("ports.{}/{}", p.port, p.protocol.as_str())),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "loopback in the dev overlay",
        "
        stack: t
        services:
          api:
            image: ghcr.io/acme/api:1.0.0
            ports: [{ port: 8000, expose: public }]
        environments:
          dev:
            services:
              api: { ports: [{ port: 8000, expose: loopback }] }
          prod: {}
        ",
    ),
    Case::pass(
        "public in prod",
        "
        stack: t
        services:
          api:
            image: ghcr.io/acme/api:1.0.0
            ports: [{ port: 8000, expose: public }]
        ",
    )
    .env("prod"),
    Case::pass(
        "public on a chosen address",
        "
        stack: t
        services:
          api:
            image: ghcr.io/acme/api:1.0.0
            ports: [{ port: 8000, expose: public, host_ip: 127.0.0.1 }]
        ",
    ),
    Case::fail(
        "wildcard host_ip",
        "
        stack: t
        services:
          api:
            image: ghcr.io/acme/api:1.0.0
            ports: [{ port: 8000, expose: loopback, host_ip: '::' }]
        ",
        &["5:54 warning"],
    ),
    Case::fail(
        "public in dev",
        "
        stack: t
        services:
          api:
            image: ghcr.io/acme/api:1.0.0
            ports: [{ port: 8000, expose: public }, 9000]
        ",
        &["5:35 warning"],
    ),
];

#[cfg(test)]
mod tests {
    use super::loopback_mapping;

    #[test]
    fn short_mappings_move_to_loopback_keeping_their_quotes() {
        assert_eq!(
            loopback_mapping("8080:80").as_deref(),
            Some("\"127.0.0.1:8080:80\"")
        );
        assert_eq!(
            loopback_mapping("'53:53/udp'").as_deref(),
            Some("'127.0.0.1:53:53/udp'")
        );
        assert_eq!(
            loopback_mapping("3000").as_deref(),
            Some("\"127.0.0.1::3000\"")
        );
        assert_eq!(
            loopback_mapping("\"9000-9001:9000-9001\"").as_deref(),
            Some("\"127.0.0.1:9000-9001:9000-9001\"")
        );
        assert_eq!(loopback_mapping("10.0.0.1:80:80"), None);
        assert_eq!(loopback_mapping("${PORT}:80"), None);
        assert_eq!(loopback_mapping("target: 80"), None);
    }
}
