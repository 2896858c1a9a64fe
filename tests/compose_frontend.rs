//! The compose frontend end to end, on the cases under `fixtures/compose-frontend/`:
//! - `stackc import` gives the committed `stack.yaml` and `import-report.txt`
//!   (`STACKC_BLESS=1` rewrites them);
//! - a fidelity build of the imported spec is read by the real `docker compose config` exactly
//!   as the original compose file (the compose binary of `cargo xtask install-tools`);
//! - `stackc lint` on a compose file reports the defects at their lines in that file;
//! - a broken compose file gives a located error with a stable code, never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use stackc_backends::compose::{ComposeOptions, emit_with};
use stackc_backends::output::EmitContext;
use stackc_compiler::pipeline::compile;
use stackc_compiler::syntax::ParseOptions;

/// Cases imported and compared with their committed spec and report: (directory, compose file).
const IMPORT_CASES: &[(&str, &str)] = &[
    ("an-app", "docker-compose.yml"),
    ("features", "compose.yaml"),
    ("approximations", "docker-compose.yml"),
];

/// Cases whose fidelity build must read exactly like the original: (directory, compose file,
/// env file both are read with).
const FIDELITY_CASES: &[(&str, &str, &str)] = &[
    ("an-app", "docker-compose.yml", ".env"),
    ("features", "compose.yaml", "test.env"),
];

fn case_dir(case: &str) -> PathBuf {
    root().join("fixtures/compose-frontend").join(case)
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .to_string_lossy()
        .to_string()
}

/// Compares `actual` with the committed file, or rewrites it when blessing.
fn golden(path: &Path, actual: &str) {
    if bless() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with STACKC_BLESS=1 to create it)", rel(path)));
    assert_eq!(
        expected,
        actual,
        "{} differs from what stackc produces now (STACKC_BLESS=1 rewrites it)",
        rel(path)
    );
}

#[test]
fn imports_match_the_committed_specs_and_reports() {
    for (case, file) in IMPORT_CASES {
        let compose = case_dir(case).join(file);
        let r = stackc(&["import", &rel(&compose)]);
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(
            r.status.code(),
            Some(0),
            "import of {case} failed:\n{stderr}"
        );
        golden(
            &case_dir(case).join("stack.yaml"),
            &String::from_utf8_lossy(&r.stdout),
        );
        let report: String = stderr
            .lines()
            .filter(|l| l.starts_with("  "))
            .map(|l| format!("{}\n", l.trim_start()))
            .collect();
        golden(&case_dir(case).join("import-report.txt"), &report);
    }
}

#[test]
fn imported_specs_keep_no_literal_credential() {
    let spec = std::fs::read_to_string(case_dir("approximations").join("stack.yaml")).unwrap();
    assert!(
        !spec.contains("s3cr3t-Pa55"),
        "the literal password of the compose file reached the spec:\n{spec}"
    );
    assert!(spec.contains("${secrets.mysql_password}"), "{spec}");
}

#[test]
fn import_writes_moved_credentials_to_env_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        case_dir("approximations").join("docker-compose.yml"),
        dir.path().join("docker-compose.yml"),
    )
    .unwrap();
    let r = stackc_in(
        dir.path(),
        &["import", "docker-compose.yml", "-o", "stack.yaml"],
    );
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert_eq!(env, "MYSQL_PASSWORD=s3cr3t-Pa55\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(".env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second import refuses to overwrite the spec, and keeps `.env` as it is.
    let again = stackc_in(
        dir.path(),
        &["import", "docker-compose.yml", "-o", "stack.yaml"],
    );
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).unwrap(),
        env
    );
}

/// `docker compose --env-file ENV -f FILE config`, or the error it printed.
fn compose_config(file: &Path, env_file: &Path) -> Result<String, String> {
    let out = Command::new(compose_bin())
        .arg("--env-file")
        .arg(env_file)
        .arg("-f")
        .arg(file)
        .arg("config")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .expect("docker compose runs");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Builds `spec` with the compose backend in fidelity mode into `out`.
fn fidelity_build(spec: &Path, out: &Path) {
    let bytes = std::fs::read(spec).unwrap();
    let spec_dir = spec.parent().unwrap();
    let compiled = compile(
        &spec.display().to_string(),
        &bytes,
        "dev",
        spec_dir,
        &ParseOptions::default(),
    )
    .unwrap_or_else(|d| panic!("{} does not compile: {d:?}", spec.display()));
    let ctx = EmitContext {
        source_root: spec_dir.canonicalize().unwrap().display().to_string(),
        output_from_source: out.display().to_string(),
        spec_name: "stack.yaml".into(),
    };
    let files = emit_with(&compiled.stack, &ctx, &ComposeOptions { fidelity: true })
        .unwrap_or_else(|d| panic!("fidelity build failed: {d:?}"))
        .files;
    for f in files {
        let p = out.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, f.contents).unwrap();
    }
}

