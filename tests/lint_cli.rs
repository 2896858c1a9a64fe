//! `stackc lint`, `stackc rules` and `stackc explain` end to end: the reference stack as is
//! (every defect at its line and column, golden JSON and SARIF reports), the example lints clean,
//! formats, exit codes, configuration discovery and suppressions.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURE: &str = "fixtures/lint/an-app-as-is";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stackc_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("stackc runs")
}

fn stackc(args: &[&str]) -> Output {
    stackc_in(&root(), args)
}

fn bless() -> bool {
    std::env::var_os("STACKC_BLESS").is_some_and(|v| v == "1")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compares `got` with the golden file, or rewrites it under `STACKC_BLESS=1`.
fn golden(path: &Path, got: &str) {
    if bless() {
        std::fs::write(path, got).unwrap();
    }
    let want = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("missing {} (run with STACKC_BLESS=1)", path.display()));
    assert!(
        got == want,
        "{} differs from the output (run with STACKC_BLESS=1 to accept):\n{got}",
        path.display()
    );
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(o), stderr(o)))
}

/// `line:col CODE` of every finding in a JSON report.
fn positions(v: &serde_json::Value) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{} {}",
                d["line"],
                d["column"],
                d["code"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn the_reference_stack_as_is_reports_each_defect_at_its_place() {
    let out = stackc(&["lint", &format!("{FIXTURE}/stack.yaml"), "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit code; stderr: {}",
        stderr(&out)
    );
    let got = positions(&json(&out)).join("\n") + "\n";
    golden(&root().join(FIXTURE).join("expected.txt"), &got);

    // The defects STACK.md lists, each at the line and column of the user's own text.
    let text = std::fs::read_to_string(root().join(FIXTURE).join("stack.yaml")).unwrap();
    let at = |needle: &str, nth: usize| -> String {
        let offset = text
            .match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("`{needle}` #{nth} not in the fixture"))
            .0;
        let line = text[..offset].matches('\n').count() + 1;
        let col = text[..offset].rsplit('\n').next().unwrap().chars().count() + 1;
        format!("{line}:{col}")
    };
    let must = [
        (at("qdrant/qdrant:latest", 0), "STK102"),
        (at("ollama/ollama:latest", 0), "STK102"),
        (at("minio/minio:latest", 0), "STK102"),
        (at("minio/mc:latest", 0), "STK102"),
        (at("redis:7-alpine", 0), "STK105"),
        (at("neo4j:5-community", 0), "STK105"),
        (at("postgres:17-alpine", 0), "STK105"),
        (at("public", 0), "STK301"),
        (at("public", 1), "STK301"),
        (at("\"${secrets.redis_password}\"", 0), "STK207"),
        (at("\"${secrets.redis_password}\"", 1), "STK207"),
        (at("qdrant:\n", 0), "STK401"),
        (at("postgres:\n", 0), "STK701"),
        (at("./src:/app/src", 0), "STK504"),
        (at("minio/minio:latest", 0), "STK106"),
        (at("minio/mc:latest", 0), "STK106"),
        (at(".env]", 0), "STK208"),
    ];
    for (pos, code) in must {
        let line = format!("{pos} {code}");
        assert!(
            got.lines().any(|l| l == line),
            "missing `{line}` in:\n{got}"
        );
    }
}

#[test]
fn json_and_sarif_reports_of_the_reference_stack_are_golden() {
    let spec = format!("{FIXTURE}/stack.yaml");
    let j = stackc(&["lint", &spec, "--format", "json"]);
    golden(&root().join(FIXTURE).join("report.json"), &stdout(&j));

    let s = stackc(&["lint", &spec, "--format", "sarif"]);
    assert_eq!(s.status.code(), Some(1));
    let cwd = format!("file://{}/", root().display());
    let sarif = stdout(&s).replace(&cwd, "file:///SRCROOT/");
    golden(&root().join(FIXTURE).join("report.sarif"), &sarif);

    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in run["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "ruleIndex points at the rule");
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1,
            "a region on every result"
        );
        assert_eq!(
            r["partialFingerprints"]["stackc/v1"]
                .as_str()
                .unwrap()
                .len(),
            32
        );
    }
}

