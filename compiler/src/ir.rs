//! The IR: one environment of a stack, resolved, typed and with defaults filled.
//!
//! Invariants:
//! - every reference is an id into the stack's tables (no dangling names);
//! - a value that came from a secret stays a [`Segment::Secret`] reference: nothing here holds a
//!   secret's value, so no backend can emit one;
//! - every user-written item keeps its span for lint findings.

pub use crate::schedule::Schedule;
use std::sync::Arc;
use std::time::Duration;

use crate::diag::{SourceFile, Span};
use crate::syntax::Sp;
pub use crate::syntax::keywords::{
    AccessMode, Alphabet, AppProtocol, Condition, Exposure, HostNamespace, K8sExpose, K8sVersion,
    PodSecurity, PortRoute, Preset, Profile, Protocol, RestartPolicy, Runtime, SystemdFlavour,
};

macro_rules! id {
    ($name:ident) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
id!(ServiceId);
id!(SecretId);
id!(VarId);
id!(VolumeId);
id!(NetworkId);

/// A stack, resolved for one environment.
#[derive(Debug)]
pub struct Stack {
    pub file: Arc<SourceFile>,
    /// Stack name, a valid DNS-1123 label.
    pub name: Sp<String>,
    /// The environment applied (`dev` by default).
    pub env: String,
    /// The lint and safety profile of that environment.
    pub profile: Profile,
    /// Services in source order; `ServiceId` indexes this.
    pub services: Vec<Service>,
    pub secrets: Vec<Secret>,
    pub variables: Vec<Variable>,
    pub volumes: Vec<Volume>,
    pub networks: Vec<Network>,
    pub targets: Targets,
    /// Stack-wide lint suppressions.
    pub suppressions: Vec<Suppression>,
}

impl Stack {
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }
    pub fn secret(&self, id: SecretId) -> &Secret {
        &self.secrets[id.index()]
    }
    pub fn variable(&self, id: VarId) -> &Variable {
        &self.variables[id.index()]
    }
    pub fn volume(&self, id: VolumeId) -> &Volume {
        &self.volumes[id.index()]
    }
    pub fn network(&self, id: NetworkId) -> &Network {
        &self.networks[id.index()]
    }
    /// Services with their ids.
    pub fn services_with_ids(&self) -> impl Iterator<Item = (ServiceId, &Service)> {
        self.services
            .iter()
            .enumerate()
            .map(|(i, s)| (ServiceId(i as u32), s))
    }
    /// Secrets a service mounts as files, with their mounts, in mount order.
    pub fn secret_files<'a>(&self, service: &'a Service) -> Vec<(SecretId, &'a Mount)> {
        service
            .mounts
            .iter()
            .filter_map(|m| match m.kind {
                MountKind::Secret(id) => Some((id, m)),
                _ => None,
            })
            .collect()
    }
    /// Secrets a service's env, command, entrypoint or health command refers to, or that it
    /// mounts as files, in id order.
    pub fn secrets_used_by(&self, service: &Service) -> Vec<SecretId> {
        let mut ids: Vec<SecretId> = service
            .values()
            .flat_map(|v| v.segments.iter())
            .filter_map(|s| match s {
                Segment::Secret(id) => Some(*id),
                _ => None,
            })
            .chain(self.secret_files(service).into_iter().map(|(id, _)| id))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// A service or a job.
#[derive(Debug)]
pub struct Service {
    /// Name as written (compose service name).
    pub name: Sp<String>,
    /// DNS-1123 label form of the name (`_` → `-`): Kubernetes objects, unit names, hosts.
    pub dns_name: String,
    pub kind: WorkloadKind,
    /// Where `kind:` was written, if it was.
    pub kind_span: Option<Span>,
    /// Explicitly marked `role: database`.
    pub role_database: Option<Span>,
    /// The image, with the variables fixed for this build substituted. When a deploy-time
    /// variable remains (`${vars.NAME}` with `from_env`), the text keeps the reference and
    /// [`Service::image_template`] holds it as a value for the backends to render.
    pub image: Option<Sp<String>>,
    /// `image` as a value when it still refers to a deploy-time variable.
    pub image_template: Option<Value>,
    pub build: Option<BuildRecipe>,
    pub command: Option<Command>,
    pub entrypoint: Option<Command>,
    pub env: Vec<EnvVar>,
    /// Env files loaded into the container (compose `env_file`), relative to the spec's
    /// directory, normalised. Their contents are never read.
    pub env_files: Vec<Sp<String>>,
    pub workdir: Option<Sp<String>>,
    pub user: Option<Sp<String>>,
    pub labels: Vec<(Sp<String>, Sp<String>)>,
    pub restart: Restart,
    pub replicas: u32,
    pub replicas_span: Option<Span>,
    pub resources: Resources,
    pub security: Security,
    pub ports: Vec<Port>,
    pub mounts: Vec<Mount>,
    pub health: Option<Health>,
    pub depends_on: Vec<Dependency>,
    /// Network tiers joined; empty means the stack's default network.
    pub networks: Vec<(NetworkId, Span)>,
    pub suppressions: Vec<Suppression>,
    /// When a `kind: cron` service runs (it is then a job: `is_job` holds).
    pub schedule: Option<Schedule>,
}

impl Service {
    /// Every value the service holds: env values, command and entrypoint arguments, health
    /// command arguments.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        let cmd = self.command.iter().flat_map(|c| c.args.iter());
        let ep = self.entrypoint.iter().flat_map(|c| c.args.iter());
        let hc = self
            .health
            .iter()
            .filter_map(|h| h.cmd.as_ref())
            .flat_map(|c| c.args.iter());
        self.env
            .iter()
            .map(|e| &e.value)
            .chain(cmd)
            .chain(ep)
            .chain(hc)
            .chain(self.restart.template.iter())
    }
    pub fn is_job(&self) -> bool {
        self.kind == WorkloadKind::Job
    }
    /// The port a `${services.X.port}` reference means: the first declared.
    pub fn primary_port(&self) -> Option<&Port> {
        self.ports.first()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    /// Runs until stopped.
    Service,
    /// Runs once to completion.
    Job,
}

/// A command: shell form (one argument, run by `/bin/sh -c`) or exec form.
#[derive(Clone, Debug)]
pub struct Command {
    pub span: Span,
    pub shell: bool,
    pub args: Vec<Value>,
}

/// An environment variable.
#[derive(Clone, Debug)]
pub struct EnvVar {
    pub key: Sp<String>,
    pub value: Value,
}

/// A string made of literal text and references. Rendering is each target's business.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub span: Span,
    pub segments: Vec<Segment>,
}

