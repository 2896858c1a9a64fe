//! The scenarios: each compiles its stack under `fixtures/e2e/<name>/` with `stackc`, starts it
//! on the private engine and asserts what the spec promised.

use std::collections::BTreeMap;
use std::fs;
use std::net::SocketAddr;
use std::path::Path;

use serde_json::Value;

use super::ctx::{Ctx, Stack, number, text};
use super::{build, podman, probe, stacks, time};

pub struct Scenario {
    pub name: &'static str,
    /// What it proves, printed before its assertions.
    pub proves: &'static str,
    pub run: fn(&mut Ctx),
}

pub const ALL: &[Scenario] = &[
    Scenario {
        name: "health-order",
        proves: "dependants start after their dependency is healthy and after jobs complete",
        run: health_order,
    },
    Scenario {
        name: "secrets-env",
        proves: "secrets reach the container as environment variables and no generated file",
        run: secrets_env,
    },
    Scenario {
        name: "secrets-file",
        proves: "a secret reaches the container as a file under /run/secrets",
        run: secrets_file,
    },
    Scenario {
        name: "ports",
        proves: "a loopback port is reachable on 127.0.0.1 and published nowhere else",
        run: ports,
    },
    Scenario {
        name: "networks",
        proves: "an internal network isolates its services from the other tiers",
        run: networks,
    },
    Scenario {
        name: "readonly-tmpfs",
        proves: "a read-only root filesystem with a writable tmpfs",
        run: readonly_tmpfs,
    },
    Scenario {
        name: "volume-nonroot",
        proves: "a non-root job writes its named volume",
        run: volume_nonroot,
    },
    Scenario {
        name: "replicas-limits",
        proves: "replicas, restart policies and resource limits as the engine applies them",
        run: replicas_limits,
    },
    Scenario {
        name: "dockerfile-plain",
        proves: "the plain preset's Dockerfile built by BuildKit: cache and secret mounts, \
                 USER, HEALTHCHECK",
        run: build::dockerfile_plain,
    },
    Scenario {
        name: "shop",
        proves: "a five-tier shop built for prod: secret files read by non-root users, a URL \
                 built from references, health- and job-gated start, owned volumes, replicas, \
                 limits, a proxy on the one published port",
        run: stacks::shop,
    },
    Scenario {
        name: "notes",
        proves: "dev's variables, a workdir, a shell-form command, a volume given to its only \
                 writer's user, a config file and a secret (file and variable) read by a \
                 non-root user, a named port found by another service",
        run: stacks::notes,
    },
    Scenario {
        name: "ledger",
        proves: "a chain of jobs on an owned volume, a start period, a read-only mount, an env \
                 file, port 80 bound by a non-root user with NET_BIND_SERVICE, a public port",
        run: stacks::ledger,
    },
    Scenario {
        name: "podman-secrets",
        proves: "Quadlet output run by podman: a secret reaches the container",
        run: podman::secrets,
    },
    Scenario {
        name: "podman-ports",
        proves: "Quadlet output run by podman: a loopback port is reachable on 127.0.0.1 only",
        run: podman::ports,
    },
    Scenario {
        name: "podman-shell-secrets",
        proves: "Quadlet output run by podman: secrets in a shell command, an exec-form health \
                 check and an exec-form entrypoint reach the programs through the container's \
                 shell",
        run: podman::shell_secrets,
    },
    Scenario {
        name: "podman-volume",
        proves: "Quadlet output run by podman: a non-root job writes its named volume",
        run: podman::volume,
    },
    Scenario {
        name: "podman-notes",
        proves: "Quadlet output run by podman: the `notes` stack's volume, config file, secret \
                 and named port reach a non-root api and its client",
        run: podman::notes,
    },
];

/// An instant of a container's state (`StartedAt`, `FinishedAt`) in epoch seconds.
fn instant(v: &Value, field: &str) -> f64 {
    time::parse_rfc3339(text(v, &["State", field])).unwrap_or(f64::NAN)
}