#[test]
fn fidelity_builds_read_like_the_original_compose_files() {
    for (case, file, env) in FIDELITY_CASES {
        let dir = case_dir(case);
        let out = tempfile::tempdir().unwrap();
        fidelity_build(&dir.join("stack.yaml"), out.path());
        let env = dir.join(env);
        let original = compose_config(&dir.join(file), &env)
            .unwrap_or_else(|e| panic!("docker compose rejects {case}/{file}: {e}"));
        let rebuilt = compose_config(&out.path().join("compose.yaml"), &env)
            .unwrap_or_else(|e| panic!("docker compose rejects the fidelity build of {case}: {e}"));
        assert_eq!(
            original, rebuilt,
            "`docker compose config` reads the fidelity build of {case} differently"
        );
    }
}

#[test]
fn approximated_cases_still_build_a_valid_compose_file() {
    let dir = case_dir("approximations");
    let out = tempfile::tempdir().unwrap();
    fidelity_build(&dir.join("stack.yaml"), out.path());
    let env = out.path().join("test.env");
    std::fs::write(&env, "MYSQL_PASSWORD=s3cr3t-Pa55\n").unwrap();
    let rebuilt = compose_config(&out.path().join("compose.yaml"), &env);
    assert!(rebuilt.is_ok(), "{rebuilt:?}");
}

/// `code line` pairs of `stackc lint FILE --format json`.
fn lint_codes(file: &str) -> (Option<i32>, Vec<String>) {
    let r = stackc(&["lint", file, "--format", "json"]);
    let codes = codes_at(&r.stdout)
        .into_iter()
        .map(|c| c.rsplit_once(':').map(|(a, _)| a.to_string()).unwrap_or(c))
        .collect();
    (r.status.code(), codes)
}

#[test]
fn compose_files_are_linted_with_findings_at_their_lines() {
    let (_, codes) = lint_codes("fixtures/compose-frontend/an-app/docker-compose.yml");
    // The reference stack's defects, at their lines in this compose file.
    for expected in [
        "STK102 71",  // qdrant: latest
        "STK102 80",  // ollama: latest
        "STK102 95",  // minio: latest
        "STK102 113", // mc: latest
        "STK105 25",  // redis: major-only tag
        "STK105 39",  // neo4j: major-only tag
        "STK106 95",  // minio/minio moved to quay.io
        "STK106 113", // minio/mc moved to quay.io
        "STK301 17",  // postgres published on every interface
        "STK301 31",  // redis
        "STK301 48",  // neo4j browser
        "STK301 49",  // neo4j bolt
        "STK207 27",  // redis password on the command line
        "STK207 33",  // and in the health check
        "STK208 131", // the whole .env loaded into api
        "STK401 70",  // qdrant has no health check
        "STK701 125", // no memory limit (api)
        "STK504 151", // the hot-reload bind mount reaches every environment
    ] {
        assert!(
            codes.iter().any(|c| c == expected),
            "`{expected}` not reported; findings: {codes:?}"
        );
    }
}

#[test]
fn broken_compose_files_give_located_errors() {
    let cases = [
        ("unknown-key", "STK070 4"),
        ("bad-port", "STK072 5"),
        ("undefined-volume", "STK011 5"),
        ("bad-interpolation", "STK074 5"),
        ("wrong-type", "STK071 4"),
        ("extends-unknown", "STK077 3"),
        ("include-missing", "STK077 2"),
        ("unknown-secret", "STK013 5"),
        ("not-compose", "STK078 1"),
        ("bad-restart", "STK075 4"),
        ("bad-mount", "STK073 5"),
        ("unknown-dependency", "STK010 5"),
        ("duplicate-key", "STK003 4"),
        ("tab-indent", "STK001 3"),
    ];
    for (case, expected) in cases {
        let file = format!("fixtures/compose-frontend/invalid/{case}/compose.yaml");
        let (code, codes) = lint_codes(&file);
        assert_eq!(code, Some(1), "{case}: exit code");
        assert_eq!(codes, vec![expected.to_string()], "{case}");
        let r = stackc(&["import", &file]);
        assert_eq!(r.status.code(), Some(1), "{case}: import exit code");
        assert!(r.stdout.is_empty(), "{case}: import wrote a spec");
    }
}

