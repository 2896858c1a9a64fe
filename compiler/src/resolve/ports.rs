//! `ports:` of a service: numbers, names, protocols, exposure, host ports and their collisions.

use crate::diag::ErrorCode;

use super::*;

impl Resolver {
    pub(super) fn ports<'a>(
        &mut self,
        svc: &Sp<String>,
        ports: impl Iterator<Item = &'a Sp<PortSpec>>,
    ) -> Vec<Port> {
        let mut out: Vec<Port> = Vec::new();
        for p in ports {
            let (num, expose, host, proto, name, host_ip) = match &p.value {
                PortSpec::Short(n) => (Sp::new(n.value, p.span), None, None, None, None, None),
                PortSpec::Long(l) => (
                    l.port,
                    l.expose.as_ref(),
                    l.host_port.as_ref(),
                    l.protocol.as_ref(),
                    l.name.as_ref(),
                    l.host_ip.as_ref(),
                ),
            };
            let app_protocol = match &p.value {
                PortSpec::Long(l) => self.app_protocol(l.app_protocol.as_ref()),
                PortSpec::Short(_) => None,
            };
            let Some(port) = self.port_number(&num) else {
                continue;
            };
            let exposure = self.word(expose, Exposure::Internal);
            let host_port = match host {
                // 0: the runtime picks a free host port.
                Some(h) if h.value == 0 => 0,
                Some(h) => match self.port_number(h) {
                    Some(h) => h,
                    None => continue,
                },
                None => port,
            };
            if let Some(ip) = host_ip {
                let bare = ip.value.trim_start_matches('[').trim_end_matches(']');
                if exposure == Exposure::Internal {
                    self.err(
                        ErrorCode::InvalidValue,
                        format!("`host_ip` on internal port {port}"),
                        ip.span,
                        "an internal port is not published",
                        "set `expose: public` or `expose: loopback`, or remove `host_ip`",
                    );
                } else if bare.parse::<std::net::IpAddr>().is_err() {
                    self.err(
                        ErrorCode::InvalidValue,
                        format!("invalid host address `{}`", ip.value.escape_debug()),
                        ip.span,
                        "not an IP address",
                        "write an IPv4 or IPv6 address, e.g. `127.0.0.1` or `::1`",
                    );
                }
            }
            let protocol = self.word(proto, Protocol::Tcp);
            let name_sp = name.map(|n| n.span);
            let name = match name {
                Some(n) => {
                    let ok = n.value.len() <= 15
                        && n.value
                            .bytes()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                        && n.value.bytes().any(|c| c.is_ascii_lowercase())
                        && !n.value.starts_with('-')
                        && !n.value.ends_with('-');
                    if !ok {
                        self.err(ErrorCode::InvalidName, format!("invalid port name `{}`", n.value.escape_debug()), n.span, "becomes a Kubernetes port name", "use at most 15 lowercase letters, digits and `-`, with at least one letter");
                    }
                    n.value.clone()
                }
                None => format!("{}-{port}", protocol.as_str()),
            };
            if let Some(first) = out
                .iter()
                .find(|o| o.port == port && o.protocol == protocol)
            {
                let d = Diagnostic::error(
                    ErrorCode::DuplicatePort,
                    format!("port {port} is declared twice in service `{}`", svc.value),
                )
                .at(&self.f, p.span, "declared again")
                .also(&self.f, first.span, "first declared here")
                .help("remove one of them");
                self.d.push(d);
                continue;
            }
            if let Some(first) = out.iter().find(|o| o.name == name) {
                let d = Diagnostic::error(
                    ErrorCode::DuplicatePort,
                    format!(
                        "port name `{name}` is used twice in service `{}`",
                        svc.value
                    ),
                )
                .at(&self.f, p.span, "used again")
                .also(&self.f, first.span, "first used here")
                .help("give each port its own `name`");
                self.d.push(d);
                continue;
            }
            out.push(Port {
                span: p.span,
                port,
                exposure,
                exposure_span: expose.map(|e| e.span),
                host_port,
                protocol,
                name,
                name_span: name_sp,
                app_protocol,
                bind_address: host_ip.map(|ip| {
                    Sp::new(
                        ip.value
                            .trim_start_matches('[')
                            .trim_end_matches(']')
                            .to_string(),
                        ip.span,
                    )
                }),
            });
        }
        out
    }

    /// A port's `app_protocol`, when it is one Kubernetes takes (`appProtocol`).
    fn app_protocol(&mut self, a: Option<&Sp<String>>) -> Option<Sp<String>> {
        let a = a?;
        if is_app_protocol(&a.value) {
            return Some(a.clone());
        }
        self.err(
            ErrorCode::InvalidValue,
            format!("invalid application protocol `{}`", a.value.escape_debug()),
            a.span,
            "not a protocol name",
            "write an IANA service name such as `http`, `https` or `smtp`, or a domain-prefixed name such as `kubernetes.io/h2c` (letters, digits, `-`, `_` and `.`, at most 63 characters after the prefix)",
        );
        None
    }

    pub(super) fn port_number(&mut self, n: &Sp<u32>) -> Option<u16> {
        match u16::try_from(n.value) {
            Ok(p) if p > 0 => Some(p),
            _ => {
                self.err(
                    ErrorCode::PortOutOfRange,
                    format!("port {} is out of range", n.value),
                    n.span,
                    "not a port",
                    "ports are between 1 and 65535",
                );
                None
            }
        }
    }

    pub(super) fn check_host_ports(
        &mut self,
        present: &[(&Sp<String>, &ServiceSpec)],
        ports: &[Vec<Port>],
    ) {
        let mut seen: HashMap<(u16, Protocol, Option<&str>), (&str, Span)> = HashMap::new();
        for ((svc, _), ports) in present.iter().zip(ports) {
            for p in ports
                .iter()
                .filter(|p| p.is_published() && p.host_port != 0)
            {
                let addr = p.bind_address.as_ref().map(|a| a.value.as_str());
                match seen.get(&(p.host_port, p.protocol, addr)) {
                    Some((first_svc, first)) => {
                        let d = Diagnostic::error(
                            ErrorCode::DuplicatePort,
                            format!(
                                "host port {}/{} is published by both `{first_svc}` and `{}`",
                                p.host_port,
                                p.protocol.as_str(),
                                svc.value
                            ),
                        )
                        .at(&self.f, p.span, "published again")
                        .also(&self.f, *first, "first published here")
                        .help("set a different `host_port` on one of them, or keep one `internal`");
                        self.d.push(d);
                    }
                    None => {
                        seen.insert(
                            (p.host_port, p.protocol, addr),
                            (svc.value.as_str(), p.span),
                        );
                    }
                }
            }
        }
    }
}

/// Whether `s` is an application protocol Kubernetes takes as a port's `appProtocol`: a
/// qualified name, `[PREFIX/]NAME` with a DNS subdomain as the prefix and a name of at most 63
/// letters, digits, `-`, `_` and `.` that starts and ends with a letter or digit.
pub fn is_app_protocol(s: &str) -> bool {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && edge(name.chars().next())
        && edge(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    });
    name_ok && prefix_ok
}

#[cfg(test)]
mod tests {
    use super::is_app_protocol;

    #[test]
    fn application_protocols_are_qualified_names() {
        for ok in [
            "http",
            "smtp",
            "HTTP2",
            "kubernetes.io/h2c",
            "example.com/my_proto.v1",
        ] {
            assert!(is_app_protocol(ok), "{ok}");
        }
        for bad in [
            "",
            "-http",
            "http-",
            "HTTP/1.1",
            "a/",
            "/http",
            "x y",
            &"a".repeat(64),
        ] {
            assert!(!is_app_protocol(bad), "{bad}");
        }
    }
}
