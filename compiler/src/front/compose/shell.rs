//! Splitting a compose command string into arguments, as compose does (shell-like words with
//! quotes and backslashes; no shell runs). Variables stay whole inside their word.

use super::interp::Piece;

/// Splits interpolation pieces into words.
pub fn split(pieces: &[Piece]) -> Result<Vec<Vec<Piece>>, String> {
    let mut words: Vec<Vec<Piece>> = Vec::new();
    let mut word: Vec<Piece> = Vec::new();
    let mut lit = String::new();
    // A word has started (possibly empty, as in `''`).
    let mut started = false;
    #[derive(PartialEq)]
    enum Q {
        None,
        Single,
        Double,
    }
    let mut q = Q::None;
    let mut escape = false;
    for p in pieces {
        match p {
            Piece::Var { .. } => {
                if escape {
                    escape = false;
                }
                if !lit.is_empty() {
                    word.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                word.push(p.clone());
                started = true;
            }
            Piece::Lit(text) => {
                for c in text.chars() {
                    if escape {
                        if q == Q::Double && !matches!(c, '"' | '\\' | '$' | '`' | '\n') {
                            lit.push('\\');
                        }
                        if c != '\n' {
                            lit.push(c);
                        }
                        escape = false;
                        started = true;
                        continue;
                    }
                    match (&q, c) {
                        (Q::Single, '\'') => q = Q::None,
                        (Q::Single, c) => lit.push(c),
                        (Q::Double, '"') => q = Q::None,
                        (Q::Double, '\\') => escape = true,
                        (Q::Double, c) => lit.push(c),
                        (Q::None, '\'' | '"') => {
                            q = if c == '"' { Q::Double } else { Q::Single };
                            // A word that opens with a quote is a word even when what it
                            // quotes substitutes to nothing (`"${X:+x}"`): an empty literal
                            // marks it.
                            if word.is_empty() && lit.is_empty() {
                                word.push(Piece::Lit(String::new()));
                            }
                            started = true;
                        }
                        (Q::None, '\\') => escape = true,
                        (Q::None, c) if c.is_whitespace() => {
                            if started {
                                if !lit.is_empty() {
                                    word.push(Piece::Lit(std::mem::take(&mut lit)));
                                }
                                if word.is_empty() {
                                    word.push(Piece::Lit(String::new()));
                                }
                                words.push(std::mem::take(&mut word));
                                started = false;
                            }
                        }
                        (Q::None, c) => {
                            lit.push(c);
                            started = true;
                        }
                    }
                }
            }
        }
    }
    if escape && q == Q::None {
        lit.push('\\');
    }
    match q {
        Q::Single => return Err("unclosed `'`".into()),
        Q::Double => return Err("unclosed `\"`".into()),
        Q::None => {}
    }
    if started {
        if !lit.is_empty() {
            word.push(Piece::Lit(lit));
        }
        if word.is_empty() {
            word.push(Piece::Lit(String::new()));
        }
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::super::interp::parse;
    use super::*;

    fn words(s: &str) -> Vec<String> {
        split(&parse(s).unwrap())
            .unwrap()
            .iter()
            .map(|w| {
                w.iter()
                    .map(|p| match p {
                        Piece::Lit(t) => t.clone(),
                        Piece::Var { name, .. } => format!("<{name}>"),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn splits_like_compose() {
        assert_eq!(
            words("server /data --console-address \":9001\""),
            ["server", "/data", "--console-address", ":9001"]
        );
        assert_eq!(
            words("echo \"a b\" 'c d' $$HOME"),
            ["echo", "a b", "c d", "$HOME"]
        );
        assert_eq!(
            words("redis-server --requirepass ${P}"),
            ["redis-server", "--requirepass", "<P>"]
        );
        assert_eq!(words("a x${P}y ''"), ["a", "x<P>y", ""]);
        assert_eq!(
            words("sh -c 'echo \"hi\" && exit 1'"),
            ["sh", "-c", "echo \"hi\" && exit 1"]
        );
        assert_eq!(words("a\\ b \"c\\\"d\""), ["a b", "c\"d"]);
        assert!(split(&parse("echo 'oops").unwrap()).is_err());
    }
}
