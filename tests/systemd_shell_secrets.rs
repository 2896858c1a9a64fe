//! Secrets in a shell command, an exec-form entrypoint and command, and health checks of
//! systemd units (Quadlet, podman units, docker units): the exact lines written, no secret
//! value in any file, and the files read back by their real consumers (`systemd-analyze
//! verify`, Podman's Quadlet generator). The container's side is then played on this machine:
//! the argv the runtime would start (from the generated `podman run`/`docker run` line) runs
//! with the secret in the environment variable the unit names, and with programs that print
//! their arguments in place of redis, the app and wget; each must receive the value.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use stackc_backends::systemd::ini;

const SPEC: &str = r#"stack: s
volumes:
  data: {}
secrets:
  db_password: { from_env: DB_PASSWORD }
  api_token: { generate: { length: 32 } }
services:
  db:
    image: docker.io/library/redis:7.4
    volumes: [{ volume: data, target: /data }]
    command: "redis-server --requirepass ${secrets.db_password} --save ''"
    health: { cmd: "redis-cli -a '${secrets.db_password}' ping" }
  api:
    image: docker.io/library/busybox:1.37
    entrypoint: [app]
    command: [--token, "${secrets.api_token}", --header, "Authorization: Bearer ${secrets.api_token}"]
    env: { STACKC_SECRET_API_TOKEN: not-the-token }
    health: { cmd: [wget, -q, --header, "X-Token: ${secrets.api_token}", "http://localhost:8080/healthz"] }
targets:
  systemd: { runtime: RUNTIME }
lint:
  ignore:
    STK207: the systemd backend reads these secrets from the environment through the shell
    STK201: a variable named like the token's helper, which the helper must avoid
"#;

/// A value a shell would split, glob and expand if it were ever parsed as shell text.
const DB_PASSWORD: &str = "p@ss word \"$HOME\" *";

struct Built {
    dir: tempfile::TempDir,
    /// `ENV_NAME` → value, from the `.env` that `stackc secrets init` wrote.
    values: BTreeMap<String, String>,
}

fn build() -> Built {
    let dir = tempfile::tempdir().unwrap();
    for (sub, runtime) in [("podman", "podman"), ("docker", "docker")] {
        let d = dir.path().join(sub);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("stack.yaml"), SPEC.replace("RUNTIME", runtime)).unwrap();
    }
    let init = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(["secrets", "init", "stack.yaml"])
        .current_dir(dir.path().join("podman"))
        .env("DB_PASSWORD", DB_PASSWORD)
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let env = std::fs::read_to_string(dir.path().join("podman/.env")).unwrap();
    let values: BTreeMap<String, String> = env
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.strip_prefix('\'').and_then(|v| v.strip_suffix('\''));
            (k.to_string(), v.map(str::to_string))
        })
        .map(|(k, v)| {
            let v = v.unwrap_or_else(|| {
                env.lines()
                    .find_map(|l| l.strip_prefix(&format!("{k}=")))
                    .unwrap()
                    .to_string()
            });
            (k, v)
        })
        .collect();
    assert_eq!(values["DB_PASSWORD"], DB_PASSWORD);
    assert_eq!(values["API_TOKEN"].len(), 32, "{values:?}");
    // One target writes into the directory itself, several into DIR/<target>.
    for (sub, targets, dest) in [
        ("podman", "quadlet,units", "out"),
        ("docker", "units", "out/units"),
    ] {
        let r = stackc_in(
            &dir.path().join(sub),
            &["build", "stack.yaml", "--target", targets, "-o", dest],
        );
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    Built { dir, values }
}

fn out(b: &Built, rel: &str) -> PathBuf {
    b.dir.path().join(rel)
}

fn read(b: &Built, rel: &str) -> String {
    std::fs::read_to_string(out(b, rel)).unwrap()
}

/// The `[Container]`/`[Service]` lines of a unit with one of `keys`, as written.
fn lines_with(text: &str, keys: &[&str]) -> Vec<String> {
    text.lines()
        .filter(|l| keys.iter().any(|k| l.starts_with(&format!("{k}="))))
        .map(str::to_string)
        .collect()
}

