//! Scenarios of whole stacks (`fixtures/e2e/{shop,...}`): many features at once, each tier a
//! busybox script that proves what it was given (a secret file, a URL built from references,
//! a volume it owns), asserted from the outside.

use std::time::Duration;

use super::ctx::{Ctx, number, text};
use super::scenarios::{assert_no_secret_in_outputs, published, read_env};
use super::{probe, time};

/// `StartedAt`/`FinishedAt` of a container in epoch seconds.
fn instant(v: &serde_json::Value, field: &str) -> f64 {
    time::parse_rfc3339(text(v, &["State", field])).unwrap_or(f64::NAN)
}

/// GET from the host, retried for up to 5 s (a service may still be binding its port).
fn get_retried(addr: std::net::SocketAddr, path: &str) -> Result<(String, String), String> {
    let mut got = probe::http_get(addr, path);
    for _ in 0..20 {
        if got.as_ref().is_ok_and(|(s, _)| s.contains(" 200")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
        got = probe::http_get(addr, path);
    }
    got
}

/// `shop`, built for prod: db, cache, a migration job, app, two workers and a proxy.
pub fn shop(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile_and_up("shop", "prod") else {
        return;
    };
    let env = read_env(&stack.env_file());
    let password = env.get("DB_PASSWORD").cloned().unwrap_or_default();
    let session = env.get("SESSION_KEY").cloned().unwrap_or_default();
    // db: user 999 read its password from the secret file and owns its volume.
    let owner = ctx.exec(
        &stack,
        "db",
        "cat /var/lib/db/owner; stat -c %u:%g /var/lib/db",
    );
    ctx.check_eq(
        "db (user 999) wrote its named volume, whose root it owns",
        owner.trimmed(),
        "999\n999:999".to_string(),
    );
    let listed = ctx.exec(&stack, "db", "ls /var/lib/db/www | grep -vx index.html");
    ctx.check(
        "db read the password from /run/secrets/db_password (the .env value)",
        listed.ok() && listed.trimmed() == password && password.len() == 32,
        listed.brief(),
    );
    // migrate: a job that ran after db was healthy and wrote the shared volume as 10001.
    let (Some(db), Some(migrate), Some(app)) = (
        ctx.inspect_service(&stack, "db"),
        ctx.inspect_service(&stack, "migrate"),
        ctx.inspect_service(&stack, "app"),
    ) else {
        return;
    };
    ctx.check_eq(
        "job migrate exited 0",
        (
            text(&migrate, &["State", "Status"]),
            number(&migrate, &["State", "ExitCode"]),
        ),
        ("exited", Some(0)),
    );
    let migrated = ctx.exec(
        &stack,
        "app",
        "cat /uploads/migrated; stat -c %u:%g /uploads /uploads/migrated",
    );
    ctx.check_eq(
        "migrate reached db by name with the secret and wrote the volume as 10001:10001",
        migrated.trimmed(),
        "authorized\n10001\n10001:10001\n10001:10001".to_string(),
    );
    let (db_start, m_start, m_end, a_start) = (
        instant(&db, "StartedAt"),
        instant(&migrate, "StartedAt"),
        instant(&migrate, "FinishedAt"),
        instant(&app, "StartedAt"),
    );
    ctx.check(
        "start order: db, then migrate, then app after migrate finished",
        db_start < m_start && m_end < a_start,
        format!("db {db_start:.2}, migrate {m_start:.2}-{m_end:.2}, app {a_start:.2}"),
    );
    // app: what it found, served through the proxy on the one published port.
    let Some(addr) = published(ctx, &stack, "proxy", 8080) else {
        ctx.check("proxy port 8080 is published", false, "none");
        return;
    };
    let got = get_retried(addr, "/index.sh");
    let expected = format!(
        "via-proxy\nname=e2e-shop level=info uid=10001\ndb=authorized\ncache=PONG\nsession={}\n\
         migrated=authorized",
        session.len()
    );
    ctx.check(
        &format!("GET http://{addr}/index.sh: the proxy forwards to app, whose page shows prod's variables, db, cache, its secret file and the job's marker"),
        got.as_ref()
            .is_ok_and(|(s, b)| s.contains(" 200") && b.trim() == expected && session.len() == 40),
        format!("{got:?}, expected {expected:?}"),
    );
    for service in ["db", "cache", "app", "worker"] {
        let out = ctx.compose(&stack, &["port", service, "8080"]);
        let none = ctx.inspect_service(&stack, service).is_some_and(|v| {
            v["HostConfig"]["PortBindings"]
                .as_object()
                .is_none_or(|m| m.is_empty())
        });
        ctx.check(&format!("{service} publishes no port"), none, out.brief());
    }
    // worker: prod's 2 replicas, both healthy (they fetched app's page).
    let ids = ctx.containers(&stack, "worker");
    let health: Vec<String> = ids
        .iter()
        .map(|id| {
            ctx.inspect(id)
                .map(|v| text(&v, &["State", "Health", "Status"]).to_string())
                .unwrap_or_default()
        })
        .collect();
    ctx.check_eq(
        "worker runs prod's 2 replicas, both healthy",
        health,
        vec!["healthy".to_string(), "healthy".to_string()],
    );
    let host = &app["HostConfig"];
    ctx.check_eq(
        "app: prod's limits (48 MiB, 0.5 CPU) and reservation (16 MiB)",
        (
            number(host, &["Memory"]),
            number(host, &["NanoCpus"]),
            number(host, &["MemoryReservation"]),
        ),
        (Some(48 << 20), Some(500_000_000), Some(16 << 20)),
    );
    let reached = ctx.exec(
        &stack,
        "proxy",
        "timeout 3 wget -q -O /dev/null http://db:5432/",
    );
    ctx.check(
        "proxy (frontend only) cannot reach db (backend only)",
        !reached.ok(),
        reached.brief(),
    );
    assert_no_secret_in_outputs(ctx, &stack, &[password, session]);
}

/// What `api` of `notes` serves: dev's greeting, the config file, the secret's length read from
/// its file and from its variable, and the workdir.
pub const NOTES_PAGE: &str =
    "hello-dev\nmotd: notes are kept on a named volume\nkey=24 env=24 workdir=/srv";

/// `notes`, built for dev, on compose.
pub fn notes(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile_and_up("notes", "dev") else {
        return;
    };
    let owned = ctx.exec(
        &stack,
        "api",
        "cat /srv/data/owner; stat -c %u:%g /srv/data /srv/data/www/greeting",
    );
    ctx.check_eq(
        "api (user 10001, the volume's only writer, no `owner` written) owns the volume's root and its files",
        owned.trimmed(),
        "10001\n10001:10001\n10001:10001".to_string(),
    );
    let got = ctx.exec(&stack, "client", "cat /tmp/got");
    ctx.check_eq(
        "client (user 10002) fetched api's page by host and named port: dev's greeting, the config file, the secret file and variable, the workdir",
        got.trimmed(),
        NOTES_PAGE.to_string(),
    );
    let env = read_env(&stack.env_file());
    let key = env.get("NOTES_API_KEY").cloned().unwrap_or_default();
    let seen = ctx.exec(
        &stack,
        "api",
        "cat /run/secrets/api.key; echo; echo \"$API_KEY\"",
    );
    ctx.check(
        "the secret file and API_KEY both hold the .env value",
        seen.ok() && seen.trimmed() == format!("{key}\n{key}") && key.len() == 24,
        seen.brief(),
    );
    assert_no_secret_in_outputs(ctx, &stack, &[key]);
}

/// `ledger`, built for dev: a job chain, a start period, a read-only volume mount, an env file,
/// port 80 bound by a non-root user with NET_BIND_SERVICE, published publicly.
pub fn ledger(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile_and_up("ledger", "dev") else {
        return;
    };
    let (Some(schema), Some(seed), Some(api)) = (
        ctx.inspect_service(&stack, "schema"),
        ctx.inspect_service(&stack, "seed"),
        ctx.inspect_service(&stack, "api"),
    ) else {
        return;
    };
    ctx.check_eq(
        "jobs schema and seed exited 0",
        (
            number(&schema, &["State", "ExitCode"]),
            number(&seed, &["State", "ExitCode"]),
        ),
        (Some(0), Some(0)),
    );
    let (s_end, d_start, d_end, a_start) = (
        instant(&schema, "FinishedAt"),
        instant(&seed, "StartedAt"),
        instant(&seed, "FinishedAt"),
        instant(&api, "StartedAt"),
    );
    ctx.check(
        "start order: seed after schema finished, api after seed finished",
        s_end < d_start && d_end < a_start,
        format!("schema ends {s_end:.2}, seed {d_start:.2}-{d_end:.2}, api {a_start:.2}"),
    );
    let Some(addr) = published(ctx, &stack, "api", 80) else {
        ctx.check("port 80 is published", false, "none");
        return;
    };
    let local = std::net::SocketAddr::from(([127, 0, 0, 1], addr.port()));
    let got = get_retried(local, "/index.html");
    let expected = "schema=v1 seed=2 mode=ledger kv=up uid=10001";
    ctx.check(
        &format!(
            "GET http://{local}/index.html: api (uid 10001 on port 80) read both jobs' files, \
             its env file, and reached kv"
        ),
        got.as_ref()
            .is_ok_and(|(s, b)| s.contains(" 200") && b.trim() == expected),
        format!("{got:?}"),
    );
    ctx.check_eq(
        "the public port is published on every interface",
        addr.ip().to_string(),
        "0.0.0.0".to_string(),
    );
    let write = ctx.exec(&stack, "api", "echo x > /state/probe");
    ctx.check(
        "api's mount of `state` is read-only",
        !write.ok() && write.stderr.contains("Read-only file system"),
        write.brief(),
    );
    let host = &api["HostConfig"];
    ctx.check_eq(
        "api: restart on-failure, 3 retries at most; capabilities ALL dropped, NET_BIND_SERVICE \
         added; its label",
        (
            text(host, &["RestartPolicy", "Name"]),
            number(host, &["RestartPolicy", "MaximumRetryCount"]),
            host["CapDrop"].to_string(),
            host["CapAdd"].to_string(),
            text(&api, &["Config", "Labels", "com.example.team"]),
        ),
        (
            "on-failure",
            Some(3),
            "[\"ALL\"]".to_string(),
            "[\"CAP_NET_BIND_SERVICE\"]".to_string(),
            "ledger",
        ),
    );
}
