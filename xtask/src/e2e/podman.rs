//! The Quadlet output run by Podman: stackc's `.container`/`.volume`/`.network` files go through
//! the real Quadlet generator (Podman 5.4's, from Debian trixie, `-dryrun`), and the `podman`
//! command lines of the generated `ExecStart=` are run by Debian 12's podman 4.3 (no systemd
//! here: its health checks, which need systemd timers, do not run).
//!
//! Podman runs with a private configuration (`CONTAINERS_CONF`: runc, cgroupfs, no default
//! ulimits, CNI configs in the temporary folder) and private storage, set up once per run.
//! The flags podman 4.3 lacks are dropped from the generated lines, each listed in
//! [`DROPPED_FLAGS`] and printed when dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::ctx::{Ctx, Stack};
use super::image::IMAGE;
use super::probe;
use super::proc::Out;
use super::scenarios::read_env;

/// Flags of Quadlet 5.4's command lines that podman 4.3 lacks or cannot honour here, with why.
pub const DROPPED_FLAGS: &[(&str, &str)] = &[
    (
        "--ignore",
        "`podman network create`/`volume create --ignore` came after 4.3; each scenario starts \
         from empty storage, so nothing exists to be ignored",
    ),
    (
        "--cgroups=split",
        "needs the unit's systemd cgroup; outside systemd, with cgroupfs, podman 4.3 fails \
         with `could not find cgroup mount in \"/proc/self/cgroup\"`",
    ),
];

/// Dropped only from a line that also mounts a secret as a file: podman 4.3 cannot mount one
/// into a read-only container (runc fails with `read-only file system` creating the mount
/// point; podman issue 15541, fixed in later releases, and Quadlet's output is for 5.4).
pub const READ_ONLY_WITH_SECRET_FILE: (&str, &str) = (
    "--read-only",
    "podman 4.3 cannot mount a secret file (`--secret ...,type=mount`) into a read-only \
     container: runc fails creating its mount point (podman issue 15541)",
);

/// Where podman keeps its configuration, storage and state for this run.
pub fn root(ctx: &Ctx) -> PathBuf {
    ctx.work().join("podman")
}

/// Write the private configuration (once) and import the test image into podman's storage.
fn setup(ctx: &mut Ctx) -> bool {
    let root = root(ctx);
    if root.join("ready").exists() {
        return true;
    }
    let conf = format!(
        "[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = \"runc\"\n\
         cgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\ntmp_dir = \"{0}/tmp\"\n\n\
         [network]\nnetwork_config_dir = \"{0}/cni\"\n",
        root.display()
    );
    let storage = format!(
        "[storage]\ndriver = \"overlay\"\ngraphroot = \"{0}/storage\"\nrunroot = \"{0}/run\"\n",
        root.display()
    );
    let written = fs::create_dir_all(root.join("cni"))
        .and_then(|()| fs::write(root.join("containers.conf"), conf))
        .and_then(|()| fs::write(root.join("storage.conf"), storage));
    if let Err(e) = written {
        return ctx.check("podman's private configuration is written", false, e);
    }
    ctx.set_podman_conf(root.join("containers.conf"), root.join("storage.conf"));
    let tar = ctx.work().parent().map(|d| d.join("rootfs.tar"));
    let tar = tar.map(|t| t.display().to_string()).unwrap_or_default();
    let imported = podman(ctx, &["import", &tar, IMAGE]);
    if !ctx.check_ok("podman imports the test image", &imported) {
        return false;
    }
    // Whatever registry a fully qualified name would name, the image is found locally.
    let tagged = podman(ctx, &["tag", IMAGE, &format!("docker.io/{IMAGE}")]);
    if !ctx.check_ok("podman tags it docker.io/... too", &tagged) {
        return false;
    }
    let _ = fs::write(root.join("ready"), "");
    true
}

fn podman(ctx: &Ctx, args: &[&str]) -> Out {
    ctx.run(Command::new("podman").args(args), Duration::from_secs(120))
}

