//! A capability added beyond the Pod Security baseline.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a capability in `cap_add` that is dangerous (`SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`,
    /// `SYS_MODULE`, `DAC_READ_SEARCH`, `SYS_RAWIO`, `BPF`, `ALL`, ...: an error) or merely
    /// outside the Kubernetes Pod Security baseline set (a warning). Baseline capabilities such as
    /// `CHOWN`, `SETUID` or `NET_BIND_SERVICE` are fine.
    ///
    /// ## Why is this bad?
    /// stackc drops every capability by default. The dangerous ones are close to root:
    /// `SYS_ADMIN` allows mounting filesystems, `SYS_PTRACE` reading other processes' memory,
    /// `SYS_MODULE` loading kernel code, `NET_ADMIN` reconfiguring the network. Pod Security's
    /// baseline profile rejects anything outside its list, so the pod does not even start on a
    /// cluster that enforces it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: ghcr.io/acme/vpn:1.4.0
    ///     security: { cap_add: [SYS_ADMIN] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: ghcr.io/acme/vpn:1.4.0
    ///     security: { cap_add: [NET_BIND_SERVICE] }
    /// ```
    pub struct DangerousCapabilityAdded;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "capability added beyond the pod security baseline",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security"],
    requires: None,
};

pub use crate::knowledge::capabilities::capability_name;
use crate::knowledge::capabilities::{DANGEROUS, POD_SECURITY_BASELINE as BASELINE};

impl DangerousCapabilityAdded {
    fn dangerous(svc: &Service, cap: &Sp<String>) -> Violation {
        Violation::new(format!("service `{}` adds the dangerous capability `{}`", svc.name.value, cap.value), cap.span, "close to root")
            .help("remove it; find the narrower capability the service needs, or run the task outside the container")
    }

    fn beyond_baseline(svc: &Service, cap: &Sp<String>) -> Violation {
        Violation::new(format!("service `{}` adds `{}`, outside the Pod Security baseline", svc.name.value, cap.value), cap.span, "rejected by the baseline profile")
            .severity(Severity::Warning)
            .help("remove it if the service runs without it; clusters enforcing the baseline profile refuse the pod")
    }
}

/// Reports added capabilities outside the baseline.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for cap in &svc.security.cap_add {
            let name = capability_name(&cap.value);
            let path = format!("security.cap_add.{name}");
            if DANGEROUS.contains(&name) {
                out.push(DangerousCapabilityAdded::dangerous(svc, cap).in_service(id, path));
            } else if !BASELINE.contains(&name) && name != "NET_RAW" {
                // NET_RAW is STK605's.
                out.push(DangerousCapabilityAdded::beyond_baseline(svc, cap).in_service(id, path));
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "baseline capabilities",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { cap_add: [CHOWN, cap_setuid, NET_BIND_SERVICE] } }
        ",
    ),
    Case::fail(
        "dangerous and beyond baseline",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { cap_add: [SYS_ADMIN, CAP_IPC_LOCK] } }
        ",
        &["3:59 error", "3:70 warning"],
    ),
];
