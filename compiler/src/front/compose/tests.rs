//! Unit tests of the compose frontend on small inline files.

use std::path::Path;

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
    let mounts: Vec<&str> = app
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