/// The reference stack's own compose file (a copy under `fixtures/reference/`, MIT, with its
/// notice): every defect of STACK.md at its line, and a fidelity build that
/// `docker compose config` reads as the original.
#[test]
fn the_reference_compose_file() {
    let reference = root().join("fixtures/reference/ai-native-app/docker-compose.yml");
    let dir = tempfile::tempdir().unwrap();
    let compose = dir.path().join("docker-compose.yml");
    std::fs::copy(&reference, &compose).unwrap();
    // The values `make config` would write, for `env_file: .env` and interpolation.
    std::fs::copy(case_dir("an-app").join(".env"), dir.path().join(".env")).unwrap();

    let r = stackc_in(
        dir.path(),
        &["lint", "docker-compose.yml", "--format", "json"],
    );
    let codes: Vec<String> = codes_at(&r.stdout)
        .into_iter()
        .map(|c| c.rsplit_once(':').map(|(a, _)| a.to_string()).unwrap_or(c))
        .collect();
    for expected in [
        "STK102 114",
        "STK102 129",
        "STK102 150",
        "STK102 170",
        "STK105 55",
        "STK105 75",
        "STK106 150",
        "STK106 170",
        "STK301 42",
        "STK301 61",
        "STK301 84",
        "STK301 85",
        "STK207 57",
        "STK207 63",
        "STK208 194",
        "STK401 113",
        "STK701 188",
        "STK504 216",
    ] {
        assert!(
            codes.iter().any(|c| c == expected),
            "`{expected}` not reported: {codes:?}"
        );
    }

    let r = stackc_in(
        dir.path(),
        &["import", "docker-compose.yml", "-o", "stack.yaml"],
    );
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let out = dir.path().join("out");
    fidelity_build(&dir.path().join("stack.yaml"), &out);
    let env = dir.path().join(".env");
    let original = compose_config(&compose, &env).unwrap();
    let rebuilt = compose_config(&out.join("compose.yaml"), &env).unwrap();
    assert_eq!(original, rebuilt);
}

