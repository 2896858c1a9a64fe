//! A small reader of systemd unit files (and Quadlet files): sections, `Key=Value` entries in
//! order with their lines, comments, and backslash line continuation.

/// One `Key=Value` entry.
#[derive(Clone, Debug)]
pub struct Entry {
    pub section: String,
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// Entries of a unit file in order.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut pending: Option<Entry> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if let Some(mut p) = pending.take() {
            let (more, cont) = continued(line);
            p.value.push(' ');
            p.value.push_str(more.trim_start());
            if cont {
                pending = Some(p);
            } else {
                out.push(p);
            }
            continue;
        }
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let (value, cont) = continued(v.trim());
        let e = Entry {
            section: section.clone(),
            key: k.trim().to_string(),
            value: value.to_string(),
            line: i as u32 + 1,
        };
        if cont {
            pending = Some(e);
        } else {
            out.push(e);
        }
    }
    out.extend(pending);
    out
}

/// A line's text without a continuation backslash, and whether it continues.
fn continued(line: &str) -> (&str, bool) {
    match line.strip_suffix('\\') {
        Some(l) => (l, true),
        None => (line, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_entries_and_continuations() {
        let e = parse("# c\n[Unit]\nA=1\n[Service]\nExecStart=/bin/x \\\n  --y\nB = two words\n");
        assert_eq!(e.len(), 3);
        assert_eq!(
            (
                e[0].section.as_str(),
                e[0].key.as_str(),
                e[0].value.as_str(),
                e[0].line
            ),
            ("Unit", "A", "1", 3)
        );
        assert_eq!(e[1].value, "/bin/x  --y");
        assert_eq!((e[2].key.as_str(), e[2].value.as_str()), ("B", "two words"));
    }
}
