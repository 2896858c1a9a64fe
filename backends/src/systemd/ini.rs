//! A systemd unit-file writer with systemd's quoting, and a reader that follows
//! systemd's unquoting rules (systemd.syntax(7), systemd.service(5) "Command lines",
//! systemd.exec(5) `Environment=`, systemd.unit(5) "Specifiers").
//!
//! The same writer serves plain units and Podman Quadlet files: Quadlet's parser
//! follows systemd's line, comment and quoting rules, with two stricter points
//! (see [`IniValue::Text`]) that the writer honours as well.
//!
//! # Output layout
//!
//! [`UnitFile::render`] is deterministic: header comment lines (`# text`, or `#` for
//! an empty line), a blank line, then every section as a `[Name]` line followed by
//! its `Key=value` lines in order, one blank line between sections, and exactly one
//! newline at the end of the file. No line carries trailing whitespace that the
//! writer added.
//!
//! # Invariants
//!
//! Whatever the values contain, a rendered entry is exactly one line and reads back
//! as exactly the value that was given, or `render` returns an [`IniError`]:
//!
//! * A value can never add a line, key, section or command. Newline, carriage return
//!   and every other control character (U+0000–U+001F, U+007F) are refused with
//!   [`IniError::ControlCharacter`] — with two exceptions: a tab inside a
//!   [`IniValue::Command`] argument, an [`IniValue::Assignment`] value or an
//!   [`IniValue::Words`] word is written as the `\t` escape inside double quotes
//!   (systemd accepts tabs in arguments and environment values); and a newline
//!   inside a [`IniValue::Command`] argument (other than an `Exec*=` executable) is
//!   written as the `\n` escape inside double quotes. systemd.service(5), "Command
//!   lines", reads C escapes in command lines, `\n` becoming a newline in the
//!   argument, so a multi-line `sh -c` script stays one unit-file line and one
//!   argument; Podman 5.4's Quadlet reads `Exec=`/`PodmanArgs=` the same way and
//!   re-quotes the argument into `ExecStart=` with the same `\n` escape (proved by
//!   `multi_line_argument_reaches_podman_through_quadlet` in the tests). Elsewhere a
//!   newline stays refused: `Text` values are verbatim, and environment values and
//!   word lists pass through readers that do not all unescape.
//! * No rendered line ends in a backslash, so no value can continue onto the next
//!   line: quoted words end in `"`, bare words contain no backslash, and a
//!   [`IniValue::Text`] ending in a backslash is refused.
//! * Values begin after `Key=`, so a leading `#` or `;` is never a comment; the
//!   quoting kinds quote such words anyway.
//! * In command lines a `;` argument is always quoted, so it is an argument and
//!   never systemd's command separator; and the executable of an `Exec*=` line
//!   ([`EXEC_COMMAND_KEYS`]) may not start with one of systemd's prefix characters
//!   (`-@:+!|`), which quoting cannot neutralise. In Quadlet sections
//!   ([`QUADLET_SECTIONS`]) a `;` argument is refused outright: Quadlet re-emits it
//!   unquoted into the generated `ExecStart=`, where it would separate commands.
//! * `%` is always written as `%%`, so no specifier is expanded; in command lines
//!   `$` is also written as `$$`, so no environment variable is expanded. In Quadlet
//!   sections ([`QUADLET_SECTIONS`]) every value kind writes `$` as `$$`: Quadlet copies
//!   its values (`Environment=`, `HealthCmd=`, `Volume=`, …) into the generated
//!   `ExecStart=` without escaping `$`, where systemd would expand `${NAME}`; the
//!   doubled `$$` reaches the container as one `$`.
//! * Keys match `[A-Za-z0-9-]+`; section names are non-empty and contain no `[`,
//!   `]` or control character; `Environment=` names match `[A-Za-z_][A-Za-z0-9_]*`.
//!
//! # Quoting
//!
//! A word (command argument, `NAME=value` assignment, list word) is written bare
//! when it is non-empty and every byte is one of `A-Z a-z 0-9 - _ . , / : = @ + % $`
//! (after `%`/`$` doubling). Otherwise it is written in double quotes, with `\` as
//! `\\`, `"` as `\"`, tab as `\t` and newline as `\n`; everything else, including `'`, `;`, `#`,
//! spaces and non-ASCII text, is literal inside the quotes. So the empty string is
//! `""`, and leading and trailing whitespace survive. The writer never uses single
//! quotes: systemd processes backslash escapes inside them too, unlike a shell.
//!
//! # Reader
//!
//! [`parse`] splits text into `(section, key, raw value)` the way systemd's
//! configuration parser does (comments, line continuation, whitespace trimming).
//! [`unquote_words`] and [`unquote_text`] then undo the value encodings. The reader
//! is strict where systemd is lenient (systemd warns about and "corrects" invalid
//! escapes; the reader refuses them), so tests catch any output systemd would have
//! to repair.

