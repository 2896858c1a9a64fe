//! A multi-line environment value (a properties block, as Flink images read it) reaches the
//! container of systemd units and Quadlet files intact: the unit-file line escapes each newline
//! as `\n` inside a command-line argument (`--env=` of `ExecStart=`, `PodmanArgs=`), which
//! systemd and Podman's Quadlet generator read back as the newline.

mod common;

use std::process::Command;

use common::*;
use stackc_backends::systemd::ini;

const SPEC: &str = "stack: s\nservices:\n  jobmanager:\n    image: docker.io/library/flink:1.19\n    env:\n      FLINK_PROPERTIES: \"\\njobmanager.rpc.address: jobmanager\\nrest.bind-port: 9081\\n\"\n      PLAIN: one line\n";

const VALUE: &str = "\njobmanager.rpc.address: jobmanager\nrest.bind-port: 9081\n";

fn build() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.yaml"), SPEC).unwrap();
    let r = stackc_in(
        dir.path(),
        &[
            "build",
            "stack.yaml",
            "--target",
            "quadlet,units",
            "-o",
            "out",
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    dir
}

#[test]
fn units_pass_a_multi_line_value_as_one_escaped_argument() {
    let dir = build();
    let unit = std::fs::read_to_string(dir.path().join("out/units/s-jobmanager.service")).unwrap();
    let exec: Vec<&str> = unit
        .lines()
        .filter(|l| l.starts_with("ExecStart="))
        .collect();
    assert_eq!(exec.len(), 1, "{unit}");
    assert!(
        exec[0].contains(r#" "--env=FLINK_PROPERTIES=\njobmanager.rpc.address: jobmanager\nrest.bind-port: 9081\n" "#),
        "{unit}"
    );
    let argv = ini::unquote_words(exec[0].strip_prefix("ExecStart=").unwrap(), true).unwrap();
    assert!(
        argv.contains(&format!("--env=FLINK_PROPERTIES={VALUE}")),
        "{argv:?}"
    );
    assert!(
        argv.contains(&"--env=PLAIN=one line".to_string()),
        "{argv:?}"
    );
    let v = Command::new("/usr/bin/systemd-analyze")
        .args(["verify", "--man=no", "s-jobmanager.service"])
        .current_dir(dir.path().join("out/units"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&v.stderr);
    assert!(v.status.success(), "{text}");
    assert!(
        !text.contains("Invalid") && !text.contains("Unknown"),
        "{text}"
    );
}

#[test]
fn quadlet_passes_a_multi_line_value_through_podman_args() {
    let dir = build();
    let file =
        std::fs::read_to_string(dir.path().join("out/quadlet/s-jobmanager.container")).unwrap();
    let lines: Vec<&str> = file
        .lines()
        .filter(|l| l.starts_with("Environment=") || l.starts_with("PodmanArgs="))
        .collect();
    assert_eq!(
        lines,
        [
            r#"Environment="PLAIN=one line""#,
            r#"PodmanArgs="--env=FLINK_PROPERTIES=\njobmanager.rpc.address: jobmanager\nrest.bind-port: 9081\n""#,
        ],
        "{file}"
    );
    // Podman's Quadlet generator turns it into one `podman run` argument holding the newlines.
    let quadlet = root().join("target/validators/quadlet/usr/libexec/podman/quadlet");
    let r = Command::new(&quadlet)
        .arg("-dryrun")
        .env("QUADLET_UNIT_DIRS", dir.path().join("out/quadlet"))
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo xtask install-tools)", quadlet.display()));
    assert!(r.status.success(), "{r:?}");
    let text = String::from_utf8(r.stdout).unwrap();
    let exec = text
        .lines()
        .filter_map(|l| l.strip_prefix("ExecStart="))
        .find(|l| l.starts_with("/usr/bin/podman run "))
        .unwrap_or_else(|| panic!("{text}"))
        .replace("%t", "/run")
        .replace("%N", "unit");
    let argv = ini::unquote_words(&exec, true).unwrap();
    assert!(
        argv.contains(&format!("--env=FLINK_PROPERTIES={VALUE}")),
        "{argv:?}"
    );
}
