//! Pods: the container of a service, its probes, security context, volumes, ConfigMaps and the
//! init containers that wait for its dependencies.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{
    AppArmorProfile, Capabilities, ConfigMap, ConfigMapProjection, ConfigMapVolumeSource,
    Container, ContainerPort, DownwardAPIProjection, DownwardAPIVolumeFile, EmptyDirVolumeSource,
    ExecAction, HTTPGetAction, KeyToPath, ObjectFieldSelector, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec,
    PodTemplateSpec, Probe, ProjectedVolumeSource, ResourceRequirements, SeccompProfile,
    SecurityContext, ServiceAccountTokenProjection, TCPSocketAction, Volume, VolumeMount,
    VolumeProjection, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use stackc_compiler::ir::{
    Command, Condition, Health, HostNamespace, K8sVersion, Mount, MountKind, Protocol,
    RestartPolicy, SecretId, Service, VolumeId,
};
use stackc_compiler::syntax::sp::Sp;
use stackc_compiler::target::Target;

use super::names::{config_key, is_qualified_name, labels};
use super::podsecurity::BASELINE_CAPS;
use super::values::{SecretForm, escape_literal};
use super::{Emitter, Level};
use crate::output::Outcome;
use crate::systemd::shell;

/// UID and GID of the user in images built from stackc's recipes.
pub(super) const RECIPE_UID: i64 = 10001;
/// UID the wait init containers run as (`nobody`).
const WAIT_UID: i64 = 65534;
/// Where kubectl finds the service account token.
const TOKEN_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// The workload object a service becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Workload {
    Deployment,
    StatefulSet,
    Job,
    CronJob,
}

impl Workload {
    /// A job is a Job; a service that mounts a named volume a StatefulSet; else a Deployment.
    pub(super) fn of(svc: &Service) -> Self {
        if svc.schedule.is_some() {
            Workload::CronJob
        } else if svc.is_job() {
            Workload::Job
        } else if svc
            .mounts
            .iter()
            .any(|m| matches!(m.kind, MountKind::Volume(_)))
        {
            Workload::StatefulSet
        } else {
            Workload::Deployment
        }
    }
    /// File-name suffix.
    pub(super) fn suffix(self) -> &'static str {
        match self {
            Workload::Deployment => "deployment",
            Workload::StatefulSet => "statefulset",
            Workload::Job => "job",
            Workload::CronJob => "cronjob",
        }
    }
    /// Whether its pods run to completion (a Job, or the Jobs of a CronJob).
    pub(super) fn completes(self) -> bool {
        matches!(self, Workload::Job | Workload::CronJob)
    }
}

/// The pinned kubectl image that waits for Jobs, matching the targeted minor version.
pub fn kubectl_image(version: K8sVersion) -> &'static str {
    match version {
        K8sVersion::V1_29 => "registry.k8s.io/kubectl:v1.29.15",
        K8sVersion::V1_30 => "registry.k8s.io/kubectl:v1.30.14",
        K8sVersion::V1_31 => "registry.k8s.io/kubectl:v1.31.13",
        K8sVersion::V1_32 => "registry.k8s.io/kubectl:v1.32.9",
        K8sVersion::V1_33 => "registry.k8s.io/kubectl:v1.33.5",
    }
}

/// Everything a service's pod needs besides the workload object itself.
pub(super) struct PodPlan {
    pub template: PodTemplateSpec,
    /// volumeClaimTemplates (StatefulSet).
    pub claims: Vec<PersistentVolumeClaim>,
    /// Standalone claims the pod uses (Job).
    pub standalone_claims: Vec<VolumeId>,
    pub config_maps: Vec<ConfigMap>,
    /// Jobs the pod waits for with kubectl (needs RBAC).
    pub waits_for_jobs: Vec<String>,
}

/// Whole seconds, rounded up, at least 1.
fn seconds(d: Duration) -> i32 {
    (d.as_millis().div_ceil(1000).max(1)).min(i32::MAX as u128) as i32
}

/// CPU cores as a Kubernetes quantity: `500m`, `1`, `2`.
pub(super) fn cpu_quantity(cores: f64) -> String {
    let milli = (cores * 1000.0).round().max(1.0) as u64;
    if milli.is_multiple_of(1000) {
        format!("{}", milli / 1000)
    } else {
        format!("{milli}m")
    }
}

/// FNV-1a, 64 bits: a stable fingerprint of config contents (not a security hash).
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn quantities(pairs: &[(&str, Option<String>)]) -> Option<BTreeMap<String, Quantity>> {
    let m: BTreeMap<String, Quantity> = pairs
        .iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), Quantity(v))))
        .collect();
    (!m.is_empty()).then_some(m)
}

