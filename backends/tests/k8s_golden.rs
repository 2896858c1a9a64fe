//! Golden outputs of the Kubernetes backend, and the facts about them that must hold.
//!
//! Each case compiles a spec, emits it in memory and compares every file byte for byte with the
//! committed output directory (which must hold exactly those files). `STACKC_BLESS=1` rewrites
//! the directories instead.

mod common;

use std::collections::BTreeMap;

use common::compile_for;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Container, EnvVar, Service};
use k8s_openapi::api::networking::v1::Ingress;
use serde::de::DeserializeOwned;
use stackc_backends::k8s;
use stackc_backends::output::{BackendOutput, EmitContext, GENERATED_MARKER, Outcome};

/// A golden case: spec, environment, output directory (all relative to the repository root).
struct Case {
    spec: &'static str,
    env: &'static str,
    out: &'static str,
}

const CASES: &[Case] = &[
    Case {
        spec: "fixtures/k8s-basic/stack.yaml",
        env: "dev",
        out: "fixtures/k8s-basic/out/k8s",
    },
    Case {
        spec: "examples/an-app/stack.yaml",
        env: "dev",
        out: "examples/an-app/out/dev/k8s",
    },
    Case {
        spec: "examples/an-app/stack.yaml",
        env: "prod",
        out: "examples/an-app/out/prod/k8s",
    },
    Case {
        spec: "fixtures/k8s-edge/stack.yaml",
        env: "dev",
        out: "fixtures/k8s-edge/out/k8s",
    },
];

fn emit(case: &Case) -> BackendOutput {
    let (compiled, ctx) = compile_for(case.spec, case.env, case.out);
    k8s::emit(&compiled.stack, &ctx)
        .unwrap_or_else(|d| panic!("{} does not emit: {d:?}", case.spec))
}

fn files(out: &BackendOutput) -> BTreeMap<&str, &str> {
    out.files
        .iter()
        .map(|f| (f.path.as_str(), f.contents.as_str()))
        .collect()
}

fn an_app_prod() -> BackendOutput {
    emit(&CASES[2])
}

#[test]
fn k8s_every_file_carries_the_generated_marker() {
    for case in CASES {
        for f in emit(case).files {
            let first = f.contents.lines().next().unwrap_or_default();
            assert!(
                first.contains(GENERATED_MARKER),
                "{}/{}: first line `{first}`",
                case.out,
                f.path
            );
            let expected = if f.path.ends_with(".md") {
                "<!-- "
            } else {
                "# "
            };
            assert!(first.starts_with(expected), "{}/{}", case.out, f.path);
        }
    }
}

/// Every document of a YAML file, as JSON values.
fn documents(text: &str) -> Vec<serde_json::Value> {
    serde_saphyr::from_multiple::<serde_json::Value>(text).unwrap()
}

/// Whether `actual` is `name`, or for a Job `name-<8 hex digits of its template's hash>`.
fn named(kind: &str, actual: &serde_json::Value, name: &str) -> bool {
    let Some(a) = actual.as_str() else {
        return false;
    };
    a == name
        || (kind == "Job"
            && a.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|h| h.len() == 8 && h.chars().all(|c| c.is_ascii_hexdigit())))
}

/// The document of `kind` named `name` in a file (a Job by its name before the hash).
fn object<T: DeserializeOwned>(text: &str, kind: &str, name: &str) -> T {
    let doc = documents(text)
        .into_iter()
        .find(|d| d["kind"] == kind && named(kind, &d["metadata"]["name"], name))
        .unwrap_or_else(|| panic!("no {kind} `{name}`"));
    serde_json::from_value(doc).unwrap()
}

fn env_of<'a>(c: &'a Container, name: &str) -> &'a EnvVar {
    c.env
        .as_ref()
        .unwrap()
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no env {name}"))
}

