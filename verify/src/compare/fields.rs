//! Per-service fields: image, command, environment, volumes, health, dependencies,
//! resources, replicas, restart, user, read-only root; and the Dockerfiles' final stage.

use super::value::{Names, lost_secret, matches, show};
use super::{Cmp, rules};
use crate::Target;
use crate::model::{Model, Test, Workload};
use crate::units::same_cpus;

/// `$$` is a literal `$` in compose and Kubernetes command arguments.
fn unescape(t: Target, args: &[String]) -> Vec<String> {
    match t {
        Target::Compose | Target::K8s => args.iter().map(|a| a.replace("$$", "$")).collect(),
        _ => args.to_vec(),
    }
}

pub fn workload(c: &mut Cmp, e: &Workload, a: &Workload, model: &Model) {
    let t = c.target;
    let svc = e.name.clone();
    if let (Some(ei), Some(ai)) = (&e.image, &a.image)
        && ei.value != ai.value
        && !(t.is_systemd() && fully_qualified(&ei.value) == ai.value)
    {
        c.diff(
            &ai.loc,
            Some(&ei.loc),
            format!(
                "`{svc}`: image `{}`, the spec says `{}`",
                ai.value, ei.value
            ),
            "rebuild from the spec, or change the spec's image",
        );
    }
    for (what, ev, av) in [
        ("entrypoint", &e.entrypoint, &a.entrypoint),
        ("command", &e.command, &a.command),
    ] {
        // systemd reads a secret of the entrypoint or command through the container's shell.
        if t.is_systemd() && e.process_secret {
            continue;
        }
        if let Some(ev) = ev {
            match av {
                Some(av) if unescape(t, &av.value) != ev.value => c.diff(
                    &av.loc,
                    Some(&ev.loc),
                    format!(
                        "`{svc}`: {what} {:?}, the spec says {:?}",
                        unescape(t, &av.value),
                        ev.value
                    ),
                    "rebuild from the spec",
                ),
                None => c.diff(
                    &a.loc,
                    Some(&ev.loc),
                    format!("`{svc}`: no {what}, the spec says {:?}", ev.value),
                    "rebuild from the spec",
                ),
                _ => {}
            }
        }
    }
    env(c, e, a, model);
    mounts(c, e, a);
    health(c, e, a);
    depends(c, e, a);
    resources(c, e, a);
    if rules::has_replicas(t)
        && !e.job
        && let (Some(er), Some(ar)) = (&e.replicas, &a.replicas)
        && er.value != ar.value
    {
        c.diff(
            &ar.loc,
            Some(&er.loc),
            format!("`{svc}`: {} replicas, the spec says {}", ar.value, er.value),
            "rebuild from the spec",
        );
    }
    if rules::has_restart(t)
        && let Some(er) = &e.restart
    {
        let want = if t == Target::Compose {
            er.value.as_str()
        } else {
            rules::systemd_restart(&er.value)
        };
        let got = a.restart.as_ref().map(|r| r.value.as_str());
        if got != Some(want) {
            let at = a.restart.as_ref().map_or(&a.loc, |r| &r.loc);
            c.diff(
                at,
                Some(&er.loc),
                format!(
                    "`{svc}`: restart `{}`, the spec's `{}` means `{want}` here",
                    got.unwrap_or("(none)"),
                    er.value
                ),
                "rebuild from the spec",
            );
        }
    }
    if let Some(eu) = &e.user
        && rules::compares_user(t, &eu.value)
        && a.user.as_ref().map(|u| u.value.as_str()) != Some(eu.value.as_str())
    {
        let at = a.user.as_ref().map_or(&a.loc, |u| &u.loc);
        let got = a
            .user
            .as_ref()
            .map_or("(image default)".to_string(), |u| format!("`{}`", u.value));
        c.diff(
            at,
            Some(&eu.loc),
            format!("`{svc}`: runs as {got}, the spec says `{}`", eu.value),
            "rebuild from the spec",
        );
    }
    if let (Some(er), Some(ar)) = (&e.read_only, &a.read_only)
        && er.value != ar.value
    {
        let says = |b: bool| if b { "read-only" } else { "writable" };
        c.diff(
            &ar.loc,
            Some(&er.loc),
            format!(
                "`{svc}`: root filesystem {}, the spec says {}",
                says(ar.value),
                says(er.value)
            ),
            "rebuild from the spec",
        );
    }
}

