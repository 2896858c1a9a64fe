//! The neutral deployment model: what a target's files say the deployment is, in terms every
//! target shares. Readers build one per output directory; `expect` lowers the spec into one.
//! Fields a target cannot hold stay empty; the comparator knows which fields each target
//! carries, so an empty field is only a difference where the target could have held it.

use std::collections::BTreeMap;

use crate::source::{At, Loc};

/// One piece of an environment value, a command argument or a health command.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// Text taken as it is.
    Lit(String),
    /// A reference to a secret, by the identifier the target uses (a Kubernetes Secret key, a
    /// Podman secret name) or, on the spec side, the secret's name.
    Secret(String),
    /// A deploy-time interpolation by variable name (compose `${NAME}`, an env-file
    /// placeholder): a secret's or a variable's environment name.
    Ref(String),
    /// Spec side only: the host name of a service.
    Host(String),
    /// Spec side only: a variable, with its value and deploy-time override.
    Var {
        value: Option<String>,
        from_env: Option<String>,
    },
}

/// An environment entry.
#[derive(Clone, Debug)]
pub struct EnvValue {
    pub parts: Vec<Part>,
    /// An entry the spec does not hold: Kubernetes, one other entries expand with `$(NAME)`;
    /// systemd, a `STACKC_SECRET_*` reference a command reads through the container's shell.
    pub helper: bool,
}

/// A port published on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publish {
    /// Host address; empty means every address.
    pub host_ip: String,
    /// Host port; 0 means one the runtime picks.
    pub host_port: u16,
    pub port: u16,
    pub udp: bool,
}

impl Publish {
    pub fn describe(&self) -> String {
        let ip = if self.host_ip.is_empty() {
            "every address"
        } else {
            &self.host_ip
        };
        let proto = if self.udp { "/udp" } else { "" };
        format!("{}{proto} on {ip} port {}", self.port, self.host_port)
    }
}

/// A start condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    Started,
    Healthy,
    Completed,
}

impl Cond {
    pub fn as_str(self) -> &'static str {
        match self {
            Cond::Started => "started",
            Cond::Healthy => "healthy",
            Cond::Completed => "completed",
        }
    }
}

/// What a health check runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// Exec form.
    Exec(Vec<String>),
    /// Shell form.
    Shell(String),
    /// Kubernetes probes: some check exists, compared no further.
    Probe,
}

#[derive(Clone, Debug)]
pub struct Health {
    pub test: Test,
    /// Timings in milliseconds, when the target writes them.
    pub interval: Option<u64>,
    pub timeout: Option<u64>,
    pub retries: Option<u32>,
    pub start_period: Option<u64>,
}

/// A named volume mounted at a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// Volume name as the target names it.
    pub volume: String,
    pub read_only: bool,
}

/// A service or job as one target runs it.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Name as the target writes it (compose service, Kubernetes object, unit name).
    pub name: String,
    pub loc: Loc,
    pub job: bool,
    pub image: Option<At<String>>,
    pub entrypoint: Option<At<Vec<String>>>,
    pub command: Option<At<Vec<String>>>,
    /// Spec side: the entrypoint or the command holds a secret, which systemd units read from
    /// a `STACKC_SECRET_*` variable through the container's shell (entrypoint and command then
    /// run as one `/bin/sh -c 'exec ...'`).
    pub process_secret: bool,
    pub env: BTreeMap<String, At<EnvValue>>,
    /// Networks joined, by the target's names.
    pub networks: Vec<At<String>>,
    /// Other names the workload answers to on its networks.
    pub aliases: Vec<String>,
    pub published: Vec<At<Publish>>,
    /// Named volumes by container path.
    pub mounts: BTreeMap<String, At<Mount>>,
    pub health: Option<At<Health>>,
    /// Start dependencies by the target's name of the other workload.
    pub depends: BTreeMap<String, At<Option<Cond>>>,
    /// Where the start order is written (`depends_on`, `Requires=`, init containers).
    pub order_loc: Option<Loc>,
    pub cpus: Option<At<f64>>,
    pub memory: Option<At<u64>>,
    pub request_cpus: Option<At<f64>>,
    pub request_memory: Option<At<u64>>,
    pub replicas: Option<At<u32>>,
    pub restart: Option<At<String>>,
    pub user: Option<At<String>>,
    pub read_only: Option<At<bool>>,
    /// Kubernetes pod labels (selectors of Services and NetworkPolicies).
    pub labels: BTreeMap<String, String>,
    /// Container ports by name (Kubernetes), for resolving named ports.
    pub port_names: BTreeMap<String, u16>,
}

impl Workload {
    pub fn new(name: impl Into<String>, loc: Loc) -> Self {
        Self {
            name: name.into(),
            loc,
            job: false,
            process_secret: false,
            image: None,
            entrypoint: None,
            command: None,
            env: BTreeMap::new(),
            networks: Vec::new(),
            aliases: Vec::new(),
            published: Vec::new(),
            mounts: BTreeMap::new(),
            health: None,
            depends: BTreeMap::new(),
            order_loc: None,
            cpus: None,
            memory: None,
            request_cpus: None,
            request_memory: None,
            replicas: None,
            restart: None,
            user: None,
            read_only: None,
            labels: BTreeMap::new(),
            port_names: BTreeMap::new(),
        }
    }
}

/// Who may connect to one port of a workload (Kubernetes NetworkPolicies).
#[derive(Clone, Debug, Default)]
pub struct Allowed {
    /// Anyone, inside or outside the cluster.
    pub anyone: Option<Loc>,
    /// Workloads allowed, with the rule that allows each.
    pub peers: BTreeMap<String, Loc>,
    /// The first NetworkPolicy selecting the workload (where a missing peer is reported).
    pub selected_by: Option<Loc>,
}

/// Traffic from outside routed to a workload's port (Ingress, LoadBalancer).
#[derive(Clone, Debug)]
pub struct Route {
    pub what: String,
    pub host: Option<String>,
    /// Where the host is written.
    pub host_loc: Option<Loc>,
    pub workload: String,
    /// The container port reached, when it resolves.
    pub port: Option<u16>,
    /// The port as the route names it (for messages).
    pub port_text: String,
}

/// A built image's recipe as its Dockerfile says (final stage).
#[derive(Clone, Debug)]
pub struct Image {
    pub name: String,
    pub loc: Loc,
    pub user: Option<At<String>>,
    pub expose: Vec<At<(u16, bool)>>,
    pub cmd: Option<At<Vec<String>>>,
    pub entrypoint: Option<At<Vec<String>>>,
    pub health: Option<At<Health>>,
}

/// A deployment as one target's files describe it.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub workloads: BTreeMap<String, Workload>,
    /// Networks by the target's name: internal or not.
    pub networks: BTreeMap<String, At<bool>>,
    pub routes: Vec<At<Route>>,
    /// Kubernetes only: per workload and container port, who may connect. Absent when no
    /// NetworkPolicy selects the workload (everything may).
    pub reach: BTreeMap<(String, u16), Allowed>,
    /// Whether NetworkPolicies were read at all.
    pub has_policies: bool,
    /// Dockerfiles by service.
    pub images: BTreeMap<String, Image>,
}
