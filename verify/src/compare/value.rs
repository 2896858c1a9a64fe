//! Matching a spec value (literals, secrets, variables, service hosts) against what a target
//! wrote (literals, secret references, interpolations).

use crate::model::Part;

/// What the comparator knows of names in one target.
pub struct Names<'a> {
    /// Identifiers a secret may have in the target, by spec secret name.
    pub secret: &'a dyn Fn(&str) -> Vec<String>,
    /// Host names a service answers to in the target, by spec service name.
    pub host: &'a dyn Fn(&str) -> Vec<String>,
    /// Environment name of a secret (compose interpolation, env-file placeholder).
    pub secret_env: &'a dyn Fn(&str) -> Option<String>,
}

/// An actual value as atoms: characters of literal text, and references.
#[derive(Clone, Debug, PartialEq)]
enum Atom {
    Char(char),
    Secret(String),
    Ref(String),
}

fn atoms(parts: &[Part]) -> Vec<Atom> {
    let mut out = Vec::new();
    for p in parts {
        match p {
            Part::Lit(t) => out.extend(t.chars().map(Atom::Char)),
            Part::Secret(s) => out.push(Atom::Secret(s.clone())),
            Part::Ref(r) => out.push(Atom::Ref(r.clone())),
            Part::Host(h) => out.extend(h.chars().map(Atom::Char)),
            Part::Var { value, .. } => {
                out.extend(value.clone().unwrap_or_default().chars().map(Atom::Char))
            }
        }
    }
    out
}

fn lit_at(actual: &[Atom], at: usize, text: &str) -> Option<usize> {
    let mut i = at;
    for c in text.chars() {
        if actual.get(i) != Some(&Atom::Char(c)) {
            return None;
        }
        i += 1;
    }
    Some(i)
}

/// Whether `actual` says what `expected` says, with the target's names.
pub fn matches(expected: &[Part], actual: &[Part], names: &Names) -> bool {
    let a = atoms(actual);
    go(expected, &a, 0, names, 0)
}

fn go(exp: &[Part], act: &[Atom], at: usize, names: &Names, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    let Some((first, rest)) = exp.split_first() else {
        return at == act.len();
    };
    let next = |i: usize| go(rest, act, i, names, depth + 1);
    match first {
        Part::Lit(t) => lit_at(act, at, t).is_some_and(next),
        Part::Host(h) => (names.host)(h)
            .iter()
            .any(|c| lit_at(act, at, c).is_some_and(next)),
        Part::Secret(s) => match act.get(at) {
            Some(Atom::Secret(id)) => (names.secret)(s).contains(id) && next(at + 1),
            Some(Atom::Ref(r)) => {
                (names.secret_env)(s).as_deref() == Some(r.as_str()) && next(at + 1)
            }
            _ => false,
        },
        Part::Var { value, from_env } => {
            let by_ref = matches!(act.get(at), Some(Atom::Ref(r)) if from_env.as_deref() == Some(r.as_str()))
                && next(at + 1);
            by_ref || lit_at(act, at, value.as_deref().unwrap_or("")).is_some_and(next)
        }
        Part::Ref(r) => act.get(at) == Some(&Atom::Ref(r.clone())) && next(at + 1),
    }
}

/// A value for messages: literals as written, references as `${...}`.
pub fn show(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Lit(t) => t.clone(),
            Part::Secret(s) => format!("${{secrets.{s}}}"),
            Part::Ref(r) => format!("${{{r}}}"),
            Part::Host(h) => format!("${{services.{h}.host}}"),
            Part::Var { value, from_env } => match from_env {
                Some(e) => format!("${{{e}:-{}}}", value.clone().unwrap_or_default()),
                None => value.clone().unwrap_or_default(),
            },
        })
        .collect()
}

/// Whether a spec value holds a secret that the actual value lost (a literal in its place).
pub fn lost_secret(expected: &[Part], actual: &[Part]) -> bool {
    expected.iter().any(|p| matches!(p, Part::Secret(_)))
        && !actual
            .iter()
            .any(|p| matches!(p, Part::Secret(_) | Part::Ref(_)))
}
