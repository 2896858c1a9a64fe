//! Synthetic stacks for benchmarks, shared by `cargo xtask bench` and the criterion benches
//! (`backends/benches/stages.rs` includes this file by path). Std only.

use std::fmt::Write as _;

/// A synthetic stack of `n` services: images, env with secrets and service refs, ports,
/// volumes, health, dependencies on earlier services, two network tiers.
pub fn stack_spec(n: usize) -> String {
    let mut s = format!("stack: bench-{n}\nsecrets:\n");
    for i in 0..n.div_ceil(10) {
        let _ = writeln!(s, "  secret_{i}: {{ generate: {{ length: 32 }} }}");
    }
    s.push_str("networks:\n  front: {}\n  back: { internal: true }\nvolumes:\n");
    for i in (0..n).step_by(5) {
        let _ = writeln!(s, "  data_{i}: {{ size: 1Gi }}");
    }
    s.push_str("services:\n");
    for i in 0..n {
        let _ = writeln!(s, "  svc_{i}:");
        let _ = writeln!(s, "    image: ghcr.io/acme/svc-{i}:1.{}.{}", i % 7, i % 13);
        s.push_str("    env:\n");
        let _ = writeln!(s, "      LOG_LEVEL: info\n      SERVICE_INDEX: \"{i}\"");
        let _ = writeln!(s, "      DB_PASSWORD: ${{secrets.secret_{}}}", i / 10);
        if i > 0 {
            let _ = writeln!(
                s,
                "      UPSTREAM: http://${{services.svc_{}.host}}:${{services.svc_{}.port}}",
                i - 1,
                i - 1
            );
        }
        if i % 50 == 0 {
            let _ = writeln!(
                s,
                "    ports: [{{ port: 8080, expose: public, host_port: {} }}]",
                20000 + i / 50
            );
        } else {
            s.push_str("    ports: [8080]\n");
        }
        if i % 5 == 0 {
            let _ = writeln!(s, "    volumes: [data_{i}:/var/lib/data]");
        }
        s.push_str("    health: { cmd: [wget, -q, --spider, \"http://127.0.0.1:8080/healthz\"], http: { path: /healthz, port: 8080 } }\n");
        if i > 0 {
            let _ = writeln!(s, "    depends_on: {{ svc_{}: healthy }}", i - 1);
        }
        s.push_str(if i % 50 == 0 {
            "    networks: [front, back]\n"
        } else {
            "    networks: [back]\n"
        });
        s.push_str("    resources: { cpus: 0.5, memory: 256Mi }\n");
    }
    s
}

/// The same stack as a compose file, for the peers.
pub fn compose_file(n: usize) -> String {
    let mut s = format!("name: bench-{n}\nservices:\n");
    for i in 0..n {
        let _ = writeln!(s, "  svc_{i}:");
        let _ = writeln!(s, "    image: ghcr.io/acme/svc-{i}:1.{}.{}", i % 7, i % 13);
        s.push_str("    restart: unless-stopped\n    environment:\n      LOG_LEVEL: info\n");
        let _ = writeln!(
            s,
            "      SERVICE_INDEX: \"{i}\"\n      DB_PASSWORD: ${{SECRET_{}:?set it}}",
            i / 10
        );
        if i % 50 == 0 {
            let _ = writeln!(
                s,
                "    ports:\n      - \"127.0.0.1:{}:8080\"",
                20000 + i / 50
            );
        }
        if i % 5 == 0 {
            let _ = writeln!(s, "    volumes:\n      - data_{i}:/var/lib/data");
        }
        s.push_str("    healthcheck:\n      test: [\"CMD\", \"wget\", \"-q\", \"--spider\", \"http://127.0.0.1:8080/healthz\"]\n      interval: 10s\n");
        if i > 0 {
            let _ = writeln!(
                s,
                "    depends_on:\n      svc_{}:\n        condition: service_healthy",
                i - 1
            );
        }
        s.push_str("    networks: [back]\n");
    }
    s.push_str("networks:\n  back:\n    internal: true\nvolumes:\n");
    for i in (0..n).step_by(5) {
        let _ = writeln!(s, "  data_{i}: {{}}");
    }
    s
}

/// A compose file of `n` services with four findings each (an image without a tag, a port on
/// every interface, a literal credential, no health check) and none of the hardening infos:
/// the "many findings" case, about 4 000 findings for 1 000 services.
pub fn compose_with_findings(n: usize) -> String {
    let mut s = format!("name: findings-{n}\nservices:\n");
    for i in 0..n {
        let _ = writeln!(s, "  svc_{i}:");
        let _ = writeln!(s, "    image: acme/svc-{i}");
        let _ = writeln!(s, "    ports:\n      - \"{}:8080\"", 10000 + i % 50000);
        let _ = writeln!(s, "    environment:\n      DB_PASSWORD: hunter2-{i}");
        s.push_str("    read_only: true\n    security_opt: [\"no-new-privileges:true\"]\n");
        s.push_str("    cap_drop: [ALL]\n    mem_limit: 256m\n    cpus: 0.5\n");
    }
    s
}

/// A stack spec written on one line (flow style), `n` services with a long label each: every
/// finding's snippet is that one line (about 113 KB for 1 000 services).
pub fn one_line_spec(n: usize) -> String {
    let mut s = String::from("{stack: one-line, services: {");
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(
            s,
            "s{i}: {{image: nginx, labels: {{note: \"{}\"}}}}",
            "x".repeat(80)
        );
    }
    s.push_str("}}\n");
    s
}

/// A stack spec of `n` minimal services (one line each), for the scaling of lint with the
/// number of services and findings (128 000 services is about 4 MB).
pub fn many_services_spec(n: usize) -> String {
    let mut s = format!("stack: many-{n}\nservices:\n");
    for i in 0..n {
        let _ = writeln!(s, "  s{i}: {{ image: nginx }}");
    }
    s
}

/// A compose file whose `n` services extend a service of `base.yaml` (the second string), a
/// file of about `base_kb` KB with a three-level `extends` chain: each file must be read once.
pub fn extends_pair(n: usize, base_kb: usize) -> (String, String) {
    let mut base = String::from(
        "services:\n  root:\n    image: nginx:1.27.3\n  mid:\n    extends: root\n  leaf:\n    extends: mid\n",
    );
    let mut i = 0;
    while base.len() < base_kb * 1000 {
        let _ = writeln!(
            base,
            "  filler_{i}:\n    image: nginx:1.27.3\n    labels: {{ note: \"{}\" }}",
            "x".repeat(40)
        );
        i += 1;
    }
    let mut main = String::from("name: extends\nservices:\n");
    for i in 0..n {
        let _ = writeln!(
            main,
            "  s{i}:\n    extends:\n      file: base.yaml\n      service: leaf"
        );
    }
    (main, base)
}
