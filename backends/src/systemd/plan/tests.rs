//! The plan's decisions, checked on the plan itself: refusals, loss entries, rootful, the
//! Quadlet key or `PodmanArgs=` choice, readiness and the secrets' route.

use std::path::Path;

use stackc_compiler::diag::Diagnostic;
use stackc_compiler::ir::{Runtime, SystemdFlavour, SystemdOptions};
use stackc_compiler::pipeline::{Compiled, compile};

use super::*;
use crate::output::{EmitContext, LossEntry};

fn compiled(yaml: &str) -> Compiled {
    compile(
        "stack.yaml",
        yaml.as_bytes(),
        "dev",
        Path::new("."),
        &Default::default(),
    )
    .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()))
}

fn opts(flavour: SystemdFlavour, runtime: Runtime, version: &str) -> SystemdOptions {
    SystemdOptions {
        flavour,
        runtime,
        podman_version: version.into(),
    }
}

fn quadlet(version: &str) -> SystemdOptions {
    opts(SystemdFlavour::Quadlet, Runtime::Podman, version)
}

fn units(runtime: Runtime) -> SystemdOptions {
    opts(SystemdFlavour::Units, runtime, "5.4")
}

/// The plan, its errors and its loss entries.
fn lowered(c: &Compiled, o: &SystemdOptions) -> (StackPlan, Vec<Diagnostic>, Vec<LossEntry>) {
    let ctx = EmitContext {
        source_root: "..".into(),
        output_from_source: "out".into(),
        spec_name: "stack.yaml".into(),
    };
    let mut e = Emitter::new(&c.stack, &ctx, o).expect("a supported target");
    let plan = lower(&mut e);
    (plan, e.errors, e.losses.into_entries())
}

/// Loss entries without their target, to compare flavours.
fn facts(losses: &[LossEntry]) -> Vec<(Option<String>, String, Outcome)> {
    losses
        .iter()
        .map(|l| (l.service.clone(), l.feature.clone(), l.outcome.clone()))
        .collect()
}

#[test]
fn a_secret_in_a_command_is_read_from_the_environment_for_every_target() {
    let c = compiled(
        "stack: s\nsecrets:\n  token: { generate: { length: 24 } }\nservices:\n  web:\n    image: nginx:1.27\n    entrypoint: [serve]\n    command: [\"--token=${secrets.token}\"]\n    health: { cmd: \"probe --token '${secrets.token}'\" }\n  api:\n    image: nginx:1.27\n    command: [serve, \"--token=${secrets.token}\"]\n",
    );
    for o in [
        quadlet("5.4"),
        units(Runtime::Podman),
        units(Runtime::Docker),
    ] {
        let (plan, errors, losses) = lowered(&c, &o);
        // Without an entrypoint in the spec, the arguments go to the image's own.
        let found: Vec<(&str, &str, Option<u32>)> = errors
            .iter()
            .map(|d| {
                (
                    d.code.as_str(),
                    d.message.as_str(),
                    d.location().map(|(_, l, _)| l),
                )
            })
            .collect();
        assert_eq!(
            found,
            [(
                "STK052",
                "a secret is used in the command of `api`, whose arguments go to the image's entrypoint",
                Some(12)
            )]
        );
        let s = &plan.services[0];
        assert_eq!(
            s.entrypoint.as_ref().map(|(argv, _, _)| argv.clone()),
            Some(vec![
                "/bin/sh".to_string(),
                "-c".into(),
                r#"exec serve --token="$STACKC_SECRET_TOKEN""#.into()
            ])
        );
        assert_eq!(
            s.command.as_ref().map(|(argv, _)| argv.clone()),
            Some(vec![])
        );
        assert_eq!(
            s.health.as_ref().map(|h| h.argv.clone()),
            Some(vec![
                "/bin/sh".to_string(),
                "-c".into(),
                r#"probe --token "$STACKC_SECRET_TOKEN""#.into()
            ])
        );
        // The variable reaches the container: a podman secret in Quadlet, else the env file.
        let quadlet = o.flavour == SystemdFlavour::Quadlet;
        match (&s.env[..], quadlet) {
            ([EnvItem::Secret { key, name, .. }], true) => {
                assert_eq!(
                    (key.as_str(), name.as_str()),
                    ("STACKC_SECRET_TOKEN", "s-token")
                )
            }
            ([EnvItem::File], false) => assert_eq!(
                plan.env_files[0].lines,
                [("STACKC_SECRET_TOKEN".to_string(), "${TOKEN}".to_string())]
            ),
            (other, _) => panic!("{o:?}: {other:?}"),
        }
        let podman_secrets: Vec<(String, String)> = if quadlet {
            vec![("s-token".into(), "TOKEN".into())]
        } else {
            Vec::new()
        };
        assert_eq!(plan.podman_secrets, podman_secrets);
        // Only the exec-form process changed its shape (the health check was a script).
        assert_eq!(
            facts(&losses),
            [(
                Some("web".to_string()),
                "entrypoint".to_string(),
                Outcome::Approximated("a secret in its arguments is read from the container's environment: it runs as `/bin/sh -c 'exec ...'`, so the image needs `/bin/sh`".into())
            )],
            "{o:?}"
        );
    }
}

