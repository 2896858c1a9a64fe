//! Parsing a spec: bytes to [`StackSpec`], or located diagnostics.

use std::sync::Arc;

use crate::diag::{Diagnostic, ErrorCode, SourceFile, Span};

use super::spec::StackSpec;

/// Limits that keep hostile input from costing time or memory.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of maps and lists.
    pub max_depth: usize,
    /// Most YAML nodes accepted.
    pub max_nodes: usize,
    /// Most alias uses (`*name`) accepted in one file.
    pub max_aliases: usize,
    /// Most uses of one anchor (`&name`). Real compose files merge a shared block
    /// (`<<: *defaults`) into every service: sentry's self-hosted file uses one anchor 37 times,
    /// and larger setups pass a hundred.
    pub max_uses_per_anchor: usize,
    /// Most YAML events that alias expansion may produce in all (what makes a YAML bomb
    /// costly); a file within it costs at most this much more than its own size.
    pub max_alias_events: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            max_bytes: 8 * 1024 * 1024,
            max_depth: 32,
            max_nodes: 2_000_000,
            max_aliases: 5_000,
            max_uses_per_anchor: 1_000,
            max_alias_events: 500_000,
        }
    }
}

/// A failed parse: the file (for rendering) and its diagnostics.
pub type ParseFailure = (Arc<SourceFile>, Vec<Diagnostic>);

/// Parses a spec file. On failure returns the file (for rendering) and its diagnostics.
pub fn parse_spec(
    name: &str,
    bytes: &[u8],
    opts: &ParseOptions,
) -> Result<(Arc<SourceFile>, StackSpec), ParseFailure> {
    let (file, text_ok) = load_text(name, bytes, opts);
    if let Err(d) = text_ok {
        return Err((file, vec![d]));
    }
    from_yaml::<StackSpec>(&file, opts)
        .map(|s| (file.clone(), s))
        .map_err(|d| (file, vec![d]))
}

/// Checks size and encoding, returning the source file (lossily decoded, so a diagnostic can
/// still show it) and the first problem, if any.
pub fn load_text(
    name: &str,
    bytes: &[u8],
    opts: &ParseOptions,
) -> (Arc<SourceFile>, Result<(), Diagnostic>) {
    if bytes.len() > opts.max_bytes {
        let file = SourceFile::new(name, String::new());
        let d = Diagnostic::error(
            ErrorCode::InputLimitExceeded,
            format!(
                "`{name}` is {} bytes, over the {}-byte limit for one input file",
                bytes.len(),
                opts.max_bytes
            ),
        )
        .at(&file, Span::DUMMY, "file too large")
        .help("split the stack, or raise the limit with `--max-input-size BYTES` if the file is genuine");
        return (file, Err(d));
    }
    let utf8 = std::str::from_utf8(bytes);
    let file = SourceFile::new(name, String::from_utf8_lossy(bytes).into_owned());
    if let Err(e) = utf8 {
        let at = e.valid_up_to() as u32;
        let d = Diagnostic::error(ErrorCode::EmptyOrNotUtf8, "the file is not valid UTF-8")
            .at(&file, Span::new(at, at + 1), "invalid byte here")
            .help("save the file as UTF-8");
        return (file, Err(d));
    }
    if file.text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---"
    }) {
        let d = Diagnostic::error(ErrorCode::EmptyOrNotUtf8, format!("`{name}` is empty"))
            .at(&file, Span::DUMMY, "no content")
            .help("a spec needs at least `stack: NAME` and `services:`; see `stackc schema` or docs/spec.md");
        return (file, Err(d));
    }
    (file, Ok(()))
}

