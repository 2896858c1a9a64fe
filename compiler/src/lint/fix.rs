//! Mechanical fixes as data: a rule attaches byte-span edits to a finding, `stackc lint --fix`
//! applies them to the file's text. Edits replace exactly the bytes they name, so comments, key
//! order and formatting elsewhere survive.

use crate::diag::Span;

/// Replace the bytes of `span` with `replacement` (an empty span inserts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A finding's fix: what it does, in words, and its edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// Lowercase, e.g. "publish port 8080 on 127.0.0.1".
    pub description: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(description: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self {
            description: description.into(),
            edits,
        }
    }
}

/// The result of applying fixes to a text.
#[derive(Debug)]
pub struct Applied {
    pub text: String,
    /// Indexes (into the input) of the fixes applied.
    pub applied: Vec<usize>,
    /// Indexes of the fixes left out because an edit overlapped one already taken.
    pub skipped: Vec<usize>,
}

/// Applies the fixes whose edits do not overlap those of an earlier fix, from the end of the
/// text backwards (so that spans stay valid). Insertions at the same place keep the order of
/// their fixes. A fix whose span is outside the text or not on character boundaries is skipped.
pub fn apply(text: &str, fixes: &[Fix]) -> Applied {
    let mut taken: Vec<(usize, usize, &Edit)> = Vec::new();
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    for (i, fix) in fixes.iter().enumerate() {
        let ok = !fix.edits.is_empty()
            && fix.edits.iter().all(|e| {
                let (s, t) = (e.span.start as usize, e.span.end as usize);
                s <= t
                    && t <= text.len()
                    && text.is_char_boundary(s)
                    && text.is_char_boundary(t)
                    && !taken.iter().any(|(_, _, o)| overlaps(o.span, e.span))
            });
        if ok {
            let seq = applied.len();
            taken.extend(fix.edits.iter().map(|e| (e.span.start as usize, seq, e)));
            applied.push(i);
        } else {
            skipped.push(i);
        }
    }
    // Last first; at one position the later fix first, so the earlier one ends up in front.
    taken.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
    let mut out = text.to_string();
    for (_, _, e) in taken {
        out.replace_range(e.span.start as usize..e.span.end as usize, &e.replacement);
    }
    Applied {
        text: out,
        applied,
        skipped,
    }
}

/// Whether two edits touch the same bytes. Two insertions at one place do not overlap; an
/// insertion inside a replaced range does.
fn overlaps(a: Span, b: Span) -> bool {
    if a.is_empty() && b.is_empty() {
        return false;
    }
    if a.is_empty() {
        return a.start > b.start && a.start < b.end;
    }
    if b.is_empty() {
        return b.start > a.start && b.start < a.end;
    }
    a.start < b.end && b.start < a.end
}

/// An edit adding the line `line` (without indentation) as the last key of the block mapping
/// that starts after the key at `key`, indented like that mapping's other keys. `None` when the
/// value is not a block mapping (a flow mapping `{ … }`, a scalar) or has no key yet.
pub fn append_to_block(text: &str, key: Span, line: &str) -> Option<Edit> {
    let start = key.start as usize;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let key_indent = start - line_start;
    let key_line_end = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    let rest_of_key_line = strip_comment(&text[start..key_line_end]);
    let after_colon = rest_of_key_line.split_once(':').map(|(_, v)| v.trim())?;
    if !after_colon.is_empty() {
        return None;
    }
    let mut child_indent = None;
    let mut end = None;
    let mut pos = key_line_end;
    while pos < text.len() {
        let next = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let l = &text[pos..next];
        let content = l.trim_start_matches(' ');
        let indent = l.len() - content.len();
        let blank = content.trim().is_empty() || content.starts_with('#');
        if !blank {
            if indent <= key_indent {
                break;
            }
            child_indent.get_or_insert(indent);
            end = Some(next);
        }
        pos = next;
    }
    let (indent, end) = (child_indent?, end?);
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lead = if end == text.len() && !text.ends_with('\n') {
        newline
    } else {
        ""
    };
    Some(Edit {
        span: Span::new(end as u32, end as u32),
        replacement: format!("{lead}{}{line}{newline}", " ".repeat(indent)),
    })
}

