//! Compose interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alternative}`, `${VAR+alternative}` and `$$`.
//!
//! A `$` that starts none of these is literal text, as in compose. Defaults and alternatives
//! may themselves contain interpolation.

/// What a `${VAR<op>arg}` does when the variable is unset or empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `${VAR}` or `$VAR`: the value, empty when unset.
    Plain,
    /// `${VAR:-arg}`: `arg` when unset or empty.
    DefaultIfEmpty,
    /// `${VAR-arg}`: `arg` when unset.
    DefaultIfUnset,
    /// `${VAR:?arg}`: an error when unset or empty.
    ErrorIfEmpty,
    /// `${VAR?arg}`: an error when unset.
    ErrorIfUnset,
    /// `${VAR:+arg}`: `arg` when set and not empty, else empty.
    AltIfNonEmpty,
    /// `${VAR+arg}`: `arg` when set, else empty.
    AltIfSet,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Plain => "",
            Op::DefaultIfEmpty => ":-",
            Op::DefaultIfUnset => "-",
            Op::ErrorIfEmpty => ":?",
            Op::ErrorIfUnset => "?",
            Op::AltIfNonEmpty => ":+",
            Op::AltIfSet => "+",
        }
    }
}

/// A piece of an interpolated string.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// Literal text (`$$` already turned into `$`).
    Lit(String),
    /// A variable reference. `start..end` are byte offsets of the whole `${...}` in the text.
    Var {
        name: String,
        op: Op,
        arg: Vec<Piece>,
        start: usize,
        end: usize,
    },
}

/// An interpolation error at a byte offset of the text.
#[derive(Clone, Debug, PartialEq)]
pub struct InterpError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Splits `text` into literal text and variable references.
pub fn parse(text: &str) -> Result<Vec<Piece>, InterpError> {
    let (pieces, end) = parse_until(text, 0, false)?;
    debug_assert_eq!(end, text.len());
    Ok(pieces)
}

/// Parses from `pos` to the end of the text, or (inside a braced argument) to the closing `}`
/// that balances it; returns the pieces and the offset of that `}` (or the text's end).
fn parse_until(
    text: &str,
    mut pos: usize,
    in_braces: bool,
) -> Result<(Vec<Piece>, usize), InterpError> {
    let b = text.as_bytes();
    let mut out: Vec<Piece> = Vec::new();
    let mut lit = String::new();
    let mut depth = 0usize;
    while pos < b.len() {
        let c = b[pos];
        if in_braces && c == b'}' {
            if depth == 0 {
                flush(&mut out, &mut lit);
                return Ok((out, pos));
            }
            depth -= 1;
        } else if in_braces && c == b'{' {
            depth += 1;
        }
        if c != b'$' {
            let ch = text[pos..].chars().next().unwrap_or('\u{fffd}');
            lit.push(ch);
            pos += ch.len_utf8();
            continue;
        }
        match b.get(pos + 1) {
            Some(b'$') => {
                lit.push('$');
                pos += 2;
            }
            Some(b'{') => {
                let (piece, next) = braced(text, pos)?;
                flush(&mut out, &mut lit);
                out.push(piece);
                pos = next;
            }
            Some(&n) if is_name_start(n) => {
                let mut e = pos + 1;
                while e < b.len() && is_name_char(b[e]) {
                    e += 1;
                }
                flush(&mut out, &mut lit);
                out.push(Piece::Var {
                    name: text[pos + 1..e].to_string(),
                    op: Op::Plain,
                    arg: Vec::new(),
                    start: pos,
                    end: e,
                });
                pos = e;
            }
            _ => {
                lit.push('$');
                pos += 1;
            }
        }
    }
    if in_braces {
        return Err(InterpError {
            offset: pos,
            len: 0,
            message: "no closing `}`".into(),
        });
    }
    flush(&mut out, &mut lit);
    Ok((out, pos))
}

fn flush(out: &mut Vec<Piece>, lit: &mut String) {
    if !lit.is_empty() {
        out.push(Piece::Lit(std::mem::take(lit)));
    }
}

/// Parses `${...}` starting at `start` (the `$`); returns the piece and the offset after `}`.
fn braced(text: &str, start: usize) -> Result<(Piece, usize), InterpError> {
    let b = text.as_bytes();
    let name_start = start + 2;
    let mut e = name_start;
    while e < b.len() && is_name_char(b[e]) {
        e += 1;
    }
    let invalid = |len: usize| InterpError {
        offset: start,
        len,
        message: format!(
            "invalid interpolation `{}`",
            &text[start..(start + len).min(text.len())]
        ),
    };
    if e == name_start || !is_name_start(b[name_start]) {
        let close = text[start..]
            .find('}')
            .map(|i| i + 1)
            .unwrap_or(text.len() - start);
        return Err(invalid(close));
    }
    let name = text[name_start..e].to_string();
    let rest = &text[e..];
    let (op, op_len) = if rest.starts_with(":-") {
        (Op::DefaultIfEmpty, 2)
    } else if rest.starts_with(":?") {
        (Op::ErrorIfEmpty, 2)
    } else if rest.starts_with(":+") {
        (Op::AltIfNonEmpty, 2)
    } else if rest.starts_with('-') {
        (Op::DefaultIfUnset, 1)
    } else if rest.starts_with('?') {
        (Op::ErrorIfUnset, 1)
    } else if rest.starts_with('+') {
        (Op::AltIfSet, 1)
    } else if rest.starts_with('}') {
        (Op::Plain, 0)
    } else if rest.is_empty() {
        return Err(InterpError {
            offset: start,
            len: text.len() - start,
            message: "no closing `}`".into(),
        });
    } else {
        let close = text[start..]
            .find('}')
            .map(|i| i + 1)
            .unwrap_or(text.len() - start);
        return Err(invalid(close));
    };
    if op == Op::Plain {
        return Ok((
            Piece::Var {
                name,
                op,
                arg: Vec::new(),
                start,
                end: e + 1,
            },
            e + 1,
        ));
    }
    let (arg, close) = parse_until(text, e + op_len, true).map_err(|mut err| {
        err.offset = start;
        err.len = text.len() - start;
        err
    })?;
    Ok((
        Piece::Var {
            name,
            op,
            arg,
            start,
            end: close + 1,
        },
        close + 1,
    ))
}

