//! `stackc lint --fix`: the mechanical fixes applied in place by spans (comments, order and
//! formatting survive), listed as `file:line: what`, and a second run changes nothing.

mod common;

use std::path::Path;

use common::{bless, root, stackc_in};

/// Copies `fixture/file` into a fresh directory, runs `stackc lint FILE --fix --env ENV` there
/// twice, and returns the fixed text with the `fixed …` lines of each run.
fn fix_twice(fixture: &str, file: &str, env: &str) -> (String, Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join(fixture).join(file);
    std::fs::copy(&src, dir.path().join(file)).unwrap();
    let run = |dir: &Path| {
        let out = stackc_in(
            dir,
            &["lint", file, "--fix", "--env", env, "--format", "short"],
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("fixed "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let first = run(dir.path());
    let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
    let second = run(dir.path());
    let again = std::fs::read_to_string(dir.path().join(file)).unwrap();
    assert_eq!(text, again, "a second --fix changed {file}");
    (text, first, second)
}

/// Compares with the golden file, or rewrites it under `STACKC_BLESS=1`.
fn golden(path: &str, got: &str) {
    let path = root().join(path);
    if bless() {
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {} (run with STACKC_BLESS=1)", path.display()));
    assert!(
        got == want,
        "{} differs (STACKC_BLESS=1 accepts):\n{got}",
        path.display()
    );
}

#[test]
fn fix_edits_a_commented_compose_file_in_place() {
    let (text, first, second) = fix_twice("fixtures/lint/fix-compose", "compose.yaml", "dev");
    golden("fixtures/lint/fix-compose/fixed.yaml", &text);
    assert_eq!(
        first,
        [
            "fixed compose.yaml:3: add `security_opt: [\"no-new-privileges:true\"]`",
            "fixed compose.yaml:6: publish port 80 on 127.0.0.1",
            "fixed compose.yaml:7: publish port 22 on 127.0.0.1",
            "fixed compose.yaml:10: add `restart: unless-stopped`",
            "fixed compose.yaml:14: publish port 3000 on 127.0.0.1",
            "fixed compose.yaml:18: add `restart: unless-stopped`",
            "fixed compose.yaml:18: add `security_opt: [\"no-new-privileges:true\"]`",
        ]
    );
    assert!(second.is_empty(), "{second:?}");
    for comment in [
        "# http",
        "# the site",
        "# published for the frontend team",
        "# flow style: left as is",
    ] {
        assert!(text.contains(comment), "lost `{comment}`:\n{text}");
    }
}

#[test]
fn fix_in_prod_quotes_base_60_port_mappings_and_keeps_ports_public() {
    let (text, first, second) = fix_twice("fixtures/lint/fix-compose", "compose.yaml", "prod");
    golden("fixtures/lint/fix-compose/fixed-prod.yaml", &text);
    assert!(
        first.contains(&"fixed compose.yaml:7: quote port mapping `2222:22`".to_string()),
        "{first:?}"
    );
    assert!(text.contains("- \"8080:80\"   # http"), "{text}");
    assert!(second.is_empty(), "{second:?}");
}

#[test]
fn fix_edits_a_stack_spec_in_place() {
    let (text, first, second) = fix_twice("fixtures/lint/fix-spec", "stack.yaml", "dev");
    golden("fixtures/lint/fix-spec/fixed.yaml", &text);
    assert_eq!(
        first,
        [
            "fixed stack.yaml:7: set `no_new_privileges: true`",
            "fixed stack.yaml:12: publish port 8000 on 127.0.0.1",
        ]
    );
    assert!(second.is_empty(), "{second:?}");
}

#[test]
fn without_fix_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("fixtures/lint/fix-compose/compose.yaml");
    let before = std::fs::read_to_string(&src).unwrap();
    std::fs::write(dir.path().join("compose.yaml"), &before).unwrap();
    stackc_in(dir.path(), &["lint", "compose.yaml"]);
    let after = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert_eq!(before, after);
}
