//! The compose file as stackc writes it: only the fields stackc emits, in the order a person
//! reads them. Serialised with the YAML emitter that quotes YAML 1.1 traps.

use indexmap::IndexMap;
use serde::Serialize;

pub use super::text::Text;

#[derive(Debug, Serialize)]
pub struct ComposeFile {
    pub name: Text,
    pub services: IndexMap<String, ComposeService>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub volumes: IndexMap<String, ComposeVolume>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub networks: IndexMap<String, ComposeNetwork>,
    /// Build secrets (read from the environment compose runs in, the `.env` of
    /// `stackc secrets init`) and the spec's compose-only secrets.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub secrets: IndexMap<String, serde_json::Value>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub configs: IndexMap<String, serde_json::Value>,
    /// Top-level `x-*` fields, as the spec gives them.
    #[serde(flatten)]
    pub extensions: IndexMap<String, serde_json::Value>,
}

#[derive(Debug, Default, Serialize)]
pub struct ComposeService {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<ComposeBuild>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<Text>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<Text>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_file: Vec<Text>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    /// `None` (written `null`): passed through from where compose runs, unset when unset.
    pub environment: IndexMap<String, Option<Text>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Text>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ComposePortEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<ComposeVolumeEntry>,
    /// Compose configs mounted into the service.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<ComposeConfigEntry>,
    /// Secrets mounted as files (`{source, target}` entries).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<ComposeHealthcheck>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub depends_on: IndexMap<String, ComposeDependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart: Option<Text>,
    #[serde(skip_serializing_if = "ComposeNetworks::is_empty")]
    pub networks: ComposeNetworks,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipc: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uts: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<ComposeDeploy>,
    /// Compose-only fields the spec carries as they are (`targets.compose.services`).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct ComposeBuild {
    pub context: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<Text>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub args: IndexMap<String, Text>,
    /// Build secrets, mounted by `RUN --mount=type=secret,id=NAME` in the Dockerfile.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    /// Compose-only build fields of the spec (`targets.compose.services.NAME.build`).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
}

/// The networks a service joins: a list of names, or a map when some have compose-only
/// options (`aliases`, `ipv4_address`, ...).
#[derive(Debug, Default)]
pub struct ComposeNetworks {
    pub names: Vec<String>,
    /// Per-network options (`targets.compose.services.NAME.networks`).
    pub options: IndexMap<String, serde_json::Value>,
}

impl ComposeNetworks {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

impl Serialize for ComposeNetworks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        if self.options.is_empty() {
            return self.names.serialize(s);
        }
        let mut m = s.serialize_map(Some(self.names.len()))?;
        for n in &self.names {
            m.serialize_entry(n, self.options.get(n).unwrap_or(&serde_json::Value::Null))?;
        }
        m.end()
    }
}

/// A published port: compose's short syntax or, for a named port, the long form.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ComposePortEntry {
    Short(Text),
    Long(ComposePort),
    /// A compose-only port of the spec (`targets.compose.services.NAME.ports`), as written.
    Raw(serde_json::Value),
}

/// A compose config mounted into a service.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ComposeConfigEntry {
    Long {
        /// The name of a top-level `configs:` entry.
        source: String,
        target: Text,
    },
    /// A compose-only entry of the spec (`targets.compose.services.NAME.configs`), as written.
    Raw(serde_json::Value),
}

/// A published port in the long syntax.
#[derive(Debug, Serialize)]
pub struct ComposePort {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    pub target: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<Text>,
    pub protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<Text>,
}

/// A mount: compose's short syntax (`source:/target[:ro]`) or the long form.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ComposeVolumeEntry {
    Short(Text),
    Long(ComposeMount),
    /// A compose-only mount of the spec (`targets.compose.services.NAME.volumes`), with its
    /// relative host path rewritten for the output directory.
    Raw(serde_json::Value),
}

#[derive(Debug, Serialize)]
pub struct ComposeMount {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Text>,
    pub target: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<ComposeTmpfs>,
}

#[derive(Debug, Serialize)]
pub struct ComposeTmpfs {
    pub size: u64,
}

#[derive(Debug, Serialize)]
pub struct ComposeHealthcheck {
    pub test: Vec<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Text>,
    /// Compose-only fields (`targets.compose.services.NAME.healthcheck`).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct ComposeDependency {
    pub condition: &'static str,
    /// `false` for an optional dependency (compose-only `required: false`); unset: required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// `true`: compose restarts the service when the dependency is updated (compose-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart: Option<bool>,
}

#[derive(Debug, Default, Serialize)]
pub struct ComposeDeploy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ComposeResources>,
    /// Compose-only fields (`targets.compose.services.NAME.deploy`).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
}

#[derive(Debug, Default, Serialize)]
pub struct ComposeResources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<ComposeResourceSet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<ComposeResourceSet>,
}

#[derive(Debug, Default, Serialize)]
pub struct ComposeResourceSet {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Text>,
    /// Compose-only fields (`devices`, `pids`, `generic_resources`).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
}

#[derive(Debug, Default, Serialize)]
pub struct ComposeVolume {
    /// Compose-only fields the spec carries as they are (`targets.compose.volumes`).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
}

#[derive(Debug, Default, Serialize)]
pub struct ComposeNetwork {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal: Option<bool>,
    /// Compose-only fields the spec carries as they are (`targets.compose.networks`).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
}