use std::fmt;

/// Keys whose values are systemd command lines with executable prefixes
/// (systemd.service(5), systemd.socket(5)). For these, [`UnitFile::render`] also
/// checks the executable (the first argument) of an [`IniValue::Command`].
pub const EXEC_COMMAND_KEYS: &[&str] = &[
    "ExecCondition",
    "ExecStartPre",
    "ExecStart",
    "ExecStartPost",
    "ExecReload",
    "ExecStop",
    "ExecStopPre",
    "ExecStopPost",
];

/// Podman Quadlet's own sections. Quadlet splits command-like values found there
/// (`Exec=`, `PodmanArgs=`, …) and re-emits the words into the generated
/// `ExecStart=` without quoting `;`, so an [`IniValue::Command`] argument that is
/// exactly `;` is refused in these sections. Quadlet does not escape `$` either, so
/// every value written in these sections has `$` doubled (read them back with
/// [`unquote_words`]`(raw, true)` or [`unquote_quadlet_text`]).
pub const QUADLET_SECTIONS: &[&str] = &[
    "Container",
    "Volume",
    "Network",
    "Pod",
    "Kube",
    "Image",
    "Build",
    "Artifact",
    "Quadlet",
];

/// Characters systemd reads as flags at the start of an `Exec*=` executable.
const EXEC_PREFIX_CHARS: &[char] = &['-', '@', ':', '+', '!', '|'];

/// Whitespace as systemd's unit-file parser and word splitter see it.
const WHITESPACE: &[char] = &[' ', '\t', '\n', '\r'];

/// A whole unit file: an optional header comment and its sections, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFile {
    /// Comment lines written at the top of the file, each as `# line`.
    pub header_comment: Vec<String>,
    /// Sections in output order; a name may repeat (systemd merges them).
    pub sections: Vec<Section>,
}

/// One `[Name]` section and its entries, in output order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The name between the brackets, e.g. `Service`.
    pub name: String,
    /// The `Key=value` lines; a key may repeat (list settings).
    pub entries: Vec<Entry>,
}

impl Section {
    /// An empty section called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            entries: Vec::new(),
        }
    }

    /// Appends `key=value` and returns the section for chaining.
    pub fn push(&mut self, key: impl Into<String>, value: IniValue) -> &mut Self {
        self.entries.push(Entry {
            key: key.into(),
            value,
        });
        self
    }
}

/// One `Key=value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The setting name, `[A-Za-z0-9-]+`.
    pub key: String,
    /// The value and how it is encoded.
    pub value: IniValue,
}

