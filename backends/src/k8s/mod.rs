//! Kubernetes backend: typed objects through k8s-openapi, a kustomization listing them.
//!
//! Invariants:
//! - every object is a k8s-openapi struct serialised through `syntax::emit::to_yaml`; no YAML is
//!   assembled from strings, so no user text can add a key or a document;
//! - output is a pure function of the stack: files are sorted by path, objects follow the stack's
//!   order, maps are sorted, and nothing depends on time, randomness or the machine;
//! - no secret value is ever written: secrets reach containers through `secretKeyRef` (composed
//!   values through `$(STACKC_SECRET_<ENV_NAME>)` helper variables), and the operator creates the
//!   Secret from `secrets.example.env`, which holds keys only;
//! - every namespaced object carries `targets.k8s.namespace` and the labels
//!   `app.kubernetes.io/{name,part-of,managed-by}`;
//! - literal text in fields Kubernetes expands (`env`, `command`, `args`, exec probes) is escaped,
//!   so `$(X)` and `$$` written by the user reach the container unchanged;
//! - whatever the manifests cannot express is named in the loss report (target `k8s`).

mod names;
mod network;
mod pod;
mod readme;
mod secret_files;
mod values;
mod yaml;

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use stackc_compiler::diag::{Diagnostic, Span};
use stackc_compiler::ir::{MountKind, SecretSource, Service, ServiceId, Stack, VolumeId};
use stackc_compiler::valid::Validated;

use crate::output::{BackendOutput, EmitContext, LossEntry, Outcome, OutputFile};
use names::{SECRET_HELPER_PREFIX, is_subdomain, labels, selector, stack_labels};
use pod::Workload;

pub use pod::kubectl_image;

/// Retries of a Job's pod before the Job fails.
pub const JOB_BACKOFF_LIMIT: i32 = 4;

/// Pod Security Standards level, least to most permissive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Restricted,
    Baseline,
    Privileged,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Restricted => "restricted",
            Level::Baseline => "baseline",
            Level::Privileged => "privileged",
        }
    }
}

/// State of one run: the stack, the losses found so far, the most permissive pod level.
struct Emitter<'a> {
    stack: &'a Stack,
    losses: Vec<LossEntry>,
    /// The entries already in `losses`, so a repeated loss is recorded once in constant time.
    seen_losses: std::collections::HashSet<LossEntry>,
    level: Level,
}

impl<'a> Emitter<'a> {
    fn loss(
        &mut self,
        svc: Option<&Service>,
        feature: impl Into<String>,
        outcome: Outcome,
        span: Option<Span>,
    ) {
        let entry = LossEntry {
            target: "k8s",
            service: svc.map(|s| s.name.value.clone()),
            feature: feature.into(),
            outcome,
            span,
        };
        if self.seen_losses.insert(entry.clone()) {
            self.losses.push(entry);
        }
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
        let mut errors = crate::deploy_values::check_values(stack, "k8s");
        for svc in &stack.services {
            for e in &svc.env {
                if e.key.value.starts_with(SECRET_HELPER_PREFIX) {
                    errors.push(
                        Diagnostic::error("STK046", format!("environment variable `{}` of `{}` uses a name stackc reserves", e.key.value, svc.name.value))
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
                        "STK047",
                        format!("external secret `{name}` is not a Kubernetes Secret name"),
                    )
                    .at(f, s.name.span, "used as a Secret name")
                    .help("name an existing Secret: lowercase letters, digits, `-` and `.`"),
                );
            }
        }
        errors
    }
}

