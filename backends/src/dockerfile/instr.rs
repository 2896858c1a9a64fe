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

// ---------------------------------------------------------------------------------------------
// Encoders

/// `"..."` with `\`, `"` and `$` backslash-escaped: BuildKit's double-quote rules read it back as
/// exactly `value`, with no variable expansion.
fn quote_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A word for fields BuildKit passes through its shell-word expander (paths): every `\`, `$`,
/// `"` and `'` gets a backslash, which the expander removes, so the word means itself.
fn escape_word(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | '$' | '"' | '\'') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One JSON string. `serde_json` escapes `"`, `\` and C0 controls; NEL, U+2028 and U+2029 are
/// escaped here too so that no line terminator of any convention appears raw.
fn json_string(value: &str) -> String {
    let encoded = serde_json::Value::String(value.to_owned()).to_string();
    if encoded.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        encoded
            .replace('\u{85}', "\\u0085")
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029")
    } else {
        encoded
    }
}

/// `["a", "b"]`.
fn json_array<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&json_string(item.as_ref()));
    }
    out.push(']');
    out
}

// ---------------------------------------------------------------------------------------------
// Checks

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// No line break (first, so that a newline always reports as such), no other control character
/// except tab.
fn check_text(field: &'static str, value: &str) -> Result<()> {
    if value.chars().any(is_line_break) {
        return Err(DockerfileError::LineBreak {
            field,
            value: value.to_owned(),
        });
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(DockerfileError::ControlChar {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

fn check_no_trailing_escape(field: &'static str, value: &str) -> Result<()> {
    if value.trim_end_matches([' ', '\t']).ends_with('\\') {
        return Err(DockerfileError::TrailingEscape {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

fn check_path(field: &'static str, path: &str) -> Result<()> {
    check_text(field, path)?;
    if path.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    Ok(())
}

fn check_charset(
    field: &'static str,
    value: &str,
    allowed: impl Fn(char) -> bool,
    expected: &'static str,
) -> Result<()> {
    check_text(field, value)?;
    if value.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    if !value.chars().all(allowed) {
        return Err(DockerfileError::InvalidValue {
            field,
            value: value.to_owned(),
            expected,
        });
    }
    Ok(())
}

/// `[A-Za-z_][A-Za-z0-9_.-]*`: ARG, ENV and LABEL keys.
fn is_name(value: &str) -> bool {
    let mut chars = value.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a POSIX environment variable name.
fn is_env_var_name(value: &str) -> bool {
    let mut chars = value.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_name(field: &'static str, value: &str) -> Result<()> {
    check_text(field, value)?;
    if value.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    if !is_name(value) {
        return Err(DockerfileError::InvalidName {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// BuildKit's stage name pattern, `[a-z][a-z0-9_.-]*`.
fn check_stage_name(field: &'static str, value: &str) -> Result<()> {
    check_text(field, value)?;
    if value.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    let mut chars = value.chars();
    let valid = matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    if !valid {
        return Err(DockerfileError::InvalidName {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

fn is_ref_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | ':' | '@' | '-')
}

fn is_platform_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-' | '$' | '{' | '}')
}

/// Characters of a plain `COPY` path: no whitespace, quotes, backslash, `$`, brackets or `<`.
fn is_plain_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '.' | '_' | '/' | '@' | ':' | '+' | ',' | '=' | '~' | '%' | '*' | '?' | '-'
        )
}

fn is_plain_path(path: &str) -> bool {
    !path.is_empty() && !path.starts_with('-') && path.chars().all(is_plain_path_char)
}

/// Characters allowed in a `--mount` option value: BuildKit reads the option as CSV, so no
/// comma, quote or `=`; no whitespace or backslash so the flag cannot end early; no `$`.
fn is_mount_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '@' | ':' | '+' | '~' | '%' | '-')
}

fn check_mount_path(field: &'static str, value: &str) -> Result<()> {
    check_charset(
        field,
        value,
        is_mount_char,
        "a path of [A-Za-z0-9._/@:+~%-] (no comma, quote, space or `$`)",
    )
}

fn check_image_ref(field: &'static str, value: &str) -> Result<()> {
    check_charset(
        field,
        value,
        is_ref_char,
        "an image reference or stage name of [A-Za-z0-9._/:@-]",
    )?;
    if value.starts_with('-') {
        return Err(DockerfileError::InvalidValue {
            field,
            value: value.to_owned(),
            expected: "an image reference or stage name not starting with `-`",
        });
    }
    Ok(())
}

fn check_user(field: &'static str, value: &str) -> Result<()> {
    check_text(field, value)?;
    if value.is_empty() {
        return Err(DockerfileError::Empty { field });
    }
    let part_ok = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    let valid = match value.split_once(':') {
        Some((user, group)) => part_ok(user) && part_ok(group),
        None => part_ok(value),
    };
    if !valid || value.starts_with('-') {
        return Err(DockerfileError::InvalidValue {
            field,
            value: value.to_owned(),
            expected: "user[:group] of [A-Za-z0-9_.-]",
        });
    }
    Ok(())
}

/// A Go `time.ParseDuration` string without sign: one or more `<number><unit>` with units
/// `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`.
fn is_go_duration(value: &str) -> bool {
    let mut rest = value;
    if rest.is_empty() {
        return false;
    }
    if rest == "0" {
        return true;
    }
    while !rest.is_empty() {
        let int_len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let mut number_len = int_len;
        let mut frac_len = 0;
        if rest[int_len..].starts_with('.') {
            frac_len = rest[int_len + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - int_len - 1);
            number_len = int_len + 1 + frac_len;
        }
        if int_len == 0 && frac_len == 0 {
            return false;
        }
        rest = &rest[number_len..];
        let unit = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .into_iter()
            .find(|unit| rest.starts_with(unit));
        match unit {
            Some(unit) => rest = &rest[unit.len()..],
            None => return false,
        }
    }
    true
}

/// The structural guarantees, checked once more on the finished line.
fn check_rendered_line(line: &str) -> Result<()> {
    if line.chars().any(is_line_break) {
        return Err(DockerfileError::LineBreak {
            field: "rendered line",
            value: line.to_owned(),
        });
    }
    check_no_trailing_escape("rendered line", line)
}

// ---------------------------------------------------------------------------------------------
// Reader

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
fn parse_directive(line: &str) -> Option<(String, &str)> {
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

fn strip_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    match trimmed.strip_suffix(escape) {
        Some(head) => (head, true),
        None => (line, false),
    }
}

/// Splits on unquoted whitespace, keeping quotes and escapes in the words.
fn raw_words(text: &str, escape: char) -> Vec<String> {
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
fn is_json_form(args: &str) -> bool {
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
fn heredoc_markers(args: &str, escape: char) -> Vec<(String, bool)> {
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
fn unquote_word(word: &str, escape: char) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    // -----------------------------------------------------------------------------------------
    // Test helpers

    fn render(instructions: Vec<Instruction>) -> Result<String> {
        Dockerfile::new(instructions).render()
    }

    fn keywords(text: &str) -> Vec<String> {
        parse_instructions(text)
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    /// Reads one `KEY="value"` pair the way BuildKit reads a double-quoted word: inside the
    /// quotes `\"`, `\$` and `\\` stand for the character, any other `\x` is kept as is.
    /// An unescaped `$` fails the test: BuildKit would expand it.
    /// Returns the key, the value and what follows the closing quote.
    fn decode_pair(args: &str) -> (String, String, String) {
        let (key, rest) = args.split_once('=').expect("KEY=");
        let mut chars = rest.strip_prefix('"').expect("opening quote").chars();
        let mut value = String::new();
        loop {
            match chars.next().expect("closing quote") {
                '"' => break,
                '$' => panic!("unescaped `$` in {args:?} would be expanded"),
                '\\' => match chars.next().expect("escaped char") {
                    c @ ('"' | '$' | '\\') => value.push(c),
                    c => {
                        value.push('\\');
                        value.push(c);
                    }
                },
                c => value.push(c),
            }
        }
        (key.to_owned(), value, chars.collect())
    }

    /// Reverses `escape_word`: a backslash stands for the next character.
    fn unescape_word(word: &str) -> String {
        let mut out = String::new();
        let mut chars = word.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                out.extend(chars.next());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Strips leading `--flag=value` words (the writer never quotes flag values).
    fn strip_flags(args: &str) -> &str {
        let mut rest = args.trim_start();
        while rest.starts_with("--") {
            rest = rest
                .split_once(' ')
                .map_or("", |(_, tail)| tail)
                .trim_start();
        }
        rest
    }

    fn json_argv(args: &str) -> Vec<String> {
        serde_json::from_str(args).unwrap_or_else(|e| panic!("not JSON argv {args:?}: {e}"))
    }

    fn s(value: &str) -> String {
        value.to_owned()
    }

    fn argv(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    // -----------------------------------------------------------------------------------------
    // Golden

    fn golden_python() -> Dockerfile {
        let pip_cache = RunMount::Cache {
            target: s("/root/.cache/pip"),
            id: Some(s("pip")),
            sharing: Some(s("locked")),
        };
        Dockerfile::new(vec![
            Instruction::Syntax(s("docker/dockerfile:1.7")),
            Instruction::Comment(s(
                "Generated by stackc from stack \"shop\"; edit the stack spec, not this file.",
            )),
            Instruction::Comment(s(
                "Build stage: a virtualenv with the app and its dependencies.",
            )),
            Instruction::From {
                image: s("python:3.12.8-slim-bookworm"),
                stage: Some(s("builder")),
                platform: None,
            },
            Instruction::Shell(argv(&["/bin/bash", "-o", "pipefail", "-c"])),
            Instruction::Arg {
                name: s("PIP_INDEX_URL"),
                default: Some(s("https://pypi.org/simple")),
            },
            Instruction::Env(vec![
                (s("PIP_DISABLE_PIP_VERSION_CHECK"), s("1")),
                (s("PYTHONDONTWRITEBYTECODE"), s("1")),
            ]),
            Instruction::Workdir(s("/src")),
            Instruction::Run {
                mounts: vec![],
                command: ShellOrExec::Exec(argv(&["python", "-m", "venv", "/opt/venv"])),
            },
            Instruction::Run {
                mounts: vec![
                    RunMount::Secret {
                        id: s("pip-conf"),
                        target: Some(s("/etc/pip.conf")),
                        env: None,
                        required: true,
                    },
                    pip_cache.clone(),
                    RunMount::Bind {
                        source: s("requirements.txt"),
                        target: s("/tmp/requirements.txt"),
                        from: None,
                    },
                ],
                command: ShellOrExec::Shell(s(
                    "/opt/venv/bin/pip install --requirement /tmp/requirements.txt",
                )),
            },
            Instruction::Copy {
                from: None,
                chown: None,
                chmod: None,
                link: false,
                sources: vec![s("pyproject.toml"), s("src/")],
                dest: s("/src/"),
            },
            Instruction::Run {
                mounts: vec![pip_cache],
                command: ShellOrExec::Shell(s("/opt/venv/bin/pip install --no-deps /src")),
            },
            Instruction::Comment(s("Runtime stage: no compilers, non-root user.")),
            Instruction::From {
                image: s("python:3.12.8-slim-bookworm"),
                stage: Some(s("runtime")),
                platform: None,
            },
            Instruction::Label(vec![
                (s("org.opencontainers.image.title"), s("shop")),
                (
                    s("org.opencontainers.image.description"),
                    s("The \"shop\" API; costs $0 to run"),
                ),
            ]),
            Instruction::Env(vec![
                (
                    s("PATH"),
                    s("/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                ),
                (s("PYTHONUNBUFFERED"), s("1")),
            ]),
            Instruction::Run {
                mounts: vec![],
                command: ShellOrExec::Exec(argv(&[
                    "useradd",
                    "--system",
                    "--no-log-init",
                    "--uid",
                    "10001",
                    "--user-group",
                    "--no-create-home",
                    "app",
                ])),
            },
            Instruction::Workdir(s("/app")),
            Instruction::Copy {
                from: Some(s("builder")),
                chown: Some(s("10001:10001")),
                chmod: None,
                link: true,
                sources: vec![s("/opt/venv")],
                dest: s("/opt/venv"),
            },
            Instruction::Copy {
                from: None,
                chown: Some(s("10001:10001")),
                chmod: Some(s("0644")),
                link: false,
                sources: vec![s("config/app settings.toml")],
                dest: s("/app/config/"),
            },
            Instruction::User(s("10001:10001")),
            Instruction::Expose(vec![(8000, Protocol::Tcp)]),
            Instruction::Volume(vec![s("/app/data")]),
            Instruction::Healthcheck(Some(HealthcheckSpec {
                interval: Some(s("30s")),
                timeout: Some(s("5s")),
                start_period: Some(s("10s")),
                retries: Some(3),
                test: argv(&[
                    "python",
                    "-c",
                    "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8000/healthz\", timeout=4)",
                ]),
            })),
            Instruction::StopSignal(s("SIGTERM")),
            Instruction::Entrypoint(argv(&["python", "-m", "uvicorn"])),
            Instruction::Cmd(argv(&[
                "shop.main:app",
                "--host",
                "0.0.0.0",
                "--port",
                "8000",
            ])),
        ])
    }

    const GOLDEN_PYTHON: &str = r#"# syntax=docker/dockerfile:1.7
# Generated by stackc from stack "shop"; edit the stack spec, not this file.
# Build stage: a virtualenv with the app and its dependencies.
FROM python:3.12.8-slim-bookworm AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG PIP_INDEX_URL="https://pypi.org/simple"
ENV PIP_DISABLE_PIP_VERSION_CHECK="1" PYTHONDONTWRITEBYTECODE="1"
WORKDIR /src
RUN ["python", "-m", "venv", "/opt/venv"]
RUN --mount=type=secret,id=pip-conf,target=/etc/pip.conf,required=true --mount=type=cache,target=/root/.cache/pip,id=pip,sharing=locked --mount=type=bind,source=requirements.txt,target=/tmp/requirements.txt /opt/venv/bin/pip install --requirement /tmp/requirements.txt
COPY pyproject.toml src/ /src/
RUN --mount=type=cache,target=/root/.cache/pip,id=pip,sharing=locked /opt/venv/bin/pip install --no-deps /src

# Runtime stage: no compilers, non-root user.
FROM python:3.12.8-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="shop" org.opencontainers.image.description="The \"shop\" API; costs \$0 to run"
ENV PATH="/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" PYTHONUNBUFFERED="1"
RUN ["useradd", "--system", "--no-log-init", "--uid", "10001", "--user-group", "--no-create-home", "app"]
WORKDIR /app
COPY --from=builder --chown=10001:10001 --link /opt/venv /opt/venv
COPY --chown=10001:10001 --chmod=0644 ["config/app settings.toml", "/app/config/"]
USER 10001:10001
EXPOSE 8000/tcp
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["python", "-c", "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8000/healthz\", timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "uvicorn"]
CMD ["shop.main:app", "--host", "0.0.0.0", "--port", "8000"]
"#;

    #[test]
    fn golden_multi_stage_python() {
        let rendered = golden_python().render().expect("golden renders");
        assert_eq!(rendered, GOLDEN_PYTHON);
    }

    #[test]
    fn golden_reads_back_as_the_modelled_instructions() {
        let rendered = golden_python().render().expect("golden renders");
        let expected: Vec<String> = golden_python()
            .instructions
            .iter()
            .filter_map(keyword_of)
            .map(str::to_owned)
            .collect();
        assert_eq!(keywords(&rendered), expected);
    }

    /// Writes the golden file for a manual `hadolint --failure-threshold warning` run:
    /// `cargo test -p stackc-backends golden_to_tmp -- --ignored`.
    #[test]
    #[ignore = "writes a file for a manual hadolint run"]
    fn golden_to_tmp() {
        let path = std::env::temp_dir().join("stackc-golden-python.Dockerfile");
        std::fs::write(&path, golden_python().render().expect("golden renders"))
            .expect("write golden");
        eprintln!("wrote {}", path.display());
    }

    /// The keyword `parse_instructions` reports for an instruction; `None` for comments.
    fn keyword_of(instruction: &Instruction) -> Option<&'static str> {
        Some(match instruction {
            Instruction::Comment(_) => return None,
            Instruction::Syntax(_) => "SYNTAX",
            Instruction::From { .. } => "FROM",
            Instruction::Arg { .. } => "ARG",
            Instruction::Env(_) => "ENV",
            Instruction::Label(_) => "LABEL",
            Instruction::Workdir(_) => "WORKDIR",
            Instruction::User(_) => "USER",
            Instruction::Copy { .. } => "COPY",
            Instruction::Run { .. } => "RUN",
            Instruction::Expose(_) => "EXPOSE",
            Instruction::Healthcheck(_) => "HEALTHCHECK",
            Instruction::Cmd(_) => "CMD",
            Instruction::Entrypoint(_) => "ENTRYPOINT",
            Instruction::Shell(_) => "SHELL",
            Instruction::StopSignal(_) => "STOPSIGNAL",
            Instruction::Volume(_) => "VOLUME",
        })
    }

    // -----------------------------------------------------------------------------------------
    // Hostile corpus

    /// What a position must do with a hostile value.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Want {
        /// Renders, reads back as the same instructions, and decodes to the original.
        Ok,
        LineBreak,
        ControlChar,
        Heredoc,
        Trailing,
        Ambiguous,
        Empty,
    }

    fn error_kind(error: &DockerfileError) -> Want {
        match error {
            DockerfileError::LineBreak { .. } => Want::LineBreak,
            DockerfileError::ControlChar { .. } => Want::ControlChar,
            DockerfileError::HeredocMarker { .. } => Want::Heredoc,
            DockerfileError::TrailingEscape { .. } => Want::Trailing,
            DockerfileError::AmbiguousShellForm { .. } => Want::Ambiguous,
            DockerfileError::Empty { .. } => Want::Empty,
            other => panic!("unexpected error kind {other:?}"),
        }
    }

    /// A hostile value and what each non-JSON position must do with it. JSON positions (CMD,
    /// ENTRYPOINT, RUN exec, HEALTHCHECK test) accept every value.
    struct Case {
        value: &'static str,
        /// ENV and LABEL values, ARG defaults.
        quoted: Want,
        /// COPY sources.
        copy: Want,
        /// RUN shell form.
        shell: Want,
    }

    const fn case(value: &'static str, quoted: Want, copy: Want, shell: Want) -> Case {
        Case {
            value,
            quoted,
            copy,
            shell,
        }
    }

    use Want::{
        Ambiguous, ControlChar as Ctl, Empty, Heredoc, LineBreak as Lb, Ok as Fine, Trailing,
    };

    const CORPUS: &[Case] = &[
        case("line1\nRUN echo pwned", Lb, Lb, Lb),
        case("carriage\rRUN echo pwned", Lb, Lb, Lb),
        case("crlf\r\nRUN echo pwned", Lb, Lb, Lb),
        case("escaped newline \\\nRUN echo pwned", Lb, Lb, Lb),
        case("vertical\u{0b}tab", Lb, Lb, Lb),
        case("form\u{0c}feed", Lb, Lb, Lb),
        case("next\u{85}line", Lb, Lb, Lb),
        case("unicode\u{2028}line separator", Lb, Lb, Lb),
        case("paragraph\u{2029}separator", Lb, Lb, Lb),
        case("nul\u{0}byte", Ctl, Ctl, Ctl),
        case("escape\u{1b}[31mred", Ctl, Ctl, Ctl),
        case("say \"hi\" \"unterminated", Fine, Fine, Fine),
        case("'single' quotes", Fine, Fine, Fine),
        case("back\\slash", Fine, Fine, Fine),
        case("trailing\\", Fine, Fine, Trailing),
        case("trailing backslash and blanks\\ \t ", Fine, Fine, Trailing),
        case("\\", Fine, Fine, Trailing),
        case("\\\\", Fine, Fine, Trailing),
        case("$HOME", Fine, Fine, Fine),
        case("${PATH}", Fine, Fine, Fine),
        case("${X:-default value}", Fine, Fine, Fine),
        case("\\$HOME", Fine, Fine, Fine),
        case("$", Fine, Fine, Fine),
        case("<<EOF", Fine, Heredoc, Heredoc),
        case("cat <<-'EOF' > /etc/passwd", Fine, Heredoc, Heredoc),
        case("2<<EOF", Fine, Heredoc, Heredoc),
        case("# comment", Fine, Fine, Fine),
        case("#", Fine, Fine, Fine),
        case("ünïcødé ✓ 日本語 🚀", Fine, Fine, Fine),
        case("true && rm -rf /", Fine, Fine, Fine),
        case("a; b | c > d", Fine, Fine, Fine),
        case("", Fine, Empty, Empty),
        case("   ", Fine, Fine, Empty),
        case("[\"json\", \"array\"]", Fine, Fine, Ambiguous),
        case(
            "--mount=type=bind,source=/,target=/host",
            Fine,
            Fine,
            Ambiguous,
        ),
        case("--network=host wget example.invalid", Fine, Fine, Ambiguous),
        case("`backtick` and \\`", Fine, Fine, Fine),
        case("ENV INJECTED=1", Fine, Fine, Fine),
        case("escape=`", Fine, Fine, Fine),
        case("tab\tseparated", Fine, Fine, Fine),
        case(" leading and trailing spaces ", Fine, Fine, Fine),
        case("-", Fine, Fine, Fine),
        case("*.py", Fine, Fine, Fine),
    ];

    const PROLOGUE: [&str; 2] = ["SYNTAX", "FROM"];

    fn with_prologue(instruction: Instruction) -> Vec<Instruction> {
        vec![
            Instruction::Syntax(s("docker/dockerfile:1")),
            Instruction::From {
                image: s("debian:12.8-slim"),
                stage: Some(s("base")),
                platform: None,
            },
            instruction,
            Instruction::Cmd(argv(&["true"])),
        ]
    }

    /// Renders `instruction` between a fixed prologue and a trailing CMD and returns the
    /// arguments of the middle instruction, after checking that the reader sees exactly
    /// SYNTAX, FROM, `keyword`, CMD.
    fn render_middle(instruction: Instruction, keyword: &str) -> Result<String> {
        let text = render(with_prologue(instruction))?;
        let parsed = parse_instructions(&text);
        let got: Vec<&str> = parsed.iter().map(|(k, _)| k.as_str()).collect();
        let want: Vec<&str> = PROLOGUE.iter().copied().chain([keyword, "CMD"]).collect();
        assert_eq!(got, want, "instruction list changed; rendered:\n{text}");
        assert_eq!(
            parsed[3].1, "[\"true\"]",
            "the trailing CMD was altered:\n{text}"
        );
        Ok(parsed[2].1.clone())
    }

    fn check_outcome<T: fmt::Debug>(
        position: &str,
        value: &str,
        want: Want,
        got: Result<T>,
    ) -> Option<T> {
        match (want, got) {
            (Want::Ok, Ok(v)) => Some(v),
            (Want::Ok, Err(e)) => panic!("{position} {value:?}: expected success, got {e:?}"),
            (want, Ok(v)) => panic!("{position} {value:?}: expected {want:?}, rendered {v:?}"),
            (want, Err(e)) => {
                assert_eq!(error_kind(&e), want, "{position} {value:?}: {e:?}");
                None
            }
        }
    }

    #[test]
    fn corpus_is_large_enough() {
        assert!(CORPUS.len() >= 20);
    }

    #[test]
    fn hostile_env_values_stay_one_instruction_and_decode_back() {
        for case in CORPUS {
            let got = render_middle(Instruction::Env(vec![(s("HOSTILE"), s(case.value))]), "ENV");
            if let Some(args) = check_outcome("ENV value", case.value, case.quoted, got) {
                let (key, value, rest) = decode_pair(&args);
                assert_eq!(key, "HOSTILE");
                assert_eq!(value, case.value, "ENV value does not decode back");
                assert_eq!(rest, "", "trailing text after the ENV value");
            }
        }
    }

    #[test]
    fn hostile_label_values_stay_one_instruction_and_decode_back() {
        for case in CORPUS {
            let got = render_middle(
                Instruction::Label(vec![
                    (s("org.example.hostile"), s(case.value)),
                    (s("org.example.after"), s("ok")),
                ]),
                "LABEL",
            );
            if let Some(args) = check_outcome("LABEL value", case.value, case.quoted, got) {
                let (key, value, rest) = decode_pair(&args);
                assert_eq!(key, "org.example.hostile");
                assert_eq!(value, case.value, "LABEL value does not decode back");
                let (key, value, rest) = decode_pair(rest.trim_start());
                assert_eq!(
                    (key.as_str(), value.as_str(), rest.as_str()),
                    ("org.example.after", "ok", "")
                );
            }
        }
    }

    #[test]
    fn hostile_arg_defaults_stay_one_instruction_and_decode_back() {
        for case in CORPUS {
            let got = render_middle(
                Instruction::Arg {
                    name: s("HOSTILE"),
                    default: Some(s(case.value)),
                },
                "ARG",
            );
            if let Some(args) = check_outcome("ARG default", case.value, case.quoted, got) {
                let (key, value, rest) = decode_pair(&args);
                assert_eq!((key.as_str(), rest.as_str()), ("HOSTILE", ""));
                assert_eq!(value, case.value);
            }
        }
    }

    #[test]
    fn hostile_exec_argv_is_always_json_and_round_trips() {
        for case in CORPUS {
            let hostile = argv(&["/bin/tool", case.value, "--after"]);
            let args = render_middle(Instruction::Cmd(hostile.clone()), "CMD").expect("CMD");
            assert_eq!(json_argv(&args), hostile);

            let args =
                render_middle(Instruction::Entrypoint(hostile.clone()), "ENTRYPOINT").unwrap();
            assert_eq!(json_argv(&args), hostile);

            let args = render_middle(
                Instruction::Run {
                    mounts: vec![RunMount::Cache {
                        target: s("/root/.cache"),
                        id: None,
                        sharing: None,
                    }],
                    command: ShellOrExec::Exec(hostile.clone()),
                },
                "RUN",
            )
            .expect("RUN exec");
            assert_eq!(json_argv(strip_flags(&args)), hostile);

            let args = render_middle(
                Instruction::Healthcheck(Some(HealthcheckSpec {
                    interval: Some(s("10s")),
                    timeout: None,
                    start_period: None,
                    retries: Some(2),
                    test: hostile.clone(),
                })),
                "HEALTHCHECK",
            )
            .expect("HEALTHCHECK");
            let test = strip_flags(&args).strip_prefix("CMD ").expect("CMD");
            assert_eq!(json_argv(test), hostile);

            let args = render_middle(Instruction::Shell(hostile.clone()), "SHELL").expect("SHELL");
            assert_eq!(json_argv(&args), hostile);
        }
    }

    #[test]
    fn json_never_contains_a_raw_line_terminator() {
        for case in CORPUS {
            let line = json_array(&[case.value]);
            assert!(!line.contains(is_line_break), "{line:?}");
            assert_eq!(json_argv(&line), vec![case.value.to_owned()]);
        }
    }

    /// Reads a rendered COPY's paths back: JSON form decoded and unescaped, or plain words.
    fn copy_paths(args: &str) -> Vec<String> {
        let rest = strip_flags(args);
        if rest.starts_with('[') {
            json_argv(rest).iter().map(|p| unescape_word(p)).collect()
        } else {
            rest.split(' ').map(str::to_owned).collect()
        }
    }

    #[test]
    fn hostile_copy_sources_stay_one_instruction_and_mean_themselves() {
        for case in CORPUS {
            let got = render_middle(
                Instruction::Copy {
                    from: Some(s("base")),
                    chown: Some(s("app:app")),
                    chmod: None,
                    link: true,
                    sources: vec![s(case.value), s("other")],
                    dest: s("/dest/"),
                },
                "COPY",
            );
            if let Some(args) = check_outcome("COPY source", case.value, case.copy, got) {
                assert_eq!(copy_paths(&args), argv(&[case.value, "other", "/dest/"]));
            }
            // The same value as the destination (single source).
            let got = render_middle(
                Instruction::Copy {
                    from: None,
                    chown: None,
                    chmod: None,
                    link: false,
                    sources: vec![s("src")],
                    dest: s(case.value),
                },
                "COPY",
            );
            if let Some(args) = check_outcome("COPY destination", case.value, case.copy, got) {
                assert_eq!(copy_paths(&args), argv(&["src", case.value]));
            }
        }
    }

    #[test]
    fn hostile_volume_paths_stay_one_instruction() {
        for case in CORPUS {
            let want = match case.copy {
                Heredoc => Fine, // VOLUME has no heredocs
                other => other,
            };
            let got = render_middle(Instruction::Volume(vec![s(case.value)]), "VOLUME");
            if let Some(args) = check_outcome("VOLUME path", case.value, want, got) {
                let paths: Vec<String> =
                    json_argv(&args).iter().map(|p| unescape_word(p)).collect();
                assert_eq!(paths, vec![case.value.to_owned()]);
            }
        }
    }

    #[test]
    fn hostile_run_shell_commands_are_refused_or_stay_one_instruction() {
        for case in CORPUS {
            let got = render_middle(
                Instruction::Run {
                    mounts: vec![],
                    command: ShellOrExec::Shell(s(case.value)),
                },
                "RUN",
            );
            if let Some(args) = check_outcome("RUN shell", case.value, case.shell, got) {
                assert_eq!(args, case.value.trim());
            }
        }
    }

    #[test]
    fn hostile_comments_are_refused_or_stay_comments() {
        for case in CORPUS {
            let text = render(with_prologue(Instruction::Comment(s(case.value))));
            match text {
                Ok(text) => assert_eq!(
                    keywords(&text),
                    ["SYNTAX", "FROM", "CMD"],
                    "comment {:?} changed the file:\n{text}",
                    case.value
                ),
                Err(e) => assert!(
                    matches!(
                        e,
                        DockerfileError::LineBreak { .. }
                            | DockerfileError::ControlChar { .. }
                            | DockerfileError::TrailingEscape { .. }
                    ),
                    "{e:?}"
                ),
            }
        }
    }

    #[test]
    fn hostile_workdir_paths_are_refused_or_stay_one_instruction() {
        for case in CORPUS {
            match render_middle(Instruction::Workdir(s(case.value)), "WORKDIR") {
                Ok(args) => assert_eq!(unescape_word(&args), case.value),
                Err(e) => assert!(
                    matches!(
                        e,
                        DockerfileError::LineBreak { .. }
                            | DockerfileError::ControlChar { .. }
                            | DockerfileError::TrailingEscape { .. }
                            | DockerfileError::Empty { .. }
                            | DockerfileError::InvalidValue { .. }
                    ),
                    "{e:?}"
                ),
            }
        }
    }

    /// Names and flag values only accept their character sets, so every hostile value that is
    /// not a plain token is refused.
    #[test]
    fn hostile_names_and_flag_values_are_refused() {
        for case in CORPUS {
            let v = case.value;
            let plain = !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            let results = [
                render(with_prologue(Instruction::Env(vec![(s(v), s("x"))]))),
                render(with_prologue(Instruction::Label(vec![(s(v), s("x"))]))),
                render(with_prologue(Instruction::Arg {
                    name: s(v),
                    default: None,
                })),
                render(with_prologue(Instruction::User(s(v)))),
                render(with_prologue(Instruction::StopSignal(s(v)))),
                render(with_prologue(Instruction::Run {
                    mounts: vec![RunMount::Cache {
                        target: s(v),
                        id: None,
                        sharing: None,
                    }],
                    command: ShellOrExec::Exec(argv(&["true"])),
                })),
                render(with_prologue(Instruction::Copy {
                    from: Some(s(v)),
                    chown: None,
                    chmod: None,
                    link: false,
                    sources: vec![s("a")],
                    dest: s("b"),
                })),
            ];
            for result in results {
                match result {
                    Ok(text) => {
                        assert!(plain, "{v:?} accepted:\n{text}");
                        assert_eq!(keywords(&text).len(), 4, "{text}");
                    }
                    Err(e) => {
                        if v.chars().any(is_line_break) {
                            assert!(matches!(e, DockerfileError::LineBreak { .. }), "{e:?}");
                        }
                    }
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Specific rules

    #[test]
    fn quoting_escapes_backslash_quote_and_dollar() {
        assert_eq!(quote_value(r#"a\b"c$d"#), r#""a\\b\"c\$d""#);
        assert_eq!(quote_value(""), r#""""#);
        assert_eq!(quote_value("trailing\\"), r#""trailing\\""#);
    }

    #[test]
    fn env_line_is_exact() {
        let text = render(vec![Instruction::Env(vec![
            (s("A"), s("x y")),
            (s("B"), s("${A}")),
        ])])
        .unwrap();
        assert_eq!(text, "ENV A=\"x y\" B=\"\\${A}\"\n");
    }

    #[test]
    fn names_follow_the_pattern() {
        for good in ["A", "_x", "a.b-c_9", "org.opencontainers.image.title"] {
            assert!(is_name(good), "{good}");
        }
        for bad in ["", "1A", "A B", "A=B", "-a", ".a", "a$", "a\"", "ä"] {
            let got = render(vec![Instruction::Env(vec![(s(bad), s("v"))])]);
            assert!(
                matches!(
                    got,
                    Err(DockerfileError::InvalidName {
                        field: "ENV key",
                        ..
                    }) | Err(DockerfileError::Empty { field: "ENV key" })
                ),
                "{bad:?}: {got:?}"
            );
        }
    }

    #[test]
    fn stage_names_follow_buildkit() {
        let from = |stage: &str| Instruction::From {
            image: s("alpine:3.20"),
            stage: Some(s(stage)),
            platform: None,
        };
        assert!(render(vec![from("build-1.x_y")]).is_ok());
        for bad in ["Build", "1st", "a b", "a\nFROM x", "a$"] {
            assert!(render(vec![from(bad)]).is_err(), "{bad:?}");
        }
        assert!(matches!(
            render(vec![from("a\nRUN x")]),
            Err(DockerfileError::LineBreak {
                field: "FROM stage name",
                ..
            })
        ));
    }

    #[test]
    fn from_with_platform() {
        let text = render(vec![Instruction::From {
            image: s("golang:1.23.4-bookworm"),
            stage: Some(s("build")),
            platform: Some(s("$BUILDPLATFORM")),
        }])
        .unwrap();
        assert_eq!(
            text,
            "FROM --platform=$BUILDPLATFORM golang:1.23.4-bookworm AS build\n"
        );
        let bad = render(vec![Instruction::From {
            image: s("alpine AS evil"),
            stage: None,
            platform: None,
        }]);
        assert!(matches!(
            bad,
            Err(DockerfileError::InvalidValue {
                field: "FROM image",
                ..
            })
        ));
    }

    #[test]
    fn syntax_must_be_first() {
        let text = render(vec![
            Instruction::Syntax(s("docker/dockerfile:1")),
            Instruction::From {
                image: s("alpine:3.20"),
                stage: None,
                platform: None,
            },
        ])
        .unwrap();
        assert_eq!(text, "# syntax=docker/dockerfile:1\nFROM alpine:3.20\n");
        assert_eq!(
            parse_instructions(&text),
            vec![
                (s("SYNTAX"), s("docker/dockerfile:1")),
                (s("FROM"), s("alpine:3.20"))
            ]
        );
        let late = render(vec![
            Instruction::Comment(s("hello")),
            Instruction::Syntax(s("docker/dockerfile:1")),
        ]);
        assert_eq!(late, Err(DockerfileError::MisplacedSyntax { index: 1 }));
        let bad = render(vec![Instruction::Syntax(s("evil\nRUN x"))]);
        assert!(matches!(bad, Err(DockerfileError::LineBreak { .. })));
    }

    #[test]
    fn directive_like_comments_are_refused_at_the_top_only() {
        for text in [
            "escape=`",
            " syntax = evil/frontend",
            "check=skip=all",
            "foo=bar",
        ] {
            let first = render(vec![Instruction::Comment(s(text))]);
            assert!(
                matches!(first, Err(DockerfileError::DirectiveLikeComment { .. })),
                "{text:?}: {first:?}"
            );
            let after_syntax = render(vec![
                Instruction::Syntax(s("docker/dockerfile:1")),
                Instruction::Comment(s(text)),
            ]);
            assert!(
                matches!(
                    after_syntax,
                    Err(DockerfileError::DirectiveLikeComment { .. })
                ),
                "{text:?}"
            );
            let later = render(vec![
                Instruction::From {
                    image: s("alpine:3.20"),
                    stage: None,
                    platform: None,
                },
                Instruction::Comment(s(text)),
            ])
            .unwrap();
            assert_eq!(keywords(&later), ["FROM"]);
        }
        // Not directive-shaped: fine at the top.
        assert!(render(vec![Instruction::Comment(s("built by stackc: a=b"))]).is_ok());
    }

    #[test]
    fn run_mounts_render_and_validate() {
        let text = render(vec![Instruction::Run {
            mounts: vec![
                RunMount::Secret {
                    id: s("npmrc"),
                    target: None,
                    env: Some(s("NPM_TOKEN")),
                    required: false,
                },
                RunMount::Bind {
                    source: s("/out"),
                    target: s("/in"),
                    from: Some(s("builder")),
                },
            ],
            command: ShellOrExec::Exec(argv(&["npm", "ci"])),
        }])
        .unwrap();
        assert_eq!(
            text,
            "RUN --mount=type=secret,id=npmrc,env=NPM_TOKEN --mount=type=bind,source=/out,target=/in,from=builder [\"npm\", \"ci\"]\n"
        );
        let cache = |target: &str, id: Option<&str>, sharing: Option<&str>| {
            render(vec![Instruction::Run {
                mounts: vec![RunMount::Cache {
                    target: s(target),
                    id: id.map(s),
                    sharing: sharing.map(s),
                }],
                command: ShellOrExec::Exec(argv(&["true"])),
            }])
        };
        assert!(cache("/c", Some("go-build"), Some("private")).is_ok());
        for bad_target in ["/a,b", "/a b", "/a\"b", "/a=b", "/$X", ""] {
            assert!(cache(bad_target, None, None).is_err(), "{bad_target:?}");
        }
        assert!(matches!(
            cache("/c", None, Some("exclusive")),
            Err(DockerfileError::InvalidValue {
                field: "cache mount sharing",
                ..
            })
        ));
        assert!(matches!(
            cache("/c", Some("x,type=bind"), None),
            Err(DockerfileError::InvalidValue {
                field: "cache mount id",
                ..
            })
        ));
        let secret_env = render(vec![Instruction::Run {
            mounts: vec![RunMount::Secret {
                id: s("t"),
                target: None,
                env: Some(s("A-B")),
                required: true,
            }],
            command: ShellOrExec::Exec(argv(&["true"])),
        }]);
        assert!(matches!(
            secret_env,
            Err(DockerfileError::InvalidName {
                field: "secret mount env",
                ..
            })
        ));
    }

    #[test]
    fn copy_forms() {
        let copy = |sources: &[&str], dest: &str| {
            render(vec![Instruction::Copy {
                from: None,
                chown: None,
                chmod: None,
                link: false,
                sources: argv(sources),
                dest: s(dest),
            }])
        };
        assert_eq!(copy(&["a.txt"], "/b").unwrap(), "COPY a.txt /b\n");
        assert_eq!(
            copy(&["my file"], "/b").unwrap(),
            "COPY [\"my file\", \"/b\"]\n"
        );
        assert_eq!(
            copy(&["$HOME/x"], "/b").unwrap(),
            "COPY [\"\\\\$HOME/x\", \"/b\"]\n"
        );
        assert_eq!(
            copy(&["--from=x"], "/b").unwrap(),
            "COPY [\"--from=x\", \"/b\"]\n"
        );
        assert!(matches!(
            copy(&["a", "b"], "/c"),
            Err(DockerfileError::InvalidValue {
                field: "COPY destination",
                ..
            })
        ));
        assert!(matches!(
            copy(&[], "/c"),
            Err(DockerfileError::Empty { .. })
        ));
        let flags = |chown: &str, chmod: &str| {
            render(vec![Instruction::Copy {
                from: None,
                chown: Some(s(chown)),
                chmod: Some(s(chmod)),
                link: false,
                sources: argv(&["a"]),
                dest: s("/b"),
            }])
        };
        assert!(flags("1000:1000", "u=rwx,go=rx").is_ok());
        assert!(flags("app app", "0644").is_err());
        assert!(flags("app", "0644 --from=x").is_err());
    }

    #[test]
    fn user_stopsignal_healthcheck_expose_validation() {
        assert!(render(vec![Instruction::User(s("app:staff"))]).is_ok());
        for bad in ["", "a b", "a:", ":b", "root\nUSER x", "a:b:c", "-x"] {
            assert!(render(vec![Instruction::User(s(bad))]).is_err(), "{bad:?}");
        }
        assert!(render(vec![Instruction::StopSignal(s("SIGRTMIN+3"))]).is_ok());
        assert!(render(vec![Instruction::StopSignal(s("SIGTERM extra"))]).is_err());

        let health = |interval: &str| {
            render(vec![Instruction::Healthcheck(Some(HealthcheckSpec {
                interval: Some(s(interval)),
                timeout: None,
                start_period: None,
                retries: None,
                test: argv(&["true"]),
            }))])
        };
        for good in ["30s", "1m30s", "1.5h", "500ms", "250µs", "0"] {
            assert!(health(good).is_ok(), "{good}");
        }
        for bad in ["", "30", "s", "30s --retries=0", "-1s", "1d", "1.s.s"] {
            assert!(health(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            render(vec![Instruction::Healthcheck(None)]).unwrap(),
            "HEALTHCHECK NONE\n"
        );
        assert!(matches!(
            render(vec![Instruction::Healthcheck(Some(HealthcheckSpec {
                interval: None,
                timeout: None,
                start_period: None,
                retries: None,
                test: vec![],
            }))]),
            Err(DockerfileError::Empty {
                field: "HEALTHCHECK test"
            })
        ));
        assert_eq!(
            render(vec![Instruction::Expose(vec![
                (80, Protocol::Tcp),
                (53, Protocol::Udp)
            ])])
            .unwrap(),
            "EXPOSE 80/tcp 53/udp\n"
        );
        assert!(render(vec![Instruction::Expose(vec![(0, Protocol::Tcp)])]).is_err());
        assert!(render(vec![Instruction::Expose(vec![])]).is_err());
    }

    #[test]
    fn empty_exec_forms() {
        assert_eq!(render(vec![Instruction::Cmd(vec![])]).unwrap(), "CMD []\n");
        assert!(matches!(
            render(vec![Instruction::Run {
                mounts: vec![],
                command: ShellOrExec::Exec(vec![]),
            }]),
            Err(DockerfileError::Empty { field: "RUN argv" })
        ));
        assert!(render(vec![Instruction::Shell(vec![])]).is_err());
        assert!(render(vec![Instruction::Volume(vec![])]).is_err());
        assert!(render(vec![Instruction::Env(vec![])]).is_err());
    }

    #[test]
    fn errors_display_without_raw_newlines() {
        let error = DockerfileError::LineBreak {
            field: "ENV value",
            value: s("a\nRUN x"),
        };
        let shown = error.to_string();
        assert!(!shown.contains('\n'), "{shown}");
        assert!(shown.contains("ENV value"));
    }

    // -----------------------------------------------------------------------------------------
    // The reader itself

    #[test]
    fn reader_joins_continuations_and_skips_comments() {
        let text = "# syntax=docker/dockerfile:1\n\
                    # a comment\n\
                    FROM alpine:3.20\n\
                    RUN apk add \\\n\
                    # inner comment\n\
                    \n\
                    \x20   curl \\  \n\
                    \x20   jq\n\
                    \x20 cmd [\"sh\"]\n";
        assert_eq!(
            parse_instructions(text),
            vec![
                (s("SYNTAX"), s("docker/dockerfile:1")),
                (s("FROM"), s("alpine:3.20")),
                (s("RUN"), s("apk add     curl     jq")),
                (s("CMD"), s("[\"sh\"]")),
            ]
        );
    }

    #[test]
    fn reader_understands_heredocs() {
        let text = "FROM alpine:3.20\n\
                    RUN <<EOF\n\
                    echo hi\n\
                    FROM evil\n\
                    EOF\n\
                    COPY <<-\"A\" <<B /dst/\n\
                    \tbody a\n\
                    \tA\n\
                    body b\n\
                    B\n\
                    RUN [\"echo\", \"<<EOF\"]\n\
                    RUN echo \"<<NOT\" done\n\
                    CMD [\"x\"]\n";
        let parsed = parse_instructions(text);
        let kws: Vec<&str> = parsed.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kws, ["FROM", "RUN", "COPY", "RUN", "RUN", "CMD"]);
        assert_eq!(parsed[1].1, "<<EOF\necho hi\nFROM evil\nEOF");
        assert_eq!(parsed[2].1, "<<-\"A\" <<B /dst/\n\tbody a\nA\nbody b\nB");
    }

    #[test]
    fn reader_sees_what_an_unguarded_writer_would_inject() {
        // The attacks the writer refuses, written by hand, do change the instruction list: the
        // reader is sharp enough for the corpus tests to mean something.
        let injected = [
            "FROM a\nENV X=\"1\"\nRUN evil\nCMD [\"true\"]\n",
            "FROM a\nRUN echo \\\nCMD [\"true\"]\n",
            "FROM a\nRUN cat <<EOF\nCMD [\"true\"]\n",
        ];
        assert_eq!(keywords(injected[0]), ["FROM", "ENV", "RUN", "CMD"]);
        assert_eq!(keywords(injected[1]), ["FROM", "RUN"]);
        assert_eq!(keywords(injected[2]), ["FROM", "RUN"]);
        assert_eq!(
            parse_instructions("# escape=`\nFROM a\nRUN x `\n  y\n"),
            vec![
                (s("ESCAPE"), s("`")),
                (s("FROM"), s("a")),
                (s("RUN"), s("x   y"))
            ]
        );
    }
}