/// Deserialises YAML text into `T` under the budgets, turning the first error into a located
/// diagnostic.
pub fn from_yaml<T: serde::de::DeserializeOwned>(
    file: &Arc<SourceFile>,
    opts: &ParseOptions,
) -> Result<T, Diagnostic> {
    let saphyr_opts = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: opts.max_depth,
            max_nodes: opts.max_nodes,
            max_aliases: opts.max_aliases,
            max_documents: 1,
            // Many aliases per anchor are normal in compose files (one shared block merged
            // into every service); the per-anchor and expansion limits below bound the cost.
            enforce_alias_anchor_ratio: false,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_alias_expansions_per_anchor: opts.max_uses_per_anchor,
            max_total_replayed_events: opts.max_alias_events,
        },
        strict_booleans: true,
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options::<T>(&file.text, saphyr_opts)
        .map_err(|e| yaml_error(file, &e, opts))
}

/// The message for an alias limit the file reached, if that is the error.
fn alias_limit(e: &serde_saphyr::Error, opts: &ParseOptions) -> Option<String> {
    use serde_saphyr::Error as E;
    use serde_saphyr::budget::BudgetBreach;
    Some(match e {
        E::Budget {
            breach: BudgetBreach::Aliases { .. },
            ..
        } => format!(
            "too many aliases: more than {} uses of `*name` in one file",
            opts.max_aliases
        ),
        E::AliasExpansionLimitExceeded { .. } => format!(
            "an anchor is used more than {} times (`*name` of one `&name`)",
            opts.max_uses_per_anchor
        ),
        E::AliasReplayLimitExceeded { .. } => format!(
            "aliases expand to more than {} YAML events",
            opts.max_alias_events
        ),
        E::AliasReplayStackDepthExceeded { max_depth, .. } => {
            format!("aliases nested more than {max_depth} deep")
        }
        _ => return None,
    })
}

/// A one-character span at `offset`, moved back onto the last character when `offset` is the
/// end of the file (a limit reached there has no character of its own to point at).
fn point_span(file: &SourceFile, offset: u32) -> Span {
    let len = file.text.len() as u32;
    if len == 0 {
        return Span::DUMMY;
    }
    let start = offset.min(len - 1);
    let start = (0..=start)
        .rev()
        .find(|i| file.text.is_char_boundary(*i as usize))
        .unwrap_or(0);
    let end = (start + 1..=len)
        .find(|i| file.text.is_char_boundary(*i as usize))
        .unwrap_or(len);
    Span::new(start, end)
}

