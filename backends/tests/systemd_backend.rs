//! What the systemd backend means: dependencies, jobs, health waiting, secrets kept out of
//! the files, Podman version fallbacks and errors, the docker runtime, loss entries and
//! install instructions.

use std::path::{Path, PathBuf};

use stackc_backends::output::{BackendOutput, EmitContext, Outcome};
use stackc_backends::systemd::{self, ini};
use stackc_compiler::diag::Diagnostic;
use stackc_compiler::ir::{SystemdFlavour, SystemdOptions};
use stackc_compiler::pipeline::Compiled;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn ctx() -> EmitContext {
    EmitContext {
        source_root: "../..".into(),
        output_from_source: "out/x".into(),
        spec_name: "stack.yaml".into(),
    }
}

fn compile_text(text: &str, env: &str, dir: &Path) -> Compiled {
    stackc_compiler::pipeline::compile("stack.yaml", text.as_bytes(), env, dir, &Default::default())
        .unwrap_or_else(|d| {
            panic!(
                "does not compile: {:?}",
                d.iter().map(|d| (&d.code, &d.message)).collect::<Vec<_>>()
            )
        })
}

fn an_app(env: &str) -> Compiled {
    let text = std::fs::read_to_string(root().join("examples/an-app/stack.yaml")).unwrap();
    compile_text(&text, env, &root().join("examples/an-app"))
}

fn basic_with(extra: &str) -> Compiled {
    let text =
        std::fs::read_to_string(root().join("fixtures/systemd-basic/stack.yaml")).unwrap() + extra;
    compile_text(&text, "dev", &root().join("fixtures/systemd-basic"))
}

fn small(text: &str) -> Compiled {
    compile_text(text, "dev", &root())
}

fn emit(c: &Compiled, flavour: SystemdFlavour) -> Result<BackendOutput, Vec<Diagnostic>> {
    systemd::emit(&c.stack, &ctx(), flavour)
}

fn ok(c: &Compiled, flavour: SystemdFlavour) -> BackendOutput {
    emit(c, flavour).unwrap_or_else(|d| {
        panic!(
            "{:#?}",
            d.iter().map(|d| (&d.code, &d.message)).collect::<Vec<_>>()
        )
    })
}

fn file<'a>(out: &'a BackendOutput, path: &str) -> &'a str {
    &out.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| {
            panic!(
                "no {path} in {:?}",
                out.files.iter().map(|f| &f.path).collect::<Vec<_>>()
            )
        })
        .contents
}

/// `(section, key, raw value)` entries with `key`.
fn values(text: &str, key: &str) -> Vec<String> {
    ini::parse(text)
        .unwrap()
        .into_iter()
        .filter(|(_, k, _)| k == key)
        .map(|(_, _, v)| v)
        .collect()
}

fn words(text: &str, key: &str) -> Vec<String> {
    values(text, key)
        .iter()
        .flat_map(|v| ini::unquote_words(v, true).unwrap())
        .collect()
}

fn exec_start(text: &str) -> Vec<String> {
    let v = values(text, "ExecStart");
    assert_eq!(v.len(), 1);
    ini::unquote_words(&v[0], true).unwrap()
}

