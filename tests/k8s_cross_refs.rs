//! Every golden Kubernetes output (`fixtures/**/out/**/k8s`, `examples/**/out/**/k8s`) read back
//! and checked for the cross-references a cluster needs but `kubectl apply --dry-run=client`
//! does not check: Service selectors match a workload's pod labels and their target ports
//! exist on its container; probes point at declared container ports; volume mounts name
//! declared volumes; claims, ConfigMaps (and their keys), Secrets (and their keys, from
//! `secrets.example.env` or an external Secret) exist; a StatefulSet's service exists; an
//! Ingress routes to an existing Service port; an init container waits for an existing Job.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::k8s_refs::problems;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `k8s` folder under an `out` folder of fixtures/ and examples/.
fn k8s_dirs(dir: &Path, under_out: bool, into: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if !p.is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        if under_out && name == "k8s" {
            into.push(p);
        } else {
            k8s_dirs(&p, under_out || name == "out", into);
        }
    }
}

#[test]
fn every_golden_k8s_output_cross_references_resolve() {
    let mut dirs = Vec::new();
    for top in ["fixtures", "examples"] {
        k8s_dirs(&root().join(top), false, &mut dirs);
    }
    dirs.sort();
    assert!(dirs.len() >= 11, "golden k8s folders found: {dirs:?}");
    let mut report = Vec::new();
    for dir in &dirs {
        for p in problems(dir) {
            report.push(format!(
                "{}: {p}",
                dir.strip_prefix(root()).unwrap().display()
            ));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

/// The checks see a broken reference: a Service whose selector matches no pod, a probe on an
/// undeclared port, a mount of an undeclared volume, a missing Secret key.
#[test]
fn a_broken_reference_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("fixtures/k8s-basic/out/k8s");
    for e in fs::read_dir(&src).unwrap().flatten() {
        fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    assert_eq!(problems(dir.path()), Vec::<String>::new());
    let edit = |file: &str, from: &str, to: &str| {
        let p = dir.path().join(file);
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        fs::write(&p, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "web.service.yaml",
        "selector:\n    app.kubernetes.io/name: web",
        "selector:\n    app.kubernetes.io/name: wbe",
    );
    edit(
        "db.statefulset.yaml",
        "- name: db-data\n",
        "- name: nowhere\n",
    );
    edit("secrets.example.env", "db-password=", "db-pass=");
    let found = problems(dir.path());
    assert!(
        found
            .iter()
            .any(|p| p == "Service `web` selects 0 workloads"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("mount of undeclared volume `nowhere`")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("key `db-password` of Secret `shop-secrets`")),
        "{found:?}"
    );
}

/// The e2e stacks (`fixtures/e2e/*`), which only compose and podman run, compiled for
/// Kubernetes in dev and prod: their manifests resolve too.
#[test]
fn the_e2e_stacks_k8s_outputs_cross_references_resolve() {
    let mut report = Vec::new();
    let mut checked = 0;
    let mut names: Vec<PathBuf> = fs::read_dir(root().join("fixtures/e2e"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    for dir in names {
        let spec = dir.join("stack.yaml");
        let Ok(bytes) = fs::read(&spec) else { continue };
        for env in ["dev", "prod"] {
            let compiled = match stackc_compiler::pipeline::compile(
                "stack.yaml",
                &bytes,
                env,
                &dir,
                &Default::default(),
            ) {
                Ok(c) => c,
                // A stack that declares `dev` only has no `prod`.
                Err(d) if d.iter().all(|d| d.code == "STK015") => continue,
                Err(d) => panic!("{}: {d:?}", spec.display()),
            };
            let ctx = stackc_backends::output::EmitContext {
                source_root: "../..".into(),
                output_from_source: "out/k8s".into(),
                spec_name: "stack.yaml".into(),
            };
            let out = stackc_backends::k8s::emit(&compiled.stack, &ctx)
                .unwrap_or_else(|d| panic!("{}: {d:?}", spec.display()));
            let tmp = tempfile::tempdir().unwrap();
            for f in &out.files {
                let p = tmp.path().join(&f.path);
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(p, &f.contents).unwrap();
            }
            checked += 1;
            for p in problems(tmp.path()) {
                report.push(format!("{} ({env}): {p}", dir.display()));
            }
        }
    }
    assert!(checked >= 20, "{checked} outputs checked");
    assert!(report.is_empty(), "{}", report.join("\n"));
}
