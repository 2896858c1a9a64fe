//! The realistic stacks of `fixtures/stacks/` (a Django + Celery shop, a polyglot analytics
//! app, a Gitea + Woodpecker forge) build for dev and prod to every target, and the outputs
//! are the committed ones under `out/<env>/<target>/` (`STACKC_BLESS=1` rewrites them).
//! `cargo xtask validate` runs the real consumers over them.

mod common;

use common::*;

const ENVS: &[&str] = &["dev", "prod"];

#[test]
fn every_stack_builds_for_dev_and_prod_to_every_target_as_committed() {
    let stacks = subdirs(&root().join("fixtures/stacks"));
    assert_eq!(stacks.len(), 3, "{stacks:?}");
    let mut failures = Vec::new();
    for dir in &stacks {
        let spec = dir.join("stack.yaml");
        // A stack without build recipes has no Dockerfile to write.
        let builds = std::fs::read_to_string(&spec).unwrap().contains("build:");
        let targets = if builds {
            "all"
        } else {
            "compose,k8s,quadlet,units"
        };
        for env in ENVS {
            let out = dir.join("out").join(env);
            let (spec_s, out_s) = (spec.to_str().unwrap(), out.to_str().unwrap());
            let mut args = vec!["build", spec_s, "-t", targets, "--env", env, "-o", out_s];
            if !bless() {
                args.push("--check");
            }
            let r = stackc(&args);
            if r.status.code() != Some(0) {
                failures.push(format!(
                    "{} ({env}):\n{}",
                    spec.display(),
                    String::from_utf8_lossy(&r.stderr)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(STACKC_BLESS=1 rewrites the outputs)",
        failures.join("\n")
    );
}

#[test]
fn every_stack_builds_with_no_warning_and_checks_clean_everywhere() {
    for dir in subdirs(&root().join("fixtures/stacks")) {
        let spec = dir.join("stack.yaml");
        let lint = stackc(&[
            "lint",
            spec.to_str().unwrap(),
            "--env",
            "all",
            "--fail-on",
            "info",
        ]);
        assert_eq!(
            lint.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&lint.stdout)
        );
        let check = stackc(&["check", spec.to_str().unwrap(), "-t", "all"]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
}