/// A value together with the encoding the setting expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniValue {
    /// Free text for settings that take their value verbatim (`Description=`,
    /// `WorkingDirectory=`, Quadlet `Image=`, …): written so systemd reads back
    /// exactly this string; `%` is escaped as `%%` (specifier expansion).
    ///
    /// Text is never quoted, because such settings do not unquote: quotes would
    /// become part of the value. Text that cannot be written verbatim is refused with
    /// [`IniError::Unrepresentable`]: leading or trailing whitespace (parsers strip
    /// it), a trailing backslash (line continuation; Quadlet continues even after
    /// `\\`), and a value both starting and ending with `"` (Quadlet strips one such
    /// pair). Control characters, tab included, are refused.
    Text(String),
    /// A command line (`ExecStart=`, Quadlet `Exec=`, …): the argv is written with
    /// systemd's quoting so each element reads back as one argument; `%` becomes
    /// `%%` and `$` becomes `$$`, so neither specifiers nor environment expansion
    /// apply. An empty argv renders as `Key=`, which resets a command list.
    ///
    /// Quadlet's `HealthCmd=` is not split by systemd: Quadlet hands the whole raw
    /// value to `podman --health-cmd`, which runs it through `/bin/sh -c`, whose
    /// quoting differs. The argv guarantee holds for systemd's reading only.
    Command(Vec<String>),
    /// An `Environment=`-style assignment `NAME=VALUE`, quoted as one word. `%` in
    /// the value becomes `%%`; `$` has no meaning in `Environment=` and is kept.
    Assignment {
        /// Variable name, `[A-Za-z_][A-Za-z0-9_]*`.
        name: String,
        /// Variable value; may contain anything but control characters other than tab.
        value: String,
    },
    /// A list of words joined by spaces, each quoted if needed (e.g. `After=`,
    /// `Requires=`, Quadlet `AddCapability=`); `%` becomes `%%`.
    ///
    /// Dependency settings (`After=`, `Requires=`, …) take their words verbatim
    /// and do not unquote, so words are only useful there when they need no quoting
    /// (every valid unit name qualifies). A word containing a backslash (as in
    /// `systemd-escape`d unit names) is refused with [`IniError::Unrepresentable`],
    /// because unquoting and verbatim settings read it differently. An empty list
    /// renders as `Key=`, which resets a list.
    Words(Vec<String>),
}

/// Why a [`UnitFile`] could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniError {
    /// A value (or header comment line, reported with key `#`) contains a control
    /// character that cannot be written. `index` is the byte offset of `ch` within
    /// the offending string: the text, argument, assignment value, word or comment.
    ControlCharacter {
        /// The entry's key, or `#` for a header comment line.
        key: String,
        /// Byte offset of `ch` within the offending string.
        index: usize,
        /// The refused character.
        ch: char,
    },
    /// A key is not `[A-Za-z0-9-]+`.
    InvalidKey(String),
    /// A section name is empty or contains `[`, `]` or a control character.
    InvalidSectionName(String),
    /// An [`IniValue::Assignment`] name is not `[A-Za-z_][A-Za-z0-9_]*`.
    InvalidAssignmentName(String),
    /// The value has no spelling that systemd (and Quadlet) would read back
    /// unchanged, e.g. [`IniValue::Text`] with surrounding whitespace, or an
    /// `Exec*=` executable starting with a prefix character.
    Unrepresentable {
        /// The entry's key.
        key: String,
        /// What cannot be represented.
        reason: &'static str,
    },
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ControlCharacter { key, index, ch } => write!(
                f,
                "value of {key}= contains control character {ch:?} at byte {index}"
            ),
            Self::InvalidKey(key) => write!(f, "invalid unit-file key {key:?}"),
            Self::InvalidSectionName(name) => write!(f, "invalid section name {name:?}"),
            Self::InvalidAssignmentName(name) => {
                write!(f, "invalid environment variable name {name:?}")
            }
            Self::Unrepresentable { key, reason } => {
                write!(f, "value of {key}= cannot be written: {reason}")
            }
        }
    }
}

impl std::error::Error for IniError {}

