//! Property tests: writers round-trip hostile strings, output is a pure function of the input,
//! and YAML 1.1 traps are always quoted.

use indexmap::IndexMap;
use proptest::prelude::*;
use stackc_backends::dockerfile::instr::{Dockerfile, Instruction, parse_instructions};
use stackc_backends::systemd::ini::{self, IniValue, Section, UnitFile};

/// Scalars YAML 1.1 readers (PyYAML, go-yaml v2 behind kubectl) would not read as strings.
const TRAPS: &[&str] = &[
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "Yes",
    "NO",
    "true",
    "false",
    "null",
    "~",
    "08",
    "012",
    "0x1F",
    "1e3",
    "22:22",
    "190:20:30",
    "1_000",
    "2001-12-14",
    "=",
    "<<",
    "",
];

fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(TRAPS).prop_map(str::to_string),
        "[ -~]{0,24}",
        any::<String>().prop_map(|s| s.chars().take(24).collect()),
        "[%$;\\\\\"' #:{}\\[\\],&*!|>@`-]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn yaml_strings_round_trip_and_traps_are_quoted(values in prop::collection::vec(interesting_string(), 1..8)) {
        let map: IndexMap<String, String> = values.iter().enumerate().map(|(i, v)| (format!("k{i}"), v.clone())).collect();
        let text = stackc_compiler::syntax::emit::to_yaml(&map).unwrap();
        let back: IndexMap<String, String> = serde_saphyr::from_str(&text).unwrap();
        prop_assert_eq!(&back, &map);
        for (k, v) in &map {
            if TRAPS.contains(&v.as_str()) {
                let plain = format!("{k}: {v}\n");
                prop_assert!(!text.contains(&plain), "unquoted trap `{}` in:\n{}", v, text);
            }
        }
    }

    #[test]
    fn systemd_values_round_trip_or_are_refused(value in interesting_string(), arg in interesting_string()) {
        let mut service = Section::new("Service");
        service.push("Environment", IniValue::Assignment { name: "VALUE".into(), value: value.clone() });
        service.push("ExecStart", IniValue::Command(vec!["/usr/bin/podman".into(), "run".into(), arg.clone()]));
        let unit = UnitFile { header_comment: vec![], sections: vec![service] };
        let has_control = |s: &str| s.chars().any(|c| c.is_control() && c != '\t');
        match unit.render() {
            Ok(text) => {
                let entries = ini::parse(&text).unwrap();
                prop_assert_eq!(entries.len(), 2, "a value added or removed a key:\n{}", text);
                prop_assert_eq!(&entries[0].1, "Environment");
                let env = ini::unquote_words(&entries[0].2, false).unwrap();
                prop_assert_eq!(env, vec![format!("VALUE={value}")]);
                prop_assert_eq!(&entries[1].1, "ExecStart");
                let argv = ini::unquote_words(&entries[1].2, true).unwrap();
                prop_assert_eq!(argv, vec!["/usr/bin/podman".to_string(), "run".into(), arg.clone()]);
            }
            Err(_) => prop_assert!(has_control(&value) || has_control(&arg) || arg == ";" , "refused a printable value: {:?} / {:?}", value, arg),
        }
    }

    #[test]
    fn dockerfile_values_never_add_an_instruction(value in interesting_string(), arg in interesting_string()) {
        let file = Dockerfile::new(vec![
            Instruction::From { image: "debian:12.8-slim".into(), stage: None, platform: None },
            Instruction::Env(vec![("VALUE".into(), value.clone())]),
            Instruction::Cmd(vec!["app".into(), arg.clone()]),
        ]);
        if let Ok(text) = file.render() {
            let keywords: Vec<String> = parse_instructions(&text).into_iter().map(|(k, _)| k).collect();
            prop_assert_eq!(keywords, vec!["FROM".to_string(), "ENV".into(), "CMD".into()], "{}", text);
            let cmd = text.lines().find(|l| l.starts_with("CMD ")).unwrap();
            let argv: Vec<String> = serde_json::from_str(&cmd[4..]).unwrap();
            prop_assert_eq!(argv, vec!["app".to_string(), arg.clone()]);
        }
    }

    #[test]
    fn compose_output_is_a_pure_function_of_the_spec(
        names in prop::collection::btree_set("[a-z][a-z0-9]{0,6}", 1..6),
        envs in prop::collection::vec(("[A-Z][A-Z0-9_]{0,6}", interesting_string()), 0..6),
    ) {
        let mut spec = String::from("stack: prop\nservices:\n");
        for n in &names {
            spec.push_str(&format!("  {n}:\n    image: ghcr.io/acme/{n}:1.0.0\n    env:\n"));
            for (k, v) in &envs {
                spec.push_str(&format!("      {k}: {}\n", serde_json::to_string(v).unwrap()));
            }
        }
        let build = || -> Result<String, String> {
            let compiled = stackc_compiler::pipeline::compile("stack.yaml", spec.as_bytes(), "dev", std::path::Path::new("."), &Default::default())
                .map_err(|d| d.iter().map(|d| d.code.as_str()).collect::<Vec<_>>().join(","))?;
            let ctx = stackc_backends::output::EmitContext { source_root: "..".into(), output_from_source: "out".into(), spec_name: "stack.yaml".into() };
            let out = stackc_backends::compose::emit(&compiled.stack, &ctx).map_err(|d| d[0].message.clone())?;
            Ok(out.files.iter().map(|f| format!("{}\n{}", f.path, f.contents)).collect())
        };
        let first = build();
        prop_assert_eq!(&first, &build());
        prop_assert_eq!(&first, &build());
    }
}