#[test]
fn secrets_in_commands_reach_the_container_as_variables_its_shell_expands() {
    let b = build();

    // Quadlet: podman secrets as variables, the commands referring to them.
    let keys = ["Secret", "Environment", "Entrypoint", "Exec", "HealthCmd"];
    assert_eq!(
        lines_with(&read(&b, "podman/out/quadlet/s-db.container"), &keys),
        [
            "Secret=s-db-password,type=env,target=STACKC_SECRET_DB_PASSWORD",
            r#"Exec=/bin/sh -c "redis-server --requirepass \"$$STACKC_SECRET_DB_PASSWORD\" --save ''""#,
            r#"HealthCmd=["/bin/sh","-c","redis-cli -a \"$$STACKC_SECRET_DB_PASSWORD\" ping"]"#,
        ]
    );
    // The service's own `STACKC_SECRET_API_TOKEN` keeps its meaning; the token's variable
    // takes the next free name. The command holds a secret, so it runs with the entrypoint.
    assert_eq!(
        lines_with(&read(&b, "podman/out/quadlet/s-api.container"), &keys),
        [
            "Environment=STACKC_SECRET_API_TOKEN=not-the-token",
            "Secret=s-api-token,type=env,target=STACKC_SECRET_API_TOKEN_",
            r#"Entrypoint=["/bin/sh","-c","exec app --token \"$$STACKC_SECRET_API_TOKEN_\" --header 'Authorization: Bearer '\"$$STACKC_SECRET_API_TOKEN_\""]"#,
            r#"HealthCmd=["/bin/sh","-c","exec wget -q --header 'X-Token: '\"$$STACKC_SECRET_API_TOKEN_\" http://localhost:8080/healthz"]"#,
        ]
    );
    let readme = read(&b, "podman/out/quadlet/README.md");
    assert!(
        readme.contains(
            "printf %s \"$API_TOKEN\" | podman secret create s-api-token -\nprintf %s \"$DB_PASSWORD\" | podman secret create s-db-password -\n"
        ),
        "{readme}"
    );

    // Plain units: the variables are lines of the env file the operator writes.
    for rt in ["podman", "docker"] {
        assert!(
            read(&b, &format!("{rt}/out/units/db.env.template"))
                .ends_with("\nSTACKC_SECRET_DB_PASSWORD=${DB_PASSWORD}\n")
        );
        assert!(
            read(&b, &format!("{rt}/out/units/api.env.template"))
                .ends_with("\nSTACKC_SECRET_API_TOKEN_=${API_TOKEN}\n")
        );
        let readme = read(&b, &format!("{rt}/out/units/README.md"));
        assert!(
            readme.contains("(umask 077 && envsubst '${DB_PASSWORD}' < db.env.template > \"$state/db.env\")\n(umask 077 && envsubst '${API_TOKEN}' < api.env.template > \"$state/api.env\")\n"),
            "{readme}"
        );
    }
    let podman_db = exec_start(&read(&b, "podman/out/units/s-db.service"));
    assert_eq!(
        after(&podman_db, "docker.io/library/redis:7.4"),
        [
            "/bin/sh",
            "-c",
            r#"redis-server --requirepass "$STACKC_SECRET_DB_PASSWORD" --save ''"#
        ]
    );
    assert!(podman_db.contains(&"--env-file=./db.env".to_string()));
    assert!(
        podman_db.contains(
            &r#"--health-cmd=["/bin/sh","-c","redis-cli -a \"$STACKC_SECRET_DB_PASSWORD\" ping"]"#
                .to_string()
        )
    );
    let podman_api = exec_start(&read(&b, "podman/out/units/s-api.service"));
    assert!(podman_api.contains(
        &r#"--entrypoint=["/bin/sh","-c","exec app --token \"$STACKC_SECRET_API_TOKEN_\" --header 'Authorization: Bearer '\"$STACKC_SECRET_API_TOKEN_\""]"#
            .to_string()
    ));
    assert!(after(&podman_api, "docker.io/library/busybox:1.37").is_empty());
    let docker_db = exec_start(&read(&b, "docker/out/units/s-db.service"));
    assert!(docker_db.contains(
        &r#"--health-cmd=/bin/sh -c 'redis-cli -a "$STACKC_SECRET_DB_PASSWORD" ping'"#.to_string()
    ));
    let docker_api = exec_start(&read(&b, "docker/out/units/s-api.service"));
    assert!(docker_api.contains(&"--entrypoint=/bin/sh".to_string()));
    assert_eq!(
        after(&docker_api, "docker.io/library/busybox:1.37"),
        [
            "-c",
            r#"exec app --token "$STACKC_SECRET_API_TOKEN_" --header 'Authorization: Bearer '"$STACKC_SECRET_API_TOKEN_""#
        ]
    );

    // No value in any file.
    let mut files = 0;
    for sub in ["podman/out", "docker/out"] {
        for f in walk(&out(&b, sub)) {
            let text = std::fs::read_to_string(&f).unwrap();
            files += 1;
            for (k, v) in &b.values {
                assert!(!text.contains(v.as_str()), "{k}'s value in {}", f.display());
            }
        }
    }
    assert!(files >= 15, "{files} files");
}

