//! `stackc graph`: the dependency graph with its conditions, as Mermaid or Graphviz dot.

use std::process::ExitCode;

use stackc_compiler::ir::{Condition, Stack};

use super::load;
use crate::cli::{DiagFormat, GraphArgs, GraphFormat};

fn edge_label(c: Condition) -> &'static str {
    c.as_str()
}

/// Mermaid flowchart: jobs as rounded boxes, edges from a service to what it waits for.
pub fn mermaid(stack: &Stack) -> String {
    let mut s = String::from("flowchart LR\n");
    for svc in &stack.services {
        let id = svc.name.value.replace('-', "_");
        if svc.is_job() {
            s.push_str(&format!("  {id}([\"{} (job)\"])\n", svc.name.value));
        } else {
            s.push_str(&format!("  {id}[\"{}\"]\n", svc.name.value));
        }
    }
    for svc in &stack.services {
        for d in &svc.depends_on {
            let t = stack.service(d.service);
            s.push_str(&format!(
                "  {} -->|{}| {}\n",
                svc.name.value.replace('-', "_"),
                edge_label(d.condition),
                t.name.value.replace('-', "_")
            ));
        }
    }
    s
}

/// Graphviz dot digraph.
pub fn dot(stack: &Stack) -> String {
    let mut s = format!("digraph \"{}\" {{\n  rankdir=LR;\n", stack.name.value);
    for svc in &stack.services {
        let shape = if svc.is_job() {
            "box, style=rounded"
        } else {
            "box"
        };
        s.push_str(&format!("  \"{}\" [shape={shape}];\n", svc.name.value));
    }
    for svc in &stack.services {
        for d in &svc.depends_on {
            let t = stack.service(d.service);
            s.push_str(&format!(
                "  \"{}\" -> \"{}\" [label=\"{}\"];\n",
                svc.name.value,
                t.name.value,
                edge_label(d.condition)
            ));
        }
    }
    s.push_str("}\n");
    s
}

pub fn run(args: &GraphArgs) -> ExitCode {
    let (_, compiled) = match load(&args.spec, DiagFormat::Human) {
        Ok(v) => v,
        Err(code) => return code,
    };
    match args.format {
        GraphFormat::Mermaid => print!("{}", mermaid(&compiled.stack)),
        GraphFormat::Dot => print!("{}", dot(&compiled.stack)),
    }
    ExitCode::SUCCESS
}
