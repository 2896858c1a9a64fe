//! Reads a compose file back: services, networks and their aliases, published ports, named
//! volumes, health checks, `depends_on`, limits, replicas, restart, user, read-only root.
//! Keys it does not model (secrets, configs, labels, `x-*`, ...) are ignored.

use std::sync::Arc;

use stackc_compiler::diag::SourceFile;

use crate::files::Dir;
use crate::model::{Cond, EnvValue, Health, Model, Mount, Publish, Test, Workload};
use crate::source::{At, Loc};
use crate::units::{cpus, duration_ms, memory_any};
use crate::words::{compose_parts, shell_words};
use crate::yaml::{Node, parse_documents};

/// Reads `file_name` of `dir` into a model.
pub fn read(dir: &mut Dir, file_name: &str) -> Model {
    let mut model = Model::default();
    let Some(file) = dir.require(file_name, "compose file") else {
        return model;
    };
    let root = match parse_documents(&file.text) {
        Ok(mut docs) if !docs.is_empty() => docs.remove(0),
        Ok(_) => return model,
        Err((msg, line)) => {
            dir.unreadable(
                &Loc::new(&file, line),
                &format!("is not valid YAML: {msg}"),
                "regenerate it with `stackc build`",
            );
            return model;
        }
    };
    for (k, v) in root.get("networks").map(Node::map).unwrap_or(&[]) {
        let internal = v.get("internal").and_then(Node::bool).unwrap_or(false);
        if let Some(name) = k.str() {
            model
                .networks
                .insert(name.to_string(), At::new(internal, Loc::new(&file, k.line)));
        }
    }
    for (k, v) in root.get("services").map(Node::map).unwrap_or(&[]) {
        let Some(name) = k.str() else { continue };
        let w = service(&file, name, k.line, v);
        model.workloads.insert(name.to_string(), w);
    }
    model
}

fn at<T>(file: &Arc<SourceFile>, key: &Node, value: T) -> At<T> {
    At::new(value, Loc::new(file, key.line))
}

/// A command: list form, or a string split the way compose splits it.
fn command(n: &Node) -> Vec<String> {
    match n.str() {
        Some(s) => shell_words(s),
        None => n.strings(),
    }
}

fn service(file: &Arc<SourceFile>, name: &str, line: u32, v: &Node) -> Workload {
    let mut w = Workload::new(name, Loc::new(file, line));
    for (k, val) in v.map() {
        let Some(key) = k.str() else { continue };
        match key {
            "image" => w.image = val.string().map(|s| at(file, k, interpolated_image(&s))),
            "entrypoint" => w.entrypoint = Some(at(file, k, command(val))),
            "command" => w.command = Some(at(file, k, command(val))),
            "environment" => environment(file, val, &mut w),
            "networks" => networks(file, val, &mut w),
            "ports" => {
                for p in val.seq() {
                    if let Some(pb) = port(p) {
                        w.published.push(at(file, p, pb));
                    }
                }
            }
            "volumes" => {
                for m in val.seq() {
                    if let Some((target, mount)) = volume(m) {
                        w.mounts.insert(target, at(file, m, mount));
                    }
                }
            }
            "healthcheck" => w.health = health(val).map(|h| at(file, k, h)),
            "depends_on" => {
                w.order_loc = Some(Loc::new(file, k.line));
                depends(file, val, &mut w)
            }
            "deploy" => deploy(file, val, &mut w),
            "restart" => w.restart = val.string().map(|s| at(file, k, s)),
            "user" => w.user = val.string().map(|s| at(file, k, s)),
            "read_only" => w.read_only = val.bool().map(|b| at(file, k, b)),
            "cpus" if w.cpus.is_none() => w.cpus = val.str().and_then(cpus).map(|c| at(file, k, c)),
            "mem_limit" if w.memory.is_none() => {
                w.memory = val.str().and_then(memory_any).map(|m| at(file, k, m))
            }
            _ => {}
        }
    }
    if w.read_only.is_none() {
        w.read_only = Some(At::new(false, w.loc.clone()));
    }
    if w.replicas.is_none() {
        w.replicas = Some(At::new(1, w.loc.clone()));
    }
    w
}

