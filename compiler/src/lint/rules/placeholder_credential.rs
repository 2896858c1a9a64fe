//! A credential set to a placeholder or well-known weak default.

use super::prelude::*;
use crate::lint::support::secrets::{is_credential_key, is_placeholder, url_credential};
use crate::lint::support::values::{Origin, Scalar, scalars};

declare_rule! {
    /// ## What it does
    /// Flags a credential-shaped environment variable (the names STK201 checks) whose value is a
    /// placeholder or a well-known weak default (`changeme`, `password`, `secret`, `admin`,
    /// `root`, `example`, `test`, `123456`, an empty value), and a URL whose password is one.
    ///
    /// ## Why is this bad?
    /// Placeholders get deployed. `POSTGRES_PASSWORD: postgres` in a dev spec becomes the
    /// production password the day someone deploys the same file, and default credentials are the
    /// first thing scanners try. An empty password often disables authentication altogether. It
    /// is a warning in dev and an error in prod.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.6-alpine
    ///     env:
    ///       POSTGRES_PASSWORD: changeme
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// secrets:
    ///   db_password: { generate: { length: 32 } }
    /// services:
    ///   db:
    ///     image: postgres:17.6-alpine
    ///     env:
    ///       POSTGRES_PASSWORD: ${secrets.db_password}
    /// ```
    pub struct PlaceholderCredential;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "credential set to a placeholder or weak default",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security", "secrets"],
    requires: None,
};

impl PlaceholderCredential {
    fn in_env(svc: &Service, key: &str, value: &str, s: &Scalar<'_>) -> Violation {
        let shown = if value.trim().is_empty() {
            "an empty value".to_string()
        } else {
            format!("the placeholder `{}`", value.trim())
        };
        Violation::new(format!("environment variable `{key}` of `{}` is set to {shown}", svc.name.value), s.span, "placeholder credential")
            .help(format!("generate a real value: declare `secrets: {{ {}: {{ generate: {{}} }} }}` and refer to it", key.to_ascii_lowercase()))
    }

    fn in_url(svc: &Service, s: &Scalar<'_>, password: &str, host: &str) -> Violation {
        Violation::new(
            format!(
                "{} of `{}` uses the placeholder password `{password}` for `{host}`",
                s.key
                    .map(|k| format!("`{k}`"))
                    .unwrap_or_else(|| s.origin.describe().to_string()),
                svc.name.value
            ),
            s.span,
            "placeholder password",
        )
        .help("declare a secret and write it into the URL: `scheme://user:${secrets.NAME}@host`")
    }
}

/// Reports placeholder credentials.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for s in scalars(ctx.stack, svc) {
            if let (Origin::Env, Some(key), Some(text)) = (s.origin, s.key, &s.literal)
                && is_credential_key(key)
                && is_placeholder(text)
            {
                out.push(
                    PlaceholderCredential::in_env(svc, key, text, &s)
                        .in_service(id, s.path.clone()),
                );
                continue;
            }
            if let Some(c) = url_credential(&s.text) {
                let password = &s.text[c.password_range.clone()];
                if is_placeholder(password) {
                    out.push(
                        PlaceholderCredential::in_url(svc, &s, password, &c.host)
                            .in_service(id, s.path.clone()),
                    );
                }
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "real references and non-credential keys",
        "
        stack: t
        secrets:
          pw: { generate: {} }
        services:
          a:
            image: postgres:17.6
            env:
              POSTGRES_PASSWORD: ${secrets.pw}
              POSTGRES_USER: admin
              DATABASE_URL: postgres://app:${secrets.pw}@db/app
        ",
    ),
    Case::fail(
        "placeholder, empty, weak url password; an error in prod",
        "
        stack: t
        services:
          a:
            image: postgres:17.6
            env:
              POSTGRES_PASSWORD: changeme
              REDIS_PASSWORD: ''
              DATABASE_URL: postgres://app:password@db/app
        ",
        &["6:26 error", "7:23 error", "8:21 error"],
    )
    .env("prod"),
];
