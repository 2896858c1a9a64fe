//! A random-looking literal under a key that suggests a credential.

use super::prelude::*;
use crate::lint::support::secrets::{
    is_broad_credential_key, is_credential_key, is_high_entropy, known_token, redact,
    url_credential,
};
use crate::lint::support::values::{Origin, Scalar, scalars};

declare_rule! {
    /// ## What it does
    /// Flags a literal value of at least 16 characters that looks random (Shannon entropy above
    /// 3.5 bits per character, 3.0 for hex) under an environment variable or build argument whose
    /// name suggests a credential without saying so: `KEY`, `AUTH`, `ACCESS`, `CREDS`, `API`
    /// (`STRIPE_KEY`, `AUTH_HEADER`). Names that say so (`*_PASSWORD`, `*_TOKEN`) are STK201's;
    /// values in a known token format are STK202's. A dotted class or module name
    /// (`io.confluent.connect.avro.AvroConverter`) is not random.
    ///
    /// ## Why is this bad?
    /// A long random string next to a credential-like name is almost always a key. Committed to
    /// the spec, it leaks with the repository. It is a warning rather than an error because the
    /// evidence is statistical: a checksum or an ID can look the same.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     env:
    ///       STRIPE_KEY: q8Zr2Lx0Vb7Nw4Tt9Ks1Pd6Mh3Yc5Ge
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// secrets:
    ///   stripe_key: { from_env: STRIPE_KEY }
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     env:
    ///       STRIPE_KEY: ${secrets.stripe_key}
    /// ```
    pub struct HighEntropyCredential;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "random-looking literal under a key that suggests a credential",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[
        Backend::Compose,
        Backend::Dockerfile,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["security", "secrets"],
    requires: None,
};

impl HighEntropyCredential {
    fn random(svc: &Service, key: &str, value: &str, s: &Scalar<'_>) -> Violation {
        Violation::new(format!("{} `{key}` of `{}` holds a random-looking literal (`{}`), probably a key", s.origin.describe(), svc.name.value, redact(value)), s.span, "looks like a key")
            .help(format!("if it is a credential, declare a secret and write `{key}: ${{secrets.NAME}}`; if it is not, suppress this finding with the reason"))
    }
}

/// Reports high-entropy literals under broad credential keys.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for s in scalars(ctx.stack, svc) {
            if !matches!(s.origin, Origin::Env | Origin::BuildArg | Origin::BuildEnv) {
                continue;
            }
            let (Some(key), Some(text)) = (s.key, &s.literal) else {
                continue;
            };
            let t = text.trim();
            if is_credential_key(key)
                || !is_broad_credential_key(key)
                || !is_high_entropy(t)
                || known_token(t).is_some()
                || url_credential(t).is_some()
            {
                continue;
            }
            out.push(HighEntropyCredential::random(svc, key, t, &s).in_service(id, s.path.clone()));
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "low entropy, strict keys, public keys, references",
        "
        stack: t
        secrets:
          k: { generate: {} }
        services:
          a:
            image: ghcr.io/acme/api:1.0.0
            env:
              CACHE_KEY: user-session-cache
              API_KEY: q8Zr2Lx0Vb7Nw4Tt9Ks1Pd6Mh3Yc5Ge
              STRIPE_PUBLISHABLE_KEY: pk_test_q8Zr2Lx0Vb7Nw4Tt9Ks1Pd6Mh3
              STRIPE_KEY: ${secrets.k}
          connect:
            image: confluentinc/cp-kafka-connect:7.9.0
            env:
              CONNECT_KEY_CONVERTER: io.confluent.connect.avro.AvroConverter
              AIRFLOW__CORE__AUTH_MANAGER: airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager
        ",
    ),
    Case::fail(
        "env and build argument",
        "
        stack: t
        services:
          a:
            env:
              STRIPE_KEY: q8Zr2Lx0Vb7Nw4Tt9Ks1Pd6Mh3Yc5Ge
            build:
              base: python:3.13-slim
              args: { AUTH_HEADER: 'Zq9xW2v8Lm4Rt6Yp1Ns3Kd7Hf5Bc0Ga' }
        ",
        &["5:19 warning", "8:28 warning"],
    ),
];
