//! The real-world compose corpus (`fixtures/compose/realworld/`, sources and licences in its
//! LICENSES.md): every compose file of public projects listed in `corpus.tsv` goes through
//! - `stackc lint`: no false error (no crash, no error of the frontend or the validator,
//!   codes below STK100, on a file compose reads);
//! - `stackc import`;
//! - a `--fidelity` compose build that `docker compose config` reads exactly as the original;
//! - a plain `--env prod` build to every target, checked by the real consumers
//!   (`cargo xtask validate`: docker compose, kubernetes-validate, systemd-analyze, hadolint),
//!   or, for content that cannot be deployed as written, the located error of [`UNDEPLOYABLE`].
//!
//! It prints the totals per stage and asserts the thresholds of issue 13. The figures are
//! recorded in docs/compose-frontend.md.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;

/// Files whose content cannot be deployed as written, and the error the prod build must stop
/// at: (folder, code). The error names the choice the user must make.
const UNDEPLOYABLE: &[(&str, &str)] = &[
    ("affine", "STK032"), // ~/.affine/self-host/ of the host (home directory paths)
    ("appwrite", "STK032"), // the Docker socket, /tmp of the host
    ("authentik", "STK032"), // the Docker socket
    ("awesome-minecraft", "STK032"), // ~/minecraft_data (a home directory path)
    ("awesome-pihole-cloudflared", "STK032"), // /etc/pihole/ and /etc/dnsmasq.d/ of the host
    ("awesome-portainer", "STK032"), // the Docker socket
    ("awesome-traefik-golang", "STK032"), // the Docker socket
    ("dagster", "STK032"), // the Docker socket, /tmp/io_manager_storage of the host
    ("docker-mailserver", "STK032"), // /etc/localtime of the host
    ("documenso", "STK032"), // /opt/documenso/cert.p12 of the host
    ("dockprom", "STK032"), // /proc, /sys, / and the Docker socket of the host
    ("fastapi-template", "STK032"), // the Docker socket (Traefik)
    ("flowise", "STK032"), // ~/.flowise (a home directory path)
    ("flowise-queue", "STK032"), // ~/.flowise (a home directory path)
    ("immich", "STK032"), // /etc/localtime of the host
    ("kestra", "STK032"), // the Docker socket, /tmp/kestra-wd of the host
    ("localstack", "STK032"), // the Docker socket; `./volume` from a variable
    ("nextcloud-aio", "STK032"), // the Docker socket
    ("nextcloud-fpm-proxy", "STK032"), // the Docker socket (nginx-proxy, acme-companion)
    ("nginx-proxy", "STK032"), // the Docker socket
    ("uptrace", "STK032"), // / of the host (node_exporter)
    ("vaultwarden-playwright", "STK058"), // every service under a test profile: none in prod
    ("woodpecker", "STK032"), // the Docker socket, /var/lib/woodpecker
    ("zabbix", "STK032"), // /etc/localtime and /etc/timezone of the host
];

/// Round trips that do not keep the file's meaning yet, and why: every other file must
/// round-trip, and each of these must still differ (remove it when it is fixed).
const FIDELITY_GAPS: &[(&str, &str)] = &[
    (
        "ghost",
        "compose lists the optional dependencies (`required: false`) on services of profiles it does not run, which the default environment's build leaves out with those services (compose refuses a dependency on a service its file does not define, even an optional one)",
    ),
    (
        "nextcloud-fpm-proxy",
        "the volume `vhost.d` is named `vhost-d` in the spec (a spec name has no `.`), so compose's volume becomes `<project>_vhost-d`: the spec keeps no record of the compose name to write back",
    ),
    (
        "wazuh-single-node",
        "the services `wazuh.manager`, `wazuh.indexer` and `wazuh.dashboard` are named `wazuh-manager`, ... in the spec (a spec name has no `.`): the fidelity build writes the spec names, with the compose names as network aliases (so the services still resolve by them)",
    ),
    (
        "zabbix",
        "the secrets `POSTGRES_USER` and `POSTGRES_PASSWORD` are named `postgres_user`, `postgres_password` in the spec (a spec name is lowercase): the fidelity build writes the spec names (the files mounted at /run/secrets/ keep theirs)",
    ),
];

/// Prod builds that do not succeed yet, and why (each must still fail: remove it when fixed).
const PROD_GAPS: &[(&str, &str)] = &[];

/// One corpus entry of `corpus.tsv`.
#[derive(Clone, Debug)]
struct Entry {
    folder: String,
    file: String,
    env_file: Option<String>,
}

/// What happened to one entry at each stage.
#[derive(Debug)]
struct Outcome {
    lint_codes: Vec<String>,
    /// `Some(why)` when lint crashed or reported a frontend error.
    lint_false_error: Option<String>,
    import: Result<(), String>,
    fidelity: Result<(), String>,
    /// `Ok(true)` when only lint findings stopped the build (built with them suppressed).
    prod_build: Result<bool, String>,
}

