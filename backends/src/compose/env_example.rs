//! `.env.example`: every variable the compose file reads, one `NAME=value` line each.
//!
//! - a secret (used by a service or a build) has no value: `stackc secrets init` writes it;
//! - a spec variable read from the environment (`from_env`) has its value in this environment
//!   (the default, or the environment's own), written so compose's dotenv reader reads it back
//!   unchanged; several spec variables reading one name share a line, with a value only when
//!   they agree;
//! - any other variable the file reads (compose text kept as written under `targets.compose`)
//!   has the default the file writes at each use (`${NAME:-default}`), else no value.
//!
//! A value that no dotenv line can hold (a control character other than newline or tab) is left
//! empty; its comment shows it.

use std::collections::BTreeSet;

use stackc_compiler::ir::{SecretId, SecretSource, Stack};

use super::interpolation::Read;
use crate::escape::one_line;
use crate::output::EmitContext;

/// The text of `.env.example`; `read` lists the variables the compose file interpolates
/// ([`super::interpolation::variables_read`]).
pub fn render(stack: &Stack, ctx: &EmitContext, read: &[Read]) -> String {
    let mut text = String::new();
    for line in ctx.header_lines(&stack.env) {
        text.push_str(&format!("# {line}\n"));
    }
    text.push_str("# Variables the compose file reads. `stackc secrets init` writes them to `.env` (mode 0600).\n");
    let mut listed: BTreeSet<String> = BTreeSet::new();
    let used: BTreeSet<_> = stack
        .services
        .iter()
        .flat_map(|s| stack.secrets_used_by(s))
        .chain(
            stack
                .services
                .iter()
                .filter_map(|s| s.build.as_ref())
                .flat_map(|b| b.secrets.iter().map(|(id, _)| *id)),
        )
        .collect();
    for (i, sec) in stack.secrets.iter().enumerate() {
        if !used.contains(&SecretId(i as u32)) || !listed.insert(sec.env_name.clone()) {
            continue;
        }
        let how = match &sec.source {
            SecretSource::Generate { length, .. } => format!("generated ({length} characters)"),
            SecretSource::FromEnv(v) => format!("taken from `{}` in your environment", one_line(v)),
            SecretSource::File(f) => format!("read from `{}`", one_line(f)),
            SecretSource::External(n) => {
                format!("external secret `{}`: set it by hand", one_line(n))
            }
        };
        let opt = if sec.optional { ", optional" } else { "" };
        text.push_str(&format!(
            "\n# secret `{}`: {how}{opt}\n{}=\n",
            sec.name.value, sec.env_name
        ));
    }
    for v in &stack.variables {
        let Some(name) = &v.from_env else { continue };
        if !listed.insert(name.clone()) {
            continue;
        }
        let readers: Vec<_> = stack
            .variables
            .iter()
            .filter(|o| o.from_env.as_ref() == Some(name))
            .collect();
        for r in &readers {
            text.push_str(&format!(
                "\n# variable `{}` (default: `{}`)",
                r.name.value,
                one_line(r.value.as_deref().unwrap_or(""))
            ));
        }
        let value = match readers.as_slice() {
            [first, rest @ ..] if rest.iter().all(|r| r.value == first.value) => {
                first.value.as_deref().and_then(dotenv_value)
            }
            _ => None,
        };
        text.push_str(&format!("\n{name}={}\n", value.unwrap_or_default()));
    }
    for r in read {
        if !listed.insert(r.name.clone()) {
            continue;
        }
        match &r.default {
            Some(d) => text.push_str(&format!(
                "\n# read by compose text kept as written (`targets.compose`) (default: `{}`)\n{}={}\n",
                one_line(d),
                r.name,
                dotenv_value(d).unwrap_or_default()
            )),
            None => text.push_str(&format!(
                "\n# read by compose text kept as written (`targets.compose`); the stack gives it no value\n{}=\n",
                r.name
            )),
        }
    }
    text
}

/// `value` as a dotenv value that compose reads back unchanged: bare when it is plain, in
/// single quotes (read literally) when it has no `'`, else in double quotes with `\`, `"`, `$`,
/// newline and tab escaped. `None` when it is empty or holds another control character.
pub fn dotenv_value(value: &str) -> Option<String> {
    if value.is_empty()
        || value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return None;
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:@,+=%-".contains(c);
    if value.chars().all(plain) {
        return Some(value.to_string());
    }
    if !value.contains(['\'', '\n', '\t']) {
        return Some(format!("'{value}'"));
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_the_way_dotenv_reads_them_back() {
        assert_eq!(
            dotenv_value("Europe/Berlin").as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(dotenv_value("a b #c $X").as_deref(), Some("'a b #c $X'"));
        assert_eq!(
            dotenv_value("it's \"$X\"\\").as_deref(),
            Some(r#""it's \"\$X\"\\""#)
        );
        assert_eq!(
            dotenv_value("hi\nINJECTED=1").as_deref(),
            Some(r#""hi\nINJECTED=1""#)
        );
        assert_eq!(dotenv_value(""), None);
        assert_eq!(dotenv_value("a\rb"), None);
    }
}
