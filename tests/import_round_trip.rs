//! Round trips of small compose files through `stackc import` and a `--fidelity` compose
//! build: the real `docker compose config` reads the rebuilt file exactly as the original.
//! Each case is a form seen in the real-world corpus (`tests/compose_realworld.rs`) that a
//! round trip once changed; each test also checks the specific value that used to change.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// `docker compose config` of `file` in `dir`, read with `env` (KEY=VALUE lines) as the
/// environment file and nothing else from the environment.
fn config(dir: &Path, file: &Path, env: &str) -> String {
    let env_file = dir.join("round-trip.env");
    std::fs::write(&env_file, env).unwrap();
    let out = Command::new(compose_bin())
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--env-file")
        .arg(&env_file)
        .arg("-f")
        .arg(file)
        .arg("config")
        .output()
        .expect("docker compose runs");
    assert!(
        out.status.success(),
        "docker compose rejects {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Imports `compose` (written as `compose.yaml` of project `demo`), builds it with
/// `--fidelity`, and returns `docker compose config` of the original and of the rebuilt file,
/// both read with `env`; the imported spec is the third value.
fn round_trip(compose: &str, env: &str) -> (String, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("compose.yaml"), compose).unwrap();
    let r = stackc_in(&dir, &["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(
        r.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let r = stackc_in(
        &dir,
        &[
            "build",
            "stack.yaml",
            "--target",
            "compose",
            "--fidelity",
            "-o",
            "out",
        ],
    );
    assert!(
        r.status.success(),
        "fidelity build failed: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    let original = config(&dir, &dir.join("compose.yaml"), env);
    // The rebuilt file sits in `out/`; its relative paths are written from there.
    let rebuilt = config(&dir, &dir.join("out/compose.yaml"), env);
    (original, rebuilt, spec)
}

/// The lines of `text` from the first line equal to `start` (trimmed), `n` of them, trimmed.
fn lines_from(text: &str, start: &str, n: usize) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .skip_while(|l| *l != start)
        .take(n)
        .map(str::to_string)
        .collect()
}

/// rocketchat: `expose` lists a port that `ports` also publishes, between two that it does not.
#[test]
fn expose_of_a_published_port_is_kept_as_written() {
    let compose = "services:\n  nats:\n    image: nats:2.11-alpine\n    expose:\n      - 4222\n      - 8222\n      - 6222\n    ports:\n      - \"127.0.0.1:${NATS_PORT:-4222}:4222\"\n";
    let (original, rebuilt, _) = round_trip(compose, "");
    assert_eq!(
        lines_from(&rebuilt, "expose:", 4),
        ["expose:", "- \"4222\"", "- \"8222\"", "- \"6222\""]
    );
    assert_eq!(original, rebuilt);
}

/// zulip: long-syntax ports with a name and an application protocol.
#[test]
fn app_protocol_and_name_of_a_port_are_kept() {
    let compose = "services:\n  zulip:\n    image: zulip/zulip-server:12.1-0\n    ports:\n      - name: smtp\n        target: 25\n        published: 25\n        app_protocol: smtp\n      - target: 443\n        published: 8443\n        app_protocol: https\n";
    let (original, rebuilt, spec) = round_trip(compose, "");
    assert!(spec.contains("app_protocol: smtp"), "{spec}");
    assert_eq!(
        lines_from(&rebuilt, "- name: smtp", 6),
        [
            "- name: smtp",
            "mode: ingress",
            "target: 25",
            "published: \"25\"",
            "protocol: tcp",
            "app_protocol: smtp"
        ]
    );
    assert_eq!(original, rebuilt);
}

/// zulip: a compose secret read from a variable (`environment:`) and mounted as a file.
#[test]
fn a_secret_from_a_variable_stays_read_from_the_variable() {
    let compose = "services:\n  zulip:\n    image: zulip/zulip-server:12.1-0\n    secrets:\n      - zulip__email_password\nsecrets:\n  zulip__email_password:\n    environment: ZULIP__EMAIL_PASSWORD\n";
    let (original, rebuilt, _) = round_trip(compose, "ZULIP__EMAIL_PASSWORD=pw\n");
    assert_eq!(
        lines_from(&rebuilt, "zulip__email_password:", 3)[..2],
        ["zulip__email_password:", "name: demo_zulip__email_password"]
    );
    assert!(
        rebuilt.contains("environment: ZULIP__EMAIL_PASSWORD"),
        "{rebuilt}"
    );
    assert_eq!(original, rebuilt);
}

/// The condition of the first `depends_on` entry of a compose config, after its name.
fn condition_of(config: &str, dependency: &str) -> String {
    let lines = lines_from(config, "depends_on:", 3);
    assert_eq!(
        lines.get(1).map(String::as_str),
        Some(&*format!("{dependency}:"))
    );
    lines.get(2).cloned().unwrap_or_default()
}

/// woodpecker: `service_healthy` on an image's own HEALTHCHECK (no compose `healthcheck`).
#[test]
fn healthy_on_an_image_health_check_stays_healthy() {
    let compose = "services:\n  server:\n    image: woodpeckerci/woodpecker-server:v3\n  agent:\n    image: woodpeckerci/woodpecker-agent:v3\n    depends_on:\n      server:\n        condition: service_healthy\n";
    let (original, rebuilt, spec) = round_trip(compose, "");
    assert!(spec.contains("condition: service_healthy"), "{spec}");
    assert_eq!(
        condition_of(&rebuilt, "server"),
        "condition: service_healthy"
    );
    assert_eq!(original, rebuilt);
}

/// sentry-self-hosted: `service_healthy` on a health check whose timings come from variables,
/// kept for compose only.
#[test]
fn healthy_on_a_compose_only_health_check_stays_healthy() {
    let compose = "services:\n  redis:\n    image: valkey/valkey:8.1.9-alpine\n    healthcheck:\n      test: valkey-cli ping | grep PONG\n      interval: \"$HEALTHCHECK_INTERVAL\"\n      retries: $HEALTHCHECK_RETRIES\n  web:\n    image: getsentry/sentry:25.1.0\n    depends_on:\n      redis:\n        condition: service_healthy\n";
    let env = "HEALTHCHECK_INTERVAL=30s\nHEALTHCHECK_RETRIES=3\n";
    let (original, rebuilt, _) = round_trip(compose, env);
    assert_eq!(
        condition_of(&rebuilt, "redis"),
        "condition: service_healthy"
    );
    assert_eq!(original, rebuilt);
}

/// A compose-only dependency condition on a service that is no dependency is refused at build,
/// located at the field.
#[test]
fn a_compose_only_condition_without_the_dependency_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack: demo\nservices:\n  db:\n    image: postgres:17.6\n  web:\n    image: nginx:1.27.3\ntargets:\n  compose:\n    services:\n      web:\n        depends_on: { db: { condition: service_healthy } }\n";
    std::fs::write(tmp.path().join("stack.yaml"), spec).unwrap();
    let r = stackc_in(
        tmp.path(),
        &[
            "build",
            "stack.yaml",
            "--target",
            "compose",
            "--fidelity",
            "-o",
            "out",
        ],
    );
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stack.yaml:11:9: error STK044: compose-only `depends_on.db` of `web` names no dependency of the service"),
        "{err}"
    );
}

/// sentry-self-hosted: `KEY:` with no value in one service, `${KEY:-default}` in another.
#[test]
fn a_variable_passed_through_and_defaulted_elsewhere_stays_passed_through() {
    let compose = "services:\n  web:\n    image: getsentry/sentry:25.1.0\n    environment:\n      POLL_MS:\n  snuba:\n    image: getsentry/snuba:25.1.0\n    command: consumer --max-poll-interval-ms ${POLL_MS:-300000}\n";
    let (original, rebuilt, _) = round_trip(compose, "");
    assert_eq!(lines_from(&rebuilt, "POLL_MS: null", 1), ["POLL_MS: null"]);
    assert!(rebuilt.contains("- \"300000\""), "{rebuilt}");
    assert_eq!(original, rebuilt);
}

/// jitsi-meet: a credential-shaped variable passed through (`- KEY` alone) is unset when the
/// environment does not set it, and set when it does.
#[test]
fn a_secret_passed_through_stays_unset_when_missing() {
    let compose = "services:\n  jicofo:\n    image: jitsi/jicofo:stable-10008\n    environment:\n      - JICOFO_AUTH_PASSWORD\n      - JICOFO_CF_ACCESS_CLIENT_SECRET\n";
    let (original, rebuilt, spec) = round_trip(compose, "JICOFO_AUTH_PASSWORD=pw\n");
    assert!(spec.contains("${secrets.jicofo_auth_password}"), "{spec}");
    assert_eq!(
        lines_from(&rebuilt, "environment:", 3),
        [
            "environment:",
            "JICOFO_AUTH_PASSWORD: pw",
            "JICOFO_CF_ACCESS_CLIENT_SECRET: null"
        ]
    );
    assert_eq!(original, rebuilt);
}

/// jitsi-meet: a network whose compose name is no spec name (`meet.jitsi`), with an alias.
#[test]
fn a_network_named_with_a_dot_keeps_its_compose_name() {
    let compose = "services:\n  web:\n    image: jitsi/web:stable-10008\n    networks:\n      meet.jitsi:\n  prosody:\n    image: jitsi/prosody:stable-10008\n    networks:\n      meet.jitsi:\n        aliases:\n          - ${XMPP_SERVER:-xmpp.meet.jitsi}\nnetworks:\n  meet.jitsi:\n";
    let (original, rebuilt, spec) = round_trip(compose, "");
    assert!(spec.contains("meet-jitsi"), "{spec}");
    assert!(
        rebuilt.contains("\nnetworks:\n  meet.jitsi:\n    name: demo_meet.jitsi\n"),
        "{rebuilt}"
    );
    assert_eq!(original, rebuilt);
}

/// A build compose alone runs (a remote context) gets compose's image name for the other
/// targets; the fidelity build does not write it back.
#[test]
fn a_compose_only_build_keeps_no_image_name() {
    let compose =
        "services:\n  app:\n    build: https://github.com/docker/getting-started.git#main\n";
    let (original, rebuilt, spec) = round_trip(compose, "");
    assert!(spec.contains("    image: demo-app\n"), "{spec}");
    assert!(!rebuilt.contains("image:"), "{rebuilt}");
    assert_eq!(original, rebuilt);
}
