//! Reads the systemd targets back: Quadlet `.container`, `.volume`, `.network` files, or plain
//! `.service` units running `podman run` / `docker run`, plus the env-file templates they
//! load. Keys and options not modelled are ignored.

use std::collections::BTreeMap;
use std::sync::Arc;

use stackc_compiler::diag::SourceFile;

use crate::files::Dir;
use crate::ini::{self, Entry};
use crate::model::{EnvValue, Health, Model, Mount, Part, Test, Workload};
use crate::read::compose::parse_publish;
use crate::source::{At, Loc};
use crate::units::{cpus, duration_ms, memory_any};
use crate::words::{compose_parts, systemd_words, unspecify};

/// Reads a Quadlet directory.
pub fn read_quadlet(dir: &mut Dir) -> Model {
    let mut model = Model::default();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let files = dir.list();
    for f in files
        .iter()
        .filter(|f| f.ends_with(".network") || f.ends_with(".volume"))
    {
        let Some(file) = dir.read(f) else { continue };
        let entries = ini::parse(&file.text);
        let key = if f.ends_with(".network") {
            "NetworkName"
        } else {
            "VolumeName"
        };
        let stem = f
            .rsplit_once('.')
            .map_or(f.as_str(), |(s, _)| s)
            .to_string();
        let name = entries
            .iter()
            .find(|e| e.key == key)
            .map_or(stem, |e| e.value.clone());
        if f.ends_with(".network") {
            let internal = entries
                .iter()
                .any(|e| e.key == "Internal" && e.value == "true");
            model
                .networks
                .insert(name.clone(), At::new(internal, Loc::new(&file, 1)));
        }
        names.insert(f.clone(), name);
    }
    for f in files.iter().filter(|f| f.ends_with(".container")) {
        let Some(file) = dir.read(f) else { continue };
        let stem = f.trim_end_matches(".container").to_string();
        let mut w = container(dir, &file, &stem, &names);
        mark_secret_helpers(&mut w);
        model.workloads.insert(w.name.clone(), w);
    }
    model
}

/// The prefix of the variables through which commands read secrets (`plan/commands.rs` of
/// the systemd backend).
const SECRET_VAR_PREFIX: &str = "STACKC_SECRET_";

/// A `STACKC_SECRET_*` variable that is exactly one reference (a podman secret, an env-file
/// placeholder) carries a secret to a command: the spec does not hold it. Literal text is not
/// a reference and stays a difference.
fn mark_secret_helpers(w: &mut Workload) {
    for (k, v) in w.env.iter_mut() {
        if k.starts_with(SECRET_VAR_PREFIX)
            && matches!(v.value.parts.as_slice(), [Part::Secret(_) | Part::Ref(_)])
        {
            v.value.helper = true;
        }
    }
}

/// Reads a directory of plain units.
pub fn read_units(dir: &mut Dir) -> Model {
    let mut model = Model::default();
    for f in dir.list().iter().filter(|f| f.ends_with(".service")) {
        let Some(file) = dir.read(f) else { continue };
        let entries = ini::parse(&file.text);
        let stem = f.trim_end_matches(".service").to_string();
        let Some(start) = entries.iter().find(|e| e.key == "ExecStart") else {
            continue;
        };
        let words: Vec<String> = systemd_words(&start.value)
            .into_iter()
            .map(|w| unspecify(&w).replace("$$", "$"))
            .collect();
        if let Some(i) = words.iter().position(|w| w == "run") {
            let mut w = Workload::new(stem.clone(), Loc::new(&file, 1));
            run_args(dir, &file, start.line, &words[i + 1..], &mut w, false);
            unit_common(&file, &entries, &mut w);
            mark_secret_helpers(&mut w);
            model.workloads.insert(stem, w);
        } else if let Some(script) = words.iter().find(|w| w.contains("network create")) {
            let args: Vec<&str> = script
                .rsplit("network create")
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            if let Some(name) = args.last() {
                let internal = args.contains(&"--internal");
                model.networks.insert(
                    name.to_string(),
                    At::new(internal, Loc::new(&file, start.line)),
                );
            }
        }
    }
    model
}

