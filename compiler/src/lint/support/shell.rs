//! Just enough POSIX shell to see which variables a script expands into which program's
//! arguments: simple commands split at `|`, `;`, `&`, newlines, `&&` and `||`; words at blanks;
//! `$NAME` and `${NAME...}` expanded outside single quotes. No functions, subshells or here
//! documents: a miss is possible, a false alarm on quoted text is not.

use crate::ir::{Command, Value};

/// Shell built-ins that never put their arguments on a process's command line.
pub const ARGV_SAFE_BUILTINS: &[&str] = &[
    "printf", "echo", "export", "read", "test", "[", ":", "local", "set", "eval", "true", "false",
];

/// Wrappers that run the next word as the program (`exec redis-server ...`).
const PREFIX_WORDS: &[&str] = &["exec", "command", "nohup", "time"];

/// One word of a simple command: its text without quotes, and the variables it expands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub expands: Vec<String>,
}

/// Splits a script into simple commands of words.
pub fn simple_commands(script: &str) -> Vec<Vec<Word>> {
    let mut commands: Vec<Vec<Word>> = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut word = Word::default();
    let mut in_word = false;
    let chars: Vec<char> = script.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    let end_word = |words: &mut Vec<Word>, word: &mut Word, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                } else {
                    word.text.push(c);
                }
                i += 1;
                continue;
            }
            Some('"') if c == '"' => {
                quote = None;
                i += 1;
                continue;
            }
            _ => {}
        }
        if c == '\\' && i + 1 < chars.len() {
            word.text.push(chars[i + 1]);
            in_word = true;
            i += 2;
            continue;
        }
        if c == '$' {
            let (name, len) = variable_at(&chars[i + 1..]);
            if let Some(name) = name {
                word.expands.push(name);
            }
            word.text.extend(&chars[i..i + 1 + len]);
            in_word = true;
            i += 1 + len;
            continue;
        }
        if quote.is_none() {
            match c {
                '\'' | '"' => {
                    quote = Some(c);
                    in_word = true;
                }
                ' ' | '\t' => end_word(&mut words, &mut word, &mut in_word),
                '|' | ';' | '&' | '\n' | '(' | ')' => {
                    end_word(&mut words, &mut word, &mut in_word);
                    if !words.is_empty() {
                        commands.push(std::mem::take(&mut words));
                    }
                }
                _ => {
                    word.text.push(c);
                    in_word = true;
                }
            }
        } else {
            word.text.push(c);
        }
        i += 1;
    }
    end_word(&mut words, &mut word, &mut in_word);
    if !words.is_empty() {
        commands.push(words);
    }
    commands
}

/// The variable named after a `$`, and how many characters the reference takes after the `$`.
fn variable_at(rest: &[char]) -> (Option<String>, usize) {
    let is_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    match rest.first() {
        Some('{') => {
            let name: String = rest[1..].iter().take_while(|c| is_name(**c)).collect();
            let close = rest
                .iter()
                .position(|c| *c == '}')
                .map(|p| p + 1)
                .unwrap_or(rest.len());
            (
                (!name.is_empty() && name.starts_with(is_start)).then_some(name),
                close,
            )
        }
        Some(c) if is_start(*c) => {
            let name: String = rest.iter().take_while(|c| is_name(**c)).collect();
            let len = name.chars().count();
            (Some(name), len)
        }
        _ => (None, 0),
    }
}

/// The program a simple command runs (after assignments and `exec`-like prefixes), and the
/// index of its word.
pub fn program(words: &[Word]) -> Option<(usize, &str)> {
    let mut i = 0;
    while i < words.len() {
        let w = &words[i].text;
        let assignment = w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if assignment || PREFIX_WORDS.contains(&w.as_str()) {
            i += 1;
            continue;
        }
        return Some((i, w.as_str()));
    }
    None
}

/// The script a command runs through a shell: the single argument of a shell-form command, or
/// the argument after `-c` of `sh`/`bash`/... in exec form.
pub fn script_of(cmd: &Command) -> Option<&Value> {
    if cmd.shell {
        return cmd.args.first();
    }
    let prog = cmd.args.first()?.as_literal()?;
    let base = prog.rsplit('/').next().unwrap_or(&prog);
    if !matches!(base, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh") {
        return None;
    }
    let c = cmd.args.iter().position(|a| {
        a.as_literal().is_some_and(|t| {
            t == "-c" || (t.starts_with('-') && !t.starts_with("--") && t.ends_with('c'))
        })
    })?;
    cmd.args.get(c + 1)
}

/// Variables among `names` that the script expands into the arguments of a program that is not
/// an argv-safe built-in, each with that program.
pub fn leaked_variables(script: &str, names: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for words in simple_commands(script) {
        let Some((at, prog)) = program(&words) else {
            continue;
        };
        if ARGV_SAFE_BUILTINS.contains(&prog) {
            continue;
        }
        for w in &words[at..] {
            for v in &w.expands {
                if names.contains(&v.as_str()) && !out.iter().any(|(n, _)| n == v) {
                    out.push((v.clone(), prog.to_string()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_piped_into_the_program_leaks_nothing() {
        let s = r#"printf 'requirepass %s\n' "$REDIS_PASSWORD" | exec redis-server -"#;
        assert_eq!(leaked_variables(s, &["REDIS_PASSWORD"]), vec![]);
    }

    #[test]
    fn an_argument_of_a_program_leaks() {
        let s = r#"redis-cli -a "$REDIS_PASSWORD" ping"#;
        assert_eq!(
            leaked_variables(s, &["REDIS_PASSWORD"]),
            vec![("REDIS_PASSWORD".into(), "redis-cli".into())]
        );
        let s = "exec redis-server --requirepass ${REDIS_PASSWORD:-x}";
        assert_eq!(
            leaked_variables(s, &["REDIS_PASSWORD"]),
            vec![("REDIS_PASSWORD".into(), "redis-server".into())]
        );
    }

    #[test]
    fn single_quotes_and_other_variables_do_not_count() {
        assert_eq!(
            leaked_variables("redis-cli -a '$REDIS_PASSWORD' ping", &["REDIS_PASSWORD"]),
            vec![]
        );
        assert_eq!(
            leaked_variables("redis-cli -h $HOST ping", &["REDIS_PASSWORD"]),
            vec![]
        );
    }

    #[test]
    fn commands_split_at_operators_and_assignments_are_skipped() {
        let c = simple_commands("A=1 exec foo \"b c\" && bar $X; baz");
        assert_eq!(c.len(), 3);
        assert_eq!(program(&c[0]).map(|p| p.1), Some("foo"));
        assert_eq!(c[0][3].text, "b c");
        assert_eq!(c[1][1].expands, vec!["X".to_string()]);
    }
}
