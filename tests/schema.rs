//! The published JSON Schema and the parser agree: every valid spec validates against
//! `schema/stack.schema.json`, every schema-invalid fixture (`fixtures/invalid/schema-*`) fails
//! it, and the committed schema is the generated one.

mod common;

use common::*;

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/stack.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn as_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str::<serde_json::Value>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn valid_specs() -> Vec<std::path::PathBuf> {
    let mut v = vec![root().join("examples/an-app/stack.yaml")];
    for d in subdirs(&root().join("fixtures")) {
        if d.join("stack.yaml").is_file() {
            v.push(d.join("stack.yaml"));
        }
    }
    v
}

/// The targets a fixture's golden outputs cover: `out/<target>` or `out/<env>/<target>`.
fn built_targets(out: &std::path::Path) -> Vec<String> {
    const TARGETS: &[&str] = &["compose", "dockerfile", "k8s", "quadlet", "units"];
    let mut found = Vec::new();
    for d in subdirs(out) {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        if TARGETS.contains(&name.as_str()) {
            found.push(name);
        } else {
            found.extend(built_targets(&d));
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn valid_specs_validate_against_the_schema_and_check_clean() {
    let validator = schema();
    let specs = valid_specs();
    assert!(specs.len() >= 3);
    for spec in specs {
        let errors: Vec<String> = validator
            .iter_errors(&as_json(&spec))
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", spec.display());
        // `check` refuses what `build` would: check for the targets the fixture builds.
        let out_dir = spec.with_file_name("out");
        let targets = if out_dir.is_dir() {
            built_targets(&out_dir).join(",")
        } else {
            "compose".to_string()
        };
        let out = stackc(&["check", spec.to_str().unwrap(), "-t", &targets]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            spec.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn schema_invalid_fixtures_fail_the_schema() {
    let validator = schema();
    let mut n = 0;
    for d in subdirs(&root().join("fixtures/invalid")) {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        if let Some(rest) = name.strip_prefix("schema-") {
            n += 1;
            assert!(
                !validator.is_valid(&as_json(&d.join("stack.yaml"))),
                "{rest}: the schema accepts a spec the parser rejects"
            );
        }
    }
    assert!(n >= 4, "schema-invalid fixtures: {n}");
}

#[test]
fn the_committed_schema_is_current() {
    let committed = std::fs::read_to_string(root().join("schema/stack.schema.json")).unwrap();
    assert_eq!(
        committed,
        stackc_compiler::schema::schema_json(),
        "run `cargo xtask schema`"
    );
}
