//! `stackc rules` (the rule table) and `stackc explain` (one rule's documentation, or what an
//! error code means).

use std::process::ExitCode;

use stackc_compiler::diag::{ErrorCode, did_you_mean};
use stackc_compiler::lint::{RULES, Rule, find_rule};

use super::usage_error;
use crate::cli::{DiagFormat, ExplainArgs, RulesArgs};

/// `warning → error`, or one level when both profiles agree.
pub fn severities(r: &Rule) -> String {
    if r.meta.dev == r.meta.prod {
        r.meta.dev.to_string()
    } else {
        format!("{} → {}", r.meta.dev, r.meta.prod)
    }
}

/// Backend letters, e.g. `C D S K`.
pub fn backends(r: &Rule) -> String {
    r.meta
        .backends
        .iter()
        .map(|b| b.letter().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The rule table as aligned text.
pub fn table() -> String {
    let rows: Vec<[String; 5]> = RULES
        .iter()
        .map(|r| {
            let mut summary = r.meta.summary.to_string();
            if let Some(req) = r.meta.requires {
                summary.push_str(&format!(" (needs {req})"));
            }
            [
                r.code.to_string(),
                r.slug.to_string(),
                severities(r),
                backends(r),
                summary,
            ]
        })
        .collect();
    let header = ["code", "slug", "dev → prod", "backends", "summary"].map(String::from);
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .chain([&header])
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows.iter()) {
        for (i, w) in widths.iter().enumerate() {
            out.push_str(&format!(
                "{}{}  ",
                row[i],
                " ".repeat(w - row[i].chars().count())
            ));
        }
        out.push_str(&row[4]);
        out.push('\n');
    }
    out.push_str(&format!(
        "\n{} rules. Backends: C compose, D Dockerfile, S systemd, K Kubernetes. `stackc explain CODE` shows a rule's documentation.\n",
        RULES.len()
    ));
    out
}

fn rules_json() -> String {
    let items: Vec<serde_json::Value> = RULES
        .iter()
        .map(|r| {
            serde_json::json!({
                "code": r.code,
                "slug": r.slug,
                "summary": r.meta.summary,
                "severity": { "dev": r.meta.dev.as_str(), "prod": r.meta.prod.as_str() },
                "backends": r.meta.backends.iter().map(|b| b.name()).collect::<Vec<_>>(),
                "tags": r.meta.tags,
                "requires": r.meta.requires,
            })
        })
        .collect();
    let v = serde_json::json!({
        "version": 1,
        "tool": { "name": "stackc", "version": env!("CARGO_PKG_VERSION") },
        "rules": items,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("json values serialise");
    s.push('\n');
    s
}

pub fn list(args: &RulesArgs) -> ExitCode {
    match args.format {
        DiagFormat::Human => print!("{}", table()),
        DiagFormat::Json => print!("{}", rules_json()),
    }
    ExitCode::SUCCESS
}

/// A rule's documentation page: the same text as `docs/rules/<CODE>.md`.
pub fn rule_page(r: &Rule) -> String {
    stackc_compiler::lint::docs::rule_page(r)
}

pub fn explain(args: &ExplainArgs) -> ExitCode {
    let word = args.rule.trim();
    if let Some(r) = find_rule(word) {
        print!("{}", rule_page(r));
        return ExitCode::SUCCESS;
    }
    if let Some(e) = ErrorCode::parse(word) {
        print!(
            "# {} ({})\n\n{}.\n\nWhat to do: {}.\n\nThis is an error, not a lint rule: it blocks every target and cannot be suppressed.\n",
            e.code(),
            e.stage(),
            capitalise(e.summary()),
            e.fix()
        );
        return ExitCode::SUCCESS;
    }
    let candidates = RULES
        .iter()
        .flat_map(|r| [r.code, r.slug])
        .chain(ErrorCode::ALL.iter().map(|e| e.code()));
    let help = match did_you_mean(word, candidates) {
        Some(c) => format!("did you mean `{c}`?"),
        None => "`stackc rules` lists the lint rules; error codes are `STK0xx`".to_string(),
    };
    usage_error(&format!("unknown rule or code `{word}`"), &help)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