#[test]
fn a_secret_where_no_shell_expands_it_is_one_refusal_for_every_target() {
    let c = compiled(
        "stack: s\nsecrets:\n  token: { generate: { length: 24 } }\nservices:\n  web:\n    image: nginx:1.27\n    command: \"cat <<'EOF'\\n${secrets.token}\\nEOF\"\n",
    );
    for o in [
        quadlet("5.4"),
        units(Runtime::Podman),
        units(Runtime::Docker),
    ] {
        let (plan, errors, _) = lowered(&c, &o);
        let found: Vec<(&str, &str)> = errors
            .iter()
            .map(|d| (d.code.as_str(), d.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [(
                "STK052",
                "a secret is used in a here-document with a quoted delimiter (`<<'EOF'`) in the command of `web`, where the shell expands no variable"
            )],
            "{o:?}"
        );
        assert_eq!(errors[0].location().map(|(_, l, _)| l), Some(7));
        assert!(plan.services[0].command.is_none());
    }
}

#[test]
fn the_host_network_drops_ports_with_the_same_loss_for_both_flavours() {
    let c = compiled(
        "stack: s\nservices:\n  mon:\n    image: busybox:1.37\n    ports: [{ port: 9100, expose: public }]\n    security: { host_namespaces: [network] }\n",
    );
    let (q, _, q_losses) = lowered(&c, &quadlet("5.4"));
    let (u, _, u_losses) = lowered(&c, &units(Runtime::Podman));
    for plan in [&q, &u] {
        let s = &plan.services[0];
        assert!(s.net.host && s.net.nets.is_empty() && s.net.alias.is_none());
        assert!(s.ports.is_empty());
        assert!(plan.networks.is_empty());
    }
    let ports = (
        Some("mon".to_string()),
        "ports".to_string(),
        Outcome::Dropped(
            "with the host's network, the container's ports are the host's; nothing is published"
                .into(),
        ),
    );
    assert!(facts(&q_losses).contains(&ports), "{q_losses:#?}");
    assert_eq!(facts(&q_losses), facts(&u_losses));
}

#[test]
fn a_low_host_port_makes_podman_units_rootful() {
    let c = compiled(
        "stack: s\nservices:\n  web:\n    image: nginx:1.27\n    ports: [{ port: 8080, host_port: 80, expose: public }]\n",
    );
    for o in [quadlet("5.4"), units(Runtime::Podman)] {
        let (plan, _, losses) = lowered(&c, &o);
        let whats: Vec<&str> = plan.rootful.iter().map(|r| r.what.as_str()).collect();
        assert_eq!(whats, ["host port 80 is below 1024"], "{o:?}");
        let rootless: Vec<_> = losses.iter().filter(|l| l.feature == "rootless").collect();
        assert_eq!(rootless.len(), 1);
        assert_eq!(
            rootless[0].outcome,
            Outcome::Approximated("host port 80 is below 1024, which rootless Podman cannot do: install these units rootful (README)".into())
        );
    }
    let (docker, _, _) = lowered(&c, &units(Runtime::Docker));
    assert!(docker.rootful.is_empty(), "docker units are always rootful");
    assert_eq!(docker.daemon, Some("docker.service"));
}

#[test]
fn a_memory_limit_uses_the_quadlet_key_the_target_has() {
    let c = compiled(
        "stack: s\nservices:\n  web:\n    image: nginx:1.27\n    resources: { memory: 256Mi }\n",
    );
    let memory = |o: &SystemdOptions| {
        let (plan, errors, _) = lowered(&c, o);
        let m = plan.services[0].memory.clone().map(|(m, _, via)| (m, via));
        (
            m,
            errors.iter().map(|d| d.message.clone()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        memory(&quadlet("5.5")),
        (Some(("256m".into(), Via::Key)), vec![])
    );
    assert_eq!(
        memory(&quadlet("5.4")),
        (Some(("256m".into(), Via::Arg)), vec![])
    );
    assert_eq!(
        memory(&units(Runtime::Docker)),
        (Some(("256m".into(), Via::Arg)), vec![])
    );
    let (none, errors) = memory(&quadlet("4.5"));
    assert_eq!(none, None);
    // The network alias needs `PodmanArgs=` below 5.0 too.
    assert_eq!(
        errors,
        [
            "`network alias` of `web` needs the Quadlet key `PodmanArgs=`, which Podman 4.6 introduced; the target is Podman 4.5",
            "`memory limit` of `web` needs the Quadlet key `PodmanArgs=`, which Podman 4.6 introduced; the target is Podman 4.5"
        ]
    );
}

#[test]
fn readiness_follows_what_the_targeted_podman_can_report() {
    let c = compiled(
        "stack: s\nservices:\n  db:\n    image: postgres:17.6-alpine\n    health: { cmd: [pg_isready] }\n  web:\n    image: nginx:1.27\n    depends_on: { db: healthy }\n",
    );
    let db = |o: &SystemdOptions| {
        let (plan, _, losses) = lowered(&c, o);
        let waits = losses
            .iter()
            .filter(|l| l.feature == "depends_on.db: healthy")
            .count();
        (
            plan.services[0].readiness,
            plan.services[1].readiness,
            waits,
        )
    };
    assert_eq!(
        db(&quadlet("5.0")),
        (Readiness::Healthy(Via::Key), Readiness::Started, 0)
    );
    assert_eq!(
        db(&quadlet("4.7")),
        (Readiness::Healthy(Via::Arg), Readiness::Started, 0)
    );
    assert_eq!(
        db(&quadlet("4.6")),
        (Readiness::Started, Readiness::Started, 1)
    );
    assert_eq!(
        db(&units(Runtime::Docker)),
        (Readiness::Healthy(Via::Arg), Readiness::Started, 0)
    );
}

#[test]
fn a_whole_required_secret_is_a_podman_secret_in_quadlet_only() {
    let c = compiled(
        "stack: s\nsecrets:\n  db_password: { generate: { length: 24 } }\nservices:\n  web:\n    image: nginx:1.27\n    env:\n      PASS: ${secrets.db_password}\n      URL: \"pg://u:${secrets.db_password}@db/app\"\n",
    );
    let (q, _, _) = lowered(&c, &quadlet("5.4"));
    let env = &q.services[0].env;
    assert!(
        matches!(&env[0], EnvItem::Secret { key, name, .. } if key == "PASS" && name == "s-db-password"),
        "{env:?}"
    );
    assert!(matches!(env[1], EnvItem::File));
    assert_eq!(
        q.env_files[0].lines,
        [(
            "URL".to_string(),
            "pg://u:${DB_PASSWORD}@db/app".to_string()
        )]
    );
    assert_eq!(q.env_files[0].vars, ["DB_PASSWORD"]);
    assert_eq!(
        q.podman_secrets,
        [("s-db-password".to_string(), "DB_PASSWORD".to_string())]
    );

    let (u, _, _) = lowered(&c, &units(Runtime::Podman));
    assert!(u.services[0].env.iter().all(|i| matches!(i, EnvItem::File)));
    assert_eq!(u.env_files[0].lines.len(), 2);
    assert!(u.podman_secrets.is_empty());
    assert!(
        u.services[0].uses_state_dir(),
        "the env file is read from the state directory"
    );
}

#[test]
fn a_comma_in_a_podman_secret_target_is_one_refusal_for_quadlet_and_podman_units() {
    let c = compiled(
        "stack: s\nsecrets:\n  cert: { generate: { length: 24 } }\nservices:\n  web:\n    image: nginx:1.27\n    volumes: [{ secret: cert, target: \"/run/a,b\" }]\n",
    );
    let (q, q_errors, _) = lowered(&c, &quadlet("5.4"));
    assert!(q.services[0].mounts.is_empty());
    assert_eq!(
        q_errors
            .iter()
            .map(|d| d.message.as_str())
            .collect::<Vec<_>>(),
        ["the secret file path of `web` contains `,`, which podman reads as a separator"]
    );
    let (_, u_errors, _) = lowered(&c, &units(Runtime::Podman));
    let messages = |d: &[Diagnostic]| {
        d.iter()
            .map(|d| (d.code, d.message.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(messages(&u_errors), messages(&q_errors));
    // Docker units bind-mount a state-directory file, where only `:` separates.
    let (d, d_errors, _) = lowered(&c, &units(Runtime::Docker));
    assert!(d_errors.is_empty(), "{d_errors:#?}");
    assert!(matches!(
        &d.services[0].mounts[0],
        MountPlan::Bind { source: Source::Path(p), target, .. } if p == "./secrets/cert" && target == "/run/a,b"
    ));
}

#[test]
fn a_secret_in_the_command_of_an_image_with_a_known_entrypoint_starts_it_through_the_shell() {
    // The redis image's entrypoint is `docker-entrypoint.sh`: the shell starts it with the
    // command, the secret read from the environment.
    let c = compiled(
        "stack: s\nsecrets:\n  pw: { generate: { length: 24 } }\nservices:\n  cache:\n    image: redis:7.4.1\n    command: [redis-server, --requirepass, \"${secrets.pw}\"]\n",
    );
    for o in [quadlet("5.4"), units(Runtime::Docker)] {
        let (plan, errors, _) = lowered(&c, &o);
        assert!(errors.is_empty(), "{errors:?}");
        let s = &plan.services[0];
        assert_eq!(
            s.entrypoint.as_ref().map(|(argv, _, _)| argv.clone()),
            Some(vec![
                "/bin/sh".to_string(),
                "-c".into(),
                r#"exec docker-entrypoint.sh redis-server --requirepass "$STACKC_SECRET_PW""#
                    .into()
            ])
        );
        assert_eq!(
            s.command.as_ref().map(|(argv, _)| argv.clone()),
            Some(Vec::<String>::new())
        );
    }
}
