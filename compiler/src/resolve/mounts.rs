//! `volumes:` of a service: named volumes, config files, tmpfs, host binds, paths kept in the project.

use crate::diag::ErrorCode;

use super::*;

impl Resolver {
    pub(super) fn mount(
        &mut self,
        m: &Sp<MountSpec>,
        names: &Names,
        from_env_overlay: bool,
    ) -> Option<Mount> {
        let short_form = matches!(m.value, MountSpec::Short(_));
        let long = match &m.value {
            MountSpec::Long(l) => l.clone(),
            MountSpec::Short(s) => self.short_mount(&Sp::new(s.value.clone(), m.span))?,
        };
        let set = [
            long.volume.is_some(),
            long.bind.is_some(),
            long.config.is_some(),
            long.tmpfs.is_some(),
            long.secret.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if set != 1 {
            self.err(
                ErrorCode::MissingOrAmbiguousSource,
                format!(
                    "a mount needs exactly one of `volume`, `bind`, `config`, `tmpfs`, `secret`, found {set}"
                ),
                m.span,
                "ambiguous mount",
                "set exactly one source",
            );
            return None;
        }
        if let Some(n) = &long.name
            && long.config.is_none()
        {
            self.err(
                ErrorCode::InvalidValue,
                format!(
                    "`name` on a mount that is not a `config` file (`{}`)",
                    n.value
                ),
                n.span,
                "only config files have a name",
                "remove `name`, or mount a `config:` file",
            );
        }
        let read_only = long.read_only.as_ref().is_some_and(|r| r.value);
        let (kind, target) = if let Some(v) = &long.volume {
            let Some(id) = names.volumes.get(&v.value) else {
                let help = hint_str(
                    &v.value,
                    names.volumes.keys(),
                    "declare it under top-level `volumes:`",
                );
                self.err(
                    ErrorCode::UndeclaredVolume,
                    format!("unknown volume `{}`", v.value),
                    v.span,
                    "not declared",
                    help,
                );
                return None;
            };
            (MountKind::Volume(*id), long.target.clone())
        } else if let Some(b) = &long.bind {
            let src = if b.value.starts_with('/') {
                b.value.clone()
            } else {
                self.relative_path(b, "bind mount source")?
            };
            (MountKind::Bind(Sp::new(src, b.span)), long.target.clone())
        } else if let Some(c) = &long.config {
            if c.value.starts_with('/') {
                self.err(
                    ErrorCode::PathOutsideProject,
                    format!("config file `{}` is outside the project", c.value),
                    c.span,
                    "absolute path",
                    "config files come from the repository: give a path relative to the spec",
                );
                return None;
            }
            let src = self.relative_path(c, "config file")?;
            (
                MountKind::Config {
                    source: Sp::new(src, c.span),
                    content: None,
                },
                long.target.clone(),
            )
        } else if let Some(sec) = &long.secret {
            let (id, target) = self.secret_mount(sec, long.target.as_ref(), names)?;
            (MountKind::Secret(id), Some(target))
        } else {
            let t = long.tmpfs.clone().unwrap();
            let size = long.size.as_ref().and_then(|s| self.quantity(s));
            (MountKind::Tmpfs { size }, Some(t))
        };
        let Some(target) = target else {
            self.err(
                ErrorCode::MissingField,
                "missing required field `target`",
                m.span,
                "where in the container?",
                "add `target: /path/in/container`",
            );
            return None;
        };
        if !target.value.starts_with('/')
            || target.value.contains('\n')
            || target.value.split('/').any(|p| p == "..")
        {
            self.err(
                ErrorCode::InvalidValue,
                format!(
                    "mount target `{}` is not an absolute path",
                    target.value.escape_debug()
                ),
                target.span,
                "not an absolute path",
                "container paths start with `/` and contain no `..`",
            );
            return None;
        }
        let read_only =
            read_only || matches!(kind, MountKind::Config { .. } | MountKind::Secret(_));
        Some(Mount {
            span: m.span,
            kind,
            target,
            read_only,
            from_env_overlay,
            short_form,
            compose_config: long.name.clone(),
        })
    }

    pub(super) fn short_mount(&mut self, s: &Sp<String>) -> Option<MountLong> {
        let parts: Vec<&str> = s.value.split(':').collect();
        let (src, target, mode) = match parts.as_slice() {
            [src, target] => (*src, *target, None),
            [src, target, mode] => (*src, *target, Some(*mode)),
            _ => {
                self.err(
                    ErrorCode::InvalidValue,
                    format!("invalid mount `{}`", s.value.escape_debug()),
                    s.span,
                    "expected `source:/target[:ro]`",
                    "write `volume_name:/path`, `./host/path:/path[:ro]`, or the long form",
                );
                return None;
            }
        };
        let read_only = match mode {
            None => false,
            Some(m) => {
                self.parse_word::<MountMode>(&Sp::new(m.to_string(), s.span))? == MountMode::Ro
            }
        };
        let src_sp = Sp::new(src.to_string(), s.span);
        let mut long = MountLong {
            target: Some(Sp::new(target.to_string(), s.span)),
            read_only: Some(Sp::new(read_only, s.span)),
            ..Default::default()
        };
        if src.starts_with('.') || src.starts_with('/') || src.starts_with('~') {
            long.bind = Some(src_sp);
        } else {
            long.volume = Some(src_sp);
        }
        Some(long)
    }

    /// Normalises a path relative to the spec's directory; refuses one that escapes it.
    pub(super) fn relative_path(&mut self, p: &Sp<String>, what: &str) -> Option<String> {
        if p.value.starts_with('~') || p.value.contains('\0') || p.value.contains('\n') {
            self.err(
                ErrorCode::PathOutsideProject,
                format!("{what} `{}` is not a project path", p.value.escape_debug()),
                p.span,
                "not allowed here",
                "give a path relative to the spec's directory",
            );
            return None;
        }
        let mut parts: Vec<&str> = Vec::new();
        for c in p.value.split('/') {
            match c {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        self.err(
                            ErrorCode::PathOutsideProject,
                            format!("{what} `{}` escapes the project directory", p.value),
                            p.span,
                            "leaves the spec's directory",
                            "keep paths inside the directory of the spec",
                        );
                        return None;
                    }
                }
                c => parts.push(c),
            }
        }
        Some(if parts.is_empty() {
            ".".into()
        } else {
            format!("./{}", parts.join("/"))
        })
    }
}
