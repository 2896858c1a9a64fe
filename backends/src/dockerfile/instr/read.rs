//! A small Dockerfile reader used by tests: which instructions would a parser see.

/// A small Dockerfile reader used by tests: splits `text` into logical instructions and returns
/// `(KEYWORD uppercased, raw arguments)` for each.
///
/// * Leading parser directives (`# syntax=...`, `# escape=...`, `# check=...`) are returned as
///   `("SYNTAX", value)` etc.; `escape` switches the escape character.
/// * Other comment lines and blank lines are skipped, also inside a continued instruction.
/// * A line whose last non-blank character is the escape character continues onto the next line
///   (conservatively, even when that character is itself escaped); the pieces are joined without
///   the escape character, as BuildKit does.
/// * For `RUN`, `COPY` and `ADD` not in JSON form, each word `[n]<<[-]NAME` opens a heredoc: the
///   following lines up to the line `NAME` are consumed and appended to the arguments as
///   `\n<body>NAME`.
///
/// It does not validate arguments; it only answers "which instructions would a parser see".
pub fn parse_instructions(text: &str) -> Vec<(String, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect();
    let mut out = Vec::new();
    let mut escape = '\\';
    let mut reading_directives = true;
    let mut i = 0;

    while i < lines.len() {
        let line = lines[i].trim_start();
        i += 1;

        if reading_directives {
            if let Some((key, value)) = parse_directive(line) {
                if key == "escape"
                    && let Some(c @ ('\\' | '`')) = value.chars().next()
                {
                    escape = c;
                }
                out.push((key.to_ascii_uppercase(), value.to_owned()));
                continue;
            }
            reading_directives = false;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }

        let (first, mut continues) = strip_continuation(line, escape);
        let mut logical = first.to_owned();
        while continues && i < lines.len() {
            let next = lines[i];
            i += 1;
            let trimmed = next.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (piece, more) = strip_continuation(next, escape);
            logical.push_str(piece);
            continues = more;
        }

        let logical = logical.trim();
        let (keyword, args) = match logical.find(char::is_whitespace) {
            Some(at) => (&logical[..at], logical[at..].trim()),
            None => (logical, ""),
        };
        let keyword = keyword.to_ascii_uppercase();
        let mut args = args.to_owned();

        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") && !is_json_form(&args) {
            for (name, chomp) in heredoc_markers(&args, escape) {
                let mut body = String::new();
                while i < lines.len() {
                    let body_line = lines[i];
                    i += 1;
                    let candidate = if chomp {
                        body_line.trim_start_matches('\t')
                    } else {
                        body_line
                    };
                    if candidate == name {
                        break;
                    }
                    body.push_str(body_line);
                    body.push('\n');
                }
                args.push('\n');
                args.push_str(&body);
                args.push_str(&name);
            }
        }
        out.push((keyword, args));
    }
    out
}

/// `# key = value` with a known directive key.
pub(super) fn parse_directive(line: &str) -> Option<(String, &str)> {
    let rest = line.strip_prefix('#')?.trim_start();
    let key_end = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let key = &rest[..key_end];
    if !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = rest[key_end..].trim_start().strip_prefix('=')?.trim();
    let key = key.to_ascii_lowercase();
    if value.is_empty() || !matches!(key.as_str(), "syntax" | "escape" | "check") {
        return None;
    }
    Some((key, value))
}

pub(super) fn strip_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    match trimmed.strip_suffix(escape) {
        Some(head) => (head, true),
        None => (line, false),
    }
}

/// Splits on unquoted whitespace, keeping quotes and escapes in the words.
pub(super) fn raw_words(text: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                word.push(c);
                if c == q {
                    quote = None;
                } else if c == escape
                    && q == '"'
                    && let Some(next) = chars.next()
                {
                    word.push(next);
                }
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                in_word = true;
                word.push(c);
                if c == '"' || c == '\'' {
                    quote = Some(c);
                } else if c == escape
                    && let Some(next) = chars.next()
                {
                    word.push(next);
                }
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Whether `args` (after any `--flag` words) is a JSON array of strings.
pub(super) fn is_json_form(args: &str) -> bool {
    let mut rest = args.trim_start();
    while rest.starts_with("--") {
        // Skip one flag word, honouring quotes the way BuildKit's flag reader does.
        let word_len = raw_words(rest, '\\')
            .first()
            .map_or(rest.len(), String::len);
        rest = rest[word_len.min(rest.len())..].trim_start();
    }
    rest.starts_with('[') && serde_json::from_str::<Vec<String>>(rest).is_ok()
}

/// Heredoc openers among the words of `args`: `(name, chomp)` in order.
pub(super) fn heredoc_markers(args: &str, escape: char) -> Vec<(String, bool)> {
    let mut markers = Vec::new();
    for word in raw_words(args, escape) {
        let after_fd = word.trim_start_matches(|c: char| c.is_ascii_digit());
        let Some(rest) = after_fd.strip_prefix("<<") else {
            continue;
        };
        let (chomp, rest) = match rest.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        if rest.is_empty() || rest.contains('<') {
            continue;
        }
        let name: String = unquote_word(rest, escape);
        if !name.is_empty() {
            markers.push((name, chomp));
        }
    }
    markers
}

/// Removes quotes and escape characters from a word.
pub(super) fn unquote_word(word: &str, escape: char) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('\'') => out.push(c),
            None if c == '"' || c == '\'' => quote = Some(c),
            _ if c == escape => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            _ => out.push(c),
        }
    }
    out
}
