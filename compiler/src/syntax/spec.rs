//! The stack spec v1 as Rust types: the single source of the grammar and of
//! `schema/stack.schema.json`.
//!
//! Every user-written scalar and map key is an [`Sp`], so later passes can point at it. The
//! types avoid `#[serde(flatten)]` and untagged enums (spans are lost inside them); values that
//! accept a short and a long form use hand-written visitors ([`super::forms`]).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::forms::{CommandSpec, DependsOnSpec, MountSpec, PortSpec};
use super::keywords::{
    self, AccessMode, Alphabet, AppProtocol, HostNamespace, K8sExpose, K8sVersion, PodSecurity,
    PortRoute, Preset, Profile, Role, Runtime, SecurityDefaults, ServiceKind, SystemdFlavour,
};
use super::sp::Sp;

/// Map keyed by user-written names, in source order.
pub type NameMap<T> = IndexMap<Sp<String>, T>;

/// A stack: services, and what they share, described once for every target.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "stackc stack spec v1")]
pub struct StackSpec {
    /// Name of the stack: compose project name, default Kubernetes namespace, prefix of systemd
    /// unit names. A DNS-1123 label: lowercase letters, digits and `-`.
    pub stack: Sp<String>,
    /// Spec language version. Only `1` exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Sp<u32>>,
    /// Secrets, declared once and used by reference (`${secrets.NAME}`); their values never
    /// appear in any generated file.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub secrets: NameMap<SecretSpec>,
    /// Non-secret values that can differ per environment or come from the deploying
    /// environment, used as `${vars.NAME}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub variables: NameMap<VariableSpec>,
    /// Network tiers. A service joins the tiers it lists; internal tiers have no route out.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub networks: NameMap<NetworkSpec>,
    /// Named persistent volumes.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub volumes: NameMap<VolumeSpec>,
    /// The services and jobs of the stack.
    pub services: NameMap<ServiceSpec>,
    /// Named overlays (`dev`, `prod`, ...) applied with `--env NAME`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub environments: NameMap<EnvironmentSpec>,
    /// Options for each output target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<TargetsSpec>,
    /// Lint settings for the whole stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<LintSpec>,
}

/// Where a secret's value comes from. Exactly one source must be set.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    /// Generate a random value once (`stackc secrets init`), never changing it afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<GenerateSpec>,
    /// Take the value from this variable of the deploying environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_env: Option<Sp<String>>,
    /// Read the value from this file (relative to the spec) when the secrets are initialised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Sp<String>>,
    /// The secret already exists in the platform's secret store under this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<Sp<String>>,
    /// A missing value is allowed (the service copes without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<Sp<bool>>,
    /// Name of the environment variable that carries the secret in `.env` and compose
    /// interpolation. Defaults to the secret name in upper case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_name: Option<Sp<String>>,
}

/// How to generate a secret value.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    /// Number of characters (default 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<Sp<u32>>,
    /// Characters to draw from: `alnum` (default), `hex`, `base64url`.
    #[schemars(schema_with = "keywords::schema_word::<Alphabet>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alphabet: Option<Sp<String>>,
}

/// A non-secret variable.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    /// The value used when no environment overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Sp<String>>,
    /// Read from this variable of the deploying environment at deploy time (the default above
    /// is the fallback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_env: Option<Sp<String>>,
    /// The deploying environment must set `from_env` to a non-empty value (compose
    /// `${VAR:?...}`); there is then no default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Sp<bool>>,
}

/// A network tier.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// No route outside the tier (compose `internal: true`, Quadlet `Internal=true`,
    /// a deny-by-default NetworkPolicy in Kubernetes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<Sp<bool>>,
}

