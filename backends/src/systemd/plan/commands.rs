//! Commands, entrypoints and health checks, and the secrets their arguments use.
//!
//! A secret in an argument is never written into a unit: it reaches the container as an
//! environment variable ([`ShellVar`], delivered by [`super::secrets::lower_env`] like any
//! secret variable) and the container's `/bin/sh` expands it at run time:
//!
//! * in the script of `SHELL -c SCRIPT` (the shell form, or an argv starting with `sh`, `bash`,
//!   ... and `-c`), each secret becomes an expansion that is right in its quoting context
//!   ([`shell::substitute`]); nothing else changes;
//! * anywhere else, the argv runs as `/bin/sh -c 'exec ARG...'`, each argument quoted and each
//!   secret `"$VAR"` ([`shell::exec_line`]); an entrypoint passes the command on (`"$@"`), and
//!   when the command itself holds a secret the two are one line. This needs `/bin/sh` in the
//!   image: a loss entry says so. A health check runs that way too.
//!
//! What cannot be said is `STK052`: a secret where no shell expands a variable (a quoted
//! here-document), and a secret in the arguments of a command when the spec names no
//! entrypoint. Those arguments go to the image's entrypoint, which a shell would have to start
//! (and the spec does not say what it is); putting `/bin/sh` in its place would hand the image's
//! entrypoint a shell command line as its arguments. The script of a `sh -c` command is fine:
//! the image's entrypoint receives `sh -c SCRIPT` as it would under compose.
//!
//! The variable is `STACKC_SECRET_<ENV_NAME>`, the name the Kubernetes backend uses for the
//! same purpose; when the service's own environment has a variable of that name holding
//! something else, `_` is appended until the name is free.
//!

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{Command, SecretId, Segment, Service, Value};

use super::shell::{self, Part};
use crate::output::Outcome;
use crate::systemd::Emitter;

/// The prefix of the variables that carry secrets into commands (as on Kubernetes).
pub(crate) const SECRET_VAR_PREFIX: &str = "STACKC_SECRET_";

/// A secret a command of the service reads from the environment variable `name`.
#[derive(Clone, Debug)]
pub(crate) struct ShellVar {
    pub id: SecretId,
    pub name: String,
    /// The service's own environment already sets `name` to exactly this secret.
    pub own: bool,
    /// The first argument that uses it.
    pub span: Span,
}

/// Words of an argv: text and secrets.
type Words = Vec<Vec<Part>>;

/// The secrets used by the service's entrypoint, command and health check, in order.
pub(crate) fn secrets_in_commands(svc: &Service) -> Vec<(SecretId, Span)> {
    let commands = [
        svc.entrypoint.as_ref(),
        svc.command.as_ref(),
        svc.health.as_ref().and_then(|h| h.cmd.as_ref()),
    ];
    let mut out: Vec<(SecretId, Span)> = Vec::new();
    for c in commands.into_iter().flatten() {
        for a in &c.args {
            for seg in &a.segments {
                if let Segment::Secret(id) = seg
                    && !out.iter().any(|(x, _)| x == id)
                {
                    out.push((*id, a.span));
                }
            }
        }
    }
    out
}

/// The variable of each secret the service's commands use (see the module).
pub(crate) fn shell_vars(e: &Emitter, svc: &Service) -> Vec<ShellVar> {
    let mut out: Vec<ShellVar> = Vec::new();
    for (id, span) in secrets_in_commands(svc) {
        let mut name = format!("{SECRET_VAR_PREFIX}{}", e.stack.secret(id).env_name);
        let own = svc
            .env
            .iter()
            .any(|ev| ev.key.value == name && ev.value.as_single_secret() == Some(id));
        if !own {
            while svc.env.iter().any(|ev| ev.key.value == name)
                || out.iter().any(|v| v.name == name)
            {
                name.push('_');
            }
        }
        out.push(ShellVar {
            id,
            name,
            own,
            span,
        });
    }
    out
}

