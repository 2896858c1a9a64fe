//! What every scenario uses: the private daemon, the clients pointed at it, the stack of a
//! scenario copied, compiled by `stackc` and started by `docker compose`, and the tally of
//! assertions.

use std::fmt::Display;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::daemon::{self, Daemon};
use super::image;
use super::proc::{self, Out};
use super::scenarios::Scenario;

/// Passed and failed assertions of the whole run.
#[derive(Default)]
pub struct Report {
    pub passed: usize,
    pub failed: usize,
}

/// A scenario's stack: its copy in the work folder and its compiled compose output.
pub struct Stack {
    /// The copy of `fixtures/e2e/<name>/` (the spec, `.env` after `stackc secrets init`).
    pub dir: PathBuf,
    /// The compose output folder (`stackc build -o`).
    pub out: PathBuf,
}

impl Stack {
    pub fn compose_file(&self) -> PathBuf {
        self.out.join("compose.yaml")
    }

    pub fn env_file(&self) -> PathBuf {
        self.dir.join(".env")
    }
}

pub struct Ctx {
    daemon: Daemon,
    stackc: PathBuf,
    work: PathBuf,
    scratch: PathBuf,
    report: Report,
    /// Stacks started in the current scenario (compose file, env file), taken down when it ends.
    started: Vec<(PathBuf, PathBuf)>,
    scenario: &'static str,
    scenario_failed: usize,
    scenario_passed: usize,
    /// Clean-up commands of the current scenario (`["docker", "rm", "-f", NAME]`, `["podman",
    /// ...]`), run when it ends.
    pub cleanups: Vec<Vec<String>>,
    /// `CONTAINERS_CONF` and `CONTAINERS_STORAGE_CONF` for podman, once set up.
    podman_conf: Option<(PathBuf, PathBuf)>,
}

impl Ctx {
    /// Start the daemon and import the test image.
    pub fn start(stackc: PathBuf, keep: bool) -> Result<Ctx, String> {
        let daemon = Daemon::start(keep)?;
        let work = daemon.dir.join("work");
        let scratch = daemon.dir.join("scratch");
        for d in [&work, &scratch, &daemon.dir.join("docker-config")] {
            fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        let ctx = Ctx {
            daemon,
            stackc,
            work,
            scratch,
            report: Report::default(),
            started: Vec::new(),
            scenario: "",
            scenario_failed: 0,
            scenario_passed: 0,
            cleanups: Vec::new(),
            podman_conf: None,
        };
        let version = ctx.docker(&["version", "--format", "{{.Server.Version}}"]);
        println!(
            "e2e: Docker Engine {} on {}",
            version.trimmed(),
            ctx.daemon.host()
        );
        fs::write(ctx.daemon.dir.join("docker-config/config.json"), "{}\n")
            .map_err(|e| e.to_string())?;
        ctx.import_image(1)?;
        Ok(ctx)
    }

    /// Import the test image (again, with a new `revision`: a changed base image).
    pub fn import_image(&self, revision: u32) -> Result<(), String> {
        let root = self.daemon.dir.join("rootfs");
        image::write_rootfs(&root, revision)?;
        let tar = self.daemon.dir.join("rootfs.tar");
        let out = proc::run(
            Command::new("tar")
                .arg("-C")
                .arg(&root)
                .arg("-cf")
                .arg(&tar)
                .arg("."),
            Duration::from_secs(60),
            &self.scratch,
        );
        if !out.ok() {
            return Err(format!("tar of the test root filesystem: {}", out.brief()));
        }
        let tar = tar.display().to_string();
        let out = self.docker(&["import", &tar, image::IMAGE]);
        if !out.ok() {
            return Err(format!("docker import {}: {}", image::IMAGE, out.brief()));
        }
        println!(
            "e2e: imported {} (static busybox, revision {revision})",
            image::IMAGE
        );
        // The compose volume-init service runs the image stackc pins for it; offline, it is
        // the same busybox under that name (nothing is pulled).
        let out = self.docker(&["tag", image::IMAGE, image::VOLUME_INIT_IMAGE]);
        if !out.ok() {
            return Err(format!(
                "docker tag {}: {}",
                image::VOLUME_INIT_IMAGE,
                out.brief()
            ));
        }
        Ok(())
    }

    /// Run one scenario: its assertions are printed as they are made; a panic counts as one
    /// failed assertion; its stacks are taken down afterwards.
    pub fn scenario(&mut self, s: &Scenario) {
        println!("scenario {}: {}", s.name, s.proves);
        self.scenario = s.name;
        self.scenario_failed = 0;
        self.scenario_passed = 0;
        let run = s.run;
        let result = panic::catch_unwind(AssertUnwindSafe(|| run(self)));
        if let Err(e) = result {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            self.check("the scenario runs to its end", false, message);
        }
        self.teardown();
        let verdict = if self.scenario_failed == 0 {
            "ok"
        } else {
            "FAIL"
        };
        println!(
            "scenario {}: {verdict} ({} passed, {} failed)",
            s.name, self.scenario_passed, self.scenario_failed
        );
        if self.scenario_failed == 0 && super::known_failing(s.name).is_some() {
            println!(
                "scenario {}: passes now: remove it from KNOWN_FAILING in xtask/src/e2e.rs",
                s.name
            );
        }
    }

    fn teardown(&mut self) {
        for (compose_file, env_file) in std::mem::take(&mut self.started) {
            let file = compose_file.display().to_string();
            let out = self.compose_raw(
                &compose_file,
                &env_file,
                &["down", "--volumes", "--timeout", "1"],
            );
            if !out.ok() {
                println!("  (teardown of {file} failed: {})", out.brief());
            }
        }
        for cmd in std::mem::take(&mut self.cleanups).into_iter().rev() {
            let Some((program, args)) = cmd.split_first() else {
                continue;
            };
            let program = if program == "docker" {
                daemon::DOCKER
            } else {
                program
            };
            let _ = self.run(Command::new(program).args(args), Duration::from_secs(60));
        }
    }

    pub fn finish(self) -> Report {
        let Ctx { report, .. } = self;
        report
    }

    /// Record an assertion; `detail` is printed when it fails. Returns `ok`.
    pub fn check(&mut self, what: &str, ok: bool, detail: impl Display) -> bool {
        if ok {
            self.report.passed += 1;
            self.scenario_passed += 1;
            println!("  ok   {}: {what}", self.scenario);
        } else {
            self.report.failed += 1;
            self.scenario_failed += 1;
            println!("  FAIL {}: {what}\n         {detail}", self.scenario);
        }
        ok
    }

    /// Record that `out` succeeded.
    pub fn check_ok(&mut self, what: &str, out: &Out) -> bool {
        self.check(what, out.ok(), out.brief())
    }

    /// Record `actual == expected`.
    pub fn check_eq<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: &str,
        actual: T,
        expected: T,
    ) -> bool {
        let ok = actual == expected;
        self.check(what, ok, format!("expected {expected:?}, found {actual:?}"))
    }

