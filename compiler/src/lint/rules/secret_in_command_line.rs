//! A secret passed as a command-line argument.

use super::prelude::*;
use crate::lint::support::shell::{leaked_variables, script_of};

declare_rule! {
    /// ## What it does
    /// Flags a secret that ends up in a process's arguments: a `${secrets.NAME}` reference in
    /// `command`, `entrypoint` or `health.cmd`, and, in a shell script (`sh -c`, or a string
    /// command), a `$VAR` expansion of an environment variable that holds a secret, used as an
    /// argument of a program (`redis-cli -a "$REDIS_PASSWORD"`). Shell built-ins such as `printf`
    /// and `echo` do not start a process and are exempt, so piping a secret into a program's
    /// standard input is fine.
    ///
    /// ## Why is this bad?
    /// A process's arguments are public on the host: any user can read them with `ps` or
    /// `/proc/<pid>/cmdline`, `docker inspect` and `kubectl get pod -o yaml` show them, and
    /// health check commands are logged by the runtime on every failure. Environment variables
    /// and files are not world-readable.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   redis:
    ///     image: redis:7.4.5-alpine
    ///     command: [redis-server, --requirepass, "${secrets.redis_password}"]
    ///     health: { cmd: [redis-cli, -a, "${secrets.redis_password}", ping] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   redis:
    ///     image: redis:7.4.5-alpine
    ///     command: [sh, -c, "printf 'requirepass %s\\n' \"$$REDIS_PASSWORD\" | exec redis-server -"]
    ///     env:
    ///       REDIS_PASSWORD: ${secrets.redis_password}
    ///       REDISCLI_AUTH: ${secrets.redis_password}
    ///     health: { cmd: [redis-cli, ping] }
    /// ```
    pub struct SecretInCommandLine;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "secret passed as a command-line argument",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security", "secrets"],
    requires: None,
};

impl SecretInCommandLine {
    fn reference(svc: &Service, what: &str, secret: &str, span: Span) -> Violation {
        Violation::new(format!("the {what} of `{}` passes secret `{secret}` as a command-line argument", svc.name.value), span, "visible in `ps` and `docker inspect`")
            .help(format!("pass it in an environment variable (`env: {{ VAR: ${{secrets.{secret}}} }}`) or a file the program reads, not in the arguments"))
    }

    fn expansion(
        svc: &Service,
        what: &str,
        var: &str,
        secret: &str,
        program: &str,
        span: Span,
    ) -> Violation {
        Violation::new(format!("the {what} of `{}` expands `${var}` (secret `{secret}`) into the arguments of `{program}`", svc.name.value), span, "visible in `ps` and `docker inspect`")
            .help(format!("let `{program}` read the secret from its environment or standard input (e.g. `printf '%s' \"$${var}\" | {program} ...`), not from its arguments"))
    }
}

/// Reports secrets in arguments.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        // Environment variables that hold a secret, with the first secret each holds.
        let secret_vars: Vec<(&str, &str)> = svc
            .env
            .iter()
            .filter_map(|e| {
                e.value.segments.iter().find_map(|s| match s {
                    Segment::Secret(sid) => Some((
                        e.key.value.as_str(),
                        ctx.stack.secret(*sid).name.value.as_str(),
                    )),
                    _ => None,
                })
            })
            .collect();
        let names: Vec<&str> = secret_vars.iter().map(|(k, _)| *k).collect();
        let commands = [
            ("command", "command", svc.command.as_ref()),
            ("entrypoint", "entrypoint", svc.entrypoint.as_ref()),
            (
                "health check command",
                "health.cmd",
                svc.health.as_ref().and_then(|h| h.cmd.as_ref()),
            ),
        ];
        for (what, path, cmd) in commands {
            let Some(cmd) = cmd else { continue };
            for (i, arg) in cmd.args.iter().enumerate() {
                let secret = arg.segments.iter().find_map(|s| match s {
                    Segment::Secret(sid) => Some(ctx.stack.secret(*sid).name.value.as_str()),
                    _ => None,
                });
                if let Some(secret) = secret {
                    out.push(
                        SecretInCommandLine::reference(svc, what, secret, arg.span)
                            .in_service(id, format!("{path}[{i}]")),
                    );
                }
            }
            let Some(script) = script_of(cmd) else {
                continue;
            };
            let Some(text) = script.as_literal() else {
                continue;
            };
            for (var, program) in leaked_variables(&text, &names) {
                let secret = secret_vars
                    .iter()
                    .find(|(k, _)| *k == var)
                    .map(|(_, s)| *s)
                    .unwrap_or_default();
                out.push(
                    SecretInCommandLine::expansion(svc, what, &var, secret, &program, script.span)
                        .in_service(id, format!("{path}.${var}")),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "secret through env and stdin, non-secret expansions",
        r#"
        stack: t
        secrets:
          pw: { generate: {} }
        services:
          redis:
            image: redis:7.4.5-alpine
            command: [sh, -c, "printf 'requirepass %s\\n' \"$$REDIS_PASSWORD\" | exec redis-server -"]
            env:
              REDIS_PASSWORD: ${secrets.pw}
              REDISCLI_AUTH: ${secrets.pw}
              PORT: '6379'
            health: { cmd: 'redis-cli -p $$PORT ping' }
        "#,
    ),
    Case::fail(
        "references in command and health check",
        r#"
        stack: t
        secrets:
          redis_password: { generate: {} }
        services:
          redis:
            image: redis:7.4.5-alpine
            command: [redis-server, --requirepass, "${secrets.redis_password}"]
            health: { cmd: [redis-cli, -a, "${secrets.redis_password}", ping] }
        "#,
        &["7:44 error", "8:36 error"],
    ),
    Case::fail(
        "expansion of a secret variable in shell form",
        r#"
        stack: t
        secrets:
          pw: { generate: {} }
        services:
          redis:
            image: redis:7.4.5-alpine
            env: { REDIS_PASSWORD: '${secrets.pw}' }
            health: { cmd: 'redis-cli -a "$$REDIS_PASSWORD" ping' }
        "#,
        &["8:20 error"],
    ),
];
