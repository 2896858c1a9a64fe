//! The offline test image: a root filesystem holding Debian's static `/bin/busybox` and links
//! to its applets, imported with `docker import` (no registry is reachable).

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

/// The image every scenario uses; the tag is the busybox version (a full version, so the spec
/// lint's floating-tag rule has nothing to say).
pub const IMAGE: &str = "stackc-e2e/busybox:1.35.0";
/// The image of compose's `stackc-volume-init` service (backends/src/compose/volume_owner.rs),
/// tagged from [`IMAGE`] so that no scenario pulls it.
pub const VOLUME_INIT_IMAGE: &str = "busybox:1.37.0";

/// The applets linked into `/bin`.
const APPLETS: &[&str] = &[
    "sh", "cat", "chmod", "chown", "cut", "date", "df", "echo", "env", "false", "grep", "head",
    "httpd", "id", "kill", "ls", "mkdir", "mount", "mv", "nc", "nslookup", "printf", "ps", "rm",
    "sed", "sleep", "stat", "tail", "test", "timeout", "touch", "tr", "true", "wc", "wget",
];

/// An offline stand-in for `apt-get`, for the `plain` preset's package step: it records each
/// run in apt's cache folder (a BuildKit cache mount in that step) and copies the count into the
/// image, so a second build shows whether the cache survived.
const APT_GET: &str = "#!/bin/sh\n\
# stackc e2e: offline stand-in for apt-get (no package index is reachable)\n\
set -e\n\
mkdir -p /var/cache/apt /var/lib/apt\n\
echo \"apt-get $*\" >> /var/cache/apt/e2e-runs\n\
wc -l < /var/cache/apt/e2e-runs > /etc/e2e-apt-runs\n";

/// Lay out the root filesystem under `root`; `revision` is written to `/etc/e2e-base-revision`
/// (a new revision is a new base image, as after an upstream update).
pub fn write_rootfs(root: &Path, revision: u32) -> Result<(), String> {
    let io = |e: std::io::Error| format!("{}: {e}", root.display());
    if root.join("bin/busybox").exists() {
        return fs::write(root.join("etc/e2e-base-revision"), format!("{revision}\n")).map_err(io);
    }
    for dir in [
        "bin",
        "etc",
        "tmp",
        "usr/bin",
        "var/cache",
        "var/lib",
        "run",
        "root",
    ] {
        fs::create_dir_all(root.join(dir)).map_err(io)?;
    }
    fs::set_permissions(root.join("tmp"), fs::Permissions::from_mode(0o1777)).map_err(io)?;
    fs::copy("/bin/busybox", root.join("bin/busybox"))
        .map_err(|e| format!("/bin/busybox (busybox-static): {e}"))?;
    for applet in APPLETS {
        symlink("busybox", root.join("bin").join(applet)).map_err(io)?;
    }
    fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    )
    .map_err(io)?;
    fs::write(root.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n").map_err(io)?;
    fs::write(root.join("etc/e2e-base-revision"), format!("{revision}\n")).map_err(io)?;
    let apt = root.join("usr/bin/apt-get");
    fs::write(&apt, APT_GET).map_err(io)?;
    fs::set_permissions(&apt, fs::Permissions::from_mode(0o755)).map_err(io)?;
    Ok(())
}
