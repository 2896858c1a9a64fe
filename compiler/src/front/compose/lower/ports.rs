//! A service's `ports:` and `expose:`, and compose's short port syntax.

use crate::diag::ErrorCode;

use super::volumes::push_extra;
use super::*;

impl Lowering<'_> {
    pub(super) fn ports(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) -> Vec<Sp<PortSpec>> {
        let mut out: Vec<Sp<PortSpec>> = Vec::new();
        let Some(items) = self.cx.seq(v, path) else {
            return out;
        };
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let vars = unresolved_vars(item);
            if !vars.is_empty() {
                // `"${HTTP_PORT}:80"`: the host port is chosen when compose runs.
                self.compose_only(
                    &p,
                    item.span,
                    &format!(
                        "{} has no default: compose takes it from the environment or `.env` when it runs",
                        var_list(&vars)
                    ),
                );
                push_extra(extra, "ports", to_json(&item.value));
                self.declare_runtime_vars(&vars, item.span, &p);
                continue;
            }
            let parsed = match &item.value {
                Node::Map(e) => self.long_port(e, item, &p),
                _ => match self.cx.resolved(item, &p) {
                    Some(s) => match parse_short_port(&s.value) {
                        Ok(ports) => ports,
                        Err(msg) => {
                            // Quote what was written, not what interpolation made of it.
                            let written = item.value.scalar_text().unwrap_or(s.value.clone());
                            self.cx.error(
                                ErrorCode::ComposeInvalidPort,
                                format!("invalid port `{}`: {msg}", written.escape_debug()),
                                s.span,
                                "not a port mapping",
                                "write `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, e.g. `8080:80` or `127.0.0.1:5432:5432`",
                            );
                            continue;
                        }
                    },
                    None => continue,
                },
            };
            // A mapping the spec cannot hold (a container port published twice, another
            // protocol) stays a compose-only port, as written.
            let representable = parsed.iter().all(|port| {
                Protocol::parse(&port.protocol).is_some()
                    && port
                        .app_protocol
                        .as_ref()
                        .is_none_or(|a| crate::resolve::is_app_protocol(&a.value))
                    && !out
                        .iter()
                        .any(|o| o.value.key() == (port.container as u32, port.protocol.as_str()))
            });
            if !representable {
                self.compose_only(
                    &p,
                    item.span,
                    "the stack spec publishes each container port once, over tcp or udp, with an application protocol Kubernetes takes",
                );
                push_extra(extra, "ports", to_json(&item.value));
                continue;
            }
            for port in parsed {
                self.push_port(port, item.span, &p, &mut out);
            }
        }
        out
    }

    pub(super) fn long_port(&mut self, e: &Entries, item: &Sp<Node>, p: &str) -> Vec<Published> {
        self.cx.check_keys(e, keys::PORT, "a port");
        let mut target = None;
        let mut published = None;
        let mut host_ip = None;
        let mut protocol = "tcp".to_string();
        let mut name = None;
        let mut app_protocol = None;
        for (k, val) in e.iter().filter(|(k, _)| !k.value.starts_with("x-")) {
            let kp = format!("{p}.{}", k.value);
            match k.value.as_str() {
                "target" => target = self.cx.resolved(val, &kp),
                "published" => published = self.cx.resolved(val, &kp),
                "host_ip" => host_ip = self.cx.resolved(val, &kp),
                "protocol" => {
                    if let Some(pr) = self.cx.resolved(val, &kp) {
                        protocol = pr.value.to_ascii_lowercase();
                    }
                }
                "name" => name = self.cx.resolved(val, &kp),
                "app_protocol" => app_protocol = self.cx.resolved(val, &kp),
                "mode"
                    if self
                        .cx
                        .resolved(val, &kp)
                        .is_some_and(|m| m.value == "host") =>
                {
                    self.cx.approximated(
                        &kp,
                        k.span,
                        "host-mode publishing is swarm-specific; published as usual",
                    );
                }
                _ => {}
            }
        }
        let Some(target) = target else {
            self.cx.error(
                ErrorCode::ComposeInvalidPort,
                "a port in the long syntax needs `target`",
                item.span,
                "no `target`",
                "add `target: CONTAINER_PORT`",
            );
            return Vec::new();
        };
        let text = match (&host_ip, &published) {
            (None, None) => format!("{}/{protocol}", target.value),
            (ip, published) => format!(
                "{}{}:{}/{protocol}",
                ip.as_ref()
                    .map(|h| format!("{}:", bracket(&h.value)))
                    .unwrap_or_default(),
                published.as_ref().map(|p| p.value.as_str()).unwrap_or(""),
                target.value
            ),
        };
        match parse_short_port(&text) {
            Ok(mut ports) => {
                if let Some(n) = name {
                    if ports.len() == 1 && is_port_name(&n.value) {
                        ports[0].name = Some(n);
                    } else {
                        self.cx.dropped(format!("{p}.name"), n.span, "port names are at most 15 lowercase letters, digits and `-` in the stack spec");
                    }
                }
                for port in ports.iter_mut() {
                    port.app_protocol = app_protocol.clone();
                }
                ports
            }
            Err(msg) => {
                self.cx.error(
                    ErrorCode::ComposeInvalidPort,
                    format!("invalid port: {msg}"),
                    item.span,
                    "not a valid port",
                    "`target` and `published` are port numbers (1-65535) or ranges `8000-8010`",
                );
                Vec::new()
            }
        }
    }

    pub(super) fn push_port(
        &mut self,
        port: Published,
        span: Span,
        path: &str,
        out: &mut Vec<Sp<PortSpec>>,
    ) {
        // Compose's protocols `tcp` and `udp` are the spec's words.
        let Some(protocol) = Protocol::parse(&port.protocol) else {
            self.cx.dropped(
                path,
                span,
                format!(
                    "protocol `{}` is not in the stack spec ({} are)",
                    port.protocol,
                    listed::<Protocol>()
                ),
            );
            return;
        };
        if let Some(first) = out
            .iter()
            .find(|o| o.value.key() == (port.container as u32, port.protocol.as_str()))
        {
            let _ = first;
            self.cx.dropped(
                path,
                span,
                format!(
                    "container port {} is already published; the stack spec publishes a port once",
                    port.container
                ),
            );
            return;
        }
        if let Some(note) = &port.note {
            self.cx.approximated(path, span, note.clone());
        }
        let (expose, host_ip) = match port.host_ip.as_deref() {
            None | Some("") => (Exposure::Public, None),
            Some("127.0.0.1") => (Exposure::Loopback, None),
            Some(ip) if ip == "::1" || ip == "[::1]" => (Exposure::Loopback, Some(ip.to_string())),
            Some(ip) => (Exposure::Public, Some(ip.to_string())),
        };
        let host_port = match port.host {
            None => Some(0),
            Some(h) if h == port.container => None,
            Some(h) => Some(h as u32),
        };
        let long = PortLong {
            port: Sp::new(port.container as u32, span),
            expose: Some(expose.written(span)),
            host_port: host_port.map(|h| Sp::new(h, span)),
            host_ip: host_ip.map(|h| Sp::new(h, span)),
            protocol: (protocol == Protocol::Udp).then(|| protocol.written(span)),
            name: port.name,
            app_protocol: port.app_protocol,
        };
        out.push(Sp::new(PortSpec::Long(long), span));
    }

    /// Linting reads every service whatever its profiles. Services of profiles that are never
    /// run together may publish the same host port (one per deployment scenario): that is no
    /// conflict, so the later one's host port is left to the runtime (`0`) for the checks.
    pub(super) fn profile_exclusive_ports(
        profiles: &HashMap<String, Vec<String>>,
        services: &mut NameMap<ServiceSpec>,
    ) {
        type HostPort = (u32, String, Option<String>);
        let mut publishers: HashMap<HostPort, Vec<Vec<String>>> = HashMap::new();
        for (name, spec) in services.iter_mut() {
            let mine = profiles.get(&name.value).cloned().unwrap_or_default();
            for port in spec.ports.iter_mut() {
                let PortSpec::Long(long) = &mut port.value else {
                    continue;
                };
                let host = long.host_port.as_ref().map_or(long.port.value, |h| h.value);
                let internal = long.expose.as_ref().is_none_or(|e| {
                    Exposure::parse(&e.value).is_none_or(|e| e == Exposure::Internal)
                });
                if host == 0 || internal {
                    continue;
                }
                let key = (
                    host,
                    long.protocol
                        .as_ref()
                        .map_or(Protocol::Tcp.as_str().to_string(), |p| p.value.clone()),
                    long.host_ip.as_ref().map(|i| i.value.clone()),
                );
                let earlier = publishers.entry(key).or_default();
                let exclusive = !mine.is_empty()
                    && !earlier.is_empty()
                    && earlier
                        .iter()
                        .all(|p| !p.is_empty() && !p.iter().any(|x| mine.contains(x)));
                if exclusive {
                    let span = long.port.span;
                    long.host_port = Some(Sp::new(0, span));
                }
                earlier.push(mine.clone());
            }
        }
    }

    /// `expose:`: each port not published yet becomes an internal port of the spec. When
    /// writing those ports back would not give the list as written (a port also published, a
    /// range, a protocol spelled out, an entry twice), the list is also kept for compose as
    /// written.
    pub(super) fn expose(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        ports: &mut Vec<Sp<PortSpec>>,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) {
        let Some(items) = self.cx.seq(v, path) else {
            return;
        };
        let mut written = Vec::new();
        let mut regenerated = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(s) = self.cx.resolved(item, &p) else {
                continue;
            };
            written.push(s.value.clone());
            let (num, proto) = match s.value.split_once('/') {
                Some((n, pr)) => (n, pr.to_ascii_lowercase()),
                None => (s.value.as_str(), "tcp".to_string()),
            };
            let Some(range) = parse_range(num) else {
                self.cx.error(
                    ErrorCode::ComposeInvalidPort,
                    format!("invalid exposed port `{}`", s.value.escape_debug()),
                    s.span,
                    "not a port",
                    "write a port number (1-65535), a range `8000-8010`, optionally with `/udp`",
                );
                continue;
            };
            let Some(protocol) = Protocol::parse(&proto) else {
                self.cx.dropped(
                    &p,
                    s.span,
                    format!("protocol `{proto}` is not in the stack spec"),
                );
                continue;
            };
            for n in range.0..=range.1 {
                if ports
                    .iter()
                    .any(|o| o.value.key() == (n as u32, proto.as_str()))
                {
                    self.cx.approximated(
                        &p,
                        s.span,
                        format!("port {n} is also published: one port in the stack spec"),
                    );
                    continue;
                }
                let spec = if protocol == Protocol::Udp {
                    regenerated.push(format!("{n}/udp"));
                    PortSpec::Long(PortLong {
                        port: Sp::new(n as u32, s.span),
                        expose: None,
                        host_port: None,
                        host_ip: None,
                        protocol: Some(protocol.written(s.span)),
                        name: None,
                        app_protocol: None,
                    })
                } else {
                    regenerated.push(n.to_string());
                    PortSpec::Short(Sp::new(n as u32, s.span))
                };
                ports.push(Sp::new(spec, s.span));
            }
        }
        if written != regenerated {
            self.compose_only(
                path,
                v.span,
                "the spec's internal ports do not say `expose` as written",
            );
            extra.insert("expose".into(), to_json(&v.value));
        }
    }
}

