//! Reading the spanned tree: shapes, known keys and interpolation, every problem a located
//! diagnostic, every loss a report entry.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::diag::{Diagnostic, ErrorCode, SourceFile, Span, did_you_mean};
use crate::syntax::Sp;

use super::interp::{self, Piece};
use super::node::Node;
use super::report::{ImportReport, Outcome};

pub use crate::knowledge::quantity::{docker_bytes, duration_text, go_duration_ms, quantity_text};

/// What [`Cx::check_keys`] calls the top level of a compose file.
pub const TOP_LEVEL: &str = "a compose file";

/// Map entries of a node.
pub type Entries = [(Sp<String>, Sp<Node>)];

/// The reading context: the file, the diagnostics and the report.
pub struct Cx {
    pub f: Arc<SourceFile>,
    pub diags: Vec<Diagnostic>,
    pub report: ImportReport,
    /// The project's env file on import: what compose substitutes where the spec cannot
    /// carry a variable.
    pub env: IndexMap<String, String>,
    /// How far above the compose file's directory the spec is written (`app/`, see
    /// [`super::rebase`]): a relative path that leaves the compose file's directory but not
    /// the spec's (`../` from `app/`) is still a project path.
    pub above: String,
}

impl Cx {
    pub fn new(f: Arc<SourceFile>) -> Self {
        Self {
            f,
            diags: Vec::new(),
            report: ImportReport::default(),
            env: IndexMap::new(),
            above: String::new(),
        }
    }

    /// Reports an error.
    pub fn error(
        &mut self,
        code: ErrorCode,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let d = Diagnostic::error(code, message)
            .at(&self.f, span, label)
            .help(help);
        self.diags.push(d);
    }

    /// Records a field the stack spec does not represent.
    pub fn dropped(&mut self, path: impl Into<String>, span: Span, reason: impl Into<String>) {
        self.report
            .push(path, span, Outcome::Dropped(reason.into()));
    }

    /// Records a field the stack spec represents only approximately.
    pub fn approximated(&mut self, path: impl Into<String>, span: Span, note: impl Into<String>) {
        self.report
            .push(path, span, Outcome::Approximated(note.into()));
    }

    /// Checks the keys of a closed compose object: an unknown key is an error with a "did you
    /// mean" hint; `x-*` keys are extensions, accepted and ignored.
    pub fn check_keys(&mut self, entries: &Entries, allowed: &[&str], what: &str) {
        for (k, _) in entries {
            if allowed.contains(&k.value.as_str()) {
                continue;
            }
            if k.value.starts_with("x-") {
                // Extensions of the top level, services, volumes and networks are carried into
                // the spec (`targets.compose`); deeper ones are not.
                let carried = what == TOP_LEVEL
                    || matches!(what, "`build`" | "`deploy`" | "`healthcheck`")
                    || what.starts_with("service `")
                    || what.starts_with("volume `")
                    || what.starts_with("network `");
                if !carried {
                    self.dropped(
                        format!("{} in {what}", k.value),
                        k.span,
                        "extension fields are ignored by compose and not carried into the spec (only top-level ones are)",
                    );
                }
                continue;
            }
            let help = match did_you_mean(&k.value, allowed.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!(
                    "keys of {what}: {}; custom keys start with `x-`",
                    allowed.join(", ")
                ),
            };
            self.error(
                ErrorCode::ComposeUnknownKey,
                format!("unknown key `{}` in {what}", k.value),
                k.span,
                "not a compose key here",
                help,
            );
        }
    }

    /// Reports a value of the wrong shape.
    pub fn wrong_type(&mut self, n: &Sp<Node>, expected: &str, what: &str) {
        self.error(
            ErrorCode::ComposeWrongType,
            format!("`{what}` must be {expected}, found {}", n.kind()),
            n.span,
            format!("expected {expected}"),
            format!("write `{what}` as {expected}; see the compose specification"),
        );
    }

