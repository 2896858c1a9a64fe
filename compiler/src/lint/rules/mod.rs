//! One file per rule: its doc comment, message constructors, check and pass/fail cases.

pub mod bind_mount_in_base;
pub mod build_secret_in_arg_env;
pub mod capabilities_not_dropped;
pub mod cpu_limit_missing;
pub mod credential_in_url;
pub mod dangerous_capability_added;
pub mod database_data_bind_mount;
pub mod database_data_ephemeral;
pub mod database_on_public_network;
pub mod database_port_published;
pub mod debug_port_exposed;
pub mod default_network_used;
pub mod depends_on_not_healthy;
pub mod dockerignore_missing;
pub mod duplicate_host_port;
pub mod env_file_loaded;
pub mod healthcheck_missing;
pub mod healthcheck_port_mismatch;
pub mod healthcheck_tool_missing;
pub mod high_entropy_credential;
pub mod host_device_mapped;
pub mod host_namespace_shared;
pub mod host_network_mode;
pub mod image_end_of_life;
pub mod image_floating_tag;
pub mod image_major_only_tag;
pub mod image_moved;
pub mod image_not_digest_pinned;
pub mod image_untagged;
pub mod image_untrusted_registry;
pub mod known_token_literal;
pub mod literal_credential_in_env;
pub mod memory_limit_missing;
pub mod package_install_hygiene;
pub mod placeholder_credential;
pub mod port_bound_all_interfaces;
pub mod port_mapping_sexagesimal;
pub mod port_published_not_public;
pub mod private_key_in_config;
pub mod privilege_escalation_allowed;
pub mod privileged;
pub mod resource_request_exceeds_limit;
pub mod restart_policy_missing;
pub mod runs_as_root;
pub mod secret_in_command_line;
pub mod security_profile_disabled;
pub mod sensitive_host_mount;
pub mod sensitive_port_exposed;
pub mod shell_form_entrypoint;
pub mod single_replica_in_prod;
pub mod tls_verification_disabled;
pub mod volatile_layer_before_stable;
pub mod writable_root_filesystem;

/// What every rule file uses.
pub(crate) mod prelude {
    pub use crate::declare_rule;
    pub use crate::diag::{Severity, Span};
    pub use crate::ir::*;
    pub use crate::lint::{Backend, Case, Ctx, Level, Meta, Violation};
    pub use crate::syntax::Sp;
}
