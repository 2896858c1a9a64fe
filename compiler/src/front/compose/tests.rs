//! Unit tests of the compose frontend on small inline files.

use std::path::Path;

use indexmap::IndexMap;

use super::*;
use crate::syntax::forms::{CommandSpec, DependsOnSpec, MountSpec, PortSpec};
use crate::syntax::spec::StackSpec;

fn read_text(text: &str, mode: Mode) -> Frontend {
    read(
        "compose.yaml",
        text.as_bytes(),
        Path::new("/nonexistent/proj"),
        &ParseOptions::default(),
        mode,
    )
    .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()))
}

fn spec(text: &str) -> StackSpec {
    read_text(text, Mode::Import).spec
}

/// The compose-only fields of each service (`targets.compose.services`).
fn compose_only(s: &StackSpec) -> IndexMap<String, IndexMap<String, serde_json::Value>> {
    s.targets
        .as_ref()
        .and_then(|t| t.compose.as_ref())
        .map(|c| {
            c.services
                .iter()
                .map(|(k, v)| {
                    let fields = v.iter().map(|(f, x)| (f.value.clone(), x.clone()));
                    (k.value.clone(), fields.collect())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn env<'a>(s: &'a StackSpec, svc: &str, key: &str) -> &'a str {
    &s.services[svc].env[key].value
}

#[test]
fn interpolated_credentials_become_secrets_and_the_rest_variables() {
    let s = spec(
        "services:\n  db:\n    image: postgres:17.2\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASS}\n      URL: postgres://u:${DB_TOKEN}@db/x\n      MODE: ${MODE:-prod}\n      NEED: ${NEED:?set it}\n      COST: 5$$\n",
    );
    assert_eq!(env(&s, "db", "POSTGRES_PASSWORD"), "${secrets.pg_pass}");
    assert_eq!(
        env(&s, "db", "URL"),
        "postgres://u:${secrets.db_token}@db/x"
    );
    assert_eq!(env(&s, "db", "MODE"), "${vars.MODE}");
    assert_eq!(env(&s, "db", "COST"), "5$$");
    let pg = &s.secrets["pg_pass"];
    assert_eq!(
        pg.from_env.as_ref().map(|v| v.value.as_str()),
        Some("PG_PASS")
    );
    assert_eq!(pg.optional.as_ref().map(|v| v.value), Some(true));
    let mode = &s.variables["MODE"];
    assert_eq!(
        mode.default.as_ref().map(|v| v.value.as_str()),
        Some("prod")
    );
    let need = &s.variables["NEED"];
    assert_eq!(need.required.as_ref().map(|v| v.value), Some(true));
}

#[test]
fn literal_credentials_move_out_on_import_and_stay_for_lint() {
    let text = "services:\n  db:\n    image: mysql:8.4\n    environment:\n      MYSQL_PASSWORD: hunter2hunter2\n";
    let imported = read_text(text, Mode::Import);
    assert_eq!(
        env(&imported.spec, "db", "MYSQL_PASSWORD"),
        "${secrets.mysql_password}"
    );
    assert_eq!(
        imported.moved_secrets,
        vec![("MYSQL_PASSWORD".to_string(), "hunter2hunter2".to_string())]
    );
    let linted = read_text(text, Mode::Lint);
    assert_eq!(env(&linted.spec, "db", "MYSQL_PASSWORD"), "hunter2hunter2");
    assert!(linted.moved_secrets.is_empty());
}

#[test]
fn completion_dependencies_make_jobs() {
    let s = spec(
        "services:\n  setup:\n    image: busybox:1.36.1\n    restart: \"no\"\n  app:\n    image: busybox:1.36.1\n    depends_on:\n      setup:\n        condition: service_completed_successfully\n",
    );
    assert_eq!(
        s.services["setup"].kind.as_ref().map(|k| k.value.as_str()),
        Some("job")
    );
    assert!(s.services["app"].kind.is_none());
    match &s.services["app"].depends_on.as_ref().unwrap().value {
        DependsOnSpec::Map(m) => assert_eq!(m[0].1.value, "completed"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn exposure_follows_the_published_address() {
    let s = spec(
        "services:\n  a:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:81:80\", \"8443:443\", \"[::1]:9000:9000\", \"3000\"]\n    expose: [\"7000\"]\n",
    );
    let ports: Vec<(u32, String, Option<u32>, Option<String>)> = s.services["a"]
        .ports
        .iter()
        .map(|p| match &p.value {
            PortSpec::Long(l) => (
                l.port.value,
                l.expose
                    .as_ref()
                    .map(|e| e.value.clone())
                    .unwrap_or_default(),
                l.host_port.as_ref().map(|h| h.value),
                l.host_ip.as_ref().map(|h| h.value.clone()),
            ),
            PortSpec::Short(n) => (n.value, "internal".into(), None, None),
        })
        .collect();
    assert_eq!(
        ports,
        vec![
            (80, "loopback".into(), Some(81), None),
            (443, "public".into(), Some(8443), None),
            (9000, "loopback".into(), None, Some("::1".into())),
            (3000, "public".into(), Some(0), None),
            (7000, "internal".into(), None, None),
        ]
    );
}

#[test]
fn string_commands_are_split_like_compose_and_tests_keep_their_shell() {
    let s = spec(
        "services:\n  a:\n    image: busybox:1.36.1\n    command: sh -c 'echo \"a b\"'\n    healthcheck:\n      test: wget -q -O- http://localhost || exit 1\n",
    );
    match &s.services["a"].command.as_ref().unwrap().value {
        CommandSpec::Exec(args) => {
            let args: Vec<&str> = args.iter().map(|a| a.value.as_str()).collect();
            assert_eq!(args, ["sh", "-c", "echo \"a b\""]);
        }
        other => panic!("{other:?}"),
    }
    match &s.services["a"]
        .health
        .as_ref()
        .unwrap()
        .cmd
        .as_ref()
        .unwrap()
        .value
    {
        CommandSpec::Shell(t) => assert_eq!(t.value, "wget -q -O- http://localhost || exit 1"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn extends_merges_like_compose() {
    let s = spec(
        "services:\n  base:\n    image: busybox:1.36.1\n    environment: [A=1, B=2]\n    volumes: [\"./a:/data\", \"./x:/x\"]\n    command: [base]\n  app:\n    extends: base\n    environment:\n      B: \"3\"\n    volumes: [\"./b:/data\"]\n    command: [app]\n",
    );
    let app = &s.services["app"];
    assert_eq!(env(&s, "app", "A"), "1");
    assert_eq!(env(&s, "app", "B"), "3");
    // Project binds are the `dev` environment's (see the binds test).
    assert!(app.volumes.is_empty());
    let dev = s
        .environments
        .iter()
        .find(|(k, _)| k.value == "dev")
        .unwrap()
        .1;
    let mounts: Vec<&str> = dev.services["app"]
        .volumes
        .iter()
        .map(|m| match &m.value {
            MountSpec::Short(t) => t.value.as_str(),
            MountSpec::Long(_) => "long",
        })
        .collect();
    assert_eq!(mounts, ["./b:/data", "./x:/x"]);
    match &app.command.as_ref().unwrap().value {
        CommandSpec::Exec(a) => assert_eq!(a[0].value, "app"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn extension_fields_are_carried_for_compose() {
    let s = spec(
        "x-top: {a: 1}\nservices:\n  a:\n    image: busybox:1.36.1\n    x-owner: me\n    container_name: box\n",
    );
    let c = s.targets.as_ref().and_then(|t| t.compose.as_ref()).unwrap();
    assert_eq!(c.extensions["x-top"], serde_json::json!({"a": 1}));
    let fields = &c.services["a"];
    assert_eq!(fields["x-owner"], serde_json::json!("me"));
    assert_eq!(fields["container_name"], serde_json::json!("box"));
}

#[test]
fn nothing_is_dropped_silently_and_compose_keeps_it() {
    let fe = read_text(
        "services:\n  a:\n    image: busybox:1.36.1\n    networks:\n      n:\n        ipv4_address: 10.0.0.2\nnetworks:\n  n: {}\n",
        Mode::Import,
    );
    let paths: Vec<&str> = fe.report.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["services.a.networks.n"]);
    let kept = &fe
        .spec
        .targets
        .as_ref()
        .unwrap()
        .compose
        .as_ref()
        .unwrap()
        .services["a"];
    assert_eq!(
        kept["networks"],
        serde_json::json!({"n": {"ipv4_address": "10.0.0.2"}})
    );
}

#[test]
fn compose_file_names() {
    for n in [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.override.yml",
        "compose.prod.yaml",
        "api.compose.yaml",
        // Names real projects give their files (the realworld corpus).
        "docker-compose-queue-prebuilt.yml",
        "docker-compose-postgres.yml",
        "docker-compose.deploy.yml",
        "docker-compose.example.yaml",
        "compose.database.yml",
        "compose-dev.yaml",
        "docker-compose_prod.yml",
        "filebeat-compose.yml",
        "podman-compose.yml",
        "Docker-Compose.YML",
    ] {
        assert!(is_compose_file_name(n), "{n}");
    }
    for n in [
        "stack.yaml",
        "composer.yaml",
        "compose.json",
        "composed.yaml",
        "docker-composer.yml",
        "-compose.yml",
        "compose.yaml.bak",
    ] {
        assert!(!is_compose_file_name(n), "{n}");
    }
}

/// A file named neither like a spec nor like a compose file is read by its top-level keys
/// (the realworld corpus: frappe's `pwd.yml`, kafka-stack's `full-stack.yml`).
#[test]
fn compose_content_is_recognised_whatever_the_name() {
    for (text, compose) in [
        ("services:\n  web:\n    image: nginx\n", true),
        (
            "# frappe\n---\nname: x\nservices:\n  a:\n    deploy: {}\n",
            true,
        ),
        ("include:\n  - other.yml\n", true),
        ("\"services\":\n  web: {}\n", true),
        ("stack: shop\nservices:\n  web:\n    image: nginx\n", false),
        ("services:\n  web: {}\nenvironments:\n  prod: {}\n", false),
        ("variables:\n  a: {}\nservices: {}\n", false),
        ("volumes:\n  data: {}\n", false),
        ("{services: {web: {image: nginx}}}\n", false),
        ("", false),
    ] {
        assert_eq!(looks_like_compose(text.as_bytes()), compose, "{text}");
    }
}

/// Real compose files merge one shared block into every service: an anchor used 150 times
/// is read (the alias-to-anchor ratio heuristic would refuse it).
#[test]
fn an_anchor_used_150_times_is_read() {
    let mut text = String::from("x-defaults: &defaults\n  restart: unless-stopped\nservices:\n");
    for i in 0..150 {
        text.push_str(&format!(
            "  s{i}:\n    <<: *defaults\n    image: nginx:1.27.3\n"
        ));
    }
    let s = spec(&text);
    assert_eq!(s.services.len(), 150);
    assert_eq!(
        s.services["s149"].restart.as_ref().unwrap().value,
        "unless-stopped"
    );
}

/// An anchor used past the per-anchor budget is refused with a message that names that
/// budget, located on a character of the file even when the limit is reached at its end.
#[test]
fn an_anchor_past_its_budget_is_refused_with_the_budget_named() {
    let opts = ParseOptions {
        max_uses_per_anchor: 3,
        ..Default::default()
    };
    let text = "x: &d {a: b}\nservices:\n  s:\n    image: i\n    labels: [*d, *d, *d, *d]";
    let err = read(
        "compose.yaml",
        text.as_bytes(),
        Path::new("/nonexistent/proj"),
        &opts,
        Mode::Lint,
    )
    .err()
    .expect("refused");
    assert_eq!(err[0].code, "STK004");
    assert_eq!(
        err[0].message,
        "an anchor is used more than 3 times (`*name` of one `&name`)"
    );
    let span = err[0].primary.as_ref().expect("located").span;
    assert!(span.end as usize <= text.len(), "{span:?}");
}

fn lint_spec(text: &str) -> StackSpec {
    read_text(text, Mode::Lint).spec
}

fn report_of(text: &str) -> String {
    let fe = read_text(text, Mode::Import);
    fe.report.render(&fe.file)
}

/// A variable with no default is chosen when compose runs: the image, the port and the
/// restart policy keep what was written, never an empty substitution.
#[test]
fn variables_without_default_are_kept_as_written() {
    let text = "services:\n  web:\n    image: nginx:${NGINX_TAG}\n    restart: ${RESTART_POLICY}\n    ports:\n      - \"${HTTP_PORT}:80\"\n      - \"8443:443\"\n";
    let s = spec(text);
    let web = &s.services["web"];
    assert_eq!(web.image.as_ref().unwrap().value, "nginx:${vars.NGINX_TAG}");
    // A restart policy taken from one variable is that variable of the stack.
    assert_eq!(
        web.restart.as_ref().unwrap().value,
        "${vars.RESTART_POLICY}"
    );
    // The port chosen at run time stays a compose port as written; the literal one is the
    // spec's.
    assert_eq!(web.ports.len(), 1);
    let kept = &s
        .targets
        .as_ref()
        .unwrap()
        .compose
        .as_ref()
        .unwrap()
        .services["web"];
    assert_eq!(kept["ports"], serde_json::json!(["${HTTP_PORT}:80"]));
    let report = report_of(text);
    assert!(report.contains("`${HTTP_PORT}` has no default"), "{report}");
    assert!(
        report.contains("`${RESTART_POLICY}` has no default"),
        "{report}"
    );
}

/// An error about a port quotes what the file says, not what interpolation made of it.
#[test]
fn a_bad_port_error_quotes_what_was_written() {
    let err = read(
        "compose.yaml",
        b"services:\n  web:\n    image: nginx:1.27.3\n    ports:\n      - \"${HOST_PORT:-x}:80\"\n",
        Path::new("/nonexistent/proj"),
        &ParseOptions::default(),
        Mode::Lint,
    )
    .err()
    .expect("refused");
    assert_eq!(err[0].code, "STK072");
    assert!(
        err[0]
            .message
            .starts_with("invalid port `${HOST_PORT:-x}:80`"),
        "{}",
        err[0].message
    );
}

/// Build arguments taken from the environment stay compose's, beside the spec's build.
#[test]
fn build_arguments_from_the_environment_stay_for_compose() {
    let s = spec(
        "services:\n  es:\n    build:\n      context: ./es\n      args:\n        ELASTIC_VERSION: ${ELASTIC_VERSION}\n",
    );
    let b = s.services["es"].build.as_ref().unwrap();
    assert_eq!(b.context.as_ref().unwrap().value, "./es");
    assert!(b.args.is_empty());
    let kept = &compose_only(&s)["es"];
    assert_eq!(
        kept["build"],
        serde_json::json!({"args": {"ELASTIC_VERSION": "${ELASTIC_VERSION}"}})
    );
}

/// A port both exposed and published is one port, whichever key comes first.
#[test]
fn expose_and_ports_of_one_port_are_no_conflict() {
    let s = spec(
        "services:\n  chat:\n    image: chat:1.0\n    expose:\n      - 3000\n      - 9458\n    ports:\n      - \"3000:3000\"\n",
    );
    let ports: Vec<u32> = s.services["chat"]
        .ports
        .iter()
        .map(|p| p.value.key().0)
        .collect();
    assert_eq!(ports, vec![3000, 9458]);
}

/// `expose` that lists a published port keeps the list as written for compose; the spec's
/// internal ports are the others.
#[test]
fn expose_of_a_published_port_stays_as_written_for_compose() {
    let s = spec(
        "services:\n  nats:\n    image: nats:2.11\n    expose: [4222, \"8222\", 6222]\n    ports: [\"127.0.0.1:4222:4222\"]\n",
    );
    let ports: Vec<u32> = s.services["nats"]
        .ports
        .iter()
        .map(|p| p.value.key().0)
        .collect();
    assert_eq!(ports, vec![4222, 8222, 6222]);
    let kept = &compose_only(&s)["nats"];
    assert_eq!(kept["expose"], serde_json::json!([4222, "8222", 6222]));
    // Written back as the spec's internal ports, a plain list stays in the spec alone.
    let plain =
        spec("services:\n  nats:\n    image: nats:2.11\n    expose: [8222, \"6222/udp\"]\n");
    assert!(plain.targets.is_none());
}

/// A variable passed through (`KEY` alone) and also used with a default elsewhere: the
/// pass-through keeps a spec variable with no default, the other use reads another.
#[test]
fn a_passed_through_variable_keeps_no_default() {
    for (first, second) in [("a", "b"), ("b", "a")] {
        let svc = |n: &str| match n {
            "a" => "  a:\n    image: a:1\n    environment:\n      POLL_MS:\n".to_string(),
            _ => "  b:\n    image: b:1\n    command: run --poll ${POLL_MS:-300000}\n".to_string(),
        };
        let s = spec(&format!("services:\n{}{}", svc(first), svc(second)));
        let passed = env(&s, "a", "POLL_MS")
            .strip_prefix("${vars.")
            .and_then(|r| r.strip_suffix('}'))
            .unwrap();
        let v = &s.variables[passed];
        assert!(
            v.default.is_none() && v.required.is_none(),
            "{first}: {passed}"
        );
        assert_eq!(v.from_env.as_ref().unwrap().value, "POLL_MS");
        let defaults: Vec<&str> = s
            .variables
            .values()
            .filter_map(|v| v.default.as_ref().map(|d| d.value.as_str()))
            .collect();
        assert_eq!(defaults, ["300000"], "{first}");
    }
}

/// `app_protocol` of a long-syntax port is the spec port's; one Kubernetes would refuse keeps
/// the port for compose only, as written.
#[test]
fn app_protocol_of_a_port_is_kept() {
    let s = spec(
        "services:\n  zulip:\n    image: zulip:12.1\n    ports:\n      - { name: smtp, target: 25, published: 25, app_protocol: smtp }\n      - { target: 80, published: 80, app_protocol: \"HTTP/1.1\" }\n",
    );
    let ports = &s.services["zulip"].ports;
    assert_eq!(ports.len(), 1);
    match &ports[0].value {
        PortSpec::Long(l) => {
            assert_eq!(l.app_protocol.as_ref().unwrap().value, "smtp");
            assert_eq!(l.name.as_ref().unwrap().value, "smtp");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        compose_only(&s)["zulip"]["ports"],
        serde_json::json!([{"target": 80, "published": 80, "app_protocol": "HTTP/1.1"}])
    );
}

/// Services of profiles never run together may publish one host port: linting reads every
/// service, without a conflict.
#[test]
fn exclusive_profiles_may_share_a_host_port() {
    let text = "services:\n  app:\n    image: app:1.0\n    profiles: [split]\n    ports: [\"3000:3000\"]\n  aio:\n    image: aio:1.0\n    profiles: [allinone]\n    ports: [\"3000:3000\"]\n";
    let fe = read_text(text, Mode::Lint);
    let stack = crate::resolve::resolve(&fe.file, &fe.spec, "dev")
        .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()));
    assert_eq!(stack.services.len(), 2);
    // Imported, each profile is an environment, and `prod` is what runs without a profile.
    let s = spec(text);
    let envs: Vec<&str> = s.environments.keys().map(|k| k.value.as_str()).collect();
    assert_eq!(envs, vec!["dev", "prod", "split", "allinone"]);
}

/// `service_healthy` on a service with no health check in the file (its image may have a
/// HEALTHCHECK) is accepted: the spec waits for `started`, with a note, and compose keeps the
/// condition as written (`targets.compose`).
#[test]
fn healthy_dependency_on_a_service_without_check_is_accepted() {
    let text = "services:\n  server:\n    image: woodpeckerci/woodpecker-server:v3\n  agent:\n    image: woodpeckerci/woodpecker-agent:v3\n    depends_on:\n      server:\n        condition: service_healthy\n";
    let s = spec(text);
    match &s.services["agent"].depends_on.as_ref().unwrap().value {
        DependsOnSpec::Map(m) => assert_eq!(m[0].1.value, "started"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        compose_only(&s)["agent"]["depends_on"],
        serde_json::json!({"server": {"condition": "service_healthy"}})
    );
    assert!(report_of(text).contains(
        "`server` has no health check in the spec (its image may have one, which compose waits for): compose waits for it to be healthy"
    ));
}

/// The same on a health check kept for compose only (its timings come from variables).
#[test]
fn healthy_dependency_on_a_compose_only_check_stays_for_compose() {
    let text = "services:\n  redis:\n    image: valkey/valkey:8.1.9\n    healthcheck:\n      test: valkey-cli ping\n      interval: \"$HEALTHCHECK_INTERVAL\"\n  web:\n    image: web:1.0\n    depends_on:\n      redis:\n        condition: service_healthy\n";
    let s = spec(text);
    assert!(s.services["redis"].health.is_none());
    assert!(compose_only(&s)["redis"].contains_key("healthcheck"));
    assert_eq!(
        compose_only(&s)["web"]["depends_on"],
        serde_json::json!({"redis": {"condition": "service_healthy"}})
    );
    assert!(report_of(text).contains("its health check is kept for compose only"));
}

/// A dependency with `required: false` on a service of a profile (ghost's `tinybird-sync`):
/// every environment where both run waits for it; the others leave it out, as compose skips
/// it, with a report line naming them.
#[test]
fn optional_dependency_on_a_profile_service_holds_where_both_run() {
    let text = "services:\n  db:\n    image: mysql:8.4\n  ghost:\n    image: ghost:6\n    depends_on:\n      db:\n        condition: service_started\n      sync:\n        condition: service_completed_successfully\n        required: false\n  sync:\n    image: ghost:6\n    profiles: [analytics]\n";
    let fe = read_text(text, Mode::Import);
    assert_eq!(
        compose_only(&fe.spec)["ghost"]["depends_on"],
        serde_json::json!({"sync": {"condition": "service_completed_successfully", "required": false}})
    );
    let deps = |env: &str| -> Vec<String> {
        let stack = crate::resolve::resolve(&fe.file, &fe.spec, env)
            .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()));
        let ghost = stack
            .services
            .iter()
            .find(|s| s.name.value == "ghost")
            .unwrap();
        ghost
            .depends_on
            .iter()
            .map(|d| stack.service(d.service).name.value.clone())
            .collect()
    };
    assert_eq!(deps("dev"), vec!["db"]);
    assert_eq!(deps("prod"), vec!["db"]);
    assert_eq!(deps("analytics"), vec!["db", "sync"]);
    assert!(report_of(text).contains(
        "approximated `services.ghost.depends_on.sync`: optional dependency (`required: false`): left out in environments `dev`, `prod`, where `sync` does not run (compose skips it); where both run, every target waits for it"
    ), "{}", report_of(text));
}

/// `depends_on` entries are interpolated like any value.
#[test]
fn depends_on_entries_are_interpolated() {
    let s = spec(
        "services:\n  db:\n    image: postgres:17.2\n  app:\n    image: app:1.0\n    depends_on:\n      - ${DB_HOST:-db}\n",
    );
    match &s.services["app"].depends_on.as_ref().unwrap().value {
        DependsOnSpec::List(l) => assert_eq!(l[0].value, "db"),
        other => panic!("{other:?}"),
    }
}

/// SELinux labels are mount options the spec cannot hold: the mount is kept as written.
#[test]
fn selinux_mount_labels_are_kept() {
    let s = lint_spec(
        "services:\n  web:\n    image: nginx:1.27.3\n    volumes:\n      - ./html:/usr/share/nginx/html:ro,z\n      - data:/data:Z\nvolumes:\n  data:\n",
    );
    assert!(s.services["web"].volumes.is_empty());
    let kept = &s
        .targets
        .as_ref()
        .unwrap()
        .compose
        .as_ref()
        .unwrap()
        .services["web"];
    assert_eq!(
        kept["volumes"],
        serde_json::json!(["./html:/usr/share/nginx/html:ro,z", "data:/data:Z"])
    );
}

/// A secret variable's default moves to `.env` on import (secrets have no default).
#[test]
fn secret_defaults_move_to_env() {
    let fe = read_text(
        "services:\n  ch:\n    image: clickhouse:25.1\n    environment:\n      CLICKHOUSE_PASSWORD: ${CLICKHOUSE_PASSWORD:-clickhouse}\n",
        Mode::Import,
    );
    assert_eq!(
        fe.moved_secrets,
        vec![("CLICKHOUSE_PASSWORD".to_string(), "clickhouse".to_string())]
    );
}

/// A variable given whole to a credential option (`--requirepass`) is a secret wherever it is
/// used, and its default moves to `.env`; one given to `-p` or `--port` stays a variable.
#[test]
fn a_variable_given_to_a_credential_option_is_a_secret() {
    let text = "services:\n  redis:\n    image: redis:7.4.2\n    command: >\n      --requirepass ${REDIS_AUTH:-myredissecret} --port ${REDIS_PORT:-6379}\n  web:\n    image: web:1.0\n    environment:\n      REDIS_AUTH: ${REDIS_AUTH:-myredissecret}\n";
    let fe = read_text(text, Mode::Import);
    assert_eq!(
        fe.moved_secrets,
        vec![("REDIS_AUTH".to_string(), "myredissecret".to_string())]
    );
    assert_eq!(env(&fe.spec, "web", "REDIS_AUTH"), "${secrets.redis_auth}");
    match &fe.spec.services["redis"].command.as_ref().unwrap().value {
        CommandSpec::Exec(args) => {
            let args: Vec<&str> = args.iter().map(|a| a.value.as_str()).collect();
            assert_eq!(
                args,
                vec![
                    "--requirepass",
                    "${secrets.redis_auth}",
                    "--port",
                    "${vars.REDIS_PORT}"
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(fe.spec.variables.get("REDIS_AUTH").is_none());
}

/// A data store URL without a password is configuration; with one (literal or a variable) it
/// stays a secret, as does one whose value the file does not give.
#[test]
fn store_urls_are_secrets_only_with_a_password() {
    let s = spec(
        "services:\n  app:\n    image: app:1.0\n    environment:\n      REDIS_URL: ${REDIS_URL:-redis://redis:6379}\n      DATABASE_URL: ${DATABASE_URL:-postgres://app:${DB_PASS:-app}@db/app}\n      MONGO_URL: ${MONGO_URL}\n",
    );
    assert_eq!(env(&s, "app", "REDIS_URL"), "${vars.REDIS_URL}");
    assert_eq!(
        s.variables["REDIS_URL"]
            .default
            .as_ref()
            .map(|d| d.value.as_str()),
        Some("redis://redis:6379")
    );
    assert_eq!(env(&s, "app", "DATABASE_URL"), "${secrets.database_url}");
    assert_eq!(env(&s, "app", "MONGO_URL"), "${secrets.mongo_url}");
}

/// One variable with two defaults is two spec variables reading it; `KEY` alone has no
/// default (unset stays unset), `${KEY}` an empty one.
#[test]
fn variables_keep_each_default() {
    let s = spec(
        "services:\n  a:\n    image: a:1.0\n    environment:\n      URL: ${ENDPOINT:-http://minio:9000}\n      PASS:\n  b:\n    image: b:1.0\n    environment:\n      URL: ${ENDPOINT:-http://localhost:9090}\n      LOG: ${LOG}\n",
    );
    assert_eq!(env(&s, "a", "URL"), "${vars.ENDPOINT}");
    assert_eq!(env(&s, "b", "URL"), "${vars.ENDPOINT_2}");
    let v = &s.variables;
    assert_eq!(v["ENDPOINT_2"].from_env.as_ref().unwrap().value, "ENDPOINT");
    assert_eq!(
        v["ENDPOINT_2"].default.as_ref().unwrap().value,
        "http://localhost:9090"
    );
    assert!(v["PASS"].default.is_none());
    assert_eq!(v["LOG"].default.as_ref().unwrap().value, "");
}

/// On import, binds inside the project are per environment: dev keeps every mount as
/// written; prod mounts read-only files as `config:` files and keeps named volumes.
#[test]
fn project_binds_are_dev_only_and_read_only_files_configs_in_prod() {
    let dir = std::env::temp_dir().join(format!("stackc-binds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("nginx.conf"), "events {}\n").unwrap();
    let text = "services:\n  web:\n    image: nginx:1.27.3\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n      - ./src:/app\n      - data:/data\nvolumes:\n  data:\n";
    let fe = read(
        "compose.yaml",
        text.as_bytes(),
        &dir,
        &ParseOptions::default(),
        Mode::Import,
    )
    .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()));
    std::fs::remove_dir_all(&dir).unwrap();
    let s = &fe.spec;
    assert!(s.services["web"].volumes.is_empty());
    let env = |e: &str| {
        s.environments
            .iter()
            .find(|(k, _)| k.value == e)
            .map(|(_, v)| &v.services["web"].volumes)
            .unwrap()
    };
    assert_eq!(env("dev").len(), 3);
    let prod = env("prod");
    assert_eq!(prod.len(), 2);
    match &prod[0].value {
        MountSpec::Long(l) => {
            assert_eq!(l.config.as_ref().unwrap().value, "./nginx.conf");
            assert_eq!(l.target.as_ref().unwrap().value, "/etc/nginx/nginx.conf");
        }
        other => panic!("{other:?}"),
    }
    let report = fe.report.render(&fe.file);
    assert!(
        report.contains("`./src` is mounted in dev only"),
        "{report}"
    );
}

/// `env_file` with `required: false` stays optional: a missing one is left out, as compose
/// leaves it out, instead of becoming a required file.
#[test]
fn an_optional_env_file_that_is_missing_is_left_out() {
    let s = spec(
        "services:\n  app:\n    image: app:1.0\n    env_file:\n      - path: ./override.env\n        required: false\n      - ./app.env\n",
    );
    let files: Vec<&str> = s.services["app"]
        .env_file
        .iter()
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(files, vec!["./app.env"]);
}

/// The `dev` environment's mounts of `svc`, as written in the spec.
fn dev_mounts(s: &StackSpec, svc: &str) -> Vec<String> {
    let dev = s
        .environments
        .iter()
        .find(|(k, _)| k.value == "dev")
        .expect("a dev environment")
        .1;
    dev.services[svc]
        .volumes
        .iter()
        .map(|m| match &m.value {
            MountSpec::Short(t) => t.value.clone(),
            MountSpec::Long(_) => "long".into(),
        })
        .collect()
}

#[test]
fn pwd_bind_paths_are_tidied_and_keep_their_parent_steps() {
    let s = spec(
        "services:\n  db:\n    image: busybox:1.36.1\n    volumes:\n      - ${PWD}/fs/lib:/var/lib/x/\n      - ${PWD}/./conf//a.xml:/etc/a.xml\n      - ${PWD}/.:/src\n",
    );
    assert_eq!(
        dev_mounts(&s, "db"),
        ["./fs/lib:/var/lib/x/", "./conf/a.xml:/etc/a.xml", "./:/src"]
    );
    // `${PWD}/../..` leaves the project: it is not read as a name `....`.
    let f = read_text(
        "services:\n  db:\n    image: busybox:1.36.1\n    volumes:\n      - ${PWD}/../../deploy/f.xml:/etc/f.xml\n",
        Mode::Import,
    );
    let text = format!("{:?}", f.spec);
    assert!(!text.contains("...."), "{text}");
    assert!(f.spec.environments.iter().all(|(k, _)| k.value != "dev"));
}

fn spec_with_env(text: &str, env: &str) -> StackSpec {
    read_with_env(
        "compose.yaml",
        text.as_bytes(),
        Path::new("/nonexistent/proj"),
        &ParseOptions::default(),
        Mode::Import,
        &dotenv::parse(env),
    )
    .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()))
    .spec
}

fn default_of<'a>(s: &'a StackSpec, var: &str) -> Option<&'a str> {
    s.variables[var].default.as_ref().map(|d| d.value.as_str())
}

#[test]
fn env_file_values_become_defaults_and_an_image_variable_set_nowhere_gets_none() {
    let text = "services:\n  web:\n    image: nginx:${TAG}\n    environment:\n      A: ${TAG}\n      B: ${MODE:-fast}\n      C: ${EMPTY}\n";
    let s = spec_with_env(text, "MODE=slow\n");
    // Set in the env file: its value, over the file's own default.
    assert_eq!(default_of(&s, "MODE"), Some("slow"));
    // Set nowhere, used in a value only: compose's empty string.
    assert_eq!(default_of(&s, "EMPTY"), Some(""));
    // Set nowhere, used in the image too: no empty value (`nginx:` is not what it means).
    assert_eq!(default_of(&s, "TAG"), None);
    let s = spec_with_env(text, "TAG=1.27\n");
    assert_eq!(default_of(&s, "TAG"), Some("1.27"));
    assert_eq!(default_of(&s, "MODE"), Some("fast"));
}

#[test]
fn a_credential_shaped_env_file_value_makes_its_variable_a_secret() {
    let s = spec_with_env(
        "services:\n  app:\n    image: app:1\n    environment:\n      CACHE: ${CACHE_URL}\n      HOOK: ${HOOK}\n",
        "CACHE_URL=redis://u:s3cretpass@cache:6379/0\nHOOK=ghp_0123456789abcdefghijABCDEFGHIJ012345\n",
    );
    assert_eq!(env(&s, "app", "CACHE"), "${secrets.cache_url}");
    assert_eq!(env(&s, "app", "HOOK"), "${secrets.hook}");
    assert!(s.variables.is_empty(), "{:?}", s.variables.keys());
    let yaml = crate::syntax::emit::to_yaml(&s).unwrap();
    assert!(
        !yaml.contains("s3cretpass") && !yaml.contains("ghp_"),
        "{yaml}"
    );
}

#[test]
fn a_privileged_service_carries_the_pod_security_level() {
    let s = spec(
        "services:\n  w:\n    image: w:1\n    privileged: true\n  v:\n    image: v:1\n    cap_add: [NET_ADMIN]\n",
    );
    let k8s = s.targets.as_ref().and_then(|t| t.k8s.as_ref()).unwrap();
    assert_eq!(k8s.pod_security.as_ref().unwrap().value, "privileged");
    let s = spec("services:\n  w:\n    image: w:1\n    cap_add: [NET_BIND_SERVICE, CHOWN]\n");
    assert!(s.targets.as_ref().and_then(|t| t.k8s.as_ref()).is_none());
}

#[test]
fn a_service_without_seccomp_or_apparmor_carries_the_pod_security_level() {
    for opt in [
        "seccomp:unconfined",
        "seccomp=unconfined",
        "apparmor:unconfined",
    ] {
        let s = spec(&format!(
            "services:\n  w:\n    image: w:1\n    security_opt:\n    - {opt}\n"
        ));
        let k8s = s.targets.as_ref().and_then(|t| t.k8s.as_ref());
        assert_eq!(
            k8s.and_then(|k| k.pod_security.as_ref())
                .map(|p| p.value.as_str()),
            Some("privileged"),
            "{opt}"
        );
    }
    let s =
        spec("services:\n  w:\n    image: w:1\n    security_opt: [\"no-new-privileges:true\"]\n");
    assert!(s.targets.as_ref().and_then(|t| t.k8s.as_ref()).is_none());
}

#[test]
fn compose_words_are_the_spec_keywords() {
    let s = spec(
        "services:\n  a:\n    image: nginx:1.27.3\n    restart: on-failure:3\n    pid: host\n    uts: host\n    ports: [\"53:53/udp\", \"5000:5000/sctp\"]\n  b:\n    image: nginx:1.27.3\n    restart: unless-stopped\n    network_mode: host\n",
    );
    let a = &s.services["a"];
    assert_eq!(a.restart.as_ref().unwrap().value, "on-failure:3");
    let sec = a.security.as_ref().unwrap();
    let ns: Vec<&str> = sec
        .host_namespaces
        .iter()
        .map(|n| n.value.as_str())
        .collect();
    assert_eq!(ns, ["pid", "uts"]);
    assert_eq!(sec.defaults.as_ref().unwrap().value, "runtime");
    let protocols: Vec<Option<String>> = (a.ports.iter())
        .map(|p| match &p.value {
            PortSpec::Long(l) => l.protocol.as_ref().map(|p| p.value.clone()),
            PortSpec::Short(_) => None,
        })
        .collect();
    assert_eq!(
        protocols,
        [Some("udp".to_string())],
        "sctp stays compose-only"
    );
    let b = &s.services["b"];
    assert_eq!(b.restart.as_ref().unwrap().value, "unless-stopped");
    let ns = &b.security.as_ref().unwrap().host_namespaces;
    assert_eq!(ns[0].value, "network");
}

#[test]
fn an_unknown_compose_restart_policy_lists_the_spec_words() {
    let errors = read(
        "compose.yaml",
        b"services:\n  a:\n    image: nginx:1.27.3\n    restart: sometimes\n",
        Path::new("/nonexistent/proj"),
        &ParseOptions::default(),
        Mode::Import,
    )
    .err()
    .expect("refused");
    assert_eq!(errors[0].message, "unknown restart policy `sometimes`");
    assert_eq!(
        errors[0].help.as_deref(),
        Some("use one of `always`, `unless-stopped`, `on-failure`, `no`, or `on-failure:N`")
    );
}

/// Where the spec cannot carry a variable (a label, a hostname), the import writes what compose
/// substitutes: the project's env file value, else the default (appwrite's Traefik rule). A
/// credential of the env file is never written there.
#[test]
fn values_without_variables_take_the_env_file_values_compose_substitutes() {
    let text = "services:\n  web:\n    image: nginx:1.27.3\n    labels:\n      - rule=Host(`${DOMAIN:-localhost}`) || Host(`${CONSOLE:-localhost}`)\n      - alt=${DOMAIN:+set}${OTHER:+unset}\n      - pw=x${DB_PASSWORD:-none}\n";
    let s = spec_with_env(text, "DOMAIN=app.test\nDB_PASSWORD=hunter2hunter2\n");
    let labels = &s.services["web"].labels;
    assert_eq!(
        labels["rule"].value,
        "Host(`app.test`) || Host(`localhost`)"
    );
    assert_eq!(labels["alt"].value, "set");
    assert_eq!(labels["pw"].value, "xnone");
    let fe = read_with_env(
        "compose.yaml",
        text.as_bytes(),
        Path::new("/nonexistent/proj"),
        &ParseOptions::default(),
        Mode::Import,
        &dotenv::parse("DOMAIN=app.test\n"),
    )
    .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()));
    let report = fe.report.render(&fe.file);
    assert!(
        report.contains("variables are not supported here; imported with the values of the project's env file and their defaults as `Host(`app.test`) || Host(`localhost`)`"),
        "{report}"
    );
    assert!(
        report
            .contains("variables are not supported here; imported with their defaults as `xnone`"),
        "{report}"
    );
}

#[test]
fn an_empty_entrypoint_or_command_is_kept_for_compose_as_written() {
    let s = spec(
        "services:\n  a:\n    image: a:1\n    entrypoint: \"\"\n  b:\n    image: b:1\n    entrypoint: [\"\"]\n    command: [sh, -c, run]\n  c:\n    image: c:1\n    command: []\n",
    );
    assert!(s.services["a"].entrypoint.is_none());
    assert!(s.services["b"].entrypoint.is_none());
    assert!(s.services["b"].command.is_some());
    assert!(s.services["c"].command.is_none());
    let kept = compose_only(&s);
    assert_eq!(kept["a"]["entrypoint"], serde_json::json!(""));
    assert_eq!(kept["b"]["entrypoint"], serde_json::json!([""]));
    assert!(!kept["b"].contains_key("command"));
    assert_eq!(kept["c"]["command"], serde_json::json!([]));
}

#[test]
fn an_empty_network_mapping_is_kept_for_compose() {
    let s = spec(
        "networks:\n  backend: {}\nservices:\n  a:\n    image: a:1\n    networks:\n      backend: {}\n  b:\n    image: b:1\n    networks:\n      backend:\n  c:\n    image: c:1\n    networks: [backend]\n",
    );
    let kept = compose_only(&s);
    assert_eq!(kept["a"]["networks"], serde_json::json!({ "backend": {} }));
    assert!(!kept.contains_key("b"), "{kept:?}");
    assert!(!kept.contains_key("c"), "{kept:?}");
    let nets: Vec<&str> = s.services["a"]
        .networks
        .iter()
        .map(|n| n.value.as_str())
        .collect();
    assert_eq!(nets, ["backend"]);
}

#[test]
fn a_secret_default_that_reads_another_variable_takes_its_value_from_the_env_file() {
    // compose falls back to the other variable's value: `.env` gets it for the secret.
    let text = "services:\n  app:\n    image: app:1.2.3\n    environment:\n      - DATABASE_URL=${DATABASE_URL:?err}\n      - DIRECT_DATABASE_URL=${DIRECT_DATABASE_URL:-${DATABASE_URL}}\n";
    let fe = read_with_env(
        "compose.yaml",
        text.as_bytes(),
        Path::new("/nonexistent/proj"),
        &ParseOptions::default(),
        Mode::Import,
        &dotenv::parse("DATABASE_URL=postgres://app:s3cretpw@db:5432/app\n"),
    )
    .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()));
    assert_eq!(
        env(&fe.spec, "app", "DIRECT_DATABASE_URL"),
        "${secrets.direct_database_url}"
    );
    assert_eq!(
        fe.moved_secrets,
        vec![(
            "DIRECT_DATABASE_URL".to_string(),
            "postgres://app:s3cretpw@db:5432/app".to_string()
        )]
    );
}

#[test]
fn a_user_from_variables_the_env_file_sets_takes_their_values() {
    let text = "services:\n  app:\n    image: app:1.2.3\n    user: \"${UID}:${GID}\"\n  other:\n    image: app:1.2.3\n    user: \"${RUN_AS}\"\n";
    let s = spec_with_env(text, "UID=1000\nGID=1001\n");
    let user = |svc: &str| s.services[svc].user.as_ref().map(|u| u.value.clone());
    assert_eq!(user("app"), Some("1000:1001".into()));
    // A variable the env file does not set stays as written, for compose.
    assert_eq!(user("other"), Some("${RUN_AS}".into()));
}

#[test]
fn a_replacement_when_set_follows_the_project_env_file() {
    let text = "services:\n  a:\n    image: a:1\n    command: run ${EXTRA:+--extra} ${DEBUG+--debug} \"${EXTRA:+x}\"\n    environment:\n      URL: ${DOMAIN:+https://${DOMAIN}}\n      ALT: ${EMPTY+set}\n";
    let args = |s: &StackSpec| match &s.services["a"].command.as_ref().unwrap().value {
        CommandSpec::Exec(a) => a.iter().map(|a| a.value.clone()).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    // Unset (or empty, for `:+`): nothing, as compose reads it; an unquoted word of nothing
    // is no argument, a quoted one an empty argument.
    let s = spec_with_env(text, "EXTRA=\n");
    assert_eq!(args(&s), ["run", ""]);
    assert_eq!(env(&s, "a", "URL"), "");
    assert_eq!(env(&s, "a", "ALT"), "");
    // Set: the replacement text.
    let s = spec_with_env(text, "EXTRA=1\nDEBUG=\nDOMAIN=example.org\nEMPTY=\n");
    assert_eq!(args(&s), ["run", "--extra", "--debug", "x"]);
    assert_eq!(env(&s, "a", "URL"), "https://${vars.DOMAIN}");
    assert_eq!(env(&s, "a", "ALT"), "set");
}

#[test]
fn health_check_timings_the_env_file_sets_are_the_spec_s_on_every_target() {
    let text = "services:\n  db:\n    image: postgres:17.6\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n      interval: ${HC_INTERVAL}\n      retries: ${HC_RETRIES}\n  cache:\n    image: redis:7.4.1\n    healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"ping\"]\n      interval: ${UNSET_INTERVAL}\n";
    let s = spec_with_env(text, "HC_INTERVAL=15s\nHC_RETRIES=4\n");
    let h = s.services["db"]
        .health
        .as_ref()
        .expect("db has a health check");
    assert_eq!(h.interval.as_ref().map(|i| i.value.as_str()), Some("15s"));
    assert_eq!(h.retries.as_ref().map(|r| r.value), Some(4));
    assert!(!s.variables.keys().any(|k| k.value.starts_with("HC_")));
    // A timing the env file does not set stays compose's, as written.
    assert!(s.services["cache"].health.is_none());
    assert_eq!(
        compose_only(&s)["cache"]["healthcheck"]["interval"],
        serde_json::json!("${UNSET_INTERVAL}")
    );
}

/// Compose ignores a mount option it does not know (`roz` is neither `ro` nor `z`): the mount
/// is imported without it, read-write, and the option is reported dropped.
#[test]
fn an_unknown_mount_option_is_dropped_as_compose_ignores_it() {
    let text = "services:\n  traps:\n    image: zabbix/zabbix-snmptraps:7.0\n    volumes:\n      - snmptraps:/var/lib/zabbix/snmptraps:roz\n      - data:/data:ro,foo\nvolumes:\n  snmptraps: {}\n  data: {}\n";
    let s = spec(text);
    let mounts: Vec<&str> = s.services["traps"]
        .volumes
        .iter()
        .map(|m| match &m.value {
            MountSpec::Short(t) => t.value.as_str(),
            MountSpec::Long(_) => "long",
        })
        .collect();
    assert_eq!(
        mounts,
        ["snmptraps:/var/lib/zabbix/snmptraps", "data:/data:ro"]
    );
    let report = report_of(text);
    assert!(
        report.contains("compose ignores the unknown mount option `roz`"),
        "{report}"
    );
    assert!(
        report.contains("compose ignores the unknown mount option `foo`"),
        "{report}"
    );
}

/// A mount kept for compose only (an SELinux label) of a volume whose name the spec changes
/// (`vhost.d` → `vhost-d`) mounts the renamed volume, in both syntaxes.
#[test]
fn a_compose_only_mount_follows_its_renamed_volume() {
    let s = spec(
        "services:\n  proxy:\n    image: nginxproxy/nginx-proxy:1.6\n    volumes:\n      - vhost.d:/etc/nginx/vhost.d:z\n      - ./certs:/certs:z\n      - type: volume\n        source: vhost.d\n        target: /v\n        volume:\n          subpath: sub\nvolumes:\n  vhost.d: {}\n",
    );
    assert!(s.volumes.iter().any(|(k, _)| k.value == "vhost-d"));
    let kept = &compose_only(&s)["proxy"];
    assert_eq!(
        kept["volumes"][0],
        serde_json::json!("vhost-d:/etc/nginx/vhost.d:z")
    );
    assert_eq!(kept["volumes"][1], serde_json::json!("./certs:/certs:z"));
    assert_eq!(kept["volumes"][2]["source"], serde_json::json!("vhost-d"));
}

#[test]
fn an_invalid_size_from_a_variable_quotes_what_was_written() {
    let text = "services:\n  a:\n    image: a:1\n    deploy:\n      resources:\n        limits:\n          cpus: ${CPUS}\n          memory: 12x\n";
    let errors = match read(
        "compose.yaml",
        text.as_bytes(),
        Path::new("/nonexistent/proj"),
        &ParseOptions::default(),
        Mode::Import,
    ) {
        Ok(_) => panic!("the sizes are invalid"),
        Err(d) => d,
    };
    let messages: Vec<(&str, &str)> = errors
        .iter()
        .map(|d| (d.message.as_str(), d.help.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        messages,
        [
            (
                "invalid cpu amount `` (`${CPUS}` as compose substitutes it)",
                "give its variables a value in `.env` or the environment, or write cores as a number, e.g. `0.5`"
            ),
            ("invalid memory size `12x`", "write e.g. `512m` or `1g`"),
        ]
    );
}