/// The entrypoint and command of a service as the container runs them.
pub(crate) struct Process {
    pub entrypoint: Option<Vec<String>>,
    pub command: Option<Vec<String>>,
}

impl Emitter<'_> {
    /// The entrypoint and command, secrets read through the shell; `None` parts after an error.
    pub(crate) fn process(&mut self, svc: &Service, vars: &[ShellVar]) -> Process {
        let ep = svc
            .entrypoint
            .as_ref()
            .and_then(|c| self.words(svc, c, "entrypoint", vars));
        let cmd = svc
            .command
            .as_ref()
            .and_then(|c| self.words(svc, c, "command", vars));
        if svc.entrypoint.is_some() && ep.is_none() {
            return Process {
                entrypoint: None,
                command: None,
            };
        }
        let Some(ep) = ep else {
            // The image's entrypoint, if any, runs first: only the command can be rewritten.
            let mut entrypoint = None;
            let command = svc.command.as_ref().zip(cmd).and_then(|(c, mut words)| {
                let spans = spans(c);
                self.script(svc, &mut words, &spans, "command")?;
                if let Some(i) = words
                    .iter()
                    .position(|w| has_secret(std::slice::from_ref(w)))
                {
                    // An image whose entrypoint is known: the shell starts it with the command.
                    if let Some(known) = known_image_entrypoint(svc) {
                        self.loss(
                            Some(svc),
                            "command",
                            Outcome::Approximated(format!("a secret in its arguments is read from the container's environment: it runs as `/bin/sh -c 'exec {known} ...'` (`{known}` is the image's entrypoint), so the image needs `/bin/sh`")),
                            Some(c.span),
                        );
                        let mut all = vec![vec![Part::Text(known.to_string())]];
                        all.extend(words);
                        entrypoint = Some(sh_c(shell::exec_line(&all), None));
                        return Some(Vec::new());
                    }
                    self.args_for_image_entrypoint(svc, spans.get(i).copied().unwrap_or(c.span));
                    return None;
                }
                Some(texts(&words))
            });
            return Process {
                entrypoint,
                command,
            };
        };
        let ep_span = svc.entrypoint.as_ref().map(|c| c.span).unwrap_or_default();
        let Some(mut all) = cmd_or_empty(svc, cmd.as_ref()).map(|c| [ep.clone(), c].concat())
        else {
            return Process {
                entrypoint: None,
                command: None,
            };
        };
        let mut all_spans: Vec<Span> = svc.entrypoint.iter().flat_map(spans).collect();
        all_spans.extend(svc.command.iter().flat_map(spans));
        if self
            .script(svc, &mut all, &all_spans, "entrypoint")
            .is_none()
        {
            return Process {
                entrypoint: None,
                command: None,
            };
        }
        let (ep_words, cmd_words) = all.split_at(ep.len());
        if has_secret(cmd_words) {
            self.through_shell(svc, "entrypoint", ep_span);
            return Process {
                entrypoint: Some(sh_c(shell::exec_line(&all), None)),
                command: svc.command.as_ref().map(|_| Vec::new()),
            };
        }
        let entrypoint = if has_secret(ep_words) {
            self.through_shell(svc, "entrypoint", ep_span);
            sh_c(format!("{} \"$@\"", shell::exec_line(ep_words)), Some("sh"))
        } else {
            texts(ep_words)
        };
        Process {
            entrypoint: Some(entrypoint),
            command: svc.command.as_ref().map(|_| texts(cmd_words)),
        }
    }

    /// A health check's argv, secrets read through the shell, and the words as written (for
    /// the checks of its first word); `None` after an error.
    pub(crate) fn health_words(
        &mut self,
        svc: &Service,
        c: &Command,
        vars: &[ShellVar],
    ) -> Option<(Vec<String>, Vec<String>)> {
        let mut words = self.words(svc, c, "health check", vars)?;
        let written = texts(&words);
        self.script(svc, &mut words, &spans(c), "health check")?;
        if has_secret(&words) {
            self.through_shell(svc, "health.cmd", c.span);
            return Some((sh_c(shell::exec_line(&words), None), written));
        }
        Some((texts(&words), written))
    }

    /// The words of a command (shell form: `/bin/sh -c SCRIPT`), each argument checked for
    /// control characters at its own span. An argument may hold newlines (a multi-line
    /// script): in a command line the INI writer escapes them as `\n` (see `ini.rs`,
    /// "Invariants"), and in the JSON arrays of `--entrypoint`/`--health-cmd` JSON escapes them.
    fn words(
        &mut self,
        svc: &Service,
        c: &Command,
        what: &str,
        vars: &[ShellVar],
    ) -> Option<Words> {
        let mut words = Vec::new();
        let mut ok = true;
        for a in &c.args {
            let parts = self.parts(svc, a, vars);
            let text = texts(std::slice::from_ref(&parts)).concat();
            ok &= self.no_control(svc, &text.replace('\n', ""), a.span, what);
            words.push(parts);
        }
        if !ok {
            return None;
        }
        if c.shell {
            let script = words.into_iter().next().unwrap_or_default();
            Some(vec![
                vec![Part::Text("/bin/sh".into())],
                vec![Part::Text("-c".into())],
                script,
            ])
        } else {
            Some(words)
        }
    }

    /// A value as text and secrets (each as its variable).
    fn parts(&mut self, svc: &Service, v: &Value, vars: &[ShellVar]) -> Vec<Part> {
        let mut out: Vec<Part> = Vec::new();
        for seg in &v.segments {
            if let Segment::Secret(id) = seg {
                let name = vars
                    .iter()
                    .find(|x| x.id == *id)
                    .map(|x| x.name.clone())
                    .unwrap_or_default();
                out.push(Part::Var(name));
                continue;
            }
            let one = Value {
                span: v.span,
                segments: vec![seg.clone()],
            };
            let text = self.render(svc, &one, |_, _| String::new());
            match out.last_mut() {
                Some(Part::Text(t)) => t.push_str(&text),
                _ => out.push(Part::Text(text)),
            }
        }
        out
    }

    /// Substitutes the secrets in the script of a leading `SHELL -c SCRIPT`; `STK052` where
    /// no shell expands a variable.
    fn script(
        &mut self,
        svc: &Service,
        words: &mut Words,
        spans: &[Span],
        what: &str,
    ) -> Option<()> {
        let Some(i) = script_at(words) else {
            return Some(());
        };
        if !has_secret(std::slice::from_ref(&words[i])) {
            return Some(());
        }
        match shell::substitute(&words[i]) {
            Ok(text) => {
                words[i] = vec![Part::Text(text)];
                Some(())
            }
            Err(u) => {
                let span = spans.get(i).copied().unwrap_or(svc.name.span);
                self.error(
                    Diagnostic::error(
                        ErrorCode::SystemdSecretInArgs,
                        format!(
                            "a secret is used in {} in the {what} of `{}`, where the shell expands no variable",
                            u.place(),
                            svc.name.value
                        ),
                    )
                    .at(&self.stack.file, span, "secret where nothing is expanded")
                    .help("systemd units pass a secret to a command as an environment variable the shell expands: unquote the here-document's delimiter (`<<EOF`), or read the secret from the environment in the script"),
                );
                None
            }
        }
    }

    fn through_shell(&mut self, svc: &Service, feature: &str, span: Span) {
        self.loss(
            Some(svc),
            feature,
            Outcome::Approximated("a secret in its arguments is read from the container's environment: it runs as `/bin/sh -c 'exec ...'`, so the image needs `/bin/sh`".into()),
            Some(span),
        );
    }

    /// `STK052`: the command's arguments go to an entrypoint of the image the spec does not
    /// name, so no shell can run before it to read the secret.
    fn args_for_image_entrypoint(&mut self, svc: &Service, span: Span) {
        self.error(
            Diagnostic::error(
                ErrorCode::SystemdSecretInArgs,
                format!(
                    "a secret is used in the command of `{}`, whose arguments go to the image's entrypoint",
                    svc.name.value
                ),
            )
            .at(&self.stack.file, span, "secret in an argument")
            .help("systemd units read the secret through `/bin/sh`, which must start the program itself: name it in `entrypoint:` (the image's entrypoint, e.g. `entrypoint: [/bin/app]`) and keep its arguments in `command:`, or pass the secret in an environment variable the program reads"),
        );
    }
}