fn env_index(c: &Container, name: &str) -> usize {
    c.env
        .as_ref()
        .unwrap()
        .iter()
        .position(|e| e.name == name)
        .unwrap_or_else(|| panic!("no env {name}"))
}

#[test]
fn k8s_an_app_prod_workloads() {
    let out = an_app_prod();
    let f = files(&out);
    for db in ["postgres", "redis", "neo4j", "qdrant", "ollama", "minio"] {
        let text = f
            .get(format!("{db}.statefulset.yaml").as_str())
            .unwrap_or_else(|| panic!("{db} is not a StatefulSet"));
        let sts: StatefulSet = object(text, "StatefulSet", db);
        let spec = sts.spec.unwrap();
        assert_eq!(
            spec.service_name.as_deref(),
            Some(format!("{db}-headless").as_str())
        );
        let claims = spec.volume_claim_templates.unwrap();
        assert!(!claims.is_empty(), "{db} has no volumeClaimTemplates");
        assert!(!f.contains_key(format!("{db}.deployment.yaml").as_str()));
        let svc: Service = object(
            f[format!("{db}.service.yaml").as_str()],
            "Service",
            &format!("{db}-headless"),
        );
        assert_eq!(svc.spec.unwrap().cluster_ip.as_deref(), Some("None"));
    }
    let pg: StatefulSet = object(f["postgres.statefulset.yaml"], "StatefulSet", "postgres");
    let claim = &pg.spec.unwrap().volume_claim_templates.unwrap()[0];
    assert_eq!(claim.metadata.name.as_deref(), Some("postgres-data"));
    assert_eq!(
        claim
            .spec
            .as_ref()
            .unwrap()
            .resources
            .as_ref()
            .unwrap()
            .requests
            .as_ref()
            .unwrap()["storage"]
            .0,
        "20Gi"
    );

    for job in ["neo4j-setup", "minio-setup"] {
        let j: Job = object(f[format!("{job}.job.yaml").as_str()], "Job", job);
        let spec = j.spec.unwrap();
        assert_eq!(spec.backoff_limit, Some(4));
        let pod = spec.template.spec.unwrap();
        assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
        assert!(pod.containers[0].readiness_probe.is_none());
    }
    // The setup job's state volume survives the job: a standalone claim.
    assert!(f.contains_key("neo4j-setup-state.pvc.yaml"));

    let api: Deployment = object(f["api.deployment.yaml"], "Deployment", "api");
    let spec = api.spec.unwrap();
    assert_eq!(spec.replicas, Some(2));
    let pod = spec.template.spec.unwrap();
    assert_eq!(pod.automount_service_account_token, Some(false));
    assert_eq!(pod.service_account_name.as_deref(), Some("api"));
    let c = &pod.containers[0];
    assert_eq!(c.image.as_deref(), Some("ghcr.io/example/an-app-api:1.0.0"));
    let sc = c.security_context.as_ref().unwrap();
    assert_eq!(sc.run_as_non_root, Some(true));
    assert_eq!(sc.run_as_user, Some(10001));
    assert_eq!(sc.allow_privilege_escalation, Some(false));
    assert_eq!(
        sc.capabilities.as_ref().unwrap().drop.as_deref(),
        Some(&["ALL".to_string()][..])
    );
    let limits = c.resources.as_ref().unwrap().limits.as_ref().unwrap();
    assert_eq!(limits["cpu"].0, "2");
    assert_eq!(limits["memory"].0, "2Gi");
    assert_eq!(
        c.resources.as_ref().unwrap().requests.as_ref().unwrap()["cpu"].0,
        "500m"
    );
    let ready = c.readiness_probe.as_ref().unwrap();
    let live = c.liveness_probe.as_ref().unwrap();
    assert_eq!(
        ready.http_get.as_ref().unwrap().path.as_deref(),
        Some("/health")
    );
    assert_eq!(
        (ready.period_seconds, ready.failure_threshold),
        (Some(10), Some(3))
    );
    assert_eq!(
        (live.period_seconds, live.failure_threshold),
        (Some(20), Some(6))
    );
    // start_period 15s, interval 10s: ceil(15/10) + 3 retries.
    assert_eq!(c.startup_probe.as_ref().unwrap().failure_threshold, Some(5));

    let inits: Vec<&str> = pod
        .init_containers
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        inits,
        [
            "wait-postgres",
            "wait-redis",
            "wait-neo4j-setup",
            "wait-qdrant",
            "wait-minio-setup",
            "wait-ollama"
        ]
    );
    let wait_pg = &pod.init_containers.as_ref().unwrap()[0];
    assert_eq!(wait_pg.image.as_deref(), Some("busybox:1.37.0"));
    assert_eq!(
        wait_pg.command.as_ref().unwrap()[3..],
        ["postgres".to_string(), "5432".to_string()]
    );
    let wait_job = &pod.init_containers.as_ref().unwrap()[2];
    assert_eq!(
        wait_job.image.as_deref(),
        Some("registry.k8s.io/kubectl:v1.33.5")
    );
    let setup: Job = object(f["neo4j-setup.job.yaml"], "Job", "neo4j-setup");
    let setup_name = setup.metadata.name.unwrap();
    assert_ne!(
        setup_name, "neo4j-setup",
        "a Job is named by its template's hash"
    );
    assert!(
        wait_job
            .args
            .as_ref()
            .unwrap()
            .contains(&format!("job/{setup_name}"))
    );
    assert!(f.contains_key("api.rbac.yaml"));

    let svc: Service = object(f["api.service.yaml"], "Service", "api");
    let svc_spec = svc.spec.unwrap();
    assert_eq!(svc_spec.type_.as_deref(), Some("ClusterIP"));
    assert_eq!(svc_spec.ports.unwrap()[0].name.as_deref(), Some("http"));
    let ing: Ingress = object(f["ingress.yaml"], "Ingress", "an-app");
    let ing_spec = ing.spec.unwrap();
    assert_eq!(ing_spec.ingress_class_name.as_deref(), Some("nginx"));
    let rule = &ing_spec.rules.unwrap()[0];
    assert_eq!(rule.host.as_deref(), Some("api.an-app.example.com"));
    let path = &rule.http.as_ref().unwrap().paths[0];
    assert_eq!(
        (path.path.as_deref(), path.path_type.as_str()),
        (Some("/"), "Prefix")
    );
    assert_eq!(path.backend.service.as_ref().unwrap().name, "api");
}

