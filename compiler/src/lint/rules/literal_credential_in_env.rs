//! A credential-shaped environment variable holding a literal value.

use super::prelude::*;
use crate::lint::support::secrets::{
    is_credential_key, is_placeholder, known_token, redact, url_credential,
};
use crate::lint::support::values::{Origin, Scalar, scalars};

declare_rule! {
    /// ## What it does
    /// Flags an environment variable whose name says it holds a credential (`PASSWORD`,
    /// `PASSPHRASE`, `TOKEN`, `SECRET`, `API_KEY`, `PRIVATE_KEY`, `ACCESS_KEY`, `CREDENTIAL`, or a
    /// `_PASS`, `_PWD`, `PASSWD`, `_DSN`, `_SALT` suffix) and whose value is written in the spec,
    /// directly or through a variable's committed value.
    ///
    /// Exempt: references (`${secrets.NAME}`), settings about a credential (`*_FILE`,
    /// `TOKEN_TTL`, `PASSWORD_MIN_LENGTH`, `MYSQL_ALLOW_EMPTY_PASSWORD`), booleans, paths of
    /// mounted secret files (`/run/secrets/db-password`), and values
    /// another secret rule reports more precisely (placeholders: STK205, known token formats:
    /// STK202, passwords in URLs: STK203).
    ///
    /// ## Why is this bad?
    /// The spec is committed: the credential is now in the repository's history, in every clone
    /// and fork, in CI logs and in every generated compose file and manifest. Rotating it means
    /// rewriting history. stackc keeps secrets out of generated files only when they are declared
    /// as secrets.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.6-alpine
    ///     env:
    ///       POSTGRES_PASSWORD: s3cr3t-Pa55w0rd
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
    pub struct LiteralCredentialInEnv;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "credential-shaped environment variable holds a literal value",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security", "secrets"],
    requires: None,
};

impl LiteralCredentialInEnv {
    fn literal(svc: &Service, key: &str, value: &str, s: &Scalar<'_>) -> Violation {
        let mut v = Violation::new(format!("environment variable `{key}` of `{}` holds a literal credential (`{}`)", svc.name.value, redact(value)), s.span, "committed in the spec")
            .help(format!("declare a secret (`secrets: {{ {0}: {{ generate: {{}} }} }}` or `from_env`) and write `{key}: ${{secrets.{0}}}`", key.to_ascii_lowercase()));
        if let Some(var) = &s.via_variable {
            v = v.note(format!(
                "the value comes from variable `{var}`, whose value is committed in the spec"
            ));
        }
        v
    }
}

const BOOLEANS: &[&str] = &["true", "false", "yes", "no", "on", "off"];

/// Whether another secret rule reports this value more precisely.
fn reported_elsewhere(text: &str) -> bool {
    is_placeholder(text) || known_token(text).is_some() || url_credential(text).is_some()
}

/// Reports literal credentials in env.
/// A path to a mounted secret file (`/run/secrets/db-password`): the value names where the
/// credential is, not the credential.
fn is_secret_file_path(value: &str) -> bool {
    ["/run/secrets/", "/var/run/secrets/"]
        .iter()
        .any(|p| value.starts_with(p) && !value.contains(char::is_whitespace))
}

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for s in scalars(ctx.stack, svc) {
            let (Origin::Env, Some(key), Some(text)) = (s.origin, s.key, &s.literal) else {
                continue;
            };
            let t = text.trim();
            if !is_credential_key(key)
                || t.is_empty()
                || BOOLEANS.contains(&t.to_ascii_lowercase().as_str())
                || reported_elsewhere(t)
                || is_secret_file_path(t)
            {
                continue;
            }
            out.push(
                LiteralCredentialInEnv::literal(svc, key, t, &s).in_service(id, s.path.clone()),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "references, knobs, booleans, other rules' values",
        "
        stack: t
        secrets:
          pw: { generate: {} }
        services:
          a:
            image: postgres:17.6
            env:
              POSTGRES_PASSWORD: ${secrets.pw}
              POSTGRES_PASSWORD_FILE: /run/secrets/pw
              DATABASE_PASSWORD: /run/secrets/db-password
              MYSQL_ALLOW_EMPTY_PASSWORD: 'yes'
              TOKEN_TTL: 3600s
              REDIS_TLS_SECRET: 'false'
              PASSWORD: changeme
              DATABASE_DSN: postgres://app:hunter2x@db/app
              POSTGRES_USER: app
        ",
    ),
    Case::fail(
        "literal password, token, camelCase key, through a variable",
        "
        stack: t
        variables:
          pw: { default: Tr0ub4dor-and-3 }
        services:
          a:
            image: postgres:17.6
            env:
              POSTGRES_PASSWORD: s3cr3t-Pa55w0rd
              SESSION_TOKEN: 'a1b2c3d4e5'
              dbPassword: ${vars.pw}
        ",
        &["8:26 error", "9:22 error", "10:19 error"],
    ),
];
