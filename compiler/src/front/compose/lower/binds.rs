//! Host bind mounts on import. A compose file mounts project files and directories into its
//! containers; a prod environment takes no host path (`STK032`). So that an imported stack
//! builds for `--env prod` without hand edits, a service whose binds are all inside the
//! project gets its mounts per environment:
//! - `dev` keeps every mount as written, in order (what compose ran);
//! - `prod` keeps named volumes and tmpfs, and mounts each file of the project as a `config:`
//!   file (read-only; a ConfigMap in Kubernetes); a writable directory the service fills at
//!   run time (absent or empty in the project, or the data directory of a known database)
//!   becomes a named volume (a PersistentVolumeClaim in Kubernetes); a directory of the
//!   project's own files (source code, configuration) has no prod equivalent and is reported.
//!
//! A host path outside the project (the Docker socket, `/etc/localtime`) cannot be deployed
//! as written: such a service keeps its mounts, and the prod build stops at the mount with a
//! located error that names the choice to make.

use std::path::Path;

use super::*;

/// A bind mount of the spec: host source, container target, read-only.
struct Bind {
    source: String,
    target: String,
    read_only: bool,
}

fn bind_of(m: &MountSpec) -> Option<Bind> {
    match m {
        MountSpec::Short(s) => {
            let parts: Vec<&str> = s.value.split(':').collect();
            let (source, target, mode) = match parts.as_slice() {
                [a, b] => (*a, *b, ""),
                [a, b, c] => (*a, *b, *c),
                _ => return None,
            };
            let is_path = source.starts_with('.') || source.starts_with('/');
            is_path.then(|| Bind {
                source: source.to_string(),
                target: target.to_string(),
                read_only: mode.split(',').any(|m| m == "ro"),
            })
        }
        MountSpec::Long(l) => Some(Bind {
            source: l.bind.as_ref()?.value.clone(),
            target: l.target.as_ref()?.value.clone(),
            read_only: l.read_only.as_ref().is_some_and(|r| r.value),
        }),
    }
}

impl Lowering<'_> {
    /// Splits the mounts of services with project binds into `dev` and `prod` overlays.
    pub(super) fn binds_per_environment(
        &mut self,
        dir: &Path,
        services: &mut NameMap<ServiceSpec>,
    ) -> IndexMap<String, NameMap<ServiceOverlaySpec>> {
        let mut overlays: IndexMap<String, NameMap<ServiceOverlaySpec>> = IndexMap::new();
        // Host data directory → the prod volume in its place (one per directory: services
        // sharing a directory share the volume).
        let mut data_volumes: HashMap<String, String> = HashMap::new();
        for (name, spec) in services.iter_mut() {
            let binds: Vec<Option<Bind>> = spec.volumes.iter().map(|m| bind_of(&m.value)).collect();
            // Services of a profile that prod does not run keep their mounts; a service with a
            // host path outside the project keeps its mounts (the prod build names the choice).
            if !runs_in(spec, "prod")
                || binds.iter().all(Option::is_none)
                || binds.iter().flatten().any(|b| b.source.starts_with('/'))
            {
                continue;
            }
            let mounts = std::mem::take(&mut spec.volumes);
            let mut prod = Vec::new();
            for (m, bind) in mounts.iter().zip(&binds) {
                let Some(b) = bind else {
                    prod.push(m.clone());
                    continue;
                };
                let path = format!("services.{}.volumes", name.value);
                let file = dir.join(&b.source);
                if file.is_file() && !can_be_config(&file) {
                    self.cx.approximated(&path, m.span, format!("the file `{}` is mounted in dev only: a `config:` file holds UTF-8 text of at most {} bytes, which it is not (a keystore, an image, a database); in prod `{}` has nothing at `{}`; give it a secret or a named volume, or build it into the image", b.source, crate::load::MAX_CONFIG_BYTES, name.value, b.target));
                } else if file.is_file() {
                    let how = if b.read_only {
                        "read-only file"
                    } else {
                        "file (read-only in prod)"
                    };
                    self.cx.approximated(&path, m.span, format!("the {how} `{}` is mounted as a `config:` file in prod (a ConfigMap in Kubernetes), as a bind mount in dev", b.source));
                    prod.push(Sp::new(
                        MountSpec::Long(MountLong {
                            config: Some(Sp::new(b.source.clone(), m.span)),
                            target: Some(Sp::new(b.target.clone(), m.span)),
                            ..Default::default()
                        }),
                        m.span,
                    ));
                } else if let Some(why) = data_directory(dir, b, spec.image.as_ref()) {
                    let volume = match data_volumes.get(&b.source) {
                        Some(v) => v.clone(),
                        None => {
                            let v = self
                                .volume_names
                                .fresh(&volume_name_of(&b.source, &name.value));
                            self.volumes_out
                                .insert(Sp::new(v.clone(), m.span), VolumeSpec::default());
                            data_volumes.insert(b.source.clone(), v.clone());
                            v
                        }
                    };
                    self.cx.approximated(&path, m.span, format!("the host directory `{}` ({why}) is the named volume `{volume}` in prod (a PersistentVolumeClaim in Kubernetes), a bind mount in dev; its data is not the host folder's", b.source));
                    prod.push(Sp::new(
                        MountSpec::Short(Sp::new(format!("{volume}:{}", b.target), m.span)),
                        m.span,
                    ));
                } else {
                    self.cx.approximated(&path, m.span, format!("the host path `{}` is mounted in dev only (a prod environment takes no host path): in prod `{}` has nothing at `{}`; give it a named volume or build it into the image", b.source, name.value, b.target));
                }
            }
            let key = || Sp::new(name.value.clone(), name.span);
            // Every other environment the service runs in keeps the mounts as written.
            let mut others = vec!["dev".to_string()];
            others.extend(self.environments.keys().cloned());
            others.retain(|e| e != "prod" && runs_in(spec, e));
            others.dedup();
            for env in others {
                overlays.entry(env).or_default().insert(
                    key(),
                    ServiceOverlaySpec {
                        volumes: mounts.clone(),
                        ..Default::default()
                    },
                );
            }
            if !prod.is_empty() {
                overlays.entry("prod".into()).or_default().insert(
                    key(),
                    ServiceOverlaySpec {
                        volumes: prod,
                        ..Default::default()
                    },
                );
            }
        }
        overlays
    }

    /// A service compose builds without naming its image runs, in prod, the image compose
    /// would name (`PROJECT-SERVICE`): systemd units and Kubernetes need a name to pull; dev
    /// keeps the file as written.
    pub(super) fn built_image_names(
        &mut self,
        services: &NameMap<ServiceSpec>,
        overlays: &mut IndexMap<String, NameMap<ServiceOverlaySpec>>,
    ) {
        for (name, spec) in services {
            if spec.image.is_some() || spec.build.is_none() || !runs_in(spec, "prod") {
                continue;
            }
            let image = format!("{}-{}", self.project, name.value);
            self.cx.approximated(
                format!("services.{}.image", name.value),
                name.span,
                format!("built by compose without an image name: prod runs it as `{image}` (compose's name for it); push it under that name or set `image:`"),
            );
            let prod = overlays.entry("prod".into()).or_default();
            match prod.iter_mut().find(|(k, _)| k.value == name.value) {
                Some((_, o)) => o.image = Some(Sp::new(image, name.span)),
                None => {
                    prod.insert(
                        Sp::new(name.value.clone(), name.span),
                        ServiceOverlaySpec {
                            image: Some(Sp::new(image, name.span)),
                            ..Default::default()
                        },
                    );
                }
            }
        }
    }
}

