//! A typed model of Dockerfile instructions and a writer for it.
//!
//! # Invariant
//!
//! **No user string can add an instruction.** Whatever text is placed in any field of an
//! [`Instruction`], [`Dockerfile::render`] either returns an error or writes exactly one logical
//! line per instruction, and a parser following BuildKit's Dockerfile rules (line continuation,
//! comments, parser directives, heredocs, build flags, JSON forms; [`parse_instructions`] in the
//! tests) reads back exactly the instructions that were modelled: no extra instruction, parser
//! directive, heredoc body or build flag can be smuggled in through a value.
//!
//! How the writer keeps it:
//!
//! * **No line breaks outside JSON.** A `\n`, `\r`, vertical tab, form feed, NEL, U+2028 or U+2029
//!   in any field that is not written as a JSON string is refused with
//!   [`DockerfileError::LineBreak`]; other control characters with [`DockerfileError::ControlChar`].
//!   The writer itself never emits a line continuation, so every instruction is one physical line.
//! * **JSON for argv.** `CMD`, `ENTRYPOINT`, `SHELL`, `HEALTHCHECK CMD` and exec-form `RUN` are
//!   always JSON arrays written with `serde_json`, which escapes quotes, backslashes and control
//!   characters (a newline becomes `\n` inside the string). NEL, U+2028 and U+2029 are escaped as
//!   `\uXXXX` as well, so no raw line terminator of any kind reaches the file. The line always ends
//!   in `]`, so it can never end in a continuation backslash, and BuildKit never looks for heredocs
//!   in JSON form.
//! * **Double quotes for `ENV`, `LABEL` and `ARG` values.** The value is written as `"..."` with
//!   `\` → `\\`, `"` → `\"` and `$` → `\$`, the three escapes BuildKit honours inside double
//!   quotes. The value therefore decodes to itself: no variable expansion happens and a quote
//!   cannot close the string early.
//! * **Literal paths.** `COPY`, `WORKDIR` and `VOLUME` paths are expanded by BuildKit even in JSON
//!   form, so `\`, `$`, `"` and `'` are escaped with a backslash and the path means itself. `COPY`
//!   uses the plain form only when every path is made of unremarkable characters, and the JSON form
//!   otherwise (spaces, quotes, a leading `-` that would read as a flag, ...).
//! * **Names and flag values by character set.** `ARG`/`ENV`/`LABEL` keys must match
//!   `[A-Za-z_][A-Za-z0-9_.-]*`, stage names BuildKit's `[a-z][a-z0-9_.-]*`, and every `--flag=`
//!   value (mount options, `--from`, `--chown`, `--chmod`, `--platform`, durations) a small
//!   character set without whitespace, quotes or backslashes (and, in the CSV of `--mount`, without
//!   `,` and `=`), so it can neither end the flag nor add an option or a new flag.
//! * **Shell-form `RUN` is guarded.** It is refused when it contains `<<` (it could open a heredoc
//!   that swallows the following lines), starts with `[` (it would be read as exec form) or `--`
//!   (it would be read as a build flag), or ends in a backslash (it would continue onto the next
//!   instruction). Give argv ([`ShellOrExec::Exec`]) to avoid shell parsing altogether.
//! * **Directives only where meant.** [`Instruction::Syntax`] must be the first instruction, and a
//!   [`Instruction::Comment`] that could be read as a parser directive (`# escape=...`) is refused
//!   while directives are still being read. Comments, like every other non-JSON field, may not end
//!   in a backslash.
//!
//! A final check on every rendered line repeats the two structural guarantees (no line break, no
//! trailing escape character) so that a bug in one instruction's writer fails loudly instead of
//! producing a different Dockerfile.

use std::fmt;

mod encode;
mod read;

use encode::*;
pub use read::parse_instructions;

/// A Dockerfile: an ordered list of instructions, rendered one line each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// The instructions, in file order. [`Instruction::Syntax`] may only be the first.
    pub instructions: Vec<Instruction>,
}

