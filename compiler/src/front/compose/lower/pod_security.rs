//! The Pod Security level a compose file chose: a privileged service, one that shares a host
//! namespace (`network_mode: host`, `pid: host`), adds a capability beyond the `baseline`
//! set or runs without seccomp or AppArmor (`security_opt`) needs the `privileged` level in
//! Kubernetes. The compose file states that choice, so
//! the import carries it into the spec (`targets.k8s.pod_security: privileged`, with the
//! reasons in a comment and the report) and the prod build deploys it; the lint rules still
//! report each of these as a finding.

use super::*;
use crate::front::compose::report::Outcome;
use crate::knowledge::capabilities::is_baseline;

/// Where the report entry for the chosen level lives (the spec writer puts its note above the
/// `pod_security:` line).
pub const POD_SECURITY_PATH: &str = "targets.k8s.pod_security";

impl Lowering<'_> {
    /// Sets `targets.k8s.pod_security: privileged` when a service needs it, and reports why.
    pub(super) fn pod_security(
        &mut self,
        services: &NameMap<ServiceSpec>,
        targets: &mut Option<TargetsSpec>,
    ) {
        let mut reasons: Vec<String> = Vec::new();
        let mut at: Option<Span> = None;
        for (name, s) in services {
            let Some(sec) = &s.security else { continue };
            let mut why: Vec<String> = Vec::new();
            if let Some(p) = sec.privileged.as_ref().filter(|p| p.value) {
                why.push("runs privileged".into());
                at.get_or_insert(p.span);
            }
            for n in &sec.host_namespaces {
                why.push(format!("shares the host's {} namespace", n.value));
                at.get_or_insert(n.span);
            }
            for c in &sec.cap_add {
                let cap = c.value.trim_start_matches("CAP_").to_ascii_uppercase();
                if cap != "NET_BIND_SERVICE" && !is_baseline(&c.value) {
                    why.push(format!("adds {cap}"));
                    at.get_or_insert(c.span);
                }
            }
            // `seccomp:unconfined`, `apparmor:unconfined` (compose takes `:` or `=`).
            for o in &sec.security_opt {
                let what = match o.value.replace(':', "=").as_str() {
                    "seccomp=unconfined" => "runs without seccomp",
                    "apparmor=unconfined" => "runs without AppArmor",
                    _ => continue,
                };
                why.push(what.into());
                at.get_or_insert(o.span);
            }
            if !why.is_empty() {
                reasons.push(format!("`{}` {}", name.value, why.join(", ")));
            }
        }
        let Some(at) = at else { return };
        let k8s = targets
            .get_or_insert_with(TargetsSpec::default)
            .k8s
            .get_or_insert_with(K8sTargetSpec::default);
        if k8s.pod_security.is_some() {
            return;
        }
        k8s.pod_security = Some(PodSecurity::Privileged.written(at));
        self.cx.report.push(
            POD_SECURITY_PATH,
            at,
            Outcome::Approximated(format!(
                "the compose file's choice, kept: {}, which Kubernetes allows only at the `privileged` Pod Security level; lint still reports it",
                reasons.join("; ")
            )),
        );
    }
}