fn corpus_dir() -> PathBuf {
    root().join("fixtures/compose/realworld")
}

fn entries() -> Vec<Entry> {
    let text = std::fs::read_to_string(corpus_dir().join("corpus.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Entry {
                folder: cols[0].to_string(),
                file: cols[1].to_string(),
                env_file: cols
                    .get(2)
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            }
        })
        .collect()
}

/// Copies a directory tree (the corpus folders are small).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The compose files compose reads for an entry: an override over its base.
fn compose_files(dir: &Path, file: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some((stem, ext)) = file.rsplit_once(".override.") {
        for base_ext in [ext, "yml", "yaml"] {
            let base = dir.join(format!("{stem}.{base_ext}"));
            if base.is_file() {
                files.push(base);
                break;
            }
        }
    }
    files.push(dir.join(file));
    files
}

/// `docker compose config` of `files` with `env_file`, the paths under `project` written
/// `<project>`.
fn compose_config(files: &[PathBuf], env_file: &Path, project: &Path) -> Result<String, String> {
    let mut cmd = Command::new(compose_bin());
    // `$PWD` in a compose file is where compose runs: the project directory.
    cmd.current_dir(project).env("PWD", project);
    cmd.arg("--env-file").arg(env_file);
    for f in files {
        cmd.arg("-f").arg(f);
    }
    let out = cmd
        .arg("config")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .expect("docker compose runs");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok(text.replace(&project.display().to_string(), "<project>"))
}

/// The first differing lines of two texts, for the failure message.
fn first_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let i = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    format!(
        "line {}: original `{}`, rebuilt `{}`",
        i + 1,
        la.get(i).unwrap_or(&"<end>").trim(),
        lb.get(i).unwrap_or(&"<end>").trim()
    )
}

/// Error codes (with `line`) of a JSON diagnostics envelope, and whether any is an error of
/// the frontend or the validator (STK0xx).
fn lint_stage(dir: &Path, e: &Entry, out: &mut Outcome) {
    let r = stackc_in(dir, &["lint", &e.file, "--format", "json"]);
    if !matches!(r.status.code(), Some(0 | 1)) {
        out.lint_false_error = Some(format!(
            "exit {:?}: {}",
            r.status.code(),
            String::from_utf8_lossy(&r.stderr)
                .lines()
                .take(3)
                .collect::<Vec<_>>()
                .join(" / ")
        ));
        return;
    }
    let v: serde_json::Value = match serde_json::from_slice(&r.stdout) {
        Ok(v) => v,
        Err(err) => {
            out.lint_false_error = Some(format!("no JSON report: {err}"));
            return;
        }
    };
    let diags = v["diagnostics"].as_array().cloned().unwrap_or_default();
    let mut frontend = Vec::new();
    for d in &diags {
        let code = d["code"].as_str().unwrap_or("?").to_string();
        let line = d["location"]["line"].as_u64().unwrap_or(0);
        if d["severity"] == "error" && code.as_str() < "STK100" {
            frontend.push(format!(
                "{code} {line}: {}",
                d["message"].as_str().unwrap_or("")
            ));
        }
        out.lint_codes.push(code);
    }
    out.lint_codes.sort();
    out.lint_codes.dedup();
    if !frontend.is_empty() {
        out.lint_false_error = Some(frontend.join("; "));
    }
}

fn import_stage(dir: &Path, e: &Entry) -> Result<(), String> {
    let r = stackc_in(dir, &["import", &e.file, "-o", "stack.yaml"]);
    if r.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&r.stderr)
            .lines()
            .find(|l| l.contains("error"))
            .unwrap_or("import failed")
            .to_string())
    }
}

fn fidelity_stage(dir: &Path, e: &Entry, empty_env: &Path) -> Result<(), String> {
    let r = stackc_in(
        dir,
        &[
            "build",
            "stack.yaml",
            "--target",
            "compose",
            "--fidelity",
            "-o",
            "fidelity",
        ],
    );
    if !r.status.success() {
        return Err(format!(
            "fidelity build: {}",
            String::from_utf8_lossy(&r.stderr)
                .lines()
                .find(|l| l.contains("error"))
                .unwrap_or("failed")
        ));
    }
    // Both read the same environment: the project's env file as `stackc import -o` left it
    // (the credentials it moved out of the compose file appended), else an empty one.
    let env = e
        .env_file
        .as_ref()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .or_else(|| Some(dir.join(".env")).filter(|p| p.is_file()))
        .unwrap_or_else(|| empty_env.to_path_buf());
    let out = dir.join("fidelity");
    let original = compose_config(&compose_files(dir, &e.file), &env, dir)
        .map_err(|err| format!("compose rejects the original: {err}"))?;
    let rebuilt = compose_config(&[out.join("compose.yaml")], &env, dir)
        .map_err(|err| format!("compose rejects the fidelity build: {err}"))?;
    if original == rebuilt {
        Ok(())
    } else {
        Err(first_difference(&original, &rebuilt))
    }
}

