//! Image references that hold variables (`image: acme/web:${vars.tag}`): what CI builds need.

use super::{Names, Resolver};
use crate::diag::ErrorCode;
use crate::ir::{Segment, Value};
use crate::syntax::Sp;

impl Resolver {
    /// Resolves an image reference that may refer to variables. Variables with a value every
    /// target can write (a value without `from_env`, or one given with `--set`) are
    /// substituted; when a deploy-time variable remains, the text keeps `${vars.NAME}` and the
    /// value is returned too, for the backends that can interpolate it (compose) or must refuse
    /// it (Kubernetes, systemd).
    pub(super) fn image_text(
        &mut self,
        image: &Sp<String>,
        names: &Names,
    ) -> (Sp<String>, Option<Value>) {
        if !image.value.contains("${") {
            return (image.clone(), None);
        }
        let value = self.value(image, names);
        let mut text = String::new();
        let mut deploy_time = false;
        for seg in &value.segments {
            match seg {
                Segment::Literal(t) => text.push_str(t),
                Segment::Var(id) => {
                    let (name, fixed, deploy) = &names.var_fixed[id.index()];
                    match fixed {
                        Some(v) => text.push_str(v),
                        None if !deploy => {
                            self.err(
                                ErrorCode::MissingOrAmbiguousSource,
                                format!("variable `{name}` has no value in this environment"),
                                image.span,
                                "used in this image",
                                format!("give `{name}` a `default` or `from_env`, or pass `--set {name}=VALUE`"),
                            );
                            return (image.clone(), None);
                        }
                        None => {
                            deploy_time = true;
                            text.push_str(&format!("${{vars.{name}}}"));
                        }
                    }
                }
                _ => {
                    self.err(
                        ErrorCode::InvalidReference,
                        format!(
                            "image `{}` refers to something other than a variable",
                            image.value.escape_debug()
                        ),
                        image.span,
                        "only `${vars.NAME}` can appear in an image",
                        "write the image with `${vars.NAME}` references only, e.g. `acme/web:${vars.tag}`",
                    );
                    return (image.clone(), None);
                }
            }
        }
        let text = Sp::new(text, image.span);
        if deploy_time {
            (text, Some(value))
        } else {
            (text, None)
        }
    }
}

impl Resolver {
    /// A `secret:` mount: the secret's id and the target (default `/run/secrets/NAME`).
    pub(super) fn secret_mount(
        &mut self,
        secret: &Sp<String>,
        target: Option<&Sp<String>>,
        names: &Names,
    ) -> Option<(crate::ir::SecretId, Sp<String>)> {
        let Some(id) = names.secrets.get(&secret.value) else {
            let help = super::hint_str(
                &secret.value,
                names.secrets.keys(),
                "declare it under top-level `secrets:`",
            );
            self.err(
                ErrorCode::UndeclaredSecret,
                format!("unknown secret `{}`", secret.value),
                secret.span,
                "not declared",
                help,
            );
            return None;
        };
        let target = target
            .cloned()
            .unwrap_or_else(|| Sp::new(format!("/run/secrets/{}", secret.value), secret.span));
        Some((*id, target))
    }
}

impl Resolver {
    /// A volume's written `owner`: `UID[:GID]`, numeric (the GID defaults to the UID).
    pub(super) fn volume_owner(&mut self, o: &Sp<String>) -> Option<crate::ir::VolumeOwner> {
        match parse_ids(&o.value) {
            Some((uid, gid)) => Some(crate::ir::VolumeOwner {
                uid,
                gid,
                span: Some(o.span),
                inferred_from: None,
            }),
            None => {
                self.err(
                    ErrorCode::InvalidValue,
                    format!("invalid volume owner `{}`", o.value.escape_debug()),
                    o.span,
                    "not `UID[:GID]`",
                    "write numeric IDs, e.g. `owner: \"10001:10001\"` (names differ between images)",
                );
                None
            }
        }
    }
}

/// `UID[:GID]` with numeric IDs; the GID defaults to the UID.
pub(super) fn parse_ids(s: &str) -> Option<(u32, u32)> {
    let (u, g) = match s.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (s, None),
    };
    let uid: u32 = u.parse().ok()?;
    let gid: u32 = match g {
        Some(g) => g.parse().ok()?,
        None => uid,
    };
    Some((uid, gid))
}

/// The numeric user a service runs as: its `user` when numeric, else UID 10001 for an image
/// built from a stackc recipe with the default user; `None` when unknown or root.
fn service_ids(svc: &crate::ir::Service) -> Option<(u32, u32)> {
    let ids = match (&svc.user, &svc.build) {
        (Some(u), _) => parse_ids(&u.value)?,
        (None, Some(b)) if b.dockerfile.is_none() => match b.user.as_ref() {
            None => (crate::ir::RECIPE_UID, crate::ir::RECIPE_UID),
            Some(u) if u.value == "app" => (crate::ir::RECIPE_UID, crate::ir::RECIPE_UID),
            Some(u) => parse_ids(&u.value)?,
        },
        _ => return None,
    };
    (ids.0 != 0).then_some(ids)
}

/// Fills the owner of each volume without one whose writers (the services mounting it
/// read-write) all run as one known non-root user.
pub(super) fn infer_volume_owners(
    volumes: &mut [crate::ir::Volume],
    services: &[crate::ir::Service],
) {
    use crate::ir::{MountKind, ServiceId, VolumeOwner};
    for (vi, vol) in volumes.iter_mut().enumerate() {
        if vol.owner.is_some() {
            continue;
        }
        let writers: Vec<(usize, &crate::ir::Service)> = services
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.mounts.iter().any(|m| {
                    matches!(m.kind, MountKind::Volume(v) if v.index() == vi) && !m.read_only
                })
            })
            .collect();
        // Every writer runs as the same numeric user (one writer, or a job and the service
        // that reads what it wrote): that user owns the volume.
        let Some((first, first_svc)) = writers.first() else {
            continue;
        };
        let Some((uid, gid)) = service_ids(first_svc) else {
            continue;
        };
        if writers
            .iter()
            .all(|(_, s)| service_ids(s) == Some((uid, gid)))
        {
            vol.owner = Some(VolumeOwner {
                uid,
                gid,
                span: None,
                inferred_from: Some(ServiceId(*first as u32)),
            });
        }
    }
}