    /// The entries of a map; null counts as an empty map.
    pub fn map<'n>(&mut self, n: &'n Sp<Node>, what: &str) -> Option<&'n Entries> {
        match &n.value {
            Node::Map(m) => Some(m),
            Node::Null => Some(&[]),
            _ => {
                self.wrong_type(n, "a map", what);
                None
            }
        }
    }

    /// The items of a list.
    pub fn seq<'n>(&mut self, n: &'n Sp<Node>, what: &str) -> Option<&'n [Sp<Node>]> {
        match &n.value {
            Node::Seq(s) => Some(s),
            Node::Null => Some(&[]),
            _ => {
                self.wrong_type(n, "a list", what);
                None
            }
        }
    }

    /// A scalar as compose reads it into a string field (numbers and booleans as text),
    /// before interpolation.
    pub fn scalar(&mut self, n: &Sp<Node>, what: &str) -> Option<Sp<String>> {
        match n.value.scalar_text() {
            Some(t) => Some(Sp::new(t, n.span)),
            None => {
                self.wrong_type(n, "a string", what);
                None
            }
        }
    }

    /// Byte offset in the file of the first character of a scalar's text (after an opening
    /// quote).
    pub fn text_base(&self, span: Span) -> u32 {
        let raw = self.f.slice(span);
        span.start + u32::from(raw.starts_with('"') || raw.starts_with('\''))
    }

    /// Splits a scalar into literal text and variables; a malformed `${...}` is an error.
    pub fn pieces(&mut self, s: &Sp<String>, what: &str) -> Option<Vec<Piece>> {
        match interp::parse(&s.value) {
            Ok(p) => Some(p),
            Err(e) => {
                let base = self.text_base(s.span);
                let start = (base + e.offset as u32).min(s.span.end.max(base));
                let end = (start + e.len.max(1) as u32).min(s.span.end.max(start + 1));
                self.error(
                    ErrorCode::ComposeInvalidInterpolation,
                    format!("{} in `{what}`", e.message),
                    Span::new(start, end),
                    "not a valid interpolation",
                    "write `${VAR}`, `${VAR:-default}`, `${VAR:?error}` (and the other forms), or `$$` for a literal `$`",
                );
                None
            }
        }
    }

    /// A string field after interpolation, with variables taken at their defaults (the stack
    /// spec cannot carry variables there); a report entry says so when there were any.
    pub fn resolved(&mut self, n: &Sp<Node>, path: &str) -> Option<Sp<String>> {
        let s = self.scalar(n, path)?;
        let pieces = self.pieces(&s, path)?;
        if interp::has_vars(&pieces) {
            let text = interp::substituted(&pieces, &self.env);
            let from = if interp::uses_any(&pieces, &self.env) {
                "the values of the project's env file and their defaults"
            } else {
                "their defaults"
            };
            self.approximated(
                path,
                s.span,
                format!(
                    "variables are not supported here; imported with {from} as `{}`",
                    text.escape_debug()
                ),
            );
            return Some(Sp::new(text, s.span));
        }
        Some(Sp::new(interp::with_defaults(&pieces), s.span))
    }

    /// A host path after interpolation: `${PWD}` (compose's working directory, in practice
    /// the project's) becomes `.`, other variables take their defaults.
    pub fn path_text(&mut self, n: &Sp<Node>, path: &str) -> Option<Sp<String>> {
        if let Node::Str(s) = &n.value
            && (s.contains("${PWD}") || s.contains("$PWD"))
        {
            let replaced = s.replace("${PWD}", ".").replace("$PWD", ".");
            self.approximated(
                path,
                n.span,
                "`$PWD` (where compose runs) is taken as the project directory",
            );
            let n = Sp::new(Node::Str(tidy_pwd_path(&replaced)), n.span);
            return self.resolved(&n, path);
        }
        self.resolved(n, path)
    }

    /// A boolean: `true`/`false`, also as strings (compose accepts both).
    pub fn boolean(&mut self, n: &Sp<Node>, path: &str) -> Option<Sp<bool>> {
        match &n.value {
            Node::Bool(b) => Some(Sp::new(*b, n.span)),
            Node::Str(_) => {
                let s = self.resolved(n, path)?;
                match s.value.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "1" => Some(Sp::new(true, n.span)),
                    "false" | "no" | "off" | "0" | "" => Some(Sp::new(false, n.span)),
                    _ => {
                        self.wrong_type(n, "`true` or `false`", path);
                        None
                    }
                }
            }
            _ => {
                self.wrong_type(n, "`true` or `false`", path);
                None
            }
        }
    }

    /// A list of strings (resolved), or a single string when `single` is allowed.
    pub fn strings(&mut self, n: &Sp<Node>, path: &str, single: bool) -> Vec<Sp<String>> {
        match &n.value {
            Node::Seq(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.resolved(item, &format!("{path}[{i}]")))
                .collect(),
            Node::Null => Vec::new(),
            v if single && v.scalar_text().is_some() => {
                self.resolved(n, path).into_iter().collect()
            }
            _ => {
                self.wrong_type(
                    n,
                    if single {
                        "a string or a list of strings"
                    } else {
                        "a list of strings"
                    },
                    path,
                );
                Vec::new()
            }
        }
    }

    /// A `list_or_dict` value (`environment`, `labels`, `args`, ...): a map of keys to
    /// scalars or null, or a list of `KEY=VALUE` / `KEY` strings. Values are raw (not
    /// interpolated); `None` means no value (`KEY` alone, or `KEY:` with null).
    pub fn list_or_dict(
        &mut self,
        n: &Sp<Node>,
        path: &str,
    ) -> Vec<(Sp<String>, Option<Sp<String>>)> {
        let mut out = Vec::new();
        match &n.value {
            Node::Map(m) => {
                for (k, v) in m {
                    let value = match &v.value {
                        Node::Null => None,
                        other => match other.scalar_text() {
                            Some(t) => Some(Sp::new(t, v.span)),
                            None => {
                                self.wrong_type(
                                    v,
                                    "a string, a number or a boolean",
                                    &format!("{path}.{}", k.value),
                                );
                                continue;
                            }
                        },
                    };
                    out.push((k.clone(), value));
                }
            }
            Node::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let Some(s) = self.scalar(item, &format!("{path}[{i}]")) else {
                        continue;
                    };
                    let base = self.text_base(item.span);
                    match s.value.split_once('=') {
                        Some((k, v)) => {
                            let kspan = Span::new(base, base + k.len() as u32);
                            let vstart = base + k.len() as u32 + 1;
                            let vspan =
                                Span::new(vstart.min(item.span.end), item.span.end.max(vstart));
                            out.push((
                                Sp::new(k.to_string(), kspan),
                                Some(Sp::new(v.to_string(), vspan)),
                            ));
                        }
                        None => out.push((s, None)),
                    }
                }
            }
            Node::Null => {}
            _ => self.wrong_type(n, "a map or a list of `KEY=VALUE` strings", path),
        }
        out
    }
}

/// A path whose `$PWD` became `.`: doubled `/` and `.` segments after the first are
/// removed (`././a//b` is `./a/b`, `./.` is `.`); `..` segments are kept, so a path that
/// leaves the project still does.
fn tidy_pwd_path(path: &str) -> String {
    let mut out = path.to_string();
    while out.contains("//") {
        out = out.replace("//", "/");
    }
    while out.contains("/./") {
        out = out.replace("/./", "/");
    }
    while out.len() > 2 && out.ends_with("/.") {
        out.truncate(out.len() - 2);
    }
    out
}
