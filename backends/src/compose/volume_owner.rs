//! Volumes written by a non-root user (`volumes.NAME.owner`, or inferred from the only
//! writer's `user`): docker creates a named volume's directory owned by root, so the service
//! could not write it. A one-shot service, `stackc-volume-init`, runs first and `chown`s the
//! root directory of each such volume (not recursively: the data is the service's own); the
//! services that mount one wait for it with `service_completed_successfully`. It runs as root
//! (only root can give a directory away) with every capability dropped but `CHOWN`, no network,
//! a read-only root filesystem and small limits.

use indexmap::IndexMap;
use stackc_compiler::ir::{Stack, VolumeOwner};

use super::text::Text;

use super::model::{
    ComposeDependency, ComposeDeploy, ComposeMount, ComposeResourceSet, ComposeResources,
    ComposeService, ComposeVolumeEntry,
};

/// Name of the one-shot ownership service.
pub const INIT_SERVICE: &str = "stackc-volume-init";

/// Its image: a pinned busybox (`chown`, `sh`), the one Kubernetes waits with.
pub const INIT_IMAGE: &str = stackc_compiler::resolve::DEFAULT_WAIT_IMAGE;

/// Where each volume is mounted in the init service.
fn mount_path(volume: &str) -> String {
    format!("/volumes/{volume}")
}

/// The init service, `None` when no volume has an owner.
pub fn init_service(stack: &Stack) -> Option<ComposeService> {
    let owned: Vec<(&str, VolumeOwner)> = stack
        .volumes
        .iter()
        .filter_map(|v| v.owner.map(|o| (v.name.value.as_str(), o)))
        .collect();
    if owned.is_empty() {
        return None;
    }
    let script = owned
        .iter()
        .map(|(name, o)| format!("chown {}:{} {}", o.uid, o.gid, mount_path(name)))
        .collect::<Vec<_>>()
        .join(" && ");
    Some(ComposeService {
        image: Some(Text::lit(INIT_IMAGE)),
        command: Some(vec![
            Text::lit("/bin/sh"),
            Text::lit("-c"),
            Text::lit(&script),
        ]),
        user: Some(Text::lit("0:0")),
        volumes: owned
            .iter()
            .map(|(name, _)| {
                ComposeVolumeEntry::Long(ComposeMount {
                    kind: "volume",
                    source: Some(Text::lit(name)),
                    target: Text::lit(&mount_path(name)),
                    read_only: None,
                    tmpfs: None,
                })
            })
            .collect(),
        restart: Some("no".into()),
        network_mode: Some("none".into()),
        read_only: Some(true),
        cap_drop: vec!["ALL".into()],
        cap_add: vec!["CHOWN".into()],
        security_opt: vec!["no-new-privileges:true".into()],
        // `chown` of a few directories: a little memory and cpu is plenty.
        deploy: Some(ComposeDeploy {
            resources: Some(ComposeResources {
                limits: Some(ComposeResourceSet {
                    cpus: Some("0.1".into()),
                    memory: Some("32m".into()),
                    ..Default::default()
                }),
                reservations: None,
            }),
            ..Default::default()
        }),
        // Read back by `stackc lint` as suppressions: the service is stackc's own, and root
        // with only `CHOWN`, no network and a read-only root is what it needs.
        extra: IndexMap::from([(
            "x-stackc-lint-ignore".to_string(),
            serde_json::json!({
                "STK601": "stackc's volume init: root with only CHOWN, no network, read-only root filesystem, to give owned volumes to their non-root users",
            }),
        )]),
        ..Default::default()
    })
}

/// Puts the init service first and makes every service that mounts an owned volume wait for
/// it.
pub fn wire(stack: &Stack, services: &mut IndexMap<String, ComposeService>) {
    let Some(init) = init_service(stack) else {
        return;
    };
    for svc in &stack.services {
        if stack.owned_volumes(svc).is_empty() {
            continue;
        }
        if let Some(s) = services.get_mut(&svc.name.value) {
            s.depends_on.shift_insert(
                0,
                INIT_SERVICE.to_string(),
                ComposeDependency {
                    condition: "service_completed_successfully",
                    required: None,
                    restart: None,
                },
            );
        }
    }
    services.shift_insert(0, INIT_SERVICE.to_string(), init);
}