#[test]
fn override_files_are_read_over_their_base() {
    let dir = case_dir("override");
    let over = "fixtures/compose-frontend/override/compose.override.yaml";
    // Linted on its own, the override still has its service's image (from the base), and what
    // it writes is located in it.
    let (code, codes) = lint_codes(over);
    assert_eq!(code, Some(0), "{codes:?}");
    assert!(!codes.iter().any(|c| c.starts_with("STK031")), "{codes:?}");
    // (The `./html` mount of an image that is not built here is not STK504's: compose files
    // have no overlays, so only a service's own sources mounted over its image are reported.)
    assert!(codes.iter().any(|c| c == "STK401 3"), "{codes:?}");
    // Imported, it is the project compose runs: base and override merged.
    let r = stackc(&["import", over]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let spec = tempfile::tempdir().unwrap();
    let spec_path = spec.path().join("stack.yaml");
    std::fs::write(&spec_path, &r.stdout).unwrap();
    std::fs::create_dir_all(spec.path().join("html")).unwrap();
    let out = spec.path().join("out");
    fidelity_build(&spec_path, &out);
    let env = spec.path().join("empty.env");
    std::fs::write(&env, "").unwrap();
    let original = Command::new(compose_bin())
        .arg("--env-file")
        .arg(&env)
        .arg("-f")
        .arg(dir.join("compose.yaml"))
        .arg("-f")
        .arg(dir.join("compose.override.yaml"))
        .arg("config")
        .output()
        .unwrap();
    assert!(original.status.success());
    let rebuilt = compose_config(&out.join("compose.yaml"), &env).unwrap();
    // The rebuilt file sits elsewhere: its bind source is the spec's copy of `html`.
    let original =
        String::from_utf8_lossy(&original.stdout).replace(&dir.display().to_string(), "<project>");
    let rebuilt = rebuilt.replace(&spec.path().display().to_string(), "<project>");
    assert_eq!(original, rebuilt);
}

/// An optional dependency (`required: false`) on a service of a profile: the build of the
/// profile's environment waits for it, written back `required: false`, and compose reads it
/// as it reads the original with `--profile`; the default environment builds without it.
#[test]
fn an_optional_dependency_on_a_profile_service_round_trips_in_its_environment() {
    let dir = tempfile::tempdir().unwrap();
    let text = "services:\n  db:\n    image: mysql:8.4\n  ghost:\n    image: ghost:6\n    depends_on:\n      db:\n        condition: service_started\n      sync:\n        condition: service_completed_successfully\n        required: false\n  sync:\n    image: ghost:6\n    profiles: [analytics]\n";
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    let ok = |args: &[&str]| {
        let r = stackc_in(dir.path(), args);
        assert!(
            r.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    };
    ok(&["import", "compose.yaml", "-o", "stack.yaml"]);
    ok(&[
        "build",
        "stack.yaml",
        "--fidelity",
        "--env",
        "analytics",
        "-o",
        "a",
    ]);
    ok(&["build", "stack.yaml", "--fidelity", "-o", "d"]);
    let rebuilt = std::fs::read_to_string(dir.path().join("a/compose.yaml")).unwrap();
    assert!(
        rebuilt.contains("      sync:\n        condition: service_completed_successfully\n        required: false\n"),
        "{rebuilt}"
    );
    let dev = std::fs::read_to_string(dir.path().join("d/compose.yaml")).unwrap();
    assert!(!dev.contains("sync"), "{dev}");
    let config = |args: &[&str]| {
        let out = Command::new(compose_bin())
            .current_dir(dir.path())
            .args(args)
            .arg("config")
            .env_remove("COMPOSE_PROJECT_NAME")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The environment is what the profile runs: its services carry no `profiles` there.
    let original = config(&["-p", "p", "--profile", "analytics", "-f", "compose.yaml"])
        .replace("    profiles:\n      - analytics\n", "");
    let built = config(&["-p", "p", "-f", "a/compose.yaml"]);
    assert_eq!(original, built);
}

/// Compose-only `develop.watch` paths stay relative to the project wherever the output goes,
/// and a dependency's `restart: true` is kept for compose (fastapi-template).
#[test]
fn watch_paths_and_dependency_restarts_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir.join("backend")).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  db:\n    image: postgres:17.2\n  api:\n    image: api:1.0\n    depends_on:\n      db:\n        condition: service_started\n        restart: true\n    develop:\n      watch:\n        - path: ./backend\n          action: sync\n          target: /app\n",
    )
    .unwrap();
    let ok = |args: &[&str]| {
        let r = stackc_in(dir, args);
        assert!(
            r.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    };
    ok(&["import", "compose.yaml", "-o", "stack.yaml"]);
    ok(&["build", "stack.yaml", "--fidelity", "-o", "out/fid"]);
    let built = std::fs::read_to_string(dir.join("out/fid/compose.yaml")).unwrap();
    assert!(built.contains("      - path: ../../backend\n"), "{built}");
    assert!(
        built.contains("      db:\n        condition: service_started\n        restart: true\n"),
        "{built}"
    );
    let empty = dir.join("empty.env");
    std::fs::write(&empty, "").unwrap();
    let original = compose_config(&dir.join("compose.yaml"), &empty).unwrap();
    let rebuilt = compose_config(&dir.join("out/fid/compose.yaml"), &empty).unwrap();
    assert_eq!(original, rebuilt.replace("name: fid\n", "name: p\n"));
}

/// `scale` is the spec's replicas for every target, and compose gets it back as `scale` (not
/// `deploy.replicas`, which `docker compose config` prints differently); replicas changed in
/// the spec since then conflict with the kept `scale`, a located error.
#[test]
fn scale_round_trips_as_scale_and_other_targets_read_replicas() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  worker:\n    image: worker:1.0\n    scale: 3\n  one:\n    image: one:1.0\n    scale: 1\n    deploy:\n      resources:\n        limits:\n          memory: 64M\n",
    )
    .unwrap();
    let run = |args: &[&str]| stackc_in(dir, args);
    assert!(
        run(&["import", "compose.yaml", "-o", "stack.yaml"])
            .status
            .success()
    );
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(spec.contains("    replicas: 3\n"), "{spec}");
    assert!(spec.contains("        scale: 3\n"), "{spec}");
    assert!(
        run(&["build", "stack.yaml", "--fidelity", "-o", "out/fid"])
            .status
            .success()
    );
    let built = std::fs::read_to_string(dir.join("out/fid/compose.yaml")).unwrap();
    assert!(built.contains("    scale: 3\n"), "{built}");
    assert!(built.contains("    scale: 1\n"), "{built}");
    assert!(!built.contains("replicas"), "{built}");
    let empty = dir.join("empty.env");
    std::fs::write(&empty, "").unwrap();
    let original = compose_config(&dir.join("compose.yaml"), &empty).unwrap();
    let rebuilt = compose_config(&dir.join("out/fid/compose.yaml"), &empty).unwrap();
    assert_eq!(original, rebuilt.replace("name: fid\n", "name: p\n"));
    // Kubernetes reads the replicas.
    assert!(
        run(&["build", "stack.yaml", "--target", "k8s", "-o", "out/k8s"])
            .status
            .success()
    );
    let k8s: String = std::fs::read_dir(dir.join("out/k8s"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(k8s.contains("replicas: 3"), "{k8s}");
    // Replicas edited in the spec no longer say what the kept `scale` says.
    std::fs::write(
        dir.join("stack.yaml"),
        spec.replacen("    replicas: 3\n", "    replicas: 2\n", 1),
    )
    .unwrap();
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/edited"]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error STK044: compose-only field `scale` of `worker` is also written from the service's spec"),
        "{stderr}"
    );
}

