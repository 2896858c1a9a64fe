//! `cargo xtask validate`: run the real consumers over every golden output.
//!
//! Golden outputs are found by walking `fixtures/` and `examples/` (or the given paths):
//! - a directory named `compose`, `k8s`, `units`, `quadlet` or `dockerfile` whose parent or
//!   grandparent directory is named `out`;
//! - every `*.sarif` file.
//!
//! | artefact | checker | failure |
//! |---|---|---|
//! | `compose/compose.yaml` | `docker compose -f compose.yaml --env-file <env> config -q`, `<env>` setting each `NAME=` of `.env.example` and nothing else: its value when it has one, else a stand-in valid where the file uses it (a port `18080`, a duration `10s`, a host path `./validate-stand-in`, a name `validate-stand-in`, ..., the table in `validate/compose_env.rs`), else `validate-placeholder` | non-zero exit, or a "variable is not set" warning (a variable the file reads that `.env.example` leaves out) |
//! | `k8s/*.yaml` (not `kustomization.yaml`, not `patches/`) | `kubernetes-validate --strict -k 1.29.0`, then `-k 1.33.0` | an `ERROR` line, non-zero exit, or a `WARN` that no schema exists for the kind (a misspelt or removed `kind`/`apiVersion`) |
//! | `k8s/kustomization.yaml` | `kubectl kustomize` of a copy with `secrets.env` holding a placeholder for each key of `secrets.example.env` | non-zero exit, fewer objects than the resources hold (plus the generated Secret), or no Secret when the kustomization generates one |
//! | `dockerfile/**/Dockerfile` | `hadolint --failure-threshold error` | non-zero exit (warnings and infos are printed, not failed) |
//! | `units/*.service` (and sibling units) | `systemd-analyze verify --man=no` on all sibling units at once | non-zero exit, or a line with `Unknown key`, `Unknown section`, `Invalid` or `Failed` |
//! | `quadlet/**/*.container` etc. | INI syntax, then `QUADLET_UNIT_DIRS=<dir> quadlet -dryrun` with Podman 5.4's generator (from Debian trixie's `podman`, see `tools::install_quadlet`) | a line that is neither `[Section]`, `Key=value`, comment nor blank; any warning or error line of the generator (attributed to the file it names, else to every file of the folder) |
//! | `*.sarif` | `sarif-multitool validate` | non-zero exit, or any line with `: error ` (it exits 0 on errors) |

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::tools;

mod compose_env;

const GOLDEN_DIRS: &[&str] = &["compose", "k8s", "units", "quadlet", "dockerfile"];
const DEFAULT_ROOTS: &[&str] = &["fixtures", "examples"];
const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules"];
const COMPOSE_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];
/// Unit types passed together to `systemd-analyze verify`, so that `Requires=`/`After=` between
/// siblings resolve.
const UNIT_SUFFIXES: &[&str] = &[
    "service",
    "socket",
    "timer",
    "target",
    "path",
    "mount",
    "automount",
    "swap",
    "slice",
];
/// Quadlet unit types and the section each one must have.
const QUADLET_SUFFIXES: &[(&str, &str)] = &[
    ("container", "Container"),
    ("volume", "Volume"),
    ("network", "Network"),
    ("kube", "Kube"),
    ("pod", "Pod"),
    ("image", "Image"),
    ("build", "Build"),
];
const SYSTEMD_FAILURE_WORDS: &[&str] = &["Unknown key", "Unknown section", "Invalid", "Failed"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Compose,
    K8s,
    Dockerfile,
    Units,
    Quadlet,
    Sarif,
}

impl Kind {
    fn from_dir_name(name: &str) -> Option<Kind> {
        match name {
            "compose" => Some(Kind::Compose),
            "k8s" => Some(Kind::K8s),
            "dockerfile" => Some(Kind::Dockerfile),
            "units" => Some(Kind::Units),
            "quadlet" => Some(Kind::Quadlet),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Compose => "compose",
            Kind::K8s => "k8s",
            Kind::Dockerfile => "dockerfile",
            Kind::Units => "units",
            Kind::Quadlet => "quadlet",
            Kind::Sarif => "sarif",
        }
    }
}