impl UnitFile {
    /// Renders the file in the layout described in the module documentation.
    ///
    /// # Errors
    ///
    /// Returns the first [`IniError`] found, in file order.
    pub fn render(&self) -> Result<String, IniError> {
        let mut out = String::new();
        for line in &self.header_comment {
            check_control(line, "#", false)?;
            if line.is_empty() {
                out.push_str("#\n");
            } else {
                out.push_str("# ");
                out.push_str(line);
                out.push('\n');
            }
        }
        for (index, section) in self.sections.iter().enumerate() {
            if index > 0 || !self.header_comment.is_empty() {
                out.push('\n');
            }
            check_section_name(&section.name)?;
            out.push('[');
            out.push_str(&section.name);
            out.push_str("]\n");
            for entry in &section.entries {
                check_key(&entry.key)?;
                let raw = render_value(&section.name, &entry.key, &entry.value)?;
                out.push_str(&entry.key);
                out.push('=');
                out.push_str(&raw);
                out.push('\n');
            }
        }
        Ok(out)
    }
}

fn check_key(key: &str) -> Result<(), IniError> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(IniError::InvalidKey(key.to_owned()));
    }
    Ok(())
}

fn check_section_name(name: &str) -> Result<(), IniError> {
    if name.is_empty() || name.chars().any(|c| c == '[' || c == ']' || c.is_control()) {
        return Err(IniError::InvalidSectionName(name.to_owned()));
    }
    Ok(())
}

fn check_assignment_name(name: &str) -> Result<(), IniError> {
    let mut bytes = name.bytes();
    let valid = match bytes.next() {
        Some(first) => {
            (first.is_ascii_alphabetic() || first == b'_')
                && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(IniError::InvalidAssignmentName(name.to_owned()))
    }
}

/// Refuses ASCII control characters (U+0000–U+001F, U+007F), optionally except tab.
fn check_control(s: &str, key: &str, allow_tab: bool) -> Result<(), IniError> {
    match s
        .char_indices()
        .find(|&(_, ch)| ch.is_ascii_control() && !(allow_tab && ch == '\t'))
    {
        Some((index, ch)) => Err(IniError::ControlCharacter {
            key: key.to_owned(),
            index,
            ch,
        }),
        None => Ok(()),
    }
}

/// A command argument may hold tabs and newlines (written `\t` and `\n` inside double
/// quotes, see "Invariants"); every other control character is refused.
fn check_command_argument(arg: &str, key: &str) -> Result<(), IniError> {
    match arg
        .char_indices()
        .find(|&(_, ch)| ch.is_ascii_control() && ch != '\t' && ch != '\n')
    {
        Some((index, ch)) => Err(IniError::ControlCharacter {
            key: key.to_owned(),
            index,
            ch,
        }),
        None => Ok(()),
    }
}

fn unrepresentable(key: &str, reason: &'static str) -> IniError {
    IniError::Unrepresentable {
        key: key.to_owned(),
        reason,
    }
}

fn render_value(section: &str, key: &str, value: &IniValue) -> Result<String, IniError> {
    // Quadlet copies values into `ExecStart=` without escaping `$` (see QUADLET_SECTIONS).
    let dollar = QUADLET_SECTIONS.contains(&section);
    match value {
        IniValue::Text(text) => render_text(key, text, dollar),
        IniValue::Command(argv) => {
            if QUADLET_SECTIONS.contains(&section) && argv.iter().any(|arg| arg == ";") {
                return Err(unrepresentable(
                    key,
                    "Quadlet re-emits a ';' argument unquoted into ExecStart=, where it separates commands",
                ));
            }
            render_command(key, argv)
        }
        IniValue::Assignment { name, value } => {
            check_assignment_name(name)?;
            check_control(value, key, true)?;
            Ok(quote_word(&format!(
                "{name}={}",
                escape_expansions(value, dollar)
            )))
        }
        IniValue::Words(words) => {
            for word in words {
                check_control(word, key, true)?;
                if word.contains('\\') {
                    return Err(unrepresentable(
                        key,
                        "a backslash in a word list is read differently by unquoting and verbatim settings",
                    ));
                }
            }
            Ok(join_words(
                words.iter().map(|w| escape_expansions(w, dollar)),
            ))
        }
    }
}

fn render_text(key: &str, text: &str, dollar: bool) -> Result<String, IniError> {
    check_control(text, key, false)?;
    if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
        return Err(unrepresentable(
            key,
            "Text cannot begin or end with whitespace: unit-file parsers strip it",
        ));
    }
    if text.ends_with('\\') {
        return Err(unrepresentable(
            key,
            "Text cannot end with a backslash: it would continue the line",
        ));
    }
    if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
        return Err(unrepresentable(
            key,
            "Text cannot both begin and end with '\"': Quadlet strips such a pair",
        ));
    }
    Ok(escape_expansions(text, dollar))
}

