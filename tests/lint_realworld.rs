//! Lint on compose files as teams write them: the false positives real files showed (each would
//! fail before its fix) and the findings `--env prod` must not hide behind a validation error.

mod common;

use std::path::Path;

use common::stackc_in;

/// Writes `files` (name, text) into a fresh directory and lints `compose.yaml` there in `env`;
/// returns `line CODE` of every unsuppressed finding, in report order.
fn lint_compose(files: &[(&str, &str)], env: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    findings(dir.path(), "compose.yaml", env)
}

/// `line CODE` of every unsuppressed finding of `stackc lint FILE --env ENV` run in `dir`.
fn findings(dir: &Path, file: &str, env: &str) -> Vec<String> {
    let out = stackc_in(dir, &["lint", file, "--env", env, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["suppressed"] != true)
        .map(|d| format!("{} {}", d["line"], d["code"].as_str().unwrap()))
        .collect()
}

fn codes_at(found: &[String], code: &str) -> Vec<String> {
    found
        .iter()
        .filter(|f| f.ends_with(code))
        .cloned()
        .collect()
}

#[test]
fn an_nginx_built_from_a_dockerfile_is_a_reverse_proxy() {
    let compose = "\
services:
  nginx:
    build: ./nginx
    ports:
      - \"80:80\"
      - \"443:443\"
  web:
    build:
      context: .
      dockerfile: web.Dockerfile
    image: acme-edge-proxy
    ports:
      - \"8443:443\"
      - \"81:81\"
";
    let found = lint_compose(
        &[
            ("compose.yaml", compose),
            ("nginx/Dockerfile", "FROM nginx:1.29.1\n"),
        ],
        "dev",
    );
    assert_eq!(
        codes_at(&found, "STK304"),
        Vec::<String>::new(),
        "{found:?}"
    );
}

#[test]
fn dns_and_dhcp_ports_are_not_sensitive() {
    let compose = "\
services:
  pihole:
    image: pihole/pihole:2025.08.0
    ports:
      - \"53:53/tcp\"
      - \"53:53/udp\"
      - \"67:67/udp\"
      - \"8080:80/tcp\"
  app:
    image: ghcr.io/acme/app:1.0.0
    ports:
      - \"22:22\"
";
    let found = lint_compose(&[("compose.yaml", compose)], "dev");
    assert_eq!(codes_at(&found, "STK304"), vec!["12 STK304"], "{found:?}");
}

#[test]
fn a_locally_built_image_name_is_not_an_unpinned_image() {
    let compose = "\
services:
  web:
    build: .
    image: acme-web
  worker:
    build: .
    image: acme-worker:latest
  cache:
    image: redis
";
    let found = lint_compose(
        &[("compose.yaml", compose), ("Dockerfile", "FROM scratch\n")],
        "dev",
    );
    let pinning: Vec<&String> = found.iter().filter(|f| f.contains(" STK10")).collect();
    assert_eq!(pinning, vec!["9 STK101"], "{found:?}");
}

#[test]
fn a_stray_expose_does_not_make_a_database() {
    let compose = "\
services:
  frontend:
    image: ghcr.io/acme/frontend:2.4.1
    expose:
      - 3306
    ports:
      - \"3000:3000\"
";
    let found = lint_compose(&[("compose.yaml", compose)], "dev");
    let db: Vec<&String> = found
        .iter()
        .filter(|f| {
            ["STK301", "STK501", "STK502", "STK901"]
                .iter()
                .any(|c| f.ends_with(c))
        })
        .collect();
    assert!(db.is_empty(), "{found:?}");
}

#[test]
fn no_new_privileges_is_recognised_in_every_spelling() {
    let compose = "\
services:
  a:
    image: ghcr.io/acme/a:1.0.0
    security_opt: [\"no-new-privileges:true\"]
  b:
    image: ghcr.io/acme/b:1.0.0
    security_opt: [\"no-new-privileges=true\"]
  c:
    image: ghcr.io/acme/c:1.0.0
    security_opt: [no-new-privileges]
  d:
    image: ghcr.io/acme/d:1.0.0
    security_opt: [\"no-new-privileges:false\"]
  e:
    image: ghcr.io/acme/e:1.0.0
";
    let found = lint_compose(&[("compose.yaml", compose)], "dev");
    assert_eq!(
        codes_at(&found, "STK603"),
        vec!["13 STK603", "14 STK603"],
        "{found:?}"
    );
}

#[test]
fn prod_reports_every_finding_beside_a_bind_mount_error_in_a_spec() {
    let spec = "\
stack: shop
services:
  api:
    image: ghcr.io/acme/api
    volumes: [\"./src:/app/src\"]
    env:
      DB_PASSWORD: hunter2-but-longer
    security: { privileged: true }
";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.yaml"), spec).unwrap();
    let found = findings(dir.path(), "stack.yaml", "prod");
    for want in ["4 STK101", "5 STK032", "7 STK201", "8 STK602"] {
        assert!(
            found.contains(&want.to_string()),
            "{want} missing: {found:?}"
        );
    }
}

#[test]
fn prod_reports_every_finding_beside_a_bind_mount_error_in_a_compose_file() {
    let compose = "\
services:
  api:
    image: ghcr.io/acme/api
    volumes:
      - ./src:/app/src
    environment:
      DB_PASSWORD: hunter2-but-longer
    privileged: true
";
    let found = lint_compose(&[("compose.yaml", compose)], "prod");
    for want in ["3 STK101", "5 STK032", "7 STK201", "8 STK602"] {
        assert!(
            found.contains(&want.to_string()),
            "{want} missing: {found:?}"
        );
    }
}

#[test]
fn node_inspector_on_every_interface_and_writable_kernel_paths_are_reported() {
    let compose = "\
services:
  web:
    image: node:22.19.0-bookworm-slim
    ports:
      - \"9229:9229\"
      - \"127.0.0.1:9222:9222\"
    volumes:
      - /lib/modules:/lib/modules
      - /usr/src:/usr/src:ro
";
    let found = lint_compose(&[("compose.yaml", compose)], "dev");
    assert_eq!(codes_at(&found, "STK306"), vec!["5 STK306"], "{found:?}");
    assert_eq!(codes_at(&found, "STK503"), vec!["8 STK503"], "{found:?}");
}

#[test]
fn end_of_life_images_and_health_checks_without_their_tool_are_reported() {
    let compose = "\
services:
  db:
    image: postgres:12.22
    healthcheck:
      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:5432\"]
  cache:
    image: redis:6.2.14-alpine
    healthcheck:
      test: [\"CMD-SHELL\", \"redis-cli ping | grep PONG\"]
  web:
    image: node:16.20.2-alpine
";
    let found = lint_compose(&[("compose.yaml", compose)], "dev");
    assert_eq!(
        codes_at(&found, "STK107"),
        vec!["3 STK107", "11 STK107"],
        "{found:?}"
    );
    assert_eq!(codes_at(&found, "STK405"), vec!["5 STK405"], "{found:?}");
}

#[test]
fn corpus_false_positives_stay_fixed() {
    // Seen in the hand-judged sample (docs/rules/precision.md): a compose file's own structure
    // (no overlays, deliberate loopback), DHCP, the time zone, a secret file's path.
    let compose = "\
services:
  dns:
    image: pihole/pihole:2025.08.0
    ports:
      - \"67:67/udp\"
    volumes:
      - /etc/localtime:/etc/localtime:ro
      - ./config/app.xml:/etc/app.xml:ro
  api:
    build: ./api
    volumes:
      - ./api/src:/app/src
      - ./uploads:/app/uploads
  db:
    image: postgres:17.6-alpine
    ports:
      - \"127.0.0.1:5432:5432\"
    environment:
      POSTGRES_PASSWORD: /run/secrets/db-password
";
    for env in ["dev", "prod"] {
        let found = lint_compose(&[("compose.yaml", compose)], env);
        for code in ["STK201", "STK302", "STK303", "STK503"] {
            assert_eq!(
                codes_at(&found, code),
                Vec::<String>::new(),
                "{env}: {found:?}"
            );
        }
        // Only the service's own sources mounted over its image.
        assert_eq!(
            codes_at(&found, "STK504"),
            vec!["12 STK504"],
            "{env}: {found:?}"
        );
    }
}
