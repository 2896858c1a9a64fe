//! A service's `volumes:` and `tmpfs:` (mounts), and project-relative paths.

use crate::diag::ErrorCode;

use super::*;

impl Lowering<'_> {
    pub(super) fn volumes(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        out: &mut Vec<Sp<MountSpec>>,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) {
        let Some(items) = self.cx.seq(v, path) else {
            return;
        };
        // Compose keeps the last mount at a container path.
        let mut kept: Vec<KeptMount> = Vec::new();
        // Items in the spec that are also kept as written, for compose.
        let mut shadows: HashSet<usize> = HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            self.raw_mount = None;
            self.shadow_mount = false;
            let m = match &item.value {
                Node::Map(e) => self.long_mount(e, item, &p),
                _ => self.short_mount(item, &p),
            };
            if std::mem::take(&mut self.shadow_mount) && m.is_some() {
                shadows.insert(i);
            }
            let entry = match (m, self.raw_mount.take()) {
                (Some(m), _) => Ok(Sp::new(m, item.span)),
                (None, Some(why)) => {
                    self.compose_only(&p, item.span, &why);
                    Err(self.project_relative_var_bind(to_json(&item.value), &p, item.span))
                }
                (None, None) => continue,
            };
            let target = mount_target_of(item);
            if let Some(t) = &target
                && let Some(pos) = kept.iter().position(|(k, _, _)| k.as_deref() == Some(t))
            {
                let first = kept[pos].1;
                self.cx.dropped(
                    format!("{path}[{first}]"),
                    items[first].span,
                    format!("another mount at `{t}` follows; compose keeps only the last one"),
                );
                drop(kept.remove(pos));
            }
            kept.push((target, i, entry));
        }
        let shadow_from = shadowed_after(&kept);
        for (k, (_, i, entry)) in kept.into_iter().enumerate() {
            match entry {
                Ok(m) => {
                    if shadow_from.is_some_and(|first| k > first) || shadows.contains(&i) {
                        push_extra(extra, "volumes", to_json(&items[i].value));
                    }
                    out.push(m)
                }
                Err(raw) => push_extra(extra, "volumes", raw),
            }
        }
    }

    pub(super) fn short_mount(&mut self, item: &Sp<Node>, p: &str) -> Option<MountSpec> {
        if let Node::Str(raw) = &item.value
            && let Some((src, _)) = raw.split_once(':')
            && !src.contains("PWD")
            && interp::parse(src).is_ok_and(|p| interp::has_vars(&p))
        {
            self.raw_mount =
                Some("a mount source taken from a variable is not in the stack spec".into());
            return None;
        }
        if let Node::Str(raw) = &item.value
            && let Some((src, _)) = raw.split_once(':')
            && let Some(why) = pwd_source_with_slash(src)
        {
            self.raw_mount = Some(why);
            return None;
        }
        let s = self.cx.path_text(item, p)?;
        let parts: Vec<&str> = s.value.split(':').collect();
        let (source, target, mode) = match parts.as_slice() {
            [t] => (None, *t, None),
            [a, b] if is_mount_mode(b) && a.starts_with('/') => (None, *a, Some(*b)),
            [a, b] => (Some(*a), *b, None),
            [a, b, c] => (Some(*a), *b, Some(*c)),
            _ => {
                self.cx.error(
                    ErrorCode::ComposeInvalidMount,
                    format!("invalid volume `{}`", s.value.escape_debug()),
                    s.span,
                    "not a mount",
                    "write `VOLUME:/path`, `./host/path:/path[:ro]` or `/path`",
                );
                return None;
            }
        };
        if !target.starts_with('/') {
            self.cx.error(
                ErrorCode::ComposeInvalidMount,
                format!(
                    "invalid volume `{}`: the container path `{target}` is not absolute",
                    s.value.escape_debug()
                ),
                s.span,
                "not an absolute path",
                "container paths start with `/`",
            );
            return None;
        }
        let mut read_only = false;
        for m in mode.unwrap_or("").split(',').filter(|m| !m.is_empty()) {
            match m {
                "ro" => read_only = true,
                "rw" => {}
                m if is_mount_mode(m) => {
                    // SELinux labels (`z`, `Z`) and the other options are kept: the mount
                    // stays as written, for compose.
                    self.raw_mount = Some(format!("mount option `{m}` is not in the stack spec"));
                    return None;
                }
                m => {
                    // Compose reads the options it knows and ignores the others (`roz` is
                    // neither `ro` nor `z`): the mount is made without it.
                    self.cx.dropped(
                        p,
                        s.span,
                        format!("compose ignores the unknown mount option `{m}`; the mount is made without it"),
                    );
                }
            }
        }
        let ro = if read_only { ":ro" } else { "" };
        let Some(source) = source else {
            self.raw_mount = Some("anonymous volumes are not in the stack spec".into());
            return None;
        };
        if source.starts_with('.') || source.starts_with('/') || source.starts_with('~') {
            let src = self.bind_source(source, s.span, p)?;
            return Some(MountSpec::Short(Sp::new(
                format!("{src}:{target}{ro}"),
                s.span,
            )));
        }
        let name = self.volume_ref(source, s.span);
        Some(MountSpec::Short(Sp::new(
            format!("{name}:{target}{ro}"),
            s.span,
        )))
    }

    /// A bind source as the spec takes it, or `None` (reported) when it leaves the project.
    pub(super) fn bind_source(&mut self, source: &str, span: Span, p: &str) -> Option<String> {
        if source.starts_with('/') {
            return Some(source.to_string());
        }
        let _ = (span, p);
        if source.starts_with('~') {
            self.raw_mount = Some(format!(
                "a bind mount of `{source}` (a home directory path) is not in the stack spec: host paths are relative to the project"
            ));
            return None;
        }
        match project_path_under(source, &self.cx.prefix) {
            Some(rel) if rel == "." => Some("./".into()),
            Some(rel) => Some(rel),
            None => {
                self.raw_mount = Some(format!(
                    "a bind mount of `{source}` leaves the project directory, which the stack spec does not allow"
                ));
                None
            }
        }
    }

    /// The spec name of a named volume; an undeclared one is left as written for the resolver
    /// to report.
    pub(super) fn volume_ref(&mut self, source: &str, _span: Span) -> String {
        self.volumes
            .get(source)
            .cloned()
            .unwrap_or_else(|| source.to_string())
    }

    pub(super) fn long_mount(
        &mut self,
        e: &Entries,
        item: &Sp<Node>,
        p: &str,
    ) -> Option<MountSpec> {
        self.cx.check_keys(e, keys::MOUNT, "a mount");
        let get = |k: &str| e.iter().find(|(key, _)| key.value == k);
        let kind = match get("type") {
            Some((_, t)) => self.cx.resolved(t, &format!("{p}.type"))?,
            None => {
                self.cx.error(
                    ErrorCode::ComposeInvalidMount,
                    "a mount in the long syntax needs `type`",
                    item.span,
                    "no `type`",
                    "add `type: volume`, `bind` or `tmpfs`",
                );
                return None;
            }
        };
        // What the spec cannot hold keeps the mount compose-only, as written.
        let mut exotic: Option<String> = None;
        // An option only compose has, on a mount the spec holds: `volume.nocopy`'s value.
        let mut compose_detail: Option<serde_json::Value> = None;
        let source = match get("source") {
            Some((_, s)) => {
                if let Node::Str(raw) = &s.value
                    && !raw.contains("PWD")
                    && interp::parse(raw).is_ok_and(|p| interp::has_vars(&p))
                {
                    exotic = Some(
                        "a mount source taken from a variable is not in the stack spec".into(),
                    );
                }
                if let Node::Str(raw) = &s.value
                    && let Some(why) = pwd_source_with_slash(raw)
                {
                    exotic = Some(why);
                }
                self.cx.path_text(s, &format!("{p}.source"))
            }
            None => None,
        };
        let target = match get("target") {
            Some((_, t)) => self.cx.resolved(t, &format!("{p}.target")),
            None => None,
        };
        let read_only = match get("read_only") {
            Some((_, r)) => self.cx.boolean(r, &format!("{p}.read_only")),
            None => None,
        };
        for (sub, allowed) in [
            ("bind", keys::MOUNT_BIND),
            ("volume", keys::MOUNT_VOLUME),
            ("tmpfs", keys::MOUNT_TMPFS),
            ("image", keys::MOUNT_IMAGE),
        ] {
            if let Some((k, v)) = get(sub)
                && let Some(opts) = self.cx.map(v, &format!("{p}.{sub}"))
            {
                self.cx
                    .check_keys(opts, allowed, &format!("`{sub}` of a mount"));
                for (o, v) in opts.iter() {
                    if sub == "tmpfs" && o.value == "size" {
                        continue;
                    }
                    // Whether a new volume is first filled from the image: the mount itself is
                    // the spec's, the option kept for compose.
                    if sub == "volume" && o.value == "nocopy" {
                        compose_detail = Some(to_json(&v.value));
                        continue;
                    }
                    exotic = Some(format!(
                        "mount option `{sub}.{}` is not in the stack spec",
                        o.value
                    ));
                }
                let _ = k;
            }
        }
        if get("consistency").is_some() || e.iter().any(|(k, _)| k.value.starts_with("x-")) {
            exotic =
                Some("mount consistency and extension fields are not in the stack spec".into());
        }
        let Some(target) = target else {
            self.cx.error(
                ErrorCode::ComposeInvalidMount,
                "a mount in the long syntax needs `target`",
                item.span,
                "no `target`",
                "add `target: /path/in/container`",
            );
            return None;
        };
        if !target.value.starts_with('/') {
            self.cx.error(
                ErrorCode::ComposeInvalidMount,
                format!(
                    "mount target `{}` is not an absolute path",
                    target.value.escape_debug()
                ),
                target.span,
                "not an absolute path",
                "container paths start with `/`",
            );
            return None;
        }
        if matches!(kind.value.as_str(), "npipe" | "cluster" | "image") {
            exotic = Some(format!("`{}` mounts are not in the stack spec", kind.value));
        }
        if kind.value == "volume" && source.is_none() {
            exotic = Some("anonymous volumes are not in the stack spec".into());
        }
        if let Some(why) = exotic {
            self.raw_mount = Some(why);
            return None;
        }
        let mut long = MountLong {
            target: Some(target.clone()),
            read_only: read_only.filter(|r| r.value),
            ..Default::default()
        };
        match kind.value.as_str() {
            "volume" => match source {
                Some(src) => {
                    long.volume = Some(Sp::new(self.volume_ref(&src.value, src.span), src.span));
                    if let Some(nocopy) = compose_detail {
                        self.shadow_mount = true;
                        self.cx.approximated(
                            format!("{p}.volume.nocopy"),
                            item.span,
                            format!(
                                "`volume.nocopy: {nocopy}` is kept for compose only: the other targets mount the volume `{}` at `{}` without it (Docker and Podman fill a new, empty volume from the image's files there; Kubernetes never does)",
                                src.value, target.value
                            ),
                        );
                    }
                }
                None => return None,
            },
            "bind" => {
                let Some(src) = source else {
                    self.cx.error(
                        ErrorCode::ComposeInvalidMount,
                        "a bind mount needs `source`",
                        item.span,
                        "no `source`",
                        "add `source: ./path/on/host`",
                    );
                    return None;
                };
                let path = self.bind_source(&src.value, src.span, p)?;
                long.bind = Some(Sp::new(path, src.span));
            }
            "tmpfs" => {
                long.tmpfs = Some(target.clone());
                long.target = None;
                if let Some((_, t)) = get("tmpfs")
                    && let Some(size) = t.value.get("size")
                    && let Some(sz) = self.cx.resolved(size, &format!("{p}.tmpfs.size"))
                {
                    match docker_bytes(&sz.value) {
                        Some(b) => long.size = Some(Sp::new(quantity_text(b), sz.span)),
                        None => self.cx.error(
                            ErrorCode::ComposeInvalidValue,
                            format!("invalid tmpfs size `{}`", sz.value.escape_debug()),
                            sz.span,
                            "not a size",
                            "write bytes, or e.g. `64m`",
                        ),
                    }
                }
            }
            other => {
                self.cx.error(
                    ErrorCode::ComposeInvalidMount,
                    format!("unknown mount type `{}`", other.escape_debug()),
                    kind.span,
                    "not a mount type",
                    "use `volume`, `bind`, `tmpfs`, `npipe`, `cluster` or `image`",
                );
                return None;
            }
        }
        Some(MountSpec::Long(long))
    }

    /// `tmpfs:` (paths, each with compose's options): a tmpfs mount of the spec for every
    /// target, and the list as written for compose (`targets.compose`), which compose reads
    /// in place of the spec's mounts at those paths (its options and its form kept).
    pub(super) fn tmpfs(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        out: &mut Vec<Sp<MountSpec>>,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) {
        let items = self.cx.strings(v, path, true);
        let written = match to_json(&v.value) {
            serde_json::Value::String(t) => vec![serde_json::Value::String(t)],
            serde_json::Value::Array(ts) => ts,
            _ => Vec::new(),
        };
        if !items.is_empty() && written.len() == items.len() {
            extra.insert("tmpfs".into(), serde_json::Value::Array(written));
        }
        for (i, t) in items.into_iter().enumerate() {
            let p = format!("{path}[{i}]");
            let (target, opts) = t.value.split_once(':').unwrap_or((t.value.as_str(), ""));
            if !target.starts_with('/') {
                self.cx.error(
                    ErrorCode::ComposeInvalidMount,
                    format!("tmpfs path `{}` is not absolute", target.escape_debug()),
                    t.span,
                    "not an absolute path",
                    "container paths start with `/`",
                );
                continue;
            }
            let mut long = MountLong {
                tmpfs: Some(Sp::new(target.to_string(), t.span)),
                ..Default::default()
            };
            for o in opts.split(',').filter(|o| !o.is_empty()) {
                match o.split_once('=') {
                    Some(("size", sz)) => match docker_bytes(sz) {
                        Some(b) => long.size = Some(Sp::new(quantity_text(b), t.span)),
                        None => self.cx.approximated(
                            &p,
                            t.span,
                            format!("tmpfs size `{sz}` is not a size the stack spec reads"),
                        ),
                    },
                    _ => self.cx.approximated(
                        &p,
                        t.span,
                        format!("tmpfs option `{o}` is not in the stack spec"),
                    ),
                }
            }
            self.cx.approximated(
                &p,
                t.span,
                "a tmpfs mount of the spec for every target; compose keeps `tmpfs:` as written",
            );
            out.push(Sp::new(MountSpec::Long(long), t.span));
        }
    }
}

