//! `stackc build --set`, `stackc check` over every environment and target, `--format json` with
//! the loss report, `--target all`: what CI builds need (issue 14).

mod common;

use std::path::Path;

use common::*;

/// A stack whose image tag CI injects; clean for the linter in dev and prod.
const CI_STACK: &str = r#"stack: ci
variables:
  tag: { from_env: IMAGE_TAG }
networks:
  backend: { internal: true }
services:
  web:
    image: ghcr.io/acme/web:${vars.tag}
    user: "10001:10001"
    security: { read_only: true }
    resources: { memory: 256Mi, cpus: 0.5 }
    ports: [{ port: 8080, expose: loopback }]
    health: { cmd: [/app/healthcheck], http: { path: /healthz, port: 8080 } }
    networks: [backend]
environments:
  prod:
    services:
      web:
        image: "ghcr.io/acme/web:2.0.0"
        replicas: 2
        ports: [{ port: 8080, expose: loopback, host_port: 0 }]
"#;

fn write_spec(dir: &Path, text: &str) {
    std::fs::write(dir.join("stack.yaml"), text).unwrap();
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn a_ci_tag_passes_lint_and_compose_keeps_the_interpolation() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), CI_STACK);
    let lint = stackc_in(dir.path(), &["lint", "stack.yaml", "--format", "short"]);
    let out = String::from_utf8_lossy(&lint.stdout);
    assert!(!out.contains("STK101"), "{out}");
    assert_eq!(lint.status.code(), Some(0), "{out}");
    let b = stackc_in(dir.path(), &["build", "-o", "out"]);
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    let compose = read(&dir.path().join("out/compose.yaml"));
    assert!(
        compose.contains("image: ghcr.io/acme/web:${IMAGE_TAG:?variable IMAGE_TAG must be set}"),
        "{compose}"
    );
}

#[test]
fn targets_that_cannot_interpolate_ask_for_set() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), CI_STACK);
    for target in ["k8s", "quadlet", "units"] {
        let b = stackc_in(dir.path(), &["build", "-t", target, "-o", "out"]);
        let err = stderr(&b);
        assert_eq!(b.status.code(), Some(1), "{target}: {err}");
        assert!(
            err.contains(&format!(
                "stack.yaml:8:12: error STK045: variable `tag` has no value for the {target} target"
            )),
            "{target}: {err}"
        );
        assert!(err.contains("pass `--set tag=VALUE`"), "{err}");
        assert!(!dir.path().join("out").exists());
    }
}

#[test]
fn set_reaches_every_target_and_the_built_image() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CI_STACK.replace(
        "environments:",
        "  api:\n    build: { preset: go, image: 'ghcr.io/acme/api:${vars.tag}' }\n    user: \"10001:10001\"\n    security: { read_only: true }\n    resources: { memory: 256Mi, cpus: 0.5 }\n    health: { cmd: [/app/healthcheck] }\n    networks: [backend]\nenvironments:",
    );
    write_spec(dir.path(), &spec);
    std::fs::write(dir.path().join("go.mod"), "module x\n").unwrap();
    std::fs::write(dir.path().join("go.sum"), "").unwrap();
    let b = stackc_in(
        dir.path(),
        &["build", "-t", "all", "--set", "tag=1.4.2", "-o", "out"],
    );
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    let o = dir.path().join("out");
    let compose = read(&o.join("compose/compose.yaml"));
    assert!(
        compose.contains("image: ghcr.io/acme/web:1.4.2"),
        "{compose}"
    );
    assert!(
        compose.contains("image: ghcr.io/acme/api:1.4.2"),
        "{compose}"
    );
    assert!(read(&o.join("k8s/web.deployment.yaml")).contains("image: ghcr.io/acme/web:1.4.2"));
    assert!(read(&o.join("k8s/api.deployment.yaml")).contains("image: ghcr.io/acme/api:1.4.2"));
    assert!(read(&o.join("quadlet/ci-web.container")).contains("ghcr.io/acme/web:1.4.2"));
    assert!(read(&o.join("units/ci-api.service")).contains("ghcr.io/acme/api:1.4.2"));
    assert!(
        read(&o.join("dockerfile/api.Dockerfile"))
            .contains("org.opencontainers.image.version=\"1.4.2\"")
    );
}

