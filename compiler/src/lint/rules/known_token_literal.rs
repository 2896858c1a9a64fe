//! A scalar that contains a token in a well-known format.

use super::prelude::*;
use crate::lint::support::secrets::{SecretKind, known_tokens, redact};
use crate::lint::support::values::{Origin, Scalar, line_of, scalars};

declare_rule! {
    /// ## What it does
    /// Flags any string of a service (environment, command, entrypoint, health command, labels,
    /// build arguments and steps, and the text of `config:` files) that contains a token in a
    /// well-known format: AWS access key IDs, GitHub (`ghp_`, `github_pat_`), GitLab (`glpat-`),
    /// Slack (`xox?-`), Stripe live keys, OpenAI and Anthropic API keys, Google API keys, signed
    /// JSON Web Tokens and PEM private keys. Whatever the key is called.
    ///
    /// ## Why is this bad?
    /// These formats are unambiguous: a match is a real credential committed to the repository.
    /// Secret scanners (GitHub push protection, gitleaks) will find it too, usually after it has
    /// been pushed. Revoke it, then move it into a secret.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   ci:
    ///     image: ghcr.io/acme/runner:2.4.1
    ///     env:
    ///       GH: ghp_FAKEfake0000FAKEfake1111FAKEfake2222
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// secrets:
    ///   github_token: { from_env: GITHUB_TOKEN }
    /// services:
    ///   ci:
    ///     image: ghcr.io/acme/runner:2.4.1
    ///     env:
    ///       GH: ${secrets.github_token}
    /// ```
    pub struct KnownTokenLiteral;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "a string contains a token in a well-known format",
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

impl KnownTokenLiteral {
    fn token(svc: &Service, s: &Scalar<'_>, kind: SecretKind, token: &str, at: usize) -> Violation {
        let place = match (s.origin, s.key) {
            (Origin::ConfigFile, Some(path)) => {
                format!("config file `{path}` mounted into `{}`", svc.name.value)
            }
            (_, Some(key)) => format!("{} `{key}` of `{}`", s.origin.describe(), svc.name.value),
            (_, None) => format!("the {} of `{}`", s.origin.describe(), svc.name.value),
        };
        let mut v = Violation::new(
            format!("{place} contains a {kind} (`{}`)", redact(token)),
            s.span,
            format!("{kind} here"),
        )
        .help(
            "revoke the token, then pass a new one through a declared secret (`${secrets.NAME}`)",
        );
        if s.origin == Origin::ConfigFile {
            v = v.note(format!("on line {} of the file", line_of(&s.text, at)));
        }
        v
    }
}

/// Reports well-known tokens.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for s in scalars(ctx.stack, svc) {
            if let Some((kind, range)) = known_tokens(&s.text).into_iter().next() {
                let v =
                    KnownTokenLiteral::token(svc, &s, kind, &s.text[range.clone()], range.start);
                out.push(v.in_service(id, s.path.clone()));
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "documentation example keys, short prefixes, references",
        "
        stack: t
        secrets:
          gh: { from_env: GITHUB_TOKEN }
        services:
          a:
            image: ghcr.io/acme/runner:2.4.1
            env:
              AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE
              GH: ${secrets.gh}
              NOTE: ghp_short
        ",
    ),
    Case::fail(
        "github token in env, aws key in a command, stripe key in a label",
        "
        stack: t
        services:
          a:
            image: ghcr.io/acme/runner:2.4.1
            env:
              GH: ghp_FAKEfake0000FAKEfake1111FAKEfake2222
            command: [run, --aws-key, AKIAFAKEFAKEFAKE2345]
            labels:
              billing: sk_live_FAKEfake0000FAKEfake1111
        ",
        &["6:11 error", "7:31 error", "9:16 error"],
    ),
];
