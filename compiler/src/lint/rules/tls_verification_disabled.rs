//! A command or environment variable that turns off TLS certificate or package signature
//! checks.

use super::prelude::*;
use crate::lint::support::shell::{Word, program, simple_commands};
use crate::lint::support::values::{Origin, scalars};

declare_rule! {
    /// ## What it does
    /// Flags, in build steps, commands, entrypoints, health checks, build arguments and
    /// environment variables (of the service and of the image):
    /// - `curl -k` / `--insecure`, `wget --no-check-certificate`, `pip --trusted-host`,
    ///   `npm`/`yarn` `strict-ssl false`, `git -c http.sslVerify=false`,
    ///   `apk --allow-untrusted`, `apt-get --allow-unauthenticated`, `--nogpgcheck`;
    /// - `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY`, `PYTHONHTTPSVERIFY=0`,
    ///   `NPM_CONFIG_STRICT_SSL=false`, `PIP_TRUSTED_HOST`, an empty `CURL_CA_BUNDLE` or
    ///   `REQUESTS_CA_BUNDLE`.
    ///
    /// ## Why is this bad?
    /// Without certificate or signature checks, anyone on the network path (a proxy, a hostile
    /// Wi-Fi, a compromised mirror) can serve a different package or response, and the build
    /// or the service accepts it: a supply-chain compromise that leaves no trace in the spec.
    /// Trust the certificate authority instead (add it to the image's CA store, or point
    /// `SSL_CERT_FILE`/`NODE_EXTRA_CA_CERTS` at it).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       preset: node-npm
    ///       steps: ["curl -k -o /tmp/tool.tgz https://internal.example.com/tool.tgz"]
    ///     env:
    ///       NODE_TLS_REJECT_UNAUTHORIZED: "0"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       preset: node-npm
    ///       steps: ["curl --cacert certs/internal-ca.pem -o /tmp/tool.tgz https://internal.example.com/tool.tgz"]
    ///     env:
    ///       NODE_EXTRA_CA_CERTS: /app/certs/internal-ca.pem
    /// ```
    pub struct TlsVerificationDisabled;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "tls certificate or package signature verification is turned off",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[
        Backend::Dockerfile,
        Backend::Compose,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["security", "supply-chain"],
    requires: None,
};

/// The switch a simple command uses to turn verification off, if any.
fn insecure_flag(words: &[Word]) -> Option<String> {
    let (i, prog) = program(words)?;
    let base = prog.rsplit('/').next().unwrap_or(prog);
    let args: Vec<&str> = words[i + 1..].iter().map(|w| w.text.as_str()).collect();
    // Assignments before the program (`GIT_SSL_NO_VERIFY=1 git clone ...`).
    for w in &words[..i] {
        if let Some((k, v)) = w.text.split_once('=')
            && insecure_env(k, v)
        {
            return Some(format!("{k}={v}"));
        }
    }
    let found = match base {
        "curl" => args.iter().find(|a| {
            **a == "--insecure" || (a.starts_with('-') && !a.starts_with("--") && a.contains('k'))
        }),
        "wget" => args.iter().find(|a| **a == "--no-check-certificate"),
        "pip" | "pip3" | "python" | "python3" | "uv" => args.iter().find(|a| {
            **a == "--trusted-host"
                || a.starts_with("--trusted-host=")
                || **a == "--allow-insecure-host"
                || a.starts_with("--allow-insecure-host=")
        }),
        "npm" | "yarn" | "pnpm" => {
            let joined = args.join(" ");
            if joined.contains("strict-ssl false") || joined.contains("strict-ssl=false") {
                args.iter().find(|a| a.contains("strict-ssl"))
            } else {
                None
            }
        }
        "git" => args.iter().find(|a| {
            a.eq_ignore_ascii_case("http.sslVerify=false")
                || a.eq_ignore_ascii_case("http.sslverify")
        }),
        "apk" => args.iter().find(|a| **a == "--allow-untrusted"),
        "apt-get" | "apt" => args.iter().find(|a| {
            **a == "--allow-unauthenticated"
                || **a == "--force-yes"
                || a.contains("AllowUnauthenticated=true")
        }),
        "yum" | "dnf" | "microdnf" | "zypper" | "rpm" => args
            .iter()
            .find(|a| **a == "--nogpgcheck" || **a == "--no-gpg-checks" || **a == "--nosignature"),
        _ => None,
    };
    found.map(|a| format!("{base} {a}"))
}

/// Whether `key=value` in an environment turns verification off.
fn insecure_env(key: &str, value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    let off = matches!(v.as_str(), "0" | "false" | "no" | "off");
    match key {
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => v == "0",
        "NPM_CONFIG_STRICT_SSL" | "npm_config_strict_ssl" | "YARN_STRICT_SSL" => off,
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && !off,
        "PIP_TRUSTED_HOST" | "UV_INSECURE_HOST" => !v.is_empty(),
        "CURL_CA_BUNDLE" | "REQUESTS_CA_BUNDLE" => v.is_empty(),
        _ => false,
    }
}

impl TlsVerificationDisabled {
    fn found(svc: &Service, what: &str, how: &str, span: Span) -> Violation {
        Violation::new(format!("the {what} of `{}` turns verification off (`{how}`)", svc.name.value), span, "verification off")
            .help("keep verification on and trust the certificate authority instead (the image's CA store, `SSL_CERT_FILE`, `NODE_EXTRA_CA_CERTS`, `PIP_CERT`)")
    }
}

/// Reports switches that turn TLS or signature verification off.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for s in scalars(ctx.stack, svc) {
            let what = s.origin.describe();
            match s.origin {
                Origin::Env | Origin::BuildEnv | Origin::BuildArg => {
                    let (Some(key), Some(value)) = (s.key, s.literal.as_deref()) else {
                        continue;
                    };
                    if insecure_env(key, value) {
                        let how = format!("{key}={value}");
                        out.push(
                            TlsVerificationDisabled::found(svc, what, &how, s.span)
                                .in_service(id, s.path.clone()),
                        );
                    }
                }
                Origin::BuildStep
                | Origin::Command
                | Origin::Entrypoint
                | Origin::HealthCommand => {
                    if let Some(how) = simple_commands(&s.text)
                        .iter()
                        .find_map(|w| insecure_flag(w))
                    {
                        out.push(
                            TlsVerificationDisabled::found(svc, what, &how, s.span)
                                .in_service(id, s.path.clone()),
                        );
                    }
                }
                Origin::Label | Origin::ConfigFile => {}
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "verified downloads and CA settings",
        "
        stack: t
        services:
          a:
            build:
              preset: node-npm
              steps: ['curl -fsSL -o /tmp/x.tgz https://example.com/x.tgz']
              env: { NODE_EXTRA_CA_CERTS: /app/ca.pem }
            env:
              NODE_TLS_REJECT_UNAUTHORIZED: '1'
              GIT_SSL_NO_VERIFY: 'false'
            health: { cmd: [curl, -fsS, 'http://127.0.0.1:3000/health'] }
        ",
    ),
    Case::fail(
        "insecure curl in a step, pip trusted host, env switches",
        "
        stack: t
        services:
          a:
            build:
              preset: python-pip
              steps:
                - curl -sSLk -o /tmp/x.tgz https://example.com/x.tgz
                - pip install --no-cache-dir --trusted-host pypi.internal -r extra.txt
              args: { PIP_TRUSTED_HOST: pypi.internal }
            env:
              NODE_TLS_REJECT_UNAUTHORIZED: '0'
            command: [sh, -c, 'GIT_SSL_NO_VERIFY=1 git clone https://git.internal/x && exec app']
        ",
        &[
            "7:11 error",
            "8:11 error",
            "9:33 error",
            "11:37 error",
            "12:23 error",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(s: &str) -> Option<String> {
        simple_commands(s).iter().find_map(|w| insecure_flag(w))
    }

    #[test]
    fn switches() {
        assert!(flag("curl --insecure https://x").is_some());
        assert!(flag("curl -fsSL https://x").is_none());
        assert!(flag("wget --no-check-certificate https://x").is_some());
        assert!(flag("npm config set strict-ssl false").is_some());
        assert!(flag("git -c http.sslVerify=false clone x").is_some());
        assert!(flag("apk add --allow-untrusted x.apk").is_some());
        assert!(flag("dnf install --nogpgcheck x").is_some());
        assert!(flag("echo curl -k").is_none());
        assert!(insecure_env("CURL_CA_BUNDLE", ""));
        assert!(!insecure_env("GIT_SSL_NO_VERIFY", "0"));
    }
}