#[test]
fn an_unknown_set_name_is_a_usage_error_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), CI_STACK);
    for cmd in ["build", "check", "lint"] {
        let r = stackc_in(dir.path(), &[cmd, "stack.yaml", "--set", "tga=1"]);
        let err = stderr(&r);
        assert_eq!(r.status.code(), Some(2), "{cmd}: {err}");
        assert!(err.contains("unknown variable `tga` in `--set`"), "{err}");
        assert!(err.contains("did you mean `--set tag=...`?"), "{err}");
    }
    let r = stackc_in(dir.path(), &["build", "--set", "novalue"]);
    assert_eq!(r.status.code(), Some(2));
}

#[test]
fn an_overlay_image_applies_to_kubernetes_as_to_compose() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CI_STACK.replace(
        "    image: ghcr.io/acme/web:${vars.tag}\n",
        "    image: ghcr.io/acme/web:1.0.0\n    build: { preset: go, image: 'ghcr.io/acme/web:1.0.0' }\n",
    );
    write_spec(dir.path(), &spec);
    std::fs::write(dir.path().join("go.mod"), "module x\n").unwrap();
    std::fs::write(dir.path().join("go.sum"), "").unwrap();
    let b = stackc_in(
        dir.path(),
        &["build", "-t", "compose,k8s", "--env", "prod", "-o", "out"],
    );
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    let o = dir.path().join("out");
    assert!(read(&o.join("compose/compose.yaml")).contains("image: ghcr.io/acme/web:2.0.0"));
    let k = read(&o.join("k8s/web.deployment.yaml"));
    assert!(k.contains("image: ghcr.io/acme/web:2.0.0"), "{k}");
}

#[test]
fn check_refuses_what_build_refuses_in_every_environment() {
    let dir = tempfile::tempdir().unwrap();
    // A prod-only service's http-only check is refused by compose, and only in prod.
    let spec = CI_STACK.replace("${vars.tag}", "1.0.0").replace(
        "environments:",
        "  api:\n    image: ghcr.io/acme/api:1.0.0\n    ports: [8000]\n    health: { http: { path: /, port: 8000 } }\n    only_in: [prod]\nenvironments:",
    );
    write_spec(dir.path(), &spec);
    let r = stackc_in(dir.path(), &["check"]);
    let err = stderr(&r);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(err.contains("error STK040"), "{err}");
    assert!(err.contains("in environment `prod`"), "{err}");
    // The same spec for Kubernetes only: nothing refuses it.
    let r = stackc_in(dir.path(), &["check", "-t", "k8s"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
}

#[test]
fn check_asks_for_set_when_a_target_cannot_interpolate() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), CI_STACK);
    let r = stackc_in(dir.path(), &["check", "-t", "all"]);
    assert_eq!(r.status.code(), Some(1));
    assert!(stderr(&r).contains("STK045"), "{}", stderr(&r));
    let r = stackc_in(dir.path(), &["check", "-t", "all", "--set", "tag=3"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
}

#[test]
fn a_spec_with_only_a_prod_environment_checks_in_dev() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), &CI_STACK.replace("${vars.tag}", "1.0.0"));
    let r = stackc_in(dir.path(), &["check"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(stderr(&r).contains("environment `dev`"));
    let r = stackc_in(dir.path(), &["check", "--env", "staging"]);
    assert_eq!(r.status.code(), Some(1));
    assert!(stderr(&r).contains("unknown environment `staging`"));
}

#[test]
fn build_json_includes_the_loss_report() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), CI_STACK);
    let r = stackc_in(
        dir.path(),
        &[
            "build", "-t", "k8s", "--set", "tag=1", "-o", "out", "--format", "json",
        ],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let losses = v["losses"].as_array().expect("losses array");
    // A loopback port has no Kubernetes equivalent: the manifest keeps it cluster-internal.
    assert!(
        losses.iter().any(|l| l["target"] == "k8s"
            && l["service"] == "web"
            && l["outcome"] == "approximated"),
        "{v}"
    );
}

