//! A service that loads a whole env file into its environment.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags `env_file:` on a service (compose's `env_file`): every variable of the file is set
    /// in the container. Loading `.env`, the file where `stackc secrets init` (and compose's
    /// interpolation) keeps every secret of the stack, is an error; other files are a warning.
    ///
    /// ## Why is this bad?
    /// The service receives every secret of every other service, whether it uses them or not:
    /// one compromised or chatty service (a debug page that dumps its environment, a crash
    /// reporter) leaks them all. stackc never reads env files, so neither the reader of the spec
    /// nor the secret rules can see what the service really gets. Name each variable the service
    /// needs in `env`, with `${secrets.NAME}` for secrets.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     env_file: [.env]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     env:
    ///       DATABASE_PASSWORD: ${secrets.db_password}
    ///       LOG_LEVEL: info
    /// ```
    pub struct EnvFileLoaded;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "service loads a whole env file into its environment",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security", "secrets"],
    requires: None,
};

/// The file `stackc secrets init` writes and compose interpolates from.
const SECRETS_FILE: &str = ".env";

impl EnvFileLoaded {
    fn secrets_file(svc: &Service, file: &Sp<String>) -> Violation {
        Violation::new(
            format!("service `{}` loads `{}`, which holds every secret of the stack", svc.name.value, file.value),
            file.span,
            "every variable of the file reaches the container",
        )
        .severity(Severity::Error)
        .help("remove `env_file` and name the variables the service needs in `env`, with `${secrets.NAME}` for secrets")
    }

    fn other_file(svc: &Service, file: &Sp<String>) -> Violation {
        Violation::new(format!("service `{}` loads the env file `{}`", svc.name.value, file.value), file.span, "contents unknown to stackc")
            .help("name the variables the service needs in `env` (with `${secrets.NAME}` for secrets), so they are reviewed and linted")
    }
}

/// Reports env files.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for f in &svc.env_files {
            let name = f.value.rsplit('/').next().unwrap_or(&f.value);
            let v = if name == SECRETS_FILE {
                EnvFileLoaded::secrets_file(svc, f)
            } else {
                EnvFileLoaded::other_file(svc, f)
            };
            out.push(v.in_service(id, format!("env_file.{}", f.value)));
        }
    }
}

/// Pass and fail cases: spec snippets and the exact `line:col severity` of each finding.
pub const CASES: &[Case] = &[
    Case::pass(
        "explicit variables",
        "
        stack: t
        secrets:
          db_password: { generate: {} }
        services:
          api:
            image: ghcr.io/acme/api:1.0.0
            env: { DATABASE_PASSWORD: '${secrets.db_password}' }
        ",
    ),
    Case::fail(
        "the secrets file and another file",
        "
        stack: t
        services:
          api:
            image: ghcr.io/acme/api:1.0.0
            env_file: [.env, config/api.env]
        ",
        &["5:16 error", "5:22 warning"],
    ),
];
