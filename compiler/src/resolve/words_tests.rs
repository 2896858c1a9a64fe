//! Spec words read through `Resolver::word`: the enum in the IR, one `STK025` shape for the rest.

use super::*;
use crate::syntax::{ParseOptions, parse_spec};

fn resolved(text: &str) -> Result<Stack, Vec<Diagnostic>> {
    let (file, spec) = parse_spec("stack.yaml", text.as_bytes(), &ParseOptions::default())
        .map_err(|(_, d)| d)
        .expect("parses");
    resolve(&file, &spec, "dev")
}

/// The one error of `text`: (message, label, help).
fn error(text: &str) -> (String, String, String) {
    let errors = resolved(text).expect_err("refused");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let d = &errors[0];
    assert_eq!(d.code, crate::diag::Code::Error(ErrorCode::InvalidValue));
    (
        d.message.clone(),
        d.primary.as_ref().unwrap().message.clone(),
        d.help.clone().unwrap(),
    )
}

fn service(fields: &str) -> String {
    format!("stack: s\nservices:\n  a:\n    image: nginx:1.27.3\n    {fields}\n")
}

#[test]
fn an_unknown_word_lists_the_sets_words() {
    assert_eq!(
        error(&service("ports: [{ port: 53, protocol: websocket }]")),
        (
            "unknown protocol `websocket`".into(),
            "not a protocol".into(),
            "use one of `tcp`, `udp`".into()
        )
    );
    assert_eq!(
        error(&service("security: { host_namespaces: [user] }")),
        (
            "unknown namespace `user`".into(),
            "not a namespace".into(),
            "use one of `pid`, `ipc`, `network`, `uts`".into()
        )
    );
}

#[test]
fn a_close_word_gets_a_did_you_mean() {
    let (message, label, help) = error(&service("ports: [{ port: 80, expose: publik }]"));
    assert_eq!(message, "unknown exposure `publik`");
    assert_eq!(label, "not an exposure");
    assert_eq!(help, "did you mean `public`?");
    let (message, _, help) = error(&service("restart: unless-stoped"));
    assert_eq!(message, "unknown restart policy `unless-stoped`");
    assert_eq!(help, "did you mean `unless-stopped`?");
}

#[test]
fn a_compose_condition_gets_the_spec_word() {
    let text = "stack: s\nservices:\n  db:\n    image: postgres:17.6\n    health: { cmd: [pg_isready] }\n  a:\n    image: nginx:1.27.3\n    depends_on: { db: service_healthy }\n";
    assert_eq!(
        error(text),
        (
            "unknown condition `service_healthy`".into(),
            "not a condition".into(),
            "write `healthy`".into()
        )
    );
}

#[test]
fn words_become_the_irs_enums() {
    let stack = resolved(&service(
        "restart: on-failure\n    kind: job\n    ports: [{ port: 53, protocol: udp, expose: loopback }]\n    security: { host_namespaces: [pid, network], defaults: runtime }",
    ))
    .unwrap();
    let a = &stack.services[0];
    assert_eq!(a.restart.policy, RestartPolicy::OnFailure);
    assert_eq!(a.kind, WorkloadKind::Job);
    assert_eq!(a.ports[0].protocol, Protocol::Udp);
    assert_eq!(a.ports[0].exposure, Exposure::Loopback);
    let ns: Vec<HostNamespace> = a.security.host_namespaces.iter().map(|n| n.value).collect();
    assert_eq!(ns, [HostNamespace::Pid, HostNamespace::Network]);
    assert!(a.security.runtime_defaults.is_some());
    assert_eq!(stack.targets.k8s.version, K8sVersion::V1_33);
}

#[test]
fn a_restart_variable_is_still_a_template() {
    let text = "stack: s\nvariables:\n  POLICY: { default: always }\nservices:\n  a:\n    image: nginx:1.27.3\n    restart: ${vars.POLICY}\n";
    assert_eq!(
        resolved(text).unwrap().services[0].restart.policy,
        RestartPolicy::Always
    );
    let bad = "stack: s\nvariables:\n  POLICY: { default: sometimes }\nservices:\n  a:\n    image: nginx:1.27.3\n    restart: ${vars.POLICY}\n";
    let errors = resolved(bad).expect_err("refused");
    assert_eq!(
        errors[0].help.as_deref(),
        Some(
            "set `POLICY` to one of `always`, `unless-stopped`, `on-failure`, `no` (its `default`, or `--set POLICY=VALUE`)"
        )
    );
}

#[test]
fn kubernetes_versions_and_short_mount_modes_are_word_sets() {
    let (message, _, help) = error(
        "stack: s\nservices:\n  a: { image: nginx:1.27.3 }\ntargets: { k8s: { version: \"1.28\" } }\n",
    );
    assert_eq!(message, "unknown Kubernetes version `1.28`");
    assert_eq!(help, "did you mean `1.29`?");
    let (message, label, help) = error(&service("volumes: [\"./web:/srv:rx\"]"));
    assert_eq!(message, "unknown mount mode `rx`");
    assert_eq!(label, "not a mount mode");
    assert_eq!(help, "did you mean `ro`?");
}