fn env(c: &mut Cmp, e: &Workload, a: &Workload, model: &Model) {
    let stack = c.stack;
    let stack_name = stack.name.value.clone();
    let secret = |name: &str| -> Vec<String> {
        stack
            .secrets
            .iter()
            .filter(|s| s.name.value == name)
            .flat_map(|s| {
                let mut v = rules::object_names(&stack_name, &s.name.value, &s.dns_name);
                v.push(s.env_name.clone());
                v
            })
            .collect()
    };
    let secret_env = |name: &str| {
        stack
            .secrets
            .iter()
            .find(|s| s.name.value == name)
            .map(|s| s.env_name.clone())
    };
    let host = |name: &str| -> Vec<String> {
        let mut v: Vec<String> = stack
            .services
            .iter()
            .filter(|s| s.name.value == name)
            .flat_map(|s| [s.name.value.clone(), s.dns_name.clone()])
            .collect();
        for cand in v.clone() {
            if let Some(w) = model
                .workloads
                .values()
                .find(|w| w.name == cand || w.name.ends_with(&format!("-{cand}")))
            {
                v.extend(w.aliases.iter().cloned());
            }
        }
        v
    };
    let names = Names {
        secret: &secret,
        host: &host,
        secret_env: &secret_env,
    };
    let svc = &e.name;
    let mut diffs = Vec::new();
    for (k, ev) in &e.env {
        match a.env.get(k) {
            None => diffs.push((
                a.loc.clone(),
                Some(ev.loc.clone()),
                format!(
                    "`{svc}`: environment variable `{k}` is missing; the spec sets it to `{}`",
                    show(&ev.value.parts)
                ),
            )),
            Some(av) if !matches(&ev.value.parts, &av.value.parts, &names) => {
                let msg = if lost_secret(&ev.value.parts, &av.value.parts) {
                    format!(
                        "`{svc}`: environment variable `{k}` holds literal text where the spec has a secret reference (`{}`)",
                        show(&ev.value.parts)
                    )
                } else {
                    format!(
                        "`{svc}`: environment variable `{k}` is `{}`, the spec says `{}`",
                        show(&av.value.parts),
                        show(&ev.value.parts)
                    )
                };
                diffs.push((av.loc.clone(), Some(ev.loc.clone()), msg));
            }
            _ => {}
        }
    }
    for (k, av) in &a.env {
        if !e.env.contains_key(k) && !av.value.helper {
            diffs.push((
                av.loc.clone(),
                None,
                format!("`{svc}`: environment variable `{k}` is set, but the spec does not set it"),
            ));
        }
    }
    for (at, spec, msg) in diffs {
        c.diff(
            &at,
            spec.as_ref(),
            msg,
            "rebuild from the spec; never paste a secret's value into an output",
        );
    }
}

fn volume_names(c: &Cmp, name: &str) -> Vec<String> {
    let stack = c.stack;
    stack
        .volumes
        .iter()
        .filter(|v| v.name.value == name)
        .flat_map(|v| rules::object_names(&stack.name.value, &v.name.value, &v.dns_name))
        .collect()
}

fn mounts(c: &mut Cmp, e: &Workload, a: &Workload) {
    let svc = &e.name;
    for (path, em) in &e.mounts {
        let names = volume_names(c, &em.value.volume);
        match a.mounts.get(path) {
            None => c.diff(
                &a.loc,
                Some(&em.loc),
                format!(
                    "`{svc}`: volume `{}` is not mounted at `{path}`",
                    em.value.volume
                ),
                "rebuild from the spec",
            ),
            Some(am) if !names.contains(&am.value.volume) => c.diff(
                &am.loc,
                Some(&em.loc),
                format!(
                    "`{svc}`: `{path}` mounts volume `{}`, the spec says `{}`",
                    am.value.volume, em.value.volume
                ),
                "rebuild from the spec",
            ),
            Some(am) if am.value.read_only != em.value.read_only => c.diff(
                &am.loc,
                Some(&em.loc),
                format!(
                    "`{svc}`: `{path}` is mounted {}, the spec says {}",
                    ro(am.value.read_only),
                    ro(em.value.read_only)
                ),
                "rebuild from the spec",
            ),
            _ => {}
        }
    }
    for (path, am) in &a.mounts {
        if !e.mounts.contains_key(path) {
            c.diff(
                &am.loc,
                None,
                format!(
                    "`{svc}`: volume `{}` is mounted at `{path}`, which the spec does not mount",
                    am.value.volume
                ),
                "rebuild from the spec",
            );
        }
    }
}