/// One unit of Quadlet's `-dryrun` output.
#[derive(Debug, Default)]
struct Unit {
    name: String,
    requires: Vec<String>,
    exec_start: Vec<String>,
    oneshot: bool,
}

/// Split `-dryrun` output (`---NAME---` then the unit's text) into units.
fn parse_dryrun(text: &str) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("---").and_then(|l| l.strip_suffix("---")) {
            units.push(Unit {
                name: name.to_string(),
                ..Unit::default()
            });
            continue;
        }
        let Some(unit) = units.last_mut() else {
            continue;
        };
        if let Some(v) = line.strip_prefix("Requires=") {
            unit.requires
                .extend(v.split_whitespace().map(str::to_string));
        } else if let Some(v) = line.strip_prefix("ExecStart=") {
            unit.exec_start.push(v.to_string());
        } else if line == "Type=oneshot" {
            unit.oneshot = true;
        }
    }
    units
}

/// Units ordered so that each comes after the units it requires.
fn start_order(units: &[Unit]) -> Vec<&Unit> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < units.len() {
        let before = order.len();
        for u in units {
            let ready = u
                .requires
                .iter()
                .all(|r| done.contains(r.as_str()) || !units.iter().any(|x| &x.name == r));
            if !done.contains(u.name.as_str()) && ready {
                done.insert(&u.name);
                order.push(u);
            }
        }
        if order.len() == before {
            break; // a cycle: leave the rest out, the assertions will show it
        }
    }
    order
}