/// Why a writable directory bind holds data the service writes at run time, which a named
/// volume keeps in prod, or `None` for a directory of the project's own files (source code,
/// configuration), which has no prod equivalent: the directory is not in the project (compose
/// creates it) or holds nothing but dotfiles (`.gitkeep`), or the target is the data
/// directory of the database the image is.
fn data_directory(dir: &Path, b: &Bind, image: Option<&Sp<String>>) -> Option<&'static str> {
    if b.read_only {
        return None;
    }
    let store = image.and_then(|i| crate::lint::support::database::store_of_image(&i.value));
    if let Some(data) = store.and_then(|s| s.data_dir)
        && crate::lint::support::database::covers(&b.target, data)
    {
        return Some("the database's data directory");
    }
    let host = dir.join(&b.source);
    match std::fs::read_dir(&host) {
        Err(_) if !host.exists() && data_like(b) => {
            Some("not in the project, compose creates it, and named for data")
        }
        Err(_) => None,
        Ok(entries) => {
            let only_dotfiles = entries
                .flatten()
                .all(|e| e.file_name().to_string_lossy().starts_with('.'));
            only_dotfiles.then_some("empty in the project")
        }
    }
}

/// Words of a host directory's name, or of the container path it is mounted at, that say
/// it holds data the service writes (checked against the path's components).
const DATA_WORDS: &[&str] = &[
    "data",
    "db",
    "database",
    "storage",
    "upload",
    "uploads",
    "media",
    "cache",
    "logs",
    "log",
    "backup",
    "backups",
    "state",
    "pgdata",
    "mysql",
    "postgres",
    "postgresql",
    "redis",
    "mongo",
    "mongodb",
    "volumes",
    "persist",
    "files",
    "attachments",
    "downloads",
];

/// Whether a bind absent from the project is named for data, as opposed to a file or a
/// source tree that is not part of what was given (`./src`, `./init.sql`): a component of its
/// source or target is a data word (`./pgdata`, `./var/uploads`, `/var/lib/app/data`), or the
/// target is under `/var/lib/`, and neither looks like a file (`name.ext`).
fn data_like(b: &Bind) -> bool {
    let last = |p: &str| {
        p.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let looks_like_file = |p: &str| {
        let l = last(p);
        l.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty() && !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric())
        })
    };
    if looks_like_file(&b.source) || looks_like_file(&b.target) {
        return false;
    }
    let words = |p: &str| -> bool {
        p.split('/').any(|c| {
            let c = c.to_ascii_lowercase();
            DATA_WORDS.contains(&c.as_str()) || c.split(['-', '_']).any(|w| DATA_WORDS.contains(&w))
        })
    };
    words(&b.source) || words(&b.target) || b.target.starts_with("/var/lib/")
}

/// A volume name for the data directory `source` of `service`: its path in the project
/// (`./data/db` → `data-db`), or `SERVICE-data` for the project's root.
fn volume_name_of(source: &str, service: &str) -> String {
    let words: Vec<String> = source
        .split('/')
        .filter(|c| !c.is_empty() && *c != "." && *c != "..")
        .map(|c| {
            c.chars()
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() {
                        ch.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
                .trim_matches('-')
                .to_string()
        })
        .filter(|c| !c.is_empty())
        .collect();
    if words.is_empty() {
        format!("{service}-data")
    } else {
        words.join("-")
    }
}

/// Whether a service runs in an environment (no `only_in`, or `only_in` names it).
fn runs_in(spec: &ServiceSpec, env: &str) -> bool {
    spec.only_in.is_empty() || spec.only_in.iter().any(|e| e.value == env)
}

/// Whether a project file can be a `config:` file (what the loader takes: UTF-8 text within
/// its size limit).
fn can_be_config(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() <= crate::load::MAX_CONFIG_BYTES)
        && std::fs::read(path).is_ok_and(|b| std::str::from_utf8(&b).is_ok())
}
