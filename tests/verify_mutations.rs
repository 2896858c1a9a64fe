//! Mutation tests: a golden output is copied, one thing in it is tampered with, and `verify`
//! must report it at the right file and line, naming the service and what changed.

use std::path::{Path, PathBuf};

use stackc_compiler::pipeline::{Compiled, compile};
use stackc_compiler::syntax::ParseOptions;
use stackc_verify::Target;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn compiled(spec: &str, env: &str) -> Compiled {
    let path = root().join(spec);
    compile(
        &path.display().to_string(),
        &std::fs::read(&path).unwrap(),
        env,
        path.parent().unwrap(),
        &ParseOptions::default(),
    )
    .unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A golden output: spec, environment, target and directory.
struct Out<'a>(&'a str, &'a str, Target, &'a str);

/// Copies the output, replaces the first `from` after the first `after` in `file` by `to`, and
/// returns the findings as `(file name, line, message)` and the line of the change.
fn tamper(
    o: Out,
    file: &str,
    after: &str,
    from: &str,
    to: &str,
) -> (Vec<(String, u32, String)>, u32) {
    let Out(spec, env, target, out) = o;
    let c = compiled(spec, env);
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join(out), dir.path());
    assert!(
        stackc_verify::verify_target(&c.stack, target, dir.path()).is_empty(),
        "{out} is clean before tampering"
    );
    let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
    let start = text
        .find(after)
        .unwrap_or_else(|| panic!("`{after}` in {file}"));
    let at = start
        + text[start..]
            .find(from)
            .unwrap_or_else(|| panic!("`{from}` after `{after}` in {file}"));
    let changed = format!("{}{to}{}", &text[..at], &text[at + from.len()..]);
    let line = text[..at].matches('\n').count() as u32 + 1;
    std::fs::write(dir.path().join(file), changed).unwrap();
    let found = stackc_verify::verify_target(&c.stack, target, dir.path())
        .into_iter()
        .map(|d| {
            let (f, l, _) = d.location().unwrap();
            (
                Path::new(&f)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .to_string(),
                l,
                d.message,
            )
        })
        .collect();
    (found, line)
}

fn assert_found(found: &[(String, u32, String)], file: &str, line: u32, message: &str) {
    assert!(
        found
            .iter()
            .any(|(f, l, m)| f == file && *l == line && m.contains(message)),
        "expected `{message}` at {file}:{line}, found {found:#?}"
    );
}

const AN_APP: &str = "examples/an-app/stack.yaml";

#[test]
fn an_ingress_backend_port_that_changed() {
    let (found, line) = tamper(
        Out(
            "fixtures/k8s-basic/stack.yaml",
            "dev",
            Target::K8s,
            "fixtures/k8s-basic/out/k8s",
        ),
        "ingress.yaml",
        "backend:",
        "name: http",
        "number: 9090",
    );
    assert_found(
        &found,
        "ingress.yaml",
        line,
        "`web`: port 8080 is routed to `web:9090` by the Ingress at",
    );
}

#[test]
fn a_network_policy_peer_that_changed() {
    let (found, _) = tamper(
        Out(AN_APP, "prod", Target::K8s, "examples/an-app/out/prod/k8s"),
        "networkpolicies.yaml",
        "name: redis-ingress",
        "net.stackc.dev/backend",
        "net.stackc.dev/frontend",
    );
    let text =
        std::fs::read_to_string(root().join("examples/an-app/out/prod/k8s/networkpolicies.yaml"))
            .unwrap();
    let policy = text.find("name: redis-ingress").unwrap();
    let rule = policy + text[policy..].find("  - from:\n").unwrap();
    let line = text[..rule].matches('\n').count() as u32 + 1;
    assert_found(
        &found,
        "networkpolicies.yaml",
        line,
        "`redis`: port 6379 is not reachable from `postgres`, which shares a network with it in the spec",
    );
}

