//! A `config:` file whose content is a private key.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a `config:` mount whose file holds a private key: a PEM block such as
    /// `-----BEGIN PRIVATE KEY-----`, `-----BEGIN RSA PRIVATE KEY-----`,
    /// `-----BEGIN EC PRIVATE KEY-----`, `-----BEGIN OPENSSH PRIVATE KEY-----`,
    /// `-----BEGIN ENCRYPTED PRIVATE KEY-----` or a PGP private key block.
    ///
    /// ## Why is this bad?
    /// Config files are not secret: Kubernetes puts them in a ConfigMap (readable by anyone who
    /// can read the namespace's configuration, shown by `kubectl describe`, stored unencrypted),
    /// systemd outputs copy them under `files/` next to the units, and the file is committed
    /// with the spec. A TLS or SSH key there is a leaked key. Declare it as a secret and mount
    /// it as a file: compose `secrets:`, a Kubernetes Secret volume, a Podman secret.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:1.29.1
    ///     volumes:
    ///       - { config: ./certs/tls.key, target: /etc/nginx/tls.key }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// secrets:
    ///   tls_key: { file: ./certs/tls.key }
    /// services:
    ///   proxy:
    ///     image: nginx:1.29.1
    ///     volumes:
    ///       - { secret: tls_key, target: /etc/nginx/tls.key }
    /// ```
    pub struct PrivateKeyInConfig;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "a `config:` file holds a private key",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security", "secrets"],
    requires: None,
};

/// Whether `text` holds a PEM or PGP private key block.
pub fn holds_private_key(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l.starts_with("-----BEGIN ")
            && (l.ends_with("PRIVATE KEY-----") || l.ends_with("PRIVATE KEY BLOCK-----"))
    })
}

impl PrivateKeyInConfig {
    fn violation(svc: &Service, source: &Sp<String>, m: &Mount) -> Violation {
        Violation::new(
            format!(
                "config file `{}` of `{}` holds a private key",
                source.value, svc.name.value
            ),
            source.span,
            "a config file, not a secret",
        )
        .help(format!(
            "declare a secret `{{ file: {} }}` under `secrets:` and mount it with `{{ secret: NAME, target: {} }}`",
            source.value, m.target.value
        ))
    }
}

/// Reports config files holding a private key.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for m in &svc.mounts {
            if let MountKind::Config {
                source,
                content: Some(text),
            } = &m.kind
                && holds_private_key(text)
            {
                out.push(
                    PrivateKeyInConfig::violation(svc, source, m)
                        .in_service(id, format!("volumes.config.{}", source.value)),
                );
            }
        }
    }
}

/// Gives every config file of the case the text of a private key (cases have no files).
fn key_content(stack: &mut Stack) {
    for svc in &mut stack.services {
        for m in &mut svc.mounts {
            if let MountKind::Config { source, content } = &mut m.kind {
                *content = Some(if source.value.ends_with(".key") {
                    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n"
                        .into()
                } else {
                    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into()
                });
            }
        }
    }
}

/// Pass and fail cases: spec snippets and the exact `line:col severity` of each finding.
pub const CASES: &[Case] = &[
    Case::pass(
        "a certificate is public, the key is a secret mounted as a file",
        "
        stack: t
        secrets:
          tls_key: { file: ./certs/tls.key }
        services:
          proxy:
            image: nginx:1.29.1
            volumes:
              - { config: ./certs/tls.crt, target: /etc/nginx/tls.crt }
              - { secret: tls_key, target: /etc/nginx/tls.key }
        ",
    )
    .mutate(key_content),
    Case::fail(
        "a key in a config file",
        "
        stack: t
        services:
          proxy:
            image: nginx:1.29.1
            volumes:
              - { config: ./certs/tls.crt, target: /etc/nginx/tls.crt }
              - { config: ./certs/tls.key, target: /etc/nginx/tls.key }
        ",
        &["7:19 error"],
    )
    .mutate(key_content),
];

#[cfg(test)]
mod tests {
    use super::holds_private_key;

    #[test]
    fn private_key_blocks() {
        for k in [
            "-----BEGIN PRIVATE KEY-----",
            "x\n-----BEGIN RSA PRIVATE KEY-----\n",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----",
            "-----BEGIN PGP PRIVATE KEY BLOCK-----",
        ] {
            assert!(holds_private_key(k), "{k}");
        }
        for k in [
            "-----BEGIN CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----",
            "ssl_certificate_key /run/secrets/tls.key; # PRIVATE KEY-----",
        ] {
            assert!(!holds_private_key(k), "{k}");
        }
    }
}