/// `Requires=`/`After=` dependencies and `Restart=`.
fn unit_common(file: &Arc<SourceFile>, entries: &[Entry], w: &mut Workload) {
    let list = |key: &str| -> Vec<(String, u32)> {
        entries
            .iter()
            .filter(|e| e.section == "Unit" && e.key == key)
            .flat_map(|e| {
                e.value
                    .split_whitespace()
                    .map(move |u| (u.to_string(), e.line))
            })
            .collect()
    };
    let after = list("After");
    w.order_loc = entries
        .iter()
        .find(|e| e.section == "Unit" && (e.key == "Requires" || e.key == "After"))
        .or_else(|| entries.iter().find(|e| e.section == "Unit"))
        .map(|e| Loc::new(file, e.line));
    for (unit, line) in list("Requires") {
        let Some(name) = unit.strip_suffix(".service") else {
            continue;
        };
        if after.iter().any(|(a, _)| *a == unit) {
            w.depends
                .insert(name.to_string(), At::new(None, Loc::new(file, line)));
        }
    }
    if let Some(e) = entries
        .iter()
        .find(|e| e.section == "Service" && e.key == "Restart")
    {
        w.restart = Some(At::new(e.value.clone(), Loc::new(file, e.line)));
    }
}

fn container(
    dir: &mut Dir,
    file: &Arc<SourceFile>,
    stem: &str,
    names: &BTreeMap<String, String>,
) -> Workload {
    let entries = ini::parse(&file.text);
    let mut w = Workload::new(stem, Loc::new(file, 1));
    w.read_only = Some(At::new(false, w.loc.clone()));
    let mut podman_args = Vec::new();
    let mut user = None;
    let mut group = None;
    for e in entries.iter().filter(|e| e.section == "Container") {
        let loc = Loc::new(file, e.line);
        let v = unspecify(&e.value);
        match e.key.as_str() {
            "Image" => w.image = Some(At::new(v, loc)),
            "Exec" => {
                w.command = Some(At::new(
                    systemd_words(&v)
                        .iter()
                        .map(|a| a.replace("$$", "$"))
                        .collect(),
                    loc,
                ))
            }
            "Entrypoint" => w.entrypoint = Some(At::new(health_args(&v), loc)),
            "Network" => w
                .networks
                .push(At::new(names.get(&v).cloned().unwrap_or(v), loc)),
            "NetworkAlias" => w.aliases.push(v),
            "PublishPort" => w
                .published
                .extend(parse_publish(&v).map(|p| At::new(p, loc))),
            "Volume" => {
                if let Some((t, mut m)) = volume(&v) {
                    m.volume = names.get(&m.volume).cloned().unwrap_or(m.volume);
                    w.mounts.insert(t, At::new(m, loc));
                }
            }
            "Environment" => {
                for word in systemd_words(&v.replace("$$", "$")) {
                    let (k, val) = word.split_once('=').unwrap_or((&word, ""));
                    w.env.insert(
                        k.to_string(),
                        At::new(
                            EnvValue {
                                parts: vec![Part::Lit(val.to_string())],
                                helper: false,
                            },
                            loc.clone(),
                        ),
                    );
                }
            }
            "Secret" => secret(&v, &loc, &mut w),
            "EnvironmentFile" => env_file(dir, &v, &mut w),
            "HealthCmd" => health_mut(&mut w, &loc).test = health_test(&v),
            "HealthInterval" => health_mut(&mut w, &loc).interval = duration_ms(&v),
            "HealthTimeout" => health_mut(&mut w, &loc).timeout = duration_ms(&v),
            "HealthRetries" => health_mut(&mut w, &loc).retries = v.parse().ok(),
            "HealthStartPeriod" => health_mut(&mut w, &loc).start_period = duration_ms(&v),
            "ReadOnly" => w.read_only = Some(At::new(v == "true", loc)),
            "User" => user = Some(At::new(v, loc)),
            "Group" => group = Some(v),
            "PodmanArgs" => podman_args.push((systemd_words(&v), e.line)),
            _ => {}
        }
    }
    w.user = user.map(|u| match group {
        Some(g) => At::new(format!("{}:{g}", u.value), u.loc),
        None => u,
    });
    for (args, line) in podman_args {
        run_args(dir, file, line, &args, &mut w, true);
    }
    unit_common(file, &entries, &mut w);
    w
}

