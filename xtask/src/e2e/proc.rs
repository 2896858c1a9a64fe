//! Running a command with a deadline, its output captured (through files, so a chatty command
//! cannot fill a pipe and hang).

use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// What a finished (or timed-out) command did.
#[derive(Debug)]
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

impl Out {
    pub fn ok(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    pub fn trimmed(&self) -> String {
        self.stdout.trim().to_string()
    }

    /// A one-line account for a failed assertion: the exit status and the last output lines.
    pub fn brief(&self) -> String {
        let status = if self.timed_out {
            "timed out".to_string()
        } else {
            match self.code {
                Some(c) => format!("exit {c}"),
                None => "killed by a signal".to_string(),
            }
        };
        let text = format!("{}\n{}", self.stdout, self.stderr);
        let tail: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let start = tail.len().saturating_sub(4);
        format!("{status}: {}", tail[start..].join(" | "))
    }
}

/// Run `cmd` (stdin closed) for at most `limit`; a command still running then is killed.
pub fn run(cmd: &mut Command, limit: Duration, scratch: &Path) -> Out {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let out_path = scratch.join(format!("cmd-{n}.out"));
    let err_path = scratch.join(format!("cmd-{n}.err"));
    let files = File::create(&out_path).and_then(|o| File::create(&err_path).map(|e| (o, e)));
    let (o, e) = match files {
        Ok(pair) => pair,
        Err(err) => return failed(format!("cannot create output files: {err}")),
    };
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(o))
        .stderr(Stdio::from(e))
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(err) => return failed(format!("cannot start {:?}: {err}", cmd.get_program())),
    };
    let deadline = Instant::now() + limit;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    let read = |p: &Path| {
        let text = fs::read(p)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let _ = fs::remove_file(p);
        text
    };
    Out {
        code: status.and_then(|s| s.code()),
        stdout: read(&out_path),
        stderr: read(&err_path),
        timed_out,
    }
}

fn failed(message: String) -> Out {
    Out {
        code: None,
        stdout: String::new(),
        stderr: message,
        timed_out: false,
    }
}

/// Send `signal` to process `pid` (or, negative, to a process group) with the `kill` program.
pub fn signal(pid: i64, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether process `pid` still exists (and is not a zombie).
pub fn alive(pid: i64) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // `pid (comm) S ...`: the state follows the last `)`.
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z')
        }
        Err(_) => false,
    }
}

/// Processes whose command line mentions `needle` (our temporary folder): the daemon's
/// containerd and shims, identified by the paths only this run uses.
pub fn pids_mentioning(needle: &str) -> Vec<i64> {
    let me = i64::from(std::process::id());
    let mut pids = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return pids;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i64>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(needle) {
            pids.push(pid);
        }
    }
    pids
}
