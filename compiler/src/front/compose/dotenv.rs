//! The project's env file (`.env` beside the compose file, or the file given with
//! `--env-file`) in compose's dotenv format: what compose substitutes for `${VAR}` when it runs
//! the file. Import reads it to learn what the file means on targets that do not interpolate.
//!
//! The format: `KEY=VALUE` lines (an optional `export ` before the key), `#` comments, blank
//! lines; a value in single quotes is literal, one in double quotes takes `\n`, `\t`, `\\` and
//! `\"` escapes, an unquoted value ends at ` #` and is trimmed. Unquoted and double-quoted values
//! are interpolated with the keys defined above them (the process environment is never read:
//! import is deterministic). A key without `=` (passed from the environment) has no value here.

use indexmap::IndexMap;

use super::interp::{self, Op, Piece};

/// The values of an env file, in file order.
pub type EnvValues = IndexMap<String, String>;

/// The values of a dotenv text, in file order (a key defined twice keeps its last value).
pub fn parse(text: &str) -> EnvValues {
    let mut out: IndexMap<String, String> = IndexMap::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r').trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            continue;
        }
        let value = value_of(raw.trim_start(), &out);
        out.shift_remove(key);
        out.insert(key.to_string(), value);
    }
    out
}

fn value_of(raw: &str, known: &IndexMap<String, String>) -> String {
    if let Some(rest) = raw.strip_prefix('\'') {
        return rest.split_once('\'').map_or(rest, |(v, _)| v).to_string();
    }
    if let Some(rest) = raw.strip_prefix('"') {
        let mut v = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => v.push('\n'),
                    Some('t') => v.push('\t'),
                    Some(o) => v.push(o),
                    None => v.push('\\'),
                },
                c => v.push(c),
            }
        }
        return substitute(&v, known);
    }
    let unquoted = match raw.find(" #").or_else(|| raw.find("\t#")) {
        Some(i) => &raw[..i],
        None => raw,
    };
    substitute(unquoted.trim_end(), known)
}

/// `text` with `${VAR}` replaced by the values defined above (a malformed reference is kept).
fn substitute(text: &str, known: &IndexMap<String, String>) -> String {
    match interp::parse(text) {
        Ok(pieces) => render(&pieces, known),
        Err(_) => text.to_string(),
    }
}

fn render(pieces: &[Piece], known: &IndexMap<String, String>) -> String {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Lit(t) => s.push_str(t),
            Piece::Var { name, op, arg, .. } => {
                let value = known.get(name).map(String::as_str);
                let set_non_empty = value.is_some_and(|v| !v.is_empty());
                match op {
                    Op::DefaultIfEmpty if !set_non_empty => s.push_str(&render(arg, known)),
                    Op::DefaultIfUnset if value.is_none() => s.push_str(&render(arg, known)),
                    Op::AltIfNonEmpty => {
                        if set_non_empty {
                            s.push_str(&render(arg, known))
                        }
                    }
                    Op::AltIfSet => {
                        if value.is_some() {
                            s.push_str(&render(arg, known))
                        }
                    }
                    _ => s.push_str(value.unwrap_or("")),
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_quotes_comments_and_references() {
        let v = parse(
            "# comment\nexport A=1\nB = two words # note\nC='lit ${A}'\nD=\"x\\ny ${A}\"\nE=${A}-${MISSING:-d}\nPASSED\nA=3\nF=\n",
        );
        assert_eq!(v["A"], "3");
        assert_eq!(v["B"], "two words");
        assert_eq!(v["C"], "lit ${A}");
        assert_eq!(v["D"], "x\ny 1");
        assert_eq!(v["E"], "1-d");
        assert_eq!(v["F"], "");
        assert!(!v.contains_key("PASSED"));
        assert_eq!(v.keys().last().map(String::as_str), Some("F"));
        // Windows line ends, and a quoted value with a `#` inside.
        let v = parse("G=on\r\nH=\"a # b\"\r\n");
        assert_eq!(v["G"], "on");
        assert_eq!(v["H"], "a # b");
    }
}
