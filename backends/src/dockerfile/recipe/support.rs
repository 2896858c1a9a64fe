//! Small pure helpers of the recipe lowering: source paths, steps, argv, health, image tags.

use super::*;

pub(super) fn origin(v: &Sp<String>) -> Vec<(String, Span)> {
    if v.span == Span::DUMMY {
        vec![]
    } else {
        vec![(v.value.clone(), v.span)]
    }
}

pub(super) fn copy(from: Option<&str>, sources: Vec<String>, dest: String) -> Instruction {
    Instruction::Copy {
        from: from.map(str::to_string),
        chown: None,
        chmod: None,
        link: false,
        sources,
        dest,
    }
}

/// The span of the user value a refusal is about: the origin equal to the refused value, else
/// one contained in it, else the instruction's first origin.
pub(super) fn locate(e: &DockerfileError, origins: &[(String, Span)]) -> Option<Span> {
    let refused = refused_value(e);
    if let Some(v) = refused {
        if let Some((_, span)) = origins.iter().find(|(o, _)| o == v) {
            return Some(*span);
        }
        if let Some((_, span)) = origins
            .iter()
            .find(|(o, _)| !o.is_empty() && v.contains(o.as_str()))
        {
            return Some(*span);
        }
    }
    origins.first().map(|(_, s)| *s)
}

/// The offending input of a refusal, when it names one.
pub(super) fn refused_value(e: &DockerfileError) -> Option<&str> {
    match e {
        DockerfileError::LineBreak { value, .. }
        | DockerfileError::ControlChar { value, .. }
        | DockerfileError::InvalidName { value, .. }
        | DockerfileError::InvalidValue { value, .. }
        | DockerfileError::HeredocMarker { value, .. }
        | DockerfileError::TrailingEscape { value, .. }
        | DockerfileError::AmbiguousShellForm { value, .. }
        | DockerfileError::DirectiveLikeComment { value } => Some(value),
        DockerfileError::Empty { .. } | DockerfileError::MisplacedSyntax { .. } => None,
    }
}

/// A user name `useradd` and `adduser` accept: `[a-z_][a-z0-9_-]*`, at most 32 characters.
pub(crate) fn is_user_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && (b[0].is_ascii_lowercase() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-'))
}

/// `name` or `name=version`: names of `[A-Za-z0-9][A-Za-z0-9+._-]*` (Debian and Alpine package
/// names), versions of `[A-Za-z0-9.+~:_-]+`. Nothing a shell would read as more than one word.
pub(crate) fn is_package_spec(s: &str) -> bool {
    let (name, version) = match s.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (s, None),
    };
    let name_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '_' | '-'));
    let version_ok = version.is_none_or(|v| {
        !v.is_empty()
            && v.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~' | ':' | '_' | '-')
            })
    });
    name_ok && version_ok
}

/// A context path without `./`, trailing `/` or `..`; `.` for the whole context. `None` for an
/// absolute path or one that climbs out.
pub(super) fn normalize_source(s: &str) -> Option<String> {
    if s.starts_with('/') || s.starts_with('~') {
        return None;
    }
    let mut parts = Vec::new();
    for c in s.split('/') {
        match c {
            "" | "." => {}
            ".." => return None,
            c => parts.push(c),
        }
    }
    Some(if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    })
}

/// Where a source lands under `dir`: the same relative path; a glob lands in its parent
/// directory; the whole context is `dir/` itself.
pub(super) fn source_destination(dir: &str, path: &str) -> String {
    if path == "." {
        return format!("{dir}/");
    }
    if path.contains(['*', '?', '[']) {
        return match path.rsplit_once('/') {
            Some((parent, _)) => format!("{dir}/{parent}/"),
            None => format!("{dir}/"),
        };
    }
    format!("{dir}/{path}")
}

/// Whether a step holds a `#` that a shell would read as the start of a comment (at the start
/// or after a blank, outside quotes).
pub(super) fn has_shell_comment(step: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut prev_blank = true;
    let mut escaped = false;
    for c in step.chars() {
        if escaped {
            escaped = false;
            prev_blank = false;
            continue;
        }
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                }
            }
            None => match c {
                '\\' => escaped = true,
                '\'' | '"' => quote = Some(c),
                '#' if prev_blank => return true,
                _ => {}
            },
        }
        prev_blank = quote.is_none() && c.is_whitespace();
    }
    false
}

/// A step as one operand of `&&`: a step with a `;`, `||` or a background `&` is grouped in
/// `{ ...; }` so it cannot change what the neighbouring steps depend on.
pub(super) fn group_step(step: &str) -> String {
    let trimmed = step.trim();
    let bytes = trimmed.as_bytes();
    let lone_amp = bytes.iter().enumerate().any(|(i, b)| {
        *b == b'&'
            && bytes.get(i + 1) != Some(&b'&')
            && (i == 0 || bytes[i - 1] != b'&')
            && bytes.get(i + 1) != Some(&b'>')
            && (i == 0 || bytes[i - 1] != b'>')
    });
    let needs_group = trimmed.contains(';') || trimmed.contains("||") || lone_amp;
    if !needs_group {
        return trimmed.to_string();
    }
    let body = trimmed.trim_end_matches(';').trim_end();
    if body.ends_with('&') && !body.ends_with("&&") {
        format!("{{ {body} }}")
    } else {
        format!("{{ {body}; }}")
    }
}

/// The argv of a health command when every argument is literal text; `None` when one holds a
/// reference. A shell-form command runs through `/bin/sh -c`.
pub(super) fn literal_argv(c: &Command) -> Option<Vec<String>> {
    let args: Option<Vec<String>> = c.args.iter().map(|a| a.as_literal()).collect();
    let args = args?;
    if c.shell {
        let mut argv = vec!["/bin/sh".to_string(), "-c".to_string()];
        argv.extend(args);
        Some(argv)
    } else {
        Some(args)
    }
}

pub(super) fn healthcheck(h: &Health, test: Vec<String>) -> HealthcheckSpec {
    let nonzero = |d: std::time::Duration| (!d.is_zero()).then(|| format_duration(d));
    HealthcheckSpec {
        interval: nonzero(h.interval),
        timeout: nonzero(h.timeout),
        start_period: nonzero(h.start_period),
        retries: Some(h.retries),
        test,
    }
}

/// The tag of an image reference (`ghcr.io/a/b:1.2.3@sha256:...` → `1.2.3`).
pub(super) fn image_tag(image: &str) -> Option<String> {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split_once(':')
        .map(|(_, t)| t.to_string())
        .filter(|t| !t.is_empty())
}