/// An empty entrypoint (`""`, `[""]`: clearing the image's) round-trips for compose; a spec that
/// also sets one conflicts with it (a located error, never two `entrypoint` keys).
#[test]
fn an_empty_entrypoint_round_trips_for_compose() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  a:\n    image: a:1.0\n    entrypoint: \"\"\n    command: [sh, -c, run]\n  b:\n    image: b:1.0\n    entrypoint: [\"\"]\n",
    )
    .unwrap();
    let run = |args: &[&str]| stackc_in(dir, args);
    let r = run(&["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/fid"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let built = std::fs::read_to_string(dir.join("out/fid/compose.yaml")).unwrap();
    assert!(built.contains("    entrypoint: \"\"\n"), "{built}");
    let empty = dir.join("empty.env");
    std::fs::write(&empty, "").unwrap();
    let original = compose_config(&dir.join("compose.yaml"), &empty).unwrap();
    let rebuilt = compose_config(&dir.join("out/fid/compose.yaml"), &empty).unwrap();
    assert!(original.contains("    entrypoint: []\n"), "{original}");
    assert_eq!(original, rebuilt.replace("name: fid\n", "name: p\n"));
    // Kubernetes never gets an empty executable.
    let r = run(&["build", "stack.yaml", "--target", "k8s", "-o", "out/k8s"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let k8s: String = std::fs::read_dir(dir.join("out/k8s"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(!k8s.contains("- \"\""), "{k8s}");
    // The spec's own entrypoint and the kept empty one conflict.
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    let edited = spec.replacen(
        "    image: b:1.0\n",
        "    image: b:1.0\n    entrypoint: [run]\n",
        1,
    );
    assert_ne!(spec, edited);
    std::fs::write(dir.join("stack.yaml"), edited).unwrap();
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/edited"]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error STK044: compose-only field `entrypoint` of `b` is also written from the service's spec"),
        "{stderr}"
    );
}

/// Lint reads the project's `.env` as compose does: a memory size or cpu count from a variable
/// it sets is that value, not an empty one (compose refuses the file only without it).
#[test]
fn lint_takes_sizes_from_the_project_env_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  es:\n    image: es:8.17.0\n    mem_limit: ${MEM_LIMIT}\n    cpus: ${CPUS}\n",
    )
    .unwrap();
    let lint = || {
        let r = stackc_in(dir, &["lint", "compose.yaml", "--format", "json"]);
        codes_at(&r.stdout)
            .into_iter()
            .filter(|c| c.starts_with("STK07"))
            .collect::<Vec<_>>()
    };
    assert_eq!(lint(), ["STK075 4:16", "STK075 5:11"]);
    std::fs::write(dir.join(".env"), "MEM_LIMIT=1073741824\nCPUS=0.5\n").unwrap();
    assert_eq!(lint(), Vec::<String>::new());
    let empty = dir.join("empty.env");
    std::fs::write(&empty, "").unwrap();
    assert!(compose_config(&dir.join("compose.yaml"), &empty).is_err());
    assert!(compose_config(&dir.join("compose.yaml"), &dir.join(".env")).is_ok());
}

/// `mem_limit`, `mem_reservation` and `cpus` are the spec's resources for every target, and
/// compose gets them back in that form (a variable as the value `.env` gives it, which the spec
/// also takes); a limit edited in the spec since conflicts with the kept field.
#[test]
fn service_level_limits_round_trip_in_their_compose_form() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  es:\n    image: es:8.17.0\n    mem_limit: ${MEM_LIMIT}\n    mem_reservation: 512m\n    cpus: 1.5\n",
    )
    .unwrap();
    std::fs::write(dir.join(".env"), "MEM_LIMIT=1073741824\n").unwrap();
    let run = |args: &[&str]| stackc_in(dir, args);
    let r = run(&["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(spec.contains("      memory: 1Gi\n"), "{spec}");
    assert!(
        spec.contains("        mem_limit: \"1073741824\"\n"),
        "{spec}"
    );
    assert!(spec.contains("        mem_reservation: 512m\n"), "{spec}");
    assert!(spec.contains("        cpus: 1.5\n"), "{spec}");
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/fid"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let built = std::fs::read_to_string(dir.join("out/fid/compose.yaml")).unwrap();
    assert!(!built.contains("deploy"), "{built}");
    let env = dir.join(".env");
    let original = compose_config(&dir.join("compose.yaml"), &env).unwrap();
    let rebuilt = compose_config(&dir.join("out/fid/compose.yaml"), &env).unwrap();
    assert_eq!(original, rebuilt.replace("name: fid\n", "name: p\n"));
    std::fs::write(
        dir.join("stack.yaml"),
        spec.replacen("      memory: 1Gi\n", "      memory: 2Gi\n", 1),
    )
    .unwrap();
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/edited"]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error STK044: compose-only field `mem_limit` of `es` is also written from the service's spec"),
        "{stderr}"
    );
}