#[test]
fn target_all_means_every_target_units_included() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), CI_STACK);
    let r = stackc_in(
        dir.path(),
        &["build", "-t", "all", "--set", "tag=1", "-o", "out"],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let mut dirs: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    dirs.sort();
    assert_eq!(dirs, ["compose", "dockerfile", "k8s", "quadlet", "units"]);
    let help = stackc(&["build", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("Every target: compose, dockerfile, k8s, quadlet and units"),
        "{help}"
    );
}

/// A proxy reading its TLS key as a file.
const TLS_STACK: &str = r#"stack: tls
secrets:
  tls_key: { file: ./certs/tls.key }
services:
  proxy:
    image: nginx:1.29.1
    user: "101:101"
    security: { read_only: true }
    resources: { memory: 128Mi, cpus: 0.5 }
    health: { cmd: [nginx, -t] }
    volumes:
      - { secret: tls_key, target: /etc/nginx/tls.key }
      - { tmpfs: /tmp }
"#;

fn tls_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), TLS_STACK);
    std::fs::create_dir(dir.path().join("certs")).unwrap();
    std::fs::write(
        dir.path().join("certs/tls.key"),
        "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYBYTES\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    dir
}

/// Every generated file under `dir`, concatenated.
fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.push_str(&all_text(&p));
        } else {
            out.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
        }
    }
    out
}

