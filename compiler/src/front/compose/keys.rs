//! The keys of each compose object (the compose specification's closed objects), and why the
//! stack spec has no place for the service keys it does not map.

/// Top-level keys of a compose file (besides `x-*`).
pub const TOP: &[&str] = &[
    "version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models",
];

/// Keys of a service.
pub const SERVICE: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

/// Keys of `build` in its long form.
pub const BUILD: &[&str] = &[
    "context",
    "dockerfile",
    "dockerfile_inline",
    "entitlements",
    "args",
    "ssh",
    "labels",
    "cache_from",
    "cache_to",
    "no_cache",
    "additional_contexts",
    "network",
    "provenance",
    "sbom",
    "pull",
    "target",
    "shm_size",
    "extra_hosts",
    "isolation",
    "privileged",
    "secrets",
    "tags",
    "ulimits",
    "platforms",
];

/// Keys of `healthcheck`.
pub const HEALTHCHECK: &[&str] = &[
    "disable",
    "interval",
    "retries",
    "test",
    "timeout",
    "start_period",
    "start_interval",
];

/// Keys of `deploy`.
pub const DEPLOY: &[&str] = &[
    "mode",
    "endpoint_mode",
    "replicas",
    "labels",
    "rollback_config",
    "update_config",
    "resources",
    "restart_policy",
    "placement",
];

/// Keys of `deploy.resources`.
pub const RESOURCES: &[&str] = &["limits", "reservations"];
/// Keys of `deploy.resources.limits`.
pub const LIMITS: &[&str] = &["cpus", "memory", "pids"];
/// Keys of `deploy.resources.reservations`.
pub const RESERVATIONS: &[&str] = &["cpus", "memory", "generic_resources", "devices"];

/// Keys of a `depends_on` entry in the long form.
pub const DEPENDS_ON: &[&str] = &["condition", "restart", "required"];

/// Keys of a port in the long form.
pub const PORT: &[&str] = &[
    "name",
    "mode",
    "host_ip",
    "target",
    "published",
    "protocol",
    "app_protocol",
];

/// Keys of a mount in the long form.
pub const MOUNT: &[&str] = &[
    "type",
    "source",
    "target",
    "read_only",
    "consistency",
    "bind",
    "volume",
    "tmpfs",
    "image",
];
/// Keys of `bind` in a mount.
pub const MOUNT_BIND: &[&str] = &["propagation", "create_host_path", "recursive", "selinux"];
/// Keys of `volume` in a mount.
pub const MOUNT_VOLUME: &[&str] = &["labels", "nocopy", "subpath"];
/// Keys of `tmpfs` in a mount.
pub const MOUNT_TMPFS: &[&str] = &["size", "mode"];
/// Keys of `image` in a mount.
pub const MOUNT_IMAGE: &[&str] = &["subpath"];

/// Keys of `extends` in the long form.
pub const EXTENDS: &[&str] = &["service", "file"];

/// Keys of an `include` entry in the long form.
pub const INCLUDE: &[&str] = &["path", "env_file", "project_directory"];

/// Keys of a service's network entry in the map form.
pub const SERVICE_NETWORK: &[&str] = &[
    "aliases",
    "interface_name",
    "ipv4_address",
    "ipv6_address",
    "link_local_ips",
    "mac_address",
    "driver_opts",
    "priority",
    "gw_priority",
];

/// Keys of a top-level network.
pub const NETWORK: &[&str] = &[
    "name",
    "driver",
    "driver_opts",
    "ipam",
    "external",
    "internal",
    "enable_ipv4",
    "enable_ipv6",
    "attachable",
    "labels",
];

/// Keys of a top-level volume.
pub const VOLUME: &[&str] = &["name", "driver", "driver_opts", "external", "labels"];

/// Keys of a top-level secret.
pub const SECRET: &[&str] = &[
    "name",
    "environment",
    "file",
    "external",
    "labels",
    "driver",
    "driver_opts",
    "template_driver",
];

/// Keys of a top-level config.
pub const CONFIG: &[&str] = &[
    "name",
    "content",
    "environment",
    "file",
    "external",
    "labels",
    "template_driver",
];

/// Keys of a top-level model.
pub const MODEL: &[&str] = &["name", "model", "context_size", "runtime_flags"];

/// Keys of a service's `secrets`/`configs` entry in the long form.
pub const GRANT: &[&str] = &["source", "target", "uid", "gid", "mode"];

/// Keys of an `env_file` entry in the long form.
pub const ENV_FILE: &[&str] = &["path", "format", "required"];

/// Why a service key the stack spec does not map is left out (for the import report).
pub fn unmapped_reason(key: &str) -> &'static str {
    match key {
        "container_name" => {
            "the stack spec names containers itself (compose derives `<stack>-<service>-1`)"
        }
        "hostname" | "domainname" => "services are reached by their service name on every target",
        "logging" => "logging drivers are a property of the host's runtime, not of the stack spec",
        "extra_hosts" | "dns" | "dns_search" | "dns_opt" => {
            "host name resolution settings are not in the stack spec"
        }
        "links" | "external_links" => {
            "legacy links are not in the stack spec; services reach each other by name"
        }
        "volumes_from" => {
            "sharing another container's mounts is not in the stack spec; mount the same named volume instead"
        }
        "devices" | "device_cgroup_rules" | "gpus" => "host devices are not in the stack spec",
        "ulimits" | "sysctls" | "shm_size" | "pids_limit" | "oom_kill_disable"
        | "oom_score_adj" | "mem_swappiness" | "memswap_limit" | "blkio_config" | "cpu_count"
        | "cpu_percent" | "cpu_shares" | "cpu_period" | "cpu_quota" | "cpu_rt_period"
        | "cpu_rt_runtime" | "cpuset" | "storage_opt" => {
            "kernel and cgroup tuning is not in the stack spec (only cpus and memory are)"
        }
        "stop_grace_period" | "stop_signal" => "stop behaviour is not in the stack spec",
        "init" => "an init process is not in the stack spec",
        "tty" | "stdin_open" | "attach" => "terminal settings are not in the stack spec",
        "platform" => "the target platform is not in the stack spec",
        "pull_policy" | "pull_refresh_after" => "image pull policy is not in the stack spec",
        "develop" => "compose watch settings are not in the stack spec",
        "annotations" | "label_file" => "only `labels` are in the stack spec",
        "cgroup" | "cgroup_parent" | "isolation" | "runtime" | "userns_mode" | "mac_address"
        | "credential_spec" | "group_add" => "this runtime setting is not in the stack spec",
        "post_start" | "pre_stop" => "lifecycle hooks are not in the stack spec",
        "models" | "provider" | "use_api_socket" => {
            "this compose extension point is not in the stack spec"
        }
        _ => "the stack spec has no equivalent",
    }
}