/// Whether `span` lies in `environments.<env>` of a stack spec written in block style: an edit
/// there changes that environment only.
pub fn in_env_overlay(text: &str, span: Span, env: &str) -> bool {
    let Some(before) = text.get(..span.start as usize) else {
        return false;
    };
    let mut top = None;
    let mut second = None;
    for line in before.lines().rev() {
        let content = line.trim_start_matches(' ');
        if content.trim().is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if indent == 0 {
            top = Some(content);
            break;
        }
        if second.is_none() && indent == 2 {
            second = Some(content);
        }
    }
    let key = |l: Option<&str>| {
        l.and_then(|l| l.split_once(':'))
            .map(|(k, _)| k.trim().to_string())
    };
    key(top).as_deref() == Some("environments") && key(second).as_deref() == Some(env)
}

/// The line without a trailing ` # comment` (outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') if prev == ' ' || prev == '\t' => return &line[..i],
            _ => {}
        }
        prev = c;
    }
    line.trim_end_matches(['\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, needle: &str) -> Span {
        let s = text.find(needle).unwrap() as u32;
        Span::new(s, s + needle.len() as u32)
    }

    #[test]
    fn appends_as_the_last_key_of_a_block_with_comments() {
        let text = "services:\n  web:   # the site\n    image: x:1\n    # trailing note\n    ports:\n      - \"80:80\"\n\n  db:\n    image: y:2\n";
        let e = append_to_block(text, at(text, "web"), "restart: unless-stopped").unwrap();
        let got = apply(text, &[Fix::new("r", vec![e])]).text;
        assert_eq!(
            got,
            "services:\n  web:   # the site\n    image: x:1\n    # trailing note\n    ports:\n      - \"80:80\"\n    restart: unless-stopped\n\n  db:\n    image: y:2\n"
        );
    }

    #[test]
    fn flow_mappings_and_files_without_a_final_newline() {
        let text = "services:\n  web: { image: x:1 }\n";
        assert!(append_to_block(text, at(text, "web"), "restart: always").is_none());
        let text = "services:\n  web:\n    image: x:1";
        let e = append_to_block(text, at(text, "web"), "restart: always").unwrap();
        assert_eq!(
            apply(text, &[Fix::new("r", vec![e])]).text,
            "services:\n  web:\n    image: x:1\n    restart: always\n"
        );
    }

    #[test]
    fn overlay_positions_are_told_from_the_base() {
        let text = "services:\n  api:\n    ports: [{ port: 1, host_ip: a }]\nenvironments:\n  dev:\n    services:\n      api: { ports: [{ port: 1, host_ip: b }] }\n  prod: {}\n";
        assert!(!in_env_overlay(text, at(text, "a }"), "dev"));
        assert!(in_env_overlay(text, at(text, "b }"), "dev"));
        assert!(!in_env_overlay(text, at(text, "b }"), "prod"));
    }

    #[test]
    fn overlapping_fixes_are_skipped_and_insertions_keep_their_order() {
        let text = "abcdef";
        let fixes = [
            Fix::new(
                "1",
                vec![Edit {
                    span: Span::new(1, 3),
                    replacement: "X".into(),
                }],
            ),
            Fix::new(
                "2",
                vec![Edit {
                    span: Span::new(2, 4),
                    replacement: "Y".into(),
                }],
            ),
            Fix::new(
                "3",
                vec![Edit {
                    span: Span::new(6, 6),
                    replacement: "1".into(),
                }],
            ),
            Fix::new(
                "4",
                vec![Edit {
                    span: Span::new(6, 6),
                    replacement: "2".into(),
                }],
            ),
        ];
        let a = apply(text, &fixes);
        assert_eq!(a.text, "aXdef12");
        assert_eq!((a.applied, a.skipped), (vec![0, 2, 3], vec![1]));
    }
}