/// A named persistent volume.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeSpec {
    /// Size requested for the persistent volume claim, e.g. `20Gi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Sp<String>>,
    /// Kubernetes storage class of the claim (default: the cluster's default class).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<Sp<String>>,
    /// Kubernetes access mode of the claim: `ReadWriteOnce`, `ReadWriteOncePod`,
    /// `ReadWriteMany` or `ReadOnlyMany`. Default: `ReadWriteMany` for a volume several
    /// workloads mount, else `ReadWriteOnce`.
    #[schemars(schema_with = "keywords::schema_word::<AccessMode>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_mode: Option<Sp<String>>,
    /// Numeric owner `UID[:GID]` of the volume's root directory, so a non-root service can
    /// write it: a one-shot `chown` service in compose, `:U` for Podman, `fsGroup` in
    /// Kubernetes. Inferred from the `user` the services that write the volume all run as (UID
    /// 10001 for images built from stackc's recipes) when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Sp<String>>,
}

/// A service (long-running) or a job (runs once to completion).
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// `service` (default) runs forever; `job` runs once to completion (setup tasks); `cron`
    /// runs to completion on a `schedule`.
    #[schemars(schema_with = "keywords::schema_word::<ServiceKind>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Sp<String>>,
    /// When a `kind: cron` service runs: five cron fields (`minute hour day-of-month month
    /// day-of-week`, each `*`, `*/N`, or a list of numbers and `A-B` ranges) or `@hourly`,
    /// `@daily`, `@weekly`, `@monthly`, `@yearly`. Times are UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Sp<String>>,
    /// A hint for the linter: `database` marks a stateful data store.
    #[schemars(schema_with = "keywords::schema_word::<Role>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Sp<String>>,
    /// Container image: `name:tag`, `name@sha256:...` or both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Sp<String>>,
    /// Build the image from a recipe (a generated Dockerfile) or an existing Dockerfile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildSpec>,
    /// Command (argv list; a string is shell form, run by `/bin/sh -c`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Sp<CommandSpec>>,
    /// Entrypoint (argv list; a string is shell form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Sp<CommandSpec>>,
    /// Environment variables. Values may use `${secrets.NAME}`, `${vars.NAME}`,
    /// `${services.NAME.host}`, `${services.NAME.port}` and `$$` for a literal `$`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub env: NameMap<Sp<String>>,
    /// Files of `KEY=VALUE` lines whose variables are all set in the container (compose
    /// `env_file`), relative to the spec. stackc never reads them; `env` wins over them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_file: Vec<Sp<String>>,
    /// Working directory inside the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<Sp<String>>,
    /// User (name or UID[:GID]) the process runs as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Sp<String>>,
    /// Labels set on the container.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: NameMap<Sp<String>>,
    /// Restart policy: `always`, `unless-stopped`, `on-failure`, `no`, or one variable alone
    /// (`${vars.NAME}`: compose interpolates it, other targets write its value in the build).
    /// `on-failure:N` restarts at most N times (Kubernetes cannot limit a Deployment's).
    /// Defaults: `unless-stopped` for services, `no` for jobs.
    #[schemars(schema_with = "keywords::schema_restart")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<Sp<String>>,
    /// Number of instances (services only; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Sp<u32>>,
    /// CPU and memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourcesSpec>,
    /// Security settings of the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<SecuritySpec>,
    /// Ports the service listens on, with their exposure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Sp<PortSpec>>,
    /// Mounts: named volumes, config files, host binds (dev), tmpfs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Sp<MountSpec>>,
    /// How to tell the service is healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthSpec>,
    /// Services this one waits for: a map `name: started|healthy|completed`, or a list of names
    /// (`started`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Sp<DependsOnSpec>>,
    /// Network tiers the service joins (all services share one default network when no tier is
    /// declared).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<Sp<String>>,
    /// Only build this service in these environments (e.g. a dev-only admin tool).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only_in: Vec<Sp<String>>,
    /// Lint settings for this service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<LintSpec>,
}

/// CPU and memory. Top-level values are limits; `requests` are what the scheduler reserves.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourcesSpec {
    /// CPU limit in cores, e.g. `0.5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<Sp<f64>>,
    /// Memory limit, e.g. `512Mi`, `1Gi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Sp<String>>,
    /// Reserved resources (Kubernetes requests, compose reservations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<ResourceRequestsSpec>,
}