impl Value {
    pub fn literal(text: impl Into<String>, span: Span) -> Self {
        Self {
            span,
            segments: vec![Segment::Literal(text.into())],
        }
    }
    /// The text when the value has no references.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for s in &self.segments {
            match s {
                Segment::Literal(t) => out.push_str(t),
                _ => return None,
            }
        }
        Some(out)
    }
    pub fn has_secret(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::Secret(_)))
    }
    /// The single secret when the whole value is exactly one secret reference.
    pub fn as_single_secret(&self) -> Option<SecretId> {
        match self.segments.as_slice() {
            [Segment::Secret(id)] => Some(*id),
            _ => None,
        }
    }
}

/// One piece of a [`Value`].
#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    Literal(String),
    Secret(SecretId),
    Var(VarId),
    /// The host name other services reach this one at (per target).
    ServiceHost(ServiceId),
    /// A port of a service: index into its `ports`.
    ServicePort(ServiceId, usize),
}

/// The restart policy and whether the user wrote it.
#[derive(Clone, Debug)]
pub struct Restart {
    /// The policy; for one taken from a variable, the variable's value in this build (the
    /// service's default when it has none).
    pub policy: RestartPolicy,
    pub span: Option<Span>,
    /// `restart: ${vars.NAME}` with a deploy-time variable (`from_env`): compose writes the
    /// variable and interpolates it; the other targets write [`Restart::policy`].
    pub template: Option<Value>,
    /// `on-failure:N`: restart at most N times.
    pub max_retries: Option<u32>,
}

