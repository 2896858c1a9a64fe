//! The closed word sets of the stack spec: one enum per set, each from one table giving its
//! spelling and meaning. The resolver parses spec words through [`Keyword`], the IR holds the
//! enums, backends match on them, the compose frontend writes them, and the JSON Schema lists
//! [`Keyword::ALL`] as the field's `enum`.
//!
//! | enum | spec field |
//! |---|---|
//! | [`ServiceKind`] | `services.*.kind` |
//! | [`Role`] | `services.*.role` |
//! | [`RestartPolicy`] | `services.*.restart` (or one `${vars.NAME}`) |
//! | [`SecurityDefaults`] | `services.*.security.defaults` |
//! | [`HostNamespace`] | `services.*.security.host_namespaces[]` |
//! | [`Exposure`] | `services.*.ports[].expose` |
//! | [`Protocol`] | `services.*.ports[].protocol` |
//! | [`MountMode`] | the `:ro` / `:rw` of a short mount |
//! | [`Condition`] | `services.*.depends_on.*` |
//! | [`Alphabet`] | `secrets.*.generate.alphabet` |
//! | [`AccessMode`] | `volumes.*.access_mode` |
//! | [`Preset`] | `services.*.build.preset` |
//! | [`Profile`] | `environments.*.profile` |
//! | [`K8sVersion`] | `targets.k8s.version` |
//! | [`K8sExpose`] | `targets.k8s.expose` |
//! | [`PodSecurity`] | `targets.k8s.pod_security` |
//! | [`AppProtocol`] | `targets.k8s.services.*.ports.*.app_protocol` |
//! | [`PortRoute`] | `targets.k8s.services.*.ports.*.expose` |
//! | [`PatchOp`] | `op` of a JSON 6902 patch in `targets.k8s.patches` |
//! | [`SystemdFlavour`] | `targets.systemd.flavour` |
//! | [`Runtime`] | `targets.systemd.runtime` |
//!
//! Not word sets: capabilities (any `NAME` the kernel may add, written in any case, `CAP_`
//! optional), `security_opt` and a port's own `app_protocol` (open IANA names), and the kind of
//! a health check or mount (a field name: `cmd`/`http`/`tcp`, `volume`/`bind`/...).

use std::fmt;

use schemars::{Schema, SchemaGenerator, json_schema};

use super::Sp;
use crate::diag::Span;

/// A closed set of words of the spec.
pub trait Keyword: Copy + Eq + fmt::Debug + 'static {
    /// What a word of the set names, in messages: `unknown restart policy`.
    const WHAT: &'static str;
    /// Every word, in the order messages and the schema list them.
    const ALL: &'static [Self];
    /// How the spec writes it.
    fn spelling(self) -> &'static str;
    /// What it means, in one line.
    fn meaning(self) -> &'static str;
    /// The word spelt `word` exactly, if any.
    fn parse(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.spelling() == word)
    }
    /// The spellings of [`Keyword::ALL`], in order.
    fn spellings() -> Vec<&'static str> {
        Self::ALL.iter().map(|k| k.spelling()).collect()
    }
    /// The word as a spec field holds it, written at `span` (what a frontend writes).
    fn written(self, span: Span) -> Sp<String> {
        Sp::new(self.spelling().to_string(), span)
    }
}

