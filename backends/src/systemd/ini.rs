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
//!   [`IniError::ControlCharacter`] — with one exception: a tab inside a
//!   [`IniValue::Command`] argument, an [`IniValue::Assignment`] value or an
//!   [`IniValue::Words`] word is written as the `\t` escape inside double quotes
//!   (systemd accepts tabs in arguments and environment values). A newline is never
//!   encoded, not even as `\n`: Quadlet and podman re-quote these values on their
//!   way to `podman run`, and a multi-line value is not worth that risk.
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
//! `\\`, `"` as `\"` and tab as `\t`; everything else, including `'`, `;`, `#`,
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
        check_control(arg, key, true)?;
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
mod tests {
    use super::*;

    fn command(argv: &[&str]) -> IniValue {
        IniValue::Command(argv.iter().map(|s| (*s).to_owned()).collect())
    }

    fn one_entry(section: &str, key: &str, value: IniValue) -> UnitFile {
        let mut s = Section::new(section);
        s.push(key, value);
        UnitFile {
            header_comment: Vec::new(),
            sections: vec![s],
        }
    }

    /// Renders one entry and returns its raw value as read back by [`parse`].
    fn render_raw(section: &str, key: &str, value: IniValue) -> Result<String, IniError> {
        let text = one_entry(section, key, value).render()?;
        let entries = parse(&text).expect("rendered text parses");
        assert_eq!(entries.len(), 1, "one entry in {text:?}");
        let (s, k, raw) = &entries[0];
        assert_eq!((s.as_str(), k.as_str()), (section, key));
        Ok(raw.clone())
    }

