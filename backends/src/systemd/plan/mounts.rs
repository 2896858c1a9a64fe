//! Mounts: named volumes (chowned to an owning user), dev binds through the `project` link,
//! config files copied next to the units, secret files, tmpfs; a `:` (or, in a podman secret's
//! target, a `,`) that the runtime would read as a separator is refused (`STK051`), with the
//! same message for Quadlet and podman units.

use std::collections::BTreeSet;

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{Mount, MountKind, Runtime, Service, SystemdFlavour};

use super::StackPlan;
use super::secrets::{SecretMount, secret_mount};
use crate::output::Outcome;
use crate::systemd::Emitter;

/// Where a `SOURCE:TARGET` mount comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A named volume, `<stack>-<dns_name>` (Quadlet refers to its `.volume` file).
    Volume(String),
    /// A host path: absolute, or relative to the state directory (plain units) or the units'
    /// directory (Quadlet), both `./...`.
    Path(String),
}

/// One mount of a service.
#[derive(Clone, Debug)]
pub(crate) enum MountPlan {
    /// `SOURCE:TARGET[:OPTIONS]` (`Volume=`, `--volume=`).
    Bind {
        source: Source,
        target: String,
        options: Vec<&'static str>,
        span: Span,
    },
    /// A podman secret mounted as a file.
    Secret {
        name: String,
        target: String,
        span: Span,
    },
    /// `TARGET[:OPTIONS]` (`Tmpfs=`, `--tmpfs=`).
    Tmpfs {
        target: String,
        options: Vec<String>,
        span: Span,
    },
}

/// A config file copied into the output (`files/<service>/<name>`).
#[derive(Clone, Debug)]
pub(crate) struct ConfigCopy {
    pub path: String,
    pub contents: String,
}

/// Every mount of a service, in spec order; config copies and dev binds are recorded in `plan`.
pub(super) fn lower(e: &mut Emitter, plan: &mut StackPlan, svc: &Service) -> Vec<MountPlan> {
    let config_paths = config_paths(e, plan, svc);
    let mut out = Vec::new();
    for (m, cfg) in svc.mounts.iter().zip(config_paths) {
        if let Some(mp) = mount(e, plan, svc, m, cfg) {
            out.push(mp);
        }
    }
    out
}

fn mount(
    e: &mut Emitter,
    plan: &mut StackPlan,
    svc: &Service,
    m: &Mount,
    cfg: Option<String>,
) -> Option<MountPlan> {
    let target = m.target.value.clone();
    let ro: Vec<&'static str> = if m.read_only { vec!["ro"] } else { Vec::new() };
    let (source, options) = match &m.kind {
        MountKind::Volume(vid) => {
            let v = e.stack.volume(*vid);
            // `U`: podman chowns the volume to the container's user, so a non-root service can
            // write it (only where it writes: a reader keeps the owner). Docker units chown it
            // in `ExecStartPre=` instead.
            let chown = podman(e) && v.owner.is_some() && !m.read_only;
            let mut opts = ro;
            opts.extend(chown.then_some("U"));
            (Source::Volume(format!("{}-{}", e.name(), v.dns_name)), opts)
        }
        MountKind::Bind(src) => {
            let source = bind_source(e, plan, svc, &src.value, m.span);
            (Source::Path(source), ro)
        }
        MountKind::Config { .. } => {
            let mut opts = ro;
            opts.push("z");
            (Source::Path(format!("./{}", cfg.unwrap_or_default())), opts)
        }
        MountKind::Secret(sid) => match secret_mount(e, *sid) {
            SecretMount::Podman(name) => return podman_secret(e, svc, m, name),
            SecretMount::File(path) => (Source::Path(path), ro),
        },
        MountKind::Tmpfs { size } => return tmpfs(e, svc, m, size.as_ref().map(|q| q.bytes)),
    };
    let text = match &source {
        Source::Volume(s) | Source::Path(s) => s,
    };
    if target.contains(':') || text.contains(':') {
        separator_error(e, svc, m.span, ':');
        return None;
    }
    Some(MountPlan::Bind {
        source,
        target,
        options,
        span: m.span,
    })
}