/// A systemd command line split into words (double and single quotes, backslash escapes, `$$`
/// for a literal `$`).
fn split_command(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '$') if chars.peek() == Some(&'$') => {
                chars.next();
                cur.push('$');
                in_word = true;
            }
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Replace the systemd specifiers the lines use: `%t` (runtime dir), `%N` (unit name without
/// suffix), `%E` (configuration dir), `%h` (home), `%%`.
fn specifiers(word: &str, unit: &str, root: &Path) -> String {
    let stem = unit.strip_suffix(".service").unwrap_or(unit);
    word.replace("%%", "\u{0}")
        .replace("%t", &root.join("run").display().to_string())
        .replace("%N", stem)
        .replace("%E", &root.join("etc").display().to_string())
        .replace("%h", &root.join("home").display().to_string())
        .replace('\u{0}', "%")
}

/// Compile the fixture to Quadlet, generate the units with the real Quadlet, and follow the
/// README's secret steps. Returns the stack and the units, or `None` after a failed assertion.
fn quadlet_stack(ctx: &mut Ctx, fixture: &str) -> Option<(Stack, Vec<Unit>)> {
    if !setup(ctx) {
        return None;
    }
    let stack = ctx.compile(fixture, "dev")?;
    let out = ctx.stackc(&stack.dir, &["build", "-t", "quadlet", "-o", "out-quadlet"]);
    if !ctx.check_ok("stackc build -t quadlet writes the Quadlet files", &out) {
        return None;
    }
    let dir = stack.dir.join("out-quadlet");
    let generated = ctx.run(
        Command::new(crate::tools::quadlet_bin())
            .arg("-dryrun")
            .env("QUADLET_UNIT_DIRS", &dir),
        Duration::from_secs(30),
    );
    let errors: Vec<&str> = generated
        .stderr
        .lines()
        .filter(|l| l.contains("Error") || l.contains("error"))
        .collect();
    if !ctx.check(
        "quadlet -dryrun (Podman 5.4's generator) converts every file",
        generated.ok() && errors.is_empty(),
        format!("{} {errors:?}", generated.brief()),
    ) {
        return None;
    }
    for line in generated.stderr.lines().filter(|l| l.contains("Warning")) {
        println!("  note {}", line.trim());
    }
    let units = parse_dryrun(&generated.stdout);
    if !create_secrets(ctx, &stack, &dir) || !write_env_files(ctx, &stack, &dir) {
        return None;
    }
    Some((stack, units))
}

/// `printf %s "$VAR" | podman secret create NAME -` lines of the README, run with `.env`.
fn create_secrets(ctx: &mut Ctx, stack: &Stack, dir: &Path) -> bool {
    let readme = fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    let env = read_env(&stack.env_file());
    for line in readme
        .lines()
        .filter(|l| l.contains("podman secret create"))
    {
        let words = split_command(line);
        let var = words
            .get(2)
            .and_then(|w| w.strip_prefix('$'))
            .unwrap_or_default();
        let name = words
            .iter()
            .position(|w| w == "create")
            .and_then(|i| words.get(i + 1))
            .cloned()
            .unwrap_or_default();
        let value = env.get(var).cloned().unwrap_or_default();
        let file = ctx.scratch().join("secret-value");
        let created = fs::write(&file, &value).map(|()| {
            podman(
                ctx,
                &["secret", "create", &name, &file.display().to_string()],
            )
        });
        let _ = fs::remove_file(&file);
        let ok = created.as_ref().is_ok_and(Out::ok) && !value.is_empty();
        let detail = match &created {
            Ok(out) => out.brief(),
            Err(e) => e.to_string(),
        };
        if !ctx.check(
            &format!("podman secret `{name}` created from ${var} as the README says"),
            ok,
            detail,
        ) {
            return false;
        }
        ctx.cleanups.push(vec![
            "podman".into(),
            "secret".into(),
            "rm".into(),
            name.clone(),
        ]);
    }
    true
}

/// The README's `envsubst '${A} ${B}' < X.env.template > "$state/X.env"` steps, done in Rust
/// with `.env`'s values (`$state` is `%E/stackc/<stack>`).
fn write_env_files(ctx: &mut Ctx, stack: &Stack, dir: &Path) -> bool {
    let readme = fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    let env = read_env(&stack.env_file());
    let state_line = readme
        .lines()
        .find(|l| l.trim_start().starts_with("state=~/.config/stackc/"));
    let stack_name = state_line
        .and_then(|l| l.split_whitespace().next())
        .and_then(|w| w.rsplit('/').next())
        .unwrap_or_default()
        .to_string();
    let state = root(ctx).join("etc").join("stackc").join(&stack_name);
    for line in readme.lines().filter(|l| l.contains("envsubst '")) {
        let words = split_command(line);
        let from = words
            .iter()
            .position(|w| w == "<")
            .and_then(|i| words.get(i + 1));
        let to = words
            .iter()
            .position(|w| w == ">")
            .and_then(|i| words.get(i + 1));
        let (Some(from), Some(to)) = (from, to) else {
            return ctx.check("the README's envsubst line is understood", false, line);
        };
        let to = to.trim_end_matches(')');
        let file = to.rsplit('/').next().unwrap_or(to);
        let mut text = fs::read_to_string(dir.join(from)).unwrap_or_default();
        for (k, v) in &env {
            text = text.replace(&format!("${{{k}}}"), v);
        }
        let written = fs::create_dir_all(&state).and_then(|()| fs::write(state.join(file), text));
        if !ctx.check(
            &format!("env file {file} written from {from}"),
            written.is_ok(),
            format!("{written:?}"),
        ) {
            return false;
        }
    }
    true
}

/// Run the units' `ExecStart=` lines in dependency order; a oneshot container's exit code is
/// returned by name (its `--rm` container is gone afterwards).
fn start_units(ctx: &mut Ctx, units: &[Unit]) -> BTreeMap<String, Out> {
    let root = root(ctx);
    let mut results = BTreeMap::new();
    for unit in start_order(units) {
        for line in &unit.exec_start {
            let words: Vec<String> = split_command(line)
                .iter()
                .map(|w| specifiers(w, &unit.name, &root))
                .collect();
            let secret_file = words.iter().any(|w| w.contains(",type=mount"));
            let (kept, dropped): (Vec<String>, Vec<String>) = words.into_iter().partition(|w| {
                let dropped = DROPPED_FLAGS.iter().any(|(f, _)| f == w)
                    || (secret_file && w == READ_ONLY_WITH_SECRET_FILE.0);
                !dropped
            });
            if !dropped.is_empty() {
                println!("  note {}: dropped for podman 4.3: {dropped:?}", unit.name);
            }
            let Some((program, args)) = kept.split_first() else {
                continue;
            };
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            if let Some(name) = container_name(&args) {
                ctx.cleanups.push(vec![
                    "podman".into(),
                    "rm".into(),
                    "-f".into(),
                    name.to_string(),
                ]);
            }
            let program = if program.ends_with("/podman") {
                "podman"
            } else {
                program
            };
            let out = ctx.run(Command::new(program).args(&args), Duration::from_secs(120));
            let oneshot_container = unit.oneshot && args.first() == Some(&"run");
            if !oneshot_container {
                ctx.check_ok(&format!("{} starts", unit.name), &out);
            }
            results.insert(unit.name.clone(), out);
        }
    }
    results
}

fn container_name<'a>(args: &[&'a str]) -> Option<&'a str> {
    if args.first() != Some(&"run") {
        return None;
    }
    let i = args.iter().position(|a| *a == "--name")?;
    args.get(i + 1).copied()
}

