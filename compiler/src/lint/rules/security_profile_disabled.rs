//! A container with seccomp, AppArmor or SELinux confinement turned off.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a `security_opt` entry that disables a confinement profile: `seccomp=unconfined`,
    /// `apparmor=unconfined`, `label=disable` (SELinux), `systempaths=unconfined` (also with `:`
    /// instead of `=`).
    ///
    /// ## Why is this bad?
    /// The default seccomp profile blocks about fifty system calls that containers never need and
    /// kernel exploits love (`keyctl`, `unshare`, `bpf`, ...); AppArmor and SELinux confine file
    /// access. Turning them off removes the layers that stop a compromised process from becoming
    /// a host compromise. Pod Security's baseline profile forbids it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:3.1.0
    ///     security: { security_opt: ["seccomp=unconfined"] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:3.1.0
    /// ```
    pub struct SecurityProfileDisabled;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "seccomp, apparmor or selinux confinement is turned off",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security"],
    requires: None,
};

/// The profile an option disables, if it disables one.
fn disabled(opt: &str) -> Option<&'static str> {
    let o = opt.trim().to_ascii_lowercase();
    let (k, v) = o.split_once(['=', ':'])?;
    match (k.trim(), v.trim()) {
        ("seccomp", "unconfined") => Some("seccomp"),
        ("apparmor", "unconfined") => Some("AppArmor"),
        ("label", "disable") => Some("SELinux labelling"),
        ("systempaths", "unconfined") => Some("masked system paths"),
        _ => None,
    }
}

impl SecurityProfileDisabled {
    fn off(svc: &Service, opt: &Sp<String>, what: &str) -> Violation {
        Violation::new(format!("service `{}` turns off {what} confinement (`{}`)", svc.name.value, opt.value), opt.span, "confinement disabled")
            .help("remove the option; if a system call is really missing, use a custom profile that allows just that call")
    }
}

/// Reports disabled confinement.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for opt in &svc.security.security_opt {
            if let Some(what) = disabled(&opt.value) {
                out.push(
                    SecurityProfileDisabled::off(svc, opt, what)
                        .in_service(id, format!("security.security_opt.{}", opt.value)),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "custom and default profiles",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { security_opt: ['seccomp=./profile.json', 'apparmor=docker-default'] } }
        ",
    ),
    Case::fail(
        "seccomp and selinux off",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { security_opt: ['seccomp:unconfined', 'label=disable'] } }
        ",
        &["3:64 error", "3:86 error"],
    ),
];
