//! Where a published port listens on the host: the written `host_ip`, else the exposure's
//! default (`0.0.0.0` for public, `127.0.0.1` for loopback).

use std::net::IpAddr;

use crate::ir::{Exposure, Port};

/// The host address a published port binds, as written or by default; `None` when internal.
pub fn bind_address(p: &Port) -> Option<String> {
    if !p.is_published() {
        return None;
    }
    Some(match &p.bind_address {
        Some(a) => a
            .value
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        None if p.exposure == Exposure::Public => "0.0.0.0".to_string(),
        None => "127.0.0.1".to_string(),
    })
}

/// Whether an address is the wildcard (`0.0.0.0`, `::`): every interface.
pub fn is_wildcard(addr: &str) -> bool {
    addr.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified())
}

/// Whether an address is a loopback address (`127.0.0.0/8`, `::1`).
pub fn is_loopback(addr: &str) -> bool {
    addr.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether the port is published on every host interface.
pub fn binds_all_interfaces(p: &Port) -> bool {
    bind_address(p).is_some_and(|a| is_wildcard(&a))
}

/// Whether the port can be reached from beyond the host: published on a non-loopback address,
/// or public (an Ingress or LoadBalancer in Kubernetes).
pub fn reachable_from_network(p: &Port) -> bool {
    p.exposure == Exposure::Public || bind_address(p).is_some_and(|a| !is_loopback(&a))
}

/// Whether two published addresses overlap: equal, or one of them is the wildcard.
pub fn overlap(a: &str, b: &str) -> bool {
    a == b || is_wildcard(a) || is_wildcard(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_and_loopback_addresses() {
        assert!(is_wildcard("0.0.0.0") && is_wildcard("::"));
        assert!(!is_wildcard("127.0.0.1"));
        assert!(is_loopback("127.0.0.2") && is_loopback("::1"));
        assert!(!is_loopback("192.168.1.10"));
        assert!(overlap("0.0.0.0", "127.0.0.1") && overlap("10.0.0.1", "10.0.0.1"));
        assert!(!overlap("127.0.0.1", "10.0.0.1"));
    }
}