#[test]
fn a_secret_file_is_mounted_on_every_target_and_never_written() {
    let dir = tls_dir();
    let r = stackc_in(dir.path(), &["build", "-t", "all", "-o", "out"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let o = dir.path().join("out");
    let compose = read(&o.join("compose/compose.yaml"));
    assert!(
        compose.contains("    secrets:\n    - source: tls_key\n      target: /etc/nginx/tls.key\n"),
        "{compose}"
    );
    assert!(
        compose.contains("secrets:\n  tls_key:\n    file: ../../certs/tls.key\n"),
        "{compose}"
    );
    let k = read(&o.join("k8s/proxy.deployment.yaml"));
    assert!(k.contains("secretName: tls-secrets"), "{k}");
    assert!(
        k.contains("- key: tls-key\n            path: tls.key"),
        "{k}"
    );
    assert!(k.contains("subPath: tls.key"), "{k}");
    assert!(!k.contains("configMap"), "{k}");
    let q = read(&o.join("quadlet/tls-proxy.container"));
    assert!(
        q.contains("Secret=tls-tls-key,type=mount,target=/etc/nginx/tls.key"),
        "{q}"
    );
    let u = read(&o.join("units/tls-proxy.service"));
    assert!(
        u.contains("--secret=tls-tls-key,type=mount,target=/etc/nginx/tls.key"),
        "{u}"
    );
    assert!(read(&o.join("quadlet/README.md")).contains("podman secret create tls-tls-key"));
    let everything = all_text(&o);
    assert!(!everything.contains("TOPSECRETKEYBYTES"));
    assert!(!everything.contains("BEGIN PRIVATE KEY"));
}

#[test]
fn docker_units_mount_the_secret_file_from_the_state_directory() {
    let dir = tls_dir();
    let spec = format!("{TLS_STACK}targets:\n  systemd: {{ flavour: units, runtime: docker }}\n");
    write_spec(dir.path(), &spec);
    let r = stackc_in(dir.path(), &["build", "-t", "units", "-o", "out"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let u = read(&dir.path().join("out/tls-proxy.service"));
    assert!(
        u.contains("--volume=./secrets/tls-key:/etc/nginx/tls.key:ro"),
        "{u}"
    );
    let readme = read(&dir.path().join("out/README.md"));
    assert!(
        readme.contains("printf %s \"$TLS_KEY\" > /etc/stackc/tls/secrets/tls-key"),
        "{readme}"
    );
    // Readable by the container's user, whoever it is (docker bind-mounts the file as it is: a
    // 0600 file of the host's root is unreadable to `user: "999"`), in a 0700 folder.
    assert!(
        readme.contains("mkdir -p -m 0700 /etc/stackc/tls/secrets\n")
            && readme.contains("/secrets/tls-key) && chmod 0644 /etc/stackc/tls/secrets/tls-key\n"),
        "{readme}"
    );
}

#[test]
fn a_private_key_mounted_as_config_is_a_lint_error() {
    let dir = tls_dir();
    write_spec(
        dir.path(),
        &TLS_STACK.replace(
            "{ secret: tls_key, target: /etc/nginx/tls.key }",
            "{ config: ./certs/tls.key, target: /etc/nginx/tls.key }",
        ),
    );
    let r = stackc_in(dir.path(), &["build", "-t", "k8s", "-o", "out"]);
    let err = stderr(&r);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error STK209: config file `./certs/tls.key` of `proxy` holds a private key"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn import_keeps_compose_file_secrets_for_every_target() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw.txt"), "s3cr3tpw").unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  db:\n    image: postgres:17.6\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n    secrets: [db_password]\nsecrets:\n  db_password:\n    file: ./pw.txt\n",
    )
    .unwrap();
    let r = stackc_in(dir.path(), &["import", "compose.yaml", "-o", "stack.yaml"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let spec = read(&dir.path().join("stack.yaml"));
    assert!(
        spec.contains("secrets:\n  db_password:\n    file: ./pw.txt\n"),
        "{spec}"
    );
    assert!(
        spec.contains("    - secret: db_password\n      target: /run/secrets/db_password\n"),
        "{spec}"
    );
    let r = stackc_in(
        dir.path(),
        &["build", "-t", "quadlet", "--fidelity", "-o", "out"],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let q = read(
        &dir.path().join("out/imp-db.container").with_file_name(
            std::fs::read_dir(dir.path().join("out"))
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .find(|n| n.ends_with("-db.container"))
                .unwrap(),
        ),
    );
    assert!(
        q.contains(",type=mount,target=/run/secrets/db_password"),
        "{q}"
    );
}

/// A job running as UID 10001 that writes a volume, and a reader of another one.
const VOLUME_STACK: &str = r#"stack: vol
volumes:
  data: {}
  shared: { owner: "999:999" }
services:
  job:
    kind: job
    image: ghcr.io/acme/job:1.0.0
    user: "10001:10001"
    volumes: [data:/data, shared:/shared]
  reader:
    image: ghcr.io/acme/reader:1.0.0
    user: "999"
    volumes: [{ volume: shared, target: /shared, read_only: true }]
"#;

#[test]
fn a_volume_written_by_a_non_root_user_is_given_to_it_on_every_target() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), VOLUME_STACK);
    let r = stackc_in(dir.path(), &["build", "-t", "all", "-o", "out"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    // --fidelity keeps compose's meaning: no service added.
    let r = stackc_in(
        dir.path(),
        &["build", "-t", "compose", "--fidelity", "-o", "fid"],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(!read(&dir.path().join("fid/compose.yaml")).contains("stackc-volume-init"));
    let o = dir.path().join("out");
    let compose = read(&o.join("compose/compose.yaml"));
    assert!(
        compose.contains(
            "  stackc-volume-init:\n    image: busybox:1.37.0\n    command:\n    - /bin/sh\n    - -c\n    - chown 10001:10001 /volumes/data && chown 999:999 /volumes/shared\n"
        ),
        "{compose}"
    );
    assert!(
        compose.contains(
            "    depends_on:\n      stackc-volume-init:\n        condition: service_completed_successfully\n"
        ),
        "{compose}"
    );
    let q = read(&o.join("quadlet/vol-job.container"));
    assert!(q.contains("Volume=vol-data.volume:/data:U\n"), "{q}");
    let q = read(&o.join("quadlet/vol-reader.container"));
    assert!(q.contains("Volume=vol-shared.volume:/shared:ro\n"), "{q}");
    let k = read(&o.join("k8s/job.job.yaml"));
    assert!(k.contains("fsGroup: 10001"), "{k}");
    let k = read(&o.join("k8s/reader.statefulset.yaml"));
    assert!(k.contains("fsGroup: 999"), "{k}");
}

#[test]
fn docker_units_chown_an_owned_volume_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(
        dir.path(),
        &format!("{VOLUME_STACK}targets:\n  systemd: {{ flavour: units, runtime: docker }}\n"),
    );
    let r = stackc_in(
        dir.path(),
        &["build", "-t", "units", "--fidelity", "-o", "out"],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let u = read(&dir.path().join("out/vol-job.service"));
    assert!(
        u.contains("ExecStartPre=/usr/bin/docker run --rm --network=none --user=0:0 --cap-drop=ALL --cap-add=CHOWN --volume=vol-data:/volume busybox:1.37.0 chown 10001:10001 /volume"),
        "{u}"
    );
}

#[test]
fn an_invalid_volume_owner_is_located() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), &VOLUME_STACK.replace("\"999:999\"", "postgres"));
    let r = stackc_in(dir.path(), &["check"]);
    let err = stderr(&r);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stack.yaml:4:20: error STK025: invalid volume owner `postgres`"),
        "{err}"
    );
}

