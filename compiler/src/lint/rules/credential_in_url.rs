//! A URL with a literal password in its user information.

use super::prelude::*;
use crate::lint::support::secrets::{is_placeholder, redact, url_credential};
use crate::lint::support::values::{Origin, Scalar, scalars};

declare_rule! {
    /// ## What it does
    /// Flags a URL or DSN with a literal password in its user information
    /// (`postgres://app:hunter2@db/app`, `redis://:pw@cache:6379`, `amqp://`, `mongodb+srv://`,
    /// `https://`, any scheme), in any string of a service including `config:` files. A password
    /// written as a reference (`${secrets.db_password}`) is fine; a placeholder password is
    /// reported by STK205 instead.
    ///
    /// ## Why is this bad?
    /// Connection strings are copied into logs, error messages and crash reports, and the spec is
    /// committed: the password leaks with the repository. Build the URL from a secret instead;
    /// stackc keeps the password out of every generated file.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     env:
    ///       DATABASE_URL: postgresql://app:hunter2@db:5432/app
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// secrets:
    ///   db_password: { generate: { length: 32 } }
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     env:
    ///       DATABASE_URL: postgresql://app:${secrets.db_password}@${services.db.host}:5432/app
    /// ```
    pub struct CredentialInUrl;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "url carries a literal password",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[
        Backend::Compose,
        Backend::Dockerfile,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["security", "secrets"],
    requires: None,
};

impl CredentialInUrl {
    fn password(
        svc: &Service,
        s: &Scalar<'_>,
        scheme: &str,
        host: &str,
        password: &str,
    ) -> Violation {
        let place = match (s.origin, s.key) {
            (Origin::ConfigFile, Some(path)) => {
                format!("config file `{path}` mounted into `{}`", svc.name.value)
            }
            (_, Some(key)) => format!("{} `{key}` of `{}`", s.origin.describe(), svc.name.value),
            (_, None) => format!("the {} of `{}`", s.origin.describe(), svc.name.value),
        };
        Violation::new(
            format!(
                "{place} has a literal password (`{}`) in a `{scheme}` URL for `{host}`",
                redact(password)
            ),
            s.span,
            "password in the URL",
        )
        .help("declare a secret and write it into the URL: `scheme://user:${secrets.NAME}@host`")
    }
}

/// Reports literal passwords in URLs.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for s in scalars(ctx.stack, svc) {
            let Some(c) = url_credential(&s.text) else {
                continue;
            };
            let password = &s.text[c.password_range.clone()];
            if is_placeholder(password) {
                continue;
            }
            out.push(
                CredentialInUrl::password(svc, &s, &c.scheme, &c.host, password)
                    .in_service(id, s.path.clone()),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "secret references, no password, placeholders",
        "
        stack: t
        secrets:
          pw: { generate: {} }
        services:
          db: { image: postgres:17.6, ports: [5432] }
          a:
            image: ghcr.io/acme/api:1.0.0
            env:
              DATABASE_URL: postgresql+asyncpg://app:${secrets.pw}@${services.db.host}:${services.db.port}/app
              REDIS_URL: redis://${services.db.host}:6379
              EXAMPLE_URL: postgres://user:password@localhost/db
        ",
    ),
    Case::fail(
        "env, health command",
        "
        stack: t
        services:
          a:
            image: ghcr.io/acme/api:1.0.0
            env:
              DATABASE_URL: postgresql://app:hunter2@db:5432/app
            health: { cmd: [curl, -f, 'https://admin:Zx81-qq@localhost:8443/health'] }
        ",
        &["6:21 error", "7:31 error"],
    ),
];