/// An amount of memory or storage.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    pub bytes: u64,
    /// As written, e.g. `512Mi`: Kubernetes takes it as is.
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Resources {
    pub cpus: Option<Sp<f64>>,
    pub memory: Option<Quantity>,
    pub request_cpus: Option<Sp<f64>>,
    pub request_memory: Option<Quantity>,
}

impl Resources {
    pub fn is_empty(&self) -> bool {
        self.cpus.is_none()
            && self.memory.is_none()
            && self.request_cpus.is_none()
            && self.request_memory.is_none()
    }
}

/// Security settings, with stackc's safe defaults filled in.
#[derive(Clone, Debug)]
pub struct Security {
    pub read_only: Option<Sp<bool>>,
    pub cap_add: Vec<Sp<String>>,
    /// Dropped capabilities (default `ALL`, with an empty span).
    pub cap_drop: Vec<Sp<String>>,
    /// Span of an explicit `cap_drop:` (absent: the default applies).
    pub cap_drop_span: Option<Span>,
    pub no_new_privileges: Sp<bool>,
    pub privileged: Option<Sp<bool>>,
    pub host_namespaces: Vec<Sp<HostNamespace>>,
    pub security_opt: Vec<Sp<String>>,
    /// Where `defaults: runtime` was written: the fields left out take the container runtime's
    /// defaults (no capability dropped, privileges may be gained) instead of stackc's.
    pub runtime_defaults: Option<Span>,
}

impl Security {
    pub fn is_read_only(&self) -> bool {
        self.read_only.as_ref().is_some_and(|r| r.value)
    }
    pub fn is_privileged(&self) -> bool {
        self.privileged.as_ref().is_some_and(|r| r.value)
    }
    pub fn drops_all(&self) -> bool {
        self.cap_drop.iter().any(|c| c.value == "ALL")
    }
}

/// A port the service listens on.
#[derive(Clone, Debug)]
pub struct Port {
    pub span: Span,
    pub port: u16,
    pub exposure: Exposure,
    pub exposure_span: Option<Span>,
    /// Host port when published (defaults to `port`).
    pub host_port: u16,
    pub protocol: Protocol,
    /// Port name: as written, or `p<port>` (`p<port>-udp` for udp). A DNS-1123 label of at
    /// most 15 characters (a Kubernetes port name).
    pub name: String,
    /// Host address written in the spec (`host_ip`), overriding the exposure's default.
    pub bind_address: Option<Sp<String>>,
    /// Where `name` was written, if it was.
    pub name_span: Option<Span>,
    /// Application protocol (`app_protocol`), a valid Kubernetes `appProtocol`.
    pub app_protocol: Option<Sp<String>>,
}

impl Port {
    /// Whether the host publishes it (compose, systemd).
    pub fn is_published(&self) -> bool {
        self.exposure != Exposure::Internal
    }
    /// Host IP it binds to when published.
    pub fn host_ip(&self) -> Option<&'static str> {
        match self.exposure {
            Exposure::Internal => None,
            Exposure::Loopback => Some("127.0.0.1"),
            Exposure::Public => Some("0.0.0.0"),
        }
    }
    /// The publish mapping in docker's and podman's `[IP:][HOST:]CONTAINER[/udp]` syntax:
    /// the written `host_ip` (IPv6 in brackets) or `127.0.0.1` for loopback, and no host port
    /// when `host_port` is 0 (the runtime picks one). `None` for an internal port.
    pub fn publish_spec(&self) -> Option<String> {
        let ip = match (&self.bind_address, self.exposure) {
            (_, Exposure::Internal) => return None,
            (Some(a), _) if a.value.contains(':') && !a.value.starts_with('[') => {
                format!("[{}]:", a.value)
            }
            (Some(a), _) => format!("{}:", a.value),
            (None, Exposure::Loopback) => "127.0.0.1:".to_string(),
            (None, Exposure::Public) => String::new(),
        };
        let host = if self.host_port == 0 {
            if ip.is_empty() {
                String::new()
            } else {
                ":".to_string()
            }
        } else {
            format!("{}:", self.host_port)
        };
        let proto = match self.protocol {
            Protocol::Tcp => "",
            Protocol::Udp => "/udp",
        };
        Some(format!("{ip}{host}{}{proto}", self.port))
    }
}