/// A compose file in a subfolder imported into a spec above it (`stackc import
/// docker-compose/kafka/docker-compose.yml -o stack.yaml`): a bind mount that leaves the compose
/// file's directory (`../../conf/app.yaml`) but stays in the spec's is a file of the project,
/// mounted as a `config:` file in prod; one that leaves the spec's directory too stays
/// compose-only.
#[test]
fn a_bind_above_the_compose_file_but_inside_the_spec_directory_is_a_project_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir.join("deploy/compose")).unwrap();
    std::fs::create_dir_all(dir.join("conf")).unwrap();
    std::fs::write(dir.join("conf/app.yaml"), "a: 1\n").unwrap();
    std::fs::write(
        dir.join("deploy/compose/compose.yaml"),
        "services:\n  app:\n    image: app:1.0\n    volumes:\n      - ../../conf/app.yaml:/etc/app.yaml\n      - ../../../outside:/outside\n",
    )
    .unwrap();
    let run = |args: &[&str]| stackc_in(dir, args);
    let r = run(&["import", "deploy/compose/compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    let body: String = spec
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        body.contains("        - ./conf/app.yaml:/etc/app.yaml\n"),
        "{body}"
    );
    assert!(
        body.contains("        - config: ./conf/app.yaml\n          target: /etc/app.yaml\n"),
        "{body}"
    );
    assert!(body.contains("        - ../outside:/outside\n"), "{body}");
    assert!(!body.contains("../../conf"), "{body}");
    // The fidelity build reads like the original.
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/fid"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let empty = dir.join("empty.env");
    std::fs::write(&empty, "").unwrap();
    let original = compose_config(&dir.join("deploy/compose/compose.yaml"), &empty).unwrap();
    let rebuilt = compose_config(&dir.join("out/fid/compose.yaml"), &empty).unwrap();
    assert_eq!(original, rebuilt);
}

/// A build compose alone can read (a context from `${PWD}`) stays as written in the output, not
/// made relative to it, and a fidelity build leaves the image's name to compose as the original
/// did (other targets name it `STACK-SERVICE`, compose's default).
#[test]
fn a_compose_only_build_from_pwd_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir.join("docker_files")).unwrap();
    std::fs::write(
        dir.join("docker_files/app.Dockerfile"),
        "FROM alpine:3.20\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  app:\n    build:\n      context: ${PWD}/docker_files/\n      dockerfile: app.Dockerfile\n",
    )
    .unwrap();
    let run = |args: &[&str]| stackc_in(dir, args);
    let r = run(&["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(spec.contains("    image: p-app\n"), "{spec}");
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/fid"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let built = std::fs::read_to_string(dir.join("out/fid/compose.yaml")).unwrap();
    assert!(
        built.contains("      context: ${PWD}/docker_files/\n"),
        "{built}"
    );
    assert!(!built.contains("image:"), "{built}");
    let empty = dir.join("empty.env");
    std::fs::write(&empty, "").unwrap();
    let config = |file: &Path| {
        let out = Command::new(compose_bin())
            .current_dir(dir)
            .env("PWD", dir)
            .args(["--env-file"])
            .arg(&empty)
            .arg("-f")
            .arg(file)
            .arg("config")
            .env_remove("COMPOSE_PROJECT_NAME")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).replace("name: fid\n", "name: p\n")
    };
    assert_eq!(
        config(&dir.join("compose.yaml")),
        config(&dir.join("out/fid/compose.yaml"))
    );
}

