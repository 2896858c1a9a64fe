//! Property test: for generated specs, every target built through the backends (in memory,
//! written to a temporary directory) reads back into a model that agrees with the spec.

use std::fmt::Write as _;
use std::path::Path;

use proptest::prelude::*;
use stackc_backends::output::{BackendOutput, EmitContext};
use stackc_compiler::pipeline::compile;
use stackc_compiler::syntax::ParseOptions;
use stackc_verify::Target;

#[derive(Clone, Debug)]
struct Svc {
    /// (port, exposure, host address variant, udp, host port offset)
    ports: Vec<(u16, &'static str, u8, bool, u8)>,
    env: Vec<(usize, u8)>,
    networks: Vec<usize>,
    volume: Option<usize>,
    depends: Option<(usize, bool)>,
    health: bool,
    cpus: Option<u8>,
    memory: Option<u8>,
    replicas: u8,
    read_only: bool,
    user: bool,
    command: bool,
    build: bool,
    job: bool,
}

fn svc() -> impl Strategy<Value = Svc> {
    let port = (
        0u16..3,
        prop::sample::select(vec!["internal", "loopback", "public"]),
        0u8..4,
        prop::bool::weighted(0.2),
        0u8..3,
    );
    (
        prop::collection::vec(port, 0..3),
        prop::collection::vec((0usize..8, 0u8..6), 0..4),
        prop::collection::vec(0usize..2, 0..3),
        prop::option::of(0usize..2),
        prop::option::of((0usize..4, any::<bool>())),
        any::<bool>(),
        (prop::option::of(1u8..8), prop::option::of(1u8..8)),
        1u8..4,
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.25),
        ),
    )
        .prop_map(
            |(
                ports,
                env,
                networks,
                volume,
                depends,
                health,
                (cpus, memory),
                replicas,
                (read_only, user, command, build, job),
            )| Svc {
                ports,
                env,
                networks,
                volume,
                depends,
                health,
                cpus,
                memory,
                replicas,
                read_only,
                user,
                command,
                build,
                job,
            },
        )
}

/// The spec text of generated services.
/// `internal`: `None` declares no network (everyone on the default one); else whether `front`
/// and `back` are internal; a service that names no network is on the stack's default network
/// (this case found the Kubernetes NetworkPolicy that admitted every source with `from: []`).
fn spec(services: &[Svc], internal: Option<(bool, bool)>, k8s: u8) -> String {
    let mut s = String::from("stack: prop\nversion: 1\n");
    s.push_str(
        [
            "",
            "targets:\n  k8s: { host: prop.example.com }\n",
            "targets:\n  k8s: { expose: loadbalancer }\n",
        ][k8s as usize],
    );
    s.push_str("secrets:\n  token: { generate: { length: 16 } }\n  api_key: { from_env: API_KEY, optional: true }\n");
    s.push_str("variables:\n  level: { default: info }\n");
    if let Some(internal) = internal {
        let _ = writeln!(
            s,
            "networks:\n  front: {{ internal: {} }}\n  back: {{ internal: {} }}",
            internal.0, internal.1
        );
    }
    s.push_str("volumes:\n  data: {}\n  cache: {}\nservices:\n");
    let nets = ["front", "back"];
    for (i, v) in services.iter().enumerate() {
        let _ = writeln!(s, "  svc_{i}:");
        if v.job {
            s.push_str("    kind: job\n");
        }
        if v.build {
            let _ = writeln!(
                s,
                "    build: {{ base: alpine:3.22.1, cmd: [/bin/run, \"{i}\"], image: ghcr.io/example/b{i}:1.0.0 }}"
            );
        } else {
            s.push_str("    image: nginx:1.27.0\n");
        }
        let mut ports: Vec<u16> = Vec::new();
        let mut lines = Vec::new();
        for (k, expose, ip, udp, offset) in &v.ports {
            let port = 8000 + (i as u16) * 10 + k;
            if ports.contains(&port) {
                continue;
            }
            ports.push(port);
            let mut extra = String::new();
            if *expose != "internal" {
                extra
                    .push_str(["", ", host_ip: 127.0.0.2", ", host_ip: \"::1\"", ""][*ip as usize]);
                // Several replicas cannot share one fixed host port (compose refuses it, STK049).
                let replicated = v.replicas > 1 && v.volume.is_none() && !v.job;
                if replicated {
                    extra.push_str(", host_port: 0");
                } else if *offset > 0 {
                    let _ = write!(
                        extra,
                        ", host_port: {}",
                        20000 + (port - 8000) * 4 + u16::from(*offset)
                    );
                }
            }
            if *udp {
                extra.push_str(", protocol: udp");
            }
            lines.push(format!("{{ port: {port}, expose: {expose}{extra} }}"));
        }
        if !lines.is_empty() {
            let _ = writeln!(s, "    ports: [{}]", lines.join(", "));
        }
        if !v.env.is_empty() {
            s.push_str("    env:\n");
            for (n, (other, kind)) in v.env.iter().enumerate() {
                let target = other % services.len();
                let value = match kind {
                    0 => "plain $$HOME 100% \\\"quoted\\\" 'text'".to_string(),
                    1 => "${secrets.token}".to_string(),
                    2 => "pre-${secrets.token}-post".to_string(),
                    3 if target != i => format!("http://${{services.svc_{target}.host}}:80"),
                    4 => "${secrets.api_key}".to_string(),
                    _ => "${vars.level}".to_string(),
                };
                let _ = writeln!(s, "      VAR_{n}: \"{value}\"");
            }
        }
        let mut n: Vec<&str> = v.networks.iter().map(|k| nets[*k]).collect();
        if internal.is_none() {
            n.clear();
        } else if n.is_empty() && i % 3 != 2 {
            // Every third service without networks stays on the stack's default network.
            n.push(nets[i % 2]);
        }
        n.sort();
        n.dedup();
        if !n.is_empty() {
            let _ = writeln!(s, "    networks: [{}]", n.join(", "));
        }
        if let Some(vol) = v.volume {
            let ro = if v.read_only { ":ro" } else { "" };
            let _ = writeln!(
                s,
                "    volumes: [\"{}:/srv/data{ro}\"]",
                ["data", "cache"][vol]
            );
        }
        if let Some((d, healthy)) = v.depends
            && d < i
        {
            let cond = match (services[d].job, healthy && services[d].health) {
                (true, _) => "completed",
                (false, true) => "healthy",
                (false, false) => "started",
            };
            let _ = writeln!(s, "    depends_on: {{ svc_{d}: {cond} }}");
        }
        if v.health {
            s.push_str("    health: { cmd: [/bin/true], interval: 15s, retries: 4 }\n");
        }
        let mut res = Vec::new();
        if let Some(c) = v.cpus {
            res.push(format!("cpus: {}", f64::from(c) / 4.0));
        }
        if let Some(m) = v.memory {
            res.push(format!("memory: {}Mi", u32::from(m) * 64));
        }
        if !res.is_empty() {
            let _ = writeln!(s, "    resources: {{ {} }}", res.join(", "));
        }
        if v.replicas > 1 && v.volume.is_none() && !v.job {
            let _ = writeln!(s, "    replicas: {}", v.replicas);
        }
        if v.read_only {
            s.push_str("    security: { read_only: true }\n");
        }
        if v.user {
            s.push_str("    user: \"1000\"\n");
        }
        if v.command {
            let _ = writeln!(s, "    command: [serve, --port, \"{}\"]", 8000 + i * 10);
        }
    }
    s
}

