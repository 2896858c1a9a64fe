//! The compose-only fields of a spec (`targets.compose.services`) linted like everything else.
//!
//! The fields are compose syntax, so they are read the way `stackc lint compose.yaml` reads a
//! compose file: they are written into a small compose document (one line per field), read by
//! the compose frontend, resolved, and linted by the same rules. A finding or error located on
//! a field's line is moved to that field's key in the spec; what the document adds around the
//! fields (an image, the stack's volume and network names) is never reported. A host bind of
//! `/`, the Docker socket, `pid: host` or `network_mode: host` given here is therefore the same
//! finding, with the same code and severity, as in a compose file.

use std::collections::HashMap;
use std::path::Path;

use crate::diag::{Diagnostic, Label, Span};
use crate::front::compose::{Mode, read};
use crate::ir::Stack;
use crate::syntax::ParseOptions;

use super::{Finding, Settings};

/// A field of the document: the service and key it came from, and its span in the spec.
struct Origin {
    service: String,
    key: String,
    span: Span,
}

/// The findings of the compose-only service fields of `stack`, located at their keys.
/// `known` are the findings of the stack itself: a rule that reads the compose-only fields
/// directly finds the same thing in the document, reported once.
pub(super) fn findings(stack: &Stack, settings: &Settings, known: &[Finding]) -> Vec<Finding> {
    let pass = &stack.targets.compose;
    if pass.from_compose_file || pass.services.iter().all(|(_, f)| f.is_empty()) {
        return Vec::new();
    }
    let (text, origins) = document(stack);
    let found = lint_document(stack, &text, settings);
    // The validator reads the compose-only mounts itself (`STK032` of a home directory path):
    // its errors of the stack are reported beside the findings, once.
    let validated: Vec<Finding> = crate::valid::errors(stack)
        .into_iter()
        .map(Finding::from_diagnostic)
        .collect();
    let same = |a: &Finding, b: &Finding| {
        let span = |f: &Finding| f.diagnostic.primary.as_ref().map(|p| p.span);
        a.diagnostic.code == b.diagnostic.code
            && span(a) == span(b)
            && a.diagnostic.message == b.diagnostic.message
    };
    found
        .into_iter()
        .filter_map(|f| relocate(stack, f, &origins))
        .filter(|f| !known.iter().chain(&validated).any(|k| same(k, f)))
        .collect()
}

/// The compose document: every service (those with compose-only fields carry them, one per
/// line), the stack's volumes and networks, and the compose-only secrets and configs.
fn document(stack: &Stack) -> (String, HashMap<u32, Origin>) {
    let json = |v: &serde_json::Value| serde_json::to_string(v).unwrap_or_default();
    let quote = |s: &str| json(&serde_json::Value::String(s.to_string()));
    let pass = &stack.targets.compose;
    let mut text = format!("name: {}\nservices:\n", quote(&stack.name.value));
    let mut origins = HashMap::new();
    let mut line = 3u32;
    for svc in &stack.services {
        let name = &svc.name.value;
        text.push_str(&format!(
            "  {}:\n    image: stackc-passthrough:1\n",
            quote(name)
        ));
        line += 2;
        for (k, v) in pass.service(name) {
            // A dependency on a service this environment leaves out (an optional one) is no
            // dependency here.
            let v = &match (k.as_str(), v) {
                ("depends_on", serde_json::Value::Object(deps)) => {
                    let present: serde_json::Map<String, serde_json::Value> = deps
                        .iter()
                        .filter(|(d, _)| stack.services.iter().any(|s| &s.name.value == *d))
                        .map(|(d, e)| (d.clone(), e.clone()))
                        .collect();
                    if present.is_empty() {
                        continue;
                    }
                    serde_json::Value::Object(present)
                }
                _ => v.clone(),
            };
            text.push_str(&format!("    {}: {}\n", quote(k), json(v)));
            let span = pass.key_span(name, k).unwrap_or(svc.name.span);
            origins.insert(
                line,
                Origin {
                    service: name.clone(),
                    key: k.clone(),
                    span,
                },
            );
            line += 1;
        }
    }
    let names = |names: Vec<&String>| -> String {
        let m: serde_json::Map<String, serde_json::Value> = names
            .into_iter()
            .map(|n| (n.clone(), serde_json::json!({})))
            .collect();
        json(&serde_json::Value::Object(m))
    };
    let table = |entries: &[(String, serde_json::Value)]| -> String {
        let m: serde_json::Map<String, serde_json::Value> = entries.iter().cloned().collect();
        json(&serde_json::Value::Object(m))
    };
    let volumes = names(stack.volumes.iter().map(|v| &v.name.value).collect());
    let networks = names(stack.networks.iter().map(|n| &n.name.value).collect());
    text.push_str(&format!("volumes: {volumes}\nnetworks: {networks}\n"));
    text.push_str(&format!("secrets: {}\n", table(&pass.secrets)));
    text.push_str(&format!("configs: {}\n", table(&pass.configs)));
    (text, origins)
}

/// Reads the document as a compose file and lints it with the spec's profile: the rules'
/// findings, or the frontend's errors.
fn lint_document(stack: &Stack, text: &str, settings: &Settings) -> Vec<Finding> {
    let name = format!("{}#targets.compose", stack.file.name);
    let dir = Path::new(&stack.file.name)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let opts = ParseOptions::default();
    let errors = |d: Vec<Diagnostic>| d.into_iter().map(Finding::from_diagnostic).collect();
    let fe = match read(&name, text.as_bytes(), dir, &opts, Mode::Lint) {
        Ok(fe) => fe,
        Err(d) => return errors(d),
    };
    let mut doc = match crate::resolve::resolve(&fe.file, &fe.spec, "dev") {
        Ok(s) => s,
        Err(d) => return errors(d),
    };
    doc.profile = stack.profile;
    doc.env = stack.env.clone();
    // Every finding beside the validation errors, as `stackc lint` reports a compose file.
    let mut found: Vec<Finding> = errors(crate::valid::errors(&doc));
    found.extend(super::rules_only(&doc, settings));
    found
}

/// A finding of the document moved to the spec key of the field it is on; `None` for one
/// about what the document adds around the fields.
fn relocate(stack: &Stack, mut f: Finding, origins: &HashMap<u32, Origin>) -> Option<Finding> {
    let primary = f.diagnostic.primary.take()?;
    let (line, _) = primary.file.line_col(primary.span.start);
    let origin = origins.get(&line)?;
    f.diagnostic.primary = Some(Label {
        file: stack.file.clone(),
        span: origin.span,
        message: primary.message,
    });
    // Secondary places in the document have no place in the spec, except on a field's line.
    let secondary = std::mem::take(&mut f.diagnostic.secondary);
    for label in secondary {
        let (l, _) = label.file.line_col(label.span.start);
        if let Some(o) = origins.get(&l)
            && o.span != origin.span
        {
            f.diagnostic.secondary.push(Label {
                file: stack.file.clone(),
                span: o.span,
                message: label.message,
            });
        }
    }
    f.diagnostic.notes.push(format!(
        "written as the compose-only field `targets.compose.services.{}.{}`",
        origin.service, origin.key
    ));
    f.service = Some(origin.service.clone());
    f.path = format!("targets.compose.services.{}.{}", origin.service, origin.key);
    Some(f)
}