/// Reserved resources.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceRequestsSpec {
    /// CPU cores reserved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<Sp<f64>>,
    /// Memory reserved, e.g. `256Mi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Sp<String>>,
}

/// Container security settings. stackc's defaults are the safe ones: every capability dropped,
/// no new privileges.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecuritySpec {
    /// Defaults for the fields below left out: `hardened` (stackc's: every capability dropped,
    /// no new privileges) or `runtime` (the container runtime's: its default capability set,
    /// privileges may be gained, as in a compose file that says nothing).
    #[schemars(schema_with = "keywords::schema_word::<SecurityDefaults>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<Sp<String>>,
    /// Mount the root filesystem read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<Sp<bool>>,
    /// Capabilities added back after dropping all, e.g. `CHOWN`, `NET_BIND_SERVICE`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<Sp<String>>,
    /// Capabilities dropped (default `[ALL]`); set to `[]` to keep the runtime's default set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_drop: Option<Vec<Sp<String>>>,
    /// Forbid gaining privileges through setuid binaries (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_new_privileges: Option<Sp<bool>>,
    /// Run privileged (almost never right).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<Sp<bool>>,
    /// Share a host namespace: list of `pid`, `ipc`, `network`, `uts`.
    #[schemars(schema_with = "keywords::schema_words::<HostNamespace>")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_namespaces: Vec<Sp<String>>,
    /// Security profile options, e.g. `seccomp=unconfined` (linted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<Sp<String>>,
}

/// A health check. Set one of `cmd`, `http`, `tcp`; `cmd` may be combined with `http` or `tcp`
/// when targets differ (compose needs a command, Kubernetes prefers a probe).
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthSpec {
    /// Command run inside the container; exit 0 means healthy. A list is argv; a string runs in
    /// `/bin/sh -c`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Sp<CommandSpec>>,
    /// HTTP GET on a port and path; 2xx/3xx means healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpCheckSpec>,
    /// TCP connect to a port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpCheckSpec>,
    /// Time between checks (default `10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Sp<String>>,
    /// Time a check may take (default `5s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Sp<String>>,
    /// Failures in a row before unhealthy (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<Sp<u32>>,
    /// Grace period after start during which failures do not count (default `0s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Sp<String>>,
}

/// An HTTP health check.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpCheckSpec {
    /// Path, e.g. `/healthz` (default `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Sp<String>>,
    /// Container port (must be one of the service's ports).
    pub port: Sp<u32>,
}

/// A TCP health check.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TcpCheckSpec {
    /// Container port (must be one of the service's ports).
    pub port: Sp<u32>,
}

/// How to build the image.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildSpec {
    /// Build context, relative to the spec (default `.`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Sp<String>>,
    /// Use this existing Dockerfile (relative to the context) instead of generating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<Sp<String>>,
    /// A recipe preset: `python-uv`, `python-pip`, `node-npm`, `node-pnpm`, `rust-cargo`, `go`,
    /// `plain`.
    #[schemars(schema_with = "keywords::schema_word::<Preset>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Sp<String>>,
    /// Base image of the final stage (the preset chooses one when omitted; `plain` needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Sp<String>>,
    /// Image of the build stage (default: the preset's toolchain image; for Python and Node
    /// presets the final stage's `base`, so the installed environment matches its runtime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder: Option<Sp<String>>,
    /// System packages installed in the final image (apt or apk, from the base image); write
    /// `name=version` to pin one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_packages: Vec<Sp<String>>,
    /// System packages installed in the build stage only (compilers, headers): they stay out of
    /// the final image. Write `name=version` to pin one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_packages: Vec<Sp<String>>,
    /// Shell commands (one line each) run in the build stage after the dependencies are installed
    /// and the sources copied, e.g. `npm run build`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Sp<String>>,
    /// Source paths copied into the image after dependencies (default: the preset's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Sp<String>>,
    /// Command of the image (exec form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Sp<CommandSpec>>,
    /// Non-root user the image runs as (default `app`, UID 10001).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Sp<String>>,
    /// Working directory (default `/app`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<Sp<String>>,
    /// Environment baked into the image (non-secret).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub env: NameMap<Sp<String>>,
    /// Build arguments (non-secret).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub args: NameMap<Sp<String>>,
    /// Secrets available to build steps through `RUN --mount=type=secret` only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<Sp<String>>,
    /// Extra `.dockerignore` patterns, after stackc's defaults (`!pattern` re-includes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<Sp<String>>,
    /// Labels baked into the image, e.g. `org.opencontainers.image.source`. stackc sets
    /// `org.opencontainers.image.title` (the service), `.base.name` and `.version` (the tag of
    /// `image`) unless given here.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: NameMap<Sp<String>>,
    /// Image name (with tag) that other targets use for the built image, e.g. for Kubernetes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Sp<String>>,
}

