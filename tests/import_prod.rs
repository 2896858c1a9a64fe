//! An imported compose file builds for `--env prod` to every target without hand edits
//! (issue 13, "Import that leads somewhere"): the project's env file gives variables their
//! values, the Pod Security level the file chose is carried, profiles map to `prod`, and what
//! cannot be chosen by the import is a located error naming the choice.

mod common;

use std::path::Path;

use common::*;

/// A project directory with `compose.yaml` (and `.env` when given).
fn project(compose: &str, env: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    if let Some(e) = env {
        std::fs::write(dir.path().join(".env"), e).unwrap();
    }
    dir
}

fn import(dir: &Path) -> String {
    let r = stackc_in(dir, &["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(
        r.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    std::fs::read_to_string(dir.join("stack.yaml")).unwrap()
}

/// The Quadlet unit of `service` (`STACK-SERVICE.container`; the stack is named after the
/// temporary directory), if it was written.
fn container(dir: &Path, service: &str) -> Option<String> {
    let suffix = format!("-{service}.container");
    std::fs::read_dir(dir.join("out/quadlet"))
        .ok()?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(&suffix))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

const VARS: &str = "services:
  web:
    image: nginx:${TAG}
    environment:
      MODE: ${MODE}
      FLAG:
      UNSET_FLAG:
      EMAIL: ${EMAIL?need an email}
      CACHE: ${CACHE_URL}
";

#[test]
fn env_file_values_are_what_the_variables_mean_on_every_target() {
    let dir = project(
        VARS,
        Some(
            "# the project's settings\nTAG=1.27\nFLAG=on\nEMAIL=ops@example.org\nCACHE_URL=redis://app:hunter2pass@cache:6379/0\n",
        ),
    );
    let spec = import(dir.path());
    // Values of the env file are the variables' defaults; `from_env` still reads the
    // deploying environment.
    for decl in [
        "  TAG:\n    default: \"1.27\"\n    from_env: TAG\n",
        "  FLAG:\n    default: \"on\"\n    from_env: FLAG\n",
        "  EMAIL:\n    default: ops@example.org\n    from_env: EMAIL\n    required: true\n",
        // `${MODE}` set nowhere is empty, as compose substitutes it.
        "  MODE:\n    default: \"\"\n    from_env: MODE\n",
        // `KEY` alone set nowhere stays a pass-through.
        "  UNSET_FLAG:\n    from_env: UNSET_FLAG\n",
    ] {
        assert!(spec.contains(decl), "{decl} in {spec}");
    }
    // A credential-shaped value makes its variable a secret; its value is never in the spec.
    assert!(!spec.contains("hunter2pass"), "{spec}");
    assert!(
        spec.contains("  cache_url:\n    from_env: CACHE_URL\n"),
        "{spec}"
    );
    assert!(spec.contains("CACHE: ${secrets.cache_url}"), "{spec}");

    let errs = prod_build(dir.path(), "k8s,quadlet");
    assert!(errs.is_empty(), "{errs:?}");
    let k8s = read(dir.path(), "out/k8s/web.deployment.yaml");
    assert!(k8s.contains("image: nginx:1.27"), "{k8s}");
    assert!(
        k8s.contains("- name: FLAG\n          value: \"on\""),
        "{k8s}"
    );
    assert!(k8s.contains("value: ops@example.org"), "{k8s}");
    // `KEY` alone, set nowhere: left unset, as compose leaves it, and reported.
    assert!(!k8s.contains("UNSET_FLAG"), "{k8s}");
    let readme = read(dir.path(), "out/k8s/README.md");
    assert!(
        readme.contains("`env.UNSET_FLAG` approximated: `UNSET_FLAG` passes the variable through and it is set nowhere in this build: left unset"),
        "{readme}"
    );
    let quadlet = container(dir.path(), "web").expect("web unit");
    assert!(
        quadlet.contains("Image=docker.io/library/nginx:1.27\n"),
        "{quadlet}"
    );
    assert!(quadlet.contains("Environment=FLAG=on\n"), "{quadlet}");
    assert!(!quadlet.contains("UNSET_FLAG"), "{quadlet}");
}

#[test]
fn a_structural_variable_set_nowhere_stays_a_located_error() {
    let dir = project(VARS, Some("FLAG=on\nEMAIL=ops@example.org\n"));
    import(dir.path());
    let errs = prod_build(dir.path(), "k8s");
    // The image tag: line 3 of the compose file, where `${TAG}` is written.
    assert!(
        errs.iter()
            .any(|e| e.starts_with("STK045") && e.contains("`TAG`")),
        "{errs:?}"
    );
    assert!(!errs.iter().any(|e| e.contains("`MODE`")), "{errs:?}");
    assert!(!errs.iter().any(|e| e.contains("UNSET_FLAG")), "{errs:?}");
}

#[test]
fn an_explicit_env_file_is_read_and_a_missing_one_is_a_usage_error() {
    let dir = project(VARS, None);
    std::fs::write(dir.path().join("prod.env"), "TAG=2.0\n").unwrap();
    let r = stackc_in(
        dir.path(),
        &[
            "import",
            "compose.yaml",
            "-o",
            "stack.yaml",
            "--env-file",
            "prod.env",
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(read(dir.path(), "stack.yaml").contains("  TAG:\n    default: \"2.0\"\n"));
    let r = stackc_in(
        dir.path(),
        &[
            "import",
            "compose.yaml",
            "-o",
            "other.yaml",
            "--env-file",
            "missing.env",
        ],
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("cannot read the env file `missing.env`"));
}

#[test]
fn the_pod_security_level_the_file_chose_is_carried_and_still_linted() {
    let dir = project(
        "services:
  media:
    image: plexinc/pms-docker:1.41.3
    network_mode: host
  worker:
    image: concourse/concourse:7.12
    privileged: true
",
        None,
    );
    let spec = import(dir.path());
    let at = spec
        .find("    pod_security: privileged\n")
        .expect("level chosen");
    let comment = spec[..at].lines().last().unwrap();
    assert!(
        comment.starts_with("    # the compose file's choice, kept: `media` shares the host's network namespace; `worker` runs privileged"),
        "{comment}"
    );
    let errs = prod_build(dir.path(), "k8s,compose");
    assert!(errs.is_empty(), "{errs:?}");
    let ns = read(dir.path(), "out/k8s/namespace.yaml");
    assert!(
        ns.contains("pod-security.kubernetes.io/enforce: privileged"),
        "{ns}"
    );
    // Lint still reports the privileges as findings.
    let r = stackc_in(
        dir.path(),
        &["lint", "stack.yaml", "--env", "prod", "--format", "json"],
    );
    let codes = codes_at(&r.stdout);
    assert!(codes.iter().any(|c| c.starts_with("STK602")), "{codes:?}");
    assert!(codes.iter().any(|c| c.starts_with("STK903")), "{codes:?}");
}

#[test]
fn every_service_under_a_profile_deploys_the_default_profile_in_prod() {
    let dir = project(
        "services:
  aio:
    image: hoppscotch/hoppscotch:2025.1.0
    profiles: [default]
  app:
    image: hoppscotch/hoppscotch-frontend:2025.1.0
    profiles: [app]
",
        None,
    );
    let spec = import(dir.path());
    assert!(
        spec.contains("    only_in:\n    - default\n    - prod\n"),
        "{spec}"
    );
    assert!(
        spec.contains("    only_in:\n    - app\n\n") || spec.contains("    only_in:\n    - app\n"),
        "{spec}"
    );
    assert!(!spec.contains("    - app\n    - prod"), "{spec}");
    let errs = prod_build(dir.path(), "compose,quadlet");
    assert!(errs.is_empty(), "{errs:?}");
    assert!(container(dir.path(), "aio").is_some());
    assert!(container(dir.path(), "app").is_none());
}

#[test]
fn profiles_with_no_deployment_among_them_are_a_located_error_naming_them() {
    let dir = project(
        "services:
  api:
    image: example/api:1.0
    profiles: [backend]
  web:
    image: example/web:1.0
    profiles: [frontend]
",
        None,
    );
    import(dir.path());
    let r = stackc_in(
        dir.path(),
        &[
            "build",
            "stack.yaml",
            "--env",
            "prod",
            "--target",
            "quadlet",
            "-o",
            "out",
        ],
    );
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("error STK058: environment `prod` deploys no service"),
        "{err}"
    );
    // Located at the `prod` environment of the spec.
    let spec = read(dir.path(), "stack.yaml");
    let line = spec.lines().position(|l| l.starts_with("  prod:")).unwrap() + 1;
    assert!(err.contains(&format!("stack.yaml:{line}:3")), "{err}");
    assert!(
        err.contains("add `prod` to the `only_in` of its services"),
        "{err}"
    );
    assert!(err.contains("`backend`, `frontend`"), "{err}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn compose_profiles_of_the_env_file_run_in_dev_and_prod() {
    let dir = project(
        "services:
  core:
    image: example/core:1.0
  extra:
    image: example/extra:1.0
    profiles: [feature-complete]
  debug:
    image: example/debug:1.0
    profiles: [debug]
",
        Some("COMPOSE_PROFILES=feature-complete\n"),
    );
    let spec = import(dir.path());
    assert!(
        spec.contains("    only_in:\n    - feature-complete\n    - dev\n    - prod\n"),
        "{spec}"
    );
    assert!(spec.contains("    only_in:\n    - debug\n"), "{spec}");
    let errs = prod_build(dir.path(), "compose,quadlet");
    assert!(errs.is_empty(), "{errs:?}");
    assert!(container(dir.path(), "extra").is_some());
    assert!(container(dir.path(), "core").is_some());
    assert!(container(dir.path(), "debug").is_none());
}

/// A compose file kept in a subfolder (`deploy/compose/`) that mounts and builds from the
/// repository above it, imported into a spec at the repository's root: the project is the
/// spec's directory, so `../../conf/app.yaml` is a file of the project (a `config:` mount in
/// prod) and `../..` a build context in it, not paths leaving the project.
#[test]
fn paths_above_the_compose_file_but_inside_the_spec_directory_stay_in_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("deploy/compose");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::create_dir_all(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/app.yaml"), "listen: 8080\n").unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM nginx:1.27.3\nUSER nginx\n",
    )
    .unwrap();
    std::fs::write(
        sub.join("compose.yaml"),
        "services:
  app:
    build:
      context: ../..
    volumes:
      - ../../conf/app.yaml:/etc/app/config.yaml
  outside:
    image: nginx:1.27.3
    volumes:
      - ../../../elsewhere.conf:/etc/nginx/nginx.conf:ro
",
    )
    .unwrap();
    let r = stackc_in(
        dir.path(),
        &["import", "deploy/compose/compose.yaml", "-o", "stack.yaml"],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let spec = read(dir.path(), "stack.yaml");
    assert!(spec.contains("      context: '.'\n"), "{spec}");
    assert!(
        spec.contains("- ./conf/app.yaml:/etc/app/config.yaml\n"),
        "{spec}"
    );
    assert!(
        spec.contains("- config: ./conf/app.yaml\n          target: /etc/app/config.yaml\n"),
        "{spec}"
    );
    // Three levels up leaves the spec's directory too: compose-only, reported.
    let report = String::from_utf8_lossy(&r.stderr);
    assert!(
        report.contains(
            "(a bind mount of `../../../elsewhere.conf` leaves the project directory, which the stack spec does not allow)"
        ),
        "{report}"
    );
    assert!(!report.contains("../../conf/app.yaml` leaves"), "{report}");
}

/// A writable host directory the service fills at run time (absent from the project, empty
/// but for dotfiles, or the data directory of a known database) is a named volume in prod, so
/// the data outlives the container; a directory of the project's own files stays dev-only.
/// The dev build (what compose ran) declares none of the prod volumes.
#[test]
fn data_directories_become_named_volumes_in_prod_and_source_stays_dev_only() {
    let dir = project(
        "services:
  db:
    image: postgres:17.6
    volumes:
      - ./pgdata:/var/lib/postgresql/data
  app:
    image: ghcr.io/acme/app:1.2.3
    volumes:
      - ./src:/app/src
      - ./uploads:/app/uploads
      - ./cache/:/app/cache
  worker:
    image: ghcr.io/acme/app:1.2.3
    volumes:
      - ./uploads:/work/uploads
",
        None,
    );
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/main.py"), "print('hi')\n").unwrap();
    std::fs::create_dir_all(dir.path().join("cache")).unwrap();
    std::fs::write(dir.path().join("cache/.gitkeep"), "").unwrap();
    // The database's data directory is data even when the folder is in the project.
    std::fs::create_dir_all(dir.path().join("pgdata")).unwrap();
    std::fs::write(dir.path().join("pgdata/PG_VERSION"), "17\n").unwrap();
    let spec = import(dir.path());
    assert!(
        spec.contains("volumes:\n  pgdata: {}\n  uploads: {}\n  cache: {}\n"),
        "{spec}"
    );
    assert!(
        spec.contains(
            "  prod:\n    services:\n      db:\n        volumes:\n        - pgdata:/var/lib/postgresql/data\n      app:\n        volumes:\n        - uploads:/app/uploads\n        - cache:/app/cache\n      worker:\n        volumes:\n        - uploads:/work/uploads\n"
        ),
        "{spec}"
    );
    assert!(
        spec.contains("the host path `./src` is mounted in dev only"),
        "{spec}"
    );
    assert!(
        spec.contains("the host directory `./pgdata` (the database's data directory) is the named volume `pgdata` in prod"),
        "{spec}"
    );
    assert_eq!(prod_build(dir.path(), "compose,k8s"), Vec::<String>::new());
    let prod = read(dir.path(), "out/compose/compose.yaml");
    assert!(
        prod.contains("\nvolumes:\n  pgdata: {}\n  uploads: {}\n  cache: {}\n"),
        "{prod}"
    );
    // Shared by two workloads: a claim of its own; the database's: a claim template.
    let pvc = read(dir.path(), "out/k8s/uploads.pvc.yaml");
    assert!(pvc.contains("kind: PersistentVolumeClaim"), "{pvc}");
    let db = read(dir.path(), "out/k8s/db.statefulset.yaml");
    assert!(db.contains("volumeClaimTemplates:"), "{db}");
    assert!(db.contains("name: pgdata"), "{db}");
    let r = stackc_in(
        dir.path(),
        &[
            "build",
            "stack.yaml",
            "--target",
            "compose",
            "--fidelity",
            "-o",
            "dev",
            "--force",
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let dev = read(dir.path(), "dev/compose.yaml");
    assert!(!dev.contains("\nvolumes:"), "{dev}");
    // Bind sources are relative to the output folder.
    assert!(dev.contains("    - ../uploads:/app/uploads\n"), "{dev}");
}

#[test]
fn paths_above_the_compose_file_but_inside_the_spec_directory_stay_in_the_spec() {
    // `stackc import docker/compose.yaml -o stack.yaml`: `../` from `docker/` is the spec's
    // own directory, so the build and the config file are the spec's, for every target.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("docker")).unwrap();
    std::fs::create_dir_all(d.join("conf")).unwrap();
    std::fs::write(d.join("conf/app.toml"), "port = 80\n").unwrap();
    std::fs::write(
        d.join("docker/Dockerfile"),
        "FROM alpine:3.20\nUSER 1000\nCMD [\"true\"]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("docker/compose.yaml"),
        "services:\n  app:\n    build:\n      context: ../\n      dockerfile: docker/Dockerfile\n    volumes:\n      - ../conf/app.toml:/etc/app.toml:ro\n",
    )
    .unwrap();
    let r = stackc_in(d, &["import", "docker/compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let spec = std::fs::read_to_string(d.join("stack.yaml")).unwrap();
    assert!(
        spec.contains("    build:\n      context: '.'\n      dockerfile: docker/Dockerfile\n"),
        "{spec}"
    );
    assert!(!spec.contains("outside the project"), "{spec}");
    assert!(spec.contains("config: ./conf/app.toml"), "{spec}");
    assert_eq!(prod_build(d, "all"), Vec::<String>::new());
}

/// A volume only a profile's service mounts, declared with compose-only fields (`driver:
/// local`): compose leaves it out when the profile does not run, and so does each build of an
/// environment without that service; the import and the builds go through.
#[test]
fn a_volume_of_a_profile_service_with_compose_only_fields_is_left_out_where_it_does_not_run() {
    let dir = project(
        "services:
  app:
    image: example/app:1.0
  search:
    image: example/search:1.0
    profiles: [search]
    volumes:
      - search_data:/data
volumes:
  search_data:
    driver: local
",
        None,
    );
    let spec = import(dir.path());
    assert!(
        spec.contains("    volumes:\n      search_data:\n        driver: local\n"),
        "{spec}"
    );
    assert_eq!(prod_build(dir.path(), "compose,k8s"), Vec::<String>::new());
    let prod = read(dir.path(), "out/compose/compose.yaml");
    assert!(!prod.contains("search_data"), "{prod}");
}
