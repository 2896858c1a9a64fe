//! `restart: on-failure:N` (compose's retry limit, kong's `on-failure:5`) kept through import
//! and written by every target that can say it: compose as written, systemd units and quadlet
//! as a start limit, a Kubernetes Job as its `backoffLimit`; a Deployment cannot limit its
//! restarts, which the loss report says.

mod common;

use common::*;

#[test]
fn a_retry_limit_reaches_every_target_that_can_say_it() {
    let tmp = tempfile::tempdir().unwrap();
    // The stack is named after its directory.
    let dir = &tmp.path().join("app");
    std::fs::create_dir(dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  api:\n    image: nginx:1.27.3\n    restart: on-failure:5\n  seed:\n    image: busybox:1.37.0\n    command: [\"true\"]\n    restart: on-failure:2\n  web:\n    image: nginx:1.27.3\n    depends_on:\n      seed:\n        condition: service_completed_successfully\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let r = stackc_in(dir, args);
        assert!(
            r.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        String::from_utf8_lossy(&r.stderr).into_owned()
    };
    let report = run(&["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(!report.contains("on-failure"), "{report}");
    let spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    assert!(spec.contains("    restart: on-failure:5\n"), "{spec}");
    run(&["build", "stack.yaml", "--fidelity", "-o", "fid"]);
    let compose = std::fs::read_to_string(dir.join("fid/compose.yaml")).unwrap();
    assert!(compose.contains("    restart: on-failure:5\n"), "{compose}");
    assert!(compose.contains("    restart: on-failure:2\n"), "{compose}");

    let mut spec = spec;
    spec.push_str("lint:\n  ignore:\n    STK401: test\n    STK701: test\n    STK702: test\n    STK605: test\n    STK606: test\n    STK603: test\n");
    std::fs::write(dir.join("stack.yaml"), spec).unwrap();
    run(&[
        "build",
        "stack.yaml",
        "--target",
        "all",
        "-o",
        "out",
        "--env",
        "prod",
    ]);
    let read = |p: &str| std::fs::read_to_string(dir.join("out").join(p)).unwrap();
    let unit = read("units/app-api.service");
    assert!(
        unit.contains("StartLimitIntervalSec=infinity\nStartLimitBurst=6\n"),
        "{unit}"
    );
    assert!(unit.contains("Restart=on-failure\n"), "{unit}");
    let container = read("quadlet/app-api.container");
    assert!(
        container.contains("StartLimitIntervalSec=infinity\nStartLimitBurst=6\n"),
        "{container}"
    );
    let k8s = std::fs::read_dir(dir.join("out/k8s"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(k8s.contains("backoffLimit: 2\n"), "{k8s}");
    let readme = read("k8s/README.md");
    assert!(
        readme.contains("service `api`: `restart: on-failure` approximated: the pods of a Deployment always restart, without a limit (`on-failure:5` stops after 5)"),
        "{readme}"
    );
}
