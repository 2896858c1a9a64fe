//! The published JSON Schema of the stack spec, generated from the spec types.

use crate::syntax::spec::StackSpec;

/// `schema/stack.schema.json` as text (pretty, with a trailing newline).
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(StackSpec);
    let mut s = serde_json::to_string_pretty(&schema).expect("schemas serialise");
    s.push('\n');
    s
}
