//! The expected side: the spec's IR lowered into the neutral model, by the spec's own terms
//! (service, volume and network names as written). Target naming is the comparator's business.

use std::sync::Arc;

use stackc_compiler::diag::SourceFile;
use stackc_compiler::ir::{self, Condition, Exposure, MountKind, Segment, Stack};

use crate::model::{Cond, EnvValue, Health, Mount, Part, Publish, Test, Workload};
use crate::source::{At, Loc};

/// A spec value as parts: literals, secrets by name, service hosts, variables.
pub fn parts(stack: &Stack, v: &ir::Value) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for s in &v.segments {
        let p = match s {
            Segment::Literal(t) => Part::Lit(t.clone()),
            Segment::Secret(id) => Part::Secret(stack.secret(*id).name.value.clone()),
            Segment::Var(id) => {
                let var = stack.variable(*id);
                Part::Var {
                    value: var.value.clone(),
                    from_env: var.from_env.clone(),
                }
            }
            Segment::ServiceHost(id) => Part::Host(stack.service(*id).name.value.clone()),
            Segment::ServicePort(id, i) => Part::Lit(
                stack
                    .service(*id)
                    .ports
                    .get(*i)
                    .map_or(String::new(), |p| p.port.to_string()),
            ),
        };
        out.push(p);
    }
    crate::words::normalise(out)
}

/// A command's arguments when every one is literal.
pub fn literal_args(c: &ir::Command) -> Option<Vec<String>> {
    c.args.iter().map(ir::Value::as_literal).collect()
}

fn cond(c: Condition) -> Cond {
    match c {
        Condition::Started => Cond::Started,
        Condition::Healthy => Cond::Healthy,
        Condition::Completed => Cond::Completed,
    }
}

/// The host address a published port binds to; empty for every address.
pub fn publish_ip(p: &ir::Port) -> String {
    match (&p.bind_address, p.exposure) {
        (Some(a), _) => crate::read::compose::clean_ip(&a.value),
        (None, Exposure::Loopback) => "127.0.0.1".into(),
        _ => String::new(),
    }
}

fn health(h: &ir::Health) -> Health {
    let test = match h
        .cmd
        .as_ref()
        .and_then(|c| Some((c.shell, literal_args(c)?)))
    {
        Some((true, args)) => Test::Shell(args.join(" ")),
        Some((false, args)) => Test::Exec(args),
        None => Test::Probe,
    };
    Health {
        test,
        interval: Some(h.interval.as_millis() as u64),
        timeout: Some(h.timeout.as_millis() as u64),
        retries: Some(h.retries),
        start_period: Some(h.start_period.as_millis() as u64),
    }
}

/// One service as the spec describes it.
pub fn workload(stack: &Stack, svc: &ir::Service) -> Workload {
    let file: &Arc<SourceFile> = &stack.file;
    let loc = |span| Loc::of_span(file, span);
    let mut w = Workload::new(svc.name.value.clone(), loc(svc.name.span));
    w.job = svc.is_job();
    let image = svc
        .image
        .as_ref()
        .or_else(|| svc.build.as_ref().and_then(|b| b.image.as_ref()));
    w.image = image.map(|i| At::new(deploy_time_image(stack, &i.value), loc(i.span)));
    let exec = |c: &&ir::Command| crate::compare::rules::compares_command(c.shell);
    w.process_secret = [&svc.entrypoint, &svc.command]
        .into_iter()
        .flatten()
        .any(|c| c.args.iter().any(ir::Value::has_secret));
    w.entrypoint = svc
        .entrypoint
        .as_ref()
        .filter(exec)
        .and_then(|c| Some(At::new(literal_args(c)?, loc(c.span))));
    w.command = svc
        .command
        .as_ref()
        .filter(exec)
        .and_then(|c| Some(At::new(literal_args(c)?, loc(c.span))));
    for e in &svc.env {
        let v = EnvValue {
            parts: parts(stack, &e.value),
            helper: false,
        };
        w.env
            .insert(e.key.value.clone(), At::new(v, loc(e.key.span)));
    }
    for (n, span) in &svc.networks {
        w.networks
            .push(At::new(stack.network(*n).name.value.clone(), loc(*span)));
    }
    for p in svc.ports.iter().filter(|p| p.is_published()) {
        let pb = Publish {
            host_ip: publish_ip(p),
            host_port: p.host_port,
            port: p.port,
            udp: p.protocol == ir::Protocol::Udp,
        };
        w.published.push(At::new(pb, loc(p.span)));
    }
    for m in &svc.mounts {
        if let MountKind::Volume(id) = m.kind {
            let mount = Mount {
                volume: stack.volume(id).name.value.clone(),
                read_only: m.read_only,
            };
            w.mounts
                .insert(m.target.value.clone(), At::new(mount, loc(m.span)));
        }
    }
    w.health = svc.health.as_ref().map(|h| At::new(health(h), loc(h.span)));
    for d in &svc.depends_on {
        w.depends.insert(
            stack.service(d.service).name.value.clone(),
            At::new(Some(cond(d.condition)), loc(d.span)),
        );
    }
    let r = &svc.resources;
    w.cpus = r.cpus.as_ref().map(|c| At::new(c.value, loc(c.span)));
    w.memory = r.memory.as_ref().map(|m| At::new(m.bytes, loc(m.span)));
    w.request_cpus = r
        .request_cpus
        .as_ref()
        .map(|c| At::new(c.value, loc(c.span)));
    w.request_memory = r
        .request_memory
        .as_ref()
        .map(|m| At::new(m.bytes, loc(m.span)));
    w.replicas = Some(At::new(
        svc.replicas,
        loc(svc.replicas_span.unwrap_or(svc.name.span)),
    ));
    w.restart = Some(At::new(
        svc.restart.policy.as_str().to_string(),
        loc(svc.restart.span.unwrap_or(svc.name.span)),
    ));
    w.user = svc
        .user
        .as_ref()
        .map(|u| At::new(u.value.clone(), loc(u.span)));
    let ro = svc.security.read_only.as_ref();
    w.read_only = Some(At::new(
        svc.security.is_read_only(),
        loc(ro.map_or(svc.name.span, |r| r.span)),
    ));
    w
}

/// An image with its deploy-time variables (`${vars.NAME}`) as every target deploys it: the
/// variable's value in this environment when it has one, else `${FROM_ENV}` (compose
/// interpolates it; the other targets refuse to build without `--set`).
fn deploy_time_image(stack: &Stack, text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${vars.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${vars.".len()..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        match stack.variables.iter().find(|v| v.name.value == name) {
            Some(v) => match (&v.value, &v.from_env) {
                (Some(value), _) => out.push_str(value),
                (None, Some(env)) => out.push_str(&format!("${{{env}}}")),
                (None, None) => out.push_str(&rest[start..start + "${vars.".len() + end + 1]),
            },
            None => out.push_str(&rest[start..start + "${vars.".len() + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}