#[test]
fn the_example_lints_clean_in_dev_and_prod() {
    for env in ["dev", "prod", "all"] {
        let out = stackc(&[
            "lint",
            "examples/an-app/stack.yaml",
            "--env",
            env,
            "--format",
            "json",
            "--fail-on",
            "info",
        ]);
        let v = json(&out);
        let open: Vec<String> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["suppressed"] == false)
            .map(|d| {
                format!(
                    "{}:{} {} {}",
                    d["line"], d["column"], d["code"], d["message"]
                )
            })
            .collect();
        assert!(
            open.is_empty(),
            "examples/an-app in `{env}`: unsuppressed findings:\n{}",
            open.join("\n")
        );
        assert_eq!(out.status.code(), Some(0), "{env}");
        for d in v["diagnostics"].as_array().unwrap() {
            let reason = d["suppression_reason"].as_str().unwrap_or("");
            assert!(
                reason.len() >= 10,
                "a suppression in the example needs a real reason: {d}"
            );
        }
    }
}

#[test]
fn short_and_github_formats_hide_suppressed_findings_and_escape() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        "stack: t\nlint: { ignore: { STK606: \"scratch image writes nothing\" } }\nservices:\n  a:\n    image: nginx:latest\n    resources: { cpus: 1, memory: 64Mi }\n    health: { cmd: [nginx, -t] }\n",
    )
    .unwrap();
    let short = stackc_in(dir.path(), &["lint", "stack.yaml", "--format", "short"]);
    assert_eq!(
        stdout(&short),
        "stack.yaml:5:12: STK102 image `nginx:latest` of `a` uses the floating tag `latest`\n"
    );
    assert_eq!(short.status.code(), Some(1));

    let gh = stackc_in(dir.path(), &["lint", "stack.yaml", "--format", "github"]);
    assert_eq!(
        stdout(&gh),
        "::error file=stack.yaml,line=5,col=12,endLine=5,endColumn=24,title=STK102::image `nginx:latest` of `a` uses the floating tag `latest`%0Ahelp: pin a release tag, e.g. `nginx:<version>`, and update it on purpose\n"
    );
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    // Only warnings and infos: a major-only tag in dev.
    std::fs::write(dir.path().join("stack.yaml"), "stack: t\nservices:\n  a: { image: 'ghcr.io/acme/app:7', health: { cmd: [app, check] } }\n").unwrap();
    let code = |fail_on: &str| {
        stackc_in(
            dir.path(),
            &["lint", "--fail-on", fail_on, "--format", "short"],
        )
        .status
        .code()
    };
    assert_eq!(code("error"), Some(0));
    assert_eq!(code("warning"), Some(1));
    assert_eq!(code("info"), Some(1));
    // In prod the major-only tag is an error.
    assert_eq!(
        stackc_in(dir.path(), &["lint", "--env", "prod"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn stackc_toml_is_found_upward_and_validated() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("deploy/app");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        sub.join("stack.yaml"),
        "stack: t\nservices:\n  a: { image: 'nginx:latest', health: { cmd: [nginx, -t] } }\n",
    )
    .unwrap();
    assert_eq!(
        stackc_in(dir.path(), &["lint", "deploy"]).status.code(),
        Some(1)
    );

    std::fs::write(
        dir.path().join("stackc.toml"),
        "[lint]\nignore = [\"image-floating-tag\", \"STK606\"]\n[lint.severity]\nSTK7 = \"off\"\n",
    )
    .unwrap();
    let out = stackc_in(
        dir.path(),
        &["lint", "deploy", "--format", "short", "--fail-on", "info"],
    );
    assert_eq!(
        stdout(&out),
        "",
        "STK102 and STK606 ignored, STK7xx off:\n{}",
        stdout(&out)
    );
    assert_eq!(out.status.code(), Some(0));

    std::fs::write(
        dir.path().join("stackc.toml"),
        "[lint]\nignore = [\"image-floting-tag\"]\n",
    )
    .unwrap();
    let out = stackc_in(dir.path(), &["lint", "deploy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `image-floating-tag`?"),
        "{}",
        stderr(&out)
    );

    let other = dir.path().join("strict.toml");
    std::fs::write(&other, "[lint.severity]\nSTK7 = \"error\"\n").unwrap();
    let out = stackc_in(
        dir.path(),
        &[
            "lint",
            "deploy",
            "--config",
            "strict.toml",
            "--format",
            "short",
        ],
    );
    assert!(stdout(&out).contains("STK701"), "{}", stdout(&out));
}

#[test]
fn directories_are_searched_for_specs_and_compose_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::create_dir_all(dir.path().join("gen")).unwrap();
    std::fs::write(
        dir.path().join("a/stack.yaml"),
        "stack: a\nservices:\n  a: { image: 'nginx' }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.stack.yml"),
        "stack: b\nservices:\n  b: { image: 'nginx' }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  c:\n    image: nginx\n",
    )
    .unwrap();
    // Generated compose files (listed in stackc's manifest, with its header) are not linted.
    std::fs::write(
        dir.path().join("gen/compose.yaml"),
        "# Generated by stackc from stack.yaml\nservices:\n  g:\n    image: nginx\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("gen/.stackc-generated"),
        "# Generated by stackc: the files of this directory that stackc wrote and may replace.\ncompose.yaml\n",
    )
    .unwrap();
    let out = stackc_in(dir.path(), &["lint", "--format", "short"]);
    let lines: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| l.contains("STK101"))
        .map(String::from)
        .collect();
    assert_eq!(
        lines,
        vec![
            "a/stack.yaml:3:15: STK101 image `nginx` of `a` has neither a tag nor a digest",
            "b.stack.yml:3:15: STK101 image `nginx` of `b` has neither a tag nor a digest",
            "compose.yaml:3:12: STK101 image `nginx` of `c` has neither a tag nor a digest",
        ]
    );

    // `--compose` reads any file name as a compose file.
    std::fs::write(
        dir.path().join("services.yml"),
        "services:\n  d:\n    image: nginx\n",
    )
    .unwrap();
    let out = stackc_in(
        dir.path(),
        &["lint", "--compose", "services.yml", "--format", "short"],
    );
    assert!(
        stdout(&out).contains("services.yml:3:12: STK101"),
        "{}",
        stdout(&out)
    );

    let empty = tempfile::tempdir().unwrap();
    assert_eq!(stackc_in(empty.path(), &["lint"]).status.code(), Some(2));
    assert_eq!(
        stackc_in(empty.path(), &["lint", "missing.yaml"])
            .status
            .code(),
        Some(2)
    );
}