/// One thing to check: a golden directory, or a `.sarif` file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    kind: Kind,
    path: PathBuf,
}

/// The verdict on one artefact (one file).
struct Outcome {
    kind: Kind,
    path: PathBuf,
    ok: bool,
    /// Printed under the result line: why it failed, or warnings that do not fail.
    lines: Vec<String>,
}

impl Outcome {
    fn new(kind: Kind, path: &Path, ok: bool, lines: Vec<String>) -> Outcome {
        Outcome {
            kind,
            path: path.to_path_buf(),
            ok,
            lines,
        }
    }
}

struct Options {
    allow_empty: bool,
    paths: Vec<PathBuf>,
}

fn usage() -> &'static str {
    "usage: cargo xtask validate [--allow-empty] [PATH...]\n\
     \n\
     Runs the real consumers over every golden output under fixtures/ and examples/\n\
     (or under PATH...). Exits 1 if any check fails, or if nothing was found to check\n\
     (unless --allow-empty).\n"
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        allow_empty: false,
        paths: Vec::new(),
    };
    for arg in args {
        match arg.as_str() {
            "--allow-empty" => opts.allow_empty = true,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path => opts.paths.push(PathBuf::from(path)),
        }
    }
    Ok(opts)
}

pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{}", usage());
        return ExitCode::SUCCESS;
    }
    let opts = match parse_args(args) {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("validate: {e}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let root = tools::workspace_root();
    let roots: Vec<PathBuf> = if opts.paths.is_empty() {
        DEFAULT_ROOTS.iter().map(|r| root.join(r)).collect()
    } else {
        opts.paths.clone()
    };

    let mut targets = BTreeSet::new();
    for r in &roots {
        if !r.exists() {
            if opts.paths.is_empty() {
                continue; // a default root that does not exist yet
            }
            eprintln!("validate: {} does not exist", r.display());
            return ExitCode::from(2);
        }
        let r = fs::canonicalize(r).unwrap_or_else(|_| r.clone());
        if let Err(e) = discover(&r, &mut targets) {
            eprintln!("validate: {e}");
            return ExitCode::from(2);
        }
    }

    let shown_roots: Vec<String> = roots.iter().map(|r| display(r)).collect();
    if targets.is_empty() {
        println!(
            "validate: no golden outputs (out/{{{}}}/ directories or *.sarif files) under {}",
            GOLDEN_DIRS.join(","),
            shown_roots.join(", ")
        );
        if opts.allow_empty {
            println!("validate: nothing checked (--allow-empty)");
            return ExitCode::SUCCESS;
        }
        println!("validate: a validation that checks nothing must not pass; use --allow-empty");
        return ExitCode::FAILURE;
    }

    if let Err(e) = tools::install_all() {
        eprintln!("validate: installing the validators failed: {e}");
        return ExitCode::FAILURE;
    }
    let tmp = tools::cache_dir().join("tmp");
    if let Err(e) = fs::create_dir_all(&tmp) {
        eprintln!("validate: cannot create {}: {e}", tmp.display());
        return ExitCode::FAILURE;
    }

    let mut outcomes = Vec::new();
    for target in &targets {
        let results = match target.kind {
            Kind::Compose => check_compose(&target.path, &tmp),
            Kind::K8s => {
                let mut r = check_k8s(&target.path);
                r.push(check_kustomize(&target.path, &tmp));
                r
            }
            Kind::Dockerfile => check_dockerfiles(&target.path),
            Kind::Units => check_units(&target.path),
            Kind::Quadlet => check_quadlet(&target.path),
            Kind::Sarif => vec![check_sarif(&target.path, &tmp)],
        };
        for outcome in results {
            report(&outcome);
            outcomes.push(outcome);
        }
    }

    let passed = outcomes.iter().filter(|o| o.ok).count();
    let failed = outcomes.len() - passed;
    let mut per_kind: BTreeMap<Kind, usize> = BTreeMap::new();
    for o in &outcomes {
        *per_kind.entry(o.kind).or_default() += 1;
    }
    let counts: Vec<String> = per_kind
        .iter()
        .map(|(k, n)| format!("{} {n}", k.label()))
        .collect();
    println!("validate: checked {}", counts.join(", "));
    println!("validate: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A path as shown to people: relative to the workspace root when under it.
fn display(path: &Path) -> String {
    let root = tools::workspace_root();
    let root = fs::canonicalize(&root).unwrap_or(root);
    match path.strip_prefix(&root) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

fn report(outcome: &Outcome) {
    let status = if outcome.ok { "ok" } else { "FAIL" };
    println!(
        "{status:<4} {:<8} {}",
        outcome.kind.label(),
        display(&outcome.path)
    );
    for line in &outcome.lines {
        println!("       {line}");
    }
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn is_golden_dir(dir: &Path) -> Option<Kind> {
    let kind = Kind::from_dir_name(file_name(dir))?;
    let parent = dir.parent()?;
    let grandparent = parent.parent();
    let named_out = |p: &Path| file_name(p) == "out";
    (named_out(parent) || grandparent.is_some_and(named_out)).then_some(kind)
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension().is_some_and(|e| e == ext)
}

/// Collect golden directories and `.sarif` files at or below `path`.
fn discover(path: &Path, targets: &mut BTreeSet<Target>) -> Result<(), String> {
    let meta = fs::symlink_metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_file() {
        if has_extension(path, "sarif") {
            targets.insert(Target {
                kind: Kind::Sarif,
                path: path.to_path_buf(),
            });
            return Ok(());
        }
        return Err(format!(
            "{} is neither a directory nor a .sarif file",
            path.display()
        ));
    }
    if !meta.is_dir() {
        return Ok(());
    }
    if let Some(kind) = is_golden_dir(path) {
        targets.insert(Target {
            kind,
            path: path.to_path_buf(),
        });
    }
    for entry in sorted_entries(path)? {
        let ty = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", entry.path().display()))?;
        let child = entry.path();
        if ty.is_dir() {
            if !SKIP_DIRS.contains(&file_name(&child)) {
                discover(&child, targets)?;
            }
        } else if ty.is_file() && has_extension(&child, "sarif") {
            targets.insert(Target {
                kind: Kind::Sarif,
                path: child,
            });
        }
    }
    Ok(())
}

fn sorted_entries(dir: &Path) -> Result<Vec<fs::DirEntry>, String> {
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

/// Regular files directly in `dir` (or, with `recursive`, anywhere below it) matching `keep`.
fn files_in(dir: &Path, recursive: bool, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = sorted_entries(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.path();
        let Ok(ty) = entry.file_type() else { continue };
        if ty.is_dir() && recursive && !SKIP_DIRS.contains(&file_name(&path)) {
            found.extend(files_in(&path, true, keep));
        } else if ty.is_file() && keep(&path) {
            found.push(path);
        }
    }
    found
}

/// What a finished checker run printed.
struct Run {
    success: bool,
    status: String,
    stdout: String,
    stderr: String,
}

impl Run {
    /// stdout then stderr, non-empty lines, each once, in order.
    fn lines(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.stdout
            .lines()
            .chain(self.stderr.lines())
            .map(|l| l.trim_end().to_string())
            .filter(|l| !l.trim().is_empty() && seen.insert(l.clone()))
            .collect()
    }
}

fn capture(cmd: &mut Command) -> Result<Run, String> {
    let shown = format!("{:?}", cmd.get_program());
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    Ok(Run {
        success: out.status.success(),
        status: out.status.to_string(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn unique_tmp(tmp: &Path, stem: &str, ext: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    tmp.join(format!("{stem}-{}-{n}.{ext}", std::process::id()))
}

fn check_compose(dir: &Path, tmp: &Path) -> Vec<Outcome> {
    let Some(file) = COMPOSE_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
    else {
        return vec![Outcome::new(
            Kind::Compose,
            dir,
            false,
            vec!["no compose.yaml in a golden compose directory".to_string()],
        )];
    };
    let example = dir.join(".env.example");
    let mut notes = Vec::new();
    let example = fs::read_to_string(&example).unwrap_or_else(|_| {
        notes.push("(no .env.example beside it: every variable must have a default)".into());
        String::new()
    });
    let env_text = match fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))
        .and_then(|yaml| compose_env::env_file(&example, &yaml))
    {
        Ok(text) => text,
        Err(e) => return vec![Outcome::new(Kind::Compose, &file, false, vec![e])],
    };
    let env_file = unique_tmp(tmp, "compose", "env");
    if let Err(e) = fs::write(&env_file, env_text) {
        return vec![Outcome::new(
            Kind::Compose,
            &file,
            false,
            vec![format!("cannot write {}: {e}", env_file.display())],
        )];
    }
    // A clean environment: interpolation sees only the env file, never the caller's variables.
    let mut cmd = Command::new(tools::compose_bin());
    cmd.arg("-f")
        .arg(file_name(&file))
        .arg("--env-file")
        .arg(&env_file)
        .arg("--project-directory")
        .arg(dir)
        .args(["config", "-q"])
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    if let Some(home) = std::env::var_os("HOME") {
        cmd.env("HOME", home);
    }
    let run = capture(&mut cmd);
    let _ = fs::remove_file(&env_file);
    let run = match run {
        Ok(run) => run,
        Err(e) => return vec![Outcome::new(Kind::Compose, &file, false, vec![e])],
    };
    let lines = run.lines();
    let unset = lines
        .iter()
        .any(|l| l.contains("level=warning") && l.contains("variable is not set"));
    let ok = run.success && !unset;
    if !run.success {
        notes.push(format!("docker compose config exited with {}", run.status));
    }
    notes.extend(lines);
    vec![Outcome::new(Kind::Compose, &file, ok, notes)]
}

fn is_yaml(path: &Path) -> bool {
    has_extension(path, "yaml") || has_extension(path, "yml")
}

fn check_k8s(dir: &Path) -> Vec<Outcome> {
    let files = files_in(dir, false, &|p| {
        is_yaml(p)
            && !file_name(p).eq_ignore_ascii_case("kustomization.yaml")
            && !file_name(p).eq_ignore_ascii_case("kustomization.yml")
    });
    if files.is_empty() {
        return vec![Outcome::new(
            Kind::K8s,
            dir,
            false,
            vec!["no *.yaml manifests in a golden k8s directory".to_string()],
        )];
    }
    let names: Vec<&str> = files.iter().map(|f| file_name(f)).collect();
    let mut per_version: Vec<Vec<Outcome>> = tools::KUBERNETES_VERSIONS
        .iter()
        .map(|v| validate_manifests(dir, &files, &names, v))
        .collect();
    // One outcome per file: failing if any version fails, with that version's lines.
    let mut merged = per_version.remove(0);
    for other in per_version {
        for (m, o) in merged.iter_mut().zip(other) {
            if !o.ok {
                m.ok = false;
            }
            m.lines.extend(o.lines);
        }
    }
    merged
}

/// kubernetes-validate of `files` (in `dir`) for one Kubernetes version.
fn validate_manifests(
    dir: &Path,
    files: &[PathBuf],
    names: &[&str],
    version: &str,
) -> Vec<Outcome> {
    let run = capture(
        Command::new(tools::kubernetes_validate())
            .args(["--strict", "-k", version])
            .args(names)
            .current_dir(dir),
    );
    let run = match run {
        Ok(run) => run,
        Err(e) => return vec![Outcome::new(Kind::K8s, dir, false, vec![e])],
    };
    // Lines read `LEVEL FILE message`, or `Couldn't parse YAML from file FILE: ...` followed by
    // indented context lines: attribute them to their file.
    let mut per_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut unattributed = Vec::new();
    let mut current: Option<&str> = None;
    for line in run.lines() {
        if !line.starts_with(char::is_whitespace) {
            let named = line
                .split_whitespace()
                .map(|w| w.trim_end_matches(':'))
                .find_map(|w| names.iter().find(|n| **n == w).copied());
            let new_message = ["INFO", "WARN", "ERROR", "Couldn't"]
                .iter()
                .any(|p| line.starts_with(p));
            if named.is_some() || new_message {
                current = named;
            }
        }
        match current {
            Some(f) => per_file.entry(f).or_default().push(line),
            None => unattributed.push(line),
        }
    }
    let failing_line = |l: &String| {
        l.starts_with("ERROR") || l.contains("Couldn't find schema") || l.contains("Couldn't parse")
    };
    let any_attributed_failure = per_file.values().flatten().any(failing_line);
    files
        .iter()
        .zip(names)
        .map(|(file, name)| {
            let mut lines: Vec<String> = per_file
                .get(name)
                .into_iter()
                .flatten()
                .filter(|l| !l.starts_with("INFO"))
                .map(|l| format!("[{version}] {l}"))
                .collect();
            let mut ok = !lines.iter().any(failing_line);
            if !run.success && !any_attributed_failure {
                ok = false;
                lines.push(format!("kubernetes-validate exited with {}", run.status));
                lines.extend(unattributed.iter().cloned());
            } else if !unattributed.is_empty() && !ok {
                lines.extend(unattributed.iter().cloned());
            }
            Outcome::new(Kind::K8s, file, ok, lines)
        })
        .collect()
}

/// `kubectl kustomize` of a copy of `dir` in which `secrets.env` holds a placeholder value for
/// each key of `secrets.example.env` (what `stackc secrets init --k8s` writes).
fn check_kustomize(dir: &Path, tmp: &Path) -> Outcome {
    let kustomization = dir.join("kustomization.yaml");
    let fail = |why: String| Outcome::new(Kind::K8s, &kustomization, false, vec![why]);
    let copy = tmp.join(format!(
        "kustomize-{}-{}",
        std::process::id(),
        COPIES.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = fs::remove_dir_all(&copy);
    if let Err(e) = copy_tree(dir, &copy) {
        return fail(format!("cannot copy {}: {e}", dir.display()));
    }
    let example = fs::read_to_string(dir.join("secrets.example.env")).unwrap_or_default();
    let placeholders: String = example
        .lines()
        .filter(|l| !l.starts_with('#') && l.ends_with('='))
        .map(|l| format!("{l}placeholder\n"))
        .collect();
    if let Err(e) = fs::write(copy.join("secrets.env"), placeholders) {
        return fail(format!("cannot write secrets.env: {e}"));
    }
    let run = capture(Command::new(tools::kubectl()).arg("kustomize").arg(&copy));
    let _ = fs::remove_dir_all(&copy);
    let run = match run {
        Ok(r) => r,
        Err(e) => {
            return fail(format!(
                "{e} (kubectl comes with the machine; see tools.rs)"
            ));
        }
    };
    if !run.success {
        let mut lines = vec![format!("kubectl kustomize exited with {}", run.status)];
        lines.extend(run.lines());
        return Outcome::new(Kind::K8s, &kustomization, false, lines);
    }
    let text = fs::read_to_string(&kustomization).unwrap_or_default();
    let generates = text.contains("secretGenerator:");
    let listed: usize = text
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter(|f| f.ends_with(".yaml") && !f.contains('/'))
        .map(|f| {
            fs::read_to_string(dir.join(f))
                .map(|t| t.lines().filter(|l| l.starts_with("kind: ")).count())
                .unwrap_or(0)
        })
        .sum();
    let rendered = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("kind: "))
        .count();
    let secret = run.stdout.lines().any(|l| l == "kind: Secret");
    let expected = listed + usize::from(generates);
    let mut lines = vec![format!("{rendered} objects rendered")];
    let mut ok = true;
    if rendered != expected {
        ok = false;
        lines.push(format!("expected {expected} objects ({listed} listed)"));
    }
    if generates && !secret {
        ok = false;
        lines.push("the generated Secret is missing".into());
    }
    Outcome::new(Kind::K8s, &kustomization, ok, lines)
}

static COPIES: AtomicUsize = AtomicUsize::new(0);

/// Copies the files of `from` (recursively) into `to`.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn is_dockerfile(path: &Path) -> bool {
    let name = file_name(path);
    name == "Dockerfile"
        || (name.starts_with("Dockerfile.") && !name.ends_with(".dockerignore"))
        || name.ends_with(".Dockerfile")
}

fn check_dockerfiles(dir: &Path) -> Vec<Outcome> {
    let files = files_in(dir, true, &is_dockerfile);
    if files.is_empty() {
        return vec![Outcome::new(
            Kind::Dockerfile,
            dir,
            false,
            vec!["no Dockerfile in a golden dockerfile directory".to_string()],
        )];
    }
    files
        .iter()
        .map(|file| {
            // Run from the workspace root (so a root `.hadolint.yaml` would apply) with the path
            // as shown, so hadolint's `FILE:LINE` prefixes match the result lines.
            let run = capture(
                Command::new(tools::hadolint())
                    .args(["--no-color", "--failure-threshold", "error"])
                    .arg(display(file))
                    .current_dir(tools::workspace_root()),
            );
            match run {
                // Warnings and infos do not fail, but are shown.
                Ok(run) => Outcome::new(Kind::Dockerfile, file, run.success, run.lines()),
                Err(e) => Outcome::new(Kind::Dockerfile, file, false, vec![e]),
            }
        })
        .collect()
}

/// The unit file a `systemd-analyze` line is about, from its `path:line:` or `name:` prefix.
fn systemd_line_unit<'a>(line: &str, names: &[&'a str]) -> Option<&'a str> {
    let head = line.split(':').next()?;
    let base = head.rsplit('/').next()?;
    names.iter().find(|n| **n == base).copied()
}

fn check_units(dir: &Path) -> Vec<Outcome> {
    let files = files_in(dir, false, &|p| {
        UNIT_SUFFIXES.iter().any(|s| has_extension(p, s))
    });
    if files.is_empty() {
        return vec![Outcome::new(
            Kind::Units,
            dir,
            false,
            vec!["no unit files in a golden units directory".to_string()],
        )];
    }
    let names: Vec<&str> = files.iter().map(|f| file_name(f)).collect();
    // All siblings at once: verify resolves `Requires=other.service` only among the units it was
    // given (plus the machine's own), and reports a missing one as "Unit ... not found".
    let run = capture(
        Command::new(tools::systemd_analyze())
            .args(["verify", "--man=no"])
            .args(&names)
            .current_dir(dir)
            .env("SYSTEMD_LOG_COLOR", "0")
            .env("SYSTEMD_PAGER", "")
            // "Unknown key" is logged at warning level and does not change the exit code on
            // systemd 252: pin the level so a caller's SYSTEMD_LOG_LEVEL=err cannot hide it.
            .env("SYSTEMD_LOG_LEVEL", "info"),
    );
    let run = match run {
        Ok(run) => run,
        Err(e) => return vec![Outcome::new(Kind::Units, dir, false, vec![e])],
    };
    let mut per_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut unattributed = Vec::new();
    for line in run.lines() {
        match systemd_line_unit(&line, &names) {
            Some(name) => per_file.entry(name).or_default().push(line),
            None => unattributed.push(line),
        }
    }
    let failing_line = |l: &String| SYSTEMD_FAILURE_WORDS.iter().any(|w| l.contains(w));
    let any_attributed_failure = per_file.values().flatten().any(failing_line);
    let shared_failure = unattributed.iter().any(failing_line);
    files
        .iter()
        .zip(&names)
        .map(|(file, name)| {
            let mut lines = per_file.get(name).cloned().unwrap_or_default();
            let mut ok = !lines.iter().any(failing_line) && !shared_failure;
            if !run.success && !any_attributed_failure && !shared_failure {
                ok = false;
                lines.push(format!("systemd-analyze verify exited with {}", run.status));
            }
            lines.extend(unattributed.iter().cloned());
            Outcome::new(Kind::Units, file, ok, lines)
        })
        .collect()
}

/// Problems with the INI syntax of a systemd-style unit file (empty when well-formed).
fn ini_problems(text: &str, required_section: Option<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut section: Option<String> = None;
    let mut sections = BTreeSet::new();
    let mut continued = false;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        let was_continued = continued;
        continued = !line.starts_with('#') && !line.starts_with(';') && line.ends_with('\\');
        if was_continued {
            continue; // the rest of a value continued with a trailing backslash
        }
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            match rest.strip_suffix(']') {
                Some(name) if !name.is_empty() && !name.contains(['[', ']']) => {
                    section = Some(name.to_string());
                    sections.insert(name.to_string());
                }
                _ => problems.push(format!("line {n}: malformed section header `{line}`")),
            }
            continue;
        }
        match line.split_once('=') {
            Some((key, _)) => {
                let key = key.trim();
                let key_ok = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
                if !key_ok {
                    problems.push(format!("line {n}: malformed key `{key}`"));
                } else if section.is_none() {
                    problems.push(format!("line {n}: `{key}=` before any [Section]"));
                }
            }
            None => problems.push(format!(
                "line {n}: neither [Section] nor Key=value: `{line}`"
            )),
        }
    }
    if continued {
        problems.push("file ends inside a continued (\\) line".to_string());
    }
    if let Some(required) = required_section
        && !sections.contains(required)
    {
        problems.push(format!("no [{required}] section"));
    }
    problems
}

fn check_quadlet(dir: &Path) -> Vec<Outcome> {
    let files = files_in(dir, true, &|p| {
        QUADLET_SUFFIXES.iter().any(|(s, _)| has_extension(p, s))
    });
    if files.is_empty() {
        return vec![Outcome::new(
            Kind::Quadlet,
            dir,
            false,
            vec!["no Quadlet units in a golden quadlet directory".to_string()],
        )];
    }
    let dryrun = quadlet_dryrun(dir);
    files
        .iter()
        .map(|file| {
            let required = QUADLET_SUFFIXES
                .iter()
                .find(|(s, _)| has_extension(file, s))
                .map(|(_, section)| *section);
            let mut problems = match fs::read_to_string(file) {
                Ok(text) => ini_problems(&text, required),
                Err(e) => vec![e.to_string()],
            };
            match &dryrun {
                Ok(lines) => problems.extend(
                    lines
                        .iter()
                        .filter(|l| quadlet_line_file(l).is_none_or(|f| f == file_name(file)))
                        .cloned(),
                ),
                Err(e) => problems.push(e.clone()),
            }
            Outcome::new(Kind::Quadlet, file, problems.is_empty(), problems)
        })
        .collect()
}

/// `QUADLET_UNIT_DIRS=DIR quadlet -dryrun`, Podman 5.4's generator (the real consumer): its
/// warning and error lines (every line but "Loading source unit file"), or why it failed.
fn quadlet_dryrun(dir: &Path) -> Result<Vec<String>, String> {
    let run = capture(
        Command::new(tools::quadlet_bin())
            .arg("-dryrun")
            .env("QUADLET_UNIT_DIRS", dir),
    )?;
    let lines: Vec<String> = run
        .stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains("Loading source unit file"))
        .map(str::to_string)
        .collect();
    if !run.success && lines.is_empty() {
        return Err(format!("quadlet -dryrun exited with {}", run.status));
    }
    Ok(lines)
}

/// The unit file a Quadlet generator line names (`... Warning: a.container specifies ...`).
fn quadlet_line_file(line: &str) -> Option<&str> {
    line.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ':' | ','))
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .find(|w| {
            QUADLET_SUFFIXES
                .iter()
                .any(|(s, _)| w.ends_with(&format!(".{s}")))
        })
}