#[test]
fn replicas_cannot_share_one_published_host_port_in_compose() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(
        dir.path(),
        &CI_STACK
            .replace("${vars.tag}", "1.0.0")
            .replace(", host_port: 0 }", " }"),
    );
    let r = stackc_in(dir.path(), &["check", "--env", "prod"]);
    let err = stderr(&r);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stack.yaml:21:17: error STK049: compose cannot publish host port 8080 of `web` for 2 replicas"),
        "{err}"
    );
    assert!(err.contains("publish it with `host_port: 0`"), "{err}");
    // Kubernetes puts the replicas behind one Service: nothing to refuse.
    let r = stackc_in(dir.path(), &["check", "--env", "prod", "-t", "k8s"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
}

/// A forge-like stack: a server with `_` in its name other services reach by host name, SSH on
/// port 22 and an agent mounting the Docker socket.
const FORGE_STACK: &str = r#"stack: forge
services:
  woodpecker_server:
    image: woodpeckerci/woodpecker-server:v3.8.0
    ports: [{ port: 8000, expose: public }, { port: 22, expose: public }]
  agent:
    image: woodpeckerci/woodpecker-agent:v3.8.0
    env:
      WOODPECKER_SERVER: ${services.woodpecker_server.host}:9000
    volumes: [/var/run/docker.sock:/var/run/docker.sock]
  migrate:
    kind: job
    image: postgres:17.6
"#;

#[test]
fn host_names_are_the_same_on_every_target() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), FORGE_STACK);
    let r = stackc_in(
        dir.path(),
        &["build", "-t", "all", "--fidelity", "-o", "out"],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let o = dir.path().join("out");
    let compose = read(&o.join("compose/compose.yaml"));
    assert!(
        compose.contains("WOODPECKER_SERVER: woodpecker-server:9000"),
        "{compose}"
    );
    assert!(
        compose.contains(
            "    networks:\n      default:\n        aliases:\n        - woodpecker-server\n"
        ),
        "{compose}"
    );
    assert!(read(&o.join("k8s/agent.deployment.yaml")).contains("value: woodpecker-server:9000"));
    assert!(
        read(&o.join("quadlet/forge-agent.container"))
            .contains("Environment=WOODPECKER_SERVER=woodpecker-server:9000")
    );
}

#[test]
fn podman_images_are_fully_qualified_and_jobs_have_a_start_timeout() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), FORGE_STACK);
    let r = stackc_in(
        dir.path(),
        &["build", "-t", "quadlet,units", "--fidelity", "-o", "out"],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let o = dir.path().join("out");
    let q = read(&o.join("quadlet/forge-migrate.container"));
    assert!(q.contains("Image=docker.io/library/postgres:17.6\n"), "{q}");
    assert!(q.contains("Type=oneshot\n"), "{q}");
    assert!(q.contains("TimeoutStartSec=15min\n"), "{q}");
    let q = read(&o.join("quadlet/forge-agent.container"));
    assert!(
        q.contains("Image=docker.io/woodpeckerci/woodpecker-agent:v3.8.0\n"),
        "{q}"
    );
    let u = read(&o.join("units/forge-migrate.service"));
    assert!(u.contains(" docker.io/library/postgres:17.6"), "{u}");
    assert!(u.contains("TimeoutStartSec=15min\n"), "{u}");
}