/// A named overlay: what changes in one environment.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// Lint profile: `dev` or `prod`. Defaults to `prod` for an environment named `prod` or
    /// `production`, else `dev`.
    #[schemars(schema_with = "keywords::schema_word::<Profile>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Sp<String>>,
    /// Variable values in this environment.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub variables: NameMap<Sp<String>>,
    /// Per-service changes. Scalars replace, maps (`env`, `labels`) merge by key, `volumes` are
    /// appended, `ports` replace the base port with the same number or are appended.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub services: NameMap<ServiceOverlaySpec>,
}

/// What an environment changes in one service.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceOverlaySpec {
    /// Replace the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Sp<String>>,
    /// Replace the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Sp<CommandSpec>>,
    /// Replace the replica count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Sp<u32>>,
    /// Replace the resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourcesSpec>,
    /// Replace the restart policy.
    #[schemars(schema_with = "keywords::schema_restart")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<Sp<String>>,
    /// Add or replace environment variables.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub env: NameMap<Sp<String>>,
    /// Add or replace labels.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: NameMap<Sp<String>>,
    /// Ports added in this environment; one with the same number and protocol as a base port
    /// replaces it (e.g. to publish a database on 127.0.0.1 in dev).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Sp<PortSpec>>,
    /// Mounts added in this environment (e.g. a hot-reload bind mount in dev).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Sp<MountSpec>>,
}

/// Options for each target.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsSpec {
    /// docker-compose options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose: Option<ComposeTargetSpec>,
    /// Kubernetes options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k8s: Option<K8sTargetSpec>,
    /// systemd options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systemd: Option<SystemdTargetSpec>,
}

/// docker-compose options.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComposeTargetSpec {
    /// Output file name (default `compose.yaml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Sp<String>>,
    /// Top-level `x-*` extension fields copied into the compose file as they are (compose
    /// ignores them; `stackc import` keeps a compose file's here).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: IndexMap<String, serde_json::Value>,
    /// Compose-only fields added to a service's entry as they are, for what the stack spec does
    /// not express (e.g. `container_name`, `logging`, `ulimits`): service name → field → value.
    /// Other targets ignore them. Fields stackc writes itself (`image`, `ports`, ...) are refused.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub services: IndexMap<Sp<String>, IndexMap<Sp<String>, serde_json::Value>>,
    /// Compose-only fields of a network (e.g. `driver`, `ipam`, `external`, `name`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub networks: IndexMap<Sp<String>, IndexMap<String, serde_json::Value>>,
    /// Compose-only fields of a volume (e.g. `driver`, `driver_opts`, `external`, `name`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub volumes: IndexMap<Sp<String>, IndexMap<String, serde_json::Value>>,
    /// Compose `secrets:` definitions (files or variables mounted at `/run/secrets/NAME` by a
    /// service's `secrets` field above); a relative `file` is relative to the spec.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub secrets: IndexMap<String, serde_json::Value>,
    /// Compose `configs:` definitions used by a service's `configs` field above; a relative
    /// `file` is relative to the spec.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub configs: IndexMap<String, serde_json::Value>,
    /// Set by the compose frontend: the fields are a compose file's own, already linted there.
    #[serde(skip)]
    #[schemars(skip)]
    pub from_compose_file: bool,
}