fn health_order(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile_and_up("health-order", "dev") else {
        return;
    };
    let (Some(db), Some(migrate), Some(web)) = (
        ctx.inspect_service(&stack, "db"),
        ctx.inspect_service(&stack, "migrate"),
        ctx.inspect_service(&stack, "web"),
    ) else {
        return;
    };
    ctx.check_eq(
        "db is healthy",
        text(&db, &["State", "Health", "Status"]),
        "healthy",
    );
    // The uptime at the first passing health check, turned into an epoch instant.
    let noted = ctx.exec(&stack, "db", "cat /tmp/healthy-at");
    let healthy_at = noted
        .trimmed()
        .parse::<f64>()
        .ok()
        .zip(time::boot_epoch())
        .map(|(uptime, boot)| boot + uptime);
    let Some(healthy_at) = healthy_at else {
        ctx.check("db noted when it became healthy", false, noted.brief());
        return;
    };
    ctx.check_eq(
        "job migrate ran to completion (exited, code 0)",
        (
            text(&migrate, &["State", "Status"]),
            number(&migrate, &["State", "ExitCode"]),
        ),
        ("exited", Some(0)),
    );
    let logs = ctx.compose(&stack, &["logs", "--no-color", "migrate"]);
    ctx.check(
        "the job's output is in its logs",
        logs.ok() && logs.stdout.contains("migrated"),
        logs.brief(),
    );
    let (m_start, m_end) = (
        instant(&migrate, "StartedAt"),
        instant(&migrate, "FinishedAt"),
    );
    let w_start = instant(&web, "StartedAt");
    ctx.check(
        "migrate started after db became healthy",
        m_start > healthy_at,
        format!("migrate started {:.2} s after", m_start - healthy_at),
    );
    ctx.check(
        "web started after db became healthy",
        w_start > healthy_at,
        format!("web started {:.2} s after", w_start - healthy_at),
    );
    ctx.check(
        "web started after migrate finished",
        w_start > m_end,
        format!("web started {:.2} s after", w_start - m_end),
    );
}

/// `NAME=VALUE` lines of a `.env`.
pub fn read_env(path: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Build every target of the stack into `all/` and `units/` beside it, and assert that no file
/// there (nor in the compose output) holds any of `values`.
pub fn assert_no_secret_in_outputs(ctx: &mut Ctx, stack: &Stack, values: &[String]) {
    for (target, dir) in [("all", "out-all"), ("units", "out-units")] {
        let out = ctx.stackc(&stack.dir, &["build", "-t", target, "-o", dir]);
        ctx.check(
            &format!("stackc build -t {target} succeeds"),
            out.ok(),
            super::ctx::diagnostic(&out),
        );
    }
    let mut files = Vec::new();
    for dir in ["out", "out-all", "out-units"] {
        list_files(&stack.dir.join(dir), &mut files);
    }
    let mut leaks = Vec::new();
    for file in &files {
        let content = fs::read(file).unwrap_or_default();
        let content = String::from_utf8_lossy(&content);
        if values.iter().any(|v| content.contains(v.as_str())) {
            leaks.push(file.display().to_string());
        }
    }
    ctx.check(
        &format!(
            "no secret value in any of the {} generated files",
            files.len()
        ),
        leaks.is_empty() && !files.is_empty() && values.iter().all(|v| v.len() >= 16),
        format!("found in {leaks:?} (values: {} checked)", values.len()),
    );
}

fn list_files(dir: &Path, into: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            list_files(&path, into);
        } else {
            into.push(path);
        }
    }
}

fn secrets_env(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile_and_up("secrets-env", "dev") else {
        return;
    };
    let env = read_env(&stack.env_file());
    let token = env.get("API_TOKEN").cloned().unwrap_or_default();
    let password = env.get("DATABASE_PASSWORD").cloned().unwrap_or_default();
    ctx.check_eq(
        ".env holds generated values of the declared lengths",
        (token.len(), password.len()),
        (24, 32),
    );
    let seen = ctx.exec(&stack, "app", "echo \"$API_TOKEN\"");
    ctx.check(
        "API_TOKEN inside the container is the .env value",
        seen.ok() && seen.trimmed() == token,
        seen.brief(),
    );
    let url = ctx.exec(&stack, "app", "echo \"$DATABASE_URL\"");
    let expected = format!("postgres://app:{password}@db.internal:5432/app");
    ctx.check(
        "DATABASE_URL inside the container embeds the secret",
        url.ok() && url.trimmed() == expected,
        format!("{} (expected the URL with the .env password)", url.brief()),
    );
    assert_no_secret_in_outputs(ctx, &stack, &[token, password]);
}