/// A file named neither like a spec nor like a compose file (frappe's `pwd.yml`) is read by
/// its top-level keys: compose keys such as `deploy` and `hostname` are no false STK002.
#[test]
fn a_compose_file_under_another_name_is_read_as_compose() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pwd.yml"),
        "services:\n  backend:\n    image: nginx\n    hostname: be\n    deploy:\n      restart_policy:\n        condition: on-failure\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("shop.yml"),
        "stack: shop\nservices:\n  web:\n    image: nginx\n    hostname: web\n",
    )
    .unwrap();
    let out = stackc_in(dir.path(), &["lint", "pwd.yml", "--format", "short"]);
    let text = stdout(&out);
    let codes: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|c| c.starts_with("STK0"))
        .collect();
    assert_eq!(codes, Vec::<&str>::new(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("pwd.yml:3:12: STK101"),
        "{}",
        stdout(&out)
    );
    // `stackc check` and `stackc build` read it the same way.
    let out = stackc_in(dir.path(), &["check", "pwd.yml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A spec keeps being read as a spec whatever its name: `hostname` is no field of it.
    let out = stackc_in(dir.path(), &["lint", "shop.yml", "--format", "short"]);
    assert!(
        stdout(&out).contains("shop.yml:5:5: STK002 unknown field `hostname`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_compose_file_is_linted_with_findings_in_it() {
    let spec = "fixtures/lint/compose-as-is/compose.yaml";
    let out = stackc(&["lint", spec, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = positions(&json(&out)).join("\n") + "\n";
    golden(
        &root().join("fixtures/lint/compose-as-is/expected.txt"),
        &got,
    );
    for must in [
        "9:28 STK201",
        "12:9 STK301",
        "19:9 STK503",
        "20:17 STK602",
        "26:33 STK203",
        "27:20 STK608",
    ] {
        assert!(
            got.lines().any(|l| l == must),
            "missing `{must}` in:\n{got}"
        );
    }
}

#[test]
fn compile_errors_are_findings_of_the_report() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        "stack: t\nservices:\n  a: { image: nginx:1.27.3, depends_on: [b] }\n",
    )
    .unwrap();
    let out = stackc_in(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(positions(&json(&out)), vec!["3:42 STK010"]);
    let sarif = stackc_in(dir.path(), &["lint", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let i = v["runs"][0]["results"][0]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[i]["id"], "STK010");
}

#[test]
fn suppressed_findings_are_kept_in_json_and_sarif() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        "stack: t\nservices:\n  a:\n    image: 'nginx:latest'\n    lint: { ignore: { image-floating-tag: \"mirrored and scanned nightly\" } }\n",
    )
    .unwrap();
    let v = json(&stackc_in(dir.path(), &["lint", "--format", "json"]));
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "STK102")
        .unwrap()
        .clone();
    assert_eq!(d["suppressed"], true);
    assert_eq!(d["suppression_reason"], "mirrored and scanned nightly");
    let s: serde_json::Value =
        serde_json::from_slice(&stackc_in(dir.path(), &["lint", "--format", "sarif"]).stdout)
            .unwrap();
    let r = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "STK102")
        .unwrap()
        .clone();
    assert_eq!(
        r["suppressions"],
        serde_json::json!([{ "kind": "inSource", "justification": "mirrored and scanned nightly" }])
    );
    let human = stackc_in(dir.path(), &["lint"]);
    assert!(!stdout(&human).contains("STK102"), "{}", stdout(&human));
    assert!(
        stdout(&human).contains("(1 suppressed)"),
        "{}",
        stdout(&human)
    );
}

#[test]
fn env_all_merges_environments_at_the_highest_severity() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        "stack: t\nservices:\n  a: { image: 'redis:7', health: { cmd: [redis-cli, ping] } }\n",
    )
    .unwrap();
    let v = json(&stackc_in(
        dir.path(),
        &["lint", "--env", "all", "--format", "json"],
    ));
    let d: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(d.contains(&("STK105".into(), "error".into())), "{d:?}");
    assert_eq!(d.iter().filter(|(c, _)| c == "STK105").count(), 1, "{d:?}");
}

