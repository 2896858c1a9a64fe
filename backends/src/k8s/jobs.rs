//! Jobs across releases and scheduled work. A Job's pod template is immutable, so each Job is
//! named by a short hash of its template (`migrate-3f2a9c1b`): a changed job is a new Job, an
//! unchanged one is left alone by `kubectl apply`. Dependants wait for that exact name. A Job
//! nobody waits for is deleted a day after it finishes (`ttlSecondsAfterFinished`); one that a
//! service waits for is kept, so the wait of a restarted pod still finds it. `kind: cron`
//! services become CronJobs.

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use stackc_compiler::ir::{Condition, Service, ServiceId};

use super::pod::Workload;
use super::{Emitter, JOB_BACKOFF_LIMIT};
use crate::output::Outcome;

/// Seconds a finished Job nobody waits for is kept (its logs stay readable for a day).
pub const JOB_TTL_SECONDS: i32 = 86_400;
/// Finished Jobs a CronJob keeps.
const CRON_HISTORY: i32 = 3;

/// FNV-1a over the serialised template, 32 bits as 8 hex digits.
fn template_hash(template: &PodTemplateSpec) -> String {
    let text = serde_json::to_string(template).unwrap_or_default();
    let mut h: u32 = 0x811c_9dc5;
    for b in text.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

/// `<name>-<hash>`, at most 63 characters.
fn hashed_name(dns: &str, hash: &str) -> String {
    let mut base = dns.to_string();
    base.truncate(63 - 1 - hash.len());
    format!("{}-{hash}", base.trim_end_matches('-'))
}

impl Emitter<'_> {
    /// Whether a long-running service or another Job waits for job `id` to complete.
    pub(super) fn is_waited_for(&self, id: ServiceId) -> bool {
        self.stack.services.iter().any(|s| {
            s.depends_on
                .iter()
                .any(|d| d.service == id && d.condition == Condition::Completed)
        })
    }

    /// The name of job `id`'s Job: its DNS name and the hash of its pod template.
    pub(super) fn job_name(&mut self, id: ServiceId) -> String {
        if let Some(n) = self.job_names.get(&id) {
            return n.clone();
        }
        let svc = self.stack.service(id);
        let plan = self.pod(svc, Workload::Job);
        let name = hashed_name(&svc.dns_name, &template_hash(&plan.template));
        self.job_names.insert(id, name.clone());
        name
    }

    /// The Job of a job service.
    pub(super) fn job(
        &mut self,
        id: ServiceId,
        labels: std::collections::BTreeMap<String, String>,
        template: PodTemplateSpec,
    ) -> Job {
        let name = self.job_name(id);
        let svc = self.stack.service(id);
        let waited = self.is_waited_for(id);
        if waited {
            self.loss(
                Some(svc),
                "kind: job",
                Outcome::Approximated(format!("the Job `{name}` is kept after it completes so that the pods waiting for it find it; earlier releases' Jobs (other hashes) remain until deleted, e.g. by `kubectl apply --prune`")),
                svc.kind_span,
            );
        }
        Job {
            metadata: self.meta(&name, labels),
            spec: Some(JobSpec {
                backoff_limit: Some(backoff_limit(svc)),
                ttl_seconds_after_finished: (!waited).then_some(JOB_TTL_SECONDS),
                template,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The CronJob of a `kind: cron` service.
    pub(super) fn cron_job(
        &mut self,
        svc: &Service,
        meta: ObjectMeta,
        template: PodTemplateSpec,
    ) -> CronJob {
        let schedule = svc
            .schedule
            .as_ref()
            .expect("a CronJob is made for a scheduled service");
        CronJob {
            metadata: meta,
            spec: Some(CronJobSpec {
                schedule: schedule.cron.clone(),
                time_zone: Some("Etc/UTC".into()),
                concurrency_policy: Some("Forbid".into()),
                successful_jobs_history_limit: Some(CRON_HISTORY),
                failed_jobs_history_limit: Some(1),
                job_template: JobTemplateSpec {
                    metadata: None,
                    spec: Some(JobSpec {
                        backoff_limit: Some(backoff_limit(svc)),
                        template,
                        ..Default::default()
                    }),
                },
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

/// Retries of a Job's pod: the `N` of `restart: on-failure:N`, else [`JOB_BACKOFF_LIMIT`].
fn backoff_limit(svc: &Service) -> i32 {
    svc.restart
        .max_retries
        .map_or(JOB_BACKOFF_LIMIT, |n| i32::try_from(n).unwrap_or(i32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_fit_a_label() {
        assert_eq!(hashed_name("migrate", "3f2a9c1b"), "migrate-3f2a9c1b");
        let long = "a".repeat(63);
        let n = hashed_name(&long, "3f2a9c1b");
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("-3f2a9c1b"));
    }

    #[test]
    fn template_hashes_follow_the_template() {
        let a = PodTemplateSpec::default();
        let b = PodTemplateSpec {
            metadata: Some(ObjectMeta {
                name: Some("x".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(template_hash(&a), template_hash(&a.clone()));
        assert_ne!(template_hash(&a), template_hash(&b));
    }
}