/// The entrypoint of the image `svc` runs, when it is known ([`known_entrypoint`]) and the
/// service builds no image of its own.
fn known_image_entrypoint(svc: &Service) -> Option<&'static str> {
    if svc.build.is_some() || svc.image_template.is_some() {
        return None;
    }
    stackc_compiler::knowledge::images::known_entrypoint(&svc.image.as_ref()?.value)
}

/// The command's words, or none when the spec has no command; `None` after its error.
fn cmd_or_empty(svc: &Service, cmd: Option<&Words>) -> Option<Words> {
    match (svc.command.is_some(), cmd) {
        (true, None) => None,
        (_, cmd) => Some(cmd.cloned().unwrap_or_default()),
    }
}

/// Where each word of [`Emitter::words`] was written (shell form: the script, for all three).
fn spans(c: &Command) -> Vec<Span> {
    if c.shell {
        let s = c.args.first().map(|a| a.span).unwrap_or(c.span);
        return vec![s; 3];
    }
    c.args.iter().map(|a| a.span).collect()
}

/// `/bin/sh -c SCRIPT [ARG0]`.
fn sh_c(script: String, arg0: Option<&str>) -> Vec<String> {
    let mut out = vec!["/bin/sh".to_string(), "-c".to_string(), script];
    out.extend(arg0.map(str::to_string));
    out
}