#[test]
fn rules_lists_every_rule_and_explain_prints_its_docs() {
    let out = stackc(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    let table = stdout(&out);
    assert!(table.starts_with("code    slug"), "{table}");
    assert!(
        table.contains("STK302  port-bound-all-interfaces       warning → off"),
        "{table}"
    );
    let v = json(&stackc(&["rules", "--format", "json"]));
    assert!(v["rules"].as_array().unwrap().len() >= 35);

    let by_code = stdout(&stackc(&["explain", "STK101"]));
    let by_slug = stdout(&stackc(&["explain", "image-untagged"]));
    assert_eq!(by_code, by_slug);
    for s in [
        "# STK101 `image-untagged`",
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "Use instead:",
    ] {
        assert!(by_code.contains(s), "{s} in:\n{by_code}");
    }
    let e = stdout(&stackc(&["explain", "stk032"]));
    assert!(e.starts_with("# STK032 (validator)"), "{e}");
    let bad = stackc(&["explain", "image-untaged"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("did you mean `image-untagged`?"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn build_refuses_to_write_when_lint_errors_remain() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let o = stackc(&[
        "build",
        &format!("{FIXTURE}/stack.yaml"),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("STK102"), "{}", stderr(&o));
    assert!(!out_dir.exists(), "nothing written");
}