#[test]
fn a_network_policy_peer_added() {
    let spec = "stack: tiers\nversion: 1\nnetworks:\n  front: {}\n  back: { internal: true }\nservices:\n  db:\n    image: postgres:17.6-alpine\n    ports: [5432]\n    networks: [back]\n  web:\n    image: nginx:1.27.0\n    ports: [80]\n    networks: [front]\n  api:\n    image: nginx:1.27.0\n    ports: [8080]\n    networks: [front, back]\n";
    let c = compile(
        "stack.yaml",
        spec.as_bytes(),
        "dev",
        Path::new("."),
        &ParseOptions::default(),
    )
    .unwrap();
    let ctx = stackc_backends::output::EmitContext {
        source_root: ".".into(),
        output_from_source: ".".into(),
        spec_name: "stack.yaml".into(),
    };
    let out = stackc_backends::k8s::emit(&c.stack, &ctx).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for f in &out.files {
        std::fs::write(dir.path().join(&f.path), &f.contents).unwrap();
    }
    assert!(stackc_verify::verify_target(&c.stack, Target::K8s, dir.path()).is_empty());
    let text = std::fs::read_to_string(dir.path().join("networkpolicies.yaml")).unwrap();
    let policy = text.find("name: db-ingress").unwrap();
    let at = policy + text[policy..].find("net.stackc.dev/back:").unwrap();
    let line = text[..at].matches('\n').count() as u32 + 1;
    let changed = format!(
        "{}net.stackc.dev/front:{}",
        &text[..at],
        &text[at + "net.stackc.dev/back:".len()..]
    );
    std::fs::write(dir.path().join("networkpolicies.yaml"), changed).unwrap();
    let found: Vec<(String, u32, String)> =
        stackc_verify::verify_target(&c.stack, Target::K8s, dir.path())
            .into_iter()
            .map(|d| {
                let (f, l, _) = d.location().unwrap();
                (
                    Path::new(&f)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .to_string(),
                    l,
                    d.message,
                )
            })
            .collect();
    assert_found(
        &found,
        "networkpolicies.yaml",
        line - 1,
        "`db`: port 5432 is reachable from `web` by the NetworkPolicy at",
    );
}

#[test]
fn a_dropped_compose_network() {
    let (found, _) = tamper(
        Out(
            AN_APP,
            "prod",
            Target::Compose,
            "examples/an-app/out/prod/compose",
        ),
        "compose.yaml",
        "  api:\n",
        "    - frontend\n",
        "",
    );
    let text =
        std::fs::read_to_string(root().join("examples/an-app/out/prod/compose/compose.yaml"))
            .unwrap();
    let line = text[..text.find("\n  api:\n").unwrap() + 1]
        .matches('\n')
        .count() as u32
        + 1;
    assert_found(
        &found,
        "compose.yaml",
        line,
        "`api`: not on network `frontend`",
    );
}

#[test]
fn a_literal_where_compose_had_a_secret_reference() {
    let (found, line) = tamper(
        Out(
            AN_APP,
            "prod",
            Target::Compose,
            "examples/an-app/out/prod/compose",
        ),
        "compose.yaml",
        "POSTGRES_PASSWORD",
        "${DATABASE_PASSWORD:?run stackc secrets init}",
        "hunter2",
    );
    assert_found(
        &found,
        "compose.yaml",
        line,
        "`postgres`: environment variable `POSTGRES_PASSWORD` holds literal text where the spec has a secret reference",
    );
}

#[test]
fn a_literal_where_kubernetes_had_a_secret_key_ref() {
    let from = "valueFrom:\n            secretKeyRef:\n              name: shop-secrets\n              key: db-password\n";
    let (found, line) = tamper(
        Out(
            "fixtures/k8s-basic/stack.yaml",
            "dev",
            Target::K8s,
            "fixtures/k8s-basic/out/k8s",
        ),
        "db.statefulset.yaml",
        "- name: POSTGRES_PASSWORD",
        from,
        "value: hunter2\n",
    );
    assert_found(
        &found,
        "db.statefulset.yaml",
        line - 1,
        "`db`: environment variable `POSTGRES_PASSWORD` holds literal text where the spec has a secret reference",
    );
}