/// Something mounted into the container.
#[derive(Clone, Debug)]
pub struct Mount {
    pub span: Span,
    pub kind: MountKind,
    /// Absolute path in the container.
    pub target: Sp<String>,
    pub read_only: bool,
    /// Added by an environment overlay (e.g. the dev hot-reload mount).
    pub from_env_overlay: bool,
    /// Written in the short form (`source:/target[:ro]`), which compose reads with its own
    /// defaults (a bind's missing host path is created); fidelity output keeps the form.
    pub short_form: bool,
    /// For a config file: the compose config name it is published as (spec `name`).
    pub compose_config: Option<Sp<String>>,
}

#[derive(Clone, Debug)]
pub enum MountKind {
    /// A named volume.
    Volume(VolumeId),
    /// A host path, relative to the spec's directory as written (normalised, never escaping it).
    Bind(Sp<String>),
    /// A file of the repository, relative to the spec's directory; its text is loaded by
    /// [`crate::load::load_config_files`].
    Config {
        source: Sp<String>,
        content: Option<String>,
    },
    /// A tmpfs.
    Tmpfs { size: Option<Quantity> },
    /// A secret, mounted read-only as a file at the target.
    Secret(SecretId),
}

/// How to check health, with timings filled in.
#[derive(Clone, Debug)]
pub struct Health {
    pub span: Span,
    pub cmd: Option<Command>,
    pub http: Option<HttpCheck>,
    pub tcp: Option<Sp<u16>>,
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u32,
    pub start_period: Duration,
    /// Where each timing was written; `None` means the default was filled in.
    pub written: HealthTimings,
}

