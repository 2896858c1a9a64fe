//! Splitting and unquoting: POSIX shell words (compose string commands, `podman run` lines
//! after systemd unquoting), systemd's quoting, and interpolation in compose and env files.

use crate::model::Part;

/// Splits a command line into words with POSIX shell quoting (single quotes literal; double
/// quotes with `\` escaping `"`, `\`, `$` and backquote; backslash outside quotes).
pub fn shell_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.peek() {
                            Some(&n) if matches!(n, '"' | '\\' | '$' | '`') => {
                                cur.push(n);
                                chars.next();
                            }
                            _ => cur.push('\\'),
                        },
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// Splits a systemd value into words (systemd's quoting: `"..."` and `'...'` with C-style
/// escapes in double quotes, words separated by whitespace).
pub fn systemd_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                in_word = true;
                match chars.next() {
                    Some('n') => cur.push('\n'),
                    Some('t') => cur.push('\t'),
                    Some(n) => cur.push(n),
                    None => {}
                }
            }
            (None, '"' | '\'') if !in_word || cur.is_empty() => {
                in_word = true;
                quote = Some(c);
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (_, c) => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// Replaces systemd specifier `%%` with `%` (other specifiers are kept as written).
pub fn unspecify(text: &str) -> String {
    text.replace("%%", "%")
}

/// Reads compose interpolation: `$$` is a `$`, `${NAME...}` and `$NAME` are references.
pub fn compose_parts(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            if b[i + 1] == b'$' {
                lit.push('$');
                i += 2;
                continue;
            }
            if b[i + 1] == b'{'
                && let Some(end) = text[i..].find('}')
            {
                let inner = &text[i + 2..i + end];
                let name_end = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                flush(&mut parts, &mut lit);
                parts.push(Part::Ref(inner[..name_end].to_string()));
                i += end + 1;
                continue;
            }
            let rest = &text[i + 1..];
            let n = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if n > 0 && !rest.as_bytes()[0].is_ascii_digit() {
                flush(&mut parts, &mut lit);
                parts.push(Part::Ref(rest[..n].to_string()));
                i += 1 + n;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        lit.push(ch);
        i += ch.len_utf8();
    }
    flush(&mut parts, &mut lit);
    parts
}

/// Pushes pending literal text as a part.
pub fn flush(parts: &mut Vec<Part>, lit: &mut String) {
    if !lit.is_empty() {
        parts.push(Part::Lit(std::mem::take(lit)));
    }
}

/// Joins adjacent literal parts.
pub fn normalise(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for p in parts {
        match (out.last_mut(), p) {
            (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
            (_, Part::Lit(b)) if b.is_empty() => {}
            (_, p) => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_and_systemd_words() {
        assert_eq!(
            shell_words(r#"a "b c" 'd e' f\ g"#),
            ["a", "b c", "d e", "f g"]
        );
        assert_eq!(
            systemd_words(r#"run "--health-cmd=[\"x\"]" --read-only"#),
            ["run", r#"--health-cmd=["x"]"#, "--read-only"]
        );
    }

    #[test]
    fn compose_interpolation() {
        assert_eq!(
            compose_parts("a:${PW:?run}@h $$HOME $X"),
            vec![
                Part::Lit("a:".into()),
                Part::Ref("PW".into()),
                Part::Lit("@h $HOME ".into()),
                Part::Ref("X".into()),
            ]
        );
    }
}
