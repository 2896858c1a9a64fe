//! Pod Security: the level each workload needs, with the fields that need it. The namespace
//! enforces the most permissive level its pods need, never above `targets.k8s.pod_security`
//! (default `baseline`): a pod that needs more is refused with a located error (STK043), and
//! every pod that needs more than `restricted` is named in the loss report and the README.

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{PodSecurity as Level, Service};

use super::Emitter;
use crate::output::Outcome;

/// Capabilities the `baseline` Pod Security Standard lets a container add.
pub(super) use stackc_compiler::knowledge::capabilities::POD_SECURITY_BASELINE as BASELINE_CAPS;

/// Why a workload needs a level above `restricted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct LevelReason {
    pub service: String,
    pub level: Level,
    pub span: Option<Span>,
    pub why: String,
}

impl Emitter<'_> {
    /// Records that `svc` needs `level` because of the field at `span`.
    pub(super) fn require_level(
        &mut self,
        svc: &Service,
        level: Level,
        span: Option<Span>,
        why: String,
    ) {
        let r = LevelReason {
            service: svc.name.value.clone(),
            level,
            span,
            why,
        };
        if !self.level_reasons.contains(&r) {
            self.level_reasons.push(r);
        }
    }

    /// The capabilities and privileges of `svc` that raise its level.
    pub(super) fn capability_reasons(&mut self, svc: &Service) {
        let sec = &svc.security;
        if let Some(p) = sec.privileged.as_ref().filter(|p| p.value) {
            self.require_level(
                svc,
                Level::Privileged,
                Some(p.span),
                "runs privileged".into(),
            );
        }
        for c in &sec.cap_add {
            let name = c.value.trim_start_matches("CAP_").to_ascii_uppercase();
            if name == "NET_BIND_SERVICE" {
                continue;
            }
            let level = if BASELINE_CAPS.contains(&name.as_str()) {
                Level::Baseline
            } else {
                Level::Privileged
            };
            self.require_level(svc, level, Some(c.span), format!("adds {name}"));
        }
    }

    /// Located errors for pods that need more than the namespace may enforce, and a loss entry
    /// for each pod that needs more than `restricted`.
    pub(super) fn pod_security_check(&mut self) -> Vec<Diagnostic> {
        let stack = self.stack;
        let allowed = stack.targets.k8s.pod_security;
        let mut errors = Vec::new();
        // Per service: its reasons within the allowed level, joined into one loss entry.
        let mut allowed_reasons: Vec<(String, Level, Option<Span>, Vec<String>)> = Vec::new();
        for r in self.level_reasons.clone() {
            let svc = stack
                .services
                .iter()
                .find(|s| s.name.value == r.service)
                .expect("a reason names a service of the stack");
            if r.level > allowed {
                errors.push(
                    Diagnostic::error(
                        ErrorCode::K8sPodSecurityTooLow,
                        format!(
                            "`{}` needs Pod Security level `{}` ({}), above the namespace's `{}`",
                            r.service,
                            r.level.as_str(),
                            r.why,
                            allowed.as_str()
                        ),
                    )
                    .at(&stack.file, r.span.unwrap_or(svc.name.span), "needs a more permissive level")
                    .help(format!(
                        "remove what needs it, or set `targets.k8s.pod_security: {}` to let the namespace admit such pods",
                        r.level.as_str()
                    )),
                );
            } else {
                match allowed_reasons.iter_mut().find(|(s, ..)| *s == r.service) {
                    Some((_, level, _, whys)) => {
                        *level = (*level).max(r.level);
                        whys.push(r.why);
                    }
                    None => allowed_reasons.push((r.service, r.level, r.span, vec![r.why])),
                }
            }
        }
        for (service, level, span, whys) in allowed_reasons {
            let svc = stack.services.iter().find(|s| s.name.value == service);
            self.loss(
                svc,
                "pod security",
                Outcome::Approximated(format!(
                    "the pod needs level `{}` ({}), so namespace `{}` enforces `{}` rather than `restricted`",
                    level.as_str(),
                    whys.join(", "),
                    stack.targets.k8s.namespace,
                    self.level.as_str()
                )),
                span,
            );
        }
        errors
    }
}