fn environment(file: &Arc<SourceFile>, val: &Node, w: &mut Workload) {
    let mut put = |key: String, text: String, line: u32| {
        let parts = compose_parts(&text);
        w.env.insert(
            key,
            At::new(
                EnvValue {
                    parts,
                    helper: false,
                },
                Loc::new(file, line),
            ),
        );
    };
    if val.is_map() {
        for (k, v) in val.map() {
            if let Some(key) = k.string() {
                put(key, v.string().unwrap_or_default(), k.line);
            }
        }
    } else {
        for item in val.seq() {
            if let Some(s) = item.str() {
                let (key, text) = s.split_once('=').unwrap_or((s, ""));
                put(key.to_string(), text.to_string(), item.line);
            }
        }
    }
}

fn networks(file: &Arc<SourceFile>, val: &Node, w: &mut Workload) {
    if val.is_map() {
        for (k, v) in val.map() {
            if let Some(n) = k.string() {
                w.networks.push(at(file, k, n));
            }
            w.aliases
                .extend(v.get("aliases").map(Node::strings).unwrap_or_default());
        }
    } else {
        for n in val.seq() {
            if let Some(s) = n.string() {
                w.networks.push(at(file, n, s));
            }
        }
    }
}

/// A `ports:` entry, short (`[IP:][HOST:]CONTAINER[/PROTO]`) or long.
fn port(p: &Node) -> Option<Publish> {
    if p.is_map() {
        let port: u16 = p.get("target")?.str()?.parse().ok()?;
        let host_port = p
            .get("published")
            .and_then(Node::str)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let host_ip = p.get("host_ip").and_then(Node::string).unwrap_or_default();
        let udp = p.get("protocol").and_then(Node::str) == Some("udp");
        return Some(Publish {
            host_ip: clean_ip(&host_ip),
            host_port,
            port,
            udp,
        });
    }
    parse_publish(p.str()?)
}

/// Reads `[IP:][HOST:]CONTAINER[/PROTO]` (docker and podman syntax, IPv6 in brackets).
pub fn parse_publish(text: &str) -> Option<Publish> {
    let (rest, udp) = match text.rsplit_once('/') {
        Some((r, proto)) => (r, proto == "udp"),
        None => (text, false),
    };
    let (ip, rest) = if let Some(r) = rest.strip_prefix('[') {
        let (ip, after) = r.split_once(']')?;
        (ip.to_string(), after.strip_prefix(':')?.to_string())
    } else {
        let pieces: Vec<&str> = rest.split(':').collect();
        match pieces.len() {
            3 => (
                pieces[0].to_string(),
                format!("{}:{}", pieces[1], pieces[2]),
            ),
            _ => (String::new(), rest.to_string()),
        }
    };
    let (host, container) = match rest.split_once(':') {
        Some((h, c)) => (h, c),
        None => ("", rest.as_str()),
    };
    let port = container.parse().ok()?;
    let host_port = if host.is_empty() {
        0
    } else {
        host.parse().ok()?
    };
    Some(Publish {
        host_ip: clean_ip(&ip),
        host_port,
        port,
        udp,
    })
}

/// Every-address forms read as empty.
pub fn clean_ip(ip: &str) -> String {
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    if ip == "0.0.0.0" || ip == "::" {
        String::new()
    } else {
        ip.to_string()
    }
}