#[test]
fn k8s_secrets_are_references_with_documented_names() {
    let out = an_app_prod();
    let f = files(&out);
    let api: Deployment = object(f["api.deployment.yaml"], "Deployment", "api");
    let c = api
        .spec
        .unwrap()
        .template
        .spec
        .unwrap()
        .containers
        .remove(0);

    // A composed value: the helper variable from the Secret, placed before the value using it.
    let helper = env_of(&c, "STACKC_SECRET_DATABASE_PASSWORD");
    let r = helper
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!(
        (r.name.as_str(), r.key.as_str(), r.optional),
        ("an-app-secrets", "db-password", None)
    );
    assert!(env_index(&c, "STACKC_SECRET_DATABASE_PASSWORD") < env_index(&c, "DATABASE_URL"));
    assert_eq!(
        env_of(&c, "DATABASE_URL").value.as_deref(),
        Some("postgresql+asyncpg://appuser:$(STACKC_SECRET_DATABASE_PASSWORD)@postgres:5432/appdb")
    );
    assert_eq!(
        env_of(&c, "REDIS_URL").value.as_deref(),
        Some("redis://:$(STACKC_SECRET_REDIS_PASSWORD)@redis:6379")
    );
    // A value that is exactly one secret: a direct reference.
    let r = env_of(&c, "NEO4J_PASSWORD")
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!(
        (r.name.as_str(), r.key.as_str()),
        ("an-app-secrets", "neo4j-password")
    );
    // Optional secrets stay optional.
    let r = env_of(&c, "OPENAI_API_KEY")
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!((r.key.as_str(), r.optional), ("openai-api-key", Some(true)));
    // Variables take their prod values.
    assert_eq!(
        env_of(&c, "ENVIRONMENT").value.as_deref(),
        Some("production")
    );

    // No secret value anywhere: the IR has none, and secrets.example.env lists keys only.
    let fake = ["hunter2", "s3cr3t-value", "AKIAIOSFODNN7EXAMPLE"];
    for file in &out.files {
        for v in fake {
            assert!(!file.contents.contains(v), "{} contains {v}", file.path);
        }
    }
    let example = f["secrets.example.env"];
    let keys: Vec<&str> = example
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(
        keys,
        [
            "db-password=",
            "redis-password=",
            "neo4j-password=",
            "minio-access-key=",
            "minio-secret-key="
        ]
    );
    assert!(example.contains("# openai-api-key=\n"));
    assert!(example.contains("`stackc secrets init --k8s DIR` writes these keys"));
    assert!(f["README.md"].starts_with("<!-- Generated by stackc"));
    assert!(
        f["README.md"]
            .contains("stackc secrets init --env prod --k8s out/prod/k8s\nkubectl apply -k .")
    );
}

