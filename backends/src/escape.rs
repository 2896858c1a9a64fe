//! Spec text pasted into generated prose and shell lines: a comment never gains a line, and a
//! path in a command never runs anything.

/// `text` on one line: line breaks and other control characters are written as escapes
/// (`\n`, `\u{1b}`), so a comment or description in a generated file stays one line.
pub fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `text` as one shell word: unchanged when it holds only characters no shell treats
/// specially, else in single quotes (a `'` written as `'\''`). A folder named `$(touch x)`
/// stays a name.
pub fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '/' | '.' | '_' | '-' | '+' | ',' | ':' | '@' | '%')
        });
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_line_breaks_and_control_characters() {
        assert_eq!(one_line("a\nB=1\r\u{1b}"), "a\\nB=1\\r\\u{1b}");
        assert_eq!(one_line("plain `text`"), "plain `text`");
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_quote("../../proj"), "../../proj");
        assert_eq!(shell_quote("../$(touch x)"), "'../$(touch x)'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