/// One prod build of `spec` to every target: (success, its errors, its stderr's first lines).
fn prod_build(dir: &Path, spec: &str) -> (bool, Vec<String>, String) {
    let r = stackc_in(
        dir,
        &[
            "build", spec, "--env", "prod", "--target", "all", "--format", "json", "-o",
            "prod/out", "--force",
        ],
    );
    let stderr = String::from_utf8_lossy(&r.stderr)
        .lines()
        .take(3)
        .collect::<Vec<_>>()
        .join(" / ");
    (r.status.success(), build_errors(&r.stdout), stderr)
}

/// The prod build to every target into `DIR/prod/out`; the consumers check it afterwards.
/// Lint findings (codes from STK100 up) are the team's policy, not a failure to build: when
/// they are all that stops the build, it is run again with them suppressed in a copy of the
/// spec, and counted apart. `Ok(true)`: built only once lint findings were suppressed.
fn prod_stage(dir: &Path, e: &Entry) -> Result<bool, String> {
    let expected = UNDEPLOYABLE
        .iter()
        .find(|(f, _)| *f == e.folder)
        .map(|(_, c)| *c);
    let (ok, errors, stderr) = prod_build(dir, "stack.yaml");
    let mut policy_only = false;
    let (ok, errors, stderr) = if !ok
        && !errors.is_empty()
        && errors.iter().all(|d| d.as_str() >= "STK100")
    {
        policy_only = true;
        let mut codes: Vec<&str> = errors.iter().map(|d| &d[..6]).collect();
        codes.sort();
        codes.dedup();
        let mut spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
        spec.push_str("lint:\n  ignore:\n");
        for c in codes {
            spec.push_str(&format!(
                "    {c}: corpus test - whether the content builds; lint findings are counted apart\n"
            ));
        }
        std::fs::write(dir.join("stack.policy.yaml"), spec).unwrap();
        prod_build(dir, "stack.policy.yaml")
    } else {
        (ok, errors, stderr)
    };
    match (ok, expected) {
        (true, None) => {
            // A target with nothing to write (no service with a build recipe, say) leaves an
            // empty directory: nothing for a consumer to check.
            for t in ["compose", "k8s", "units", "quadlet", "dockerfile"] {
                let d = dir.join("prod/out").join(t);
                let nothing = std::fs::read_dir(&d).is_ok_and(|entries| {
                    entries
                        .flatten()
                        .all(|e| e.file_name() == ".stackc-generated")
                });
                if nothing {
                    std::fs::remove_dir_all(&d).unwrap();
                }
            }
            Ok(policy_only)
        }
        (true, Some(code)) => Err(format!("expected {code}, but the prod build succeeded")),
        (false, Some(code)) if errors.iter().any(|d| d.starts_with(code)) => Ok(false),
        (false, _) if errors.is_empty() => Err(stderr),
        (false, _) => Err(errors.join("; ")),
    }
}

fn run_entry(work: &Path, e: &Entry, empty_env: &Path) -> Outcome {
    let dir = work.join(&e.folder);
    copy_tree(&corpus_dir().join(&e.folder), &dir);
    let mut out = Outcome {
        lint_codes: Vec::new(),
        lint_false_error: None,
        import: Err("not run".into()),
        fidelity: Err("not run".into()),
        prod_build: Err("not run".into()),
    };
    lint_stage(&dir, e, &mut out);
    out.import = import_stage(&dir, e);
    if out.import.is_ok() {
        out.fidelity = fidelity_stage(&dir, e, empty_env);
        out.prod_build = prod_stage(&dir, e);
    } else {
        out.fidelity = Err("not imported".into());
        out.prod_build = Err("not imported".into());
    }
    out
}

/// `cargo xtask validate` over every prod build; the failing artefacts per corpus folder.
fn validate_prod_builds(work: &Path) -> BTreeMap<String, Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["xtask", "validate", "--allow-empty"])
        .arg(work)
        .current_dir(root())
        .output()
        .expect("cargo xtask validate runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let prefix = work.display().to_string();
    let mut failing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("FAIL ") {
            let path = rest.split_whitespace().nth(1).unwrap_or("");
            let folder = path
                .strip_prefix(&prefix)
                .unwrap_or(path)
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("")
                .to_string();
            failing
                .entry(folder.clone())
                .or_default()
                .push(rest.to_string());
            current = Some(folder);
        } else if line.starts_with("       ") {
            if let Some(f) = &current {
                failing.get_mut(f).unwrap().push(line.trim().to_string());
            }
        } else {
            current = None;
        }
    }
    assert!(
        text.contains("passed,") || text.contains("nothing checked"),
        "cargo xtask validate did not run: {}{}",
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    failing
}