fn has_secret(words: &[Vec<Part>]) -> bool {
    words.iter().flatten().any(|p| matches!(p, Part::Var(_)))
}

/// The words as text, each secret `$VAR` (only for messages and checks once none is left).
fn texts(words: &[Vec<Part>]) -> Vec<String> {
    words
        .iter()
        .map(|w| {
            w.iter()
                .map(|p| match p {
                    Part::Text(t) => t.clone(),
                    Part::Var(v) => format!("${v}"),
                })
                .collect()
        })
        .collect()
}

/// The index of the script when the argv is `SHELL -c SCRIPT ...` (`SHELL` a POSIX shell,
/// `-c` possibly with other single-letter options, as in `-ec`).
fn script_at(words: &[Vec<Part>]) -> Option<usize> {
    let text = |w: &Vec<Part>| match w.as_slice() {
        [Part::Text(t)] => Some(t.clone()),
        _ => None,
    };
    let program = text(words.first()?)?;
    let name = program.rsplit('/').next().unwrap_or_default();
    let flag = text(words.get(1)?)?;
    let letters = flag.strip_prefix('-')?;
    let is_shell = matches!(name, "sh" | "bash" | "ash" | "dash" | "ksh" | "zsh");
    let is_c = letters.contains('c')
        && !letters.contains('o')
        && letters.chars().all(|c| c.is_ascii_alphabetic());
    (is_shell && is_c && words.len() > 2).then_some(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<Part> {
        vec![Part::Text(s.into())]
    }

    #[test]
    fn scripts_are_found_after_a_shell_and_its_c_option() {
        assert_eq!(script_at(&[w("sh"), w("-c"), w("x")]), Some(2));
        assert_eq!(script_at(&[w("/bin/bash"), w("-ec"), w("x")]), Some(2));
        assert_eq!(script_at(&[w("sh"), w("-o"), w("x")]), None);
        assert_eq!(script_at(&[w("sh"), w("-c")]), None);
        assert_eq!(script_at(&[w("python"), w("-c"), w("x")]), None);
    }
}
