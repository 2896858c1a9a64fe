//! The realistic stacks of `fixtures/stacks/` (a Django + Celery shop, a polyglot analytics
//! app, a Gitea + Woodpecker forge) lint clean and check clean for every target. Their golden
//! outputs under `out/<env>/<target>/` are compared by `tests/golden.rs`, and `cargo xtask
//! validate` runs the real consumers over them.

mod common;

use common::*;

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
