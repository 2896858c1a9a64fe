//! Named volumes: one claim per volume. A volume one workload mounts is a claim template of its
//! StatefulSet (or a standalone claim of a Job); a volume several workloads mount is one
//! standalone `ReadWriteMany` claim that all of them reference, so what one writes the others
//! see. A volume declared `ReadWriteOnce` (or `ReadWriteOncePod`, `ReadOnlyMany`) that several
//! workloads write is refused (STK042).

use stackc_compiler::diag::{Diagnostic, ErrorCode};
use stackc_compiler::ir::{AccessMode, MountKind, ServiceId, VolumeId};

use super::Emitter;
use crate::output::Outcome;

impl Emitter<'_> {
    /// For each volume, the workloads that mount it and whether each writes (stack order).
    fn volume_users(&self) -> Vec<Vec<(ServiceId, bool)>> {
        let stack = self.stack;
        let mut users: Vec<Vec<(ServiceId, bool)>> = vec![Vec::new(); stack.volumes.len()];
        for (id, s) in stack.services_with_ids() {
            for m in &s.mounts {
                if let MountKind::Volume(v) = m.kind {
                    let list = &mut users[v.index()];
                    match list.iter_mut().find(|(u, _)| *u == id) {
                        Some((_, writes)) => *writes |= !m.read_only,
                        None => list.push((id, !m.read_only)),
                    }
                }
            }
        }
        users
    }

    /// Marks the shared volumes; errors for those that cannot be shared.
    pub(super) fn volume_check(&mut self) -> Vec<Diagnostic> {
        let stack = self.stack;
        let users = self.volume_users();
        let mut errors = Vec::new();
        self.shared = users.iter().map(|u| u.len() > 1).collect();
        for (vol, users) in stack.volumes.iter().zip(&users) {
            if users.len() < 2 {
                continue;
            }
            let names: Vec<String> = users
                .iter()
                .map(|(s, _)| format!("`{}`", stack.service(*s).name.value))
                .collect();
            let writers = users.iter().filter(|(_, w)| *w).count();
            match &vol.access_mode {
                Some(mode)
                    if (mode.value == AccessMode::ReadOnlyMany && writers > 0)
                        || (!mode.value.is_shared()
                            && mode.value != AccessMode::ReadOnlyMany
                            && writers > 1) =>
                {
                    errors.push(
                        Diagnostic::error(
                            ErrorCode::K8sVolumeNotShareable,
                            format!(
                                "volume `{}` is `{}` but {} mount it and {writers} write to it",
                                vol.name.value,
                                mode.value.as_str(),
                                names.join(", ")
                            ),
                        )
                        .at(&stack.file, mode.span, "cannot be shared this way")
                        .help("set `access_mode: ReadWriteMany` (the storage class must support it), or give each workload its own volume"),
                    );
                }
                Some(_) => {}
                None if vol.storage_class.is_none() => self.loss(
                    None,
                    format!("volumes.{}", vol.name.value),
                    Outcome::Approximated(format!(
                        "mounted by {}: one ReadWriteMany claim, which the cluster's default storage class must support; set `storage_class` to one that does",
                        names.join(", ")
                    )),
                    Some(vol.name.span),
                ),
                None => {}
            }
        }
        errors
    }

    /// Whether several workloads mount the volume (one standalone claim).
    pub(super) fn is_shared(&self, vid: VolumeId) -> bool {
        self.shared.get(vid.index()).copied().unwrap_or(false)
    }

    /// The access mode of a volume's claim.
    pub(super) fn access_mode(&self, vid: VolumeId) -> AccessMode {
        match &self.stack.volume(vid).access_mode {
            Some(m) => m.value,
            None if self.is_shared(vid) => AccessMode::ReadWriteMany,
            None => AccessMode::ReadWriteOnce,
        }
    }
}
