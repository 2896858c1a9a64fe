//! The variables a compose file reads: every `${NAME…}` and `$NAME` in its string values, as
//! compose interpolates them (`$$` is a literal `$`; a default or alternative may itself read
//! variables). `.env.example` lists each of them.

use stackc_compiler::front::compose::interp::{self, Op, Piece};

/// A variable the compose file reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    pub name: String,
    /// The default every use of it writes (`${NAME:-default}` or `${NAME-default}` with a
    /// literal default, the same at each use); `None` when a use has none or they differ.
    pub default: Option<String>,
}

/// The variables `value` (a compose file as JSON) interpolates, in the order they first occur,
/// each once.
pub fn variables_read(value: &serde_json::Value) -> Vec<Read> {
    let mut out = Vec::new();
    walk(value, &mut out);
    out
}

fn walk(value: &serde_json::Value, out: &mut Vec<Read>) {
    match value {
        serde_json::Value::String(s) => {
            // The backend writes only text that parses; text that does not is not read.
            if let Ok(pieces) = interp::parse(s) {
                uses(&pieces, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
        _ => {}
    }
}

fn uses(pieces: &[Piece], out: &mut Vec<Read>) {
    for p in pieces {
        let Piece::Var { name, op, arg, .. } = p else {
            continue;
        };
        let default = match (op, arg.as_slice()) {
            (Op::DefaultIfEmpty | Op::DefaultIfUnset, [Piece::Lit(d)]) => Some(d.clone()),
            _ => None,
        };
        match out.iter_mut().find(|r| r.name == *name) {
            Some(r) if r.default != default => r.default = None,
            Some(_) => {}
            None => out.push(Read {
                name: name.clone(),
                default,
            }),
        }
        uses(arg, out);
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
            "x-note": "cost 5$$",
            "x-names": ["${NAME:-langfuse-redis}", "${NAME-langfuse-redis}", "${LOG:-info}", "${LOG:-debug}"]
        });
        let read = variables_read(&file);
        let names: Vec<&str> = read.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["TAG", "DATA_FOLDER", "A", "B", "PORT", "NAME", "LOG"]
        );
        let defaults: Vec<Option<&str>> = read.iter().map(|r| r.default.as_deref()).collect();
        // `TAG` once without a default, `A` with another variable in it, `LOG` with two.
        assert_eq!(
            defaults,
            [None, None, None, None, None, Some("langfuse-redis"), None]
        );
    }
}