fn check_sarif(file: &Path, tmp: &Path) -> Outcome {
    let out = unique_tmp(tmp, "sarif-validation", "sarif");
    let run = capture(
        Command::new(tools::sarif_multitool())
            .arg("validate")
            .arg(file)
            .arg("-o")
            .arg(&out),
    );
    let _ = fs::remove_file(&out);
    let run = match run {
        Ok(run) => run,
        Err(e) => return Outcome::new(Kind::Sarif, file, false, vec![e]),
    };
    // The multitool exits 0 when the file has errors: read its lines.
    let mut lines: Vec<String> = run
        .lines()
        .into_iter()
        .filter(|l| l.contains(": error ") || l.contains(": warning "))
        .collect();
    let errors = lines.iter().any(|l| l.contains(": error "));
    if !run.success {
        lines.push(format!("sarif-multitool exited with {}", run.status));
        if !errors {
            lines.extend(run.lines());
        }
    }
    Outcome::new(Kind::Sarif, file, run.success && !errors, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_dirs_need_out_parent_or_grandparent() {
        assert_eq!(
            is_golden_dir(Path::new("fixtures/a/out/compose")),
            Some(Kind::Compose)
        );
        assert_eq!(
            is_golden_dir(Path::new("fixtures/a/out/prod/k8s")),
            Some(Kind::K8s)
        );
        assert_eq!(is_golden_dir(Path::new("fixtures/a/compose")), None);
        assert_eq!(is_golden_dir(Path::new("out/a/b/units")), None);
        assert_eq!(is_golden_dir(Path::new("out/sources")), None);
    }

    #[test]
    fn ini_syntax() {
        let good = "# c\n[Unit]\nDescription=x\n\n[Container]\nImage=nginx:1.27\nExec=sh -c \\\n  'echo hi'\n";
        assert!(ini_problems(good, Some("Container")).is_empty());
        let bad = "Image=x\n[Container\nnot a pair\n";
        let problems = ini_problems(bad, Some("Container"));
        assert_eq!(problems.len(), 4, "{problems:?}");
    }

    #[test]
    fn quadlet_lines_are_attributed_to_files() {
        let line = "quadlet-generator[27662]: Warning: basic-db.container specifies the image \
                    \"postgres:17.6-alpine\" which not a fully qualified image name.";
        assert_eq!(quadlet_line_file(line), Some("basic-db.container"));
        let line = "quadlet-generator[1]: converting \"/x/out/quadlet/a-b.network\": bad key";
        assert_eq!(quadlet_line_file(line), Some("a-b.network"));
        assert_eq!(
            quadlet_line_file("quadlet-generator[1]: Error: no files"),
            None
        );
    }

    #[test]
    fn systemd_lines_are_attributed_to_units() {
        let names = ["a.service", "b.service"];
        assert_eq!(
            systemd_line_unit("/x/y/a.service:3: Unknown key 'X'", &names),
            Some("a.service")
        );
        assert_eq!(
            systemd_line_unit("b.service: Command /nope is not executable", &names),
            Some("b.service")
        );
        assert_eq!(systemd_line_unit("Something else", &names), None);
    }
}
