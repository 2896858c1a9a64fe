//! The few rules by which a target legitimately differs from the spec (each one a documented
//! approximation of that target; see docs/verify.md).

use stackc_compiler::ir::{Service, Stack};

use crate::Target;

/// Names an object of the spec (service, volume, network, secret) can have in a target: as
/// written, DNS-1123 form, and prefixed with the stack name (systemd units, Podman objects).
pub fn object_names(stack: &str, name: &str, dns: &str) -> Vec<String> {
    let mut v = vec![
        name.to_string(),
        dns.to_string(),
        format!("{stack}-{dns}"),
        format!("{stack}_{name}"),
    ];
    v.dedup();
    v
}

/// Rule: a systemd unit restarts by `Restart=`; `unless-stopped` is `always` (an enabled unit).
pub fn systemd_restart(policy: &str) -> &'static str {
    match policy {
        "always" | "unless-stopped" => "always",
        "on-failure" => "on-failure",
        _ => "no",
    }
}

/// Rule: systemd targets run one container per service (replicas are in their loss report);
/// Kubernetes restarts through the workload kind, not a policy field.
pub fn has_replicas(t: Target) -> bool {
    matches!(t, Target::Compose | Target::K8s)
}
pub fn has_restart(t: Target) -> bool {
    matches!(t, Target::Compose | Target::Quadlet | Target::Units)
}
/// Rule: only compose and Kubernetes write requests (reservations).
pub fn has_requests(t: Target) -> bool {
    matches!(t, Target::Compose | Target::K8s)
}
/// Rule: Kubernetes turns health checks into probes with their own timings; only their
/// presence is compared.
pub fn compares_health_details(t: Target) -> bool {
    !matches!(t, Target::K8s)
}
/// Rule: systemd orders units with `Requires=` + `After=`, which cannot say which condition;
/// Kubernetes waits for a Job to complete, or for a port to answer (started or healthy).
pub fn compares_conditions(t: Target) -> bool {
    matches!(t, Target::Compose)
}
/// Rule: Kubernetes takes a numeric `user` only (`runAsUser[:runAsGroup]`); a name is left
/// to the image.
pub fn compares_user(t: Target, user: &str) -> bool {
    t != Target::K8s
        || user
            .split(':')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}
/// Rule: compose runs one service of its own when a volume has an owner: `stackc-volume-init`,
/// a one-shot `chown` of the owned volumes' root directories before their users start (see
/// the compose backend's volume ownership).
pub fn is_backend_service(stack: &Stack, t: Target, name: &str) -> bool {
    t == Target::Compose
        && name == "stackc-volume-init"
        && stack.volumes.iter().any(|v| v.owner.is_some())
}

/// Workloads the output holds but the spec does not are reported for targets where every
/// workload comes from a service (Kubernetes may hold helper objects).
pub fn reports_extra_workloads(t: Target) -> bool {
    matches!(t, Target::Compose | Target::Quadlet | Target::Units)
}

/// Rule: a service on no network joins the default one; and compose and Podman cannot publish a
/// port of a container that is only on internal networks, so such a service also joins the
/// stack's default network (`default`, `<stack>-default`), as their loss reports say.
pub fn may_join_default(stack: &Stack, svc: &Service) -> bool {
    svc.networks.is_empty()
        || (svc.ports.iter().any(|p| p.is_published())
            && svc.networks.iter().all(|(n, _)| stack.network(*n).internal))
}

/// Rule: a recipe's named user is created by the image with a numeric UID, which `USER`
/// names; `root` may be written `0:0`. A numeric user is written as it is.
pub fn image_user_agrees(recipe: &str, written: &str) -> bool {
    let numeric = |s: &str| {
        s.split(':')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    if recipe == written {
        return true;
    }
    match recipe {
        "root" | "0" => matches!(written, "0" | "0:0" | "root"),
        r if numeric(r) => false,
        _ => numeric(written) && !written.starts_with("0:") && written != "0",
    }
}

/// Rule: a shell-form command (one string run by `/bin/sh -c`) is written by each target in
/// its own way (a string, `sh -c` words); only exec-form commands are compared.
pub fn compares_command(shell: bool) -> bool {
    !shell
}

/// Rule: in Kubernetes a service that waits for another (`depends_on`) from outside its
/// networks may reach that service's ports: its init container checks the port answers.
pub fn dependent_may_reach(stack: &Stack, dependent: &str, dependency: &Service) -> bool {
    stack.services.iter().any(|s| {
        s.name.value == dependent
            && s.depends_on
                .iter()
                .any(|d| stack.service(d.service).name.value == dependency.name.value)
    })
}

/// Rule: Kubernetes enforces start order with init containers: `completed` on a Job waits for
/// the Job; `started` and `healthy` wait for a TCP port to answer, so need one; `completed` on
/// a long-running service cannot be waited for. The others are in its loss report.
pub fn k8s_waits_for(stack: &Stack, dependency: &str, completed: bool) -> bool {
    stack.services.iter().any(|d| {
        d.name.value == dependency
            && if completed {
                d.is_job()
            } else {
                d.ports
                    .iter()
                    .any(|p| p.protocol == stackc_compiler::ir::Protocol::Tcp)
            }
    })
}

/// Rule: a Kubernetes Job has no probes (its health check is in the loss report).
pub fn has_health(t: Target, job: bool) -> bool {
    !(t == Target::K8s && job)
}
