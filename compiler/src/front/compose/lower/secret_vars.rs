//! Which compose variables carry a secret, beyond those a credential-shaped environment key
//! takes whole (`vars.rs`):
//!
//! - a variable given whole to a command-line option whose name says password, secret, token or
//!   key (`--requirepass ${REDIS_AUTH}`, `--api-key=${KEY}`) is a secret, as its default is;
//! - a variable named like a data store's URL (`REDIS_URL`, `DATABASE_URL`) is a secret unless
//!   every value the file gives it (its defaults, its value in the project's env file) is a URL
//!   without a password: `redis://redis:6379` is configuration, not a credential.

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::knowledge::secrets::{is_credential_key, url_has_password};
use crate::syntax::Sp;

use super::Node;
use super::interp::{self, Op, Piece};

/// Whether a command-line word is an option naming a credential: `--requirepass`,
/// `--password`, `--auth-token`, `-api-key`. Single-letter options (`-p`, `-a`) say nothing by
/// their name and are left out, as are knobs of a credential (`--password-file`, `--token-ttl`).
pub(super) fn is_credential_option(word: &str) -> bool {
    let Some(name) = word.strip_prefix("--").or_else(|| word.strip_prefix('-')) else {
        return false;
    };
    if name.len() < 2 || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return false;
    }
    let key = name.to_ascii_uppercase().replace(['-', '.'], "_");
    let last = key.rsplit('_').next().unwrap_or(&key);
    is_credential_key(&key) || (last.ends_with("PASS") && !last.ends_with("BYPASS"))
}

/// The variables a command (a string or a list of arguments) gives whole to a credential
/// option, as the next word or after `=`.
pub(super) fn option_secret_vars(command: &Sp<Node>) -> Vec<String> {
    let mut words = Vec::new();
    strings(command, &mut |s| {
        words.extend(s.split_whitespace().map(str::to_string))
    });
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let w = unquote(w);
        let value = match w.split_once('=') {
            Some((opt, value)) if is_credential_option(opt) => value,
            Some(_) => continue,
            None if is_credential_option(w) => match words.get(i + 1) {
                Some(next) => unquote(next),
                None => continue,
            },
            None => continue,
        };
        if let Some(name) = whole_variable(unquote(value))
            && !out.contains(&name)
        {
            out.push(name);
        }
    }
    out
}

fn unquote(w: &str) -> &str {
    w.trim_matches(|c| c == '"' || c == '\'')
}

/// The variable a word consists of (`${X}`, `$X`, `${X:-default}`), if that is all it is.
fn whole_variable(word: &str) -> Option<String> {
    match interp::parse(word).ok()?.as_slice() {
        [Piece::Var { name, op, .. }] if !matches!(op, Op::AltIfNonEmpty | Op::AltIfSet) => {
            Some(name.clone())
        }
        _ => None,
    }
}

/// Calls `f` on every string scalar of a node.
fn strings(n: &Sp<Node>, f: &mut impl FnMut(&str)) {
    match &n.value {
        Node::Str(s) => f(s),
        Node::Seq(items) => items.iter().for_each(|i| strings(i, f)),
        Node::Map(m) => m.iter().for_each(|(_, v)| strings(v, f)),
        _ => {}
    }
}

/// The values the file gives each variable: its defaults (`${X:-value}`, with the variables of
/// a default kept as `${Y}`).
pub(super) fn defaults(n: &Sp<Node>, out: &mut IndexMap<String, Vec<String>>) {
    strings(n, &mut |s| {
        if let Ok(p) = interp::parse(s) {
            piece_defaults(&p, out);
        }
    });
}

fn piece_defaults(pieces: &[Piece], out: &mut IndexMap<String, Vec<String>>) {
    for p in pieces {
        if let Piece::Var { name, op, arg, .. } = p {
            if matches!(op, Op::DefaultIfEmpty | Op::DefaultIfUnset) {
                out.entry(name.clone()).or_default().push(shown(arg));
            }
            piece_defaults(arg, out);
        }
    }
}

/// Pieces as text, each variable written `${NAME}` (so a password given by a variable still
/// shows as one).
fn shown(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Lit(t) => t.clone(),
            Piece::Var { name, .. } => format!("${{{name}}}"),
        })
        .collect()
}

