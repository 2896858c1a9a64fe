//! Mounts and restart policies of compose files that the `--fidelity` round trip (`stackc
//! import`, then `stackc build --target compose --fidelity -o fidelity`) must keep exactly:
//! `docker compose config` reads the rebuilt file as the original. Each case is one a real
//! compose file of the corpus (issue 13) showed.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// A project directory with `compose.yaml` and `.env`.
fn project(compose: &str, env: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("compose.yaml"), compose).unwrap();
    std::fs::write(d.path().join(".env"), env).unwrap();
    d
}

/// `docker compose config` of `file`, run in `dir` (where `$PWD` points), with `dir/.env`.
fn config(dir: &Path, file: &Path) -> String {
    let out = Command::new(compose_bin())
        .current_dir(dir)
        .env("PWD", dir)
        .arg("--env-file")
        .arg(dir.join(".env"))
        .arg("-f")
        .arg(file)
        .arg("config")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .expect("docker compose runs");
    assert!(
        out.status.success(),
        "compose rejects {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).replace(&dir.display().to_string(), "<project>")
}

fn ok(r: &std::process::Output) {
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

/// Imports the project's compose file, builds it with `--fidelity` into `fidelity/`, and
/// returns (original config, rebuilt config, the generated compose file).
fn round_trip(dir: &Path) -> (String, String, String) {
    ok(&stackc_in(
        dir,
        &["import", "compose.yaml", "-o", "stack.yaml"],
    ));
    ok(&stackc_in(
        dir,
        &[
            "build",
            "stack.yaml",
            "--target",
            "compose",
            "--fidelity",
            "-o",
            "fidelity",
        ],
    ));
    let rebuilt = dir.join("fidelity/compose.yaml");
    (
        config(dir, &dir.join("compose.yaml")),
        config(dir, &rebuilt),
        std::fs::read_to_string(rebuilt).unwrap(),
    )
}

#[test]
fn a_bind_source_from_a_variable_stays_relative_to_the_project() {
    let d = project(
        "services:\n  db:\n    image: postgres:16.4\n    volumes:\n      - ${DB_DATA_LOCATION}:/var/lib/postgresql/data\n      - ${SOCK}:/var/run/docker.sock:ro\n",
        "DB_DATA_LOCATION=./postgres\nSOCK=/var/run/docker.sock\n",
    );
    let dir = d.path().canonicalize().unwrap();
    let (original, rebuilt, file) = round_trip(&dir);
    assert!(
        original.contains("source: <project>/postgres\n"),
        "{original}"
    );
    assert_eq!(original, rebuilt);
    // Written from the output directory; the absolute one as it was.
    assert!(
        file.contains("../${DB_DATA_LOCATION}:/var/lib/postgresql/data"),
        "{file}"
    );
    assert!(file.contains("- ${SOCK}:/var/run/docker.sock:ro"), "{file}");
}

#[test]
fn mounts_keep_their_order_around_compose_only_ones() {
    let d = project(
        "services:\n  app:\n    image: nginx:1.27.0\n    volumes:\n      - ./conf:/etc/app:z,ro\n      - media:/media:rw\n      - type: volume\n        source: cache\n        target: /cache\nvolumes:\n  media:\n  cache:\n",
        "",
    );
    let dir = d.path().canonicalize().unwrap();
    std::fs::create_dir(dir.join("conf")).unwrap();
    let (original, rebuilt, file) = round_trip(&dir);
    assert_eq!(original, rebuilt);
    // Every mount once: the named volumes are written where the compose file had them.
    assert_eq!(file.matches("/media").count(), 1, "{file}");
    assert_eq!(file.matches("target: /cache").count(), 1, "{file}");
    let conf = original.find("target: /etc/app").unwrap();
    let media = original.find("target: /media").unwrap();
    assert!(conf < media, "{original}");
    // Other targets still mount the named volumes (the spec keeps them).
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(spec.contains("media:/media"), "{spec}");
}

#[test]
fn short_tmpfs_entries_are_kept_as_written() {
    let d = project(
        "services:\n  app:\n    image: nginx:1.27.0\n    read_only: true\n    tmpfs:\n      - /tmp\n      - /run:size=16M,mode=1750\n",
        "",
    );
    let dir = d.path().canonicalize().unwrap();
    let (original, rebuilt, file) = round_trip(&dir);
    assert!(original.contains("tmpfs:\n      - /tmp\n"), "{original}");
    assert_eq!(original, rebuilt);
    assert!(!file.contains("type: tmpfs"), "{file}");
    // Other targets get tmpfs mounts from the spec.
    let r = stackc_in(
        &dir,
        &["build", "stack.yaml", "--target", "k8s", "-o", "k8s"],
    );
    ok(&r);
    let manifests = std::fs::read_dir(dir.join("k8s"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(manifests.contains("mountPath: /tmp"), "{manifests}");
    assert!(manifests.contains("mountPath: /run"), "{manifests}");
}

#[test]
fn a_pwd_bind_source_keeps_its_trailing_slash() {
    let d = project(
        "services:\n  ch:\n    image: clickhouse/clickhouse-server:25.12.5\n    volumes:\n      - ${PWD}/fs/conf.xml:/etc/conf.xml\n      - ${PWD}/fs/data/:/var/lib/clickhouse/\n      - logs:/var/log/clickhouse\n  app:\n    image: app:1.0\n    volumes:\n      - ${PWD}/:/src\nvolumes:\n  logs:\n",
        "",
    );
    let dir = d.path().canonicalize().unwrap();
    std::fs::create_dir_all(dir.join("fs/data")).unwrap();
    std::fs::write(dir.join("fs/conf.xml"), "<x/>").unwrap();
    let (original, rebuilt, _) = round_trip(&dir);
    assert!(
        original.contains("source: <project>/fs/data/\n"),
        "{original}"
    );
    assert!(original.contains("source: <project>/\n"), "{original}");
    assert_eq!(original, rebuilt);
}

#[test]
fn a_restart_policy_from_a_variable_is_kept() {
    let d = project(
        "services:\n  app:\n    image: nginx:1.27.0\n    restart: ${RESTART_POLICY}\n",
        "RESTART_POLICY=unless-stopped\n",
    );
    let dir = d.path().canonicalize().unwrap();
    let (original, rebuilt, file) = round_trip(&dir);
    assert!(original.contains("restart: unless-stopped"), "{original}");
    assert_eq!(original, rebuilt);
    assert!(file.contains("restart: ${RESTART_POLICY"), "{file}");
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(spec.contains("restart: ${vars.RESTART_POLICY}"), "{spec}");

    // Targets that cannot interpolate need the value: a located error without it, the
    // policy with it, and the written value quoted when it is not a policy.
    let units = |set: Option<&str>| {
        let mut args = vec![
            "build",
            "stack.yaml",
            "--target",
            "units",
            "-o",
            "units",
            "--force",
        ];
        if let Some(s) = set {
            args.extend(["--set", s]);
        }
        stackc_in(&dir, &args)
    };
    // The project's env file gives the variable its value (its `default` in the spec), so
    // the units build needs nothing more; without it the build stops at STK057.
    assert!(spec.contains("default: unless-stopped"), "{spec}");
    ok(&units(None));
    let without_value = spec.replace("default: unless-stopped", "default: \"\"");
    std::fs::write(dir.join("stack.yaml"), without_value).unwrap();
    let r = units(None);
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("STK057")
            && err.contains("restart policy `${vars.RESTART_POLICY}` of `app` has no value"),
        "{err}"
    );
    ok(&units(Some("RESTART_POLICY=always")));
    let unit = std::fs::read_dir(dir.join("units"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("-app.service"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .expect("the unit of `app`");
    assert!(unit.contains("Restart=always"), "{unit}");
    let r = units(Some("RESTART_POLICY=sometimes"));
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains(
            "restart policy `${vars.RESTART_POLICY}` is `sometimes`, not a restart policy"
        ),
        "{err}"
    );
    assert!(err.contains("stack.yaml:"), "{err}");
}

/// A named volume with `volume.nocopy` (compose only) before and after binds the spec keeps
/// for `dev` only: compose's order is kept, and the volume is the spec's, so the other targets
/// and the prod build mount it too (label-studio's shared static files).
#[test]
fn a_nocopy_volume_keeps_its_place_and_stays_a_mount_of_every_target() {
    let d = project(
        "services:
  web:
    image: nginx:1.27.0
    volumes:
      - source: static
        target: /srv/static
        type: volume
        volume:
          nocopy: true
      - ./site:/srv/site:ro
  app:
    image: ghcr.io/acme/app:1.2.3
    volumes:
      - ./src:/app/src
      - source: static
        target: /app/static
        type: volume
        volume:
          nocopy: true
volumes:
  static: {}
",
        "",
    );
    let dir = d.path().canonicalize().unwrap();
    std::fs::create_dir(dir.join("site")).unwrap();
    std::fs::write(dir.join("site/index.html"), "<p>hi</p>\n").unwrap();
    std::fs::create_dir(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/main.py"), "print('hi')\n").unwrap();
    let (original, rebuilt, file) = round_trip(&dir);
    assert_eq!(original, rebuilt);
    assert_eq!(file.matches("nocopy: true").count(), 2, "{file}");
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(
        spec.contains("  prod:\n    services:\n      web:\n        volumes:\n        - volume: static\n          target: /srv/static\n"),
        "{spec}"
    );
    assert!(
        spec.contains("`volume.nocopy: true` is kept for compose only: the other targets mount the volume `static` at `/app/static` without it"),
        "{spec}"
    );
    // The prod build's other targets mount the shared volume.
    assert_eq!(prod_build(&dir, "quadlet,k8s"), Vec::<String>::new());
    let web = std::fs::read_dir(dir.join("out/quadlet"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-web.container"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .unwrap();
    assert!(web.contains(":/srv/static"), "{web}");
}