/// Where the timings of a health check were written.
#[derive(Clone, Copy, Debug, Default)]
pub struct HealthTimings {
    pub interval: Option<Span>,
    pub timeout: Option<Span>,
    pub retries: Option<Span>,
    pub start_period: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct HttpCheck {
    pub path: String,
    pub port: Sp<u16>,
}

/// `depends_on` entry.
#[derive(Clone, Copy, Debug)]
pub struct Dependency {
    pub service: ServiceId,
    pub condition: Condition,
    pub span: Span,
}

#[derive(Debug)]
pub struct Secret {
    pub name: Sp<String>,
    /// Variable name in `.env` and compose interpolation (default: name in upper case).
    pub env_name: String,
    /// Key and object-name form (DNS-1123 label).
    pub dns_name: String,
    pub source: SecretSource,
    pub optional: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SecretSource {
    Generate { length: u32, alphabet: Alphabet },
    FromEnv(String),
    File(String),
    External(String),
}

#[derive(Debug)]
pub struct Variable {
    pub name: Sp<String>,
    /// The value in this environment (overlay, else default).
    pub value: Option<String>,
    /// Deploy-time environment variable that overrides `value`.
    pub from_env: Option<String>,
    /// The deploying environment must set `from_env` (compose `${VAR:?...}`).
    pub required: bool,
    /// The value was given on the command line (`stackc build --set NAME=VALUE`): it is fixed
    /// for every target and `from_env` no longer applies.
    pub set_on_command_line: bool,
}

impl Variable {
    /// The value every target can write as is: set on the command line, or a value with no
    /// deploy-time override.
    pub fn fixed_value(&self) -> Option<&str> {
        if self.from_env.is_none() {
            self.value.as_deref()
        } else {
            None
        }
    }
}

#[derive(Debug)]
pub struct Volume {
    pub name: Sp<String>,
    pub dns_name: String,
    pub size: Option<Quantity>,
    /// Kubernetes storage class.
    pub storage_class: Option<Sp<String>>,
    /// Kubernetes access mode, when written.
    pub access_mode: Option<Sp<AccessMode>>,
    /// Who must own the volume's root directory: written (`owner`) or inferred from its only
    /// writer's user.
    pub owner: Option<VolumeOwner>,
}

/// The numeric owner of a volume's root directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolumeOwner {
    pub uid: u32,
    pub gid: u32,
    /// Where `owner` was written; `None` when inferred.
    pub span: Option<Span>,
    /// The service whose user it was inferred from.
    pub inferred_from: Option<ServiceId>,
}

/// UID and GID of the user images built from stackc's recipes run as (`app`).
pub const RECIPE_UID: u32 = 10001;

impl Stack {
    /// The owner of `id`'s root directory, if the volume needs one set.
    pub fn volume_owner(&self, id: VolumeId) -> Option<VolumeOwner> {
        self.volume(id).owner
    }
    /// Owned volumes `service` mounts, in mount order, each once.
    pub fn owned_volumes(&self, service: &Service) -> Vec<(VolumeId, VolumeOwner)> {
        let mut out: Vec<(VolumeId, VolumeOwner)> = Vec::new();
        for m in &service.mounts {
            if let MountKind::Volume(v) = m.kind
                && let Some(o) = self.volume_owner(v)
                && !out.iter().any(|(x, _)| *x == v)
            {
                out.push((v, o));
            }
        }
        out
    }
}

#[derive(Debug)]
pub struct Network {
    pub name: Sp<String>,
    pub dns_name: String,
    pub internal: bool,
}

#[derive(Clone, Debug)]
pub struct Suppression {
    /// Code (`STK302`) or slug as written.
    pub rule: Sp<String>,
    pub reason: Sp<String>,
}

/// A build recipe, or a reference to an existing Dockerfile.
#[derive(Clone, Debug)]
pub struct BuildRecipe {
    pub span: Span,
    /// Context directory relative to the spec (default `.`).
    pub context: String,
    /// Existing Dockerfile (relative to the context): stackc then generates none.
    pub dockerfile: Option<Sp<String>>,
    pub preset: Option<Sp<Preset>>,
    /// Base image of the final stage.
    pub base: Option<Sp<String>>,
    /// Image of the build stage (default: the preset's).
    pub builder: Option<Sp<String>>,
    /// Packages installed in the final image.
    pub system_packages: Vec<Sp<String>>,
    /// Packages installed in the build stage only.
    pub build_packages: Vec<Sp<String>>,
    /// Shell commands run in the build stage, one line each.
    pub steps: Vec<Sp<String>>,
    /// Paths of the context copied after the dependencies are installed.
    pub sources: Vec<Sp<String>>,
    /// Command of the image, exec form (a string was wrapped in `/bin/sh -c`).
    pub cmd: Option<Vec<Sp<String>>>,
    /// Where `cmd` was written as a string (shell form), if it was.
    pub cmd_shell: Option<Span>,
    pub user: Option<Sp<String>>,
    pub workdir: Option<Sp<String>>,
    pub env: Vec<(Sp<String>, Sp<String>)>,
    pub args: Vec<(Sp<String>, Sp<String>)>,
    pub secrets: Vec<(SecretId, Span)>,
    pub ignore: Vec<Sp<String>>,
    /// Image labels as written (stackc's OCI defaults are added by the backend).
    pub labels: Vec<(Sp<String>, Sp<String>)>,
    /// Image name other targets use for the built image (variables substituted as for
    /// [`Service::image`]).
    pub image: Option<Sp<String>>,
    /// `image` as a value when it still refers to a deploy-time variable.
    pub image_template: Option<Value>,
}

/// Target options with defaults filled.
#[derive(Clone, Debug)]
pub struct Targets {
    pub compose_file: String,
    /// Compose-only fields the spec carries as they are (`targets.compose`).
    pub compose: ComposePassthrough,
    pub k8s: K8sOptions,
    pub systemd: SystemdOptions,
}

/// Compose fields a spec carries as they are (`targets.compose`), for what the stack spec does
/// not express; only the compose backend writes them.
#[derive(Clone, Debug, Default)]
pub struct ComposePassthrough {
    /// Top-level `x-*` fields.
    pub extensions: Vec<(String, serde_json::Value)>,
    /// Extra fields per service (by service name), network and volume.
    pub services: Vec<(String, Vec<(String, serde_json::Value)>)>,
    pub networks: Vec<(String, Vec<(String, serde_json::Value)>)>,
    pub volumes: Vec<(String, Vec<(String, serde_json::Value)>)>,
    /// Top-level `secrets:` and `configs:` definitions.
    pub secrets: Vec<(String, serde_json::Value)>,
    pub configs: Vec<(String, serde_json::Value)>,
    /// Where each service field was written: (service, field) → the span of its key.
    pub service_keys: Vec<(String, String, crate::diag::Span)>,
    /// The fields are a compose file's own (the compose frontend's), linted with it.
    pub from_compose_file: bool,
}

impl ComposePassthrough {
    /// The extra fields of service `name`.
    pub fn service(&self, name: &str) -> &[(String, serde_json::Value)] {
        self.services
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.as_slice())
            .unwrap_or(&[])
    }