fn codes(d: &[Diagnostic]) -> Vec<(&'static str, u32)> {
    let mut v: Vec<_> = d
        .iter()
        .map(|d| {
            (
                d.code.as_str(),
                d.location().map(|(_, l, _)| l).unwrap_or(0),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

const DEPS: [&str; 6] = [
    "postgres",
    "redis",
    "neo4j-setup",
    "qdrant",
    "minio-setup",
    "ollama",
];

#[test]
fn an_app_jobs_dependencies_and_health_waiting() {
    for env in ["dev", "prod"] {
        let c = an_app(env);
        for flavour in [SystemdFlavour::Quadlet, SystemdFlavour::Units] {
            let out = ok(&c, flavour);
            let ext = if flavour == SystemdFlavour::Quadlet {
                "container"
            } else {
                "service"
            };
            for job in ["neo4j-setup", "minio-setup"] {
                let t = file(&out, &format!("an-app-{job}.{ext}"));
                assert_eq!(values(t, "Type"), ["oneshot"], "{job}");
                assert_eq!(values(t, "RemainAfterExit"), ["yes"], "{job}");
                assert_eq!(values(t, "Restart"), ["no"], "{job}");
                assert_eq!(values(t, "WantedBy"), ["default.target"], "{job}");
            }
            let api = file(&out, &format!("an-app-api.{ext}"));
            for key in ["Requires", "After"] {
                let w = words(api, key);
                for d in DEPS {
                    assert!(
                        w.contains(&format!("an-app-{d}.service")),
                        "{env} {flavour:?}: api {key}= lacks {d}: {w:?}"
                    );
                }
            }
            for (svc, awaited) in [
                ("postgres", true),
                ("redis", true),
                ("neo4j", true),
                ("qdrant", true),
                ("minio", true),
                ("ollama", false),
                ("api", false),
            ] {
                let t = file(&out, &format!("an-app-{svc}.{ext}"));
                if flavour == SystemdFlavour::Quadlet {
                    assert_eq!(values(t, "Notify") == ["healthy"], awaited, "{svc}");
                } else {
                    assert_eq!(values(t, "ExecStartPost").len() == 1, awaited, "{svc}");
                    assert_eq!(values(t, "Type"), ["simple"]);
                }
            }
        }
    }
}

#[test]
fn an_app_secrets_are_references_only() {
    let c = an_app("prod");
    let stack = &c.stack;
    for flavour in [SystemdFlavour::Quadlet, SystemdFlavour::Units] {
        let out = ok(&c, flavour);
        for svc in &stack.services {
            let ext = if flavour == SystemdFlavour::Quadlet {
                "container"
            } else {
                "service"
            };
            let unit = file(&out, &format!("an-app-{}.{ext}", svc.dns_name));
            let secret_envs: Vec<_> = svc.env.iter().filter(|e| e.value.has_secret()).collect();
            for e in &secret_envs {
                let key = &e.key.value;
                // Never an `Environment=`/`--env=` assignment in the unit.
                assert!(
                    !words(unit, "Environment")
                        .iter()
                        .any(|w| w.starts_with(&format!("{key}="))),
                    "{key} in {}",
                    svc.dns_name
                );
                if flavour == SystemdFlavour::Units {
                    assert!(
                        !exec_start(unit)
                            .iter()
                            .any(|a| a.starts_with(&format!("--env={key}="))),
                        "{key}"
                    );
                }
                let whole = e
                    .value
                    .as_single_secret()
                    .filter(|id| !stack.secret(*id).optional);
                match (flavour, whole) {
                    (SystemdFlavour::Quadlet, Some(id)) => {
                        let want =
                            format!("an-app-{},type=env,target={key}", stack.secret(id).dns_name);
                        assert!(values(unit, "Secret").contains(&want), "{want}");
                    }
                    _ => {
                        let t = file(&out, &format!("{}.env.template", svc.dns_name));
                        let line = t
                            .lines()
                            .find(|l| l.starts_with(&format!("{key}=")))
                            .unwrap_or_else(|| panic!("{key} not in the template"));
                        for id in stack.secrets_used_by(svc) {
                            if e.value
                                .segments
                                .contains(&stackc_compiler::ir::Segment::Secret(id))
                            {
                                assert!(
                                    line.contains(&format!("${{{}}}", stack.secret(id).env_name)),
                                    "{line}"
                                );
                            }
                        }
                    }
                }
            }
            let needs_file = secret_envs.iter().any(|e| {
                flavour == SystemdFlavour::Units
                    || e.value
                        .as_single_secret()
                        .is_none_or(|id| stack.secret(id).optional)
            });
            if flavour == SystemdFlavour::Quadlet {
                let want: Vec<String> = if needs_file {
                    vec![format!("%E/stackc/an-app/{}.env", svc.dns_name)]
                } else {
                    Vec::new()
                };
                assert_eq!(values(unit, "EnvironmentFile"), want, "{}", svc.dns_name);
            } else {
                assert_eq!(
                    exec_start(unit).contains(&format!("--env-file=./{}.env", svc.dns_name)),
                    needs_file,
                    "{}",
                    svc.dns_name
                );
                if needs_file {
                    assert_eq!(values(unit, "WorkingDirectory"), ["%E/stackc/an-app"]);
                }
                assert!(values(unit, "Secret").is_empty());
            }
        }
        let readme = file(&out, "README.md");
        if flavour == SystemdFlavour::Quadlet {
            assert!(
                readme.contains(
                    "printf %s \"$DATABASE_PASSWORD\" | podman secret create an-app-db-password -"
                ),
                "{readme}"
            );
            assert!(readme.contains("(umask 077 && envsubst '${ANTHROPIC_API_KEY} ${DATABASE_PASSWORD} ${OPENAI_API_KEY} ${REDIS_PASSWORD}' < api.env.template > \"$state/api.env\")"), "{readme}");
        } else {
            assert!(!readme.contains("podman secret create"), "{readme}");
            assert!(
                readme.contains("' < api.env.template > \"$state/api.env\")"),
                "{readme}"
            );
        }
    }
}

#[test]
fn install_instructions_are_the_readme_body() {
    let c = an_app("dev");
    for flavour in [SystemdFlavour::Quadlet, SystemdFlavour::Units] {
        let out = ok(&c, flavour);
        let readme = file(&out, "README.md");
        let (first, body) = readme.split_once('\n').unwrap();
        assert!(first.starts_with("<!-- Generated by stackc"), "{first}");
        assert_eq!(
            systemd::install_instructions(&c.stack, &ctx(), flavour),
            body
        );
        assert!(body.contains("daemon-reload"));
        assert!(
            body.contains("ln -sfn \"$(realpath ../..)\""),
            "dev bind mounts need the project link: {body}"
        );
    }
    let q = systemd::install_instructions(&c.stack, &ctx(), SystemdFlavour::Quadlet);
    assert!(
        q.contains("~/.config/containers/systemd/an-app")
            && q.contains("/etc/containers/systemd/an-app")
    );
    let u = systemd::install_instructions(&c.stack, &ctx(), SystemdFlavour::Units);
    assert!(
        u.contains("~/.config/systemd/user")
            && u.contains("/etc/systemd/system")
            && u.contains("enable --now")
    );
}

#[test]
fn an_app_losses() {
    let c = an_app("prod");
    for flavour in [SystemdFlavour::Quadlet, SystemdFlavour::Units] {
        let out = ok(&c, flavour);
        let target = if flavour == SystemdFlavour::Quadlet {
            "quadlet"
        } else {
            "units"
        };
        assert!(out.losses.iter().all(|l| l.target.name() == target));
        let has = |svc: Option<&str>, feature: &str, dropped: bool| {
            out.losses.iter().any(|l| {
                l.service.as_deref() == svc
                    && l.feature == feature
                    && matches!(l.outcome, Outcome::Dropped(_)) == dropped
            })
        };
        assert!(has(Some("api"), "replicas", false), "{:#?}", out.losses);
        assert!(has(Some("api"), "resources.requests", true));
        assert!(has(Some("api"), "build", false));
        assert!(has(None, "volumes.postgres_data.size", true));
        assert!(has(Some("neo4j"), "health.http/tcp", false));
        assert!(
            out.losses.iter().all(|l| l.span.is_some()),
            "every loss is located"
        );
    }
}

#[test]
fn podman_version_fallbacks() {
    let c = basic_with("");
    let opts = |v: &str| SystemdOptions {
        flavour: SystemdFlavour::Quadlet,
        podman_version: v.into(),
        ..c.stack.targets.systemd.clone()
    };
    let at = |v: &str| systemd::emit_with_options(&c.stack, &ctx(), &opts(v));

    let out = at("5.0").unwrap();
    let web = file(&out, "basic-web.container");
    assert!(values(web, "NetworkAlias").is_empty());
    assert!(words(web, "PodmanArgs").contains(&"--network-alias=web".to_string()));
    assert_eq!(
        values(file(&out, "basic-db.container"), "Notify"),
        ["healthy"]
    );

    let out = at("4.8").unwrap();
    let db = file(&out, "basic-db.container");
    assert!(values(db, "Notify").is_empty());
    assert!(words(db, "PodmanArgs").contains(&"--sdnotify=healthy".to_string()));
    assert!(
        out.losses
            .iter()
            .all(|l| !l.feature.starts_with("depends_on"))
    );

    let out = at("4.6").unwrap();
    let db = file(&out, "basic-db.container");
    assert!(!words(db, "PodmanArgs").contains(&"--sdnotify=healthy".to_string()));
    assert!(
        out.losses
            .iter()
            .any(|l| l.service.as_deref() == Some("web") && l.feature == "depends_on.db: healthy"),
        "{:#?}",
        out.losses
    );
    assert!(
        values(file(&out, "basic-dbdata.volume"), "VolumeName").is_empty(),
        "VolumeName needs 4.7"
    );

    let out = at("5.5").unwrap();
    assert_eq!(
        values(file(&out, "basic-web.container"), "Memory"),
        ["256m"]
    );
    assert!(
        !words(file(&out, "basic-web.container"), "PodmanArgs")
            .iter()
            .any(|a| a.starts_with("--memory"))
    );

    let e = at("4.5").unwrap_err();
    assert!(e.iter().all(|d| d.code == "STK050"), "{e:#?}");
    assert!(
        e.iter().any(|d| d.message.contains("`PodmanArgs=`")
            && d.message.contains("Podman 4.6")
            && d.location().is_some()),
        "{e:#?}"
    );
    let e = at("4.4").unwrap_err();
    for key in ["HealthCmd", "Secret", "Tmpfs"] {
        assert!(
            e.iter()
                .any(|d| d.message.contains(&format!("`{key}=`"))
                    && d.message.contains("Podman 4.5")),
            "{key}: {e:#?}"
        );
    }
    assert!(
        at("4.3").unwrap_err()[0]
            .message
            .contains("Quadlet needs Podman 4.4")
    );

    // The plain units do not depend on the Quadlet version.
    let units = SystemdOptions {
        flavour: SystemdFlavour::Units,
        ..opts("4.4")
    };
    assert!(systemd::emit_with_options(&c.stack, &ctx(), &units).is_ok());
}

#[test]
fn an_invalid_podman_version_is_located() {
    let c = basic_with("targets:\n  systemd:\n    podman_version: \"five\"\n");
    let e = emit(&c, SystemdFlavour::Quadlet).unwrap_err();
    let line = std::fs::read_to_string(root().join("fixtures/systemd-basic/stack.yaml"))
        .unwrap()
        .lines()
        .count() as u32
        + 3;
    assert_eq!(codes(&e), [("STK050", line)]);
    let c = basic_with("targets:\n  systemd:\n    podman_version: \"4.4\"\n");
    let e = emit(&c, SystemdFlavour::Quadlet).unwrap_err();
    assert!(
        e.iter()
            .all(|d| d.code == "STK050" && d.location().is_some())
    );
}

#[test]
fn located_errors() {
    let spec = "stack: s\nsecrets:\n  pw: { generate: { length: 8 } }\nservices:\n  a:\n    image: busybox:1.37\n    command: [sh, -c, \"cat <<'E'\\n${secrets.pw}\\nE\"]\n  b:\n    image: busybox:1.37\n    ports: [80]\n    health: { http: { port: 80 } }\n  c:\n    build: { preset: plain, base: \"busybox:1.37\" }\n";
    let c = small(spec);
    for flavour in [SystemdFlavour::Quadlet, SystemdFlavour::Units] {
        let e = emit(&c, flavour).unwrap_err();
        assert_eq!(
            codes(&e),
            [("STK052", 7), ("STK053", 11), ("STK054", 13)],
            "{flavour:?}: {e:#?}"
        );
    }
    let spec = "stack: s\nnetworks:\n  data: {}\nservices:\n  data-network:\n    image: busybox:1.37\n    networks: [data]\n";
    let e = emit(&small(spec), SystemdFlavour::Units).unwrap_err();
    assert_eq!(codes(&e), [("STK055", 3)], "{e:#?}");
}

#[test]
fn docker_units() {
    let spec = "stack: s\nnetworks:\n  a: {}\n  b: {}\nservices:\n  web:\n    image: nginx:1.27\n    entrypoint: [/bin/sh, -c]\n    command: [\"exec nginx -g 'daemon off;'\"]\n    health: { cmd: [curl, -f, \"http://localhost/it's\"] }\n    networks: [a, b]\n    ports: [{ port: 80, expose: loopback }]\n  job:\n    kind: job\n    image: busybox:1.37\n    depends_on: { web: healthy }\n    networks: [a]\ntargets:\n  systemd: { flavour: units, runtime: docker }\n";
    let c = small(spec);
    let out = systemd::emit(&c.stack, &ctx(), c.stack.targets.systemd.flavour).unwrap();
    let web = file(&out, "s-web.service");
    let argv = exec_start(web);
    assert_eq!(argv[..3], ["/usr/bin/docker", "run", "--rm"]);
    assert!(!argv.contains(&"--replace".to_string()));
    assert!(
        argv.contains(&"--network=name=s-a,alias=web".to_string())
            && argv.contains(&"--network=name=s-b,alias=web".to_string()),
        "{argv:?}"
    );
    assert!(
        argv.contains(&"--health-cmd=curl -f 'http://localhost/it'\\''s'".to_string()),
        "{argv:?}"
    );
    let image = argv.iter().position(|a| a == "nginx:1.27").unwrap();
    assert!(argv.contains(&"--entrypoint=/bin/sh".to_string()));
    assert_eq!(argv[image + 1..], ["-c", "exec nginx -g 'daemon off;'"]);
    assert!(words(web, "Requires").contains(&"docker.service".to_string()));
    assert_eq!(
        values(web, "ExecStartPre"),
        ["-/usr/bin/docker rm -f s-web"]
    );
    assert!(values(web, "ExecStartPost")[0].contains("/usr/bin/docker inspect"));
    let job = exec_start(file(&out, "s-job.service"));
    assert!(
        job.contains(&"--network=s-a".to_string())
            && job.contains(&"--network-alias=job".to_string()),
        "{job:?}"
    );
    let net = exec_start(file(&out, "s-a-network.service"));
    assert_eq!(net[..2], ["/bin/sh", "-c"]);
    assert!(net[2].contains("/usr/bin/docker network create s-a"));
    assert!(file(&out, "README.md").contains("Docker units talk to the system's Docker daemon"));
}

#[test]
fn host_network_and_other_security_settings() {
    let spec = "stack: s\nservices:\n  mon:\n    image: busybox:1.37\n    ports: [{ port: 9100, expose: public }]\n    labels: { com.example.team: \"a b $c\" }\n    security: { host_namespaces: [network, pid], privileged: true, security_opt: [\"seccomp=unconfined\"], cap_add: [NET_ADMIN], read_only: true }\n";
    let c = small(spec);
    let out = ok(&c, SystemdFlavour::Quadlet);
    let t = file(&out, "s-mon.container");
    assert_eq!(values(t, "Network"), ["host"]);
    assert!(values(t, "NetworkAlias").is_empty() && values(t, "PublishPort").is_empty());
    assert_eq!(
        words(t, "PodmanArgs"),
        [
            "--privileged",
            "--security-opt=seccomp=unconfined",
            "--pid=host"
        ]
    );
    assert_eq!(words(t, "Label"), ["com.example.team=a b $c"]);
    assert_eq!(values(t, "AddCapability"), ["NET_ADMIN"]);
    assert_eq!(values(t, "ReadOnly"), ["true"]);
    assert!(
        out.losses
            .iter()
            .any(|l| l.feature == "ports" && matches!(l.outcome, Outcome::Dropped(_)))
    );
    assert!(
        !out.files.iter().any(|f| f.path.ends_with(".network")),
        "no network needed"
    );
    let out = ok(&c, SystemdFlavour::Units);
    let argv = exec_start(file(&out, "s-mon.service"));
    for a in [
        "--network=host",
        "--pid=host",
        "--privileged",
        "--read-only",
        "--cap-add=NET_ADMIN",
        "--label=com.example.team=a b $c",
    ] {
        assert!(argv.contains(&a.to_string()), "{a}: {argv:?}");
    }
    assert!(
        !argv
            .iter()
            .any(|a| a.starts_with("--publish") || a.starts_with("--network-alias"))
    );
}
