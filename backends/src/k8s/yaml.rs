//! Object serialisation: typed objects to YAML documents with a stable, readable key order.

use serde::Serialize;
use serde_json::{Map, Value};
use stackc_compiler::diag::{Diagnostic, ErrorCode};
use stackc_compiler::syntax::emit::{to_yaml, to_yaml_with_blocks};

/// Keys moved to the front of every mapping, in this order; the rest keep k8s-openapi's
/// (alphabetical) order.
const FIRST_KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "image",
];

/// Mappings whose keys are user data (label keys, file names): never reordered.
const DATA_KEYS: &[&str] = &["data", "labels", "annotations", "matchLabels", "selector"];

/// An internal error: the serialiser refused a value (never expected).
pub(super) fn internal(what: &str, e: impl std::fmt::Display) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        ErrorCode::InternalError,
        format!("internal error: cannot write {what}: {e}"),
    )]
}

/// One YAML document (no `---`, ends with a newline). Literal blocks are used only when the
/// text reads back to the same value; otherwise every string is written as a flow scalar.
pub(super) fn document<T: Serialize>(object: &T) -> Result<String, Vec<Diagnostic>> {
    let mut value = serde_json::to_value(object).map_err(|e| internal("a Kubernetes object", e))?;
    reorder(&mut value);
    // Only multi-line strings become blocks: without one, both writings are the same and the
    // read-back check (a full parse) is skipped.
    let blocks = if has_multiline(&value) {
        to_yaml_with_blocks(&value).map_err(|e| internal("Kubernetes YAML", e))?
    } else {
        None
    };
    let mut text = match blocks {
        Some(b) => b,
        None => to_yaml(&value).map_err(|e| internal("Kubernetes YAML", e))?,
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Whether any string in `value` spans several lines.
fn has_multiline(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\n'),
        Value::Array(a) => a.iter().any(has_multiline),
        Value::Object(o) => o.values().any(has_multiline),
        _ => false,
    }
}

fn reorder(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            entries.sort_by_key(|(k, _)| {
                FIRST_KEYS
                    .iter()
                    .position(|f| f == k)
                    .unwrap_or(FIRST_KEYS.len())
            });
            let mut out = Map::new();
            for (k, mut v) in entries {
                if !DATA_KEYS.contains(&k.as_str())
                    || !v
                        .as_object()
                        .is_some_and(|o| o.values().all(Value::is_string))
                {
                    reorder(&mut v);
                }
                out.insert(k, v);
            }
            *map = out;
        }
        Value::Array(items) => items.iter_mut().for_each(reorder),
        _ => {}
    }
}

/// A YAML file: the header as comments, then the documents separated by `---`.
pub(super) fn file(header: &[String], documents: &[String]) -> String {
    let mut out: String = header.iter().map(|l| format!("# {l}\n")).collect();
    for (i, d) in documents.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(d);
    }
    out
}