/// The units read back by systemd, the Quadlet files by Podman's generator, and the argv each
/// container would run played with the values in the environment.
#[test]
fn the_consumers_read_them_back_and_the_container_sees_the_values() {
    let b = build();
    for rt in ["podman", "docker"] {
        let dir = out(&b, &format!("{rt}/out/units"));
        let names: Vec<String> = walk(&dir)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "service"))
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        let v = Command::new("/usr/bin/systemd-analyze")
            .args(["verify", "--man=no"])
            .args(&names)
            .current_dir(&dir)
            .output()
            .unwrap();
        let text =
            String::from_utf8_lossy(&v.stderr).into_owned() + &String::from_utf8_lossy(&v.stdout);
        assert!(v.status.success(), "{rt}: {text}");
        for word in ["Unknown key", "Invalid", "Failed"] {
            assert!(!text.contains(word), "{rt}: {text}");
        }
    }

    let stubs = stubs(b.dir.path());
    // Quadlet, through the generator's `podman run` lines.
    let generated = quadlet_dry_run(&out(&b, "podman/out/quadlet"));
    for (unit, expect_run, expect_health) in expected(&b) {
        let argv = &generated[&format!("s-{unit}.service")];
        let env = quadlet_env(&b, argv);
        let (run, health) = container_argvs(argv, true);
        assert_eq!(play(&run, &env, &stubs), expect_run, "quadlet {unit}");
        assert_eq!(play(&health, &env, &stubs), expect_health, "quadlet {unit}");
        // The host's argv holds the variables' names only.
        for v in b.values.values() {
            assert!(!argv.iter().any(|a| a.contains(v.as_str())));
        }
    }
    // Plain units, through their `ExecStart=` and the env file written from the template.
    for (rt, podman) in [("podman", true), ("docker", false)] {
        for (unit, expect_run, expect_health) in expected(&b) {
            let argv = exec_start(&read(&b, &format!("{rt}/out/units/s-{unit}.service")));
            let template = read(&b, &format!("{rt}/out/units/{unit}.env.template"));
            let env = env_file(&b, &template);
            let (run, health) = container_argvs(&argv, podman);
            assert_eq!(play(&run, &env, &stubs), expect_run, "{rt} {unit}");
            assert_eq!(play(&health, &env, &stubs), expect_health, "{rt} {unit}");
        }
    }
}

/// What each service's programs must receive: `(service, process, health check)`.
fn expected(b: &Built) -> Vec<(&'static str, String, String)> {
    let pw = &b.values["DB_PASSWORD"];
    let token = &b.values["API_TOKEN"];
    vec![
        (
            "db",
            format!("redis-server|--requirepass|{pw}|--save||"),
            format!("redis-cli|-a|{pw}|ping|"),
        ),
        (
            "api",
            format!("app|--token|{token}|--header|Authorization: Bearer {token}|"),
            format!("wget|-q|--header|X-Token: {token}|http://localhost:8080/healthz|"),
        ),
    ]
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn exec_start(unit: &str) -> Vec<String> {
    let raw: Vec<String> = ini::parse(unit)
        .unwrap()
        .into_iter()
        .filter(|(_, k, _)| k == "ExecStart")
        .map(|(_, _, v)| v)
        .collect();
    assert_eq!(raw.len(), 1);
    ini::unquote_words(&raw[0], true).unwrap()
}

/// The arguments after the image.
fn after<'a>(argv: &'a [String], image: &str) -> &'a [String] {
    let i = argv.iter().position(|a| a == image).unwrap();
    &argv[i + 1..]
}

