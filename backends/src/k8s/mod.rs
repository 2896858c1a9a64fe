//! Kubernetes backend: typed objects through k8s-openapi, a kustomization listing them.
//!
//! Invariants:
//! - every object is a k8s-openapi struct serialised through `syntax::emit::to_yaml`; no YAML is
//!   assembled from strings, so no user text can add a key or a document;
//! - output is a pure function of the stack: files are sorted by path, objects follow the stack's
//!   order, maps are sorted, and nothing depends on time, randomness or the machine;
//! - no secret value is ever written: secrets reach containers through `secretKeyRef` (composed
//!   values through `$(STACKC_SECRET_<ENV_NAME>)` helper variables), and the kustomization
//!   generates the Secret from the git-ignored `secrets.env` that `stackc secrets init --k8s`
//!   writes (`secrets.example.env` holds its keys only);
//! - every namespaced object carries `targets.k8s.namespace` and the labels
//!   `app.kubernetes.io/{name,part-of,managed-by}`;
//! - literal text in fields Kubernetes expands (`env`, `command`, `args`, exec probes) is escaped,
//!   so `$(X)` and `$$` written by the user reach the container unchanged;
//! - whatever the manifests cannot express is named in the loss report (target `k8s`).

mod availability;
mod exposure;
mod jobs;
mod kustomize;
mod names;
mod network;
mod pod;
mod podsecurity;
mod readme;
mod secret_files;
mod values;
mod volumes;
mod yaml;

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{SecretSource, Service, ServiceId, Stack, VolumeId};
use stackc_compiler::target::Target;
use stackc_compiler::valid::Validated;

use crate::output::{BackendOutput, EmitContext, LossSink, Outcome, OutputFile};
use names::{SECRET_HELPER_PREFIX, is_subdomain, labels, selector, stack_labels};
use pod::Workload;

pub use jobs::JOB_TTL_SECONDS;
pub use kustomize::{SECRETS_ENV, secret_env_keys};
pub use pod::kubectl_image;

/// Retries of a Job's pod before the Job fails.
pub const JOB_BACKOFF_LIMIT: i32 = 4;

/// Pod Security Standards level, least to most permissive.
use stackc_compiler::ir::PodSecurity as Level;

/// State of one run: the stack, the losses found so far, the most permissive pod level.
struct Emitter<'a> {
    stack: &'a Stack,
    losses: LossSink,
    level: Level,
    /// Why workloads need a level above `restricted`.
    level_reasons: Vec<podsecurity::LevelReason>,
    /// The hashed name of each job's Job.
    job_names: std::collections::HashMap<ServiceId, String>,
    /// Whether several workloads mount each volume.
    shared: Vec<bool>,
}

impl<'a> Emitter<'a> {
    pub(super) fn loss(
        &mut self,
        svc: Option<&Service>,
        feature: impl Into<String>,
        outcome: Outcome,
        span: Option<Span>,
    ) {
        self.losses
            .record(svc.map(|s| s.name.value.as_str()), feature, outcome, span);
    }

    fn record_level(&mut self, level: Level) {
        self.level = self.level.max(level);
    }

    /// Minor version targeted (`1.31` → 31).
    fn minor_version(&self) -> u32 {
        self.stack
            .targets
            .k8s
            .version
            .as_str()
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(33)
    }

    /// Metadata of a namespaced object.
    fn meta(&self, name: &str, labels: BTreeMap<String, String>) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(self.stack.targets.k8s.namespace.clone()),
            labels: Some(labels),
            ..Default::default()
        }
    }

    /// Errors that make the stack impossible to emit for Kubernetes.
    fn check(&self) -> Vec<Diagnostic> {
        let stack = self.stack;
        let f = &stack.file;
        let mut errors = crate::deploy_values::check_values(stack, Target::K8s);
        for svc in &stack.services {
            for e in &svc.env {
                if e.key.value.starts_with(SECRET_HELPER_PREFIX) {
                    errors.push(
                        Diagnostic::error(ErrorCode::K8sReservedEnvPrefix, format!("environment variable `{}` of `{}` uses a name stackc reserves", e.key.value, svc.name.value))
                            .at(f, e.key.span, "reserved prefix")
                            .help(format!("the Kubernetes backend carries secrets in `{SECRET_HELPER_PREFIX}*` variables; rename this one")),
                    );
                }
            }
        }
        for s in &stack.secrets {
            if let SecretSource::External(name) = &s.source
                && !is_subdomain(name)
            {
                errors.push(
                    Diagnostic::error(
                        ErrorCode::K8sInvalidSecretName,
                        format!("external secret `{name}` is not a Kubernetes Secret name"),
                    )
                    .at(f, s.name.span, "used as a Secret name")
                    .help("name an existing Secret: lowercase letters, digits, `-` and `.`"),
                );
            }
        }
        errors.extend(names::collisions(stack));
        errors
    }
}

