//! Availability of long-running workloads: a PodDisruptionBudget when there is more than one
//! replica, pods spread across nodes, a bounded revision history and rolling updates that never
//! drop below the wanted replica count.

use k8s_openapi::api::apps::v1::{
    DeploymentStrategy, RollingUpdateDeployment, RollingUpdateStatefulSetStrategy,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{PodTemplateSpec, TopologySpreadConstraint};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use stackc_compiler::ir::Service;

use super::Emitter;
use super::names::{labels, selector};

/// Old ReplicaSets (or StatefulSet revisions) kept for `kubectl rollout undo`.
pub const REVISION_HISTORY_LIMIT: i32 = 5;

/// Rolling update of a Deployment: one extra pod at a time, none taken away first.
pub(super) fn deployment_strategy() -> DeploymentStrategy {
    DeploymentStrategy {
        type_: Some("RollingUpdate".into()),
        rolling_update: Some(RollingUpdateDeployment {
            max_unavailable: Some(IntOrString::Int(0)),
            max_surge: Some(IntOrString::Int(1)),
        }),
    }
}

/// Rolling update of a StatefulSet: one pod at a time, highest ordinal first.
pub(super) fn statefulset_strategy() -> StatefulSetUpdateStrategy {
    StatefulSetUpdateStrategy {
        type_: Some("RollingUpdate".into()),
        rolling_update: Some(RollingUpdateStatefulSetStrategy {
            partition: Some(0),
            ..Default::default()
        }),
    }
}

impl Emitter<'_> {
    /// Spreads the pods of `svc` across nodes, best effort (`ScheduleAnyway`).
    pub(super) fn spread(&self, svc: &Service, template: &mut PodTemplateSpec) {
        if let Some(spec) = template.spec.as_mut() {
            spec.topology_spread_constraints = Some(vec![TopologySpreadConstraint {
                max_skew: 1,
                topology_key: "kubernetes.io/hostname".into(),
                when_unsatisfiable: "ScheduleAnyway".into(),
                label_selector: Some(LabelSelector {
                    match_labels: Some(selector(self.stack, svc)),
                    ..Default::default()
                }),
                ..Default::default()
            }]);
        }
    }

    /// A PodDisruptionBudget letting a voluntary disruption take one pod at a time, for a
    /// workload with more than one replica.
    pub(super) fn disruption_budget(&self, svc: &Service) -> Option<PodDisruptionBudget> {
        (svc.replicas > 1).then(|| PodDisruptionBudget {
            metadata: self.meta(&svc.dns_name, labels(self.stack, svc)),
            spec: Some(PodDisruptionBudgetSpec {
                max_unavailable: Some(IntOrString::Int(1)),
                selector: Some(LabelSelector {
                    match_labels: Some(selector(self.stack, svc)),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}