fn yaml_error(file: &Arc<SourceFile>, e: &serde_saphyr::Error, opts: &ParseOptions) -> Diagnostic {
    let full = e.to_string();
    let msg = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    let offset = e
        .location()
        .map(|l| file.offset_of(l.line() as u32, l.column() as u32))
        .unwrap_or(0);
    let word_span = |word: &str| -> Span {
        let rest = &file.text[offset as usize..];
        let skip = rest.find(word).filter(|i| *i < 3).unwrap_or(0) as u32;
        Span::new(offset + skip, offset + skip + word.len() as u32)
    };
    let token_span = || -> Span {
        let rest = &file.text[offset as usize..];
        let len = rest
            .find(['\n', ',', ']', '}'])
            .unwrap_or(rest.len())
            .max(1);
        Span::new(offset, offset + len as u32)
    };

    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .split(", ")
            .map(|s| s.trim_matches('`'))
            .filter(|s| !s.is_empty())
            .collect();
        let help = match crate::diag::did_you_mean(field, candidates.iter().copied()) {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!("allowed here: {}", candidates.join(", ")),
        };
        return Diagnostic::error(ErrorCode::UnknownField, format!("unknown field `{field}`"))
            .at(file, word_span(field), "not a field here")
            .help(help);
    }
    if let Some(rest) = msg.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        let here = word_span(key);
        let mut d = Diagnostic::error(ErrorCode::DuplicateKey, format!("duplicate key `{key}`"))
            .at(file, here, "defined again here")
            .help("each key may appear once in a map: remove or rename one of them");
        if let Some(first) = earlier_key(file, here, key) {
            d = d.also(file, first, "first defined here");
        }
        return d;
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let field = rest.trim_end_matches('`');
        return Diagnostic::error(
            ErrorCode::MissingField,
            format!("missing required field `{field}`"),
        )
        .at(
            file,
            Span::new(offset, offset + 1),
            format!("`{field}` is required here"),
        )
        .help(format!("add `{field}:`; see docs/spec.md"));
    }
    if let Some(what) = alias_limit(e, opts) {
        return Diagnostic::error(ErrorCode::InputLimitExceeded, what)
            .at(file, point_span(file, offset), "limit reached here")
            .help("repeated aliases (`*name`) are expanded in full: merge fewer large blocks, or split the file; YAML bombs are refused, never expanded");
    }
    if msg.contains("budget") || msg.contains("recursion limit") {
        let what = if msg.contains("Depth") || msg.contains("recursion") {
            format!("nesting deeper than {} levels", opts.max_depth)
        } else if msg.contains("Nodes") || msg.contains("Events") {
            format!("more than {} YAML nodes", opts.max_nodes)
        } else {
            format!("input exceeds a safety limit ({msg})")
        };
        return Diagnostic::error(ErrorCode::InputLimitExceeded, what)
            .at(file, point_span(file, offset), "limit reached here")
            .help("specs are small and shallow: remove deep nesting and repeated aliases (`*name`); YAML bombs are refused, never expanded");
    }
    if msg.starts_with("expected mapping") {
        let found = match file.text[offset as usize..].chars().next() {
            Some('-') | Some('[') => "a list",
            _ => "a scalar",
        };
        return Diagnostic::error(
            ErrorCode::WrongType,
            format!("expected a map, found {found}"),
        )
        .at(file, token_span(), "expected `key: value` entries here")
        .help("write this as a map of `name: {...}` entries, not a list");
    }
    if msg.starts_with("expected sequence") {
        return Diagnostic::error(ErrorCode::WrongType, "expected a list")
            .at(file, token_span(), "expected a list here")
            .help("write `[a, b]` or one `- item` per line");
    }
    if msg.starts_with("expected string")
        || msg.starts_with("invalid u")
        || msg.starts_with("invalid i")
        || msg.starts_with("invalid f")
        || msg.starts_with("invalid type")
        || msg.starts_with("invalid value")
        || msg.starts_with("expected ")
    {
        let what = if msg.starts_with("invalid u") || msg.starts_with("invalid i") {
            "expected a whole number".to_string()
        } else if msg.starts_with("invalid f") {
            "expected a number".to_string()
        } else if msg.starts_with("expected string") {
            "expected a string".to_string()
        } else {
            msg.replace("invalid value: ", "invalid value ")
        };
        return Diagnostic::error(ErrorCode::WrongType, what)
            .at(file, token_span(), "wrong type of value")
            .help("see docs/spec.md or `stackc schema` for the allowed values");
    }
    let help = if msg.contains("tab") {
        "indent with spaces: YAML does not allow tabs for indentation"
    } else {
        "fix the YAML syntax at this place"
    };
    Diagnostic::error(ErrorCode::InvalidYaml, format!("invalid YAML: {msg}"))
        .at(file, Span::new(offset, offset + 1), "here")
        .help(help)
}

/// The earlier occurrence of a duplicated key at the same column, for a secondary label.
fn earlier_key(file: &SourceFile, dup: Span, key: &str) -> Option<Span> {
    let (_, col) = file.line_col(dup.start);
    let before = &file.text[..dup.start as usize];
    let mut search_end = before.len();
    while let Some(i) = before[..search_end].rfind(key) {
        let span = Span::new(i as u32, (i + key.len()) as u32);
        let after = &file.text[i + key.len()..];
        if file.line_col(span.start).1 == col
            && after.trim_start_matches(['"', '\'']).starts_with(':')
        {
            return Some(span);
        }
        search_end = i;
    }
    None
}