/// Generates the Kubernetes manifests of a validated stack: one file per workload, its Services,
/// ConfigMaps and RBAC, plus `ingress.yaml`, `networkpolicies.yaml`, `namespace.yaml`,
/// `kustomization.yaml`, `secrets.example.env` and `README.md`.
pub fn emit(stack: &Validated<Stack>, ctx: &EmitContext) -> Result<BackendOutput, Vec<Diagnostic>> {
    let stack: &Stack = stack;
    let mut e = Emitter {
        stack,
        losses: Vec::new(),
        seen_losses: std::collections::HashSet::new(),
        level: Level::Restricted,
    };
    let errors = e.check();
    if !errors.is_empty() {
        return Err(errors);
    }
    let header = ctx.header_lines(&stack.env);
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut api_clients: Vec<ServiceId> = Vec::new();
    let mut standalone: Vec<VolumeId> = Vec::new();

    e.shared_volume_losses();
    for (id, svc) in stack.services_with_ids() {
        let workload = Workload::of(svc);
        let plan = e.pod(svc, workload);
        let dns = &svc.dns_name;
        let replicas = Some(i32::try_from(svc.replicas).unwrap_or(i32::MAX));
        let sel = LabelSelector {
            match_labels: Some(selector(stack, svc)),
            ..Default::default()
        };
        let meta = e.meta(dns, labels(stack, svc));
        let workload_doc = match workload {
            Workload::Deployment => yaml::document(&Deployment {
                metadata: meta,
                spec: Some(DeploymentSpec {
                    replicas,
                    selector: sel,
                    template: plan.template,
                    ..Default::default()
                }),
                ..Default::default()
            })?,
            Workload::StatefulSet => {
                if svc.replicas > 1 {
                    e.loss(
                        Some(svc),
                        "replicas",
                        Outcome::Approximated("each replica of a StatefulSet gets its own volume claims: replicas do not share data".into()),
                        svc.replicas_span,
                    );
                }
                yaml::document(&StatefulSet {
                    metadata: meta,
                    spec: Some(StatefulSetSpec {
                        replicas,
                        selector: sel,
                        service_name: Some(network::headless_name(svc)),
                        template: plan.template,
                        volume_claim_templates: Some(plan.claims),
                        ..Default::default()
                    }),
                    ..Default::default()
                })?
            }
            Workload::Job => yaml::document(&Job {
                metadata: meta,
                spec: Some(JobSpec {
                    backoff_limit: Some(JOB_BACKOFF_LIMIT),
                    template: plan.template,
                    ..Default::default()
                }),
                ..Default::default()
            })?,
        };
        files.insert(
            format!("{dns}.{}.yaml", workload.suffix()),
            yaml::file(&header, &[workload_doc]),
        );

        let services = e.services(svc, workload);
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
    if let Some(ing) = e.ingress() {
        files.insert(
            "ingress.yaml".into(),
            yaml::file(&header, &[yaml::document(&ing)?]),
        );
    }
    let policies = e.network_policies(&api_clients);
    let docs = policies
        .iter()
        .map(yaml::document)
        .collect::<Result<Vec<_>, _>>()?;
    files.insert("networkpolicies.yaml".into(), yaml::file(&header, &docs));
    files.insert(
        "namespace.yaml".into(),
        yaml::file(&header, &[yaml::document(&e.namespace())?]),
    );

    let resources: Vec<String> = files
        .keys()
        .filter(|p| p.ends_with(".yaml"))
        .cloned()
        .collect();
    let kustomization = serde_json::json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": stack.targets.k8s.namespace,
        "resources": resources,
    });
    files.insert(
        "kustomization.yaml".into(),
        yaml::file(&header, &[yaml::document(&kustomization)?]),
    );
    if let Some(example) = readme::secrets_example(stack, &header) {
        files.insert("secrets.example.env".into(), example);
    }
    let readme = readme::readme(stack, &header, &files, &e.losses);
    files.insert("README.md".into(), readme);

    Ok(BackendOutput {
        files: files
            .into_iter()
            .map(|(p, c)| OutputFile::new(p, c))
            .collect(),
        losses: {
            let mut l = e.losses;
            l.extend(crate::output::compose_only_losses(stack, "k8s"));
            l
        },
    })
}

impl Emitter<'_> {
    /// Loss entries for named volumes that several services mount: claims are not shared.
    fn shared_volume_losses(&mut self) {
        let stack = self.stack;
        let mut users_of: Vec<Vec<&Service>> = vec![Vec::new(); stack.volumes.len()];
        for s in &stack.services {
            let mut mounted: Vec<usize> = s
                .mounts
                .iter()
                .filter_map(|m| match m.kind {
                    MountKind::Volume(v) => Some(v.index()),
                    _ => None,
                })
                .collect();
            mounted.sort_unstable();
            mounted.dedup();
            for v in mounted {
                users_of[v].push(s);
            }
        }
        for (vol, users) in stack.volumes.iter().zip(users_of) {
            if users.len() > 1
                && users
                    .iter()
                    .any(|s| Workload::of(s) == Workload::StatefulSet)
            {
                let names: Vec<String> = users
                    .iter()
                    .map(|s| format!("`{}`", s.name.value))
                    .collect();
                self.loss(
                    None,
                    format!("volumes.{}", vol.name.value),
                    Outcome::Approximated(format!(
                        "mounted by {}: each StatefulSet gets its own ReadWriteOnce claim, so they do not share its data",
                        names.join(", ")
                    )),
                    Some(vol.name.span),
                );
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
            "restricted".into(),
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
