//! Object names and labels: every name is derived from the spec, never invented at random.

use std::collections::BTreeMap;

use stackc_compiler::ir::{Secret, SecretSource, Service, Stack};

/// Label: the service an object belongs to.
pub(super) const NAME_LABEL: &str = "app.kubernetes.io/name";
/// Label: the stack an object belongs to.
pub(super) const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";
/// Label: the tool that wrote the object.
pub(super) const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Prefix of the helper environment variables that carry a secret into a composed value.
pub(super) const SECRET_HELPER_PREFIX: &str = "STACKC_SECRET_";

/// Labels of the stack's own objects (namespace, policies, Ingress).
pub(super) fn stack_labels(stack: &Stack) -> BTreeMap<String, String> {
    BTreeMap::from([
        (PART_OF_LABEL.to_string(), stack.name.value.clone()),
        (MANAGED_BY_LABEL.to_string(), "stackc".to_string()),
    ])
}

/// Labels of a service's objects and pods.
pub(super) fn labels(stack: &Stack, svc: &Service) -> BTreeMap<String, String> {
    let mut l = stack_labels(stack);
    l.insert(NAME_LABEL.to_string(), svc.dns_name.clone());
    l
}

/// Prefix of the pod label that marks membership of a network tier (`<prefix><tier>: "true"`),
/// so a NetworkPolicy selects a whole tier with one peer instead of listing its services.
pub(super) const TIER_LABEL_PREFIX: &str = "net.stackc.dev/";

/// The pod label of a network tier.
pub(super) fn tier_label(stack: &Stack, network: stackc_compiler::ir::NetworkId) -> String {
    format!("{TIER_LABEL_PREFIX}{}", stack.network(network).dns_name)
}

/// Labels of a service's pods: its object labels plus one label per network tier it joins.
pub(super) fn pod_labels(stack: &Stack, svc: &Service) -> BTreeMap<String, String> {
    let mut l = labels(stack, svc);
    for (n, _) in &svc.networks {
        l.insert(tier_label(stack, *n), "true".to_string());
    }
    l
}

/// The labels that select a service's pods.
pub(super) fn selector(stack: &Stack, svc: &Service) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME_LABEL.to_string(), svc.dns_name.clone()),
        (PART_OF_LABEL.to_string(), stack.name.value.clone()),
    ])
}

/// The Secret the operator creates for every non-external secret of the stack.
pub(super) fn stack_secret(stack: &Stack) -> String {
    format!("{}-secrets", stack.name.value)
}

/// The Secret object and key a secret reference reads.
pub(super) fn secret_ref(stack: &Stack, secret: &Secret) -> (String, String) {
    match &secret.source {
        SecretSource::External(name) => (name.clone(), secret.dns_name.clone()),
        _ => (stack_secret(stack), secret.dns_name.clone()),
    }
}

/// The helper variable that carries `secret` into composed values: `STACKC_SECRET_<ENV_NAME>`.
pub(super) fn secret_helper(secret: &Secret) -> String {
    format!("{SECRET_HELPER_PREFIX}{}", secret.env_name)
}

/// A DNS-1123 subdomain fragment of `text`: lower case, `[a-z0-9.-]`, alphanumeric at both ends.
pub(super) fn sanitise(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.is_empty() {
        "file".to_string()
    } else {
        trimmed.to_string()
    }
}

/// A ConfigMap data key for a file name: `[-._a-zA-Z0-9]+`.
pub(super) fn config_key(file_name: &str) -> String {
    let k: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if k.is_empty() || k == "." || k == ".." {
        "file".to_string()
    } else {
        k
    }
}

/// Whether `key` is a valid Kubernetes qualified name (annotation key), `[prefix/]name`.
pub(super) fn is_qualified_name(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                    && l.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                    && l.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
    });
    name_ok && prefix_ok
}

/// Whether `name` is a DNS-1123 subdomain (most object names).
pub(super) fn is_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && is_qualified_name(&format!("{name}/x"))
        && !name.contains('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitised_names_are_subdomain_fragments() {
        assert_eq!(sanitise("init-db.sql"), "init-db.sql");
        assert_eq!(sanitise("My Script_v2.SH"), "my-script-v2.sh");
        assert_eq!(sanitise("__"), "file");
        assert_eq!(config_key("a b+c.txt"), "a_b_c.txt");
    }

    #[test]
    fn qualified_names() {
        assert!(is_qualified_name("com.example.tier"));
        assert!(is_qualified_name("example.com/tier"));
        assert!(!is_qualified_name("Example.com/tier"));
        assert!(!is_qualified_name("-bad"));
        assert!(is_subdomain("db-creds"));
        assert!(!is_subdomain("db_creds"));
        assert!(!is_subdomain("vault/db"));
    }
}