    /// What the hostile corpus expects for one value kind.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Expect {
        RoundTrip,
        /// `ControlCharacter` at this byte index.
        Control(usize),
        Unrepresentable,
    }
    use Expect::{Control, RoundTrip, Unrepresentable as Unrep};

    /// `(value, as Command argument / Assignment value, as Text)`.
    const HOSTILE: &[(&str, Expect, Expect)] = &[
        ("plain", RoundTrip, RoundTrip),
        ("", RoundTrip, RoundTrip),
        (" ", RoundTrip, Unrep),
        ("  leading spaces", RoundTrip, Unrep),
        ("trailing spaces  ", RoundTrip, Unrep),
        ("two words", RoundTrip, RoundTrip),
        ("tab\there", RoundTrip, Control(3)),
        ("\ttab first", RoundTrip, Control(0)),
        ("line\nbreak", Control(4), Control(4)),
        ("\nExecStartPre=/bin/evil", Control(0), Control(0)),
        ("x\n[Install]\nWantedBy=evil.target", Control(1), Control(1)),
        ("carriage\rreturn", Control(8), Control(8)),
        ("nul\0byte", Control(3), Control(3)),
        ("del\x7f", Control(3), Control(3)),
        ("\x1b[31mred", Control(0), Control(0)),
        ("double \" quote", RoundTrip, RoundTrip),
        ("single ' quote", RoundTrip, RoundTrip),
        ("'single-wrapped'", RoundTrip, RoundTrip),
        ("\"double-wrapped\"", RoundTrip, Unrep),
        ("\"", RoundTrip, RoundTrip),
        ("'", RoundTrip, RoundTrip),
        ("back\\slash", RoundTrip, RoundTrip),
        ("trailing\\", RoundTrip, Unrep),
        ("\\\\", RoundTrip, Unrep),
        ("\\", RoundTrip, Unrep),
        ("literal \\x00 escape", RoundTrip, RoundTrip),
        ("\\n is not a newline", RoundTrip, RoundTrip),
        ("\\s\\t\\u00e9", RoundTrip, RoundTrip),
        ("%", RoundTrip, RoundTrip),
        ("%n", RoundTrip, RoundTrip),
        ("100%% sure %i%%", RoundTrip, RoundTrip),
        ("$", RoundTrip, RoundTrip),
        ("${X}", RoundTrip, RoundTrip),
        ("$HOME", RoundTrip, RoundTrip),
        ("$$", RoundTrip, RoundTrip),
        ("a$b$", RoundTrip, RoundTrip),
        (";", RoundTrip, RoundTrip),
        (" ; ", RoundTrip, Unrep),
        ("a;b", RoundTrip, RoundTrip),
        ("\\;", RoundTrip, RoundTrip),
        ("# not a comment", RoundTrip, RoundTrip),
        ("; not a comment", RoundTrip, RoundTrip),
        ("[Install]", RoundTrip, RoundTrip),
        ("Key=Value", RoundTrip, RoundTrip),
        ("=", RoundTrip, RoundTrip),
        ("-dash", RoundTrip, RoundTrip),
        ("ünïcödé ✓ 日本語", RoundTrip, RoundTrip),
        ("\u{a0}nbsp", RoundTrip, Unrep),
        ("emoji 🦀", RoundTrip, RoundTrip),
        ("*?[glob] | & > < `cmd` $(sub)", RoundTrip, RoundTrip),
    ];

    fn check_result(kind: &str, value: &str, expect: Expect, result: Result<(), IniError>) {
        match (expect, result) {
            (RoundTrip, Ok(())) | (Unrep, Err(IniError::Unrepresentable { .. })) => {}
            (Control(index), Err(IniError::ControlCharacter { index: got, ch, .. })) => {
                assert_eq!(got, index, "{kind} {value:?}: wrong index");
                assert_eq!(value[index..].chars().next(), Some(ch), "{kind} {value:?}");
            }
            (expect, result) => panic!("{kind} {value:?}: expected {expect:?}, got {result:?}"),
        }
    }

    #[test]
    fn hostile_corpus_round_trips_as_command_arguments() {
        assert!(HOSTILE.len() >= 25);
        for &(value, expect, _) in HOSTILE {
            let argv = vec![
                "/usr/bin/printf".to_owned(),
                value.to_owned(),
                "end".to_owned(),
            ];
            let result =
                render_raw("Service", "ExecStart", IniValue::Command(argv.clone())).map(|raw| {
                    let words = unquote_words(&raw, true)
                        .unwrap_or_else(|e| panic!("{value:?}: {raw:?}: {e}"));
                    assert_eq!(words, argv, "raw {raw:?}");
                });
            check_result("Command", value, expect, result);
        }
    }

    #[test]
    fn hostile_corpus_round_trips_as_quadlet_exec_first_argument() {
        // Quadlet's Exec= has no executable prefixes, so any first argument works.
        for &(value, expect, _) in HOSTILE {
            // A lone `;` is refused in Quadlet sections (see `quadlet_refuses_lone_semicolon`).
            let expect = if value == ";" { Unrep } else { expect };
            let result = render_raw("Container", "Exec", command(&[value])).map(|raw| {
                assert_eq!(
                    unquote_words(&raw, true),
                    Ok(vec![value.to_owned()]),
                    "{raw:?}"
                );
            });
            check_result("Exec", value, expect, result);
        }
    }

    #[test]
    fn hostile_corpus_round_trips_as_assignment_values() {
        for &(value, expect, _) in HOSTILE {
            let assignment = IniValue::Assignment {
                name: "HOSTILE_1".to_owned(),
                value: value.to_owned(),
            };
            let result = render_raw("Service", "Environment", assignment).map(|raw| {
                let words = unquote_words(&raw, false)
                    .unwrap_or_else(|e| panic!("{value:?}: {raw:?}: {e}"));
                assert_eq!(words, vec![format!("HOSTILE_1={value}")], "raw {raw:?}");
            });
            check_result("Assignment", value, expect, result);
        }
    }

    #[test]
    fn hostile_corpus_round_trips_as_text() {
        for &(value, _, expect) in HOSTILE {
            let result = render_raw("Unit", "Description", IniValue::Text(value.to_owned()))
                .map(|raw| assert_eq!(unquote_text(&raw), Ok(value.to_owned()), "{raw:?}"));
            check_result("Text", value, expect, result);
        }
    }

    #[test]
    fn whole_hostile_argv_on_one_line() {
        let argv: Vec<String> = HOSTILE
            .iter()
            .filter(|(_, expect, _)| *expect == RoundTrip)
            .map(|(value, _, _)| (*value).to_owned())
            .collect();
        let mut full = vec!["/usr/bin/podman".to_owned(), "run".to_owned()];
        full.extend(argv);
        let raw = render_raw("Service", "ExecStart", IniValue::Command(full.clone())).unwrap();
        assert_eq!(unquote_words(&raw, true).unwrap(), full);
    }

    #[test]
    fn quoting_spelling() {
        let raw = |argv: &[&str]| render_raw("Service", "ExecStart", command(argv)).unwrap();
        assert_eq!(
            raw(&["/bin/echo", "a", "--x=1", "a:b@c+d"]),
            "/bin/echo a --x=1 a:b@c+d"
        );
        assert_eq!(raw(&["/bin/echo", ""]), r#"/bin/echo """#);
        assert_eq!(raw(&["/bin/echo", ";"]), r#"/bin/echo ";""#);
        assert_eq!(raw(&["/bin/echo", " ; "]), r#"/bin/echo " ; ""#);
        assert_eq!(raw(&["/bin/echo", "%n", "$X"]), "/bin/echo %%n $$X");
        assert_eq!(raw(&["/bin/echo", "${X}"]), r#"/bin/echo "$${X}""#);
        assert_eq!(
            raw(&["/bin/echo", "a\"b\\c\td'e"]),
            r#"/bin/echo "a\"b\\c\td'e""#
        );
        assert_eq!(raw(&["/bin/echo", "#x"]), "/bin/echo \"#x\"");
        assert_eq!(raw(&["/bin/echo", "é"]), "/bin/echo \"é\"");
        let env = IniValue::Assignment {
            name: "A".into(),
            value: "x $y %z".into(),
        };
        assert_eq!(
            render_raw("Service", "Environment", env).unwrap(),
            r#""A=x $y %%z""#
        );
        let env = IniValue::Assignment {
            name: "B".into(),
            value: String::new(),
        };
        assert_eq!(render_raw("Service", "Environment", env).unwrap(), "B=");
        assert_eq!(
            render_raw(
                "Unit",
                "Description",
                IniValue::Text("50% \"q\" \\ x".into())
            )
            .unwrap(),
            r#"50%% "q" \ x"#
        );
    }

    #[test]
    fn deterministic_layout() {
        let mut unit = Section::new("Unit");
        unit.push("Description", IniValue::Text("Web app".into()))
            .push(
                "After",
                IniValue::Words(vec!["network-online.target".into(), "db.service".into()]),
            );
        let mut service = Section::new("Service");
        service
            .push(
                "Environment",
                IniValue::Assignment {
                    name: "PORT".into(),
                    value: "80".into(),
                },
            )
            .push(
                "ExecStart",
                command(&["/usr/bin/podman", "run", "--rm", "img"]),
            );
        let mut install = Section::new("Install");
        install.push(
            "WantedBy",
            IniValue::Words(vec!["multi-user.target".into()]),
        );
        let file = UnitFile {
            header_comment: vec![
                "Generated by stackc.".into(),
                String::new(),
                "Do not edit.".into(),
            ],
            sections: vec![unit, service, install],
        };
        let expected = "# Generated by stackc.\n#\n# Do not edit.\n\n\
            [Unit]\nDescription=Web app\nAfter=network-online.target db.service\n\n\
            [Service]\nEnvironment=PORT=80\nExecStart=/usr/bin/podman run --rm img\n\n\
            [Install]\nWantedBy=multi-user.target\n";
        let text = file.render().unwrap();
        assert_eq!(text, expected);
        assert_eq!(file.render().unwrap(), text, "deterministic");
        assert!(text.ends_with(".target\n") && !text.ends_with("\n\n"));
        assert!(
            text.lines().all(|l| l == l.trim_end()),
            "no trailing whitespace"
        );
        assert_eq!(
            parse(&text).unwrap(),
            [
                ("Unit", "Description", "Web app"),
                ("Unit", "After", "network-online.target db.service"),
                ("Service", "Environment", "PORT=80"),
                ("Service", "ExecStart", "/usr/bin/podman run --rm img"),
                ("Install", "WantedBy", "multi-user.target"),
            ]
            .map(|(s, k, v)| (s.to_owned(), k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn layout_edge_cases() {
        assert_eq!(UnitFile::default().render().unwrap(), "");
        let header_only = UnitFile {
            header_comment: vec!["only".into()],
            sections: Vec::new(),
        };
        assert_eq!(header_only.render().unwrap(), "# only\n");
        let empty_section = UnitFile {
            header_comment: Vec::new(),
            sections: vec![Section::new("Unit"), Section::new("X-Extra")],
        };
        assert_eq!(empty_section.render().unwrap(), "[Unit]\n\n[X-Extra]\n");
    }

    #[test]
    fn empty_lists_render_as_reset() {
        assert_eq!(
            render_raw("Service", "ExecStart", command(&[])).unwrap(),
            ""
        );
        assert_eq!(
            render_raw("Unit", "After", IniValue::Words(Vec::new())).unwrap(),
            ""
        );
        assert_eq!(unquote_words("", true), Ok(Vec::new()));
    }

    #[test]
    fn words_are_quoted_only_when_needed() {
        let words = |w: &[&str]| IniValue::Words(w.iter().map(|s| (*s).to_owned()).collect());
        let raw = render_raw(
            "Unit",
            "Documentation",
            words(&["man:podman(1)", "a b", "", "50%"]),
        )
        .unwrap();
        assert_eq!(raw, r#""man:podman(1)" "a b" "" 50%%"#);
        assert_eq!(
            unquote_words(&raw, false).unwrap(),
            ["man:podman(1)", "a b", "", "50%"]
        );
        let raw = render_raw("Unit", "After", words(&["a.service", "b@x.service"])).unwrap();
        assert_eq!(raw, "a.service b@x.service");
        assert!(matches!(
            render_raw("Unit", "After", words(&["mnt-a\\x2db.mount"])),
            Err(IniError::Unrepresentable { ref key, .. }) if key == "After"
        ));
        assert_eq!(
            render_raw("Unit", "After", words(&["a", "b\nc"])),
            Err(IniError::ControlCharacter {
                key: "After".into(),
                index: 1,
                ch: '\n'
            })
        );
    }

    #[test]
    fn invalid_keys() {
        for key in [
            "",
            "Exec Start",
            "Key=",
            "Ключ",
            "A_B",
            "a.b",
            "#x",
            "[Unit]",
            "K\n",
        ] {
            assert_eq!(
                one_entry("Service", key, IniValue::Text("x".into())).render(),
                Err(IniError::InvalidKey(key.to_owned()))
            );
        }
        for key in ["ExecStart", "X-Custom-1", "a"] {
            assert!(
                one_entry("Service", key, IniValue::Text("x".into()))
                    .render()
                    .is_ok()
            );
        }
    }

    #[test]
    fn invalid_section_names() {
        for name in ["", "A]B", "[A", "A\nB", "A\tB", "A\0"] {
            assert_eq!(
                one_entry(name, "K", IniValue::Text("x".into())).render(),
                Err(IniError::InvalidSectionName(name.to_owned()))
            );
        }
        assert!(
            one_entry("X-Section With Space", "K", IniValue::Text("x".into()))
                .render()
                .is_ok()
        );
    }

    #[test]
    fn invalid_assignment_names() {
        for name in ["", "1X", "A-B", "A=B", "A B", "É", "A\n"] {
            let value = IniValue::Assignment {
                name: name.to_owned(),
                value: "v".into(),
            };
            assert_eq!(
                one_entry("Service", "Environment", value).render(),
                Err(IniError::InvalidAssignmentName(name.to_owned()))
            );
        }
        for name in ["_", "A", "a_1", "PATH"] {
            let value = IniValue::Assignment {
                name: name.to_owned(),
                value: "v".into(),
            };
            assert!(one_entry("Service", "Environment", value).render().is_ok());
        }
    }

    #[test]
    fn control_characters_report_key_index_and_char() {
        let argv = command(&["/bin/echo", "ok", "a\u{7f}"]);
        assert_eq!(
            one_entry("Service", "ExecStart", argv).render(),
            Err(IniError::ControlCharacter {
                key: "ExecStart".into(),
                index: 1,
                ch: '\u{7f}'
            })
        );
        let header = UnitFile {
            header_comment: vec!["fine".into(), "bad\n[Service]".into()],
            sections: Vec::new(),
        };
        assert_eq!(
            header.render(),
            Err(IniError::ControlCharacter {
                key: "#".into(),
                index: 3,
                ch: '\n'
            })
        );
        let header = UnitFile {
            header_comment: vec!["tab\t".into()],
            sections: Vec::new(),
        };
        assert!(matches!(
            header.render(),
            Err(IniError::ControlCharacter { ch: '\t', .. })
        ));
    }

    #[test]
    fn exec_executable_checks() {
        for exe in [
            "",
            "-/bin/true",
            "@/bin/true",
            ":/bin/true",
            "+/bin/true",
            "!/bin/true",
            "!!/bin/true",
            "|/bin/true",
            ";",
            "/bin/a\"b",
            "/bin/a'b",
            "/bin/a\\b",
            "/bin/a\tb",
        ] {
            for key in EXEC_COMMAND_KEYS {
                assert!(
                    matches!(
                        one_entry("Service", key, command(&[exe, "x"])).render(),
                        Err(IniError::Unrepresentable { key: ref k, .. }) if k == key
                    ),
                    "{key}={exe:?}"
                );
            }
            // Not a systemd Exec key: no executable rules (e.g. Quadlet Exec=).
            if !exe.contains('\t') && exe != ";" {
                assert!(
                    one_entry("Container", "Exec", command(&[exe]))
                        .render()
                        .is_ok(),
                    "{exe:?}"
                );
            }
        }
        let raw = render_raw("Service", "ExecStart", command(&["/usr/bin/my prog", "x"])).unwrap();
        assert_eq!(raw, r#""/usr/bin/my prog" x"#);
        assert_eq!(
            unquote_words(&raw, true).unwrap(),
            ["/usr/bin/my prog", "x"]
        );
    }

    #[test]
    fn quadlet_refuses_lone_semicolon() {
        for section in QUADLET_SECTIONS {
            for key in ["Exec", "PodmanArgs", "GlobalArgs"] {
                assert!(matches!(
                    one_entry(section, key, command(&["--flag", ";", "rm"])).render(),
                    Err(IniError::Unrepresentable { key: ref k, .. }) if k == key
                ));
                // Anything else containing ';' is quoted by Quadlet too (it has spaces)
                // or is not a separator (not a whole word).
                assert!(
                    one_entry(section, key, command(&["a;b", " ; ", ";x"]))
                        .render()
                        .is_ok()
                );
            }
        }
        // Plain systemd sections quote it and systemd keeps it an argument.
        let raw = render_raw("Service", "ExecStart", command(&["/bin/echo", ";", "rm"])).unwrap();
        assert_eq!(raw, r#"/bin/echo ";" rm"#);
    }

    #[test]
    fn parse_follows_systemd_line_rules() {
        let text = "# comment\n; also comment\n  \n[Unit]\n  Description = spaced value  \n\
            [Service]\nExecStart=/bin/echo a \\\n# ignored comment inside continuation\n  b\n\
            Key=ends with escaped backslash \\\\\nOther=x\n[Empty]\n";
        assert_eq!(
            parse(text).unwrap(),
            [
                ("Unit", "Description", "spaced value"),
                ("Service", "ExecStart", "/bin/echo a    b"),
                ("Service", "Key", "ends with escaped backslash \\\\"),
                ("Service", "Other", "x"),
            ]
            .map(|(s, k, v)| (s.to_owned(), k.to_owned(), v.to_owned()))
        );
        assert!(parse("Key=outside\n").is_err());
        assert!(parse("[Unit\n").is_err());
        assert!(parse("[Unit]\nno equals sign\n").is_err());
        assert!(parse("[Unit]\n=value\n").is_err());
        assert_eq!(
            parse("[A]\nK=v \\").unwrap(),
            [("A".to_owned(), "K".to_owned(), "v".to_owned())]
        );
    }

    #[test]
    fn unquote_words_follows_systemd() {
        let ok = |raw: &str| unquote_words(raw, false).unwrap();
        // systemd.exec(5) Environment= example.
        assert_eq!(
            ok(r#""VAR1=word1 word2" VAR2=word3 "VAR3=$word 5 6""#),
            ["VAR1=word1 word2", "VAR2=word3", "VAR3=$word 5 6"]
        );
        // systemd.service(5): `\;` is a literal semicolon argument.
        assert_eq!(
            ok(r"echo / >/dev/null & \; ls"),
            ["echo", "/", ">/dev/null", "&", ";", "ls"]
        );
        assert_eq!(ok(r#"'two two' "" a"b c"d"#), ["two two", "", "ab cd"]);
        assert_eq!(
            ok(r"a\sb \x41\101\u00e9\U0001F980 'x\ty'"),
            ["a b", "AAé🦀", "x\ty"]
        );
        assert_eq!(ok(r"\xc3\xa9 \303\251"), ["é", "é"]);
        assert_eq!(ok(" \t lead  trail \t "), ["lead", "trail"]);
        assert_eq!(ok(r#"'a\'b' "c\"d""#), ["a'b", "c\"d"]);
        assert_eq!(unquote_words("%%n $$X", true).unwrap(), ["%n", "$X"]);
        assert_eq!(unquote_words("$X", false).unwrap(), ["$X"]);
        for bad in [
            r"\q",
            r"\x4",
            r"\x00",
            r"\000",
            r"\400",
            r"\u0000",
            r"\UFFFFFFFF",
            r"\ud800",
            "a\\",
            "\"open",
            "'open",
            "; x",
            "a ;",
            r"\xff",
            "%n",
            "%",
        ] {
            assert!(unquote_words(bad, false).is_err(), "{bad:?}");
        }
        assert!(unquote_words("$X", true).is_err());
        assert!(unquote_words("a $", true).is_err());
        assert_eq!(unquote_words("\";\" x", true).unwrap(), [";", "x"]);
        assert_eq!(unquote_words("x \";\"", true).unwrap(), ["x", ";"]);
    }

    #[test]
    fn quadlet_sections_double_dollars_in_every_value_kind() {
        let text = IniValue::Text("a ${X} $Y 5%".into());
        let raw = render_raw("Container", "HealthCmd", text.clone()).unwrap();
        assert_eq!(raw, "a $${X} $$Y 5%%");
        assert_eq!(unquote_quadlet_text(&raw).unwrap(), "a ${X} $Y 5%");
        assert!(unquote_quadlet_text("$X").is_err());
        // Outside Quadlet sections Text keeps `$`.
        assert_eq!(
            render_raw("Unit", "Description", text).unwrap(),
            "a ${X} $Y 5%%"
        );
        let env = IniValue::Assignment {
            name: "A".into(),
            value: "p${W}d".into(),
        };
        let raw = render_raw("Container", "Environment", env.clone()).unwrap();
        assert_eq!(raw, r#""A=p$${W}d""#);
        assert_eq!(unquote_words(&raw, true).unwrap(), ["A=p${W}d"]);
        assert_eq!(
            render_raw("Service", "Environment", env).unwrap(),
            r#""A=p${W}d""#
        );
        let words = IniValue::Words(vec!["k=$v".into()]);
        let raw = render_raw("Container", "Label", words).unwrap();
        assert_eq!(unquote_words(&raw, true).unwrap(), ["k=$v"]);
    }

    #[test]
    fn unquote_text_undoes_percent_only() {
        assert_eq!(
            unquote_text(r#"100%% "q" \n $x"#).unwrap(),
            r#"100% "q" \n $x"#
        );
        assert!(unquote_text("%n").is_err());
        assert!(unquote_text("50%").is_err());
    }

    #[test]
    fn errors_display() {
        let e = IniError::ControlCharacter {
            key: "K".into(),
            index: 2,
            ch: '\n',
        };
        assert_eq!(
            e.to_string(),
            "value of K= contains control character '\\n' at byte 2"
        );
        assert!(
            IniError::InvalidKey("a b".into())
                .to_string()
                .contains("\"a b\"")
        );
    }

    /// Manual check against real systemd (not run by default):
    /// `cargo test -p stackc-backends systemd::ini::tests::systemd_analyze_verify -- --ignored --nocapture`.
    /// Needs `systemd-analyze` and `/usr/bin/podman` (verify checks the executable exists).
    #[test]
    #[ignore = "manual: runs systemd-analyze verify on a rendered unit"]
    fn systemd_analyze_verify() {
        let argv: Vec<String> = ["/usr/bin/podman", "run", "--rm", "--name", "hostile"]
            .into_iter()
            .map(str::to_owned)
            .chain(
                HOSTILE
                    .iter()
                    .filter(|(_, expect, _)| *expect == RoundTrip)
                    .map(|(value, _, _)| (*value).to_owned()),
            )
            .collect();
        let mut unit = Section::new("Unit");
        unit.push(
            "Description",
            IniValue::Text("stackc hostile 100% \"quoted\" ; # test".into()),
        )
        .push(
            "After",
            IniValue::Words(vec!["network-online.target".into()]),
        );
        let mut service = Section::new("Service");
        service.push("Type", IniValue::Text("oneshot".into()));
        for (index, &(value, expect, _)) in HOSTILE.iter().enumerate() {
            if expect == RoundTrip {
                service.push(
                    "Environment",
                    IniValue::Assignment {
                        name: format!("HOSTILE_{index}"),
                        value: value.to_owned(),
                    },
                );
            }
        }
        service.push("ExecStart", IniValue::Command(argv));
        let mut install = Section::new("Install");
        install.push(
            "WantedBy",
            IniValue::Words(vec!["multi-user.target".into()]),
        );
        let file = UnitFile {
            header_comment: vec!["stackc hostile-value check".into()],
            sections: vec![unit, service, install],
        };
        let dir = std::env::temp_dir().join("stackc-ini-verify");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("stackc-hostile.service");
        std::fs::write(&path, file.render().unwrap()).unwrap();
        let output = std::process::Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(&path)
            .output()
            .expect("systemd-analyze runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        println!(
            "unit: {}\nstatus: {}\nstderr:\n{stderr}",
            path.display(),
            output.status
        );
        assert!(output.status.success(), "systemd-analyze failed: {stderr}");
        assert!(!stderr.contains("Unknown key"), "{stderr}");
        assert!(!stderr.contains("Invalid"), "{stderr}");
    }
}