/// The text of `pieces` with variables replaced the way compose would when none is set:
/// defaults used, alternatives empty, errors treated as empty.
pub fn with_defaults(pieces: &[Piece]) -> String {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Lit(t) => s.push_str(t),
            Piece::Var { op, arg, .. } => {
                if matches!(op, Op::DefaultIfEmpty | Op::DefaultIfUnset) {
                    s.push_str(&with_defaults(arg));
                }
            }
        }
    }
    s
}

/// The text of `pieces` as compose substitutes it with the variables of `env` set (the
/// project's env file) and no other: [`with_defaults`] when `env` sets none of them.
pub fn substituted(pieces: &[Piece], env: &indexmap::IndexMap<String, String>) -> String {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Lit(t) => s.push_str(t),
            Piece::Var { name, op, arg, .. } => {
                let value = env.get(name);
                let set_non_empty = value.filter(|v| !v.is_empty());
                match op {
                    Op::Plain | Op::ErrorIfEmpty | Op::ErrorIfUnset => {
                        s.push_str(value.map_or("", String::as_str));
                    }
                    Op::DefaultIfEmpty => match set_non_empty {
                        Some(v) => s.push_str(v),
                        None => s.push_str(&substituted(arg, env)),
                    },
                    Op::DefaultIfUnset => match value {
                        Some(v) => s.push_str(v),
                        None => s.push_str(&substituted(arg, env)),
                    },
                    Op::AltIfNonEmpty => {
                        if set_non_empty.is_some() {
                            s.push_str(&substituted(arg, env));
                        }
                    }
                    Op::AltIfSet => {
                        if value.is_some() {
                            s.push_str(&substituted(arg, env));
                        }
                    }
                }
            }
        }
    }
    s
}

/// Whether any variable of `pieces` (nested defaults included) is set in `env`.
pub fn uses_any(pieces: &[Piece], env: &indexmap::IndexMap<String, String>) -> bool {
    pieces.iter().any(|p| match p {
        Piece::Lit(_) => false,
        Piece::Var { name, arg, .. } => env.contains_key(name) || uses_any(arg, env),
    })
}

/// Whether the text contains any variable reference.
pub fn has_vars(pieces: &[Piece]) -> bool {
    pieces.iter().any(|p| matches!(p, Piece::Var { .. }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, op: Op, arg: Vec<Piece>, start: usize, end: usize) -> Piece {
        Piece::Var {
            name: name.into(),
            op,
            arg,
            start,
            end,
        }
    }

    #[test]
    fn plain_and_braced_variables() {
        assert_eq!(
            parse("a $B ${C}d").unwrap(),
            vec![
                Piece::Lit("a ".into()),
                var("B", Op::Plain, vec![], 2, 4),
                Piece::Lit(" ".into()),
                var("C", Op::Plain, vec![], 5, 9),
                Piece::Lit("d".into()),
            ]
        );
    }

    #[test]
    fn operators_and_nested_defaults() {
        let p = parse("${A:-x${B}y}").unwrap();
        assert_eq!(
            p,
            vec![var(
                "A",
                Op::DefaultIfEmpty,
                vec![
                    Piece::Lit("x".into()),
                    var("B", Op::Plain, vec![], 6, 10),
                    Piece::Lit("y".into())
                ],
                0,
                12
            )]
        );
        assert_eq!(with_defaults(&p), "xy");
        for (text, op) in [
            ("${A-d}", Op::DefaultIfUnset),
            ("${A:?e}", Op::ErrorIfEmpty),
            ("${A?e}", Op::ErrorIfUnset),
            ("${A:+e}", Op::AltIfNonEmpty),
            ("${A+e}", Op::AltIfSet),
        ] {
            match &parse(text).unwrap()[0] {
                Piece::Var { op: o, .. } => assert_eq!(*o, op, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(with_defaults(&parse("${A:-}").unwrap()), "");
        assert_eq!(with_defaults(&parse("${A:?need}").unwrap()), "");
    }

    #[test]
    fn dollars_that_start_nothing_are_literal() {
        assert_eq!(parse("$$HOME").unwrap(), vec![Piece::Lit("$HOME".into())]);
        assert_eq!(parse("$1 a$").unwrap(), vec![Piece::Lit("$1 a$".into())]);
        assert_eq!(parse("é$").unwrap(), vec![Piece::Lit("é$".into())]);
    }

    #[test]
    fn errors_are_located() {
        let e = parse("x ${A").unwrap_err();
        assert_eq!((e.offset, e.message.as_str()), (2, "no closing `}`"));
        let e = parse("x ${1A} y").unwrap_err();
        assert_eq!((e.offset, e.len), (2, 5));
        assert_eq!(e.message, "invalid interpolation `${1A}`");
        let e = parse("${A:-${B}").unwrap_err();
        assert_eq!(e.offset, 0);
        let e = parse("${A/x}").unwrap_err();
        assert_eq!(e.message, "invalid interpolation `${A/x}`");
    }
}