#[test]
fn a_lost_compose_depends_on() {
    let from = "      neo4j:\n        condition: service_healthy\n";
    let (found, _) = tamper(
        Out(
            AN_APP,
            "prod",
            Target::Compose,
            "examples/an-app/out/prod/compose",
        ),
        "compose.yaml",
        "  neo4j_setup:\n",
        from,
        "",
    );
    let text =
        std::fs::read_to_string(root().join("examples/an-app/out/prod/compose/compose.yaml"))
            .unwrap();
    // At the service's `depends_on`, which still lists its other dependency (the volume init).
    let service = text.find("\n  neo4j_setup:\n").unwrap();
    let depends_on = service + text[service..].find("    depends_on:").unwrap();
    let line = text[..depends_on].matches('\n').count() as u32 + 1;
    assert_found(
        &found,
        "compose.yaml",
        line,
        "`neo4j_setup`: does not wait for `neo4j`; the spec says it starts after `neo4j` is healthy",
    );
}

#[test]
fn a_changed_compose_condition() {
    let (found, line) = tamper(
        Out(
            AN_APP,
            "prod",
            Target::Compose,
            "examples/an-app/out/prod/compose",
        ),
        "compose.yaml",
        "      minio_setup:\n        condition:",
        "service_completed_successfully",
        "service_started",
    );
    assert_found(
        &found,
        "compose.yaml",
        line - 1,
        "`api`: waits for `minio_setup` to be started, the spec says completed",
    );
}

#[test]
fn a_lost_quadlet_requires_and_after() {
    let (found, line) = tamper(
        Out(
            AN_APP,
            "prod",
            Target::Quadlet,
            "examples/an-app/out/prod/quadlet",
        ),
        "an-app-neo4j-setup.container",
        "[Unit]",
        "Requires=an-app-neo4j.service\n",
        "",
    );
    assert_found(
        &found,
        "an-app-neo4j-setup.container",
        line,
        "`neo4j_setup`: does not wait for `neo4j`",
    );
}

#[test]
fn a_lost_unit_requires() {
    let (found, line) = tamper(
        Out(
            AN_APP,
            "prod",
            Target::Units,
            "examples/an-app/out/prod/units",
        ),
        "an-app-neo4j-setup.service",
        "Requires=",
        " an-app-neo4j.service",
        "",
    );
    assert_found(
        &found,
        "an-app-neo4j-setup.service",
        line - 1,
        "`neo4j_setup`: does not wait for `neo4j`",
    );
}

#[test]
fn a_changed_published_host_ip() {
    let (found, line) = tamper(
        Out(
            AN_APP,
            "dev",
            Target::Compose,
            "examples/an-app/out/dev/compose",
        ),
        "compose.yaml",
        "ports:",
        "127.0.0.1:5432:5432",
        "0.0.0.0:5432:5432",
    );
    assert_found(
        &found,
        "compose.yaml",
        line,
        "`postgres`: port 5432 is published as 5432 on every address port 5432, the spec says 5432 on 127.0.0.1 port 5432",
    );
}

#[test]
fn a_changed_quadlet_published_host_ip() {
    let (found, line) = tamper(
        Out(
            AN_APP,
            "dev",
            Target::Quadlet,
            "examples/an-app/out/dev/quadlet",
        ),
        "an-app-postgres.container",
        "PublishPort=",
        "127.0.0.1:",
        "",
    );
    assert_found(
        &found,
        "an-app-postgres.container",
        line,
        "`postgres`: port 5432 is published as 5432 on every address",
    );
}

