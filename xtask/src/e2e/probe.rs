//! Probes from the host: an HTTP request over a plain `TcpStream`, and the listening sockets of
//! the host's network namespace read from `/proc/net/tcp{,6}`.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// `GET path` on `addr`; the status line and body, or why it failed.
pub fn http_get(addr: SocketAddr, path: &str) -> Result<(String, String), String> {
    let timeout = Duration::from_secs(5);
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("write to {addr}: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| format!("read from {addr}: {e}"))?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.lines().next().unwrap_or("").to_string();
    Ok((status, body.to_string()))
}

/// The local addresses of TCP sockets listening on `port` in the host's namespace, as text
/// (`127.0.0.1`, `0.0.0.0`, `::`, ...).
pub fn tcp_listeners(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        let text = fs::read_to_string(file).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st ...; st 0A is LISTEN.
            if cols.len() < 4 || cols[3] != "0A" {
                continue;
            }
            let Some((addr, p)) = cols[1].split_once(':') else {
                continue;
            };
            if u16::from_str_radix(p, 16).ok() != Some(port) {
                continue;
            }
            found.push(if v6 { ipv6_text(addr) } else { ipv4_text(addr) });
        }
    }
    found
}

/// `0100007F` (little-endian hex, as the kernel prints it) as `127.0.0.1`.
fn ipv4_text(hex: &str) -> String {
    let n = u32::from_str_radix(hex, 16).unwrap_or(0);
    std::net::Ipv4Addr::from(n.swap_bytes()).to_string()
}

/// The kernel's 32 hex digits (four little-endian words) as an IPv6 address.
fn ipv6_text(hex: &str) -> String {
    let mut bytes = [0u8; 16];
    for word in 0..4 {
        let w = u32::from_str_radix(hex.get(word * 8..word * 8 + 8).unwrap_or("0"), 16)
            .unwrap_or(0)
            .swap_bytes();
        bytes[word * 4..word * 4 + 4].copy_from_slice(&w.to_be_bytes());
    }
    std::net::Ipv6Addr::from(bytes).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_addresses() {
        assert_eq!(ipv4_text("0100007F"), "127.0.0.1");
        assert_eq!(ipv4_text("00000000"), "0.0.0.0");
        assert_eq!(ipv6_text("00000000000000000000000000000000"), "::");
        assert_eq!(ipv6_text("00000000000000000000000001000000"), "::1");
    }
}
