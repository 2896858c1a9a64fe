//! Golden outputs of the Dockerfile backend, and the properties every generated Dockerfile has.
//!
//! Each case compiles a spec, emits it in memory and compares every file byte for byte with the
//! committed output directory (which must hold exactly those files). `STACKC_BLESS=1` rewrites
//! the directories instead. hadolint runs over the same directories in `cargo xtask validate`.

mod common;

use std::collections::BTreeMap;

use common::compile_for;
use stackc_backends::dockerfile::{self, instr::parse_instructions};
use std::path::Path;

use stackc_backends::output::{BackendOutput, EmitContext, GENERATED_MARKER, Outcome};

/// A golden case: spec, environment, output directory (all relative to the repository root).
struct Case {
    spec: &'static str,
    env: &'static str,
    out: &'static str,
}

const CASES: &[Case] = &[
    Case {
        spec: "fixtures/dockerfile-presets/stack.yaml",
        env: "dev",
        out: "fixtures/dockerfile-presets/out/dockerfile",
    },
    Case {
        spec: "examples/an-app/stack.yaml",
        env: "dev",
        out: "examples/an-app/out/dev/dockerfile",
    },
    Case {
        spec: "examples/an-app/stack.yaml",
        env: "prod",
        out: "examples/an-app/out/prod/dockerfile",
    },
];

fn emit(case: &Case) -> BackendOutput {
    let (compiled, ctx) = compile_for(case.spec, case.env, case.out);
    dockerfile::emit(&compiled.stack, &ctx)
        .unwrap_or_else(|d| panic!("{} does not emit: {d:?}", case.spec))
}

fn files(out: &BackendOutput) -> BTreeMap<&str, &str> {
    out.files
        .iter()
        .map(|f| (f.path.as_str(), f.contents.as_str()))
        .collect()
}

fn dockerfiles(out: &BackendOutput) -> impl Iterator<Item = (&str, &str)> {
    out.files
        .iter()
        .filter(|f| f.path.ends_with(".Dockerfile"))
        .map(|f| (f.path.as_str(), f.contents.as_str()))
}

#[test]
fn dockerfile_files_pair_up_and_carry_the_marker() {
    for case in CASES {
        let out = emit(case);
        let names: Vec<&str> = out.files.iter().map(|f| f.path.as_str()).collect();
        for (name, text) in dockerfiles(&out) {
            assert!(
                names.contains(&format!("{name}.dockerignore").as_str()),
                "{}/{name} has no ignore file",
                case.out
            );
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some("# syntax=docker/dockerfile:1"), "{name}");
            let header = lines.next().unwrap_or_default();
            assert!(
                header.starts_with("# ") && header.contains(GENERATED_MARKER),
                "{name}: {header}"
            );
        }
        for f in out
            .files
            .iter()
            .filter(|f| f.path.ends_with(".dockerignore"))
        {
            let first = f.contents.lines().next().unwrap_or_default();
            assert!(first.starts_with("# ") && first.contains(GENERATED_MARKER));
        }
    }
}

/// What a reader of the file sees: `(KEYWORD, arguments)` after the syntax directive.
fn instructions(text: &str) -> Vec<(String, String)> {
    parse_instructions(text)
}