/// One Dockerfile instruction (or comment / parser directive line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instruction {
    /// A `# ...` comment line. Line breaks are refused; so is text that could be read as a parser
    /// directive while directives are still being read (at the top of the file).
    Comment(String),
    /// The `# syntax=<frontend image>` parser directive; must be the first instruction.
    Syntax(String),
    /// `FROM [--platform=<platform>] <image> [AS <stage>]`.
    From {
        /// Image reference, e.g. `python:3.12-slim` or `repo/name@sha256:...`.
        image: String,
        /// Build stage name, `[a-z][a-z0-9_.-]*`.
        stage: Option<String>,
        /// Target platform, e.g. `linux/amd64` or `$BUILDPLATFORM`.
        platform: Option<String>,
    },
    /// `ARG <name>[="<default>"]`.
    Arg {
        /// Argument name.
        name: String,
        /// Default value, written double-quoted and literal.
        default: Option<String>,
    },
    /// `ENV <key>="<value>" ...`; values are literal (no `$` expansion).
    Env(Vec<(String, String)>),
    /// `LABEL <key>="<value>" ...`; values are literal (no `$` expansion).
    Label(Vec<(String, String)>),
    /// `WORKDIR <path>`; the path is literal.
    Workdir(String),
    /// `USER <user>[:<group>]`, names or numeric ids.
    User(String),
    /// `COPY [--from=..] [--chown=..] [--chmod=..] [--link] <sources>... <dest>`.
    Copy {
        /// Stage name or image to copy from.
        from: Option<String>,
        /// Owner, `user[:group]` or `uid[:gid]`.
        chown: Option<String>,
        /// Mode, octal (`0644`) or symbolic (`u=rwx,go=rx`).
        chmod: Option<String>,
        /// Write `--link`.
        link: bool,
        /// Source paths (literal; globs allowed). At least one.
        sources: Vec<String>,
        /// Destination path (literal); must end in `/` when there are several sources.
        dest: String,
    },
    /// `RUN [--mount=..]... <command>`.
    Run {
        /// BuildKit `--mount` options.
        mounts: Vec<RunMount>,
        /// The command, shell or exec form.
        command: ShellOrExec,
    },
    /// `EXPOSE <port>/<protocol> ...`.
    Expose(Vec<(u16, Protocol)>),
    /// `HEALTHCHECK [options] CMD [...]`, or `HEALTHCHECK NONE` for `None`.
    Healthcheck(Option<HealthcheckSpec>),
    /// `CMD [...]`, always exec form.
    Cmd(Vec<String>),
    /// `ENTRYPOINT [...]`, always exec form.
    Entrypoint(Vec<String>),
    /// `SHELL [...]`.
    Shell(Vec<String>),
    /// `STOPSIGNAL <signal>`, e.g. `SIGTERM` or `15`.
    StopSignal(String),
    /// `VOLUME [...]`; paths are literal.
    Volume(Vec<String>),
}

/// The command of a `RUN` instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellOrExec {
    /// Shell form, run by the stage's `SHELL`. One line; no `<<`, no leading `[` or `--`, no
    /// trailing backslash.
    Shell(String),
    /// Exec form, written as a JSON array; any string is accepted.
    Exec(Vec<String>),
}

/// A BuildKit `RUN --mount=...` option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunMount {
    /// `type=cache`: a persistent cache directory.
    Cache {
        /// Mount path in the container.
        target: String,
        /// Cache id (defaults to the target).
        id: Option<String>,
        /// `shared`, `private` or `locked`.
        sharing: Option<String>,
    },
    /// `type=secret`: a build secret, as a file and/or an environment variable.
    Secret {
        /// Secret id as passed to `--secret id=...`.
        id: String,
        /// File path (defaults to `/run/secrets/<id>`).
        target: Option<String>,
        /// Environment variable to expose the secret as.
        env: Option<String>,
        /// Fail the build when the secret is missing.
        required: bool,
    },
    /// `type=bind`: a read-only bind of a context, stage or image path.
    Bind {
        /// Path in the build context or in `from`.
        source: String,
        /// Mount path in the container.
        target: String,
        /// Stage or image to bind from (defaults to the build context).
        from: Option<String>,
    },
}

/// Options of `HEALTHCHECK ... CMD [...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthcheckSpec {
    /// `--interval`, a Go duration such as `30s` or `1m30s`.
    pub interval: Option<String>,
    /// `--timeout`, a Go duration.
    pub timeout: Option<String>,
    /// `--start-period`, a Go duration.
    pub start_period: Option<String>,
    /// `--retries`.
    pub retries: Option<u32>,
    /// The check's argv, written `CMD ["...", ...]`. At least one element.
    pub test: Vec<String>,
}

