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
