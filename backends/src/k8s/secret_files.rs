//! Secrets mounted as files (`volumes: [{ secret: NAME, target: PATH }]`): a Secret volume.

use k8s_openapi::api::core::v1::{KeyToPath, SecretVolumeSource, Volume, VolumeMount};

/// A secret mounted as a file: a Secret volume holding only its key, mounted at the target
/// through `subPath`, read-only and readable by its owner only (mode 0400; `fsGroup` gives the
/// pod's group access).
pub(super) fn volume(
    stack: &stackc_compiler::ir::Stack,
    id: stackc_compiler::ir::SecretId,
    m: &stackc_compiler::ir::Mount,
    index: usize,
) -> (Volume, VolumeMount) {
    let secret = stack.secret(id);
    let (object, key) = super::names::secret_ref(stack, secret);
    let file = m
        .target
        .value
        .rsplit('/')
        .next()
        .filter(|f| !f.is_empty())
        .unwrap_or(key.as_str())
        .to_string();
    let name = format!("secret-{index}");
    let volume = Volume {
        name: name.clone(),
        secret: Some(SecretVolumeSource {
            secret_name: Some(object),
            items: Some(vec![KeyToPath {
                key,
                path: file.clone(),
                mode: None,
            }]),
            default_mode: Some(0o440),
            optional: secret.optional.then_some(true),
        }),
        ..Default::default()
    };
    let mount = VolumeMount {
        name,
        mount_path: m.target.value.clone(),
        read_only: Some(true),
        sub_path: Some(file),
        ..Default::default()
    };
    (volume, mount)
}
