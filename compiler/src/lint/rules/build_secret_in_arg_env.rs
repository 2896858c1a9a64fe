//! A build argument or build environment variable that carries a secret.

use super::prelude::*;
use crate::lint::support::secrets::{is_credential_key, known_token};

declare_rule! {
    /// ## What it does
    /// Flags a build argument (`build.args`) or image environment variable (`build.env`) whose
    /// name says it is a credential (`NPM_TOKEN`, `PIP_PASSWORD`) or whose value contains a token
    /// in a well-known format, whatever its value.
    ///
    /// ## Why is this bad?
    /// Build arguments and `ENV` are recorded in the image: `docker history` and
    /// `docker image inspect` show them to anyone who can pull the image, for as long as it
    /// exists. Build steps get secrets through `build.secrets`, which stackc turns into
    /// `RUN --mount=type=secret`: available to the step, never stored in a layer.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       preset: node-npm
    ///       args: { NPM_TOKEN: "" }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// secrets:
    ///   npm_token: { from_env: NPM_TOKEN }
    /// services:
    ///   api:
    ///     build:
    ///       preset: node-npm
    ///       secrets: [npm_token]
    /// ```
    pub struct BuildSecretInArgEnv;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "build argument or image environment carries a secret",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Dockerfile],
    tags: &["security", "secrets"],
    requires: None,
};

impl BuildSecretInArgEnv {
    fn named(svc: &Service, what: &str, key: &Sp<String>) -> Violation {
        Violation::new(format!("{what} `{}` of `{}` is named like a secret, and stays readable in the image", key.value, svc.name.value), key.span, "recorded in the image metadata")
            .help("declare a secret and list it in `build.secrets`; build steps read it from `/run/secrets/<name>`, nothing stays in the image")
    }

    fn token(svc: &Service, what: &str, key: &Sp<String>, value: &Sp<String>) -> Violation {
        Violation::new(
            format!(
                "{what} `{}` of `{}` contains a token, which stays readable in the image",
                key.value, svc.name.value
            ),
            value.span,
            "recorded in the image metadata",
        )
        .help("revoke the token; pass a new one through `build.secrets`")
    }
}

/// Reports secrets in build args and env.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let Some(b) = &svc.build else { continue };
        for (what, prefix, pairs) in [
            ("build argument", "build.args", &b.args),
            ("image environment variable", "build.env", &b.env),
        ] {
            for (k, v) in pairs {
                let path = format!("{prefix}.{}", k.value);
                if is_credential_key(&k.value) {
                    out.push(BuildSecretInArgEnv::named(svc, what, k).in_service(id, path));
                } else if known_token(&v.value).is_some() {
                    out.push(BuildSecretInArgEnv::token(svc, what, k, v).in_service(id, path));
                }
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "build secrets and harmless arguments",
        "
        stack: t
        secrets:
          npm_token: { from_env: NPM_TOKEN }
        services:
          a:
            build:
              preset: node-npm
              secrets: [npm_token]
              args: { NODE_ENV: production, TOKEN_URL: 'https://auth.example.com' }
        ",
    ),
    Case::fail(
        "credential-named argument, token in env",
        "
        stack: t
        services:
          a:
            build:
              preset: node-npm
              args: { NPM_TOKEN: '' }
              env: { GIT_REMOTE: 'https://ghp_FAKEfake0000FAKEfake1111FAKEfake2222@github.com/acme/x' }
        ",
        &["6:15 error", "7:26 error"],
    ),
];
