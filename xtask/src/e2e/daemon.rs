//! A private Docker Engine: `dockerd` on a socket in a temporary folder, in its own process
//! group, stopped and cleaned up by [`Daemon`]'s `Drop` whatever happens.
//!
//! The folder holds the socket, the data root, the exec root, the pid file and the daemon's log.
//! Stopping: SIGTERM to the daemon's process group (dockerd stops its containers and its
//! containerd), then SIGKILL to the group and to every process whose command line names the
//! folder (containerd shims started by this daemon), then every mount under the folder is
//! unmounted and the folder removed. A folder left by an earlier run that was itself killed
//! (its owner process gone) is cleaned the same way before a new daemon starts.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::proc;

/// Folders are `/tmp/stackc-e2e-<pid>`: short, because containerd's socket paths under the
/// exec root must fit in a Unix socket address (108 bytes).
const PREFIX: &str = "stackc-e2e-";

/// Debian's Engine 20.10 and its own client (the client on `PATH` may be another version, without
/// the built-in BuildKit builder the scenarios use).
pub const DOCKERD: &str = "/usr/sbin/dockerd";
pub const DOCKER: &str = "/usr/bin/docker";

pub struct Daemon {
    pub dir: PathBuf,
    pub socket: PathBuf,
    pid: Option<i64>,
    keep: bool,
    /// Bridges that existed before the daemon started: the others are its own.
    bridges_before: Vec<String>,
}

impl Daemon {
    /// Start `dockerd` and wait until it answers.
    pub fn start(keep: bool) -> Result<Daemon, String> {
        sweep_stale();
        let dir = std::env::temp_dir().join(format!("{PREFIX}{}", std::process::id()));
        if dir.exists() {
            cleanup_dir(&dir, false);
        }
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        fs::write(dir.join("owner.pid"), std::process::id().to_string())
            .map_err(|e| e.to_string())?;
        let socket = dir.join("docker.sock");
        let mut daemon = Daemon {
            dir: dir.clone(),
            socket: socket.clone(),
            pid: None,
            keep,
            bridges_before: bridges(),
        };
        let log = fs::File::create(dir.join("dockerd.log")).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(DOCKERD)
            .arg("--host")
            .arg(format!("unix://{}", socket.display()))
            .arg("--data-root")
            .arg(dir.join("data"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(dir.join("docker.pid"))
            // containerd, runc, docker-proxy and iptables are looked up on PATH: make sure the
            // system folders are on it whatever the caller's PATH is.
            .env("PATH", system_path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2))
            // Its own process group: stopping it reaches its containerd too.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start dockerd: {e}"))?;
        daemon.pid = Some(i64::from(child.id()));
        // Reap it in the background so that it never lingers as a zombie.
        thread::spawn(move || {
            let mut child = child;
            let _ = child.wait();
        });
        daemon.wait_ready()?;
        daemon.note_bridges();
        Ok(daemon)
    }

    /// Bridges created since the daemon started (`docker0`, compose networks).
    fn own_bridges(&self) -> Vec<String> {
        bridges()
            .into_iter()
            .filter(|b| !self.bridges_before.contains(b))
            .collect()
    }

    /// Record the daemon's bridges in its folder, so that a later run can remove them if this
    /// one is killed before its guard runs. Called after each `docker compose up`.
    pub fn note_bridges(&self) {
        let mut noted: BTreeSet<String> = read_noted(&self.dir).into_iter().collect();
        noted.extend(self.own_bridges());
        let text: String = noted.iter().map(|b| format!("{b}\n")).collect();
        let _ = fs::write(self.dir.join(BRIDGES_FILE), text);
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(pid) = self.pid
                && !proc::alive(pid)
            {
                return Err(format!("dockerd exited at start:\n{}", self.log_tail(20)));
            }
            let ok = Command::new(DOCKER)
                .arg("version")
                .env("DOCKER_HOST", self.host())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(250));
        }
        Err(format!(
            "dockerd did not answer within 60 s:\n{}",
            self.log_tail(20)
        ))
    }

    /// The last `n` lines of the daemon's log.
    pub fn log_tail(&self, n: usize) -> String {
        let text = fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(pid) = self.pid.take() {
            stop_group(pid);
        }
        let ours = self.own_bridges();
        cleanup_dir(&self.dir, self.keep);
        remove_bridges(&ours);
        if self.keep {
            println!("e2e: kept {}", self.dir.display());
        }
    }
}