fn ro(b: bool) -> &'static str {
    if b { "read-only" } else { "read-write" }
}

fn health(c: &mut Cmp, e: &Workload, a: &Workload) {
    let svc = &e.name;
    if !rules::has_health(c.target, e.job) {
        return;
    }
    let (eh, ah) = match (&e.health, &a.health) {
        (Some(eh), Some(ah)) => (eh, ah),
        (Some(eh), None) => {
            return c.diff(
                &a.loc,
                Some(&eh.loc),
                format!("`{svc}`: no health check, the spec has one"),
                "rebuild from the spec",
            );
        }
        (None, Some(ah)) => {
            return c.diff(
                &ah.loc,
                None,
                format!("`{svc}`: a health check the spec does not have"),
                "rebuild from the spec",
            );
        }
        (None, None) => return,
    };
    if !rules::compares_health_details(c.target) {
        return;
    }
    let test_differs = match (&eh.value.test, &ah.value.test) {
        (Test::Exec(x), Test::Exec(y)) => x != y,
        (Test::Shell(x), Test::Shell(y)) => x != y,
        (Test::Shell(x), Test::Exec(y)) => y.len() != 3 || y[2] != *x,
        (Test::Exec(_), Test::Shell(_)) => true,
        _ => false,
    };
    if test_differs {
        c.diff(
            &ah.loc,
            Some(&eh.loc),
            format!(
                "`{svc}`: health check runs {:?}, the spec says {:?}",
                ah.value.test, eh.value.test
            ),
            "rebuild from the spec",
        );
    }
    let timings = [
        ("interval", eh.value.interval, ah.value.interval),
        ("timeout", eh.value.timeout, ah.value.timeout),
        ("start period", eh.value.start_period, ah.value.start_period),
        (
            "retries",
            eh.value.retries.map(u64::from),
            ah.value.retries.map(u64::from),
        ),
    ];
    for (what, ev, av) in timings {
        if let (Some(x), Some(y)) = (ev, av)
            && x != y
        {
            c.diff(&ah.loc, Some(&eh.loc), format!("`{svc}`: health check {what} {y}, the spec says {x} (milliseconds for durations)"), "rebuild from the spec");
        }
    }
}

fn depends(c: &mut Cmp, e: &Workload, a: &Workload) {
    let svc = &e.name;
    let mut seen = Vec::new();
    for (dep, ed) in &e.depends {
        if c.target == Target::K8s
            && !rules::k8s_waits_for(
                c.stack,
                dep,
                ed.value == Some(crate::model::Cond::Completed),
            )
        {
            continue;
        }
        let found = c
            .service_names(dep)
            .into_iter()
            .find_map(|n| a.depends.get(&n).map(|d| (n, d)));
        match found {
            None => c.diff(a.order_loc.as_ref().unwrap_or(&a.loc), Some(&ed.loc), format!("`{svc}`: does not wait for `{dep}`; the spec says it starts after `{dep}` is {}", ed.value.map_or("", |c| c.as_str())), "rebuild from the spec"),
            Some((n, ad)) => {
                seen.push(n);
                let differs = if rules::compares_conditions(c.target) {
                    ad.value != ed.value
                } else {
                    c.target == crate::Target::K8s && (ad.value == Some(crate::model::Cond::Completed)) != (ed.value == Some(crate::model::Cond::Completed))
                };
                if differs {
                    c.diff(&ad.loc, Some(&ed.loc), format!("`{svc}`: waits for `{dep}` to be {}, the spec says {}", ad.value.map_or("started or healthy", |c| c.as_str()), ed.value.map_or("", |c| c.as_str())), "rebuild from the spec");
                }
            }
        }
    }
    for (n, ad) in &a.depends {
        if !seen.contains(n) && c.spec_service_of(n).is_some() {
            c.diff(
                &ad.loc,
                None,
                format!(
                    "`{svc}`: waits for `{n}`, which the spec does not list in its `depends_on`"
                ),
                "rebuild from the spec",
            );
        }
    }
}