/// Programs that print their name and arguments, each followed by `|`.
fn stubs(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["redis-server", "redis-cli", "app", "wget"] {
        let p = bin.join(name);
        std::fs::write(&p, "#!/bin/sh\nprintf '%s|' \"${0##*/}\" \"$@\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

/// Each unit's `ExecStart=` argv, from `quadlet -dryrun` over the Quadlet files.
fn quadlet_dry_run(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let quadlet = root().join("target/validators/quadlet/usr/libexec/podman/quadlet");
    let r = Command::new(&quadlet)
        .arg("-dryrun")
        .env("QUADLET_UNIT_DIRS", dir)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo xtask install-tools)", quadlet.display()));
    assert!(r.status.success(), "{r:?}");
    let text = String::from_utf8(r.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        !stderr.to_lowercase().contains("error") && !stderr.to_lowercase().contains("warn"),
        "{stderr}"
    );
    let mut out = BTreeMap::new();
    let mut unit = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("---").and_then(|l| l.strip_suffix("---")) {
            unit = name.to_string();
        } else if let Some(v) = line.strip_prefix("ExecStart=") {
            // The generator's own specifiers (`--cidfile=%t/%N.cid`, `%E/...`), as systemd
            // would fill them in.
            let v = v
                .replace("%t", "/run/user/1000")
                .replace("%N", "unit")
                .replace("%E", "/home/u/.config");
            out.insert(unit.clone(), ini::unquote_words(&v, true).unwrap());
        }
    }
    out
}

/// The container's environment from `--secret NAME,type=env,target=VAR` (the podman secret
/// `s-<secret>` holds the `.env` value of that secret).
fn quadlet_env(b: &Built, argv: &[String]) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for w in argv.windows(2).filter(|w| w[0] == "--secret") {
        let (name, rest) = w[1].split_once(',').unwrap();
        let var = rest.strip_prefix("type=env,target=").unwrap();
        let key = name
            .strip_prefix("s-")
            .unwrap()
            .replace('-', "_")
            .to_uppercase();
        env.push((var.to_string(), b.values[&key].clone()));
    }
    env
}

/// The env file `envsubst` writes from a template: `KEY=${ENV}` lines with the values.
fn env_file(b: &Built, template: &str) -> Vec<(String, String)> {
    template
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            let name = v
                .strip_prefix("${")
                .and_then(|v| v.strip_suffix('}'))
                .unwrap();
            (k.to_string(), b.values[name].clone())
        })
        .collect()
}

/// The container's process and health-check argvs from a `podman run`/`docker run` argv.
fn container_argvs(argv: &[String], podman: bool) -> (Vec<String>, Vec<String>) {
    let image = argv
        .iter()
        .position(|a| a.starts_with("docker.io/"))
        .unwrap();
    let option = |name: &str| -> Option<String> {
        argv[..image].iter().enumerate().find_map(|(i, a)| {
            a.strip_prefix(&format!("{name}="))
                .map(str::to_string)
                .or_else(|| (a == name).then(|| argv[i + 1].clone()))
        })
    };
    let json = |s: String| -> Vec<String> { serde_json::from_str(&s).unwrap() };
    let mut run: Vec<String> = match option("--entrypoint") {
        Some(ep) if podman => json(ep),
        Some(ep) => vec![ep],
        None => Vec::new(),
    };
    run.extend(argv[image + 1..].iter().cloned());
    let health = option("--health-cmd").unwrap();
    let health = if podman {
        json(health)
    } else {
        // docker runs a health command given as a string with `/bin/sh -c`.
        vec!["/bin/sh".into(), "-c".into(), health]
    };
    (run, health)
}

/// Runs an argv as the container would, with `env` set and the stubs first on `PATH`.
fn play(argv: &[String], env: &[(String, String)], stubs: &Path) -> String {
    let r = Command::new(&argv[0])
        .args(&argv[1..])
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", stubs.display()))
        .env("HOME", "/nonexistent")
        .envs(env.iter().cloned())
        .output()
        .unwrap();
    assert!(r.status.success(), "{argv:?}: {r:?}");
    String::from_utf8(r.stdout).unwrap()
}