/// The caller's `PATH` with the system folders appended.
fn system_path() -> String {
    let mut path = std::env::var("PATH").unwrap_or_default();
    for dir in [
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ] {
        if !path.split(':').any(|p| p == dir) {
            if !path.is_empty() {
                path.push(':');
            }
            path.push_str(dir);
        }
    }
    path
}

/// SIGTERM to the process group led by `pid`, then SIGKILL if it is still there after 30 s.
fn stop_group(pid: i64) {
    proc::signal(-pid, "TERM");
    let deadline = Instant::now() + Duration::from_secs(30);
    while proc::alive(pid) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(100));
    }
    proc::signal(-pid, "KILL");
}

/// Kill what still names `dir`, unmount everything under it, and remove it unless `keep`.
fn cleanup_dir(dir: &Path, keep: bool) {
    let needle = dir.display().to_string();
    for _ in 0..3 {
        let pids = proc::pids_mentioning(&needle);
        if pids.is_empty() {
            break;
        }
        for pid in pids {
            proc::signal(pid, "KILL");
        }
        thread::sleep(Duration::from_millis(300));
    }
    for mount in mounts_under(dir) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(&mount)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    if !keep {
        let _ = fs::remove_dir_all(dir);
    }
}

/// Mount points at or below `dir`, deepest first.
fn mounts_under(dir: &Path) -> Vec<String> {
    let prefix = dir.display().to_string();
    let text = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut mounts: Vec<String> = text
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|m| *m == prefix || m.starts_with(&format!("{prefix}/")))
        .map(str::to_string)
        .collect();
    mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
    mounts.dedup();
    mounts
}

/// Clean folders of earlier runs whose owner process is gone (a run killed before its guard
/// could stop its daemon).
fn sweep_stale() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(PREFIX) {
            continue;
        }
        let dir = entry.path();
        let owner = fs::read_to_string(dir.join("owner.pid"))
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok());
        if owner.is_some_and(proc::alive) {
            continue; // another run in progress
        }
        println!("e2e: cleaning {} left by an earlier run", dir.display());
        if let Some(pid) = fs::read_to_string(dir.join("docker.pid"))
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            && proc::alive(pid)
            && proc::pids_mentioning(&dir.display().to_string()).contains(&pid)
        {
            stop_group(pid);
        }
        let noted = read_noted(&dir);
        cleanup_dir(&dir, false);
        let existing = bridges();
        let left: Vec<String> = noted.into_iter().filter(|b| existing.contains(b)).collect();
        remove_bridges(&left);
    }
}

/// The file in a run's folder that lists the bridges its daemon created.
const BRIDGES_FILE: &str = "bridges.txt";

fn read_noted(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join(BRIDGES_FILE))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Names of the host's bridge interfaces.
fn bridges() -> Vec<String> {
    let out = Command::new("ip")
        .args(["-o", "link", "show", "type", "bridge"])
        .stderr(Stdio::null())
        .output();
    let text = out
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    // `7: docker0: <...> ...`
    text.lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .collect()
}

/// Delete the bridges the daemon created and left (`docker0`; a network whose removal failed)
/// and the iptables rules that name them, which dockerd leaves behind when it stops.
fn remove_bridges(names: &[String]) {
    for name in names {
        for table in ["filter", "nat"] {
            let rules = Command::new("iptables")
                .args(["-t", table, "-S"])
                .stderr(Stdio::null())
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            for rule in rules.lines().filter(|r| {
                r.starts_with("-A ") && r.split_whitespace().any(|w| w == name.as_str())
            }) {
                let mut words: Vec<String> = rule.split_whitespace().map(str::to_string).collect();
                words[0] = "-D".to_string();
                // Quoted comments are not in docker's rules for bridges; plain words suffice.
                let _ = Command::new("iptables")
                    .args(["-t", table])
                    .args(&words)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
        let _ = Command::new("ip")
            .args(["link", "delete", name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