fn secrets_file(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile_and_up("secrets-file", "dev") else {
        return;
    };
    let env = read_env(&stack.env_file());
    let Some(value) = env.values().find(|v| v.len() == 40).cloned() else {
        ctx.check(
            ".env holds the 40-character secret",
            false,
            format!("{env:?}"),
        );
        return;
    };
    let seen = ctx.exec(&stack, "app", "cat /run/secrets/tls.key");
    ctx.check(
        "/run/secrets/tls.key inside the container holds the .env value",
        seen.ok() && seen.trimmed() == value,
        seen.brief(),
    );
    let env_dump = ctx.exec(&stack, "app", "env");
    ctx.check(
        "the secret is not in the container's environment",
        env_dump.ok() && !env_dump.stdout.contains(&value),
        env_dump.brief(),
    );
    assert_no_secret_in_outputs(ctx, &stack, &[value]);
}

/// The host side of a published port: `127.0.0.1:49153` from `docker compose port`.
pub fn published(ctx: &Ctx, stack: &Stack, service: &str, port: u16) -> Option<SocketAddr> {
    let out = ctx.compose(stack, &["port", service, &port.to_string()]);
    out.trimmed().lines().next()?.parse().ok()
}

fn ports(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile_and_up("ports", "dev") else {
        return;
    };
    let Some(addr) = published(ctx, &stack, "web", 8080) else {
        ctx.check("port 8080 is published", false, "docker compose port: none");
        return;
    };
    ctx.check_eq(
        "port 8080 is published on 127.0.0.1",
        addr.ip().to_string(),
        "127.0.0.1".to_string(),
    );
    let got = probe::http_get(addr, "/index.html");
    ctx.check(
        &format!("GET http://{addr}/index.html from the host serves the file"),
        got.as_ref()
            .is_ok_and(|(status, body)| status.contains(" 200") && body.trim() == "e2e-ports-ok"),
        format!("{got:?}"),
    );
    let listeners = probe::tcp_listeners(addr.port());
    ctx.check_eq(
        &format!("the host listens on port {} at 127.0.0.1 only", addr.port()),
        listeners,
        vec!["127.0.0.1".to_string()],
    );
    let nat = ctx.run(
        std::process::Command::new("iptables").args(["-t", "nat", "-S", "DOCKER"]),
        std::time::Duration::from_secs(20),
    );
    let rules: Vec<&str> = nat
        .stdout
        .lines()
        .filter(|l| l.contains(&format!("--dport {} ", addr.port())))
        .collect();
    ctx.check(
        "the engine forwards the port only for destination 127.0.0.1",
        !rules.is_empty() && rules.iter().all(|r| r.contains("-d 127.0.0.1/32")),
        format!("{rules:?}"),
    );
    let Some(web) = ctx.inspect_service(&stack, "web") else {
        return;
    };
    let bindings = &web["HostConfig"]["PortBindings"];
    ctx.check(
        "the internal port 9090 is not published",
        bindings.get("8080/tcp").is_some() && bindings.get("9090/tcp").is_none(),
        bindings.to_string(),
    );
}

/// The address of a container on one of its networks (compose names it `<project>_<net>`).
fn address_on(v: &Value, network_suffix: &str) -> Option<String> {
    let nets = v["NetworkSettings"]["Networks"].as_object()?;
    nets.iter()
        .find(|(name, _)| name.ends_with(network_suffix))
        .and_then(|(_, n)| n["IPAddress"].as_str())
        .map(str::to_string)
}

fn networks(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile_and_up("networks", "dev") else {
        return;
    };
    let (Some(web), Some(db)) = (
        ctx.inspect_service(&stack, "web"),
        ctx.inspect_service(&stack, "db"),
    ) else {
        return;
    };
    let (Some(web_ip), Some(db_ip)) = (address_on(&web, "_frontend"), address_on(&db, "_backend"))
    else {
        ctx.check(
            "web is on frontend and db on backend",
            false,
            format!(
                "{} / {}",
                web["NetworkSettings"]["Networks"], db["NetworkSettings"]["Networks"]
            ),
        );
        return;
    };
    ctx.check_eq(
        "web is on frontend only, db on backend only",
        (
            web["NetworkSettings"]["Networks"]
                .as_object()
                .map(|m| m.len()),
            db["NetworkSettings"]["Networks"]
                .as_object()
                .map(|m| m.len()),
        ),
        (Some(1), Some(1)),
    );
    let fetch = |target: &str| format!("timeout 5 wget -q -O - http://{target}:8080/index.html");
    for (target, body) in [("web", "web"), ("db", "db")] {
        let got = ctx.exec(&stack, "api", &fetch(target));
        ctx.check(
            &format!("api reaches {target} by name"),
            got.ok() && got.trimmed() == body,
            got.brief(),
        );
    }
    let lookups = [("db", "web"), ("web", "db")];
    for (from, to) in lookups {
        let got = ctx.exec(&stack, from, &format!("nslookup {to}"));
        ctx.check(
            &format!("{from} cannot resolve {to}"),
            !got.ok(),
            format!("nslookup succeeded: {}", got.brief()),
        );
    }
    for (from, to, ip) in [("db", "web", &web_ip), ("web", "db", &db_ip)] {
        let got = ctx.exec(&stack, from, &fetch(ip));
        ctx.check(
            &format!("{from} cannot reach {to} by address ({ip})"),
            !got.ok() && !got.stdout.contains(to),
            format!("reached: {}", got.brief()),
        );
    }
}