#[test]
fn dockerfile_every_dockerfile_has_the_hygiene_properties() {
    for case in CASES {
        let out = emit(case);
        for (name, text) in dockerfiles(&out) {
            let ins = instructions(text);
            let kw: Vec<&str> = ins.iter().map(|(k, _)| k.as_str()).collect();
            // Pinned images: every FROM names a tag or a stage.
            for (k, args) in &ins {
                if k == "FROM" {
                    let image = args.split_whitespace().next().unwrap();
                    let last = image.rsplit('/').next().unwrap();
                    assert!(
                        last.contains(':') || image == "scratch",
                        "{name}: unpinned FROM {image}"
                    );
                    assert!(!image.ends_with(":latest"), "{name}: {image}");
                }
            }
            // Non-root, numeric.
            let user = ins
                .iter()
                .rev()
                .find(|(k, _)| k == "USER")
                .map(|(_, a)| a.as_str())
                .unwrap_or_else(|| panic!("{name}: no USER"));
            assert!(
                user.split(':')
                    .all(|p| p.parse::<u32>().is_ok_and(|n| n > 0)),
                "{name}: USER {user}"
            );
            // Exec form.
            for (k, args) in &ins {
                if k == "CMD" || k == "ENTRYPOINT" {
                    serde_json::from_str::<Vec<String>>(args)
                        .unwrap_or_else(|_| panic!("{name}: {k} {args}"));
                }
                assert_ne!(k, "ADD", "{name}");
            }
            // No secret in ARG or ENV: secrets only as mounts.
            for (k, args) in &ins {
                if k == "ARG" || k == "ENV" {
                    assert!(!args.contains("/run/secrets"), "{name}: {k} {args}");
                }
            }
            // Labels last but CMD.
            assert!(kw.contains(&"LABEL"), "{name}");
            assert_eq!(kw.last(), Some(&"CMD"), "{name}");
        }
    }
}

#[test]
fn dockerfile_presets_are_multi_stage_with_dependencies_before_sources() {
    let out = emit(&CASES[0]);
    let by_name = files(&out);
    for (service, install) in [
        ("uv", "uv sync --frozen --no-dev --no-install-project"),
        ("pip", "pip install --requirement requirements.txt"),
        ("npm", "npm ci"),
        ("pnpm", "pnpm install --frozen-lockfile"),
        ("gosvc", "go mod download"),
    ] {
        let text = by_name[format!("{service}.Dockerfile").as_str()];
        let ins = instructions(text);
        let install_at = ins
            .iter()
            .position(|(k, a)| k == "RUN" && a.ends_with(install))
            .unwrap_or_else(|| panic!("{service}: no `{install}`"));
        let (_, install_args) = &ins[install_at];
        assert!(install_args.contains("--mount=type=cache,"), "{service}");
        assert!(install_args.contains("--mount=type=bind,"), "{service}");
        let first_copy = ins
            .iter()
            .position(|(k, a)| k == "COPY" && !a.starts_with("--from"))
            .unwrap();
        assert!(
            install_at < first_copy,
            "{service}: sources before dependencies"
        );
        let froms = ins.iter().filter(|(k, _)| k == "FROM").count();
        assert!(froms >= 2, "{service}: single stage");
        let last_from = ins.iter().rposition(|(k, _)| k == "FROM").unwrap();
        assert!(
            ins[last_from..]
                .iter()
                .all(|(k, a)| !(k == "RUN" && a.contains("type=cache,target=/root"))),
            "{service}: package-manager caches in the final stage"
        );
        // ARG after the dependency step.
        if let Some(arg_at) = ins.iter().position(|(k, _)| k == "ARG") {
            assert!(arg_at > install_at, "{service}");
        }
    }
    // Build secrets reach RUN steps through mounts, with the variable named by the secret.
    let npm = instructions(by_name["npm.Dockerfile"]);
    let mounted: Vec<&String> = npm
        .iter()
        .filter(|(k, a)| k == "RUN" && a.contains("type=secret,id=npm_token"))
        .map(|(_, a)| a)
        .collect();
    assert_eq!(mounted.len(), 2, "{mounted:?}");
    assert!(mounted[0].contains("env=NPM_TOKEN,required=true"));
    let pip = by_name["pip.Dockerfile"];
    assert!(
        pip.contains(
            "--mount=type=secret,id=pip_token,target=/run/secrets/pip_token,env=PIP_TOKEN "
        )
    );
    assert!(!pip.contains("required=true"), "optional secret");
}