#[test]
fn a_changed_memory_limit() {
    let (found, line) = tamper(
        Out(
            AN_APP,
            "prod",
            Target::Compose,
            "examples/an-app/out/prod/compose",
        ),
        "compose.yaml",
        "  redis:\n",
        "memory: 512m",
        "memory: 1g",
    );
    assert_found(
        &found,
        "compose.yaml",
        line,
        "`redis`: memory limit 1073741824 bytes, the spec says 536870912 bytes",
    );
    let (found, line) = tamper(
        Out(AN_APP, "prod", Target::K8s, "examples/an-app/out/prod/k8s"),
        "redis.statefulset.yaml",
        "limits:",
        "memory: 512Mi",
        "memory: 1Gi",
    );
    assert_found(
        &found,
        "redis.statefulset.yaml",
        line,
        "`redis`: memory limit 1073741824 bytes, the spec says 536870912 bytes",
    );
    let (found, line) = tamper(
        Out(
            AN_APP,
            "prod",
            Target::Quadlet,
            "examples/an-app/out/prod/quadlet",
        ),
        "an-app-redis.container",
        "PodmanArgs=",
        "--memory=512m",
        "--memory=1g",
    );
    assert_found(
        &found,
        "an-app-redis.container",
        line,
        "`redis`: memory limit 1073741824 bytes",
    );
}

#[test]
fn a_dockerfile_user_that_became_root() {
    let (found, line) = tamper(
        Out(
            AN_APP,
            "prod",
            Target::Dockerfile,
            "examples/an-app/out/prod/dockerfile",
        ),
        "api.Dockerfile",
        "AS runtime",
        "USER 10001:10001",
        "USER 0:0",
    );
    assert_found(&found, "api.Dockerfile", line, "`api`: the image runs as");
}

#[test]
fn an_unknown_kind_and_unknown_keys_are_ignored() {
    let c = compiled("fixtures/k8s-basic/stack.yaml", "dev");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures/k8s-basic/out/k8s"), dir.path());
    let extra = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 1\n";
    std::fs::write(dir.path().join("web.pdb.yaml"), extra).unwrap();
    let text = std::fs::read_to_string(dir.path().join("web.deployment.yaml")).unwrap();
    std::fs::write(
        dir.path().join("web.deployment.yaml"),
        text.replace("  replicas: 2\n", "  replicas: 2\n  minReadySeconds: 3\n"),
    )
    .unwrap();
    let found = stackc_verify::verify_target(&c.stack, Target::K8s, dir.path());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_malformed_output_is_a_located_finding_not_a_crash() {
    let c = compiled(AN_APP, "prod");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), "services:\n  api: [\n").unwrap();
    let found = stackc_verify::verify_target(&c.stack, Target::Compose, dir.path());
    assert!(
        found
            .iter()
            .any(|d| d.code == "STK096" && d.message.contains("is not valid YAML")),
        "{found:#?}"
    );
}

#[test]
fn a_dockerfile_healthcheck_that_changed() {
    let (found, line) = tamper(
        Out(
            AN_APP,
            "prod",
            Target::Dockerfile,
            "examples/an-app/out/prod/dockerfile",
        ),
        "api.Dockerfile",
        "HEALTHCHECK",
        "--retries=3",
        "--retries=9",
    );
    assert_found(
        &found,
        "api.Dockerfile",
        line,
        "`api`: the image's HEALTHCHECK retries is Some(9), the spec says Some(3)",
    );
}

#[test]
fn an_ingress_host_that_changed() {
    let (found, line) = tamper(
        Out(
            "fixtures/k8s-basic/stack.yaml",
            "dev",
            Target::K8s,
            "fixtures/k8s-basic/out/k8s",
        ),
        "ingress.yaml",
        "rules:",
        "host: shop.example.com",
        "host: evil.example.com",
    );
    assert_found(
        &found,
        "ingress.yaml",
        line,
        "serves host `evil.example.com`, the spec's host is `shop.example.com`",
    );
}
