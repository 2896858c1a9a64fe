//! The registry: the one table mapping stable codes and slugs to rules.
//!
//! A code is never reused and never changes its meaning; a renamed rule keeps its code. Add
//! rules with `cargo xtask new-rule CODE slug`, which writes the rule file and the line here.

use super::{Rule, rules};

macro_rules! registry {
    ($($code:literal $slug:literal => $module:ident,)*) => {
        /// Every rule, in code order.
        pub static RULES: &[Rule] = &[
            $(Rule {
                code: $code,
                slug: $slug,
                module: stringify!($module),
                meta: &rules::$module::META,
                check: rules::$module::check,
                cases: rules::$module::CASES,
            },)*
        ];
    };
}

registry! {
    "STK101" "image-untagged" => image_untagged,
    "STK102" "image-floating-tag" => image_floating_tag,
    "STK103" "image-not-digest-pinned" => image_not_digest_pinned,
    "STK104" "image-untrusted-registry" => image_untrusted_registry,
    "STK105" "image-major-only-tag" => image_major_only_tag,
    "STK106" "image-moved" => image_moved,
    "STK107" "image-end-of-life" => image_end_of_life,
    "STK201" "literal-credential-in-env" => literal_credential_in_env,
    "STK202" "known-token-literal" => known_token_literal,
    "STK203" "credential-in-url" => credential_in_url,
    "STK204" "high-entropy-credential" => high_entropy_credential,
    "STK205" "placeholder-credential" => placeholder_credential,
    "STK206" "build-secret-in-arg-env" => build_secret_in_arg_env,
    "STK207" "secret-in-command-line" => secret_in_command_line,
    "STK208" "env-file-loaded" => env_file_loaded,
    "STK209" "private-key-in-config" => private_key_in_config,
    "STK301" "database-port-published" => database_port_published,
    "STK302" "port-bound-all-interfaces" => port_bound_all_interfaces,
    "STK303" "port-published-not-public" => port_published_not_public,
    "STK304" "sensitive-port-exposed" => sensitive_port_exposed,
    "STK305" "duplicate-host-port" => duplicate_host_port,
    "STK306" "debug-port-exposed" => debug_port_exposed,
    "STK307" "port-mapping-sexagesimal" => port_mapping_sexagesimal,
    "STK401" "healthcheck-missing" => healthcheck_missing,
    "STK402" "depends-on-not-healthy" => depends_on_not_healthy,
    "STK403" "healthcheck-port-mismatch" => healthcheck_port_mismatch,
    "STK404" "restart-policy-missing" => restart_policy_missing,
    "STK405" "healthcheck-tool-missing" => healthcheck_tool_missing,
    "STK501" "database-data-bind-mount" => database_data_bind_mount,
    "STK502" "database-data-ephemeral" => database_data_ephemeral,
    "STK503" "sensitive-host-mount" => sensitive_host_mount,
    "STK504" "bind-mount-in-base" => bind_mount_in_base,
    "STK601" "runs-as-root" => runs_as_root,
    "STK602" "privileged" => privileged,
    "STK603" "privilege-escalation-allowed" => privilege_escalation_allowed,
    "STK604" "dangerous-capability-added" => dangerous_capability_added,
    "STK605" "capabilities-not-dropped" => capabilities_not_dropped,
    "STK606" "writable-root-filesystem" => writable_root_filesystem,
    "STK607" "host-namespace-shared" => host_namespace_shared,
    "STK608" "security-profile-disabled" => security_profile_disabled,
    "STK609" "host-device-mapped" => host_device_mapped,
    "STK701" "memory-limit-missing" => memory_limit_missing,
    "STK702" "cpu-limit-missing" => cpu_limit_missing,
    "STK703" "resource-request-exceeds-limit" => resource_request_exceeds_limit,
    "STK704" "single-replica-in-prod" => single_replica_in_prod,
    "STK801" "dockerignore-missing" => dockerignore_missing,
    "STK802" "volatile-layer-before-stable" => volatile_layer_before_stable,
    "STK804" "package-install-hygiene" => package_install_hygiene,
    "STK805" "shell-form-entrypoint" => shell_form_entrypoint,
    "STK806" "tls-verification-disabled" => tls_verification_disabled,
    "STK901" "database-on-public-network" => database_on_public_network,
    "STK902" "default-network-used" => default_network_used,
    "STK903" "host-network-mode" => host_network_mode,
    // cargo xtask new-rule inserts above this line
}

/// The rule with this code (any case) or slug.
pub fn find_rule(word: &str) -> Option<&'static Rule> {
    let w = word.trim();
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(w) || r.slug == w)
}

/// Index of a rule in [`RULES`].
pub fn rule_index(rule: &Rule) -> usize {
    RULES
        .iter()
        .position(|r| r.code == rule.code)
        .expect("registered rule")
}