fn health_mut<'a>(w: &'a mut Workload, loc: &Loc) -> &'a mut Health {
    &mut w
        .health
        .get_or_insert_with(|| {
            At::new(
                Health {
                    test: Test::Probe,
                    interval: None,
                    timeout: None,
                    retries: None,
                    start_period: None,
                },
                loc.clone(),
            )
        })
        .value
}

/// A health command: a JSON array (exec form) or a shell command.
fn health_test(v: &str) -> Test {
    match serde_json::from_str::<Vec<String>>(v) {
        Ok(args) => Test::Exec(args),
        Err(_) => Test::Shell(v.to_string()),
    }
}

/// `Secret=NAME,type=env,target=KEY`: an env var from a Podman secret (file secrets ignored).
fn secret(v: &str, loc: &Loc, w: &mut Workload) {
    let mut it = v.split(',');
    let name = it.next().unwrap_or("").to_string();
    let opts: BTreeMap<&str, &str> = it.filter_map(|o| o.split_once('=')).collect();
    if opts.get("type") == Some(&"env") {
        let target = opts.get("target").map_or(name.clone(), |t| t.to_string());
        w.env.insert(
            target,
            At::new(
                EnvValue {
                    parts: vec![Part::Secret(name)],
                    helper: false,
                },
                loc.clone(),
            ),
        );
    }
}

/// An env file's entries, from the template stackc writes next to the units (`NAME.env` is
/// installed from `NAME.env.template`, whose placeholders stand for the deploy-time values).
fn env_file(dir: &mut Dir, path: &str, w: &mut Workload) {
    let base = path.rsplit('/').next().unwrap_or(path);
    let Some(file) = dir.read(&format!("{base}.template")) else {
        return;
    };
    for (i, line) in file.text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = t.split_once('=') {
            let parts = compose_parts(v);
            w.env.insert(
                k.to_string(),
                At::new(
                    EnvValue {
                        parts,
                        helper: false,
                    },
                    Loc::new(&file, i as u32 + 1),
                ),
            );
        }
    }
}

/// `SOURCE:TARGET[:OPTIONS]` of a named volume (paths are binds, skipped).
fn volume(v: &str) -> Option<(String, Mount)> {
    let mut it = v.split(':');
    let source = it.next()?;
    let target = it.next()?;
    if source.starts_with(['.', '/', '%', '~']) {
        return None;
    }
    let read_only = it.next().unwrap_or("").split(',').any(|o| o == "ro");
    Some((
        target.to_string(),
        Mount {
            volume: source.to_string(),
            read_only,
        },
    ))
}

/// Flags of `podman run` / `docker run` that take a value.
const VALUE_FLAGS: &[&str] = &[
    "--name",
    "--network",
    "--net",
    "--network-alias",
    "--publish",
    "-p",
    "--volume",
    "-v",
    "--env",
    "-e",
    "--env-file",
    "--health-cmd",
    "--health-interval",
    "--health-timeout",
    "--health-retries",
    "--health-start-period",
    "--user",
    "-u",
    "--memory",
    "-m",
    "--cpus",
    "--entrypoint",
    "--tmpfs",
    "--mount",
    "--secret",
    "--restart",
    "--label",
    "-l",
    "--cap-add",
    "--cap-drop",
    "--security-opt",
    "--workdir",
    "-w",
    "--memory-reservation",
    "--pull",
    "--ulimit",
    "--health-on-failure",
    "--sdnotify",
    "--replicas",
    "--pids-limit",
    "--hostname",
    "--add-host",
    "--log-driver",
    "--stop-timeout",
    "--userns",
    "--group-add",
];