/// Transport protocol of an exposed port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// Why an instruction could not be written.
///
/// `field` names the offending field (e.g. `"ENV value"`), `value` is the offending input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerfileError {
    /// A line break (`\n`, `\r`, VT, FF, NEL, U+2028, U+2029) in a field that is not JSON.
    LineBreak {
        /// The field.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// Another control character in a field that is not JSON.
    ControlChar {
        /// The field.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// A name (ARG/ENV/LABEL key, stage name, env variable) that does not match its pattern.
    InvalidName {
        /// The field.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// A value outside the character set or grammar its field accepts.
    InvalidValue {
        /// The field.
        field: &'static str,
        /// The offending value.
        value: String,
        /// What the field accepts.
        expected: &'static str,
    },
    /// A required value or list is empty.
    Empty {
        /// The field.
        field: &'static str,
    },
    /// A `<<` that BuildKit could read as the start of a heredoc.
    HeredocMarker {
        /// The field.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// A value that would end the line with the escape character, continuing the instruction
    /// onto the next line.
    TrailingEscape {
        /// The field.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// A shell-form command that would be read as something else: JSON exec form (leading `[`)
    /// or a build flag (leading `--`).
    AmbiguousShellForm {
        /// The field.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// [`Instruction::Syntax`] at a position other than the first.
    MisplacedSyntax {
        /// Index of the instruction in [`Dockerfile::instructions`].
        index: usize,
    },
    /// A comment that would be read as a parser directive (`# key=value` at the top).
    DirectiveLikeComment {
        /// The comment text.
        value: String,
    },
}

impl fmt::Display for DockerfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DockerfileError::LineBreak { field, value } => {
                write!(f, "{field} {value:?} contains a line break")
            }
            DockerfileError::ControlChar { field, value } => {
                write!(f, "{field} {value:?} contains a control character")
            }
            DockerfileError::InvalidName { field, value } => write!(
                f,
                "{field} {value:?} is not a valid name (expected [A-Za-z_][A-Za-z0-9_.-]*)"
            ),
            DockerfileError::InvalidValue {
                field,
                value,
                expected,
            } => write!(f, "{field} {value:?} is invalid: expected {expected}"),
            DockerfileError::Empty { field } => write!(f, "{field} must not be empty"),
            DockerfileError::HeredocMarker { field, value } => write!(
                f,
                "{field} {value:?} contains `<<`, which could start a heredoc; use exec form"
            ),
            DockerfileError::TrailingEscape { field, value } => write!(
                f,
                "{field} {value:?} ends with a backslash, which would continue the line"
            ),
            DockerfileError::AmbiguousShellForm { field, value } => write!(
                f,
                "{field} {value:?} would not be read as a shell command (leading `[` or `--`); use exec form"
            ),
            DockerfileError::MisplacedSyntax { index } => write!(
                f,
                "the syntax directive must be the first instruction, found at index {index}"
            ),
            DockerfileError::DirectiveLikeComment { value } => write!(
                f,
                "comment {value:?} would be read as a parser directive at the top of the Dockerfile"
            ),
        }
    }
}

impl std::error::Error for DockerfileError {}

type Result<T> = std::result::Result<T, DockerfileError>;

impl Dockerfile {
    /// A Dockerfile with these instructions.
    pub fn new(instructions: Vec<Instruction>) -> Self {
        Dockerfile { instructions }
    }

    /// Writes the Dockerfile: one line per instruction, `\n`-terminated, with a blank line (and
    /// the comments directly above it) separating each build stage after the first.
    ///
    /// Fails on the first field that cannot be written without changing the file's structure;
    /// see the module documentation for the rules.
    pub fn render(&self) -> Result<String> {
        let mut lines: Vec<String> = Vec::with_capacity(self.instructions.len() + 4);
        // Whether BuildKit would still be reading parser directives at this point.
        let mut directive_zone = true;
        let mut seen_from = false;
        // Index in `lines` where the current run of comment lines started.
        let mut comment_run_start: Option<usize> = None;

        for (index, instruction) in self.instructions.iter().enumerate() {
            let line = render_instruction(instruction, index, directive_zone)?;
            check_rendered_line(&line)?;

            match instruction {
                Instruction::From { .. } => {
                    if seen_from {
                        let at = comment_run_start.unwrap_or(lines.len());
                        lines.insert(at, String::new());
                    }
                    seen_from = true;
                    comment_run_start = None;
                }
                Instruction::Comment(_) => {
                    comment_run_start.get_or_insert(lines.len());
                }
                _ => comment_run_start = None,
            }
            directive_zone = directive_zone && matches!(instruction, Instruction::Syntax(_));
            lines.push(line);
        }

        let mut out = String::new();
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
        Ok(out)
    }
}

fn render_instruction(
    instruction: &Instruction,
    index: usize,
    directive_zone: bool,
) -> Result<String> {
    match instruction {
        Instruction::Comment(text) => render_comment(text, directive_zone),
        Instruction::Syntax(frontend) => {
            if index != 0 {
                return Err(DockerfileError::MisplacedSyntax { index });
            }
            check_charset(
                "syntax frontend",
                frontend,
                is_ref_char,
                "an image reference of [A-Za-z0-9._/:@-]",
            )?;
            Ok(format!("# syntax={frontend}"))
        }
        Instruction::From {
            image,
            stage,
            platform,
        } => {
            let mut line = String::from("FROM ");
            if let Some(platform) = platform {
                check_charset(
                    "FROM --platform",
                    platform,
                    is_platform_char,
                    "a platform of [A-Za-z0-9_./${}-]",
                )?;
                line.push_str(&format!("--platform={platform} "));
            }
            check_image_ref("FROM image", image)?;
            line.push_str(image);
            if let Some(stage) = stage {
                check_stage_name("FROM stage name", stage)?;
                line.push_str(" AS ");
                line.push_str(stage);
            }
            Ok(line)
        }
        Instruction::Arg { name, default } => {
            check_name("ARG name", name)?;
            match default {
                None => Ok(format!("ARG {name}")),
                Some(value) => {
                    check_text("ARG default", value)?;
                    Ok(format!("ARG {name}={}", quote_value(value)))
                }
            }
        }
        Instruction::Env(pairs) => render_pairs("ENV", "ENV key", "ENV value", pairs),
        Instruction::Label(pairs) => render_pairs("LABEL", "LABEL key", "LABEL value", pairs),
        Instruction::Workdir(path) => {
            check_path("WORKDIR path", path)?;
            if path.trim() != path {
                return Err(DockerfileError::InvalidValue {
                    field: "WORKDIR path",
                    value: path.clone(),
                    expected: "a path without leading or trailing whitespace",
                });
            }
            check_no_trailing_escape("WORKDIR path", path)?;
            Ok(format!("WORKDIR {}", escape_word(path)))
        }
        Instruction::User(user) => {
            check_user("USER", user)?;
            Ok(format!("USER {user}"))
        }
        Instruction::Copy {
            from,
            chown,
            chmod,
            link,
            sources,
            dest,
        } => render_copy(
            from.as_deref(),
            chown.as_deref(),
            chmod.as_deref(),
            *link,
            sources,
            dest,
        ),
        Instruction::Run { mounts, command } => render_run(mounts, command),
        Instruction::Expose(ports) => {
            if ports.is_empty() {
                return Err(DockerfileError::Empty { field: "EXPOSE" });
            }
            let mut line = String::from("EXPOSE");
            for (port, protocol) in ports {
                if *port == 0 {
                    return Err(DockerfileError::InvalidValue {
                        field: "EXPOSE port",
                        value: port.to_string(),
                        expected: "a port in 1..=65535",
                    });
                }
                line.push_str(&format!(" {port}/{}", protocol.as_str()));
            }
            Ok(line)
        }
        Instruction::Healthcheck(None) => Ok("HEALTHCHECK NONE".to_owned()),
        Instruction::Healthcheck(Some(spec)) => render_healthcheck(spec),
        Instruction::Cmd(argv) => Ok(format!("CMD {}", json_array(argv))),
        Instruction::Entrypoint(argv) => Ok(format!("ENTRYPOINT {}", json_array(argv))),
        Instruction::Shell(argv) => {
            if argv.is_empty() {
                return Err(DockerfileError::Empty { field: "SHELL" });
            }
            Ok(format!("SHELL {}", json_array(argv)))
        }
        Instruction::StopSignal(signal) => {
            check_charset(
                "STOPSIGNAL",
                signal,
                |c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-'),
                "a signal name or number of [A-Za-z0-9+-]",
            )?;
            Ok(format!("STOPSIGNAL {signal}"))
        }
        Instruction::Volume(paths) => {
            if paths.is_empty() {
                return Err(DockerfileError::Empty { field: "VOLUME" });
            }
            let mut escaped = Vec::with_capacity(paths.len());
            for path in paths {
                check_path("VOLUME path", path)?;
                escaped.push(escape_word(path));
            }
            Ok(format!("VOLUME {}", json_array(&escaped)))
        }
    }
}

fn render_comment(text: &str, directive_zone: bool) -> Result<String> {
    check_text("comment", text)?;
    check_no_trailing_escape("comment", text)?;
    if directive_zone && looks_like_directive(text) {
        return Err(DockerfileError::DirectiveLikeComment {
            value: text.to_owned(),
        });
    }
    if text.is_empty() {
        Ok("#".to_owned())
    } else {
        Ok(format!("# {text}"))
    }
}

/// `key=` (BuildKit's directive grammar, without requiring a value), after optional whitespace.
fn looks_like_directive(text: &str) -> bool {
    let rest = text.trim_start();
    let mut chars = rest.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    let key_end = chars
        .find(|(_, c)| !c.is_ascii_alphanumeric())
        .map_or(rest.len(), |(i, _)| i);
    rest[key_end..].trim_start().starts_with('=')
}

fn render_pairs(
    keyword: &str,
    key_field: &'static str,
    value_field: &'static str,
    pairs: &[(String, String)],
) -> Result<String> {
    if pairs.is_empty() {
        return Err(DockerfileError::Empty { field: key_field });
    }
    let mut line = String::from(keyword);
    for (key, value) in pairs {
        check_name(key_field, key)?;
        check_text(value_field, value)?;
        line.push(' ');
        line.push_str(key);
        line.push('=');
        line.push_str(&quote_value(value));
    }
    Ok(line)
}

fn render_copy(
    from: Option<&str>,
    chown: Option<&str>,
    chmod: Option<&str>,
    link: bool,
    sources: &[String],
    dest: &str,
) -> Result<String> {
    let mut line = String::from("COPY");
    if let Some(from) = from {
        check_image_ref("COPY --from", from)?;
        line.push_str(&format!(" --from={from}"));
    }
    if let Some(chown) = chown {
        check_charset(
            "COPY --chown",
            chown,
            |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'),
            "user[:group] of [A-Za-z0-9_.:-]",
        )?;
        line.push_str(&format!(" --chown={chown}"));
    }
    if let Some(chmod) = chmod {
        check_charset(
            "COPY --chmod",
            chmod,
            |c| {
                matches!(
                    c,
                    '0'..='7'
                        | 'u'
                        | 'g'
                        | 'o'
                        | 'a'
                        | 'r'
                        | 'w'
                        | 'x'
                        | 'X'
                        | 's'
                        | 't'
                        | '+'
                        | '='
                        | ','
                        | '-'
                )
            },
            "an octal or symbolic mode",
        )?;
        line.push_str(&format!(" --chmod={chmod}"));
    }
    if link {
        line.push_str(" --link");
    }

    if sources.is_empty() {
        return Err(DockerfileError::Empty {
            field: "COPY sources",
        });
    }
    for source in sources {
        check_copy_path("COPY source", source)?;
    }
    check_copy_path("COPY destination", dest)?;
    if sources.len() > 1 && !dest.ends_with('/') {
        return Err(DockerfileError::InvalidValue {
            field: "COPY destination",
            value: dest.to_owned(),
            expected: "a directory path ending in `/` when copying several sources",
        });
    }

    // Plain form when every path is unremarkable; JSON form (with word escapes) otherwise.
    let paths: Vec<&str> = sources.iter().map(String::as_str).chain([dest]).collect();
    if paths.iter().all(|path| is_plain_path(path)) {
        for path in paths {
            line.push(' ');
            line.push_str(path);
        }
    } else {
        let escaped: Vec<String> = paths.into_iter().map(escape_word).collect();
        line.push(' ');
        line.push_str(&json_array(&escaped));
    }
    Ok(line)
}

fn check_copy_path(field: &'static str, path: &str) -> Result<()> {
    check_path(field, path)?;
    // BuildKit treats a COPY argument shaped like `<<NAME` as inline heredoc content even in JSON
    // form; refuse any `<<` rather than emulate the exact grammar.
    if path.contains("<<") {
        return Err(DockerfileError::HeredocMarker {
            field,
            value: path.to_owned(),
        });
    }
    Ok(())
}

fn render_run(mounts: &[RunMount], command: &ShellOrExec) -> Result<String> {
    let mut line = String::from("RUN");
    for mount in mounts {
        line.push_str(" --mount=");
        line.push_str(&render_mount(mount)?);
    }
    match command {
        ShellOrExec::Shell(script) => {
            check_shell_command("RUN command", script)?;
            line.push(' ');
            line.push_str(script);
        }
        ShellOrExec::Exec(argv) => {
            if argv.is_empty() {
                return Err(DockerfileError::Empty { field: "RUN argv" });
            }
            line.push(' ');
            line.push_str(&json_array(argv));
        }
    }
    Ok(line)
}

fn check_shell_command(field: &'static str, script: &str) -> Result<()> {
    check_text(field, script)?;
    let trimmed = script.trim();
    if trimmed.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    if script.contains("<<") {
        return Err(DockerfileError::HeredocMarker {
            field,
            value: script.to_owned(),
        });
    }
    if trimmed.starts_with('[') || trimmed.starts_with("--") {
        return Err(DockerfileError::AmbiguousShellForm {
            field,
            value: script.to_owned(),
        });
    }
    check_no_trailing_escape(field, script)
}

fn render_mount(mount: &RunMount) -> Result<String> {
    let mut out;
    match mount {
        RunMount::Cache {
            target,
            id,
            sharing,
        } => {
            check_mount_path("cache mount target", target)?;
            out = format!("type=cache,target={target}");
            if let Some(id) = id {
                check_mount_path("cache mount id", id)?;
                out.push_str(&format!(",id={id}"));
            }
            if let Some(sharing) = sharing {
                check_text("cache mount sharing", sharing)?;
                if !matches!(sharing.as_str(), "shared" | "private" | "locked") {
                    return Err(DockerfileError::InvalidValue {
                        field: "cache mount sharing",
                        value: sharing.clone(),
                        expected: "one of shared, private, locked",
                    });
                }
                out.push_str(&format!(",sharing={sharing}"));
            }
        }
        RunMount::Secret {
            id,
            target,
            env,
            required,
        } => {
            check_charset(
                "secret mount id",
                id,
                |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'),
                "an id of [A-Za-z0-9_.-]",
            )?;
            out = format!("type=secret,id={id}");
            if let Some(target) = target {
                check_mount_path("secret mount target", target)?;
                out.push_str(&format!(",target={target}"));
            }
            if let Some(env) = env {
                check_text("secret mount env", env)?;
                if !is_env_var_name(env) {
                    return Err(DockerfileError::InvalidName {
                        field: "secret mount env",
                        value: env.clone(),
                    });
                }
                out.push_str(&format!(",env={env}"));
            }
            if *required {
                out.push_str(",required=true");
            }
        }
        RunMount::Bind {
            source,
            target,
            from,
        } => {
            check_mount_path("bind mount source", source)?;
            check_mount_path("bind mount target", target)?;
            out = format!("type=bind,source={source},target={target}");
            if let Some(from) = from {
                check_image_ref("bind mount from", from)?;
                out.push_str(&format!(",from={from}"));
            }
        }
    }
    Ok(out)
}

fn render_healthcheck(spec: &HealthcheckSpec) -> Result<String> {
    let mut line = String::from("HEALTHCHECK");
    let durations = [
        ("interval", "HEALTHCHECK --interval", &spec.interval),
        ("timeout", "HEALTHCHECK --timeout", &spec.timeout),
        (
            "start-period",
            "HEALTHCHECK --start-period",
            &spec.start_period,
        ),
    ];
    for (flag, field, value) in durations {
        if let Some(value) = value {
            check_text(field, value)?;
            if !is_go_duration(value) {
                return Err(DockerfileError::InvalidValue {
                    field,
                    value: value.clone(),
                    expected: "a duration such as 30s, 1m30s or 500ms",
                });
            }
            line.push_str(&format!(" --{flag}={value}"));
        }
    }
    if let Some(retries) = spec.retries {
        line.push_str(&format!(" --retries={retries}"));
    }
    if spec.test.is_empty() {
        return Err(DockerfileError::Empty {
            field: "HEALTHCHECK test",
        });
    }
    line.push_str(" CMD ");
    line.push_str(&json_array(&spec.test));
    Ok(line)
}

#[cfg(test)]
mod tests;