#[test]
fn rootless_podman_limits_make_the_units_rootful_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), FORGE_STACK);
    let r = stackc_in(
        dir.path(),
        &[
            "build",
            "-t",
            "quadlet",
            "--fidelity",
            "-o",
            "out",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let rootless: Vec<&serde_json::Value> = v["losses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["feature"] == "rootless")
        .collect();
    assert_eq!(rootless.len(), 2, "{v}");
    assert!(
        rootless[0]["note"]
            .as_str()
            .unwrap()
            .starts_with("host port 22 is below 1024")
    );
    assert!(
        rootless[1]["note"]
            .as_str()
            .unwrap()
            .starts_with("it mounts the engine socket `/var/run/docker.sock`")
    );
    let readme = read(&dir.path().join("out/README.md"));
    assert!(
        readme.contains("**Install rootful.** These units need root, so use the rootful commands below:\n\n- `woodpecker_server`: host port 22 is below 1024\n- `agent`: it mounts the engine socket `/var/run/docker.sock`\n"),
        "{readme}"
    );
}

#[test]
fn check_and_build_refuse_missing_sources_and_lock_files() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(
        dir.path(),
        "stack: nl\nservices:\n  api:\n    build: { preset: python-uv, sources: [src], cmd: [python, -m, app], image: ghcr.io/a/api:1.0.0 }\n    health: { cmd: [python, -m, app.check] }\n",
    );
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"api\"\n",
    )
    .unwrap();
    for cmd in [&["check"][..], &["build", "-o", "out"][..]] {
        let r = stackc_in(dir.path(), cmd);
        let err = stderr(&r);
        assert_eq!(r.status.code(), Some(1), "{cmd:?}: {err}");
        assert!(
            err.contains("stack.yaml:4:22: error STK029: `uv.lock` is missing from the build context `.` of `api`"),
            "{err}"
        );
        assert!(
            err.contains("stack.yaml:4:43: error STK029: source `src` of `api` is not in its build context `.`"),
            "{err}"
        );
        assert!(!err.contains("`pyproject.toml` is missing"), "{err}");
    }
    assert!(!dir.path().join("out").exists());
    // Kubernetes runs the built image: the files do not matter there.
    let r = stackc_in(dir.path(), &["check", "-t", "k8s"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
}

#[test]
fn an_environment_secret_and_its_interpolation_import_as_one_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  db:\n    image: postgres:17.6\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n    secrets: [db_password]\n  app:\n    image: ghcr.io/acme/app:1.0.0\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD:?}\nsecrets:\n  db_password:\n    environment: DB_PASSWORD\n",
    )
    .unwrap();
    let r = stackc_in(dir.path(), &["import", "compose.yaml", "-o", "stack.yaml"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let spec = read(&dir.path().join("stack.yaml"));
    assert_eq!(spec.matches("from_env: DB_PASSWORD").count(), 1, "{spec}");
    assert!(spec.contains("    - secret: db_password\n"), "{spec}");
    assert!(
        spec.contains("DB_PASSWORD: ${secrets.db_password}"),
        "{spec}"
    );
    let r = stackc_in(dir.path(), &["check", "-t", "all"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
}

/// A generated secret mounted as a file: `stackc secrets init` writes it to `.secrets/NAME`
/// (0644, readable by a container's non-root user, in a 0700 folder that keeps the host's other
/// users out; the value `.env` holds), and compose mounts it from there with a
/// `file:` source, which compose accepts for a read-only service too (it refuses to copy an
/// `environment:` one into a read-only container: found by `cargo xtask e2e`).
#[test]
fn generated_secret_files_are_written_beside_env_and_mounted_from_there() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write_spec(
        dir.path(),
        "stack: files\nsecrets:\n  api_token: { generate: { length: 40 } }\nservices:\n  app:\n    image: nginx:1.27.3\n    volumes: [{ secret: api_token, target: /run/secrets/token }]\n    security: { read_only: true }\n",
    );
    let r = stackc_in(dir.path(), &["secrets", "init"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let env = read(&dir.path().join(".env"));
    let value = env
        .lines()
        .find_map(|l| l.strip_prefix("API_TOKEN="))
        .expect("the generated value in .env");
    let file = dir.path().join(".secrets/api_token");
    assert_eq!(read(&file), value.trim_matches('\''));
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o644
    );
    assert_eq!(
        std::fs::metadata(dir.path().join(".secrets"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    // A second run changes nothing but a 0600 mode an earlier release wrote.
    let before = read(&file);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = stackc_in(dir.path(), &["secrets", "init"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert_eq!(read(&file), before);
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o644
    );

    let r = stackc_in(dir.path(), &["build", "-o", "out"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let compose = read(&dir.path().join("out/compose.yaml"));
    assert!(
        compose.contains("secrets:\n  api_token:\n    file: ../.secrets/api_token\n"),
        "{compose}"
    );
    assert!(!all_text(&dir.path().join("out")).contains(&before));
}