fn write(dir: &Path, out: &BackendOutput) {
    for f in &out.files {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.contents).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_target_of_a_generated_spec_verifies(services in prop::collection::vec(svc(), 1..5), internal in prop::option::of((any::<bool>(), any::<bool>())), k8s in 0u8..3) {
        let text = spec(&services, internal, k8s);
        let tmp = tempfile::tempdir().unwrap();
        let compiled = match compile("stack.yaml", text.as_bytes(), "dev", tmp.path(), &ParseOptions::default()) {
            Ok(c) => c,
            Err(d) => panic!("generated spec does not compile: {d:?}\n{text}"),
        };
        let stack = &compiled.stack;
        for target in Target::ALL {
            let dir = tmp.path().join(target.name());
            std::fs::create_dir_all(&dir).unwrap();
            let ctx = EmitContext { source_root: "..".into(), output_from_source: target.name().into(), spec_name: "stack.yaml".into() };
            let out = stackc_backends::emit(target, stack, &ctx, &stackc_backends::EmitOptions::default());
            let out = out.unwrap_or_else(|d| panic!("{} does not emit: {d:?}\n{text}", target.name()));
            write(&dir, &out);
            let found = stackc_verify::verify_target(stack, target, &dir);
            let found: Vec<String> = found.iter().map(|d| format!("{:?}: {}", d.location(), d.message)).collect();
            prop_assert!(found.is_empty(), "{}: {:#?}\n{}", target.name(), found, text);
        }
    }
}

/// Text that looks a little like each target's files: keys, sections, flags, quotes, anchors.
fn noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "services:\n",
            "  api:\n",
            "    ports: [",
            "\"127.0.0.1:80:80\"",
            "]\n",
            "&a ",
            "*a ",
            "- ",
            "{",
            "}",
            "kind: Deployment\n",
            "kind: NetworkPolicy\n",
            "spec:\n",
            "  ingress:\n  - from: []\n",
            "---\n",
            "[Container]\n",
            "[Unit]\n",
            "Requires=x.service\n",
            "PublishPort=[::1]:80:80\n",
            "Secret=a,type=env\n",
            "ExecStart=/usr/bin/podman run \"--env=A=\\\"b\\\"\" img\n",
            "\\\n",
            "FROM x\n",
            "HEALTHCHECK --interval=",
            "CMD [\"a\"\n",
            "USER \n",
            "EXPOSE 80/udp x\n",
            "${",
            "$$(",
            "%%",
            "\t",
            "\u{0}",
            "é",
        ])
        .prop_map(str::to_string),
        "[ -~]{0,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Hostile or broken outputs are findings, never a crash.
    #[test]
    fn readers_never_panic_on_broken_outputs(text in noise()) {
        let spec = "stack: s\nversion: 1\nservices:\n  api:\n    image: nginx:1.27.0\n    ports: [80]\n";
        let tmp = tempfile::tempdir().unwrap();
        let compiled = compile("stack.yaml", spec.as_bytes(), "dev", tmp.path(), &ParseOptions::default()).unwrap();
        for (target, file) in [
            (Target::Compose, "compose.yaml"),
            (Target::K8s, "api.deployment.yaml"),
            (Target::Quadlet, "s-api.container"),
            (Target::Units, "s-api.service"),
            (Target::Dockerfile, "api.Dockerfile"),
        ] {
            let dir = tmp.path().join(target.name());
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(file), &text).unwrap();
            let found = stackc_verify::verify_target(&compiled.stack, target, &dir);
            if target != Target::Dockerfile {
                prop_assert!(!found.is_empty(), "{}: broken output verified clean:\n{}", target.name(), text);
            }
            for d in &found {
                prop_assert!(d.code == "STK095" || d.code == "STK096");
                prop_assert!(d.location().is_some());
            }
        }
    }
}