/// A bound project file that cannot be a `config:` file (not UTF-8 text: a keystore) is mounted
/// in dev only, reported, so that the prod build goes through; a text file beside it is a
/// `config:` file in prod.
#[test]
fn a_binary_project_file_is_mounted_in_dev_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir.join("ssl")).unwrap();
    std::fs::write(
        dir.join("ssl/kafka.keystore.jks"),
        [0xfe_u8, 0xed, 0xfe, 0xed, 0, 0, 0, 2],
    )
    .unwrap();
    std::fs::write(dir.join("app.conf"), "a = 1\n").unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  kafka:\n    image: broker:3.9.0\n    volumes:\n      - ./ssl/kafka.keystore.jks:/etc/kafka/keystore.jks\n      - ./app.conf:/etc/app.conf:ro\n",
    )
    .unwrap();
    let run = |args: &[&str]| stackc_in(dir, args);
    let r = run(&["import", "compose.yaml", "-o", "stack.yaml"]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{stderr}");
    assert!(
        stderr.contains("the file `./ssl/kafka.keystore.jks` is mounted in dev only: a `config:` file holds UTF-8 text"),
        "{stderr}"
    );
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    let prod = spec.split("  prod:\n").nth(1).unwrap_or_default();
    assert!(prod.contains("config: ./app.conf"), "{spec}");
    assert!(!prod.contains("keystore"), "{spec}");
    let mut spec = spec;
    spec.push_str("lint:\n  ignore:\n    STK401: test\n    STK701: test\n");
    std::fs::write(dir.join("stack.yaml"), spec).unwrap();
    let r = run(&[
        "build",
        "stack.yaml",
        "--env",
        "prod",
        "--target",
        "all",
        "-o",
        "out/prod",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

/// The services of the profiles the project's env file activates (`COMPOSE_PROFILES`) are in
/// `dev`, and a fidelity build writes their profiles back, so that compose reading it with that
/// env file runs what it ran (a plain build deploys them without profiles).
#[test]
fn profiles_the_env_file_activates_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  app:\n    image: app:1.0\n  es:\n    image: es:8.17.0\n    profiles: [elasticsearch]\n  os:\n    image: os:2.19.1\n    profiles: [opensearch]\n",
    )
    .unwrap();
    std::fs::write(dir.join(".env"), "COMPOSE_PROFILES=elasticsearch\n").unwrap();
    let run = |args: &[&str]| stackc_in(dir, args);
    let r = run(&["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/fid"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let built = std::fs::read_to_string(dir.join("out/fid/compose.yaml")).unwrap();
    assert!(
        built.contains("    profiles:\n    - elasticsearch\n"),
        "{built}"
    );
    assert!(!built.contains("opensearch"), "{built}");
    let env = dir.join(".env");
    let original = compose_config(&dir.join("compose.yaml"), &env).unwrap();
    let rebuilt = compose_config(&dir.join("out/fid/compose.yaml"), &env).unwrap();
    assert!(
        original.contains("    profiles:\n      - elasticsearch\n"),
        "{original}"
    );
    assert_eq!(original, rebuilt.replace("name: fid\n", "name: p\n"));
    let mut spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    spec.push_str("lint:\n  ignore:\n    STK401: test\n    STK404: test\n    STK701: test\n    STK302: test\n    STK502: test\n");
    std::fs::write(dir.join("stack.yaml"), spec).unwrap();
    let r = run(&[
        "build",
        "stack.yaml",
        "--target",
        "compose",
        "-o",
        "out/plain",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let plain = std::fs::read_to_string(dir.join("out/plain/compose.yaml")).unwrap();
    assert!(plain.contains("  es:\n"), "{plain}");
    assert!(!plain.contains("profiles"), "{plain}");
}

/// A profile whose service depends on a service of another profile: compose refuses to run
/// that profile alone, and so does its environment's build (a located `STK010`); the import
/// and the other environments go through.
#[test]
fn a_dependency_on_another_profile_does_not_stop_the_import() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  app:\n    image: app:1.0\n  es:\n    image: es:8.17.0\n    profiles: [elasticsearch]\n  kibana:\n    image: kibana:8.17.0\n    profiles: [kibana]\n    depends_on:\n      es:\n        condition: service_started\n",
    )
    .unwrap();
    let run = |args: &[&str]| stackc_in(dir, args);
    let r = run(&["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/dev"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = run(&[
        "build",
        "stack.yaml",
        "--fidelity",
        "--env",
        "kibana",
        "-o",
        "out/kibana",
    ]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error STK010: service `es` does not exist in this environment"),
        "{stderr}"
    );
}

/// `KEY` alone (passed through when set, else unset) on a variable another entry defaults to
/// empty (`${KEY:-}`): compose gets the entry alone back, not the empty default.
#[test]
fn a_bare_entry_of_a_variable_defaulted_elsewhere_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: web:1.0\n    environment:\n      MAIL_HOST:\n  worker:\n    image: worker:1.0\n    environment:\n      MAIL_HOST: ${MAIL_HOST:-}\n",
    )
    .unwrap();
    let run = |args: &[&str]| stackc_in(dir, args);
    let r = run(&["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(
        spec.contains("      web:\n        environment:\n        - MAIL_HOST\n"),
        "{spec}"
    );
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/fid"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let empty = dir.join("empty.env");
    std::fs::write(&empty, "").unwrap();
    let original = compose_config(&dir.join("compose.yaml"), &empty).unwrap();
    let rebuilt = compose_config(&dir.join("out/fid/compose.yaml"), &empty).unwrap();
    assert!(original.contains("      MAIL_HOST: null\n"), "{original}");
    assert!(original.contains("      MAIL_HOST: \"\"\n"), "{original}");
    assert_eq!(original, rebuilt.replace("name: fid\n", "name: p\n"));
}

/// A GPU reservation (`deploy.resources.reservations.devices`) beside cpus and memory: the
/// spec keeps cpus and memory, compose keeps the devices (reported, not dropped), and the
/// fidelity build joins them in one `deploy.resources`.
#[test]
fn device_reservations_are_kept_for_compose_beside_the_spec_resources() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:
  tei:
    image: ghcr.io/huggingface/text-embeddings-inference:1.5
    deploy:
      resources:
        limits:
          memory: 4g
        reservations:
          cpus: '1'
          devices:
            - driver: nvidia
              count: 1
              capabilities: [gpu]
  cpu-only:
    image: ghcr.io/acme/app:1.2.3
    deploy:
      resources:
        limits:
          pids: 100
",
    )
    .unwrap();
    std::fs::write(dir.join(".env"), "").unwrap();
    let run = |args: &[&str]| stackc_in(dir, args);
    let r = run(&["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(spec.contains("      memory: 4Gi\n"), "{spec}");
    assert!(
        spec.contains("approximated `services.tei.deploy.resources.reservations.devices`: kept for compose only"),
        "{spec}"
    );
    assert!(!spec.contains("dropped"), "{spec}");
    let r = run(&["build", "stack.yaml", "--fidelity", "-o", "out/fid"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let env = dir.join(".env");
    let original = compose_config(&dir.join("compose.yaml"), &env).unwrap();
    let rebuilt = compose_config(&dir.join("out/fid/compose.yaml"), &env).unwrap();
    assert!(original.contains("capabilities:"), "{original}");
    assert_eq!(original, rebuilt.replace("name: fid\n", "name: p\n"));
}

/// A service the spec renames (`api.v1` is `api-v1`) keeps its compose name as a network
/// alias for compose, on the default network or on each network it joins, so the values that
/// reach it by that name still resolve; the report says the other targets only know the new
/// name.
#[test]
fn a_renamed_service_is_still_reached_by_its_compose_name_in_compose() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("p");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:
  api.v1:
    image: ghcr.io/acme/api:1.2.3
  Worker:
    image: ghcr.io/acme/worker:1.2.3
    networks: [back]
  web:
    image: nginx:1.27.3
    environment:
      API_URL: http://api.v1:8080
networks:
  back: {}
",
    )
    .unwrap();
    std::fs::write(dir.join(".env"), "").unwrap();
    let r = stackc_in(dir, &["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(
        spec.contains("service `api.v1` is named `api-v1` in the stack spec (lowercase letters, digits, `-` and `_`, starting with a letter); compose still reaches it as `api.v1`"),
        "{spec}"
    );
    let r = stackc_in(dir, &["build", "stack.yaml", "--fidelity", "-o", "out/fid"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let config = compose_config(&dir.join("out/fid/compose.yaml"), &dir.join(".env")).unwrap();
    assert!(
        config.contains("  api-v1:\n    image: ghcr.io/acme/api:1.2.3\n    networks:\n      default:\n        aliases:\n          - api.v1\n"),
        "{config}"
    );
    assert!(
        config.contains("    networks:\n      back:\n        aliases:\n          - Worker\n"),
        "{config}"
    );
}