#[test]
fn dockerfile_health_becomes_healthcheck_or_a_loss() {
    let out = emit(&CASES[0]);
    let by_name = files(&out);
    let uv = instructions(by_name["uv.Dockerfile"]);
    let (_, hc) = uv.iter().find(|(k, _)| k == "HEALTHCHECK").unwrap();
    assert!(
        hc.starts_with(
            "--interval=15s --timeout=3s --start-period=10s --retries=3 CMD [\"python\""
        ),
        "{hc}"
    );
    // http only: no HEALTHCHECK, a loss entry instead.
    assert!(!by_name["pip.Dockerfile"].contains("HEALTHCHECK"));
    let loss = out
        .losses
        .iter()
        .find(|l| l.service.as_deref() == Some("pip"))
        .unwrap();
    assert_eq!(loss.feature, "health.http");
    assert!(matches!(loss.outcome, Outcome::Dropped(_)));
    assert!(loss.span.is_some());
    // A job gets no HEALTHCHECK.
    assert!(!by_name["tool.Dockerfile"].contains("HEALTHCHECK"));
}

#[test]
fn dockerfile_an_app_api_matches_the_reference_practices() {
    let out = emit(&CASES[2]);
    let by_name = files(&out);
    assert_eq!(
        by_name.keys().copied().collect::<Vec<_>>(),
        ["api.Dockerfile", "api.Dockerfile.dockerignore"],
        "only the built service gets files"
    );
    let text = by_name["api.Dockerfile"];
    let ins = instructions(text);
    let find = |k: &str, pred: &dyn Fn(&str) -> bool| {
        ins.iter()
            .position(|(kk, a)| kk == k && pred(a))
            .unwrap_or_else(|| panic!("no {k} in\n{text}"))
    };
    let deps = find("RUN", &|a| {
        a.ends_with("uv sync --frozen --no-dev --no-install-project")
            && a.contains("type=cache,target=/root/.cache/uv")
            && a.contains("source=pyproject.toml")
            && a.contains("source=uv.lock")
    });
    let src = find("COPY", &|a| a == "src /app/src");
    assert!(deps < src);
    assert_eq!(ins[find("USER", &|_| true)].1, "10001:10001");
    assert_eq!(ins[find("EXPOSE", &|_| true)].1, "8000/tcp");
    let cmd = &ins[find("CMD", &|_| true)].1;
    assert_eq!(
        serde_json::from_str::<Vec<String>>(cmd).unwrap(),
        [
            "uvicorn",
            "app.main:app",
            "--host",
            "0.0.0.0",
            "--port",
            "8000"
        ]
    );
    assert!(
        !text.contains("--reload"),
        "hot reload is a dev concern of compose"
    );
    let ignore = by_name["api.Dockerfile.dockerignore"];
    for p in [
        "**/.git",
        "**/.env*",
        "**/*.pem",
        "**/.venv",
        "out/prod/dockerfile",
    ] {
        assert!(ignore.lines().any(|l| l == p), "{p}");
    }
}

#[test]
fn dockerfile_services_with_an_existing_dockerfile_get_nothing() {
    let spec = "stack: t\nservices:\n  a:\n    build: { dockerfile: Dockerfile.custom }\n  b:\n    image: nginx:1.27.3\n";
    let compiled = stackc_compiler::pipeline::compile(
        "t.yaml",
        spec.as_bytes(),
        "dev",
        Path::new("/nonexistent"),
        &Default::default(),
    )
    .unwrap();
    let ctx = EmitContext {
        source_root: "../..".into(),
        output_from_source: "out/dockerfile".into(),
        spec_name: "t.yaml".into(),
    };
    let out = dockerfile::emit(&compiled.stack, &ctx).unwrap();
    assert!(out.files.is_empty());
    for svc in &compiled.stack.services {
        assert!(
            dockerfile::render_service(&compiled.stack, svc, &ctx)
                .unwrap()
                .is_empty()
        );
    }
}

