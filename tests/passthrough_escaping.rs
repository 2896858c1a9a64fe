//! Untrusted text reaching generated files: every literal written into compose keeps its `$`
//! (checked by the real `docker compose config` with a marker variable set), and nothing a
//! spec says can add lines to generated files or run a command through a pasted path.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

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
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.yaml"), DOLLARS).unwrap();
    // The build context exists (`build` refuses a missing one), named with a literal `$`.
    let context = dir.path().join("src$STACKC_MARK");
    std::fs::create_dir_all(&context).unwrap();
    std::fs::write(context.join("Dockerfile"), "FROM busybox:1.37.0\n").unwrap();
    let out = stackc_in(
        dir.path(),
        &["build", "stack.yaml", "--target", "compose", "-o", "out"],
    );
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

/// A spec whose `web` service gets `fields` (YAML lines at 8 spaces) through
/// `targets.compose.services.web`, after the spec lines `service` (at 4 spaces).
fn passthrough_spec(service: &str, fields: &str, tail: &str) -> String {
    format!(
        "stack: pt
services:
  web:
    image: nginx:1.27.3
{service}targets:
  compose:
    services:
      web:
{fields}{tail}"
    )
}

/// `stackc lint --env ENV --format json` of `spec`: exit code and `code line:col` list.
fn lint_codes(spec: &str, env: &str) -> (Option<i32>, Vec<String>, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.yaml"), spec).unwrap();
    let out = stackc_in(
        dir.path(),
        &["lint", "stack.yaml", "--env", env, "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code(), codes_at(&out.stdout), v)
}

#[test]
fn dangerous_passthrough_fields_are_the_findings_a_compose_file_gets() {
    let fields = "        volumes: [\"/:/host\", \"/var/run/docker.sock:/var/run/docker.sock\"]
        pid: host
        ipc: host
        network_mode: host
        devices: [\"/dev/sda:/dev/sda\"]
";
    let spec = passthrough_spec("", fields, "");
    let (code, codes, json) = lint_codes(&spec, "dev");
    assert_eq!(code, Some(1));
    let at_fields: Vec<&String> = codes
        .iter()
        .filter(|c| c.ends_with(":9") && !c.contains(" 3:"))
        .collect();
    assert_eq!(
        at_fields,
        [
            "STK503 9:9",
            "STK503 9:9",
            "STK607 10:9",
            "STK607 11:9",
            "STK903 12:9",
            "STK609 13:9"
        ],
        "{codes:?}"
    );
    let severity = |code: &str| -> Vec<String> {
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == code)
            .map(|d| d["severity"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(severity("STK903"), ["error"]);
    assert_eq!(severity("STK607"), ["error", "error"]);
    // The same fields written in a compose file get the same codes.
    assert_eq!(at_fields_of_compose(fields, "dev"), codes_only(&at_fields));
    // In prod, host binds are refused (STK032) and namespaces are errors, as in a compose file.
    let (code, codes, _) = lint_codes(&spec, "prod");
    assert_eq!(code, Some(1));
    let at_fields: Vec<&String> = codes.iter().filter(|c| !c.contains(" 3:")).collect();
    assert_eq!(
        at_fields,
        [
            "STK032 9:9",
            "STK032 9:9",
            "STK503 9:9",
            "STK503 9:9",
            "STK607 10:9",
            "STK607 11:9",
            "STK903 12:9",
            "STK609 13:9"
        ],
        "{codes:?}"
    );
    // A compose file reports every finding beside the refused binds, and so does the spec.
    assert_eq!(at_fields_of_compose(fields, "prod"), codes_only(&at_fields));
    let spec = passthrough_spec("", "        pid: host\n", "");
    let (_, codes, json) = lint_codes(&spec, "prod");
    assert!(codes.contains(&"STK607 9:9".to_string()), "{codes:?}");
    let prod: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "STK607")
        .map(|d| &d["severity"])
        .collect();
    assert_eq!(prod, ["error"]);
}

/// The sorted codes of a `code line:col` list.
fn codes_only(codes: &[&String]) -> Vec<String> {
    let mut c: Vec<String> = codes
        .iter()
        .map(|c| c.split(' ').next().unwrap().to_string())
        .collect();
    c.sort();
    c
}

/// The sorted codes `stackc lint` gives `fields` written in a compose file's service, apart
/// from those at the service name.
fn at_fields_of_compose(fields: &str, env: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!(
            "services:\n  web:\n    image: nginx:1.27.3\n{}",
            fields.replace("        ", "    ")
        ),
    )
    .unwrap();
    let out = stackc_in(
        dir.path(),
        &["lint", "compose.yaml", "--env", env, "--format", "json"],
    );
    let codes = codes_at(&out.stdout);
    let at: Vec<&String> = codes.iter().filter(|c| !c.contains(" 2:")).collect();
    codes_only(&at)
}

#[test]
fn passthrough_findings_block_the_build_and_can_be_suppressed() {
    let spec = passthrough_spec("", "        pid: host\n", "");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.yaml"), &spec).unwrap();
    let (code, codes) = build_codes(dir.path(), "compose");
    assert_eq!(code, Some(1));
    assert!(codes.contains(&"STK607 9:9".to_string()), "{codes:?}");
    assert!(!dir.path().join("out").exists());
    let spec = format!("{spec}lint:\n  ignore: {{ STK607: \"a debugging sidecar\" }}\n");
    std::fs::write(dir.path().join("stack.yaml"), &spec).unwrap();
    let (code, _) = build_codes(dir.path(), "compose");
    assert_eq!(code, Some(0));
}

#[test]
fn passthrough_fields_that_conflict_with_generated_ones_are_refused() {
    let ignore =
        "lint:\n  ignore: { STK903: \"the conflict is what is tested\", STK607: \"tested\" }\n";
    let cases = [
        (
            "    networks: [back]\n",
            "        network_mode: host\n",
            "networks:\n  back: {}\n",
            "STK044 10:9",
        ),
        (
            "    ports: [{ port: 8080, expose: loopback }]\n",
            "        network_mode: host\n",
            "",
            "STK044 10:9",
        ),
        (
            "",
            "        network_mode: host\n        ports: [\"8080:8080\"]\n",
            "",
            "STK044 10:9",
        ),
        (
            "    security: { host_namespaces: [pid] }\n",
            "        pid: host\n",
            "",
            "STK044 10:9",
        ),
        (
            "    resources: { memory: 64Mi }\n",
            "        deploy: { resources: { limits: { memory: 1g } } }\n",
            "",
            "STK044 10:9",
        ),
    ];
    for (service, fields, tail, want) in cases {
        let spec = passthrough_spec(service, fields, &format!("{tail}{ignore}"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("stack.yaml"), &spec).unwrap();
        let (code, codes) = build_codes(dir.path(), "compose");
        assert_eq!(code, Some(1), "{spec}\n{codes:?}");
        assert!(codes.contains(&want.to_string()), "{spec}\n{codes:?}");
        assert!(!dir.path().join("out").exists(), "nothing is written");
    }
}

#[test]
fn accepted_passthrough_fields_pass_docker_compose_config() {
    let fields = r#"        container_name: pt-web
        logging: { driver: json-file, options: { max-size: 10m } }
        ulimits: { nofile: { soft: 1024, hard: 2048 } }
        extra_hosts: ["db.local:10.0.0.2"]
        network_mode: host
        stop_grace_period: 30s
        healthcheck: { start_interval: 2s }
"#;
    let spec = passthrough_spec(
        "    health: { cmd: [true] }\n    resources: { memory: 64Mi }\n",
        fields,
        "lint:\n  ignore: { STK903: \"a host-network proxy\" }\n",
    );
    let (dir, out) = build(&spec);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let config = compose_config(&dir.path().join("out"))
        .unwrap_or_else(|e| panic!("docker compose config rejects the output:\n{e}"));
    for field in [
        "container_name: pt-web",
        "network_mode: host",
        "max-size: 10m",
        "start_interval: 2s",
    ] {
        assert!(config.contains(field), "`{field}` missing in:\n{config}");
    }
}

/// Every file under `dir` named `name`.
fn files_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_name() == name {
            found.push(p.clone());
        }
        if p.is_dir() && !p.is_symlink() {
            found.extend(files_named(&p, name));
        }
    }
    found
}

/// The lines of `text` that paste a path of the project into a command.
fn path_commands(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains("realpath") || l.starts_with("set -a"))
        .map(str::to_string)
        .collect()
}

#[test]
fn paths_in_readme_and_printed_commands_run_nothing_and_comments_stay_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("$(touch pwned)");
    std::fs::create_dir_all(project.join("data")).unwrap();
    std::fs::write(
        project.join("stack.yaml"),
        "stack: sh
secrets:
  token: { generate: { length: 16 } }
variables:
  greeting: { default: \"hi\\nINJECTED=1\", from_env: GREETING }
services:
  web:
    image: nginx:1.27.3
    env: { TOKEN: \"${secrets.token}\" }
    volumes: [./data:/data]
",
    )
    .unwrap();
    std::fs::write(project.join(".env"), "TOKEN=x\n").unwrap();
    let out = stackc_in(
        dir.path(),
        &[
            "build",
            "$(touch pwned)/stack.yaml",
            "--target",
            "quadlet,compose",
            "-o",
            "out",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let quadlet = dir.path().join("out/quadlet");
    let readme = std::fs::read_to_string(quadlet.join("README.md")).unwrap();
    let printed = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut lines = path_commands(&readme);
    lines.extend(path_commands(&printed));
    assert_eq!(lines.len(), 4, "README:\n{readme}\nprinted:\n{printed}");
    let dest = dir.path().join("dest");
    std::fs::create_dir_all(&dest).unwrap();
    for line in &lines {
        let status = Command::new("sh")
            .arg("-c")
            .arg(line)
            .env("dest", &dest)
            .current_dir(&quadlet)
            .status()
            .unwrap();
        assert!(status.success(), "`{line}` failed");
    }
    assert_eq!(files_named(dir.path(), "pwned"), Vec::<PathBuf>::new());
    // The link the README makes points at the project.
    assert_eq!(
        std::fs::canonicalize(dest.join("project")).unwrap(),
        project.canonicalize().unwrap()
    );
    let example = std::fs::read_to_string(dir.path().join("out/compose/.env.example")).unwrap();
    assert!(
        example.lines().all(|l| !l.starts_with("INJECTED")),
        "{example}"
    );
    assert!(
        example.contains("(default: `hi\\nINJECTED=1`)"),
        "{example}"
    );
}

#[test]
fn import_moves_a_literal_credential_out_of_every_place_or_says_where_it_stayed() {
    const TOKEN: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let dir = tempfile::tempdir().unwrap();
    let compose = format!(
        r#"x-common: &common
  environment:
    GITHUB_TOKEN: {TOKEN}
x-notify:
  url: "https://hooks.example.com/?token={TOKEN}"
services:
  bot:
    <<: *common
    image: ghcr.io/acme/bot:1.2.3
    command: ["bot", "--token", "{TOKEN}"]
    entrypoint: "/bin/sh -c 'exec \"$$@\"' --token={TOKEN}"
    healthcheck:
      test: ["CMD", "bot", "ping", "--token={TOKEN}"]
    labels:
      acme.token: {TOKEN}
    logging:
      driver: splunk
      options:
        splunk-token: {TOKEN}
"#
    );
    std::fs::write(dir.path().join("docker-compose.yml"), compose).unwrap();
    let out = stackc_in(
        dir.path(),
        &["import", "docker-compose.yml", "-o", "stack.yaml"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let spec = std::fs::read_to_string(dir.path().join("stack.yaml")).unwrap();
    let report = String::from_utf8_lossy(&out.stderr);
    // Only the label keeps the value (a label cannot read a secret), and the report says so.
    let kept: Vec<&str> = spec
        .lines()
        .filter(|l| l.contains(TOKEN) && !l.starts_with('#'))
        .collect();
    assert_eq!(kept, [format!("      acme.token: {TOKEN}")], "{spec}");
    assert!(
        report.contains("docker-compose.yml:15:19: approximated `services.bot.labels.acme.token`: a literal credential (the value of secret `github_token`) stays here"),
        "{report}"
    );
    for moved in [
        "    - ${secrets.github_token}\n",
        "      - --token=${secrets.github_token}\n",
        "          GITHUB_TOKEN: ${GITHUB_TOKEN}\n",
        "        url: https://hooks.example.com/?token=${GITHUB_TOKEN}\n",
        "            splunk-token: ${GITHUB_TOKEN}\n",
    ] {
        assert!(spec.contains(moved), "`{moved}` missing in:\n{spec}");
    }
    // The health check and the entrypoint.
    assert_eq!(
        spec.matches("--token=${secrets.github_token}").count(),
        2,
        "{spec}"
    );
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert_eq!(env.matches(TOKEN).count(), 1, "{env}");
    // The spec builds, and compose reads the moved value from `.env`.
    let build = stackc_in(
        dir.path(),
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
    assert_eq!(build.status.code(), Some(0), "{build:?}");
    std::fs::copy(dir.path().join(".env"), dir.path().join("out/.env")).unwrap();
    let out_dir = dir.path().join("out");
    let config = Command::new(compose_bin())
        .arg("-f")
        .arg(out_dir.join("compose.yaml"))
        .arg("config")
        .current_dir(&out_dir)
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .unwrap();
    assert!(config.status.success(), "{config:?}");
    let config = String::from_utf8_lossy(&config.stdout);
    assert!(
        config.contains(&format!("splunk-token: {TOKEN}")),
        "{config}"
    );
}

#[test]
fn compose_only_mounts_of_host_paths_are_refused_in_prod() {
    // A home directory path and an SELinux-labelled absolute path stay compose syntax (the
    // stack spec has neither); a prod build must still stop at them, located at the field.
    let fields = "        volumes: [\"~/.app/config:/config\", \"/srv/data:/data:Z\", \"./conf:/conf:z\", \"/cache:ro\"]\n";
    let spec = passthrough_spec("", fields, "");
    let (code, codes, json) = lint_codes(&spec, "prod");
    assert_eq!(code, Some(1));
    let refused: Vec<&String> = codes.iter().filter(|c| c.starts_with("STK032")).collect();
    assert_eq!(refused, ["STK032 9:9", "STK032 9:9"], "{codes:?}");
    let messages: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "STK032")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "host bind mount `/srv/data` in service `web` is not allowed in a prod environment",
            "host bind mount `~/.app/config` in service `web` is not allowed in a prod environment"
        ]
    );
    // Dev runs them as written.
    let (_, codes, _) = lint_codes(&spec, "dev");
    assert!(!codes.iter().any(|c| c.starts_with("STK032")), "{codes:?}");
}