/// Whether the containers are podman's (which chowns with `U` and has secrets).
fn podman(e: &Emitter) -> bool {
    e.opts.flavour == SystemdFlavour::Quadlet || e.runtime() == Runtime::Podman
}

fn podman_secret(e: &mut Emitter, svc: &Service, m: &Mount, name: String) -> Option<MountPlan> {
    let target = &m.target.value;
    if target.contains(',') {
        separator_error(e, svc, m.span, ',');
        return None;
    }
    Some(MountPlan::Secret {
        name,
        target: target.clone(),
        span: m.span,
    })
}

fn tmpfs(e: &mut Emitter, svc: &Service, m: &Mount, size: Option<u64>) -> Option<MountPlan> {
    if !e.key_or_refuse(svc, "Tmpfs", Some(m.span), "tmpfs mount") {
        return None;
    }
    let mut options = Vec::new();
    if m.read_only {
        options.push("ro".to_string());
    }
    if let Some(bytes) = size {
        options.push(format!("size={bytes}"));
    }
    if m.target.value.contains(':') {
        separator_error(e, svc, m.span, ':');
        return None;
    }
    Some(MountPlan::Tmpfs {
        target: m.target.value.clone(),
        options,
        span: m.span,
    })
}

/// `STK051`: a mount path holds a character the runtime reads as a separator.
fn separator_error(e: &mut Emitter, svc: &Service, span: Span, c: char) {
    let readers = if podman(e) { "podman" } else { "docker" };
    let what = if c == ',' {
        "the secret file path"
    } else {
        "a mount path"
    };
    e.error(
        Diagnostic::error(
            ErrorCode::SystemdUnsafeValue,
            format!(
                "{what} of `{}` contains `{c}`, which {readers} reads as a separator",
                svc.name.value
            ),
        )
        .at(&e.stack.file, span, "this mount")
        .help(format!("choose a path without `{c}`")),
    );
}

/// A dev bind mount's source: through the `project` link the install step creates next to
/// the units (see README), or an absolute path as written.
fn bind_source(
    e: &mut Emitter,
    plan: &mut StackPlan,
    svc: &Service,
    src: &str,
    span: Span,
) -> String {
    if src.starts_with('/') {
        return src.to_string();
    }
    plan.binds = true;
    e.loss(
        Some(svc),
        "volumes (bind)",
        Outcome::Approximated("the host path is reached through the `project` link to the spec's directory that the install step creates".into()),
        Some(span),
    );
    let rel = src.trim_start_matches("./");
    if rel.is_empty() || rel == "." {
        "./project".to_string()
    } else {
        format!("./project/{rel}")
    }
}

/// `files/<service>/<name>` for each config file of a service, recording the copies.
fn config_paths(e: &mut Emitter, plan: &mut StackPlan, svc: &Service) -> Vec<Option<String>> {
    let mut used = BTreeSet::new();
    let mut out = Vec::new();
    for (i, m) in svc.mounts.iter().enumerate() {
        let MountKind::Config { source, content } = &m.kind else {
            out.push(None);
            continue;
        };
        let name = unique(&mut used, config_base(&source.value, i), i);
        let path = format!("files/{}/{name}", svc.dns_name);
        match content {
            Some(text) => plan.copies.push(ConfigCopy {
                path: path.clone(),
                contents: text.clone(),
            }),
            None => e.error(
                Diagnostic::error(
                    ErrorCode::InternalError,
                    format!(
                        "internal error: config file `{}` was not loaded",
                        source.value
                    ),
                )
                .at(&e.stack.file, source.span, "config file"),
            ),
        }
        out.push(Some(path));
    }
    out
}

/// The file name of a config source, with characters outside `[A-Za-z0-9._-]` as `_`.
fn config_base(source: &str, i: usize) -> String {
    let base: String = source
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if base.is_empty() || base.starts_with('.') {
        format!("config{i}{base}")
    } else {
        base
    }
}

/// `base`, or `<i>-<base>` when a config file of the service already has that name.
fn unique(used: &mut BTreeSet<String>, base: String, i: usize) -> String {
    let name = if used.insert(base.clone()) {
        base
    } else {
        format!("{i}-{base}")
    };
    used.insert(name.clone());
    name
}