    pub fn scratch(&self) -> &Path {
        &self.scratch
    }

    pub fn work(&self) -> &Path {
        &self.work
    }

    /// A `docker` (Engine 20.10 client) command pointed at the private daemon.
    pub fn docker_cmd(&self) -> Command {
        let mut cmd = Command::new(daemon::DOCKER);
        self.client_env(&mut cmd);
        cmd
    }

    fn client_env(&self, cmd: &mut Command) {
        cmd.env("DOCKER_HOST", self.daemon.host())
            .env("DOCKER_CONFIG", self.daemon.dir.join("docker-config"))
            .env("DOCKER_BUILDKIT", "1");
        if let Some((conf, storage)) = &self.podman_conf {
            cmd.env("CONTAINERS_CONF", conf)
                .env("CONTAINERS_STORAGE_CONF", storage);
        }
    }

    /// Point every later `podman` at the private configuration and storage.
    pub fn set_podman_conf(&mut self, conf: PathBuf, storage: PathBuf) {
        self.podman_conf = Some((conf, storage));
    }

    /// Run `docker ARGS` (2 minutes at most).
    pub fn docker(&self, args: &[&str]) -> Out {
        proc::run(
            self.docker_cmd().args(args),
            Duration::from_secs(120),
            &self.scratch,
        )
    }

    /// Run any command with the clients' environment, for `limit` at most.
    pub fn run(&self, cmd: &mut Command, limit: Duration) -> Out {
        self.client_env(cmd);
        proc::run(cmd, limit, &self.scratch)
    }

    /// `docker inspect` of one object, as JSON.
    pub fn inspect(&self, id: &str) -> Option<Value> {
        let out = self.docker(&["inspect", id]);
        let v: Value = serde_json::from_str(&out.stdout).ok()?;
        v.get(0).cloned()
    }

    /// Copy `fixtures/e2e/<name>/` into the work folder (so that `.env` and outputs never land
    /// in the repository).
    pub fn copy_fixture(&self, name: &str) -> Result<PathBuf, String> {
        let src = crate::tools::workspace_root()
            .join("fixtures")
            .join("e2e")
            .join(name);
        let dest = self.work.join(name);
        let _ = fs::remove_dir_all(&dest);
        copy_dir(&src, &dest)?;
        Ok(dest)
    }

    /// Run `stackc ARGS` in `dir`.
    pub fn stackc(&self, dir: &Path, args: &[&str]) -> Out {
        proc::run(
            Command::new(&self.stackc)
                .args(args)
                .arg("--color")
                .arg("never")
                .current_dir(dir),
            Duration::from_secs(60),
            &self.scratch,
        )
    }

