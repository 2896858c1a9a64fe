//! Golden outputs of the systemd backend, regenerated in memory and compared byte for byte
//! with the committed directories (`STACKC_BLESS=1` rewrites them), plus checks over every
//! golden file: Quadlet keys against `QUADLET_KEYS` and the targeted Podman version, plain
//! systemd keys against an allow-list, headers, and determinism.

mod common;

use common::{compile_for, root};
use stackc_backends::output::{BackendOutput, EmitContext, GENERATED_MARKER};
use stackc_backends::systemd::{self, ini, quadlet_keys};
use stackc_compiler::ir::SystemdFlavour;

/// `(spec, env, output dir, flavour)` of every golden case.
fn cases() -> Vec<(&'static str, &'static str, String, SystemdFlavour)> {
    let mut v = Vec::new();
    for (flavour, dir) in [
        (SystemdFlavour::Quadlet, "quadlet"),
        (SystemdFlavour::Units, "units"),
    ] {
        v.push((
            "fixtures/systemd-basic/stack.yaml",
            "dev",
            format!("fixtures/systemd-basic/out/{dir}"),
            flavour,
        ));
        for env in ["dev", "prod"] {
            v.push((
                "examples/an-app/stack.yaml",
                env,
                format!("examples/an-app/out/{env}/{dir}"),
                flavour,
            ));
        }
    }
    v
}

fn build(spec: &str, env: &str, out: &str, flavour: SystemdFlavour) -> BackendOutput {
    let (compiled, ctx) = compile_for(spec, env, out);
    systemd::emit(&compiled.stack, &ctx, flavour).unwrap_or_else(|d| {
        panic!(
            "{spec} ({env}, {flavour:?}) does not build: {:#?}",
            d.iter()
                .map(|d| (&d.code, &d.message, d.location()))
                .collect::<Vec<_>>()
        )
    })
}

/// Keys of the plain systemd sections stackc writes, per file kind.
const UNIT_KEYS: &[&str] = &["Description", "Requires", "After", "Wants"];
const SERVICE_KEYS_QUADLET: &[&str] = &["Type", "RemainAfterExit", "Restart", "TimeoutStartSec"];
const SERVICE_KEYS_UNITS: &[&str] = &[
    "Type",
    "RemainAfterExit",
    "Restart",
    "SuccessExitStatus",
    "TimeoutStartSec",
    "WorkingDirectory",
    "ExecStartPre",
    "ExecStart",
    "ExecStartPost",
    "ExecStop",
];
const INSTALL_KEYS: &[&str] = &["WantedBy"];

#[test]
fn every_key_is_known_and_supported_by_the_target() {
    for (spec, env, out, flavour) in cases() {
        let built = build(spec, env, &out, flavour);
        let compiled = {
            let path = root().join(spec);
            stackc_compiler::pipeline::compile(
                spec,
                &std::fs::read(&path).unwrap(),
                env,
                path.parent().unwrap(),
                &Default::default(),
            )
            .ok()
            .unwrap()
        };
        let version =
            quadlet_keys::PodmanVersion::parse(&compiled.stack.targets.systemd.podman_version)
                .unwrap();
        let header = format!(
            "# {}\n",
            EmitContext {
                source_root: ".".into(),
                output_from_source: ".".into(),
                spec_name: "stack.yaml".into()
            }
            .header_lines(env)[0]
        );
        let mut units = 0;
        for f in &built.files {
            let ext = f.path.rsplit('.').next().unwrap();
            let unit = match ext {
                "container" => Some(quadlet_keys::QuadletUnit::Container),
                "volume" => Some(quadlet_keys::QuadletUnit::Volume),
                "network" => Some(quadlet_keys::QuadletUnit::Network),
                "service" => None,
                "md" => {
                    let first = f.contents.lines().next().unwrap();
                    assert!(
                        first.starts_with("<!--") && first.contains(GENERATED_MARKER),
                        "{out}/{}: {first}",
                        f.path
                    );
                    continue;
                }
                _ => continue,
            };
            units += 1;
            assert!(f.contents.starts_with(&header), "{out}/{}: header", f.path);
            assert_eq!(
                flavour == SystemdFlavour::Quadlet,
                unit.is_some(),
                "{out}/{}: wrong file kind for the flavour",
                f.path
            );
            for (section, key, _) in ini::parse(&f.contents).unwrap() {
                let ok = match (section.as_str(), unit) {
                    ("Unit", _) => UNIT_KEYS.contains(&key.as_str()),
                    ("Install", _) => INSTALL_KEYS.contains(&key.as_str()),
                    ("Service", Some(_)) => SERVICE_KEYS_QUADLET.contains(&key.as_str()),
                    ("Service", None) => SERVICE_KEYS_UNITS.contains(&key.as_str()),
                    (s, Some(u)) => {
                        assert_eq!(
                            s,
                            u.section(),
                            "{out}/{}: section [{s}] in a .{} file",
                            f.path,
                            u.extension()
                        );
                        let k = quadlet_keys::lookup(u, s, &key).unwrap_or_else(|| {
                            panic!("{out}/{}: {s}.{key} is not in QUADLET_KEYS", f.path)
                        });
                        assert!(
                            k.is_supported_by(version),
                            "{out}/{}: {key}= needs Podman {}, the target is {version}",
                            f.path,
                            k.since
                        );
                        true
                    }
                    (s, None) => panic!("{out}/{}: unexpected section [{s}]", f.path),
                };
                assert!(
                    ok,
                    "{out}/{}: [{section}] {key}= is not in the allow-list",
                    f.path
                );
            }
        }
        assert!(units > 0, "{out}: no unit files");
    }
}
