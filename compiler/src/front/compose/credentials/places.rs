//! Where a credential's value is a whole token of a text, and what it is there (the rules are
//! in the doc of [`super`]).

use std::ops::Range;

/// The shortest value replaced inside a longer argument (see the module doc).
pub const MIN_EMBEDDED: usize = 8;

/// What a whole-token occurrence of a credential's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The credential: replaced.
    Token,
    /// A user name (URL scheme or host, a user option's argument): kept.
    User,
    /// Too short to tell from other text where it is not a whole argument: kept.
    Short,
}

/// A character of names, host names and paths: a value next to one is part of a longer token.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// What a text is to the program that reads it.
#[derive(Clone, Copy, Debug)]
pub enum Form<'a> {
    /// A shell command line (a shell-form command or health check): its words are arguments.
    Shell,
    /// One argument (of an exec-form command, after `prev`), or a compose value: only the whole
    /// text is an argument, even when it has spaces.
    Arg { prev: Option<&'a str> },
}

/// Every whole-token occurrence of `literal` in `text` (a spec value, `$` written `$$`),
/// outside `${…}` references, and what it is.
pub fn places(text: &str, literal: &str, form: Form) -> Vec<(Range<usize>, Place)> {
    if literal.is_empty() {
        return Vec::new();
    }
    let refs = references(text);
    let short = literal.chars().count() < MIN_EMBEDDED;
    let mut out = Vec::new();
    for (start, _) in text.match_indices(literal) {
        let end = start + literal.len();
        let (before, after) = (&text[..start], &text[end..]);
        let (prev, next) = (before.chars().next_back(), after.chars().next());
        if prev.is_some_and(is_token_char)
            || next.is_some_and(is_token_char)
            || refs.iter().any(|r| r.start < end && start < r.end)
        {
            continue;
        }
        let user_option = match form {
            Form::Shell => after_user_option(before),
            Form::Arg { prev } => {
                after_user_option(before)
                    || (before.is_empty()
                        && prev.is_some_and(|p| after_user_option(&format!("{p} "))))
            }
        };
        let place = if after.starts_with("://") || prev == Some('@') || user_option {
            Place::User
        } else if !short || is_argument(before, after, form) || is_url_password(before, after) {
            Place::Token
        } else {
            Place::Short
        };
        out.push((start..end, place));
    }
    out
}

/// The byte ranges of the `${…}` references of a spec value (`$$` is a literal `$`).
fn references(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && b.get(i + 1) == Some(&b'$') {
            i += 2;
        } else if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
            let end = text[i..].find('}').map_or(b.len(), |e| i + e + 1);
            out.push(i..end);
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether the text before an occurrence ends with a user-name option and its separator.
fn after_user_option(before: &str) -> bool {
    let word = |b: &str| {
        b.trim_end_matches(['\'', '"'])
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or("")
            .to_string()
    };
    let trimmed = before.trim_end_matches(['\'', '"']);
    if let Some(opt) = trimmed.strip_suffix('=') {
        return matches!(word(opt).as_str(), "--user" | "--username");
    }
    if !trimmed.ends_with(char::is_whitespace) {
        return false;
    }
    matches!(
        word(trimmed.trim_end()).as_str(),
        "-U" | "-u" | "--user" | "--username"
    )
}

/// Whether an occurrence is a whole argument: the whole text, the value of a `--option=`, or,
/// in a shell command line, a word (whitespace or a quote on each side).
fn is_argument(before: &str, after: &str, form: Form) -> bool {
    let option_value = |b: &str| {
        b.strip_suffix('=').is_some_and(|b| {
            b.rsplit(char::is_whitespace)
                .next()
                .is_some_and(|w| w.trim_start_matches(['\'', '"']).starts_with('-'))
        })
    };
    match form {
        Form::Arg { .. } => {
            after.is_empty()
                && (before.is_empty() || (option_value(before) && !before.contains(' ')))
        }
        Form::Shell => {
            let open =
                |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || c == '\'' || c == '"');
            (open(before.chars().next_back()) || option_value(before)) && open(after.chars().next())
        }
    }
}

/// Whether an occurrence is the password of a `scheme://user:password@host` URL.
fn is_url_password(before: &str, after: &str) -> bool {
    before.ends_with(':')
        && after.starts_with('@')
        && before
            .rsplit(char::is_whitespace)
            .next()
            .is_some_and(|w| w.contains("://"))
}
