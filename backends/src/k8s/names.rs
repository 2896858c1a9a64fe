//! Object names and labels: every name is derived from the spec, never invented at random.

use std::collections::BTreeMap;

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{K8sExpose, MountKind, Secret, SecretSource, Service, Stack};

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

/// The pod label of the stack's default network: the services that name no network when the
/// stack declares some (compose puts them on `default`). Its own prefix, so no tier's label can
/// be the same key.
pub(super) const DEFAULT_TIER_LABEL: &str = "default.net.stackc.dev/member";

/// Labels of a service's pods: its object labels plus one label per network tier it joins (the
/// default network's label when it names none and the stack declares networks).
pub(super) fn pod_labels(stack: &Stack, svc: &Service) -> BTreeMap<String, String> {
    let mut l = labels(stack, svc);
    for (n, _) in &svc.networks {
        l.insert(tier_label(stack, *n), "true".to_string());
    }
    if svc.networks.is_empty() && !stack.networks.is_empty() {
        l.insert(DEFAULT_TIER_LABEL.to_string(), "true".to_string());
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

/// The ConfigMap of config file `file_name` mounted into `svc` (before the suffix that tells
/// two files of one service apart).
pub(super) fn config_map_name(svc: &Service, file_name: &str) -> String {
    let mut name = format!("{}-{}", svc.dns_name, sanitise(file_name));
    name.truncate(240);
    name.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

/// An object name derived from the spec: its kind, the name, and what in the spec it comes
/// from (a description, the service it belongs to and the span of the text).
struct Claim {
    kind: &'static str,
    name: String,
    what: String,
    owner: Option<usize>,
    span: Span,
}

/// The names of the objects the backend derives from the spec, one claim per object.
fn claims(stack: &Stack) -> Vec<Claim> {
    let mut out = Vec::new();
    for (i, svc) in stack.services.iter().enumerate() {
        let mut claim = |kind, name: String, what: String, span| {
            out.push(Claim {
                kind,
                name,
                what,
                owner: Some(i),
                span,
            })
        };
        let svc_name = &svc.name.value;
        for m in &svc.mounts {
            if let MountKind::Config { source, .. } = &m.kind {
                let file_name = source.value.rsplit('/').next().unwrap_or("file");
                claim(
                    "ConfigMap",
                    config_map_name(svc, file_name),
                    format!("config file `{}` of `{svc_name}`", source.value),
                    source.span,
                );
            }
        }
        if !svc.ports.is_empty() {
            let what = format!("the ports of `{svc_name}`");
            claim("Service", svc.dns_name.clone(), what, svc.name.span);
        }
        if super::pod::Workload::of(svc) == super::pod::Workload::StatefulSet {
            let what = format!("the headless Service of `{svc_name}`");
            let name = super::network::headless_name(svc);
            claim("Service", name, what, svc.name.span);
        }
        if stack.targets.k8s.expose == K8sExpose::LoadBalancer
            && svc
                .ports
                .iter()
                .any(|p| p.exposure == stackc_compiler::ir::Exposure::Public)
        {
            let what = format!("the public Service of `{svc_name}`");
            let name = format!("{}-public", svc.dns_name);
            claim("Service", name, what, svc.name.span);
        }
    }
    for v in &stack.volumes {
        out.push(Claim {
            kind: "PersistentVolumeClaim",
            name: v.dns_name.clone(),
            what: format!("volume `{}`", v.name.value),
            owner: None,
            span: v.name.span,
        });
    }
    let generated = stack
        .secrets
        .iter()
        .find(|s| !matches!(s.source, SecretSource::External(_)));
    if let Some(g) = generated {
        out.push(Claim {
            kind: "Secret",
            name: stack_secret(stack),
            what: format!(
                "the Secret of the stack's secrets (such as `{}`)",
                g.name.value
            ),
            owner: None,
            span: g.name.span,
        });
    }
    for s in &stack.secrets {
        if let SecretSource::External(name) = &s.source
            && generated.is_some()
            && *name == stack_secret(stack)
        {
            out.push(Claim {
                kind: "Secret",
                name: name.clone(),
                what: format!("external secret `{}`", s.name.value),
                owner: None,
                span: s.name.span,
            });
        }
    }
    out
}

/// `STK048`: two distinct parts of the spec whose Kubernetes objects of one kind would get
/// one name after sanitising, located at both. Objects of one service that share a name are
/// told apart by the backend itself (a numeric suffix), so only different owners collide.
pub(super) fn collisions(stack: &Stack) -> Vec<Diagnostic> {
    let claims = claims(stack);
    let mut first: std::collections::HashMap<(&str, &str), &Claim> = Default::default();
    let mut errors = Vec::new();
    for c in &claims {
        match first.get(&(c.kind, c.name.as_str())) {
            Some(f) if f.owner.is_none() || f.owner != c.owner => {
                errors.push(
                    Diagnostic::error(
                        ErrorCode::K8sNameCollision,
                        format!(
                            "{} and {} would both be the {} `{}`",
                            c.what, f.what, c.kind, c.name
                        ),
                    )
                    .at(&stack.file, c.span, "second object with this name")
                    .also(&stack.file, f.span, "first object with this name")
                    .help("rename one of them so their Kubernetes names differ"),
                );
            }
            Some(_) => {}
            None => {
                first.insert((c.kind, c.name.as_str()), c);
            }
        }
    }
    errors
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