fn readonly_tmpfs(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile_and_up("readonly-tmpfs", "dev") else {
        return;
    };
    let root = ctx.exec(&stack, "app", "echo x > /probe");
    ctx.check(
        "writing / fails (read-only file system)",
        !root.ok() && root.stderr.contains("Read-only file system"),
        root.brief(),
    );
    let tmp = ctx.exec(
        &stack,
        "app",
        "echo tmpfs-ok > /scratch/probe && cat /scratch/probe",
    );
    ctx.check(
        "writing the tmpfs /scratch works",
        tmp.ok() && tmp.trimmed() == "tmpfs-ok",
        tmp.brief(),
    );
    let mounts = ctx.exec(&stack, "app", "grep ' /scratch ' /proc/mounts");
    ctx.check(
        "/scratch is a tmpfs of 2 MiB",
        mounts.stdout.starts_with("tmpfs /scratch tmpfs") && mounts.stdout.contains("size=2048k"),
        mounts.brief(),
    );
    if let Some(app) = ctx.inspect_service(&stack, "app") {
        ctx.check_eq(
            "docker inspect: ReadonlyRootfs",
            app["HostConfig"]["ReadonlyRootfs"].as_bool(),
            Some(true),
        );
    }
}

fn volume_nonroot(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile("volume-nonroot", "dev") else {
        return;
    };
    let started = ctx.up(&stack);
    if let Some(writer) = ctx.inspect_service(&stack, "writer") {
        let logs = ctx.compose(&stack, &["logs", "--no-color", "writer"]);
        ctx.check(
            "job `writer` (user 10001:10001) exits 0 after writing its named volume",
            text(&writer, &["State", "Status"]) == "exited"
                && number(&writer, &["State", "ExitCode"]) == Some(0),
            format!(
                "exit code {:?}, {}",
                number(&writer, &["State", "ExitCode"]),
                logs.trimmed()
            ),
        );
    }
    if !started {
        return;
    }
    let read = ctx.exec(&stack, "reader", "cat /data/probe");
    ctx.check(
        "service `reader` reads what the job wrote",
        read.ok() && read.trimmed() == "written-by-10001",
        read.brief(),
    );
}

fn replicas_limits(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile_and_up("replicas-limits", "dev") else {
        return;
    };
    let ids = ctx.containers(&stack, "worker");
    let running: Vec<bool> = ids
        .iter()
        .map(|id| {
            ctx.inspect(id)
                .is_some_and(|v| v["State"]["Running"].as_bool() == Some(true))
        })
        .collect();
    ctx.check_eq("worker has 2 running containers", running, vec![true, true]);
    let expect = [
        ("worker", "on-failure", 48 * 1024 * 1024, 500_000_000),
        ("web", "always", 32 * 1024 * 1024, 250_000_000),
    ];
    for (service, restart, memory, nano_cpus) in expect {
        let Some(v) = ctx.inspect_service(&stack, service) else {
            continue;
        };
        let host = &v["HostConfig"];
        ctx.check_eq(
            &format!("{service}: restart policy {restart}"),
            text(host, &["RestartPolicy", "Name"]),
            restart,
        );
        ctx.check_eq(
            &format!("{service}: memory limit {memory} bytes, {nano_cpus} nano-cpus"),
            (number(host, &["Memory"]), number(host, &["NanoCpus"])),
            (Some(memory), Some(nano_cpus)),
        );
    }
}