/// Generates the Kubernetes manifests of a validated stack: one file per workload, its Services,
/// ConfigMaps, PodDisruptionBudget and RBAC, plus `ingress.yaml`, `networkpolicies.yaml`,
/// `namespace.yaml`, `kustomization.yaml` (with the Secret's generator and the patches),
/// `secrets.example.env`, `.gitignore` and `README.md`.
pub fn emit(stack: &Validated<Stack>, ctx: &EmitContext) -> Result<BackendOutput, Vec<Diagnostic>> {
    let stack: &Stack = stack;
    let mut e = Emitter {
        stack,
        losses: LossSink::new(Target::K8s),
        level: Level::Restricted,
        level_reasons: Vec::new(),
        job_names: std::collections::HashMap::new(),
        shared: Vec::new(),
    };
    let mut errors = e.check();
    errors.extend(e.volume_check());
    let routes = match e.routes() {
        Ok(r) => r,
        Err(d) => {
            errors.extend(d);
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let header = ctx.header_lines(&stack.env);
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut api_clients: Vec<ServiceId> = Vec::new();
    let mut standalone: Vec<VolumeId> = Vec::new();

    for (id, svc) in stack.services_with_ids() {
        let workload = Workload::of(svc);
        let plan = e.pod(svc, workload);
        let dns = &svc.dns_name;
        files.insert(
            format!("{dns}.{}.yaml", workload.suffix()),
            yaml::file(
                &header,
                &[e.workload(
                    id,
                    svc,
                    workload,
                    plan.template.clone(),
                    plan.claims.clone(),
                )?],
            ),
        );
        if let Some(pdb) = e.disruption_budget(svc).filter(|_| !workload.completes()) {
            files.insert(
                format!("{dns}.pdb.yaml"),
                yaml::file(&header, &[yaml::document(&pdb)?]),
            );
        }
        let services = e.services(id, svc, workload, &routes);
        if !services.is_empty() {
            let docs = services
                .iter()
                .map(yaml::document)
                .collect::<Result<Vec<_>, _>>()?;
            files.insert(format!("{dns}.service.yaml"), yaml::file(&header, &docs));
        }
        if !plan.config_maps.is_empty() {
            let docs = plan
                .config_maps
                .iter()
                .map(yaml::document)
                .collect::<Result<Vec<_>, _>>()?;
            files.insert(format!("{dns}.configmaps.yaml"), yaml::file(&header, &docs));
        }
        for vid in plan.standalone_claims {
            if !standalone.contains(&vid) {
                standalone.push(vid);
                let doc = yaml::document(&e.claim(vid, true))?;
                files.insert(
                    format!("{}.pvc.yaml", stack.volume(vid).dns_name),
                    yaml::file(&header, &[doc]),
                );
            }
        }
        if !plan.waits_for_jobs.is_empty() {
            api_clients.push(id);
            let docs = e.rbac(svc, &plan.waits_for_jobs)?;
            files.insert(format!("{dns}.rbac.yaml"), yaml::file(&header, &docs));
        }
    }
    let errors = e.pod_security_check();
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Some(ing) = e.ingress(&routes) {
        files.insert(
            "ingress.yaml".into(),
            yaml::file(&header, &[yaml::document(&ing)?]),
        );
    }
    let policies = e.network_policies(&api_clients, &routes);
    let docs = policies
        .iter()
        .map(yaml::document)
        .collect::<Result<Vec<_>, _>>()?;
    files.insert("networkpolicies.yaml".into(), yaml::file(&header, &docs));
    files.insert(
        "namespace.yaml".into(),
        yaml::file(&header, &[yaml::document(&e.namespace())?]),
    );
    kustomize::write(stack, &header, &mut files)?;
    if let Some(example) = readme::secrets_example(stack, &header) {
        files.insert("secrets.example.env".into(), example);
    }
    let readme = readme::readme(stack, &header, &files, e.losses.entries(), ctx);
    files.insert("README.md".into(), readme);

    Ok(BackendOutput {
        files: files
            .into_iter()
            .map(|(p, c)| OutputFile::new(p, c))
            .collect(),
        losses: {
            let mut l = e.losses;
            l.extend(crate::output::compose_only_losses(stack, Target::K8s));
            l.into_entries()
        },
    })
}

impl Emitter<'_> {
    /// The workload object of a service, as a YAML document.
    fn workload(
        &mut self,
        id: ServiceId,
        svc: &Service,
        workload: Workload,
        mut template: k8s_openapi::api::core::v1::PodTemplateSpec,
        claims: Vec<k8s_openapi::api::core::v1::PersistentVolumeClaim>,
    ) -> Result<String, Vec<Diagnostic>> {
        let stack = self.stack;
        let replicas = Some(i32::try_from(svc.replicas).unwrap_or(i32::MAX));
        let sel = LabelSelector {
            match_labels: Some(selector(stack, svc)),
            ..Default::default()
        };
        let meta = self.meta(&svc.dns_name, labels(stack, svc));
        match workload {
            Workload::Deployment => {
                self.spread(svc, &mut template);
                yaml::document(&Deployment {
                    metadata: meta,
                    spec: Some(DeploymentSpec {
                        replicas,
                        selector: sel,
                        template,
                        revision_history_limit: Some(availability::REVISION_HISTORY_LIMIT),
                        strategy: Some(availability::deployment_strategy()),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
            }
            Workload::StatefulSet => {
                if svc.replicas > 1 && !claims.is_empty() {
                    self.loss(
                        Some(svc),
                        "replicas",
                        Outcome::Approximated("each replica of a StatefulSet gets its own volume claims: replicas do not share data".into()),
                        svc.replicas_span,
                    );
                }
                self.spread(svc, &mut template);
                yaml::document(&StatefulSet {
                    metadata: meta,
                    spec: Some(StatefulSetSpec {
                        replicas,
                        selector: sel,
                        service_name: Some(network::headless_name(svc)),
                        template,
                        volume_claim_templates: (!claims.is_empty()).then_some(claims),
                        revision_history_limit: Some(availability::REVISION_HISTORY_LIMIT),
                        update_strategy: Some(availability::statefulset_strategy()),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
            }
            Workload::Job => {
                let job = self.job(id, labels(stack, svc), template);
                yaml::document(&job)
            }
            Workload::CronJob => {
                let cron = self.cron_job(svc, meta, template);
                yaml::document(&cron)
            }
        }
    }

    /// ServiceAccount, Role and RoleBinding letting `svc`'s init containers wait for `jobs`.
    fn rbac(&self, svc: &Service, jobs: &[String]) -> Result<Vec<String>, Vec<Diagnostic>> {
        let l = labels(self.stack, svc);
        let name = &svc.dns_name;
        let role = format!("{name}-wait-jobs");
        Ok(vec![
            yaml::document(&ServiceAccount {
                metadata: self.meta(name, l.clone()),
                automount_service_account_token: Some(false),
                ..Default::default()
            })?,
            yaml::document(&Role {
                metadata: self.meta(&role, l.clone()),
                rules: Some(vec![PolicyRule {
                    api_groups: Some(vec!["batch".into()]),
                    resources: Some(vec!["jobs".into()]),
                    resource_names: Some(jobs.to_vec()),
                    verbs: vec!["get".into(), "list".into(), "watch".into()],
                    ..Default::default()
                }]),
            })?,
            yaml::document(&RoleBinding {
                metadata: self.meta(&role, l),
                role_ref: RoleRef {
                    api_group: "rbac.authorization.k8s.io".into(),
                    kind: "Role".into(),
                    name: role.clone(),
                },
                subjects: Some(vec![Subject {
                    kind: "ServiceAccount".into(),
                    name: name.clone(),
                    namespace: Some(self.stack.targets.k8s.namespace.clone()),
                    ..Default::default()
                }]),
            })?,
        ])
    }

    /// The Namespace, labelled with the strictest Pod Security Standard every pod meets.
    fn namespace(&self) -> Namespace {
        let mut l = stack_labels(self.stack);
        let version = format!("v{}", self.stack.targets.k8s.version);
        l.insert(
            "pod-security.kubernetes.io/enforce".into(),
            self.level.as_str().into(),
        );
        l.insert(
            "pod-security.kubernetes.io/enforce-version".into(),
            version.clone(),
        );
        l.insert(
            "pod-security.kubernetes.io/warn".into(),
            Level::Restricted.as_str().into(),
        );
        l.insert("pod-security.kubernetes.io/warn-version".into(), version);
        Namespace {
            metadata: ObjectMeta {
                name: Some(self.stack.targets.k8s.namespace.clone()),
                labels: Some(l),
                ..Default::default()
            },
            ..Default::default()
        }
    }
}