/// A named-volume mount: container path and the mount.
fn volume(m: &Node) -> Option<(String, Mount)> {
    if m.is_map() {
        if m.get("type").and_then(Node::str) != Some("volume") {
            return None;
        }
        let volume = m.get("source")?.string()?;
        let target = m.get("target")?.string()?;
        let read_only = m.get("read_only").and_then(Node::bool).unwrap_or(false);
        return Some((target, Mount { volume, read_only }));
    }
    let s = m.str()?;
    let mut it = s.split(':');
    let source = it.next()?;
    let target = it.next()?;
    let mode = it.next().unwrap_or("");
    if source.starts_with(['.', '/', '~', '$']) {
        return None;
    }
    let read_only = mode.split(',').any(|o| o == "ro");
    Some((
        target.to_string(),
        Mount {
            volume: source.to_string(),
            read_only,
        },
    ))
}

fn health(h: &Node) -> Option<Health> {
    if h.get("disable").and_then(Node::bool) == Some(true) {
        return None;
    }
    let test = h.get("test")?;
    let test = match test.str() {
        Some(s) => Test::Shell(s.to_string()),
        None => {
            let v = test.strings();
            match v.first().map(String::as_str) {
                Some("CMD") => Test::Exec(v[1..].to_vec()),
                Some("CMD-SHELL") => Test::Shell(v[1..].join(" ")),
                _ => return None,
            }
        }
    };
    let ms = |k: &str| h.get(k).and_then(Node::str).and_then(duration_ms);
    Some(Health {
        test,
        interval: ms("interval"),
        timeout: ms("timeout"),
        retries: h.get("retries").and_then(Node::u64).map(|r| r as u32),
        start_period: ms("start_period"),
    })
}

fn depends(file: &Arc<SourceFile>, val: &Node, w: &mut Workload) {
    if val.is_map() {
        for (k, v) in val.map() {
            let Some(name) = k.string() else { continue };
            let cond = match v.get("condition").and_then(Node::str) {
                Some("service_healthy") => Some(Cond::Healthy),
                Some("service_completed_successfully") => Some(Cond::Completed),
                Some("service_started") | None => Some(Cond::Started),
                Some(_) => None,
            };
            w.depends.insert(name, at(file, k, cond));
        }
    } else {
        for n in val.seq() {
            if let Some(name) = n.string() {
                w.depends.insert(name, at(file, n, Some(Cond::Started)));
            }
        }
    }
}

fn deploy(file: &Arc<SourceFile>, val: &Node, w: &mut Workload) {
    if let Some((k, r)) = val.entry("replicas") {
        w.replicas = r.u64().map(|n| at(file, k, n as u32));
    }
    let res = |kind: &str, what: &str| val.at(&["resources", kind]).and_then(|l| l.entry(what));
    if let Some((k, v)) = res("limits", "cpus") {
        w.cpus = v.str().and_then(cpus).map(|c| at(file, k, c));
    }
    if let Some((k, v)) = res("limits", "memory") {
        w.memory = v.str().and_then(memory_any).map(|m| at(file, k, m));
    }
    if let Some((k, v)) = res("reservations", "cpus") {
        w.request_cpus = v.str().and_then(cpus).map(|c| at(file, k, c));
    }
    if let Some((k, v)) = res("reservations", "memory") {
        w.request_memory = v.str().and_then(memory_any).map(|m| at(file, k, m));
    }
}

/// An image as compose runs it when the deploying environment sets nothing: `${X:-default}` and
/// `${X-default}` are their defaults; `${X}`, `${X:?...}` and `${X?...}` stay `${X}` (set when
/// deployed). `$$` is a literal `$`.
fn interpolated_image(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let Some(body) = after.strip_prefix('{') else {
            out.push('$');
            rest = after;
            continue;
        };
        let Some(end) = body.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let inner = &body[..end];
        let name_end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, op) = inner.split_at(name_end);
        if let Some(d) = op.strip_prefix(":-").or_else(|| op.strip_prefix('-')) {
            out.push_str(d);
        } else {
            out.push_str(&format!("${{{name}}}"));
        }
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    out
}