/// The hardened security context of stackc's own helper containers.
fn helper_security() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Default::default()
        }),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(WAIT_UID),
        run_as_group: Some(WAIT_UID),
        ..Default::default()
    }
}

fn helper_resources(memory_limit: &str) -> ResourceRequirements {
    ResourceRequirements {
        requests: quantities(&[("cpu", Some("10m".into())), ("memory", Some("16Mi".into()))]),
        limits: quantities(&[
            ("cpu", Some("100m".into())),
            ("memory", Some(memory_limit.into())),
        ]),
        ..Default::default()
    }
}

/// A container name from a prefix and a DNS label, at most 63 characters.
fn label_name(prefix: &str, name: &str) -> String {
    let mut n = format!("{prefix}{name}");
    n.truncate(63);
    n.trim_end_matches('-').to_string()
}

/// The user the container runs as, as far as the spec tells.
struct UserContext {
    uid: Option<i64>,
    gid: Option<i64>,
    non_root: Option<bool>,
}

impl Emitter<'_> {
    /// Builds the pod of `svc`.
    pub(super) fn pod(&mut self, svc: &Service, workload: Workload) -> PodPlan {
        let mut level = Level::Restricted;
        let mut secrets: Vec<SecretId> = Vec::new();
        let command = svc
            .entrypoint
            .as_ref()
            .map(|c| self.command(svc, c, "entrypoint", &mut secrets));
        let args = svc
            .command
            .as_ref()
            .map(|c| self.command(svc, c, "command", &mut secrets));
        let (readiness, liveness, startup) = self.pod_probes(svc, workload, &mut secrets);
        let env = self.env_vars(svc, &secrets);

        let mut storage = self.storage(svc, workload);
        let (init_containers, waits_for_jobs) = self.wait_containers(svc);
        if !waits_for_jobs.is_empty() {
            storage.volumes.extend(api_access_volumes());
        }

        let user = self.user_context(svc);
        let (security, annotations_from_security) = self.container_security(svc, &user, &mut level);
        let annotations =
            self.pod_annotations(svc, annotations_from_security, &storage.fingerprint_parts);

        let container = Container {
            name: svc.dns_name.clone(),
            image: Some(self.image(svc)),
            command,
            args,
            env: (!env.is_empty()).then_some(env),
            working_dir: svc.workdir.as_ref().map(|w| w.value.clone()),
            ports: container_ports(svc),
            resources: container_resources(svc),
            readiness_probe: readiness,
            liveness_probe: liveness,
            startup_probe: startup,
            security_context: Some(security),
            volume_mounts: (!storage.mounts.is_empty()).then_some(storage.mounts),
            ..Default::default()
        };

        let host = self.host_namespaces(svc, &mut level);
        self.record_level(level);
        let restart_policy = self.pod_restart_policy(svc, workload);
        let needs_api = !waits_for_jobs.is_empty();
        let spec = PodSpec {
            automount_service_account_token: Some(false),
            service_account_name: needs_api.then(|| svc.dns_name.clone()),
            enable_service_links: Some(false),
            host_pid: host.pid,
            host_ipc: host.ipc,
            host_network: host.network,
            dns_policy: host.network.map(|_| "ClusterFirstWithHostNet".into()),
            restart_policy,
            security_context: Some(PodSecurityContext {
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".into(),
                    ..Default::default()
                }),
                // The group of an owned volume it mounts (the kubelet makes the volume
                // group-writable for it), else the user's.
                fs_group: self
                    .stack
                    .owned_volumes(svc)
                    .first()
                    .map(|(_, o)| i64::from(o.gid))
                    .or(user.gid.filter(|g| *g != 0)),
                ..Default::default()
            }),
            init_containers: (!init_containers.is_empty()).then_some(init_containers),
            containers: vec![container],
            volumes: (!storage.volumes.is_empty()).then_some(storage.volumes),
            ..Default::default()
        };
        let template = PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(super::names::pod_labels(self.stack, svc)),
                annotations: (!annotations.is_empty()).then_some(annotations),
                ..Default::default()
            }),
            spec: Some(spec),
        };
        PodPlan {
            template,
            claims: storage.claims,
            standalone_claims: storage.standalone_claims,
            config_maps: storage.config_maps,
            waits_for_jobs,
        }
    }

    /// The probes of the main container; a Job's pod is not probed.
    fn pod_probes(
        &mut self,
        svc: &Service,
        workload: Workload,
        secrets: &mut Vec<SecretId>,
    ) -> (Option<Probe>, Option<Probe>, Option<Probe>) {
        match (&svc.health, workload) {
            (Some(h), w) if w.completes() => {
                self.loss(
                    Some(svc),
                    "health",
                    Outcome::Dropped(
                        "a Job's pod is not probed: Kubernetes waits for it to complete".into(),
                    ),
                    Some(h.span),
                );
                (None, None, None)
            }
            (Some(h), _) => self.probes(svc, h, secrets),
            (None, _) => (None, None, None),
        }
    }

    /// Volumes, mounts, claims and ConfigMaps of the service's mounts.
    fn storage(&mut self, svc: &Service, workload: Workload) -> Storage {
        let mut st = Storage::default();
        for (i, m) in svc.mounts.iter().enumerate() {
            match &m.kind {
                MountKind::Volume(vid) => self.volume_mount(&mut st, m, *vid, workload),
                MountKind::Bind(src) => {
                    // Left out rather than replaced by an emptyDir: dev binds usually overlay
                    // content the image already has (hot reload), which an empty directory
                    // would hide.
                    self.loss(
                        Some(svc),
                        format!("volumes: {}", src.value),
                        Outcome::Dropped(format!(
                            "host bind mounts are dev-only and have no Kubernetes equivalent: nothing is mounted at `{}`, the image's own content is used",
                            m.target.value
                        )),
                        Some(m.span),
                    );
                }
                MountKind::Config { source, content } => {
                    self.config_mount(&mut st, svc, m, source, content.as_deref());
                }
                MountKind::Secret(id) => {
                    let (volume, mount) = super::secret_files::volume(self.stack, *id, m, i);
                    st.volumes.push(volume);
                    st.mounts.push(mount);
                }
                MountKind::Tmpfs { size } => {
                    let name = format!("tmpfs-{i}");
                    st.volumes.push(Volume {
                        name: name.clone(),
                        empty_dir: Some(EmptyDirVolumeSource {
                            medium: Some("Memory".into()),
                            size_limit: size.as_ref().map(|q| Quantity(q.text.clone())),
                        }),
                        ..Default::default()
                    });
                    st.mounts.push(VolumeMount {
                        name,
                        mount_path: m.target.value.clone(),
                        read_only: m.read_only.then_some(true),
                        ..Default::default()
                    });
                }
            }
        }
        st
    }

    /// A named volume: a claim template (StatefulSet) or a standalone claim, and its mount.
    fn volume_mount(&mut self, st: &mut Storage, m: &Mount, vid: VolumeId, workload: Workload) {
        let name = self.stack.volume(vid).dns_name.clone();
        if workload == Workload::StatefulSet && !self.is_shared(vid) {
            if !st
                .claims
                .iter()
                .any(|c| c.metadata.name.as_deref() == Some(name.as_str()))
            {
                st.claims.push(self.claim(vid, false));
            }
        } else if !st.standalone_claims.contains(&vid) {
            st.standalone_claims.push(vid);
            st.volumes.push(Volume {
                name: name.clone(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: name.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        st.mounts.push(VolumeMount {
            name,
            mount_path: m.target.value.clone(),
            read_only: m.read_only.then_some(true),
            ..Default::default()
        });
    }

    /// A config file: a ConfigMap holding it, a volume and a `subPath` mount.
    fn config_mount(
        &mut self,
        st: &mut Storage,
        svc: &Service,
        m: &Mount,
        source: &Sp<String>,
        content: Option<&str>,
    ) {
        let Some(content) = content else {
            self.loss(
                Some(svc),
                format!("volumes: config {}", source.value),
                Outcome::Dropped("the file's text was not loaded".into()),
                Some(m.span),
            );
            return;
        };
        let file_name = source.value.rsplit('/').next().unwrap_or("file");
        let cm_name = unique_config_map_name(&st.config_maps, svc, file_name);
        let key = config_key(file_name);
        let volume = format!("config-{}", st.config_index);
        st.config_index += 1;
        st.fingerprint_parts
            .extend([cm_name.clone(), key.clone(), content.to_string()]);
        st.config_maps.push(ConfigMap {
            metadata: self.meta(&cm_name, labels(self.stack, svc)),
            data: Some(BTreeMap::from([(key.clone(), content.to_string())])),
            immutable: None,
            ..Default::default()
        });
        st.volumes.push(Volume {
            name: volume.clone(),
            config_map: Some(ConfigMapVolumeSource {
                name: cm_name,
                ..Default::default()
            }),
            ..Default::default()
        });
        st.mounts.push(VolumeMount {
            name: volume,
            mount_path: m.target.value.clone(),
            read_only: Some(true),
            sub_path: Some(key),
            ..Default::default()
        });
    }

    /// Pod annotations: the security ones, the service's labels that are valid annotation
    /// keys, and the fingerprint of its config files (a changed file rolls the pods).
    fn pod_annotations(
        &mut self,
        svc: &Service,
        mut annotations: BTreeMap<String, String>,
        fingerprint_parts: &[String],
    ) -> BTreeMap<String, String> {
        for (k, v) in &svc.labels {
            if is_qualified_name(&k.value) {
                annotations.insert(k.value.clone(), v.value.clone());
            } else {
                self.loss(
                    Some(svc),
                    format!("labels.{}", k.value),
                    Outcome::Dropped("not a valid Kubernetes annotation key (`[prefix/]name`, name of at most 63 characters)".into()),
                    Some(k.span),
                );
            }
        }
        if !fingerprint_parts.is_empty() {
            let parts: Vec<&str> = fingerprint_parts.iter().map(String::as_str).collect();
            annotations.insert("stackc/config-fingerprint".into(), fingerprint(&parts));
        }
        annotations
    }

    /// The host namespaces the pod shares; any of them makes it privileged.
    fn host_namespaces(&mut self, svc: &Service, level: &mut Level) -> HostNamespaces {
        let host = |n: HostNamespace| {
            svc.security
                .host_namespaces
                .iter()
                .any(|h| h.value == n)
                .then_some(true)
        };
        for h in &svc.security.host_namespaces {
            if h.value == HostNamespace::Uts {
                self.loss(
                    Some(svc),
                    format!("security.host_namespaces: {}", h.value),
                    Outcome::Dropped(
                        "Kubernetes shares only the pid, ipc and network namespaces of the node"
                            .into(),
                    ),
                    Some(h.span),
                );
            }
        }
        if let Some(h) = svc.security.host_namespaces.first() {
            *level = (*level).max(Level::Privileged);
            self.require_level(
                svc,
                Level::Privileged,
                Some(h.span),
                format!("shares the host's {} namespace", h.value),
            );
        }
        HostNamespaces {
            pid: host(HostNamespace::Pid),
            ipc: host(HostNamespace::Ipc),
            network: host(HostNamespace::Network),
        }
    }

    /// A Job's restartPolicy; other pods always restart (a loss when the spec says otherwise).
    fn pod_restart_policy(&mut self, svc: &Service, workload: Workload) -> Option<String> {
        if workload.completes() {
            return Some(self.job_restart(svc).into());
        }
        if matches!(
            svc.restart.policy,
            RestartPolicy::OnFailure | RestartPolicy::No
        ) {
            let kind = if workload == Workload::StatefulSet {
                "StatefulSet"
            } else {
                "Deployment"
            };
            let limit = match svc.restart.max_retries {
                Some(n) => format!(", without a limit (`on-failure:{n}` stops after {n})"),
                None => String::new(),
            };
            self.loss(
                Some(svc),
                format!("restart: {}", svc.restart.policy.as_str()),
                Outcome::Approximated(format!("the pods of a {kind} always restart{limit}")),
                svc.restart.span,
            );
        }
        None
    }

    /// A claim for a named volume: a volumeClaimTemplate, or a standalone PVC (`standalone`).
    pub(super) fn claim(&self, vid: VolumeId, standalone: bool) -> PersistentVolumeClaim {
        let vol = self.stack.volume(vid);
        let size = vol
            .size
            .as_ref()
            .map(|q| q.text.clone())
            .unwrap_or_else(|| "1Gi".into());
        let labels = super::names::stack_labels(self.stack);
        PersistentVolumeClaim {
            metadata: if standalone {
                self.meta(&vol.dns_name, labels)
            } else {
                ObjectMeta {
                    name: Some(vol.dns_name.clone()),
                    labels: Some(labels),
                    ..Default::default()
                }
            },
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec![self.access_mode(vid).as_str().into()]),
                storage_class_name: vol.storage_class.as_ref().map(|c| c.value.clone()),
                resources: Some(VolumeResourceRequirements {
                    requests: quantities(&[("storage", Some(size))]),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The restartPolicy of a Job's pod.
    fn job_restart(&mut self, svc: &Service) -> &'static str {
        match svc.restart.policy {
            RestartPolicy::No => "Never",
            RestartPolicy::OnFailure => "OnFailure",
            p @ (RestartPolicy::Always | RestartPolicy::UnlessStopped) => {
                self.loss(
                    Some(svc),
                    format!("restart: {}", p.as_str()),
                    Outcome::Approximated("a Job restarts its pod on failure only (restartPolicy: OnFailure), never after success".into()),
                    svc.restart.span,
                );
                "OnFailure"
            }
        }
    }

    /// The image the container runs.
    fn image(&mut self, svc: &Service) -> String {
        // `image` (an environment's overlay included) first, as compose does; deploy-time
        // variables were checked before emitting (`STK045`).
        let mut losses = Vec::new();
        if let Some(Ok((img, _))) =
            crate::deploy_values::run_image(self.stack, svc, Target::K8s, &mut losses)
        {
            for l in losses {
                self.loss(Some(svc), l.feature, l.outcome, l.span);
            }
            return img;
        }
        if let Some(b) = &svc.build {
            let local = format!("{}-{}:latest", self.stack.name.value, svc.name.value);
            self.loss(
                Some(svc),
                "build",
                Outcome::Approximated(format!("no `build.image`: the manifest runs `{local}`, which the cluster must be able to pull; set `build.image`")),
                Some(b.span),
            );
            return local;
        }
        svc.image
            .as_ref()
            .map(|i| i.value.clone())
            .unwrap_or_default()
    }

    /// Command or args: shell form becomes `/bin/sh -c TEXT`.
    fn command(
        &mut self,
        svc: &Service,
        c: &Command,
        _what: &str,
        secrets: &mut Vec<SecretId>,
    ) -> Vec<String> {
        let mut out: Vec<String> = if c.shell {
            vec!["/bin/sh".into(), "-c".into()]
        } else {
            Vec::new()
        };
        for a in &c.args {
            out.push(
                self.render(svc, a, SecretForm::Expansion, secrets)
                    .unwrap_or_default(),
            );
        }
        out
    }

    /// Readiness, liveness and startup probes from the health check.
    fn probes(
        &mut self,
        svc: &Service,
        h: &Health,
        secrets: &mut Vec<SecretId>,
    ) -> (Option<Probe>, Option<Probe>, Option<Probe>) {
        let mut probe = Probe::default();
        if let Some(http) = &h.http {
            probe.http_get = Some(HTTPGetAction {
                path: Some(http.path.clone()),
                port: IntOrString::Int(i32::from(http.port.value)),
                ..Default::default()
            });
        } else if let Some(port) = &h.tcp {
            probe.tcp_socket = Some(TCPSocketAction {
                port: IntOrString::Int(i32::from(port.value)),
                ..Default::default()
            });
        } else if let Some(cmd) = &h.cmd {
            let mut used = Vec::new();
            let argv: Vec<String> = if cmd.shell {
                let mut argv = vec!["/bin/sh".to_string(), "-c".to_string()];
                for a in &cmd.args {
                    argv.push(
                        self.render(svc, a, SecretForm::Shell, &mut used)
                            .unwrap_or_default(),
                    );
                }
                argv
            } else if cmd.args.iter().any(stackc_compiler::ir::Value::has_secret) {
                // Kubernetes expands only literal variables in a probe, never one read from a
                // Secret: the argv runs as one `exec ARG...` line of the image's shell, which
                // reads each secret from its `STACKC_SECRET_*` variable.
                let words = self.shell_words(svc, &cmd.args, &mut used);
                self.loss(
                    Some(svc),
                    "health.cmd",
                    Outcome::Approximated(
                        "an exec-form probe that holds a secret runs through the image's `/bin/sh -c 'exec ...'`, which reads the secret from the container's environment (Kubernetes does not expand a Secret's variable in a probe); the image needs a shell".into(),
                    ),
                    Some(cmd.span),
                );
                vec![
                    "/bin/sh".to_string(),
                    "-c".to_string(),
                    escape_literal(&shell::exec_line(&words)),
                ]
            } else {
                let mut argv = Vec::new();
                for a in &cmd.args {
                    argv.push(
                        self.render(svc, a, SecretForm::Refused, &mut used)
                            .unwrap_or_default(),
                    );
                }
                argv
            };
            for id in used {
                if !secrets.contains(&id) {
                    secrets.push(id);
                }
            }
            probe.exec = Some(ExecAction {
                command: Some(argv),
            });
        }
        for (d, what) in [
            (h.interval, "interval"),
            (h.timeout, "timeout"),
            (h.start_period, "start_period"),
        ] {
            if !d.as_millis().is_multiple_of(1000) {
                self.loss(
                    Some(svc),
                    format!("health.{what}"),
                    Outcome::Approximated("probes count whole seconds: rounded up".into()),
                    Some(h.span),
                );
            }
        }
        let period = seconds(h.interval);
        let retries = h.retries.max(1) as i32;
        probe.period_seconds = Some(period);
        probe.timeout_seconds = Some(seconds(h.timeout));
        probe.failure_threshold = Some(retries);
        let readiness = probe.clone();
        let liveness = Probe {
            period_seconds: Some(period.saturating_mul(2)),
            failure_threshold: Some(retries.saturating_add(3)),
            ..probe.clone()
        };
        let startup = (!h.start_period.is_zero()).then(|| {
            let interval_ms = h.interval.as_millis().max(1);
            let grace = h
                .start_period
                .as_millis()
                .div_ceil(interval_ms)
                .min(1_000_000) as i32;
            Probe {
                failure_threshold: Some(grace.saturating_add(retries)),
                ..probe
            }
        });
        (Some(readiness), Some(liveness), startup)
    }

    /// What the spec says about the container's user.
    fn user_context(&mut self, svc: &Service) -> UserContext {
        let unknown = UserContext {
            uid: None,
            gid: None,
            non_root: None,
        };
        let parse = |u: &str| -> Option<(i64, Option<i64>)> {
            let (uid, gid) = match u.split_once(':') {
                Some((a, b)) => (a, Some(b)),
                None => (u, None),
            };
            let uid: i64 = if uid == "root" { 0 } else { uid.parse().ok()? };
            let gid = match gid {
                Some("root") => Some(0),
                Some(g) => Some(g.parse().ok()?),
                None => None,
            };
            Some((uid, gid))
        };
        if let Some(u) = &svc.user {
            return match parse(&u.value) {
                Some((0, gid)) => UserContext {
                    uid: Some(0),
                    gid,
                    non_root: None,
                },
                Some((uid, gid)) => UserContext {
                    uid: Some(uid),
                    gid,
                    non_root: Some(true),
                },
                None => {
                    self.loss(
                        Some(svc),
                        "user",
                        Outcome::Approximated(format!("`{}` is a user name: Kubernetes takes numeric IDs only, so the image's user runs; write the UID", u.value)),
                        Some(u.span),
                    );
                    unknown
                }
            };
        }
        if let Some(b) = svc.build.as_ref().filter(|b| b.dockerfile.is_none()) {
            match b.user.as_ref().map(|u| u.value.as_str()) {
                None | Some("app") => {
                    return UserContext {
                        uid: Some(RECIPE_UID),
                        gid: Some(RECIPE_UID),
                        non_root: Some(true),
                    };
                }
                Some(u) => {
                    if let Some((uid, gid)) = parse(u).filter(|(uid, _)| *uid != 0) {
                        return UserContext {
                            uid: Some(uid),
                            gid,
                            non_root: Some(true),
                        };
                    }
                }
            }
        }
        self.loss(
            Some(svc),
            "user",
            Outcome::Approximated("the image's user is unknown: runAsNonRoot is not set; set `user` to a non-root UID".into()),
            None,
        );
        unknown
    }

    /// The main container's security context, and pod annotations it needs (AppArmor before 1.30).
    fn container_security(
        &mut self,
        svc: &Service,
        user: &UserContext,
        level: &mut Level,
    ) -> (SecurityContext, BTreeMap<String, String>) {
        let sec = &svc.security;
        let mut annotations = BTreeMap::new();
        let strip = |c: &str| c.trim_start_matches("CAP_").to_ascii_uppercase();
        let drop: Vec<String> = sec.cap_drop.iter().map(|c| strip(&c.value)).collect();
        let add: Vec<String> = sec.cap_add.iter().map(|c| strip(&c.value)).collect();
        let privileged = sec.is_privileged();
        let mut ctx = SecurityContext {
            allow_privilege_escalation: (sec.no_new_privileges.value && !privileged)
                .then_some(false),
            capabilities: (!drop.is_empty() || !add.is_empty()).then(|| Capabilities {
                drop: (!drop.is_empty()).then(|| drop.clone()),
                add: (!add.is_empty()).then(|| add.clone()),
            }),
            privileged: privileged.then_some(true),
            read_only_root_filesystem: Some(sec.is_read_only()),
            run_as_non_root: user.non_root,
            run_as_user: user.uid,
            run_as_group: user.gid,
            ..Default::default()
        };
        // Pod Security Standards level this container needs.
        self.capability_reasons(svc);
        let all_dropped = drop.iter().any(|d| d == "ALL");
        if privileged || !add.iter().all(|a| BASELINE_CAPS.contains(&a.as_str())) {
            *level = (*level).max(Level::Privileged);
        } else if user.non_root != Some(true)
            || ctx.allow_privilege_escalation != Some(false)
            || !all_dropped
            || !add.iter().all(|a| a == "NET_BIND_SERVICE")
        {
            *level = (*level).max(Level::Baseline);
        }
        for opt in &sec.security_opt {
            let o = opt.value.replace(':', "=");
            match o.as_str() {
                "no-new-privileges" | "no-new-privileges=true" | "no-new-privileges=false" => {}
                "seccomp=unconfined" => {
                    ctx.seccomp_profile = Some(SeccompProfile { type_: "Unconfined".into(), ..Default::default() });
                    *level = (*level).max(Level::Privileged);
                    self.require_level(svc, Level::Privileged, Some(opt.span), "runs without seccomp".into());
                }
                "apparmor=unconfined" => {
                    if self.minor_version() >= 30 {
                        ctx.app_armor_profile = Some(AppArmorProfile { type_: "Unconfined".into(), ..Default::default() });
                    } else {
                        annotations.insert(format!("container.apparmor.security.beta.kubernetes.io/{}", svc.dns_name), "unconfined".into());
                    }
                    *level = (*level).max(Level::Privileged);
                    self.require_level(svc, Level::Privileged, Some(opt.span), "runs without AppArmor".into());
                }
                _ => self.loss(
                    Some(svc),
                    format!("security.security_opt: {}", opt.value),
                    Outcome::Dropped("no Kubernetes equivalent in the pod spec (only `seccomp=unconfined` and `apparmor=unconfined` map)".into()),
                    Some(opt.span),
                ),
            }
        }
        (ctx, annotations)
    }

    /// One init container per dependency; returns them and the Jobs waited for with kubectl.
    fn wait_containers(&mut self, svc: &Service) -> (Vec<Container>, Vec<String>) {
        let stack = self.stack;
        let mut containers = Vec::new();
        let mut jobs = Vec::new();
        for dep in &svc.depends_on {
            let d = stack.service(dep.service);
            let feature = format!("depends_on.{}: {}", d.name.value, dep.condition.as_str());
            match dep.condition {
                Condition::Completed if d.schedule.is_some() => {
                    self.loss(Some(svc), feature, Outcome::Dropped(format!("`{}` runs on a schedule: there is no single Job to wait for, start order is not enforced", d.name.value)), Some(dep.span));
                }
                Condition::Completed if d.is_job() => {
                    let job = self.job_name(dep.service);
                    jobs.push(job.clone());
                    containers.push(Container {
                        name: label_name("wait-", &d.dns_name),
                        image: Some(kubectl_image(stack.targets.k8s.version).into()),
                        args: Some(vec![
                            "wait".into(),
                            "--for=condition=complete".into(),
                            "--timeout=10m".into(),
                            format!("--namespace={}", stack.targets.k8s.namespace),
                            "--cache-dir=/tmp/kube-cache".into(),
                            format!("job/{job}"),
                        ]),
                        resources: Some(helper_resources("128Mi")),
                        security_context: Some(helper_security()),
                        volume_mounts: Some(vec![
                            VolumeMount {
                                name: "kube-api-access".into(),
                                mount_path: TOKEN_DIR.into(),
                                read_only: Some(true),
                                ..Default::default()
                            },
                            VolumeMount {
                                name: "kubectl-tmp".into(),
                                mount_path: "/tmp".into(),
                                ..Default::default()
                            },
                        ]),
                        ..Default::default()
                    });
                }
                Condition::Completed => {
                    self.loss(Some(svc), feature, Outcome::Dropped(format!("`{}` is a long-running service and never completes: start order is not enforced", d.name.value)), Some(dep.span));
                }
                Condition::Started | Condition::Healthy => {
                    let Some(port) = d.ports.iter().find(|p| p.protocol == Protocol::Tcp) else {
                        self.loss(
                            Some(svc),
                            feature,
                            Outcome::Dropped(format!(
                                "`{}` has no TCP port to wait on: start order is not enforced",
                                d.name.value
                            )),
                            Some(dep.span),
                        );
                        continue;
                    };
                    if dep.condition == Condition::Healthy && (d.health.is_none() || d.is_job()) {
                        self.loss(
                            Some(svc),
                            feature,
                            Outcome::Approximated(format!("`{}` has no readiness probe: the wait ends when its port accepts connections", d.name.value)),
                            Some(dep.span),
                        );
                    }
                    let script = "until nc -z -w 2 \"$0\" \"$1\"; do echo \"waiting for $0:$1\"; sleep 2; done";
                    containers.push(Container {
                        name: label_name("wait-", &d.dns_name),
                        image: Some(stack.targets.k8s.wait_image.clone()),
                        command: Some(vec![
                            "sh".into(),
                            "-c".into(),
                            escape_literal(script),
                            d.dns_name.clone(),
                            port.port.to_string(),
                        ]),
                        resources: Some(helper_resources("32Mi")),
                        security_context: Some(helper_security()),
                        ..Default::default()
                    });
                }
            }
        }
        (containers, jobs)
    }
}

/// What a pod's mounts become.
#[derive(Default)]
struct Storage {
    volumes: Vec<Volume>,
    mounts: Vec<VolumeMount>,
    /// volumeClaimTemplates (StatefulSet).
    claims: Vec<PersistentVolumeClaim>,
    /// Standalone claims the pod uses.
    standalone_claims: Vec<VolumeId>,
    config_maps: Vec<ConfigMap>,
    config_index: usize,
    fingerprint_parts: Vec<String>,
}

/// The host namespaces a pod shares (`Some(true)` when shared).
struct HostNamespaces {
    pid: Option<bool>,
    ipc: Option<bool>,
    network: Option<bool>,
}

/// A ConfigMap name for `file_name` of service `dns`, unique among `existing`.
fn unique_config_map_name(existing: &[ConfigMap], svc: &Service, file_name: &str) -> String {
    let base = super::names::config_map_name(svc, file_name);
    let mut cm_name = base.clone();
    let mut n = 2;
    while existing
        .iter()
        .any(|c| c.metadata.name.as_deref() == Some(cm_name.as_str()))
    {
        cm_name = format!("{base}-{n}");
        n += 1;
    }
    cm_name
}

/// The container ports of a service, named.
fn container_ports(svc: &Service) -> Option<Vec<ContainerPort>> {
    (!svc.ports.is_empty()).then(|| {
        svc.ports
            .iter()
            .map(|p| ContainerPort {
                container_port: i32::from(p.port),
                name: Some(p.name.clone()),
                protocol: Some(protocol(p.protocol).into()),
                ..Default::default()
            })
            .collect()
    })
}

/// Limits and requests of the main container.
fn container_resources(svc: &Service) -> Option<ResourceRequirements> {
    let resources = &svc.resources;
    (!resources.is_empty()).then(|| ResourceRequirements {
        limits: quantities(&[
            ("cpu", resources.cpus.map(|c| cpu_quantity(c.value))),
            ("memory", resources.memory.as_ref().map(|q| q.text.clone())),
        ]),
        requests: quantities(&[
            ("cpu", resources.request_cpus.map(|c| cpu_quantity(c.value))),
            (
                "memory",
                resources.request_memory.as_ref().map(|q| q.text.clone()),
            ),
        ]),
        ..Default::default()
    })
}

/// The projected service-account token (and a scratch directory) kubectl needs to wait for Jobs.
fn api_access_volumes() -> Vec<Volume> {
    vec![
        Volume {
            name: "kube-api-access".into(),
            projected: Some(ProjectedVolumeSource {
                default_mode: Some(0o444),
                sources: Some(vec![
                    VolumeProjection {
                        service_account_token: Some(ServiceAccountTokenProjection {
                            path: "token".into(),
                            expiration_seconds: Some(3607),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    VolumeProjection {
                        config_map: Some(ConfigMapProjection {
                            name: "kube-root-ca.crt".into(),
                            items: Some(vec![KeyToPath {
                                key: "ca.crt".into(),
                                path: "ca.crt".into(),
                                ..Default::default()
                            }]),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    VolumeProjection {
                        downward_api: Some(DownwardAPIProjection {
                            items: Some(vec![DownwardAPIVolumeFile {
                                path: "namespace".into(),
                                field_ref: Some(ObjectFieldSelector {
                                    field_path: "metadata.namespace".into(),
                                    ..Default::default()
                                }),
                                ..Default::default()
                            }]),
                        }),
                        ..Default::default()
                    },
                ]),
            }),
            ..Default::default()
        },
        Volume {
            name: "kubectl-tmp".into(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Default::default()
        },
    ]
}

/// The Kubernetes protocol name.
pub(super) fn protocol(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities() {
        assert_eq!(cpu_quantity(0.5), "500m");
        assert_eq!(cpu_quantity(1.0), "1");
        assert_eq!(cpu_quantity(2.0), "2");
        assert_eq!(cpu_quantity(0.25), "250m");
        assert_eq!(cpu_quantity(1.5), "1500m");
        assert_eq!(cpu_quantity(0.0001), "1m");
    }

    #[test]
    fn durations_round_up_to_seconds() {
        assert_eq!(seconds(Duration::from_millis(500)), 1);
        assert_eq!(seconds(Duration::from_millis(1500)), 2);
        assert_eq!(seconds(Duration::from_secs(10)), 10);
    }

    #[test]
    fn fingerprints_are_stable() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
    }
}
