//! What each build preset brings: pinned default images, the dependency manifests it installs
//! before the sources, the package manager's cache directories and its commands.
//!
//! Invariants:
//! - every default image carries a full version tag (no `latest`, no major-only tag), so a
//!   recipe that names no image still builds the same toolchain tomorrow;
//! - the commands here are fixed text: no user string is ever spliced into them (package names
//!   are validated separately, see [`super::recipe`]);
//! - a manifest listed here is bind-mounted into the dependency step, so it must exist in the
//!   build context (the docs say which file each preset needs).

use stackc_compiler::ir::Preset;

/// The Dockerfile frontend every generated file asks for (BuildKit syntax 1.x: `RUN --mount`,
/// secret mounts exposed as environment variables).
pub const SYNTAX: &str = "docker/dockerfile:1";

/// UID and GID of the user stackc creates when the recipe names none (or names one by name).
pub const DEFAULT_UID: u32 = 10001;
/// Name of the user stackc creates when the recipe names none.
pub const DEFAULT_USER: &str = "app";
/// Working directory of the image when the recipe names none.
pub const DEFAULT_WORKDIR: &str = "/app";

/// Python images: the build and the final stage share it, so the virtual environment's
/// interpreter path exists at run time.
pub const PYTHON_IMAGE: &str = "python:3.13.7-slim-bookworm";
/// The image uv's binaries are copied from (distroless, binaries at `/uv` and `/uvx`).
pub const UV_IMAGE: &str = "ghcr.io/astral-sh/uv:0.8.17";
/// Node images, build and final stage alike.
pub const NODE_IMAGE: &str = "node:22.19.0-bookworm-slim";
/// The Rust toolchain image of the build stage.
pub const RUST_IMAGE: &str = "rust:1.89.0-slim-bookworm";
/// The Go toolchain image of the build stage.
pub const GO_IMAGE: &str = "golang:1.25.1-bookworm";
/// The final stage of compiled presets (rust-cargo, go): a small Debian with a shell, so the
/// non-root user can be created and a health command can run.
pub const DEBIAN_IMAGE: &str = "debian:12.11-slim";

/// The `PATH` of the official Debian-based images, written out because an `ENV` value stackc
/// writes is literal (`$PATH` would not expand).
pub const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The CA bundle copied from the toolchain image into the final stage of compiled presets
/// (Debian's slim image does not ship `ca-certificates`).
pub const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A preset's fixed facts.
#[derive(Debug)]
pub struct PresetInfo {
    pub preset: Preset,
    /// Image of the build stage; `None`: the final stage's base (Python, Node).
    pub builder: Option<&'static str>,
    /// Image of the final stage; `None`: the recipe must name one (`plain`).
    pub base: Option<&'static str>,
    /// Dependency manifests, bind-mounted into the dependency step (relative to the context).
    pub manifests: &'static [&'static str],
    /// Sources copied when the recipe names none.
    pub default_sources: &'static [&'static str],
}

/// The facts of `preset`.
pub fn info(preset: Preset) -> PresetInfo {
    let (builder, base, manifests, default_sources): (
        Option<&'static str>,
        Option<&'static str>,
        &'static [&'static str],
        &'static [&'static str],
    ) = match preset {
        Preset::PythonUv => (
            None,
            Some(PYTHON_IMAGE),
            &["pyproject.toml", "uv.lock"],
            &["."],
        ),
        Preset::PythonPip => (None, Some(PYTHON_IMAGE), &["requirements.txt"], &["."]),
        Preset::NodeNpm => (
            None,
            Some(NODE_IMAGE),
            &["package.json", "package-lock.json"],
            &["."],
        ),
        Preset::NodePnpm => (
            None,
            Some(NODE_IMAGE),
            &["package.json", "pnpm-lock.yaml"],
            &["."],
        ),
        // Cargo cannot read a package manifest without its targets, so the sources come first
        // and the registry and target cache mounts keep dependency builds across source changes.
        Preset::RustCargo => (Some(RUST_IMAGE), Some(DEBIAN_IMAGE), &[], &["."]),
        Preset::Go => (
            Some(GO_IMAGE),
            Some(DEBIAN_IMAGE),
            &["go.mod", "go.sum"],
            &["."],
        ),
        Preset::Plain => (None, None, &[], &[]),
    };
    PresetInfo {
        preset,
        builder,
        base,
        manifests,
        default_sources,
    }
}

