//! A unit file as the systemd backend builds it: every entry carries the spec span of the
//! value it came from, and is rendered through [`super::ini`], whose quoting keeps user
//! strings data.
//!
//! # Invariants
//!
//! * Every user string is written by [`ini`]: an entry is [`Value::Ini`]. A rendering
//!   error ([`IniError`]) becomes a located `STK051` diagnostic at the entry's span, and all
//!   such errors of a file are reported together.
//! * The only other entry kind, [`Value::Fixed`], exists for what `ini` deliberately cannot
//!   write: systemd specifiers (`%E`) and `Exec*=` prefixes (`-`). A [`Fixed`] value is
//!   checked when it is built: bare words of `[A-Za-z0-9._/:=,@+-]` separated by single
//!   spaces, where `%` only introduces one of the specifiers in [`SPECIFIERS`]. The
//!   backend builds them from constants and DNS-1123 names only.
//! * The layout is `ini`'s: header comment lines, a blank line, sections separated by one
//!   blank line, exactly one trailing newline.

use stackc_compiler::diag::{Diagnostic, ErrorCode, SourceFile, Span};

use super::ini::{IniError, IniValue, Section, UnitFile};

/// Specifiers a [`Fixed`] value may contain: `%E` (configuration directory: `/etc` for the
/// system manager, `$XDG_CONFIG_HOME` for a user's), `%h` (home directory), `%t` (runtime
/// directory), `%N` and `%n` (unit name without and with suffix).
pub const SPECIFIERS: &[char] = &['E', 'h', 't', 'N', 'n'];

/// A value built by the backend itself, never from user text (see the module invariants).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fixed(String);

impl Fixed {
    /// Checks `text` against the [`Fixed`] rules; `None` when it breaks them.
    pub fn new(text: impl Into<String>) -> Option<Self> {
        let text = text.into();
        let words_ok = !text.is_empty()
            && text.split(' ').all(|w| {
                !w.is_empty()
                    && w != ";"
                    && !w.starts_with('#')
                    && w.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._/:=,@+-%".contains(&b))
            });
        let mut chars = text.chars();
        let mut specifiers_ok = true;
        while let Some(c) = chars.next() {
            if c == '%' && !chars.next().is_some_and(|s| SPECIFIERS.contains(&s)) {
                specifiers_ok = false;
            }
        }
        (words_ok && specifiers_ok).then_some(Self(text))
    }

    /// The text as written into the file.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How an entry's value is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Through the INI writer's quoting (every user string).
    Ini(IniValue),
    /// Verbatim (constants and names only, see [`Fixed`]).
    Fixed(Fixed),
}

/// One `Key=value` line and the spec span its value came from.
#[derive(Clone, Debug)]
pub struct Line {
    pub key: &'static str,
    pub value: Value,
    pub span: Option<Span>,
}

/// A section: `[name]` and its lines in order.
#[derive(Clone, Debug)]
pub struct Sec {
    pub name: &'static str,
    pub lines: Vec<Line>,
}

impl Sec {
    /// An empty section.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            lines: Vec::new(),
        }
    }

    /// Appends a line rendered by the INI writer.
    pub fn ini(&mut self, key: &'static str, value: IniValue, span: Option<Span>) {
        self.lines.push(Line {
            key,
            value: Value::Ini(value),
            span,
        });
    }

    /// Appends [`IniValue::Text`].
    pub fn text(&mut self, key: &'static str, text: impl Into<String>, span: Option<Span>) {
        self.ini(key, IniValue::Text(text.into()), span);
    }

    /// Appends [`IniValue::Command`].
    pub fn command(&mut self, key: &'static str, argv: Vec<String>, span: Option<Span>) {
        self.ini(key, IniValue::Command(argv), span);
    }

    /// Appends a verbatim value.
    pub fn fixed(&mut self, key: &'static str, value: Fixed) {
        self.lines.push(Line {
            key,
            value: Value::Fixed(value),
            span: None,
        });
    }

    /// Whether the section has a line with `key`.
    pub fn has(&self, key: &str) -> bool {
        self.lines.iter().any(|l| l.key == key)
    }
}

/// A whole file: header comment lines and sections.
#[derive(Clone, Debug, Default)]
pub struct Unit {
    pub header: Vec<String>,
    pub sections: Vec<Sec>,
}

impl Unit {
    /// The section called `name`, appended if missing.
    pub fn section(&mut self, name: &'static str) -> &mut Sec {
        if let Some(i) = self.sections.iter().position(|s| s.name == name) {
            return &mut self.sections[i];
        }
        self.sections.push(Sec::new(name));
        self.sections.last_mut().expect("just pushed")
    }

