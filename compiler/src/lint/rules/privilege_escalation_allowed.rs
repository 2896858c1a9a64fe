//! A service that turns off `no_new_privileges`.

use super::prelude::*;
use crate::lint::fix::{Edit, Fix, append_to_block};

declare_rule! {
    /// ## What it does
    /// Flags `security: { no_new_privileges: false }`. stackc sets `no-new-privileges` (compose
    /// `security_opt`, Kubernetes `allowPrivilegeEscalation: false`, systemd
    /// `NoNewPrivileges=yes`) on every container by default; the rule fires on the opt-out,
    /// explicit or through `security: { defaults: runtime }`, and on a compose file's service
    /// without `security_opt: [no-new-privileges:true]`.
    ///
    /// ## Why is this bad?
    /// Without it, a setuid binary in the image (`su`, `sudo`, `ping` in some images) lets a
    /// compromised process gain privileges the container was started without.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:3.1.0
    ///     security: { no_new_privileges: false }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:3.1.0
    /// ```
    pub struct PrivilegeEscalationAllowed;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "service allows privilege escalation through setuid binaries",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security"],
    requires: None,
};

impl PrivilegeEscalationAllowed {
    fn allowed(svc: &Service, span: Span) -> Violation {
        Violation::new(format!("service `{}` turns off `no_new_privileges`", svc.name.value), span, "setuid binaries can raise privileges")
            .help("remove `no_new_privileges: false`; if a setuid helper is really needed, give the service the capability it needs instead")
    }

    /// `security: { defaults: runtime }` and no `no_new_privileges: true`.
    fn runtime_defaults(svc: &Service, span: Span) -> Violation {
        Violation::new(
            format!(
                "service `{}` takes the runtime's defaults, which allow gaining privileges",
                svc.name.value
            ),
            span,
            "`no_new_privileges` left to the runtime",
        )
        .help("add `no_new_privileges: true` to `security`, or remove `defaults: runtime`")
    }

    /// A compose file leaves it unset (compose's default), reported at the service.
    fn unset(svc: &Service, span: Span) -> Violation {
        Violation::new(
            format!(
                "service `{}` does not set `no-new-privileges`",
                svc.name.value
            ),
            span,
            "setuid binaries can raise privileges",
        )
        .help("add `security_opt: [\"no-new-privileges:true\"]` (stack specs set it by default)")
    }
}

/// What a `security_opt` entry says about `no-new-privileges`: `no-new-privileges`,
/// `no-new-privileges:true` and `no-new-privileges=true` set it; `:false`/`=false` turn it off.
fn nnp_option(opt: &str) -> Option<bool> {
    let o = opt.trim().to_ascii_lowercase();
    let rest = o.strip_prefix("no-new-privileges")?;
    match rest {
        "" | ":true" | "=true" | ":1" | "=1" => Some(true),
        ":false" | "=false" | ":0" | "=0" => Some(false),
        _ => None,
    }
}

/// The last `no-new-privileges` entry of `security_opt`, with its span.
fn nnp_from_options(svc: &Service) -> Option<Sp<bool>> {
    svc.security
        .security_opt
        .iter()
        .filter_map(|o| nnp_option(&o.value).map(|v| Sp::new(v, o.span)))
        .next_back()
}

/// Reports an explicit opt-out of `no_new_privileges`.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let n = &svc.security.no_new_privileges;
        let from_opt = nnp_from_options(svc);
        if let Some(o) = &from_opt {
            if !o.value {
                out.push(
                    PrivilegeEscalationAllowed::allowed(svc, o.span)
                        .in_service(id, "security.no_new_privileges"),
                );
            }
            continue;
        }
        if !n.value && n.span != Span::DUMMY {
            let from_defaults = svc.security.runtime_defaults == Some(n.span);
            let v = if from_defaults && n.span == svc.name.span {
                let fix = if svc.security.security_opt.is_empty() {
                    append_to_block(
                        &ctx.file().text,
                        svc.name.span,
                        "security_opt: [\"no-new-privileges:true\"]",
                    )
                    .map(|e| Fix::new("add `security_opt: [\"no-new-privileges:true\"]`", vec![e]))
                } else {
                    None
                };
                PrivilegeEscalationAllowed::unset(svc, n.span).fix(fix)
            } else if from_defaults {
                PrivilegeEscalationAllowed::runtime_defaults(svc, n.span)
            } else {
                let fix = (ctx.file().slice(n.span) == "false").then(|| {
                    Fix::new(
                        "set `no_new_privileges: true`",
                        vec![Edit {
                            span: n.span,
                            replacement: "true".into(),
                        }],
                    )
                });
                PrivilegeEscalationAllowed::allowed(svc, n.span).fix(fix)
            };
            out.push(v.in_service(id, "security.no_new_privileges"));
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "default and explicit true",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0 }
          b: { image: ghcr.io/acme/b:1.0.0, security: { no_new_privileges: true } }
        ",
    ),
    Case::pass(
        "runtime defaults with no-new-privileges in security_opt, in each spelling",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { defaults: runtime, security_opt: ['no-new-privileges:true'] } }
          b: { image: ghcr.io/acme/b:1.0.0, security: { defaults: runtime, security_opt: ['no-new-privileges=true'] } }
          c: { image: ghcr.io/acme/c:1.0.0, security: { defaults: runtime, security_opt: ['no-new-privileges'] } }
        ",
    ),
    Case::fail(
        "security_opt turns it off",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { security_opt: ['no-new-privileges:false'] } }
        ",
        &["3:64 warning"],
    ),
    Case::fail(
        "runtime defaults",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { defaults: runtime } }
        ",
        &["3:59 warning"],
    ),
    Case::fail(
        "explicit false",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { no_new_privileges: false } }
        ",
        &["3:68 warning"],
    ),
];
