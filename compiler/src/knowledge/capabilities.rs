//! Linux capabilities: how they are written, which ones amount to root, and which ones the
//! Kubernetes Pod Security `baseline` profile lets a container add.

/// Capabilities that amount to (most of) root.
pub const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "DAC_READ_SEARCH",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "BPF",
    "PERFMON",
    "SYSLOG",
    "SYS_RESOURCE",
    "LINUX_IMMUTABLE",
    "SETFCAP_ALL",
];

/// The additions the Kubernetes Pod Security `baseline` profile allows (also Docker's default
/// set, less `NET_RAW`).
pub const POD_SECURITY_BASELINE: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// A capability's name without the `CAP_` prefix and surrounding blanks, as written otherwise
/// (compare with `eq_ignore_ascii_case`, or upper-case it first).
pub fn capability_name(written: &str) -> &str {
    let w = written.trim();
    if w.len() > 4 && w[..4].eq_ignore_ascii_case("CAP_") {
        &w[4..]
    } else {
        w
    }
}

/// Whether a capability (written with or without `CAP_`, any case) is within the baseline.
pub fn is_baseline(written: &str) -> bool {
    let name = capability_name(written);
    POD_SECURITY_BASELINE
        .iter()
        .any(|b| b.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_before_comparing() {
        assert_eq!(capability_name(" CAP_NET_ADMIN "), "NET_ADMIN");
        assert_eq!(capability_name("cap_chown"), "chown");
        assert_eq!(capability_name("CAP_"), "CAP_");
        assert!(is_baseline("cap_chown"));
        assert!(is_baseline("NET_BIND_SERVICE"));
        assert!(!is_baseline("SYS_NICE"));
        assert!(!is_baseline("NET_RAW"));
    }
}
