//! The registry's meta-tests and the runner of every rule's pass/fail cases.

use crate::diag::ErrorCode;

use super::case::{dedent, position};
use super::*;

const SECTIONS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "Use instead:",
];

#[test]
fn every_rule_has_doc_sections_and_pass_and_fail_cases() {
    let mut problems = Vec::new();
    for r in RULES {
        let doc = r.doc_markdown();
        let mut last = 0;
        for s in SECTIONS {
            match doc.find(s) {
                Some(i) if i >= last => last = i,
                Some(_) => problems.push(format!("{}: section `{s}` out of order", r.code)),
                None => problems.push(format!("{}: doc comment lacks `{s}`", r.code)),
            }
        }
        if doc.matches("```yaml").count() < 2 {
            problems.push(format!(
                "{}: the example needs a failing and a fixed ```yaml block",
                r.code
            ));
        }
        if !r.cases.iter().any(Case::is_pass) {
            problems.push(format!("{}: no pass case", r.code));
        }
        if !r.cases.iter().any(|c| !c.is_pass()) {
            problems.push(format!("{}: no fail case", r.code));
        }
    }
    assert!(
        problems.is_empty(),
        "rules missing documentation or cases:\n{}",
        problems.join("\n")
    );
}

#[test]
fn registry_codes_slugs_and_modules_are_consistent() {
    let mut problems = Vec::new();
    for w in RULES.windows(2) {
        if w[0].code >= w[1].code {
            problems.push(format!("{} is listed before {}", w[0].code, w[1].code));
        }
    }
    for r in RULES {
        let b = r.code.as_bytes();
        if !(r.code.len() == 6
            && r.code.starts_with("STK")
            && b[3].is_ascii_digit()
            && b[3] != b'0'
            && b[4].is_ascii_digit()
            && b[5].is_ascii_digit())
        {
            problems.push(format!(
                "{}: codes are `STK` + group digit 1-9 + two digits",
                r.code
            ));
        }
        if r.slug.replace('-', "_") != r.module {
            problems.push(format!(
                "{}: module `{}` does not match slug `{}`",
                r.code, r.module, r.slug
            ));
        }
        if !r.slug.bytes().all(|c| c.is_ascii_lowercase() || c == b'-') {
            problems.push(format!("{}: slug `{}` is not kebab-case", r.code, r.slug));
        }
        let s = r.meta.summary;
        if s.is_empty() || s.ends_with('.') || s.starts_with(|c: char| c.is_ascii_uppercase()) {
            problems.push(format!(
                "{}: summary must be lowercase without a trailing period",
                r.code
            ));
        }
        if r.meta.backends.is_empty() || r.meta.tags.is_empty() {
            problems.push(format!("{}: backends and tags must not be empty", r.code));
        }
        if RULES
            .iter()
            .filter(|o| o.slug == r.slug || o.code == r.code)
            .count()
            != 1
        {
            problems.push(format!("{}: code or slug used twice", r.code));
        }
        if codes::find(r.code).is_some() {
            problems.push(format!("{}: also an error code", r.code));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(RULES.len() >= 35, "{} rules", RULES.len());
}

#[test]
fn every_case_gives_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    for (i, r) in RULES.iter().enumerate() {
        for c in r.cases {
            let findings = match c.run(Some(i)) {
                Ok(f) => f,
                Err(d) => {
                    let msgs: Vec<String> = d
                        .iter()
                        .map(|d| format!("{} {:?}: {}", d.code, d.location(), d.message))
                        .collect();
                    failures.push(format!(
                        "{} case `{}` does not compile:\n    {}\n{}",
                        r.code,
                        c.name,
                        msgs.join("\n    "),
                        dedent(c.spec)
                    ));
                    continue;
                }
            };
            let got: Vec<String> = findings
                .iter()
                .filter(|f| f.code() == r.code)
                .map(position)
                .collect();
            let others: Vec<&str> = findings
                .iter()
                .filter(|f| f.code() != r.code)
                .map(|f| f.code())
                .collect();
            if got != c.expect || !others.is_empty() {
                let detail: Vec<String> = findings
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {}: {}\n{}",
                            position(f),
                            f.code(),
                            f.diagnostic.message,
                            caret(f)
                        )
                    })
                    .collect();
                failures.push(format!(
                    "{} case `{}`: expected {:?}, got {:?}\n    {}",
                    r.code,
                    c.name,
                    c.expect,
                    got,
                    detail.join("\n    ")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} case failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The finding's source line with a caret under its span, for failure messages.
fn caret(f: &Finding) -> String {
    let Some(p) = f.diagnostic.primary.as_ref() else {
        return String::new();
    };
    let (line, col) = p.file.line_col(p.span.start);
    let text = p.file.text.lines().nth(line as usize - 1).unwrap_or("");
    let width = p
        .file
        .slice(p.span)
        .chars()
        .take_while(|c| *c != '\n')
        .count()
        .max(1);
    format!(
        "      | {text}\n      | {}{}",
        " ".repeat(col as usize - 1),
        "^".repeat(width)
    )
}

#[test]
fn every_finding_of_every_case_points_at_written_text() {
    // All rules over all cases: no panic, every finding at a non-empty span the user wrote, with
    // a lowercase message and a help.
    let mut problems = Vec::new();
    for r in RULES {
        for c in r.cases {
            let Ok(findings) = c.run(None) else { continue };
            for f in &findings {
                let p = f.diagnostic.primary.as_ref().expect("a primary label");
                if p.span.is_empty() {
                    problems.push(format!(
                        "{} over case `{}` of {}: empty span ({})",
                        f.code(),
                        c.name,
                        r.code,
                        f.diagnostic.message
                    ));
                }
                if f.diagnostic
                    .message
                    .starts_with(|ch: char| ch.is_ascii_uppercase())
                    || f.diagnostic.message.ends_with('.')
                {
                    problems.push(format!(
                        "{}: message style: {}",
                        f.code(),
                        f.diagnostic.message
                    ));
                }
                if f.diagnostic.help.is_none() {
                    problems.push(format!("{}: no help: {}", f.code(), f.diagnostic.message));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn lint_text(text: &str, env: &str) -> Vec<Finding> {
    let c = crate::pipeline::compile(
        "s.yaml",
        dedent(text).as_bytes(),
        env,
        std::path::Path::new("/nonexistent"),
        &Default::default(),
    )
    .map_err(|d| format!("{d:?}"))
    .unwrap();
    lint(&c.stack, &Settings::default())
}

#[test]
fn suppressions_mark_findings_by_code_or_slug_at_service_and_stack_level() {
    let f = lint_text(
        "
        stack: t
        lint: { ignore: { image-untagged: \"vendored image, pinned by the mirror\" } }
        services:
          a:
            image: nginx:latest
            lint: { ignore: { STK102: \"tracked in OPS-1\" } }
          b: { image: nginx }
        ",
        "dev",
    );
    let pick = |code: &str| {
        f.iter()
            .filter(|x| x.code() == code)
            .map(|x| (x.service.clone().unwrap(), x.diagnostic.suppressed.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        pick("STK102"),
        vec![("a".to_string(), Some("tracked in OPS-1".to_string()))]
    );
    assert_eq!(
        pick("STK101"),
        vec![(
            "b".to_string(),
            Some("vendored image, pinned by the mirror".to_string())
        )]
    );
}

#[test]
fn unknown_suppressions_warn_with_a_suggestion() {
    let f = lint_text(
        "
        stack: t
        lint: { ignore: { image-untaged: \"typo\", STK031: \"an error code\" } }
        services:
          a: { image: nginx:1.27.3, lint: { ignore: { STK9999: \"nothing\" } } }
        ",
        "dev",
    );
    let stk080: Vec<(String, String, String)> = f
        .iter()
        .filter(|x| x.diagnostic.code == ErrorCode::UnknownSuppression)
        .map(|x| {
            (
                position(x),
                x.diagnostic.message.clone(),
                x.diagnostic.help.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(stk080.len(), 3, "{stk080:#?}");
    assert_eq!(stk080[0].0, "2:19 warning");
    assert_eq!(
        stk080[0].1,
        "unknown lint rule `image-untaged` in `lint.ignore`"
    );
    assert_eq!(stk080[0].2, "did you mean `image-untagged`?");
    assert_eq!(
        stk080[1].1,
        "`STK031` is an error code and cannot be suppressed"
    );
    assert_eq!(stk080[2].0, "4:47 warning");
}

#[test]
fn fingerprints_ignore_lines_but_not_identity() {
    let a = lint_text("stack: t\nservices:\n  a: { image: nginx }\n", "dev");
    let b = lint_text(
        "# moved down\n\nstack: t\nservices:\n  a: { image: nginx }\n",
        "dev",
    );
    let c = lint_text("stack: t\nservices:\n  b: { image: nginx }\n", "dev");
    let fp = |f: &[Finding]| {
        f.iter()
            .find(|x| x.code() == "STK101")
            .unwrap()
            .fingerprint
            .clone()
    };
    assert_eq!(fp(&a), fp(&b));
    assert_ne!(fp(&a), fp(&c));
    assert_eq!(fp(&a).len(), 32);
}

#[test]
fn profile_changes_severity() {
    let spec = "stack: t\nservices:\n  a: { image: nginx:1.27.3 }\n";
    let sev = |env: &str| {
        lint_text(spec, env)
            .iter()
            .find(|x| x.code() == "STK401")
            .map(|x| x.severity())
    };
    assert_eq!(sev("dev"), Some(Severity::Warning));
    assert_eq!(sev("prod"), Some(Severity::Error));
}