fn render_command(key: &str, argv: &[String]) -> Result<String, IniError> {
    for arg in argv {
        check_command_argument(arg, key)?;
    }
    if let Some(executable) = argv.first()
        && EXEC_COMMAND_KEYS.contains(&key)
    {
        check_executable(key, executable)?;
    }
    Ok(join_words(argv.iter().map(|a| escape_expansions(a, true))))
}

/// systemd reads flags from the start of an `Exec*=` executable after unquoting,
/// treats a first word `;` as a separator and refuses quotes, backslashes and
/// control characters in the executable; quoting can avoid none of that.
fn check_executable(key: &str, executable: &str) -> Result<(), IniError> {
    if executable.is_empty() {
        return Err(unrepresentable(key, "the executable must not be empty"));
    }
    if executable.starts_with(EXEC_PREFIX_CHARS) {
        return Err(unrepresentable(
            key,
            "the executable starts with a character systemd reads as a prefix flag (-@:+!|)",
        ));
    }
    if executable == ";" {
        return Err(unrepresentable(
            key,
            "an executable ';' is read as a command separator",
        ));
    }
    if executable
        .chars()
        .any(|c| c == '"' || c == '\'' || c == '\\' || c.is_ascii_control())
    {
        return Err(unrepresentable(
            key,
            "systemd refuses quotes, backslashes and control characters in the executable",
        ));
    }
    Ok(())
}

/// Doubles `%` (and `$` when `dollar`), so systemd expands neither.
fn escape_expansions(s: &str, dollar: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if ch == '%' || (dollar && ch == '$') {
            out.push(ch);
        }
        out.push(ch);
    }
    out
}

fn join_words(words: impl Iterator<Item = String>) -> String {
    words.map(|w| quote_word(&w)).collect::<Vec<_>>().join(" ")
}

fn is_bare_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.,/:=@+%$".contains(&b)
}

/// Writes one word so systemd's unquoting yields it back (see "Quoting" above).
fn quote_word(word: &str) -> String {
    if !word.is_empty() && word.bytes().all(is_bare_byte) {
        return word.to_owned();
    }
    let mut out = String::with_capacity(word.len() + 2);
    out.push('"');
    for ch in word.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            _ => out.push(ch),
        }
    }
    out.push('"');
    out
}

/// Parses unit-file text into `(section, key, raw value)` triples in file order.
///
/// Follows systemd's configuration parser: lines whose first non-blank character is
/// `#` or `;` are comments (also between continued lines); a line ending in an
/// unescaped backslash continues on the next line, the backslash becoming a space;
/// whitespace around lines, keys and values is trimmed. Values are returned raw, to
/// be decoded with [`unquote_words`] or [`unquote_text`].
///
/// # Errors
///
/// A malformed section header, a line without `=`, an empty key, or an entry before
/// the first section.
pub fn parse(text: &str) -> Result<Vec<(String, String, String)>, String> {
    let mut entries = Vec::new();
    let mut section: Option<String> = None;
    let mut continuation: Option<(usize, String)> = None;
    for (index, line) in text.split('\n').enumerate() {
        if line.trim_start_matches(WHITESPACE).starts_with(['#', ';']) {
            continue;
        }
        let continues = ends_in_unescaped_backslash(line);
        let piece = if continues {
            format!("{} ", &line[..line.len() - 1])
        } else {
            line.to_owned()
        };
        let (number, joined) = match continuation.take() {
            Some((number, mut pending)) => {
                pending.push_str(&piece);
                (number, pending)
            }
            None => (index + 1, piece),
        };
        if continues {
            continuation = Some((number, joined));
        } else {
            parse_line(&joined, number, &mut section, &mut entries)?;
        }
    }
    if let Some((number, pending)) = continuation {
        parse_line(&pending, number, &mut section, &mut entries)?;
    }
    Ok(entries)
}