#[test]
fn k8s_kustomization_lists_every_manifest() {
    for case in CASES {
        let out = emit(case);
        let f = files(&out);
        let k = &documents(f["kustomization.yaml"])[0];
        let listed: Vec<&str> = k["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let expected: Vec<&str> = f
            .keys()
            .copied()
            .filter(|p| {
                p.ends_with(".yaml") && *p != "kustomization.yaml" && !p.starts_with("patches/")
            })
            .collect();
        assert_eq!(listed, expected, "{}", case.out);
        // Patch files are patches, listed as such.
        let patches: Vec<&str> = k["patches"]
            .as_array()
            .map(|a| a.iter().map(|p| p["path"].as_str().unwrap()).collect())
            .unwrap_or_default();
        let patch_files: Vec<&str> = f
            .keys()
            .copied()
            .filter(|p| p.starts_with("patches/"))
            .collect();
        assert_eq!(patches, patch_files, "{}", case.out);
        let ns = if case.spec.contains("an-app") {
            "an-app"
        } else if case.spec.contains("edge") {
            "edge"
        } else {
            "shop"
        };
        assert_eq!(k["namespace"], ns);
        for (path, text) in &f {
            if path.ends_with(".yaml")
                && *path != "kustomization.yaml"
                && *path != "namespace.yaml"
                && !path.ends_with("json6902.yaml")
            {
                for d in documents(text) {
                    assert_eq!(
                        d["metadata"]["namespace"], k["namespace"],
                        "{}/{path}",
                        case.out
                    );
                }
            }
        }
    }
}

#[test]
fn k8s_basic_escapes_literal_dollars_and_mounts_config() {
    let out = emit(&CASES[0]);
    let f = files(&out);
    let web: Deployment = object(f["web.deployment.yaml"], "Deployment", "web");
    let pod = web.spec.unwrap().template.spec.unwrap();
    let c = &pod.containers[0];
    assert_eq!(
        env_of(c, "BANNER").value.as_deref(),
        Some("costs $$(nothing) today")
    );
    let m = c
        .volume_mounts
        .as_ref()
        .unwrap()
        .iter()
        .find(|m| m.mount_path == "/etc/shop/web.toml")
        .unwrap();
    assert_eq!(
        (m.sub_path.as_deref(), m.read_only),
        (Some("web.toml"), Some(true))
    );
    let tmp = pod
        .volumes
        .as_ref()
        .unwrap()
        .iter()
        .find(|v| v.name == "tmpfs-0")
        .unwrap()
        .empty_dir
        .as_ref()
        .unwrap();
    assert_eq!(
        (
            tmp.medium.as_deref(),
            tmp.size_limit.as_ref().map(|q| q.0.as_str())
        ),
        (Some("Memory"), Some("64Mi"))
    );
    assert!(f.contains_key("web.configmaps.yaml"));
    assert!(f["web.configmaps.yaml"].contains("name: web-web.toml"));
}

#[test]
fn k8s_an_app_dev_reports_losses() {
    let out = emit(&CASES[1]);
    let has = |svc: &str, feature_start: &str, dropped: bool| {
        out.losses.iter().any(|l| {
            l.target == stackc_backends::Target::K8s
                && l.service.as_deref() == Some(svc)
                && l.feature.starts_with(feature_start)
                && matches!(l.outcome, Outcome::Dropped(_)) == dropped
        })
    };
    assert!(has("postgres", "ports.tcp-5432.expose: loopback", false));
    assert!(has("api", "volumes: ./src", true));
    assert!(has("postgres", "user", false));
    assert!(
        !has("api", "user", false),
        "api's image is built by stackc: its user is known"
    );
}

/// Emits an inline spec (no config files) for one environment.
fn emit_inline(spec: &str, env: &str) -> BackendOutput {
    let dir = std::env::temp_dir();
    let compiled = stackc_compiler::pipeline::compile(
        "inline.yaml",
        spec.as_bytes(),
        env,
        &dir,
        &Default::default(),
    )
    .unwrap_or_else(|d| panic!("inline spec does not compile: {d:?}"));
    let ctx = EmitContext {
        source_root: "../..".into(),
        output_from_source: "out/k8s".into(),
        spec_name: "stack.yaml".into(),
    };
    k8s::emit(&compiled.stack, &ctx).unwrap_or_else(|d| panic!("inline spec does not emit: {d:?}"))
}

const EDGE_SPEC: &str = r#"
stack: edge
variables:
  region: { default: eu-west-1, from_env: REGION }
networks:
  data: { internal: true }
secrets:
  token: { external: edge-token }
services:
  seed:
    kind: job
    image: busybox:1.37.0
    command: "echo seeding"
    networks: [data]
  cache:
    image: redis:7.4.5-alpine
    user: "999:1000"
    ports: [{ port: 6379, name: redis }, { port: 8080, expose: public, name: admin }]
    env:
      REGION: ${vars.region}
      AUTH: "Bearer ${secrets.token}"
    security:
      security_opt: [apparmor=unconfined, label=disable]
    depends_on: { seed: completed }
    networks: [data]
targets:
  k8s:
    version: "VERSION"
    expose: loadbalancer
    pod_security: privileged
"#;

#[test]
fn k8s_version_branches_and_edge_cases() {
    let old = emit_inline(&EDGE_SPEC.replace("VERSION", "1.29"), "dev");
    let new = emit_inline(&EDGE_SPEC.replace("VERSION", "1.31"), "dev");
    let (fo, fn_) = (files(&old), files(&new));

    // AppArmor: an annotation before 1.30, a securityContext field from 1.30.
    let d: Deployment = object(fo["cache.deployment.yaml"], "Deployment", "cache");
    let tpl = d.spec.unwrap().template;
    assert_eq!(
        tpl.metadata.unwrap().annotations.unwrap()["container.apparmor.security.beta.kubernetes.io/cache"],
        "unconfined"
    );
    let c = &tpl.spec.as_ref().unwrap().containers[0];
    assert!(
        c.security_context
            .as_ref()
            .unwrap()
            .app_armor_profile
            .is_none()
    );
    let d: Deployment = object(fn_["cache.deployment.yaml"], "Deployment", "cache");
    let tpl = d.spec.unwrap().template;
    assert!(tpl.metadata.unwrap().annotations.is_none());
    let pod = tpl.spec.unwrap();
    let c = &pod.containers[0];
    let sc = c.security_context.as_ref().unwrap();
    assert_eq!(sc.app_armor_profile.as_ref().unwrap().type_, "Unconfined");
    assert_eq!(
        (sc.run_as_user, sc.run_as_group, sc.run_as_non_root),
        (Some(999), Some(1000), Some(true))
    );
    assert_eq!(pod.security_context.as_ref().unwrap().fs_group, Some(1000));
    // The kubectl image follows the minor version.
    let init = &pod.init_containers.as_ref().unwrap()[0];
    assert_eq!(
        init.image.as_deref(),
        Some("registry.k8s.io/kubectl:v1.31.13")
    );
    assert!(fo["cache.deployment.yaml"].contains("registry.k8s.io/kubectl:v1.29.15"));
    assert!(fo["namespace.yaml"].contains("pod-security.kubernetes.io/enforce-version: v1.29"));
    assert!(fo["namespace.yaml"].contains("pod-security.kubernetes.io/enforce: privileged"));

    // External secret: the named Secret, key = the secret's DNS name, composed through a helper.
    let helper = env_of(c, "STACKC_SECRET_TOKEN")
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!(
        (helper.name.as_str(), helper.key.as_str()),
        ("edge-token", "token")
    );
    assert_eq!(
        env_of(c, "AUTH").value.as_deref(),
        Some("Bearer $(STACKC_SECRET_TOKEN)")
    );
    assert!(
        !fn_.contains_key("secrets.example.env"),
        "no stack-owned secret: nothing to create"
    );
    assert_eq!(env_of(c, "REGION").value.as_deref(), Some("eu-west-1"));

    // LoadBalancer exposure: a separate Service with the public port only, no Ingress.
    let lb: Service = object(fn_["cache.service.yaml"], "Service", "cache-public");
    let spec = lb.spec.unwrap();
    assert_eq!(spec.type_.as_deref(), Some("LoadBalancer"));
    let ports: Vec<i32> = spec.ports.unwrap().iter().map(|p| p.port).collect();
    assert_eq!(ports, [8080]);
    assert!(!fn_.contains_key("ingress.yaml"));

    // Internal-only tier: an egress policy, with API egress for the Job wait.
    let pol = documents(fn_["networkpolicies.yaml"]);
    let names: Vec<&str> = pol
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "edge-default-deny-ingress",
            "cache-ingress",
            "seed-egress",
            "cache-egress"
        ]
    );
    let cache_egress = &pol[3]["spec"]["egress"];
    assert_eq!(cache_egress[2]["ports"][0]["port"], 443);

    // Shell-form command on a job: `/bin/sh -c` as args.
    let j: Job = object(fn_["seed.job.yaml"], "Job", "seed");
    let args = j.spec.unwrap().template.spec.unwrap().containers[0]
        .args
        .clone()
        .unwrap();
    assert_eq!(args, ["/bin/sh", "-c", "echo seeding"]);

    let features: Vec<(&str, bool)> = new
        .losses
        .iter()
        .map(|l| (l.feature.as_str(), matches!(l.outcome, Outcome::Dropped(_))))
        .collect();
    assert!(features.contains(&("vars.region", false)));
    assert!(features.contains(&("security.security_opt: label=disable", true)));
    assert!(features.contains(&("networks", false)));
}