/// The Dockerfile of service `a` in a one-service spec.
fn one(build: &str) -> String {
    let spec = format!("stack: t\nservices:\n  a:\n    build: {build}\n");
    let compiled = stackc_compiler::pipeline::compile(
        "t.yaml",
        spec.as_bytes(),
        "dev",
        Path::new("/nonexistent"),
        &Default::default(),
    )
    .unwrap_or_else(|d| panic!("{spec}: {d:?}"));
    let ctx = EmitContext {
        source_root: "..".into(),
        output_from_source: "out".into(),
        spec_name: "t.yaml".into(),
    };
    let out = dockerfile::emit(&compiled.stack, &ctx).unwrap();
    out.files
        .into_iter()
        .find(|f| f.path == "a.Dockerfile")
        .unwrap()
        .contents
}

#[test]
fn dockerfile_user_forms() {
    let user = |text: &str| {
        instructions(text)
            .into_iter()
            .filter(|(k, _)| k == "USER")
            .map(|(_, a)| a)
            .collect::<Vec<_>>()
    };
    // Root on purpose: numeric, no user created (hadolint DL3002, stackc STK601).
    let root = one("{ base: 'debian:12.11-slim', user: root }");
    assert_eq!(user(&root), ["0:0"]);
    assert!(!root.contains("useradd"));
    // A numeric user: used as written, nothing created.
    let numeric = one("{ preset: go, user: '1000:1000' }");
    assert_eq!(user(&numeric), ["1000:1000"]);
    assert!(!numeric.contains("useradd"));
    // A name: created with UID 10001 (Alpine's tools on an Alpine base, in the install layer).
    let alpine = one("{ base: 'alpine:3.22.1', user: svc, system_packages: ['tini=0.19.0-r3'] }");
    assert!(alpine.contains(
        "RUN apk add --no-cache tini=0.19.0-r3 && addgroup -S -g 10001 svc && adduser -S -D -H -u 10001 -G svc -s /sbin/nologin svc\n"
    ));
    assert_eq!(user(&alpine), ["10001:10001"]);
    // No shell in the base: no user to create, the numeric UID still applies.
    let scratch = one("{ preset: go, base: scratch }");
    assert!(!scratch.contains("useradd"));
    assert_eq!(user(&scratch), ["10001:10001"]);
}

#[test]
fn dockerfile_plain_recipe_is_one_stage_and_reports_what_it_cannot_split() {
    let spec = "stack: t\nservices:\n  a:\n    build: { base: 'debian:12.11-slim', builder: 'golang:1.25.1-bookworm', build_packages: ['make=4.3-4.1'] }\n";
    let compiled = stackc_compiler::pipeline::compile(
        "t.yaml",
        spec.as_bytes(),
        "dev",
        Path::new("/nonexistent"),
        &Default::default(),
    )
    .unwrap();
    let ctx = EmitContext {
        source_root: "..".into(),
        output_from_source: "out".into(),
        spec_name: "t.yaml".into(),
    };
    let out = dockerfile::emit(&compiled.stack, &ctx).unwrap();
    let text = &out.files[0].contents;
    assert_eq!(
        instructions(text)
            .iter()
            .filter(|(k, _)| k == "FROM")
            .count(),
        1
    );
    let features: Vec<&str> = out.losses.iter().map(|l| l.feature.as_str()).collect();
    assert_eq!(features, ["build.builder", "build.build_packages"]);
}

#[test]
fn dockerfile_plain_without_base_is_a_resolver_error() {
    let spec = "stack: t\nservices:\n  a:\n    build: { preset: plain }\n";
    let errors = stackc_compiler::pipeline::compile(
        "t.yaml",
        spec.as_bytes(),
        "dev",
        Path::new("/nonexistent"),
        &Default::default(),
    )
    .err()
    .expect("refused");
    assert_eq!(errors[0].code, "STK026");
    assert_eq!(errors[0].location().map(|l| l.1), Some(4));
}