/// systemd's rule: scanning left to right, a backslash escapes the next character;
/// the line continues if it ends while a backslash is pending.
fn ends_in_unescaped_backslash(line: &str) -> bool {
    let mut escaped = false;
    for b in line.bytes() {
        escaped = !escaped && b == b'\\';
    }
    escaped
}

fn parse_line(
    line: &str,
    number: usize,
    section: &mut Option<String>,
    entries: &mut Vec<(String, String, String)>,
) -> Result<(), String> {
    let line = line.trim_matches(WHITESPACE);
    if line.is_empty() {
        return Ok(());
    }
    if let Some(rest) = line.strip_prefix('[') {
        let name = rest
            .strip_suffix(']')
            .ok_or_else(|| format!("line {number}: malformed section header {line:?}"))?;
        *section = Some(name.to_owned());
        return Ok(());
    }
    let (key, value) = line
        .split_once('=')
        .ok_or_else(|| format!("line {number}: missing '=' in {line:?}"))?;
    let key = key.trim_matches(WHITESPACE);
    if key.is_empty() {
        return Err(format!("line {number}: empty key"));
    }
    let section = section
        .as_ref()
        .ok_or_else(|| format!("line {number}: assignment outside of any section"))?;
    entries.push((
        section.clone(),
        key.to_owned(),
        value.trim_matches(WHITESPACE).to_owned(),
    ));
    Ok(())
}

/// Splits a raw command line or word list into words the way systemd does, then
/// undoes `%%` (and `$$` when `undo_dollar`).
///
/// Words are separated by unquoted whitespace. `"…"` and `'…'` quote (also in the
/// middle of a word) and are removed; backslash escapes are processed inside and
/// outside both kinds of quotes: `\a \b \f \n \r \t \v \\ \" \' \s`, `\xHH`, octal
/// `\NNN`, `\uHHHH`, `\UHHHHHHHH` (none may encode NUL). `""` is an empty word. A
/// word `\;` is a literal `;`, as in systemd command lines.
///
/// # Errors
///
/// Unknown or incomplete escapes, an unterminated quote, a trailing backslash,
/// escapes producing invalid UTF-8, a lone unquoted `;` (a command separator in
/// `Exec*=` lines; this reader reads a single command), and a `%` or (when
/// `undo_dollar`) `$` that is not doubled, which systemd would expand. (A quoted
/// `";"` as the *executable* of an `Exec*=` line is also a separator to systemd;
/// the writer refuses that case, see [`EXEC_COMMAND_KEYS`].)
pub fn unquote_words(raw: &str, undo_dollar: bool) -> Result<Vec<String>, String> {
    let bytes = raw.as_bytes();
    let is_separator = |i: usize| i >= bytes.len() || WHITESPACE.contains(&(bytes[i] as char));
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && is_separator(i) {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        if bytes[i] == b';' && is_separator(i + 1) {
            return Err(format!("unquoted ';' at byte {i} would separate commands"));
        }
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b';') && is_separator(i + 2) {
            words.push(";".to_owned());
            i += 2;
            continue;
        }
        let mut word = Vec::new();
        let mut quote: Option<u8> = None;
        loop {
            let Some(&b) = bytes.get(i) else {
                if quote.is_some() {
                    return Err("unterminated quote".to_owned());
                }
                break;
            };
            match quote {
                Some(q) if b == q => {
                    quote = None;
                    i += 1;
                }
                None if b == b'"' || b == b'\'' => {
                    quote = Some(b);
                    i += 1;
                }
                None if is_separator(i) => break,
                _ if b == b'\\' => i = unescape(raw, i + 1, &mut word)?,
                _ => {
                    word.push(b);
                    i += 1;
                }
            }
        }
        let word =
            String::from_utf8(word).map_err(|_| "escapes produce invalid UTF-8".to_owned())?;
        words.push(undo_expansions(&word, undo_dollar)?);
    }
    Ok(words)
}