#[test]
fn k8s_reserved_env_names_are_refused() {
    let spec =
        "stack: r\nservices:\n  a:\n    image: busybox:1.37.0\n    env: { STACKC_SECRET_X: y }\n";
    let compiled = stackc_compiler::pipeline::compile(
        "r.yaml",
        spec.as_bytes(),
        "dev",
        &std::env::temp_dir(),
        &Default::default(),
    )
    .unwrap();
    let ctx = EmitContext {
        source_root: ".".into(),
        output_from_source: ".".into(),
        spec_name: "r.yaml".into(),
    };
    let errors = k8s::emit(&compiled.stack, &ctx).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "STK046");
}

/// A service that names no network, in a stack that declares some, is on the default network:
/// its policy lets in that network's pods only. An empty `from` would let in every pod of the
/// cluster (found by `stackc verify`'s property test).
#[test]
fn k8s_a_service_on_the_default_network_is_not_open_to_everyone() {
    let out = emit_inline(
        "stack: shop\nnetworks:\n  front: {}\nservices:\n  a:\n    image: nginx:1.27.3\n    ports: [8000]\n  b:\n    image: nginx:1.27.3\n    networks: [front]\n    ports: [9000]\n",
        "prod",
    );
    let f = files(&out);
    let text = f
        .iter()
        .find(|(_, t)| t.contains("name: a-ingress"))
        .map(|(_, t)| *t)
        .expect("a NetworkPolicy for `a`");
    let policy: serde_json::Value = documents(text)
        .into_iter()
        .find(|d| d["kind"] == "NetworkPolicy" && d["metadata"]["name"] == "a-ingress")
        .unwrap();
    let from = &policy["spec"]["ingress"][0]["from"];
    assert_eq!(
        from,
        &serde_json::json!([{ "podSelector": { "matchLabels": {
            "app.kubernetes.io/part-of": "shop",
            "default.net.stackc.dev/member": "true"
        } } }]),
        "{policy:#}"
    );
    let workload = documents(
        f.iter()
            .find(|(_, t)| t.contains("kind: Deployment") && t.contains("name: a\n"))
            .map(|(_, t)| *t)
            .expect("a Deployment for `a`"),
    )
    .into_iter()
    .find(|d| d["kind"] == "Deployment")
    .unwrap();
    assert_eq!(
        workload["spec"]["template"]["metadata"]["labels"]["default.net.stackc.dev/member"],
        "true"
    );
}