fn share(n: usize, of: usize) -> f64 {
    n as f64 / of.max(1) as f64
}

#[test]
fn the_realworld_corpus() {
    let entries = entries();
    assert!(entries.len() >= 40, "{} corpus entries", entries.len());
    let work = tempfile::tempdir().unwrap();
    let work = work.path().canonicalize().unwrap();
    let empty_env = work.join("empty.env");
    std::fs::write(&empty_env, "").unwrap();

    // Two workers: the machine has two cores, and each stage runs external processes.
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<String, Outcome>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(e) = entries.get(i) else { break };
                    let o = run_entry(&work, e, &empty_env);
                    results.lock().unwrap().insert(e.folder.clone(), o);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();

    // The consumers read every prod build that succeeded; an artefact they refuse fails it.
    let failing = validate_prod_builds(&work);
    for (folder, lines) in failing {
        if let Some(o) = results.get_mut(&folder)
            && o.prod_build.is_ok()
        {
            o.prod_build = Err(format!("refused by a consumer: {}", lines.join(" / ")));
        }
    }

    // What a cluster needs beyond what the consumers check: Services select pods, probes and
    // mounts name what exists, Secrets and ConfigMaps have the keys read.
    let mut k8s_checked = 0;
    for (folder, o) in results.iter_mut() {
        let k8s = work.join(folder).join("prod/out/k8s");
        if o.prod_build.is_ok() && k8s.is_dir() {
            k8s_checked += 1;
            let found = common::k8s_refs::problems(&k8s);
            if !found.is_empty() {
                o.prod_build = Err(format!("k8s cross-references: {}", found.join(" / ")));
            }
        }
    }

    let n = results.len();
    let count = |f: &dyn Fn(&Outcome) -> bool| results.values().filter(|o| f(o)).count();
    let lint_ok = count(&|o| o.lint_false_error.is_none());
    let imported = count(&|o| o.import.is_ok());
    let fidelity = count(&|o| o.fidelity.is_ok());
    let prod = count(&|o| o.prod_build.is_ok());
    for (folder, o) in &results {
        println!("{folder}: lint codes {}", o.lint_codes.join(" "));
        let stages = [
            ("lint", o.lint_false_error.clone().map_or(Ok(()), Err)),
            ("import", o.import.clone()),
            ("fidelity", o.fidelity.clone()),
            ("prod", o.prod_build.clone().map(|_| ())),
        ];
        for (stage, r) in stages {
            if let Err(why) = r {
                println!("  {stage}: {why}");
            }
        }
    }
    let policy = count(&|o| matches!(o.prod_build, Ok(true)));
    println!(
        "realworld corpus: {n} files; lint without false error {lint_ok}/{n}, import {imported}/{n}, fidelity {fidelity}/{n}, prod build {prod}/{n} ({} of them the expected located refusal of content that cannot be deployed; {policy} built once their lint findings were suppressed)",
        UNDEPLOYABLE.len()
    );
    println!(
        "k8s cross-references resolve in the {k8s_checked} prod builds with a Kubernetes output"
    );
    let built = count(&|o| o.prod_build.is_ok()) - UNDEPLOYABLE.len();
    assert_eq!(
        k8s_checked, built,
        "every prod build has a Kubernetes output"
    );
    assert_eq!(lint_ok, n, "lint ended in a false error (see above)");
    assert_eq!(imported, n, "an import failed (see above)");
    let fails = |gaps: &[(&str, &str)], stage: &dyn Fn(&Outcome) -> bool| -> Vec<String> {
        results
            .iter()
            .filter(|(f, o)| stage(o) == gaps.iter().any(|(g, _)| g == f))
            .map(|(f, _)| f.clone())
            .collect()
    };
    let fidelity_wrong = fails(FIDELITY_GAPS, &|o| o.fidelity.is_ok());
    assert!(
        fidelity_wrong.is_empty(),
        "fidelity differs from FIDELITY_GAPS for {fidelity_wrong:?} (a new failure, or a gap fixed: update the table)"
    );
    let prod_wrong = fails(PROD_GAPS, &|o| o.prod_build.is_ok());
    assert!(
        prod_wrong.is_empty(),
        "the prod build differs from PROD_GAPS for {prod_wrong:?} (a new failure, or a gap fixed: update the table)"
    );
    // Issue 13 asks for at least 95% of the files to round-trip.
    assert!(share(fidelity, n) >= 0.95, "fidelity {fidelity}/{n}");
}