/// Remove what a podman scenario created (containers go by the cleanups).
fn remove_all(ctx: &mut Ctx) {
    for args in [
        &["rm", "--all", "--force"][..],
        &["volume", "prune", "--force"][..],
        &["network", "prune", "--force"][..],
    ] {
        let _ = podman(ctx, args);
    }
}

pub fn secrets(ctx: &mut Ctx) {
    run_scenario(ctx, "secrets-env", |ctx, stack, _| {
        let env = read_env(&stack.env_file());
        let token = env.get("API_TOKEN").cloned().unwrap_or_default();
        let password = env.get("DATABASE_PASSWORD").cloned().unwrap_or_default();
        let name = "e2e-secrets-env-app";
        let got = podman(ctx, &["exec", name, "sh", "-c", "echo \"$API_TOKEN\""]);
        ctx.check(
            "API_TOKEN (a podman secret) inside the container is the .env value",
            got.ok() && got.trimmed() == token && token.len() == 24,
            got.brief(),
        );
        let url = podman(ctx, &["exec", name, "sh", "-c", "echo \"$DATABASE_URL\""]);
        let expected = format!("postgres://app:{password}@db.internal:5432/app");
        ctx.check(
            "DATABASE_URL (from the env file) embeds the secret",
            url.ok() && url.trimmed() == expected && password.len() == 32,
            url.brief(),
        );
    });
}

pub fn ports(ctx: &mut Ctx) {
    run_scenario(ctx, "ports", |ctx, _, _| {
        let port = podman(ctx, &["port", "e2e-ports-web", "8080"]);
        let addr: Option<std::net::SocketAddr> =
            port.trimmed().lines().next().and_then(|l| l.parse().ok());
        let Some(addr) = addr else {
            ctx.check("podman publishes port 8080", false, port.brief());
            return;
        };
        ctx.check_eq(
            "port 8080 is published on 127.0.0.1",
            addr.ip().to_string(),
            "127.0.0.1".to_string(),
        );
        let mut got = probe::http_get(addr, "/index.html");
        for _ in 0..20 {
            if got.is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
            got = probe::http_get(addr, "/index.html");
        }
        ctx.check(
            &format!("GET http://{addr}/index.html from the host serves the file"),
            got.as_ref()
                .is_ok_and(|(s, b)| s.contains(" 200") && b.trim() == "e2e-ports-ok"),
            format!("{got:?}"),
        );
        ctx.check_eq(
            &format!("the host listens on port {} at 127.0.0.1 only", addr.port()),
            probe::tcp_listeners(addr.port()),
            vec!["127.0.0.1".to_string()],
        );
    });
}