fn resources(c: &mut Cmp, e: &Workload, a: &Workload) {
    let svc = &e.name;
    let requests = rules::has_requests(c.target);
    let cpu = [
        ("CPU limit", &e.cpus, &a.cpus, true),
        ("CPU request", &e.request_cpus, &a.request_cpus, requests),
    ];
    for (what, ev, av, check) in cpu {
        if !check {
            continue;
        }
        match (ev, av) {
            (Some(x), Some(y)) if !same_cpus(x.value, y.value) => c.diff(
                &y.loc,
                Some(&x.loc),
                format!("`{svc}`: {what} {}, the spec says {}", y.value, x.value),
                "rebuild from the spec",
            ),
            (Some(x), None) => c.diff(
                &a.loc,
                Some(&x.loc),
                format!("`{svc}`: no {what}, the spec says {}", x.value),
                "rebuild from the spec",
            ),
            (None, Some(y)) => c.diff(
                &y.loc,
                None,
                format!("`{svc}`: {what} {}, the spec sets none", y.value),
                "rebuild from the spec",
            ),
            _ => {}
        }
    }
    let mem = [
        ("memory limit", &e.memory, &a.memory, true),
        (
            "memory request",
            &e.request_memory,
            &a.request_memory,
            requests,
        ),
    ];
    for (what, ev, av, check) in mem {
        if !check {
            continue;
        }
        match (ev, av) {
            (Some(x), Some(y)) if x.value != y.value => c.diff(
                &y.loc,
                Some(&x.loc),
                format!(
                    "`{svc}`: {what} {} bytes, the spec says {} bytes",
                    y.value, x.value
                ),
                "rebuild from the spec",
            ),
            (Some(x), None) => c.diff(
                &a.loc,
                Some(&x.loc),
                format!("`{svc}`: no {what}, the spec says {} bytes", x.value),
                "rebuild from the spec",
            ),
            (None, Some(y)) => c.diff(
                &y.loc,
                None,
                format!("`{svc}`: {what} {} bytes, the spec sets none", y.value),
                "rebuild from the spec",
            ),
            _ => {}
        }
    }
}

/// Dockerfiles: the final stage against each build recipe.
pub fn images(c: &mut Cmp, model: &Model) {
    let stack = c.stack;
    for svc in &stack.services {
        let Some(b) = &svc.build else { continue };
        if b.dockerfile.is_some() {
            continue;
        }
        let img = [&svc.name.value, &svc.dns_name]
            .into_iter()
            .find_map(|n| model.images.get(n.as_str()));
        let spec_loc = crate::source::Loc::of_span(&stack.file, b.span);
        let Some(img) = img else { continue };
        let name = &svc.name.value;
        if let Some(u) = &b.user
            && !img
                .user
                .as_ref()
                .is_some_and(|x| rules::image_user_agrees(&u.value, &x.value))
        {
            let at = img.user.as_ref().map_or(&img.loc, |x| &x.loc);
            c.diff(
                at,
                Some(&spec_loc),
                format!(
                    "`{name}`: the image runs as {:?}, the recipe says `{}`",
                    img.user.as_ref().map(|x| &x.value),
                    u.value
                ),
                "rebuild from the spec",
            );
        }
        if b.user.is_none()
            && img
                .user
                .as_ref()
                .is_none_or(|x| rules::image_user_agrees("root", &x.value))
        {
            let at = img.user.as_ref().map_or(&img.loc, |x| &x.loc);
            c.diff(at, Some(&spec_loc), format!("`{name}`: the image runs as root, the recipe sets no user (stackc's default is a non-root user)"), "rebuild from the spec, or write `user: root` in the recipe");
        }
        if let Some(cmd) = &b.cmd {
            let want: Vec<String> = cmd.iter().map(|a| a.value.clone()).collect();
            if img.cmd.as_ref().map(|x| &x.value) != Some(&want) {
                let at = img.cmd.as_ref().map_or(&img.loc, |x| &x.loc);
                c.diff(
                    at,
                    Some(&spec_loc),
                    format!(
                        "`{name}`: the image's CMD is {:?}, the recipe says {want:?}",
                        img.cmd.as_ref().map(|x| &x.value)
                    ),
                    "rebuild from the spec",
                );
            }
        }
        image_health(c, svc, img, &spec_loc);
        for p in &svc.ports {
            let udp = p.protocol == stackc_compiler::ir::Protocol::Udp;
            if !img.expose.iter().any(|x| x.value == (p.port, udp)) {
                c.diff(
                    &img.loc,
                    Some(&crate::source::Loc::of_span(&stack.file, p.span)),
                    format!("`{name}`: the image does not EXPOSE port {}", p.port),
                    "rebuild from the spec",
                );
            }
        }
        for x in &img.expose {
            if !svc.ports.iter().any(|p| p.port == x.value.0) {
                c.diff(
                    &x.loc,
                    None,
                    format!(
                        "`{name}`: the image EXPOSEs port {}, which the spec does not declare",
                        x.value.0
                    ),
                    "rebuild from the spec",
                );
            }
        }
    }
}