/// How system packages are installed in an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageManager {
    /// Debian and Ubuntu: `apt-get`, with the apt caches on cache mounts.
    Apt,
    /// Alpine: `apk add --no-cache`.
    Apk,
    /// No shell or package manager (`scratch`, distroless): nothing can be installed and no user
    /// created; the image runs as a numeric UID.
    None,
}

/// The package manager of an image, from its reference: `alpine` anywhere in the repository or
/// tag means apk; `scratch` or `distroless` means none; anything else is taken for Debian.
pub fn package_manager(image: &str) -> PackageManager {
    let lower = image.to_ascii_lowercase();
    if lower == "scratch" || lower.contains("distroless") {
        PackageManager::None
    } else if lower.contains("alpine") {
        PackageManager::Apk
    } else {
        PackageManager::Apt
    }
}

/// Cache directories of apt, mounted with `sharing=locked` (apt takes a lock on them).
pub const APT_CACHES: &[&str] = &["/var/cache/apt", "/var/lib/apt"];

/// The shell command installing `packages` (already validated) with `pm`.
pub fn install_command(pm: PackageManager, packages: &[String]) -> Option<String> {
    let list = packages.join(" ");
    match pm {
        PackageManager::Apt => Some(format!(
            "apt-get update && apt-get install --yes --no-install-recommends {list}"
        )),
        PackageManager::Apk => Some(format!("apk add --no-cache {list}")),
        PackageManager::None => None,
    }
}

/// The shell command creating user `name` with UID and GID [`DEFAULT_UID`], without a home
/// directory or login shell.
pub fn create_user_command(pm: PackageManager, name: &str) -> Option<String> {
    let id = DEFAULT_UID;
    match pm {
        PackageManager::Apt => Some(format!(
            "groupadd --system --gid {id} {name} && useradd --system --uid {id} --gid {id} --no-log-init --no-create-home --shell /usr/sbin/nologin {name}"
        )),
        PackageManager::Apk => Some(format!(
            "addgroup -S -g {id} {name} && adduser -S -D -H -u {id} -G {name} -s /sbin/nologin {name}"
        )),
        PackageManager::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_images_carry_full_version_tags() {
        for image in [
            PYTHON_IMAGE,
            UV_IMAGE,
            NODE_IMAGE,
            RUST_IMAGE,
            GO_IMAGE,
            DEBIAN_IMAGE,
        ] {
            let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
            let version = tag.split('-').next().unwrap_or("");
            assert!(
                version.split('.').count() >= 2
                    && version.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "{image}"
            );
        }
    }

    #[test]
    fn package_managers_by_image() {
        assert_eq!(
            package_manager("python:3.13.7-alpine3.22"),
            PackageManager::Apk
        );
        assert_eq!(package_manager("alpine:3.22.1"), PackageManager::Apk);
        assert_eq!(package_manager(DEBIAN_IMAGE), PackageManager::Apt);
        assert_eq!(package_manager("scratch"), PackageManager::None);
        assert_eq!(
            package_manager("gcr.io/distroless/static-debian12:nonroot"),
            PackageManager::None
        );
    }

    #[test]
    fn every_preset_but_plain_has_images() {
        for p in <Preset as stackc_compiler::syntax::keywords::Keyword>::ALL {
            let i = info(*p);
            assert_eq!(i.base.is_none(), *p == Preset::Plain, "{p:?}");
        }
    }
}