    /// Copy the fixture, write its secrets (`stackc secrets init`) and compile it to compose
    /// (`stackc build --env ENV -o out`). Records one assertion per step.
    pub fn compile(&mut self, name: &str, env: &str) -> Option<Stack> {
        let dir = match self.copy_fixture(name) {
            Ok(d) => d,
            Err(e) => {
                self.check("the fixture is copied", false, e);
                return None;
            }
        };
        let init = self.stackc(&dir, &["secrets", "init", "--env", env]);
        if !self.check(
            "stackc secrets init writes .env",
            init.ok(),
            diagnostic(&init),
        ) {
            return None;
        }
        let build = self.stackc(&dir, &["build", "--env", env, "-o", "out"]);
        if !self.check(
            &format!("stackc build --env {env} writes the compose output"),
            build.ok(),
            diagnostic(&build),
        ) {
            return None;
        }
        Some(Stack {
            out: dir.join("out"),
            dir,
        })
    }

    /// `docker compose` on a stack's compose file with its `.env`.
    pub fn compose(&self, stack: &Stack, args: &[&str]) -> Out {
        self.compose_raw(&stack.compose_file(), &stack.env_file(), args)
    }

    /// `docker compose -f FILE [--env-file ENV] ARGS` (the env file only when it exists: a
    /// stack without secrets has none).
    fn compose_raw(&self, file: &Path, env_file: &Path, args: &[&str]) -> Out {
        let mut cmd = Command::new(crate::tools::compose_bin());
        cmd.arg("-f").arg(file);
        if env_file.is_file() {
            cmd.arg("--env-file").arg(env_file);
        }
        cmd.args(args);
        self.run(&mut cmd, Duration::from_secs(240))
    }

    /// `docker compose up --detach --wait`, recorded as an assertion; the stack is taken down
    /// when the scenario ends.
    pub fn up(&mut self, stack: &Stack) -> bool {
        self.started.push((stack.compose_file(), stack.env_file()));
        let out = self.compose(stack, &["up", "--detach", "--wait", "--no-build"]);
        self.daemon.note_bridges();
        let detail = if out.ok() {
            String::new()
        } else {
            // What the services said: the reason a health check or a job failed.
            let logs = self.compose(stack, &["logs", "--no-color", "--tail", "3"]);
            format!(
                "{}\n         logs: {}",
                out.brief(),
                logs.stdout.trim().replace('\n', " | ")
            )
        };
        self.check(
            "docker compose up --wait starts the stack (health checks pass)",
            out.ok(),
            detail,
        )
    }

    /// `compile` then `up`.
    pub fn compile_and_up(&mut self, name: &str, env: &str) -> Option<Stack> {
        let stack = self.compile(name, env)?;
        self.up(&stack).then_some(stack)
    }

    /// Container ids of a service (running or not), sorted.
    pub fn containers(&self, stack: &Stack, service: &str) -> Vec<String> {
        let out = self.compose(stack, &["ps", "--all", "--quiet", service]);
        let mut ids: Vec<String> = out.stdout.split_whitespace().map(str::to_string).collect();
        ids.sort();
        ids
    }

    /// `docker inspect` of a service's first container.
    pub fn inspect_service(&mut self, stack: &Stack, service: &str) -> Option<Value> {
        let id = self.containers(stack, service).into_iter().next();
        let found = id.as_deref().and_then(|id| self.inspect(id));
        if found.is_none() {
            self.check(
                &format!("service `{service}` has a container"),
                false,
                "docker compose ps lists none",
            );
        }
        found
    }

    /// `docker compose exec -T SERVICE sh -c SCRIPT`.
    pub fn exec(&self, stack: &Stack, service: &str, script: &str) -> Out {
        self.compose(stack, &["exec", "-T", service, "sh", "-c", script])
    }
}

/// A failed stackc run's diagnostics, on one line: the first error line, else the tail.
pub fn diagnostic(out: &Out) -> String {
    let text = format!("{}\n{}", out.stdout, out.stderr);
    text.lines()
        .find(|l| l.contains(": error "))
        .map(|l| l.trim().to_string())
        .unwrap_or_else(|| out.brief())
}

fn copy_dir(src: &Path, dest: &Path) -> Result<(), String> {
    fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let entries = fs::read_dir(src).map_err(|e| format!("{}: {e}", src.display()))?;
    for entry in entries.flatten() {
        let from = entry.path();
        let to = dest.join(entry.file_name());
        if from.is_dir() {
            copy_dir(&from, &to)?;
        } else {
            fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
        }
    }
    Ok(())
}

/// A string field of a JSON value by path (`["State", "Status"]`), or "".
pub fn text<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for key in path {
        match cur.get(key) {
            Some(next) => cur = next,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

/// A number field of a JSON value by path, or `None`.
pub fn number(v: &Value, path: &[&str]) -> Option<i64> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    cur.as_i64()
}