pub fn volume(ctx: &mut Ctx) {
    run_scenario(ctx, "volume-nonroot", |ctx, _, results| {
        let writer = "e2e-volume-nonroot-writer.service";
        match results.get(writer) {
            Some(out) => {
                ctx.check(
                    "job `writer` (user 10001:10001) run by podman from Quadlet's ExecStart \
                     exits 0 after writing its named volume",
                    out.ok(),
                    out.brief(),
                );
            }
            None => {
                ctx.check("the writer unit ran", false, "no such unit");
            }
        }
        let read = podman(
            ctx,
            &["exec", "e2e-volume-nonroot-reader", "cat", "/data/probe"],
        );
        ctx.check(
            "service `reader` reads what the job wrote",
            read.ok() && read.trimmed() == "written-by-10001",
            read.brief(),
        );
    });
}

/// Secrets in a shell command, an exec-form health check and an exec-form entrypoint and
/// command (`fixtures/e2e/shell-secrets`): each program sees the `.env` value, read from a
/// `STACKC_SECRET_*` variable by the container's shell, and no unit holds it.
pub fn shell_secrets(ctx: &mut Ctx) {
    run_scenario(ctx, "shell-secrets", |ctx, stack, results| {
        let env = read_env(&stack.env_file());
        let token = env.get("API_TOKEN").cloned().unwrap_or_default();
        let password = env.get("DB_PASSWORD").cloned().unwrap_or_default();
        let out = stack.dir.join("out-quadlet");
        let mut holders = Vec::new();
        for entry in fs::read_dir(&out).into_iter().flatten().flatten() {
            let text = fs::read_to_string(entry.path()).unwrap_or_default();
            if text.contains(&token) || text.contains(&password) {
                holders.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        ctx.check(
            "no Quadlet file holds a secret's value",
            holders.is_empty() && token.len() == 24 && password.len() == 32,
            format!("{holders:?}"),
        );
        let app = "e2e-shell-secrets-app";
        let mut seen = podman(ctx, &["exec", app, "cat", "/scratch/seen"]);
        for _ in 0..20 {
            if seen.ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
            seen = podman(ctx, &["exec", app, "cat", "/scratch/seen"]);
        }
        ctx.check(
            "the shell-form command expanded $STACKC_SECRET_API_TOKEN to the .env value",
            seen.ok() && seen.trimmed() == format!("token={token}"),
            seen.brief(),
        );
        let config = podman(ctx, &["inspect", "--format", "{{json .Config.Cmd}}", app]);
        ctx.check(
            "the container's command holds the variable's name, not the value",
            config.ok()
                && config.stdout.contains("STACKC_SECRET_API_TOKEN")
                && !config.stdout.contains(&token),
            config.brief(),
        );
        let healthy = podman(ctx, &["healthcheck", "run", app]);
        ctx.check(
            "the exec-form health check (`/bin/sh -c 'exec grep ...'`) passes: podman \
             healthcheck run exits 0",
            healthy.ok(),
            healthy.brief(),
        );
        let overwrite = podman(
            ctx,
            &["exec", app, "sh", "-c", "echo token=wrong > /scratch/seen"],
        );
        let unhealthy = podman(ctx, &["healthcheck", "run", app]);
        ctx.check(
            "with another value in the file, the same health check fails",
            overwrite.ok() && !unhealthy.ok(),
            unhealthy.brief(),
        );
        match results.get("e2e-shell-secrets-check.service") {
            Some(out) => {
                ctx.check(
                    "job `check` (entrypoint and command as one `exec` line) exits 0: its \
                     argument is the value of the env file's EXPECTED",
                    out.ok(),
                    out.brief(),
                );
            }
            None => {
                ctx.check("the check unit ran", false, "no such unit");
            }
        }
    });
}

/// `notes` (`fixtures/e2e/notes`) from its Quadlet files: `:U` gives the volume to api's user,
/// the config file and podman secret are readable by it, and client reaches api by its alias.
pub fn notes(ctx: &mut Ctx) {
    run_scenario(ctx, "notes", |ctx, _, _| {
        let api = "e2e-notes-api";
        let mut owned = podman(
            ctx,
            &[
                "exec",
                api,
                "sh",
                "-c",
                "cat /srv/data/owner && stat -c %u:%g /srv/data",
            ],
        );
        for _ in 0..20 {
            if owned.ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
            owned = podman(
                ctx,
                &[
                    "exec",
                    api,
                    "sh",
                    "-c",
                    "cat /srv/data/owner && stat -c %u:%g /srv/data",
                ],
            );
        }
        ctx.check_eq(
            "api (user 10001) wrote the named volume, whose root `:U` gave it",
            owned.trimmed(),
            "10001\n10001:10001".to_string(),
        );
        let client = "e2e-notes-client";
        let mut got = podman(ctx, &["exec", client, "cat", "/tmp/got"]);
        for _ in 0..40 {
            if got.ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
            got = podman(ctx, &["exec", client, "cat", "/tmp/got"]);
        }
        let page = podman(ctx, &["exec", api, "cat", "/srv/data/www/greeting"]);
        let logs = podman(ctx, &["logs", "--tail", "3", client]);
        ctx.check(
            "client fetched api's page by its network alias and named port: dev's greeting, \
             the config file, the secret as a file and as a variable, the workdir",
            got.trimmed() == super::stacks::NOTES_PAGE,
            format!(
                "found {:?}; api's page {:?}; client: {}",
                got.trimmed(),
                page.trimmed(),
                logs.brief()
            ),
        );
    });
}

fn run_scenario(
    ctx: &mut Ctx,
    fixture: &str,
    assert: impl FnOnce(&mut Ctx, &Stack, &BTreeMap<String, Out>),
) {
    let Some((stack, units)) = quadlet_stack(ctx, fixture) else {
        remove_all(ctx);
        return;
    };
    let results = start_units(ctx, &units);
    assert(ctx, &stack, &results);
    remove_all(ctx);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemd_words() {
        assert_eq!(
            split_command(
                r#"/usr/bin/podman run --health-cmd "[\"true\"]" img sh -c "echo a > /b""#
            ),
            vec![
                "/usr/bin/podman",
                "run",
                "--health-cmd",
                "[\"true\"]",
                "img",
                "sh",
                "-c",
                "echo a > /b"
            ]
        );
        assert_eq!(split_command("a  'b c' \"\""), vec!["a", "b c", ""]);
        assert_eq!(
            split_command(r#"sh -c "exec a \"$$X\" $$$$" 'b$$'"#),
            vec!["sh", "-c", r#"exec a "$X" $$"#, "b$"]
        );
    }

    #[test]
    fn dryrun_units_in_dependency_order() {
        let text = "---b.service---\nRequires=a.service\nExecStart=/usr/bin/podman run x\n\
                    ---a.service---\nType=oneshot\nExecStart=/usr/bin/podman volume create v\n";
        let units = parse_dryrun(text);
        let order: Vec<&str> = start_order(&units)
            .iter()
            .map(|u| u.name.as_str())
            .collect();
        assert_eq!(order, vec!["a.service", "b.service"]);
        assert!(units[1].oneshot && !units[0].oneshot);
    }

    #[test]
    fn specifiers_are_replaced() {
        let root = Path::new("/r");
        assert_eq!(
            specifiers("--cidfile=%t/%N.cid", "x-app.service", root),
            "--cidfile=/r/run/x-app.cid"
        );
        assert_eq!(
            specifiers("%E/stackc/a.env", "u.service", root),
            "/r/etc/stackc/a.env"
        );
    }
}