/// An exec-form health check holding a secret: Kubernetes expands only literal variables in a
/// probe, so the argv runs as one `exec` line of the image's shell, which reads the secret from
/// the `STACKC_SECRET_*` variable the container gets from the Secret; the loss report says so.
/// (It was dropped, probe and all.)
#[test]
fn k8s_exec_probe_with_a_secret_runs_through_the_shell() {
    let out = emit_inline(
        "stack: s\nsecrets:\n  api_token: { generate: {} }\nservices:\n  app:\n    image: busybox:1.37.0\n    user: \"10001\"\n    health: { cmd: [grep, -qx, \"token=${secrets.api_token} $$(x)\", /scratch/seen], interval: 2s }\n",
        "dev",
    );
    let f = files(&out);
    let d: Deployment = object(f["app.deployment.yaml"], "Deployment", "app");
    let c = &d.spec.unwrap().template.spec.unwrap().containers[0];
    for probe in [&c.readiness_probe, &c.liveness_probe] {
        let exec = probe.as_ref().unwrap().exec.as_ref().unwrap();
        // `$(` is doubled: kubelet's static expansion gives `$(x)` back to the shell.
        assert_eq!(
            exec.command.as_deref().unwrap(),
            [
                "/bin/sh",
                "-c",
                "exec grep -qx token=\"$STACKC_SECRET_API_TOKEN\"' $$(x)' /scratch/seen"
            ]
        );
    }
    let helper = env_of(c, "STACKC_SECRET_API_TOKEN");
    let key = helper
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!(
        (key.name.as_str(), key.key.as_str()),
        ("s-secrets", "api-token")
    );
    let loss = out
        .losses
        .iter()
        .find(|l| l.feature == "health.cmd")
        .expect("a loss entry for the probe");
    assert!(
        matches!(&loss.outcome, Outcome::Approximated(n) if n.contains("/bin/sh -c 'exec ...'")),
        "{loss:?}"
    );
}