/// Decodes the escape whose letter is at byte `at` of `raw` into `out`; returns the
/// index after it. Mirrors systemd's `cunescape_one` (strict: no NUL, no unknown).
fn unescape(raw: &str, at: usize, out: &mut Vec<u8>) -> Result<usize, String> {
    let bytes = raw.as_bytes();
    let Some(&letter) = bytes.get(at) else {
        return Err("trailing backslash".to_owned());
    };
    let simple = match letter {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'"' => Some(b'"'),
        b'\'' => Some(b'\''),
        b's' => Some(b' '),
        _ => None,
    };
    if let Some(byte) = simple {
        out.push(byte);
        return Ok(at + 1);
    }
    let digits = |count: usize, radix: u32| -> Result<u32, String> {
        let text = raw
            .get(at + 1..at + 1 + count)
            .ok_or_else(|| format!("incomplete escape at byte {at}"))?;
        if !text.chars().all(|c| c.is_digit(radix)) {
            return Err(format!("invalid escape digits {text:?}"));
        }
        u32::from_str_radix(text, radix).map_err(|e| e.to_string())
    };
    let (value, next, is_byte) = match letter {
        b'x' => (digits(2, 16)?, at + 3, true),
        b'u' => (digits(4, 16)?, at + 5, false),
        b'U' => (digits(8, 16)?, at + 9, false),
        b'0'..=b'7' => {
            let text = raw
                .get(at..at + 3)
                .ok_or_else(|| format!("incomplete octal escape at byte {at}"))?;
            if !text.chars().all(|c| c.is_digit(8)) {
                return Err(format!("invalid octal escape {text:?}"));
            }
            let value = u32::from_str_radix(text, 8).map_err(|e| e.to_string())?;
            if value > 0xff {
                return Err(format!("octal escape {text:?} exceeds a byte"));
            }
            (value, at + 3, true)
        }
        _ => {
            let shown = raw[at..].chars().next().unwrap_or('?');
            return Err(format!("unknown escape \\{shown}"));
        }
    };
    if value == 0 {
        return Err("escape encodes NUL".to_owned());
    }
    if is_byte {
        out.push(u8::try_from(value).map_err(|e| e.to_string())?);
    } else {
        let ch = char::from_u32(value).ok_or_else(|| format!("invalid code point {value:#x}"))?;
        out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
    }
    Ok(next)
}

/// Undoes `%%` (and `$$` when `dollar`); a lone `%`/`$` would be expanded.
fn undo_expansions(word: &str, dollar: bool) -> Result<String, String> {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(ch) = chars.next() {
        if ch == '%' || (dollar && ch == '$') {
            match chars.next() {
                Some(next) if next == ch => out.push(ch),
                Some(next) => {
                    return Err(format!("{ch}{next} would be expanded by systemd"));
                }
                None => return Err(format!("trailing {ch} would be expanded by systemd")),
            }
        } else {
            out.push(ch);
        }
    }
    Ok(out)
}

/// Decodes an [`IniValue::Text`] raw value: undoes `%%`. Text is never quoted (see
/// [`IniValue::Text`]), so quotes and backslashes are taken literally.
///
/// # Errors
///
/// A `%` that is not doubled, which systemd would expand as a specifier.
pub fn unquote_text(raw: &str) -> Result<String, String> {
    undo_expansions(raw, false)
}

/// Decodes an [`IniValue::Text`] raw value written in a Quadlet section
/// ([`QUADLET_SECTIONS`]): undoes `%%` and `$$`.
///
/// # Errors
///
/// A `%` or `$` that is not doubled, which systemd would expand in the `ExecStart=`
/// Quadlet generates.
pub fn unquote_quadlet_text(raw: &str) -> Result<String, String> {
    undo_expansions(raw, true)
}

#[cfg(test)]
mod tests;
