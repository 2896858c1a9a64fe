//! YAML output with YAML 1.1 traps (`on`, `yes`, `08`, `22:22`) quoted.

use serde::Serialize;

/// Serialises a value to YAML text in field order, two-space indentation, sequences indented
/// under their key.
pub fn to_yaml<T: Serialize>(value: &T) -> Result<String, String> {
    let mut opts = serde_saphyr::SerializerOptions::default();
    opts.indent_step = 2;
    // Long single-line strings (digest-pinned images, URLs) stay on one line.
    opts.prefer_block_scalars = false;
    serde_saphyr::to_string_with_options(value, opts).map_err(|e| e.to_string())
}

/// A JSON value serialised with multi-line strings as YAML literal blocks (`|`), so config
/// files and scripts stay readable in the output.
struct Blocks<'a>(&'a serde_json::Value);

impl Serialize for Blocks<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        use serde_json::Value;
        match self.0 {
            Value::String(text) if text.contains('\n') => serde_saphyr::LitStr(text).serialize(s),
            Value::Object(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, &Blocks(v))?;
                }
                m.end()
            }
            Value::Array(items) => {
                let mut q = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    q.serialize_element(&Blocks(v))?;
                }
                q.end()
            }
            other => other.serialize(s),
        }
    }
}

/// [`to_yaml`] with multi-line strings written as literal blocks, when the text reads back as
/// exactly `value` (`Ok(None)` otherwise: write it with [`to_yaml`] instead).
pub fn to_yaml_with_blocks(value: &serde_json::Value) -> Result<Option<String>, String> {
    let text = to_yaml(&Blocks(value))?;
    Ok(serde_saphyr::from_str::<serde_json::Value>(&text)
        .is_ok_and(|back| back == *value)
        .then_some(text))
}