/// `run` options up to the image, then the command.
/// `options_only`: Quadlet's `PodmanArgs=` (options, never an image or command).
fn run_args(
    dir: &mut Dir,
    file: &Arc<SourceFile>,
    line: u32,
    args: &[String],
    w: &mut Workload,
    options_only: bool,
) {
    let loc = Loc::new(file, line);
    let mut i = 0;
    let mut image_seen = false;
    while i < args.len() {
        let a = &args[i];
        if image_seen {
            w.command = Some(At::new(args[i..].to_vec(), loc.clone()));
            break;
        }
        if !a.starts_with('-') {
            if options_only {
                i += 1;
                continue;
            }
            w.image = Some(At::new(a.clone(), loc.clone()));
            image_seen = true;
            i += 1;
            if i >= args.len() {
                break;
            }
            continue;
        }
        let (flag, value) = match a.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None if VALUE_FLAGS.contains(&a.as_str()) => {
                i += 1;
                (a.clone(), args.get(i).cloned())
            }
            None => (a.clone(), None),
        };
        i += 1;
        let v = value.unwrap_or_default();
        match flag.as_str() {
            "--name" => w.name = v,
            "--network" | "--net" => w.networks.push(At::new(v, loc.clone())),
            "--network-alias" => w.aliases.push(v),
            "--publish" | "-p" => w
                .published
                .extend(parse_publish(&v).map(|p| At::new(p, loc.clone()))),
            "--volume" | "-v" => {
                if let Some((t, m)) = volume(&v) {
                    w.mounts.insert(t, At::new(m, loc.clone()));
                }
            }
            "--env" | "-e" => {
                let (k, val) = v.split_once('=').unwrap_or((&v, ""));
                w.env.insert(
                    k.to_string(),
                    At::new(
                        EnvValue {
                            parts: vec![Part::Lit(val.to_string())],
                            helper: false,
                        },
                        loc.clone(),
                    ),
                );
            }
            "--env-file" => env_file(dir, &v, w),
            "--health-cmd" => health_mut(w, &loc).test = health_test(&v),
            "--health-interval" => health_mut(w, &loc).interval = duration_ms(&v),
            "--health-timeout" => health_mut(w, &loc).timeout = duration_ms(&v),
            "--health-retries" => health_mut(w, &loc).retries = v.parse().ok(),
            "--health-start-period" => health_mut(w, &loc).start_period = duration_ms(&v),
            "--read-only" => w.read_only = Some(At::new(v != "false", loc.clone())),
            "--user" | "-u" => w.user = Some(At::new(v, loc.clone())),
            "--memory" | "-m" => w.memory = memory_any(&v).map(|m| At::new(m, loc.clone())),
            "--cpus" => w.cpus = cpus(&v).map(|c| At::new(c, loc.clone())),
            "--entrypoint" => w.entrypoint = Some(At::new(health_args(&v), loc.clone())),
            _ => {}
        }
    }
    if w.read_only.is_none() {
        w.read_only = Some(At::new(false, loc));
    }
}

/// `--entrypoint` as JSON array or a single word.
fn health_args(v: &str) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(v).unwrap_or_else(|_| vec![v.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_reference_under_the_prefix_is_a_secret_helper() {
        let file = SourceFile::new("s.container", "");
        let mut w = Workload::new("s", Loc::new(&file, 1));
        for (k, part) in [
            ("STACKC_SECRET_PW", Part::Secret("s-pw".into())),
            ("STACKC_SECRET_TOKEN", Part::Ref("TOKEN".into())),
            ("STACKC_SECRET_PASTED", Part::Lit("hunter2".into())),
            ("PW", Part::Secret("s-pw".into())),
        ] {
            let v = EnvValue {
                parts: vec![part],
                helper: false,
            };
            w.env.insert(k.into(), At::new(v, Loc::new(&file, 1)));
        }
        mark_secret_helpers(&mut w);
        let helpers: Vec<&str> = w
            .env
            .iter()
            .filter(|(_, v)| v.value.helper)
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(helpers, ["STACKC_SECRET_PW", "STACKC_SECRET_TOKEN"]);
    }
}
