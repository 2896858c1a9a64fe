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

/// The committed schema as JSON.
fn schema_value() -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("schema/stack.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The `enum` of the word alternative of the schema at `pointer`.
fn words_at(schema: &serde_json::Value, pointer: &str) -> Vec<String> {
    let node = schema
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer}"));
    let words = node
        .get("anyOf")
        .and_then(|a| a.as_array())
        .and_then(|a| a.iter().find_map(|s| s.get("enum")))
        .or_else(|| node.get("items").and_then(|i| i.get("enum")))
        .or_else(|| node.get("enum"))
        .unwrap_or_else(|| panic!("{pointer} has no enum: {node}"));
    serde_json::from_value(words.clone()).unwrap()
}

#[test]
fn keyword_fields_list_the_keyword_enums_words() {
    use stackc_compiler::syntax::keywords::*;
    let schema = schema_value();
    let restart = words_at(&schema, "/$defs/ServiceSpec/properties/restart");
    assert_eq!(restart, ["always", "unless-stopped", "on-failure", "no"]);
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "/$defs/ServiceSpec/properties/restart",
            RestartPolicy::spellings(),
        ),
        (
            "/$defs/ServiceOverlaySpec/properties/restart",
            RestartPolicy::spellings(),
        ),
        (
            "/$defs/ServiceSpec/properties/kind",
            ServiceKind::spellings(),
        ),
        ("/$defs/ServiceSpec/properties/role", Role::spellings()),
        (
            "/$defs/SecuritySpec/properties/defaults",
            SecurityDefaults::spellings(),
        ),
        (
            "/$defs/SecuritySpec/properties/host_namespaces",
            HostNamespace::spellings(),
        ),
        ("/$defs/PortLong/properties/expose", Exposure::spellings()),
        ("/$defs/PortLong/properties/protocol", Protocol::spellings()),
        (
            "/$defs/DependsOn/anyOf/1/additionalProperties",
            Condition::spellings(),
        ),
        (
            "/$defs/GenerateSpec/properties/alphabet",
            Alphabet::spellings(),
        ),
        (
            "/$defs/VolumeSpec/properties/access_mode",
            AccessMode::spellings(),
        ),
        ("/$defs/BuildSpec/properties/preset", Preset::spellings()),
        (
            "/$defs/EnvironmentSpec/properties/profile",
            Profile::spellings(),
        ),
        (
            "/$defs/K8sTargetSpec/properties/version",
            K8sVersion::spellings(),
        ),
        (
            "/$defs/K8sTargetSpec/properties/expose",
            K8sExpose::spellings(),
        ),
        (
            "/$defs/K8sTargetSpec/properties/pod_security",
            PodSecurity::spellings(),
        ),
        (
            "/$defs/K8sPortSpec/properties/app_protocol",
            AppProtocol::spellings(),
        ),
        (
            "/$defs/K8sPortSpec/properties/expose",
            PortRoute::spellings(),
        ),
        (
            "/$defs/SystemdTargetSpec/properties/flavour",
            SystemdFlavour::spellings(),
        ),
        (
            "/$defs/SystemdTargetSpec/properties/runtime",
            Runtime::spellings(),
        ),
    ];
    for (pointer, spellings) in cases {
        assert_eq!(words_at(&schema, pointer), spellings, "{pointer}");
    }
}

#[test]
fn a_keyword_field_takes_a_word_or_for_restart_one_variable() {
    let validator = schema();
    let spec = |restart: &str| serde_json::json!({ "stack": "s", "services": { "a": { "image": "x:1", "restart": restart } } });
    assert!(validator.is_valid(&spec("on-failure")));
    assert!(validator.is_valid(&spec("${vars.RESTART_POLICY}")));
    assert!(!validator.is_valid(&spec("sometimes")));
    assert!(validator.is_valid(&spec("on-failure:5")));
    assert!(!validator.is_valid(&spec("on-failure:")));
    assert!(!validator.is_valid(&spec("always:5")));
    assert!(!validator.is_valid(&spec("${vars.A}-x")));
    let port = serde_json::json!({ "stack": "s", "services": { "a": { "image": "x:1", "ports": [{ "port": 80, "protocol": "sctp" }] } } });
    assert!(!validator.is_valid(&port));
}
