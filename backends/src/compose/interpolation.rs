//! The variables a compose file reads: every `${NAME…}` and `$NAME` in its string values, as
//! compose interpolates them (`$$` is a literal `$`; a default or alternative may itself read
//! variables). `.env.example` lists each of them.

use stackc_compiler::front::compose::interp::{self, Piece};

/// The names of the variables `value` (a compose file as JSON) interpolates, in the order they
/// first occur, each once.
pub fn variables_read(value: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(value, &mut out);
    out
}

fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => {
            // The backend writes only text that parses; text that does not is not read.
            if let Ok(pieces) = interp::parse(s) {
                names(&pieces, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
        _ => {}
    }
}

fn names(pieces: &[Piece], out: &mut Vec<String>) {
    for p in pieces {
        if let Piece::Var { name, arg, .. } = p {
            if !out.contains(name) {
                out.push(name.clone());
            }
            names(arg, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variable_once_in_order_nested_defaults_included_escapes_not() {
        let file = serde_json::json!({
            "services": {
                "a": {
                    "image": "app:${TAG:?set it}",
                    "volumes": ["${DATA_FOLDER}/x:/x", "$$HOME:/h"],
                    "environment": {"URL": "${A:-${B}}", "PORT": "$PORT", "T": "${TAG}"},
                    "healthcheck": {"retries": 3}
                }
            },
            "x-note": "cost 5$$"
        });
        assert_eq!(
            variables_read(&file),
            ["TAG", "DATA_FOLDER", "A", "B", "PORT"]
        );
    }
}