    /// Renders the file, or every entry that cannot be written as an `STK051` diagnostic.
    /// `what` names the file in messages (e.g. `an-app-api.container`).
    pub fn render(
        &self,
        file: &std::sync::Arc<SourceFile>,
        what: &str,
    ) -> Result<String, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let header = UnitFile {
            header_comment: self.header.clone(),
            sections: Vec::new(),
        };
        let mut out = match header.render() {
            Ok(text) => text,
            Err(e) => {
                errors.push(Diagnostic::error(
                    ErrorCode::InternalError,
                    format!("internal error: cannot write the header of `{what}`: {e}"),
                ));
                String::new()
            }
        };
        for (i, section) in self.sections.iter().enumerate() {
            if i > 0 || !self.header.is_empty() {
                out.push('\n');
            }
            out.push('[');
            out.push_str(section.name);
            out.push_str("]\n");
            for line in &section.lines {
                match render_line(section.name, line) {
                    Ok(text) => {
                        out.push_str(&text);
                        out.push('\n');
                    }
                    Err(e) => errors.push(ini_diagnostic(file, what, line, &e)),
                }
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

fn render_line(section: &str, line: &Line) -> Result<String, IniError> {
    match &line.value {
        Value::Fixed(f) => Ok(format!("{}={}", line.key, f.as_str())),
        Value::Ini(v) => {
            let mut s = Section::new(section);
            s.push(line.key, v.clone());
            let text = UnitFile {
                header_comment: Vec::new(),
                sections: vec![s],
            }
            .render()?;
            // `[section]\nKey=value\n`: the entry is the second line.
            Ok(text.lines().nth(1).unwrap_or_default().to_string())
        }
    }
}

/// An [`IniError`] as a located diagnostic (`STK051`).
pub fn ini_diagnostic(
    file: &std::sync::Arc<SourceFile>,
    what: &str,
    line: &Line,
    e: &IniError,
) -> Diagnostic {
    let (message, help) = match e {
        IniError::ControlCharacter { ch, .. } => (
            format!("value for `{}=` in `{what}` contains the control character {ch:?}", line.key),
            "unit files are line-based: a newline or other control character could start a new setting; remove it".to_string(),
        ),
        IniError::InvalidAssignmentName(name) => (
            format!("environment variable name `{name}` cannot be written as `{}=` in `{what}`", line.key),
            "use letters, digits and `_`, not starting with a digit".to_string(),
        ),
        IniError::Unrepresentable { reason, .. } => (
            format!("value for `{}=` in `{what}` cannot be written into a unit file", line.key),
            format!("{reason}; change the value"),
        ),
        other => (format!("cannot write `{what}`: {other}"), "this is a bug in stackc's systemd backend".to_string()),
    };
    let d = Diagnostic::error(ErrorCode::SystemdUnsafeValue, message).help(help);
    match line.span {
        Some(span) => d.at(file, span, "this value"),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_values_are_checked() {
        assert!(Fixed::new("%E/stackc/app/api.env").is_some());
        assert!(Fixed::new("-/usr/bin/podman rm -f app-api").is_some());
        for bad in [
            "", "a  b", " a", "a ", "%%", "%x", "a$b", "a\"b", "a\nb", "; x", "#x", "a\\b", "%",
        ] {
            assert!(Fixed::new(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn layout_matches_the_ini_writer() {
        let file = SourceFile::new("s.yaml", "");
        let mut u = Unit {
            header: vec!["h".into()],
            sections: Vec::new(),
        };
        u.section("Unit").text("Description", "x 5%", None);
        u.section("Service")
            .fixed("WorkingDirectory", Fixed::new("%E/a").unwrap());
        u.section("Service")
            .command("ExecStart", vec!["/bin/echo".into(), "$X".into()], None);
        assert_eq!(
            u.render(&file, "t").unwrap(),
            "# h\n\n[Unit]\nDescription=x 5%%\n\n[Service]\nWorkingDirectory=%E/a\nExecStart=/bin/echo $$X\n"
        );
    }

    #[test]
    fn errors_are_located() {
        let file = SourceFile::new("s.yaml", "a: b\nc: \"x\\ny\"\n");
        let mut u = Unit::default();
        u.section("Service")
            .text("Description", "x\ny", Some(Span::new(8, 14)));
        let e = u.render(&file, "t.service").unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].code, "STK051");
        assert_eq!(e[0].location().map(|(_, l, c)| (l, c)), Some((2, 4)));
    }
}
