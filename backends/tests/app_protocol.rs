//! A port's `app_protocol` on every target: compose writes it (long port syntax), Kubernetes
//! as the Service port's `appProtocol`, systemd units and Quadlet report it dropped; a value
//! Kubernetes would refuse is a located error.

use k8s_openapi::api::core::v1::Service;
use stackc_backends::compose::{self, ComposeOptions};
use stackc_backends::k8s;
use stackc_backends::output::{BackendOutput, EmitContext, Outcome};
use stackc_backends::systemd;
use stackc_compiler::diag::Diagnostic;
use stackc_compiler::ir::SystemdFlavour;
use stackc_compiler::pipeline::Compiled;

const SPEC: &str = r#"
stack: mail
services:
  zulip:
    image: zulip/zulip-server:12.1-0
    ports:
      - { port: 25, expose: public, name: smtp, app_protocol: smtp }
      - { port: 9000, app_protocol: kubernetes.io/h2c }
"#;

fn compile(spec: &str) -> Result<Compiled, Vec<Diagnostic>> {
    stackc_compiler::pipeline::compile(
        "stack.yaml",
        spec.as_bytes(),
        "prod",
        &std::env::temp_dir(),
        &Default::default(),
    )
}

fn ctx() -> EmitContext {
    EmitContext {
        source_root: "../..".into(),
        output_from_source: "out/x".into(),
        spec_name: "stack.yaml".into(),
    }
}

fn file<'a>(out: &'a BackendOutput, path: &str) -> &'a str {
    &out.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

/// The dropped-loss entries of `out` for `feature`.
fn dropped<'a>(out: &'a BackendOutput, feature: &str) -> Vec<&'a str> {
    out.losses
        .iter()
        .filter(|l| l.feature == feature)
        .filter_map(|l| match &l.outcome {
            Outcome::Dropped(n) => Some(n.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn compose_writes_the_application_protocol_of_a_published_port() {
    let c = compile(SPEC).unwrap();
    for fidelity in [false, true] {
        let out = compose::emit_with(&c.stack, &ctx(), &ComposeOptions { fidelity }).unwrap();
        let text = file(&out, "compose.yaml");
        assert!(
            text.contains("- name: smtp\n      target: 25\n      published: \"25\"\n      protocol: tcp\n      app_protocol: smtp\n"),
            "{text}"
        );
        // An internal port is `expose` (or nothing): compose cannot say its protocol there.
        assert!(!text.contains("h2c"), "{text}");
        assert_eq!(dropped(&out, "ports.tcp-9000.app_protocol").len(), 1);
    }
}

#[test]
fn kubernetes_services_carry_the_app_protocol() {
    let c = compile(SPEC).unwrap();
    let out = k8s::emit(&c.stack, &ctx()).unwrap();
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(file(&out, "zulip.service.yaml")).unwrap();
    let svc: Service = serde_json::from_value(
        docs.into_iter()
            .find(|d| d["metadata"]["name"] == "zulip")
            .unwrap(),
    )
    .unwrap();
    let ports: Vec<(String, Option<String>)> = svc
        .spec
        .unwrap()
        .ports
        .unwrap()
        .into_iter()
        .map(|p| (p.name.unwrap(), p.app_protocol))
        .collect();
    assert_eq!(
        ports,
        [
            ("smtp".to_string(), Some("smtp".to_string())),
            (
                "tcp-9000".to_string(),
                Some("kubernetes.io/h2c".to_string())
            )
        ]
    );
}

#[test]
fn systemd_reports_the_app_protocol_dropped() {
    let c = compile(SPEC).unwrap();
    for flavour in [SystemdFlavour::Quadlet, SystemdFlavour::Units] {
        let out = systemd::emit(&c.stack, &ctx(), flavour).unwrap();
        let smtp = dropped(&out, "ports.smtp.app_protocol");
        assert_eq!(smtp.len(), 1, "{:#?}", out.losses);
        assert!(smtp[0].contains("`smtp`"), "{}", smtp[0]);
        assert_eq!(dropped(&out, "ports.tcp-9000.app_protocol").len(), 1);
    }
}

#[test]
fn an_app_protocol_kubernetes_refuses_is_located() {
    let spec = SPEC.replace("app_protocol: smtp", "app_protocol: HTTP/1.1");
    let errors = compile(&spec).err().expect("refused");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let d = &errors[0];
    assert_eq!(d.code, "STK025");
    assert_eq!(d.message, "invalid application protocol `HTTP/1.1`");
    let span = d.primary.as_ref().expect("located").span;
    assert_eq!(&spec[span.start as usize..span.end as usize], "HTTP/1.1");
}
