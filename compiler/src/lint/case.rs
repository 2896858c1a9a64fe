//! Pass and fail cases: each rule carries spec snippets and the exact findings they must give.
//!
//! A case's spec is indented like the Rust around it; [`dedent`] removes the common indentation
//! before compiling, and expected positions (`"7:12 error"`, 1-based line and column in
//! characters) refer to the dedented text.

use crate::diag::Diagnostic;
use crate::ir::Stack;
use crate::syntax::ParseOptions;

use super::{Finding, RuleOptions, Settings};

/// One pass or fail case of a rule.
#[derive(Clone, Copy)]
pub struct Case {
    pub name: &'static str,
    /// Environment to compile (`dev` by default).
    pub env: &'static str,
    pub spec: &'static str,
    /// Expected findings of the rule, as `line:col severity`, in position order; empty for a pass
    /// case.
    pub expect: &'static [&'static str],
    /// Adjusts the rule options (a configured allow-list, the digest policy).
    pub options: Option<fn(&mut RuleOptions)>,
    /// Changes the compiled stack before linting, for states only another frontend can produce.
    pub mutate: Option<fn(&mut Stack)>,
}

impl Case {
    /// A spec the rule must accept.
    pub const fn pass(name: &'static str, spec: &'static str) -> Case {
        Case {
            name,
            env: "dev",
            spec,
            expect: &[],
            options: None,
            mutate: None,
        }
    }
    /// A spec on which the rule reports exactly `expect`.
    pub const fn fail(
        name: &'static str,
        spec: &'static str,
        expect: &'static [&'static str],
    ) -> Case {
        Case {
            name,
            env: "dev",
            spec,
            expect,
            options: None,
            mutate: None,
        }
    }
    /// Compiles the spec for environment `env`.
    pub const fn env(mut self, env: &'static str) -> Case {
        self.env = env;
        self
    }
    pub const fn options(mut self, f: fn(&mut RuleOptions)) -> Case {
        self.options = Some(f);
        self
    }
    pub const fn mutate(mut self, f: fn(&mut Stack)) -> Case {
        self.mutate = Some(f);
        self
    }
    pub fn is_pass(&self) -> bool {
        self.expect.is_empty()
    }

    /// Compiles the case's spec (dedented) and runs the rule at `rule_index` alone, or every rule
    /// when `None`.
    pub fn run(&self, rule_index: Option<usize>) -> Result<Vec<Finding>, Vec<Diagnostic>> {
        let text = dedent(self.spec);
        let compiled = crate::pipeline::compile_without_files(
            "case.yaml",
            text.as_bytes(),
            self.env,
            &ParseOptions::default(),
        )?;
        let mut stack = compiled.stack.into_inner();
        if let Some(m) = self.mutate {
            m(&mut stack);
        }
        let mut settings = match rule_index {
            Some(i) => Settings::only(i),
            None => Settings::default(),
        };
        if let Some(o) = self.options {
            o(&mut settings.options);
        }
        Ok(super::lint(&stack, &settings))
    }
}

/// Removes the indentation common to all non-blank lines, and a leading newline.
pub fn dedent(s: &str) -> String {
    let s = s.strip_prefix('\n').unwrap_or(s);
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(s.len());
    for line in s.lines() {
        out.push_str(line.get(indent..).unwrap_or("").trim_end());
        out.push('\n');
    }
    out
}

/// A finding as a case expects it: `line:col severity`.
pub fn position(f: &Finding) -> String {
    match f.diagnostic.location() {
        Some((_, line, col)) => format!("{line}:{col} {}", f.severity()),
        None => format!("?:? {}", f.severity()),
    }
}