/// Compose reads `${PWD}/data/` as an absolute path and keeps its trailing `/` (it cleans a
/// relative one), which a project path of the spec cannot say: such a mount stays as written,
/// for compose. `Some(why)` for such a source.
pub(super) fn pwd_source_with_slash(src: &str) -> Option<String> {
    // `${PWD}/` too: compose reads the project directory with a trailing `/`.
    let rest = src.strip_prefix("${PWD}").or_else(|| {
        src.strip_prefix("$PWD")
            .filter(|r| !r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
    });
    rest.is_some_and(|r| !r.is_empty() && r.ends_with('/')).then(|| {
        format!(
            "compose reads `{src}` as an absolute path that keeps its trailing `/`, which a path of the project in the stack spec does not"
        )
    })
}

/// A mount read from `volumes`: its container path, its index, and the spec mount or the
/// compose-only entry as written.
pub(super) type KeptMount = (
    Option<String>,
    usize,
    Result<Sp<MountSpec>, serde_json::Value>,
);

/// Compose keeps a service's mounts in the order written, and the compose backend writes the
/// compose-only ones after the spec's. So that the order survives, the spec mounts that follow
/// the first compose-only one are also kept as written among the compose-only mounts, which
/// compose writes in place of the spec's at the same paths (every target still gets the spec
/// mount). `Some(position in kept)` of the first compose-only mount when that is done; `None`
/// when no spec mount follows one, or when one that follows is a project bind (those differ
/// per environment: a dev-only bind must not come back in prod).
fn shadowed_after(kept: &[KeptMount]) -> Option<usize> {
    let first = kept.iter().position(|(_, _, e)| e.is_err())?;
    let after = kept[first + 1..]
        .iter()
        .filter_map(|(_, _, e)| e.as_ref().ok());
    let mut any = false;
    for m in after {
        any = true;
        let project_bind = match &m.value {
            MountSpec::Short(s) => s.value.starts_with('.'),
            MountSpec::Long(l) => l.bind.as_ref().is_some_and(|b| !b.value.starts_with('/')),
        };
        if project_bind {
            return None;
        }
    }
    any.then_some(first)
}

/// Appends a compose-only item to the list field `key` (`ports`, `volumes`).
pub(super) fn push_extra(
    extra: &mut IndexMap<String, serde_json::Value>,
    key: &str,
    item: serde_json::Value,
) {
    match extra
        .entry(key.to_string())
        .or_insert_with(|| serde_json::Value::Array(Vec::new()))
    {
        serde_json::Value::Array(items) => items.push(item),
        other => *other = serde_json::Value::Array(vec![item]),
    }
}

/// The container path of a mount, short or long syntax, as written.
pub(super) fn mount_target_of(n: &Sp<Node>) -> Option<String> {
    match &n.value {
        Node::Map(_) => n.value.get("target").and_then(|t| t.value.scalar_text()),
        Node::Str(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            match parts.as_slice() {
                [t] => Some(t.to_string()),
                [a, b] if a.starts_with('/') && is_mount_mode(b) => Some(a.to_string()),
                [_, t, ..] => Some(t.to_string()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A relative path normalised inside the project (`./a/b`, or `.`); `None` when it leaves the
/// project or is absolute.
pub fn project_path(p: &str) -> Option<String> {
    if p.starts_with('/') || p.starts_with('~') || p.contains('\0') || p.contains('\n') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
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

/// `p` (relative to the compose file's directory) normalised, when it stays inside the
/// project, the spec's directory `prefix` above the compose file's (see
/// [`crate::front::compose::rebase`]): `../../cmd/x` from `docker-compose/kafka/` stays in it
/// and is kept as written (normalised) for the rebase to rewrite; `None` when it leaves it.
pub fn project_path_under(p: &str, prefix: &str) -> Option<String> {
    if prefix.is_empty() {
        return project_path(p);
    }
    project_path(&crate::front::compose::rebase::rebased(p, prefix))?;
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    Some(match parts.first() {
        None => ".".into(),
        Some(&"..") => parts.join("/"),
        Some(_) => format!("./{}", parts.join("/")),
    })
}

pub(super) fn is_mount_mode(m: &str) -> bool {
    m.split(',').all(|o| {
        matches!(
            o,
            "ro" | "rw"
                | "z"
                | "Z"
                | "nocopy"
                | "consistent"
                | "cached"
                | "delegated"
                | "shared"
                | "slave"
                | "private"
                | "rshared"
                | "rslave"
                | "rprivate"
        )
    })
}
