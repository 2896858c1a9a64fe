//! `restart:` of a service: a policy, or one variable of the stack (`${vars.NAME}`, what an
//! imported `restart: ${RESTART_POLICY}` becomes). Compose interpolates a deploy-time variable
//! itself; every other target writes the variable's value in this build (`--set`, else its
//! default), which must be a policy.

use crate::diag::ErrorCode;

use super::*;

impl Resolver {
    pub(super) fn restart(
        &mut self,
        written: Option<&Sp<String>>,
        kind: WorkloadKind,
        names: &Names,
    ) -> Restart {
        let default = if kind == WorkloadKind::Job {
            RestartPolicy::No
        } else {
            RestartPolicy::UnlessStopped
        };
        let span = written.map(|r| r.span);
        // `on-failure:N`: at most N restarts.
        if let Some(n) = written
            .and_then(|w| w.value.strip_prefix("on-failure:"))
            .and_then(|n| n.parse::<u32>().ok())
        {
            return Restart {
                policy: RestartPolicy::OnFailure,
                span,
                template: None,
                max_retries: Some(n),
            };
        }
        let Some(w) = written.filter(|w| w.value.contains("${")) else {
            return Restart {
                policy: self.word(written, default),
                span,
                template: None,
                max_retries: None,
            };
        };
        let (policy, template) = self.restart_from_variable(w, names, default);
        Restart {
            policy,
            span,
            template,
            max_retries: None,
        }
    }

    /// `restart: ${vars.NAME}`: the policy the variable's value names (`default` when it has
    /// none), and the value for compose when the variable is read when deploying.
    fn restart_from_variable(
        &mut self,
        w: &Sp<String>,
        names: &Names,
        default: RestartPolicy,
    ) -> (RestartPolicy, Option<Value>) {
        let value = self.value(w, names);
        let id = match value.segments.as_slice() {
            [Segment::Var(id)] => *id,
            // A reference that did not resolve was reported where it was read.
            segs if segs.iter().all(|s| matches!(s, Segment::Literal(_))) => {
                return (default, None);
            }
            _ => {
                self.err(
                    ErrorCode::RestartPolicyFromVariable,
                    format!(
                        "restart policy `{}` is not a policy or one variable",
                        w.value.escape_debug()
                    ),
                    w.span,
                    "not a restart policy",
                    format!(
                        "write one of {}, or one variable alone: `${{vars.NAME}}`",
                        listed::<RestartPolicy>()
                    ),
                );
                return (default, None);
            }
        };
        let (name, _, deploy) = &names.var_fixed[id.index()];
        let (name, deploy) = (name.clone(), *deploy);
        let value_now = names.var_values[id.index()]
            .as_ref()
            .filter(|v| !v.is_empty() || !deploy);
        let policy = match value_now {
            Some(v) => match RestartPolicy::parse(v) {
                Some(p) => p,
                None => {
                    self.err(
                        ErrorCode::RestartPolicyFromVariable,
                        format!(
                            "restart policy `{}` is `{}`, not a restart policy",
                            w.value.escape_debug(),
                            v.escape_debug()
                        ),
                        w.span,
                        format!("`{name}` is `{}` in this build", v.escape_debug()),
                        format!(
                            "set `{name}` to one of {} (its `default`, or `--set {name}=VALUE`)",
                            listed::<RestartPolicy>()
                        ),
                    );
                    default
                }
            },
            None if !deploy => {
                self.err(
                    ErrorCode::RestartPolicyFromVariable,
                    format!(
                        "restart policy `{}`: variable `{name}` has no value in this environment",
                        w.value.escape_debug()
                    ),
                    w.span,
                    "no value to take the policy from",
                    format!(
                        "give `{name}` a `default` or `from_env`, or pass `--set {name}=VALUE`"
                    ),
                );
                default
            }
            // Compose takes it when it runs; the other targets need a value (`STK057` there).
            None => default,
        };
        (policy, deploy.then_some(value))
    }
}