pub(super) fn is_port_name(n: &str) -> bool {
    n.len() <= 15
        && n.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && n.bytes().any(|c| c.is_ascii_lowercase())
        && !n.starts_with('-')
        && !n.ends_with('-')
}

pub(super) fn bracket(ip: &str) -> String {
    if ip.contains(':') && !ip.starts_with('[') {
        format!("[{ip}]")
    } else {
        ip.to_string()
    }
}

/// One published container port from a port mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Published {
    pub container: u16,
    /// `None`: the runtime picks a host port.
    pub host: Option<u16>,
    pub host_ip: Option<String>,
    pub protocol: String,
    pub name: Option<Sp<String>>,
    /// `app_protocol` of the long syntax.
    pub app_protocol: Option<Sp<String>>,
    /// Set when the mapping is only approximated.
    pub note: Option<String>,
}

pub(super) fn parse_range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a, b),
        None => (s, s),
    };
    let a: u16 = a.trim().parse().ok().filter(|p| *p > 0)?;
    let b: u16 = b.trim().parse().ok().filter(|p| *p > 0)?;
    (a <= b).then_some((a, b))
}

/// Parses compose's short port syntax `[[HOST_IP:][HOST_PORT[-END]]:]CONTAINER[-END][/PROTO]`,
/// expanding ranges into one entry per port.
pub fn parse_short_port(s: &str) -> Result<Vec<Published>, String> {
    let s = s.trim();
    let (mapping, protocol) = match s.rsplit_once('/') {
        Some((m, p)) => (m, p.to_ascii_lowercase()),
        None => (s, "tcp".to_string()),
    };
    if protocol.is_empty() {
        return Err("empty protocol".into());
    }
    let (ip, rest) = if let Some(r) = mapping.strip_prefix('[') {
        let (ip, after) = r
            .split_once(']')
            .ok_or("unclosed `[` in the host address")?;
        let after = after
            .strip_prefix(':')
            .ok_or("expected `:` after the host address")?;
        (Some(ip.to_string()), after)
    } else {
        (None, mapping)
    };
    let mut parts: Vec<&str> = rest.rsplitn(3, ':').collect();
    parts.reverse();
    let (ip, host, container) = match (ip, parts.as_slice()) {
        (None, [c]) => (None, None, *c),
        (None, [h, c]) => (None, Some(*h), *c),
        (None, [ip, h, c]) => (Some(ip.to_string()), Some(*h), *c),
        (Some(ip), [c]) => (Some(ip), None, *c),
        (Some(ip), [h, c]) => (Some(ip), Some(*h), *c),
        _ => return Err("too many `:`".into()),
    };
    let (c0, c1) = parse_range(container)
        .ok_or("the container port is not a port number (1-65535) or a range")?;
    let host = match host {
        None | Some("") => None,
        Some(h) => {
            Some(parse_range(h).ok_or("the host port is not a port number (1-65535) or a range")?)
        }
    };
    let n = (c1 - c0) as usize + 1;
    let mut out = Vec::new();
    let mut note = None;
    let hosts: Vec<Option<u16>> = match host {
        None => vec![None; n],
        Some((h0, h1)) if (h1 - h0) as usize + 1 == n => (h0..=h1).map(Some).collect(),
        Some((h0, _)) if n == 1 => {
            note = Some(format!(
                "a host port range for one container port is published on its first port, {h0}"
            ));
            vec![Some(h0)]
        }
        Some(_) => return Err("the host and container ranges differ in length".into()),
    };
    for (i, h) in hosts.into_iter().enumerate() {
        out.push(Published {
            container: c0 + i as u16,
            host: h,
            host_ip: ip.clone().filter(|i| !i.is_empty()),
            protocol: protocol.clone(),
            name: None,
            app_protocol: None,
            note: note.clone(),
        });
    }
    Ok(out)
}