/// Kubernetes options.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct K8sTargetSpec {
    /// Namespace (default: the stack name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Sp<String>>,
    /// Kubernetes version targeted, e.g. `1.33` (the default).
    #[schemars(schema_with = "keywords::schema_word::<K8sVersion>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Sp<String>>,
    /// How public ports are exposed: `ingress` (default) or `loadbalancer`.
    #[schemars(schema_with = "keywords::schema_word::<K8sExpose>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose: Option<Sp<String>>,
    /// Ingress class name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_class: Option<Sp<String>>,
    /// Host name of the Ingress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Sp<String>>,
    /// Image used by the init containers that wait for dependencies (pinned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_image: Option<Sp<String>>,
    /// TLS of the Ingress: an existing certificate Secret, or a cert-manager issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Sp<K8sTlsSpec>>,
    /// Annotations of the Ingress (controller settings such as body size or timeouts).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub ingress_annotations: NameMap<Sp<String>>,
    /// Exposure of each service's public ports: service name → options.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub services: NameMap<K8sServiceSpec>,
    /// Most permissive Pod Security Standard the namespace may enforce: `restricted`,
    /// `baseline` (default) or `privileged`. A workload that needs more is an error.
    #[schemars(schema_with = "keywords::schema_word::<PodSecurity>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<Sp<String>>,
    /// Kustomize patches applied to the generated objects, for what the spec does not say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<K8sPatchSpec>,
}

/// systemd options.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemdTargetSpec {
    /// `quadlet` (default) or `units`.
    #[schemars(schema_with = "keywords::schema_word::<SystemdFlavour>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavour: Option<Sp<String>>,
    /// Runtime for plain units: `podman` (default) or `docker`.
    #[schemars(schema_with = "keywords::schema_word::<Runtime>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Sp<String>>,
    /// Oldest Podman version the Quadlet files must work with, e.g. `5.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub podman_version: Option<Sp<String>>,
}

/// Lint settings.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LintSpec {
    /// Suppressed rules: code or slug → the reason (required, non-empty).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub ignore: NameMap<Sp<String>>,
}

// Kubernetes production options (`targets.k8s`): TLS, per-service exposure, patches.

/// TLS of the Ingress. With `cluster_issuer` or `issuer`, cert-manager fills `secret`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct K8sTlsSpec {
    /// Secret holding the certificate (default: `<stack>-tls`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<Sp<String>>,
    /// cert-manager ClusterIssuer that issues the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_issuer: Option<Sp<String>>,
    /// cert-manager Issuer (in the namespace) that issues the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<Sp<String>>,
}

/// How one service's public ports are exposed.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct K8sServiceSpec {
    /// Host of this service's Ingress routes (default: `targets.k8s.host`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Sp<String>>,
    /// Path prefix of its routes (default `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Sp<String>>,
    /// Per port (its name or number): protocol and exposure.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub ports: NameMap<K8sPortSpec>,
}

/// How one public port is exposed.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct K8sPortSpec {
    /// What the port speaks: `http` (routed by the Ingress) or `tcp`.
    #[schemars(schema_with = "keywords::schema_word::<AppProtocol>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<Sp<String>>,
    /// `ingress` (HTTP only), `loadbalancer` (a LoadBalancer Service) or `cluster` (not
    /// exposed outside the cluster).
    #[schemars(schema_with = "keywords::schema_word::<PortRoute>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose: Option<Sp<String>>,
    /// Path prefix of this port's route (default: the service's `path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Sp<String>>,
}

/// A kustomize patch: a strategic-merge patch (a mapping with `apiVersion`, `kind` and
/// `metadata.name`) or a JSON 6902 patch (a list of operations) with a `target`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct K8sPatchSpec {
    /// The patch itself.
    pub patch: Sp<serde_json::Value>,
    /// The objects a JSON 6902 patch applies to (optional for a strategic-merge patch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<K8sPatchTargetSpec>,
}

/// The objects a patch applies to.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct K8sPatchTargetSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(
        default,
        rename = "labelSelector",
        skip_serializing_if = "Option::is_none"
    )]
    pub label_selector: Option<String>,
}