/// `` `a`, `b`, `c` ``: the spellings of a set as a message lists them.
pub fn listed<K: Keyword>() -> String {
    K::spellings()
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One enum per set: `Name, "what" { Variant = "spelling", "meaning"; ... }`.
macro_rules! keywords {
    ($(
        $(#[$doc:meta])*
        $name:ident, $what:literal {
            $($variant:ident = $spelling:literal, $meaning:literal;)+
        }
    )+) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(#[doc = $meaning] $variant,)+
        }

        impl Keyword for $name {
            const WHAT: &'static str = $what;
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn spelling(self) -> &'static str {
                match self { $(Self::$variant => $spelling,)+ }
            }
            fn meaning(self) -> &'static str {
                match self { $(Self::$variant => $meaning,)+ }
            }
        }

        impl $name {
            /// The spelling ([`Keyword::spelling`]), without importing the trait.
            pub fn as_str(self) -> &'static str {
                Keyword::spelling(self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

keywords! {
    /// What a service is: long-running, run once, or run on a schedule.
    ServiceKind, "workload kind" {
        Service = "service", "runs until stopped";
        Job = "job", "runs once to completion";
        Cron = "cron", "runs to completion on a `schedule`";
    }

    /// A hint for the linter about what a service is.
    Role, "role" {
        Database = "database", "a stateful data store";
    }

    /// When the runtime restarts a container.
    RestartPolicy, "restart policy" {
        Always = "always", "whenever it stops";
        UnlessStopped = "unless-stopped", "whenever it stops, unless stopped by hand";
        OnFailure = "on-failure", "when it exits with an error";
        No = "no", "never";
    }

    /// Whose defaults the security fields left out take.
    SecurityDefaults, "security defaults" {
        Hardened = "hardened", "stackc's: every capability dropped, no new privileges";
        Runtime = "runtime", "the container runtime's: its default capabilities";
    }

    /// A host namespace a container may share.
    HostNamespace, "namespace" {
        Pid = "pid", "the host's processes";
        Ipc = "ipc", "the host's shared memory";
        Network = "network", "the host's network stack";
        Uts = "uts", "the host's host name";
    }

    /// Who can reach a port.
    Exposure, "exposure" {
        Internal = "internal", "other services of the stack only";
        Loopback = "loopback", "also the host, on 127.0.0.1 (like internal in Kubernetes)";
        Public = "public", "everyone: published on all interfaces, Ingress or LoadBalancer";
    }

    /// The transport of a port.
    Protocol, "protocol" {
        Tcp = "tcp", "TCP";
        Udp = "udp", "UDP";
    }

    /// The mode of a short mount `source:/target:MODE`.
    MountMode, "mount mode" {
        Ro = "ro", "read-only";
        Rw = "rw", "read-write";
    }

    /// What a dependency waits for.
    Condition, "condition" {
        Started = "started", "the dependency has started";
        Healthy = "healthy", "the dependency's health check passes";
        Completed = "completed", "the dependency (a job) ran to completion";
    }

    /// The characters a generated secret is drawn from.
    Alphabet, "alphabet" {
        Alnum = "alnum", "letters and digits";
        Hex = "hex", "hexadecimal digits";
        Base64Url = "base64url", "URL-safe base64 characters";
    }

    /// Kubernetes access mode of a volume claim.
    AccessMode, "access mode" {
        ReadWriteOnce = "ReadWriteOnce", "read-write from one node";
        ReadWriteOncePod = "ReadWriteOncePod", "read-write from one pod";
        ReadWriteMany = "ReadWriteMany", "read-write from many nodes";
        ReadOnlyMany = "ReadOnlyMany", "read-only from many nodes";
    }

    /// A recipe preset of a generated Dockerfile.
    Preset, "build preset" {
        PythonUv = "python-uv", "Python, dependencies installed by uv";
        PythonPip = "python-pip", "Python, dependencies installed by pip";
        NodeNpm = "node-npm", "Node.js, dependencies installed by npm";
        NodePnpm = "node-pnpm", "Node.js, dependencies installed by pnpm";
        RustCargo = "rust-cargo", "Rust, built by cargo";
        Go = "go", "Go";
        Plain = "plain", "a `base` image and `steps` only";
    }

    /// dev or prod: decides default severities and what is allowed (host binds only in dev).
    Profile, "profile" {
        Dev = "dev", "development: lenient lint severities, host binds allowed";
        Prod = "prod", "production: strict lint severities";
    }

    /// The Kubernetes versions stackc targets.
    K8sVersion, "Kubernetes version" {
        V1_29 = "1.29", "Kubernetes 1.29";
        V1_30 = "1.30", "Kubernetes 1.30";
        V1_31 = "1.31", "Kubernetes 1.31";
        V1_32 = "1.32", "Kubernetes 1.32";
        V1_33 = "1.33", "Kubernetes 1.33";
    }

    /// How public ports leave a Kubernetes cluster by default.
    K8sExpose, "exposure mode" {
        Ingress = "ingress", "an Ingress routes HTTP ports";
        LoadBalancer = "loadbalancer", "a LoadBalancer Service";
    }

    /// Pod Security Standard level, least to most permissive.
    PodSecurity, "Pod Security level" {
        Restricted = "restricted", "the hardened profile";
        Baseline = "baseline", "prevents known privilege escalations";
        Privileged = "privileged", "unrestricted";
    }

    /// What a public port speaks, for its Kubernetes exposure.
    AppProtocol, "application protocol" {
        Http = "http", "HTTP, routed by the Ingress";
        Tcp = "tcp", "plain TCP";
    }

    /// How one public port leaves a Kubernetes cluster.
    PortRoute, "port exposure" {
        Ingress = "ingress", "an Ingress route (HTTP only)";
        LoadBalancer = "loadbalancer", "a LoadBalancer Service";
        Cluster = "cluster", "not exposed outside the cluster";
    }

    /// An operation of a JSON 6902 patch.
    PatchOp, "JSON 6902 operation" {
        Add = "add", "adds a value";
        Remove = "remove", "removes a value";
        Replace = "replace", "replaces a value";
        Move = "move", "moves a value";
        Copy = "copy", "copies a value";
        Test = "test", "fails the patch unless a value is as given";
    }

    /// Which systemd files are written.
    SystemdFlavour, "systemd flavour" {
        Quadlet = "quadlet", "Podman Quadlet files";
        Units = "units", "plain systemd units that run the runtime's CLI";
    }

    /// The container runtime of plain units.
    Runtime, "runtime" {
        Podman = "podman", "Podman";
        Docker = "docker", "Docker";
    }
}

impl AccessMode {
    /// Whether pods on several nodes may write through it.
    pub fn is_shared(self) -> bool {
        self == AccessMode::ReadWriteMany
    }
}

impl Condition {
    /// How a compose file writes it (`depends_on.*.condition`).
    pub fn compose_word(self) -> &'static str {
        match self {
            Condition::Started => "service_started",
            Condition::Healthy => "service_healthy",
            Condition::Completed => "service_completed_successfully",
        }
    }
    /// The condition a compose file's word means.
    pub fn from_compose_word(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.compose_word() == word)
    }
}

// JSON Schema of the fields that hold words: `#[schemars(schema_with = "...")]` in the spec.

fn schema_enum<K: Keyword>() -> serde_json::Value {
    serde_json::json!({ "enum": K::spellings() })
}

/// An optional field holding one word of `K`.
pub fn schema_word<K: Keyword>(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "anyOf": [schema_enum::<K>(), { "type": "null" }] })
}

/// A list of words of `K`.
pub fn schema_words<K: Keyword>(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "array", "items": schema_enum::<K>() })
}

/// An optional field holding one word of `K`, or one variable alone (`${vars.NAME}`).
pub fn schema_word_or_var<K: Keyword>(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            schema_enum::<K>(),
            { "type": "string", "pattern": VAR_PATTERN },
            { "type": "null" }
        ]
    })
}

/// A restart policy: a word of [`RestartPolicy`], `on-failure:N` (at most N restarts), or one
/// variable alone.
pub fn schema_restart(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            schema_enum::<RestartPolicy>(),
            { "type": "string", "pattern": RETRY_PATTERN },
            { "type": "string", "pattern": VAR_PATTERN },
            { "type": "null" }
        ]
    })
}

/// `on-failure:N`, a restart policy with a retry limit.
pub const RETRY_PATTERN: &str = r"^on-failure:[0-9]+$";

/// One variable reference alone: `${vars.NAME}`.
pub const VAR_PATTERN: &str = r"^\$\{vars\.[A-Za-z_][A-Za-z0-9_.-]*\}$";

#[cfg(test)]
#[path = "keywords_tests.rs"]
mod tests;