/// Whether a value is a URL that carries no credential: a scheme, no password in its user
/// information and none in its query (`?password=`).
fn is_plain_url(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    v.contains("://")
        && !v.contains(char::is_whitespace)
        && !url_has_password(v)
        && !["password=", "pass=", "pwd=", "secret=", "token="]
            .iter()
            .any(|k| lower.contains(k))
}

/// The variables among `names` named like a data store's URL (`is_url_name`) whose every
/// known value is a URL without a credential; a variable with no known value stays a secret.
pub(super) fn plain_url_vars<'a>(
    names: impl Iterator<Item = &'a String>,
    is_url_name: impl Fn(&str) -> bool,
    defaults: &IndexMap<String, Vec<String>>,
    project_env: &IndexMap<String, String>,
) -> HashSet<String> {
    names
        .filter(|n| is_url_name(n))
        .filter(|n| {
            let values: Vec<&str> = defaults
                .get(*n)
                .into_iter()
                .flatten()
                .map(String::as_str)
                .chain(project_env.get(*n).map(String::as_str))
                .collect();
            !values.is_empty() && values.iter().all(|v| is_plain_url(v))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    fn node(s: &str) -> Sp<Node> {
        Sp::new(Node::Str(s.to_string()), Span::DUMMY)
    }

    fn seq(items: &[&str]) -> Sp<Node> {
        Sp::new(
            Node::Seq(items.iter().map(|s| node(s)).collect()),
            Span::DUMMY,
        )
    }

    #[test]
    fn credential_options_are_named_so() {
        for yes in [
            "--requirepass",
            "--password",
            "--db-password",
            "-password",
            "--auth-token",
            "--api-key",
            "--client-secret",
            "--pass",
        ] {
            assert!(is_credential_option(yes), "{yes}");
        }
        for no in [
            "-p",
            "-a",
            "-U",
            "--user",
            "--username",
            "--key",
            "--tls-key",
            "--password-file",
            "--token-ttl",
            "--bypass",
            "requirepass",
            "--appendonly",
        ] {
            assert!(!is_credential_option(no), "{no}");
        }
    }

    #[test]
    fn a_variable_given_whole_to_a_credential_option_is_found() {
        assert_eq!(
            option_secret_vars(&node(
                "--save 20 1 --requirepass ${REDIS_AUTH:-myredissecret}"
            )),
            vec!["REDIS_AUTH".to_string()]
        );
        assert_eq!(
            option_secret_vars(&seq(&["app", "--api-key=${API}", "--port", "${PORT}"])),
            vec!["API".to_string()]
        );
        assert_eq!(
            option_secret_vars(&seq(&["sh", "-c", "redis-server --requirepass \"$PASS\""])),
            vec!["PASS".to_string()]
        );
        // Not whole, escaped for the container's shell, after a user option, or short options.
        assert!(option_secret_vars(&node("--requirepass pre${X}")).is_empty());
        assert!(option_secret_vars(&node("--requirepass $$REDIS_PASSWORD")).is_empty());
        assert!(option_secret_vars(&node("psql -U ${DB_USER} -p ${DB_PORT}")).is_empty());
        assert!(option_secret_vars(&node("--password-file ${PW_FILE}")).is_empty());
    }

    #[test]
    fn url_variables_without_a_password_are_plain() {
        let mut d = IndexMap::new();
        defaults(&node("${REDIS_URL:-redis://redis:6379}"), &mut d);
        defaults(
            &node("${DATABASE_URL:-postgres://app:${DB_PASSWORD}@db/app}"),
            &mut d,
        );
        defaults(&node("${CACHE_URL:-redis://:hunter2@cache:6379}"), &mut d);
        defaults(&node("${MONGO_URL:-mongodb://db/app?password=x}"), &mut d);
        let env = IndexMap::from([("BROKER_URL".to_string(), "amqp://rabbit:5672".to_string())]);
        let names: Vec<String> = [
            "REDIS_URL",
            "DATABASE_URL",
            "CACHE_URL",
            "MONGO_URL",
            "BROKER_URL",
            "DB_URL",
        ]
        .map(String::from)
        .to_vec();
        let plain = plain_url_vars(names.iter(), |_| true, &d, &env);
        let mut plain: Vec<&str> = plain.iter().map(String::as_str).collect();
        plain.sort();
        // DB_URL has no known value: it stays a secret.
        assert_eq!(plain, vec!["BROKER_URL", "REDIS_URL"]);
    }
}
