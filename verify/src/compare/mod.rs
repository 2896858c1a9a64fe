//! The comparison: the spec's model against one target's model, each difference a diagnostic
//! at the output file and line (with the spec's line as a secondary label).
//!
//! Targets differ from the spec only by the rules listed in [`rules`]; everything else is a
//! difference.

mod fields;
mod network;
pub mod rules;
pub mod value;

use stackc_compiler::diag::Diagnostic;
use stackc_compiler::ir::Stack;

use crate::Target;
use crate::files::DIFFERS;
use crate::model::{Model, Workload};
use crate::source::Loc;

/// Collects differences.
pub struct Cmp<'a> {
    pub stack: &'a Stack,
    pub target: Target,
    pub out: Vec<Diagnostic>,
}

impl<'a> Cmp<'a> {
    /// A difference found at `at` in an output, about spec item at `spec`.
    pub fn diff(&mut self, at: &Loc, spec: Option<&Loc>, message: String, help: &str) {
        let mut d =
            Diagnostic::error(DIFFERS, message).at(&at.file, at.span(), "the output says this");
        if let Some(s) = spec {
            d = d
                .also(&s.file, s.span(), "the spec says this")
                .note(format!("written in the spec at {}", s.display()));
        }
        self.out.push(d.help(help.to_string()));
    }

    /// Names a spec service may have in this target.
    pub fn service_names(&self, name: &str) -> Vec<String> {
        let Some(svc) = self.stack.services.iter().find(|s| s.name.value == name) else {
            return vec![name.to_string()];
        };
        rules::object_names(&self.stack.name.value, &svc.name.value, &svc.dns_name)
    }

    /// The spec service a target's workload name stands for.
    pub fn spec_service_of(&self, actual: &str) -> Option<String> {
        self.stack
            .services
            .iter()
            .find(|s| {
                rules::object_names(&self.stack.name.value, &s.name.value, &s.dns_name)
                    .iter()
                    .any(|n| n == actual)
            })
            .map(|s| s.name.value.clone())
    }
}

/// Compares the spec with one target's model; `fallback` locates findings about missing things.
pub fn compare(stack: &Stack, target: Target, model: &Model, fallback: &Loc) -> Vec<Diagnostic> {
    let mut c = Cmp {
        stack,
        target,
        out: Vec::new(),
    };
    if target == Target::Dockerfile {
        fields::images(&mut c, model);
        return c.out;
    }
    let mut matched = Vec::new();
    for svc in &stack.services {
        let expected = crate::expect::workload(stack, svc);
        let actual = c
            .service_names(&svc.name.value)
            .into_iter()
            .find_map(|n| model.workloads.get(&n));
        match actual {
            Some(a) => {
                matched.push(a.name.clone());
                fields::workload(&mut c, &expected, a, model);
            }
            None => {
                let names = c.service_names(&svc.name.value).join("`, `");
                c.diff(
                    fallback,
                    Some(&expected.loc),
                    format!(
                        "`{}`: no workload for it in the {} output (looked for `{names}`)",
                        svc.name.value,
                        target.name()
                    ),
                    "rebuild this target from the spec",
                );
            }
        }
    }
    if rules::reports_extra_workloads(target) {
        let extra: Vec<&Workload> = model
            .workloads
            .values()
            .filter(|w| {
                !matched.contains(&w.name) && !rules::is_backend_service(stack, target, &w.name)
            })
            .collect();
        for w in extra {
            c.diff(
                &w.loc,
                None,
                format!(
                    "`{}`: the {} output runs it, but the spec declares no such service",
                    w.name,
                    target.name()
                ),
                "remove it, or declare the service in the spec and rebuild",
            );
        }
    }
    network::check(&mut c, model);
    c.out
}
