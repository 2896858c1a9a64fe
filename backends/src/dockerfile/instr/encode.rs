//! Encoders and checks: how each kind of value is quoted, and what each field may hold.

use super::*;

/// `"..."` with `\`, `"` and `$` backslash-escaped: BuildKit's double-quote rules read it back as
/// exactly `value`, with no variable expansion.
pub(super) fn quote_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A word for fields BuildKit passes through its shell-word expander (paths): every `\`, `$`,
/// `"` and `'` gets a backslash, which the expander removes, so the word means itself.
pub(super) fn escape_word(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | '$' | '"' | '\'') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One JSON string. `serde_json` escapes `"`, `\` and C0 controls; NEL, U+2028 and U+2029 are
/// escaped here too so that no line terminator of any convention appears raw.
pub(super) fn json_string(value: &str) -> String {
    let encoded = serde_json::Value::String(value.to_owned()).to_string();
    if encoded.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        encoded
            .replace('\u{85}', "\\u0085")
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029")
    } else {
        encoded
    }
}

/// `["a", "b"]`.
pub(super) fn json_array<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&json_string(item.as_ref()));
    }
    out.push(']');
    out
}

// ---------------------------------------------------------------------------------------------
// Checks

pub(super) fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// No line break (first, so that a newline always reports as such), no other control character
/// except tab.
pub(super) fn check_text(field: &'static str, value: &str) -> Result<()> {
    if value.chars().any(is_line_break) {
        return Err(DockerfileError::LineBreak {
            field,
            value: value.to_owned(),
        });
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(DockerfileError::ControlChar {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

pub(super) fn check_no_trailing_escape(field: &'static str, value: &str) -> Result<()> {
    if value.trim_end_matches([' ', '\t']).ends_with('\\') {
        return Err(DockerfileError::TrailingEscape {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

pub(super) fn check_path(field: &'static str, path: &str) -> Result<()> {
    check_text(field, path)?;
    if path.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    Ok(())
}

pub(super) fn check_charset(
    field: &'static str,
    value: &str,
    allowed: impl Fn(char) -> bool,
    expected: &'static str,
) -> Result<()> {
    check_text(field, value)?;
    if value.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    if !value.chars().all(allowed) {
        return Err(DockerfileError::InvalidValue {
            field,
            value: value.to_owned(),
            expected,
        });
    }
    Ok(())
}

/// `[A-Za-z_][A-Za-z0-9_.-]*`: ARG, ENV and LABEL keys.
pub(super) fn is_name(value: &str) -> bool {
    let mut chars = value.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a POSIX environment variable name.
pub(super) fn is_env_var_name(value: &str) -> bool {
    let mut chars = value.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn check_name(field: &'static str, value: &str) -> Result<()> {
    check_text(field, value)?;
    if value.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    if !is_name(value) {
        return Err(DockerfileError::InvalidName {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// BuildKit's stage name pattern, `[a-z][a-z0-9_.-]*`.
pub(super) fn check_stage_name(field: &'static str, value: &str) -> Result<()> {
    check_text(field, value)?;
    if value.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    let mut chars = value.chars();
    let valid = matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    if !valid {
        return Err(DockerfileError::InvalidName {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

pub(super) fn is_ref_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | ':' | '@' | '-')
}

pub(super) fn is_platform_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-' | '$' | '{' | '}')
}

/// Characters of a plain `COPY` path: no whitespace, quotes, backslash, `$`, brackets or `<`.
pub(super) fn is_plain_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '.' | '_' | '/' | '@' | ':' | '+' | ',' | '=' | '~' | '%' | '*' | '?' | '-'
        )
}

pub(super) fn is_plain_path(path: &str) -> bool {
    !path.is_empty() && !path.starts_with('-') && path.chars().all(is_plain_path_char)
}

/// Characters allowed in a `--mount` option value: BuildKit reads the option as CSV, so no
/// comma, quote or `=`; no whitespace or backslash so the flag cannot end early; no `$`.
pub(super) fn is_mount_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '@' | ':' | '+' | '~' | '%' | '-')
}

pub(super) fn check_mount_path(field: &'static str, value: &str) -> Result<()> {
    check_charset(
        field,
        value,
        is_mount_char,
        "a path of [A-Za-z0-9._/@:+~%-] (no comma, quote, space or `$`)",
    )
}

pub(super) fn check_image_ref(field: &'static str, value: &str) -> Result<()> {
    check_charset(
        field,
        value,
        is_ref_char,
        "an image reference or stage name of [A-Za-z0-9._/:@-]",
    )?;
    if value.starts_with('-') {
        return Err(DockerfileError::InvalidValue {
            field,
            value: value.to_owned(),
            expected: "an image reference or stage name not starting with `-`",
        });
    }
    Ok(())
}

pub(super) fn check_user(field: &'static str, value: &str) -> Result<()> {
    check_text(field, value)?;
    if value.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    let part_ok = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    let valid = match value.split_once(':') {
        Some((user, group)) => part_ok(user) && part_ok(group),
        None => part_ok(value),
    };
    if !valid || value.starts_with('-') {
        return Err(DockerfileError::InvalidValue {
            field,
            value: value.to_owned(),
            expected: "user[:group] of [A-Za-z0-9_.-]",
        });
    }
    Ok(())
}

/// A Go `time.ParseDuration` string without sign: one or more `<number><unit>` with units
/// `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`.
pub(super) fn is_go_duration(value: &str) -> bool {
    let mut rest = value;
    if rest.is_empty() {
        return false;
    }
    if rest == "0" {
        return true;
    }
    while !rest.is_empty() {
        let int_len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let mut number_len = int_len;
        let mut frac_len = 0;
        if rest[int_len..].starts_with('.') {
            frac_len = rest[int_len + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - int_len - 1);
            number_len = int_len + 1 + frac_len;
        }
        if int_len == 0 && frac_len == 0 {
            return false;
        }
        rest = &rest[number_len..];
        let unit = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .into_iter()
            .find(|unit| rest.starts_with(unit));
        match unit {
            Some(unit) => rest = &rest[unit.len()..],
            None => return false,
        }
    }
    true
}

/// The structural guarantees, checked once more on the finished line.
pub(super) fn check_rendered_line(line: &str) -> Result<()> {
    if line.chars().any(is_line_break) {
        return Err(DockerfileError::LineBreak {
            field: "rendered line",
            value: line.to_owned(),
        });
    }
    check_no_trailing_escape("rendered line", line)
}