/// An image's `HEALTHCHECK` against the service's check: a service (not a job) whose check is
/// a command of literal text has it, with its timings; other checks cannot be an image's
/// (the Dockerfile target's loss report).
fn image_health(
    c: &mut Cmp,
    svc: &stackc_compiler::ir::Service,
    img: &crate::model::Image,
    spec_loc: &crate::source::Loc,
) {
    let name = &svc.name.value;
    let expected = (!svc.is_job())
        .then(|| crate::expect::workload(c.stack, svc).health)
        .flatten()
        .filter(|h| h.value.test != Test::Probe);
    match (&expected, &img.health) {
        (Some(eh), Some(ah)) => {
            let same = match (&eh.value.test, &ah.value.test) {
                (Test::Exec(x), Test::Exec(y)) => x == y,
                (Test::Shell(x), Test::Exec(y)) => y.len() == 3 && y[2] == *x,
                _ => false,
            };
            if !same {
                c.diff(
                    &ah.loc,
                    Some(&eh.loc),
                    format!(
                        "`{name}`: the image's HEALTHCHECK runs {:?}, the spec says {:?}",
                        ah.value.test, eh.value.test
                    ),
                    "rebuild from the spec",
                );
            }
            let nonzero = |v: Option<u64>| v.filter(|d| *d != 0);
            let timings = [
                ("interval", nonzero(eh.value.interval), ah.value.interval),
                ("timeout", nonzero(eh.value.timeout), ah.value.timeout),
                (
                    "start period",
                    nonzero(eh.value.start_period),
                    ah.value.start_period,
                ),
                (
                    "retries",
                    eh.value.retries.map(u64::from),
                    ah.value.retries.map(u64::from),
                ),
            ];
            for (what, ev, av) in timings {
                if ev != av {
                    c.diff(&ah.loc, Some(&eh.loc), format!("`{name}`: the image's HEALTHCHECK {what} is {av:?}, the spec says {ev:?} (milliseconds for durations)"), "rebuild from the spec");
                }
            }
        }
        (Some(eh), None) => c.diff(
            &img.loc,
            Some(&eh.loc),
            format!("`{name}`: the image has no HEALTHCHECK, the spec has a health command"),
            "rebuild from the spec",
        ),
        (None, Some(ah)) => c.diff(
            &ah.loc,
            Some(spec_loc),
            format!("`{name}`: the image has a HEALTHCHECK the spec does not ask for"),
            "rebuild from the spec",
        ),
        (None, None) => {}
    }
}

/// An image reference as Podman is given it: a short name qualified with `docker.io` (and
/// `library/` for official images), as Podman's short-name resolution would do by default.
fn fully_qualified(image: &str) -> String {
    let first = image.split('/').next().unwrap_or("");
    let has_registry =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_registry {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    }
}
