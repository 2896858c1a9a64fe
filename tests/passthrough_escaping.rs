//! Untrusted text reaching generated files: every literal written into compose keeps its `$`
//! (checked by the real `docker compose config` with a marker variable set), and nothing a
//! spec says can add lines to generated files or run a command through a pasted path.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The real Docker Compose binary (not the console script, which always exits 0).
fn compose_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("STACKC_DOCKER_COMPOSE") {
        return PathBuf::from(p);
    }
    let lib = root().join("target/validators/venv/lib");
    std::fs::read_dir(&lib)
        .ok()
        .and_then(|entries| {
            entries
                .flatten()
                .map(|e| e.path().join("site-packages/compose/docker-compose"))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "the docker compose binary is not installed under {}: run `cargo xtask install-tools`",
                lib.display()
            )
        })
}

/// `docker compose config` of `dir/compose.yaml` with `STACKC_MARK=leaked` in its environment.
fn compose_config(dir: &Path) -> Result<String, String> {
    std::fs::write(dir.join(".env"), "").unwrap();
    let out = Command::new(compose_bin())
        .arg("--env-file")
        .arg(dir.join(".env"))
        .arg("-f")
        .arg(dir.join("compose.yaml"))
        .arg("config")
        .env("STACKC_MARK", "leaked")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .expect("docker compose runs");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Writes `spec` as `stack.yaml` in a new folder and builds its compose target into `out`.
fn build(spec: &str) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.yaml"), spec).unwrap();
    let out = stackc_in(
        dir.path(),
        &["build", "stack.yaml", "--target", "compose", "-o", "out"],
    );
    (dir, out)
}

const DOLLARS: &str = r#"stack: esc
services:
  web:
    image: nginx:1.27.3
    user: "$STACKC_MARK"
    workdir: /srv/$STACKC_MARK
    command: [echo, "$$STACKC_MARK"]
    entrypoint: [/bin/sh, -c, "echo $$STACKC_MARK"]
    labels: { note: "$STACKC_MARK" }
    volumes:
      - ./data$STACKC_MARK:/mnt/$STACKC_MARK
    health: { cmd: "test -n $$STACKC_MARK" }
  worker:
    build: { context: ./src$STACKC_MARK, dockerfile: Dockerfile, args: { MARK: "$STACKC_MARK" } }
    env_file: [./conf$STACKC_MARK.env]
"#;

#[test]
fn literal_dollars_reach_compose_as_they_are_written() {
    let (dir, out) = build(DOLLARS);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let compose = dir.path().join("out");
    let written = std::fs::read_to_string(compose.join("compose.yaml")).unwrap();
    for field in [
        "user: $$STACKC_MARK",
        "working_dir: /srv/$$STACKC_MARK",
        "note: $$STACKC_MARK",
        "source: ../data$$STACKC_MARK",
        "target: /mnt/$$STACKC_MARK",
        "context: ../src$$STACKC_MARK",
        "MARK: $$STACKC_MARK",
        "- ../conf$$STACKC_MARK.env",
        "- test -n $$STACKC_MARK",
        "- echo $$STACKC_MARK",
    ] {
        assert!(written.contains(field), "`{field}` missing in:\n{written}");
    }
    std::fs::write(compose.join("conf$STACKC_MARK.env"), "A=1\n").unwrap();
    std::fs::create_dir_all(dir.path().join("src$STACKC_MARK")).unwrap();
    std::fs::write(
        dir.path().join("src$STACKC_MARK/Dockerfile"),
        "FROM scratch\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("conf$STACKC_MARK.env"), "A=1\n").unwrap();
    let config = compose_config(&compose).unwrap_or_else(|e| panic!("compose rejects:\n{e}"));
    assert!(
        !config.contains("leaked"),
        "compose interpolated:\n{config}"
    );
    for field in [
        "user: $$STACKC_MARK",
        "working_dir: /srv/$$STACKC_MARK",
        "note: $$STACKC_MARK",
        "target: /mnt/$$STACKC_MARK",
        "MARK: $$STACKC_MARK",
    ] {
        assert!(config.contains(field), "`{field}` missing in:\n{config}");
    }
}

/// The `code line:col` list of `stackc build --format json` in `dir`, and its exit code.
#[allow(dead_code)]
fn build_codes(dir: &Path, target: &str) -> (Option<i32>, Vec<String>) {
    let out = stackc_in(
        dir,
        &[
            "build",
            "stack.yaml",
            "--target",
            target,
            "-o",
            "out",
            "--format",
            "json",
        ],
    );
    (out.status.code(), codes_at(&out.stdout))
}

#[test]
fn kubernetes_names_that_collide_after_sanitising_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app-x.conf"), "a\n").unwrap();
    std::fs::write(dir.path().join("x.conf"), "b\n").unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        "stack: clash
services:
  web:
    image: nginx:1.27.3
    volumes:
      - { config: ./app-x.conf, target: /etc/app-x.conf }
  web-app:
    image: nginx:1.27.3
    volumes:
      - { config: ./x.conf, target: /etc/x.conf }
  db:
    role: database
    image: postgres:17.6
    ports: [5432]
    volumes: [data:/var/lib/postgresql/data]
  db-headless:
    image: nginx:1.27.3
    ports: [80]
volumes:
  data: {}
",
    )
    .unwrap();
    let out = stackc_in(
        dir.path(),
        &[
            "build",
            "stack.yaml",
            "--target",
            "k8s",
            "-o",
            "out",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, u64, Vec<u64>)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["message"].as_str().unwrap().to_string(),
                d["location"]["line"].as_u64().unwrap(),
                d["related"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["line"].as_u64().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "config file `./x.conf` of `web-app` and config file `./app-x.conf` of `web` would both be the ConfigMap `web-app-x.conf`".to_string(),
                10,
                vec![6]
            ),
            (
                "the ports of `db-headless` and the headless Service of `db` would both be the Service `db-headless`".to_string(),
                16,
                vec![11]
            ),
        ],
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(codes_at(&out.stdout)[0], "STK048 10:19");
    assert!(!dir.path().join("out").exists(), "nothing is written");
}
