//! Bind sources taken from a variable (`${DB_DATA_LOCATION}:/var/lib/postgresql/data`, with
//! `DB_DATA_LOCATION=./postgres` in `.env`). Such a mount stays compose-only, as written; but
//! compose reads a relative path from the directory of the compose file it loads, and the
//! generated compose file lives in the output directory, so `./postgres` would move there.
//! When the project's `.env` (which compose reads by default) or the reference's own default
//! makes the value a relative path, the source is written `./${DB_DATA_LOCATION}`: relative to
//! the project like every other host path of the spec, and the compose backend writes it from
//! the output directory. Only whether the value is a relative path is read from `.env`; no
//! value goes into the spec.

use std::path::Path;

use super::*;

impl Lowering<'_> {
    /// The compose-only mount `raw` (short or long syntax, as written) with a bind source that
    /// starts with a variable holding a relative path written `./${VAR}…`, and the note that
    /// says so; `raw` unchanged otherwise.
    pub(super) fn project_relative_var_bind(
        &mut self,
        raw: serde_json::Value,
        path: &str,
        span: Span,
    ) -> serde_json::Value {
        let dir = self.dir.clone();
        let mut note = None;
        let mut relative = |src: &str| -> Option<String> {
            let name = relative_var_source(src, &dir)?;
            note = Some(name);
            Some(format!("./{src}"))
        };
        let out = match &raw {
            serde_json::Value::String(s) => match s.split_once(':') {
                Some((src, rest)) => relative(src).map(|src| format!("{src}:{rest}").into()),
                None => None,
            },
            serde_json::Value::Object(o)
                if o.get("type").and_then(|t| t.as_str()) == Some("bind") =>
            {
                o.get("source")
                    .and_then(|s| s.as_str())
                    .and_then(&mut relative)
                    .map(|src| {
                        let mut o = o.clone();
                        o.insert("source".into(), src.into());
                        serde_json::Value::Object(o)
                    })
            }
            _ => None,
        };
        if let Some(name) = note {
            self.cx.approximated(
                path,
                span,
                format!(
                    "`{name}` holds a relative path: written `./${{{name}}}`, read from the project directory wherever the output goes (an absolute path in it would be read inside the project)"
                ),
            );
        }
        out.unwrap_or(raw)
    }
}

/// The variable a bind source starts with, when its value is a relative host path: its value
/// in `DIR/.env`, else the reference's default. `None` for `${PWD}` and `${HOME}` (absolute),
/// an absolute or home path, or a value stackc cannot know.
fn relative_var_source(src: &str, dir: &Path) -> Option<String> {
    let pieces = interp::parse(src).ok()?;
    let Some(Piece::Var { name, op, arg, .. }) = pieces.first() else {
        return None;
    };
    if matches!(name.as_str(), "PWD" | "HOME") {
        return None;
    }
    let default = || -> Option<String> {
        matches!(op, Op::DefaultIfEmpty | Op::DefaultIfUnset)
            .then(|| {
                arg.iter()
                    .map(|p| match p {
                        Piece::Lit(t) => Some(t.clone()),
                        Piece::Var { .. } => None,
                    })
                    .collect::<Option<String>>()
            })
            .flatten()
    };
    let value = match dotenv_value(&dir.join(".env"), name) {
        Some(v) if !v.is_empty() || *op == Op::DefaultIfUnset => Some(v),
        _ => default(),
    }?;
    let relative = !value.is_empty() && !value.starts_with('/') && !value.starts_with('~');
    relative.then(|| name.clone())
}

/// The value of `name` in a `KEY=VALUE` env file (`export `, quotes and comments allowed);
/// `None` when the file or the key is missing.
fn dotenv_value(file: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().rev().find_map(|line| {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (k, v) = line.split_once('=')?;
        if k.trim() != name {
            return None;
        }
        let v = v.trim();
        let v = match v.chars().next() {
            Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or(""),
            _ => v.split(" #").next().unwrap_or("").trim_end(),
        };
        Some(v.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(env: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".env"), env).unwrap();
        d
    }

    #[test]
    fn a_variable_holding_a_relative_path_is_named() {
        let d = project(
            "# data\nDB_DATA_LOCATION=./postgres\nexport UP='library' # photos\nSOCK=/var/run/docker.sock\n",
        );
        let rel = |s: &str| relative_var_source(s, d.path());
        assert_eq!(rel("${DB_DATA_LOCATION}"), Some("DB_DATA_LOCATION".into()));
        assert_eq!(rel("$UP/sub"), Some("UP".into()));
        assert_eq!(rel("${SOCK}"), None);
        assert_eq!(rel("${PWD}/data"), None);
        assert_eq!(rel("${MISSING}"), None);
        assert_eq!(rel("${MISSING:-./data}"), Some("MISSING".into()));
        assert_eq!(rel("${MISSING:-/srv}"), None);
        assert_eq!(rel("./x"), None);
    }
}