    /// The span of field `key` of service `name` in `targets.compose.services`.
    pub fn key_span(&self, name: &str, key: &str) -> Option<crate::diag::Span> {
        self.service_keys
            .iter()
            .find(|(s, k, _)| s == name && k == key)
            .map(|(_, _, span)| *span)
    }
}

#[derive(Clone, Debug)]
pub struct K8sOptions {
    pub namespace: String,
    pub version: K8sVersion,
    pub expose: K8sExpose,
    pub ingress_class: Option<String>,
    pub host: Option<String>,
    pub wait_image: String,
    pub tls: Option<K8sTls>,
    pub ingress_annotations: Vec<(String, String)>,
    /// Per-service exposure options, by service name.
    pub services: Vec<K8sServiceOptions>,
    /// Most permissive Pod Security Standard the namespace may enforce, and where it was set.
    pub pod_security: PodSecurity,
    pub pod_security_span: Option<Span>,
    pub patches: Vec<K8sPatch>,
}

impl K8sOptions {
    /// The exposure options of service `name`.
    pub fn service(&self, name: &str) -> Option<&K8sServiceOptions> {
        self.services.iter().find(|s| s.service == name)
    }
}

/// TLS of the Ingress.
#[derive(Clone, Debug)]
pub struct K8sTls {
    pub secret: String,
    /// `(annotation key, issuer)` of cert-manager, when an issuer is named.
    pub issuer: Option<(&'static str, String)>,
}

/// How one service's public ports are exposed on Kubernetes.
#[derive(Clone, Debug)]
pub struct K8sServiceOptions {
    pub service: String,
    pub span: Span,
    pub host: Option<Sp<String>>,
    pub path: Option<Sp<String>>,
    pub ports: Vec<K8sPortOptions>,
}

/// How one public port is exposed on Kubernetes.
#[derive(Clone, Debug)]
pub struct K8sPortOptions {
    /// The port's name (also when written as a number).
    pub port: String,
    pub span: Span,
    pub app_protocol: Option<Sp<AppProtocol>>,
    pub expose: Option<Sp<PortRoute>>,
    pub path: Option<Sp<String>>,
}

/// A kustomize patch: strategic merge (a mapping) or JSON 6902 (a list, with a target).
#[derive(Clone, Debug)]
pub struct K8sPatch {
    pub span: Span,
    pub patch: serde_json::Value,
    /// kustomize's `target` selector.
    pub target: Option<serde_json::Value>,
}

#[derive(Clone, Debug)]
pub struct SystemdOptions {
    pub flavour: SystemdFlavour,
    pub runtime: Runtime,
    /// e.g. `5.4`.
    pub podman_version: String,
}

/// Formats a duration the way compose and systemd read it: `1m30s`, `10s`, `500ms`.
pub fn format_duration(d: Duration) -> String {
    crate::knowledge::quantity::duration_text(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
