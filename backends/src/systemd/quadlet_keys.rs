//! The Podman Quadlet keys stackc may emit, with the Podman version that introduced
//! each one (podman-systemd.unit(5); Quadlet itself arrived in Podman 4.4).
//!
//! # Invariants
//!
//! * [`QUADLET_KEYS`] lists only Quadlet's own sections (`[Container]`, `[Volume]`,
//!   `[Network]`); each entry's `section` is its unit's section
//!   ([`QuadletUnit::section`]) and each `(unit, key)` pair appears once.
//! * Plain systemd sections (`[Unit]`, `[Service]`, `[Install]`) are deliberately
//!   absent: Quadlet passes them through to systemd, and `systemd-analyze verify`
//!   checks them.
//! * Every `since` is at least [`PodmanVersion::QUADLET`] (4.4). A key whose
//!   `since` is newer than the target Podman version must not be emitted; stackc
//!   falls back to `PodmanArgs=` (itself since 4.6) where podman has a flag.
//!
//! # Sources
//!
//! Versions come from the Podman release notes ("Quadlet" entries per release) and
//! the podman-systemd.unit(5) key tables, cross-checked against podlet's
//! per-version downgrade tables. Notable: `Memory=` arrived in 5.5, after
//! [`PodmanVersion::DEFAULT`], so for the default target memory limits go through
//! `PodmanArgs=--memory`. There is no CPU key in any Quadlet release so far; CPU
//! limits always go through `PodmanArgs=--cpus` (or systemd's `[Service]`
//! `CPUQuota=`).

use std::fmt;

/// The kind of Quadlet file a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuadletUnit {
    /// A `.container` file, section `[Container]`.
    Container,
    /// A `.volume` file, section `[Volume]`.
    Volume,
    /// A `.network` file, section `[Network]`.
    Network,
}

impl QuadletUnit {
    /// The Quadlet section of this file kind, e.g. `Container`.
    pub const fn section(self) -> &'static str {
        match self {
            Self::Container => "Container",
            Self::Volume => "Volume",
            Self::Network => "Network",
        }
    }

    /// The file extension of this file kind, without the dot, e.g. `container`.
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Container => "container",
            Self::Volume => "volume",
            Self::Network => "network",
        }
    }
}

/// A Podman release as `major.minor`; ordered by release.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub struct PodmanVersion {
    /// Major version, e.g. 5.
    pub major: u16,
    /// Minor version, e.g. 4.
    pub minor: u16,
}

impl PodmanVersion {
    /// The Podman version stackc targets unless told otherwise: 5.4.
    pub const DEFAULT: PodmanVersion = PodmanVersion::new(5, 4);

    /// The first Podman release with Quadlet: 4.4.
    pub const QUADLET: PodmanVersion = PodmanVersion::new(4, 4);

    /// The version `major.minor`.
    pub const fn new(major: u16, minor: u16) -> Self {
        Self { major, minor }
    }

    /// Parses `MAJOR.MINOR`, optionally with a leading `v`, a `.PATCH` and a
    /// `-suffix`/`+suffix` (e.g. `4.9`, `5.0.1`, `v5.4.0-rc1`). The patch level is
    /// ignored: Quadlet keys only change in minor releases. Returns `None` for
    /// anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.strip_prefix('v').unwrap_or(s);
        let core = s.split(['-', '+']).next().unwrap_or(s);
        if core.len() != s.len() && core.len() + 1 == s.len() {
            return None; // an empty suffix, e.g. "5.4-"
        }
        let mut parts = core.split('.');
        let major = parse_number(parts.next()?)?;
        let minor = parse_number(parts.next()?)?;
        if let Some(patch) = parts.next() {
            parse_number(patch)?;
        }
        if parts.next().is_some() {
            return None;
        }
        Some(Self::new(major, minor))
    }
}

fn parse_number(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Default for PodmanVersion {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for PodmanVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// One Quadlet key and the Podman version that introduced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuadletKey {
    /// The Quadlet file kind.
    pub unit: QuadletUnit,
    /// The section the key lives in (always `unit.section()`).
    pub section: &'static str,
    /// The key, e.g. `PublishPort`.
    pub key: &'static str,
    /// The first Podman release that accepts the key.
    pub since: PodmanVersion,
}

impl QuadletKey {
    /// Whether Podman `version` accepts this key.
    pub fn is_supported_by(&self, version: PodmanVersion) -> bool {
        self.since <= version
    }
}

const fn key(unit: QuadletUnit, key: &'static str, major: u16, minor: u16) -> QuadletKey {
    QuadletKey {
        unit,
        section: unit.section(),
        key,
        since: PodmanVersion::new(major, minor),
    }
}

const C: QuadletUnit = QuadletUnit::Container;
const V: QuadletUnit = QuadletUnit::Volume;
const N: QuadletUnit = QuadletUnit::Network;

/// The Quadlet keys stackc may emit, grouped by file kind.
pub const QUADLET_KEYS: &[QuadletKey] = &[
    // [Container] — Quadlet 4.4 baseline.
    key(C, "Image", 4, 4),
    key(C, "ContainerName", 4, 4),
    key(C, "Exec", 4, 4),
    key(C, "Environment", 4, 4),
    key(C, "EnvironmentFile", 4, 4),
    key(C, "PublishPort", 4, 4),
    key(C, "Volume", 4, 4),
    key(C, "Network", 4, 4),
    // `Notify=true`; `Notify=healthy` needs `notify_healthy_since()`.
    key(C, "Notify", 4, 4),
    key(C, "User", 4, 4),
    key(C, "Group", 4, 4),
    key(C, "ReadOnly", 4, 4),
    key(C, "NoNewPrivileges", 4, 4),
    key(C, "DropCapability", 4, 4),
    key(C, "AddCapability", 4, 4),
    key(C, "Label", 4, 4),
    // 4.5: secrets, tmpfs and health checks.
    key(C, "Secret", 4, 5),
    key(C, "Tmpfs", 4, 5),
    key(C, "HealthCmd", 4, 5),
    key(C, "HealthInterval", 4, 5),
    key(C, "HealthTimeout", 4, 5),
    key(C, "HealthRetries", 4, 5),
    key(C, "HealthStartPeriod", 4, 5),
    key(C, "HealthOnFailure", 4, 5),
    // 4.6.
    key(C, "WorkingDir", 4, 6),
    key(C, "PodmanArgs", 4, 6),
    key(C, "Pull", 4, 6),
    key(C, "AutoUpdate", 4, 6),
    // 4.8.
    key(C, "ReadOnlyTmpfs", 4, 8),
    // 5.0.
    key(C, "Entrypoint", 5, 0),
    key(C, "StopTimeout", 5, 0),
    // 5.2.
    key(C, "NetworkAlias", 5, 2),
    // 5.5: newer than `PodmanVersion::DEFAULT`; use `PodmanArgs=--memory` before.
    key(C, "Memory", 5, 5),
    // [Volume]
    key(V, "Label", 4, 4),
    key(V, "VolumeName", 4, 7),
    key(V, "Driver", 4, 8),
    // [Network] — `.network` files came with Quadlet in 4.4.
    key(N, "Driver", 4, 4),
    key(N, "Internal", 4, 4),
    key(N, "Label", 4, 4),
    key(N, "NetworkName", 4, 7),
];

/// The table entry for `key` in `section` of a `unit` file, if stackc may emit it.
/// Matching is exact (case-sensitive), as in Quadlet.
pub fn lookup(unit: QuadletUnit, section: &str, key: &str) -> Option<&'static QuadletKey> {
    QUADLET_KEYS
        .iter()
        .find(|k| k.unit == unit && k.section == section && k.key == key)
}

/// The first Podman release accepting `Notify=healthy` (5.0); `Notify=true` is 4.4.
///
/// Podman 4.7 added `--sdnotify=healthy`, so for 4.7 ≤ version < 5.0 the same effect
/// is available through `PodmanArgs=--sdnotify=healthy`.
pub const fn notify_healthy_since() -> PodmanVersion {
    PodmanVersion::new(5, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_keys_by_unit_section_and_key() {
        let image = lookup(QuadletUnit::Container, "Container", "Image").unwrap();
        assert_eq!(image.since, PodmanVersion::QUADLET);
        assert_eq!(image.unit, QuadletUnit::Container);
        assert_eq!(
            lookup(QuadletUnit::Container, "Container", "HealthCmd")
                .unwrap()
                .since,
            PodmanVersion::new(4, 5)
        );
        assert_eq!(
            lookup(QuadletUnit::Volume, "Volume", "Driver")
                .unwrap()
                .since,
            PodmanVersion::new(4, 8)
        );
        assert_eq!(
            lookup(QuadletUnit::Network, "Network", "Driver")
                .unwrap()
                .since,
            PodmanVersion::new(4, 4)
        );
        // The same key name in different units has separate entries.
        assert_eq!(
            lookup(QuadletUnit::Volume, "Volume", "Label").unwrap().unit,
            QuadletUnit::Volume
        );
        assert!(lookup(QuadletUnit::Volume, "Container", "Label").is_none());
        assert!(lookup(QuadletUnit::Container, "Volume", "Label").is_none());
        assert!(lookup(QuadletUnit::Volume, "Volume", "Image").is_none());
        assert!(lookup(QuadletUnit::Container, "Container", "image").is_none());
        assert!(lookup(QuadletUnit::Container, "Container", "Cpus").is_none());
        for plain in ["Unit", "Service", "Install"] {
            assert!(QUADLET_KEYS.iter().all(|k| k.section != plain));
        }
    }

    #[test]
    fn table_is_consistent() {
        for (i, a) in QUADLET_KEYS.iter().enumerate() {
            assert_eq!(a.section, a.unit.section(), "{a:?}");
            assert!(a.since >= PodmanVersion::QUADLET, "{a:?}");
            assert!(a.key.bytes().all(|b| b.is_ascii_alphanumeric()), "{a:?}");
            assert!(
                QUADLET_KEYS[i + 1..]
                    .iter()
                    .all(|b| (b.unit, b.key) != (a.unit, a.key)),
                "duplicate {a:?}"
            );
            assert_eq!(lookup(a.unit, a.section, a.key), Some(a));
        }
    }

    #[test]
    fn required_keys_are_covered() {
        let container = [
            "Image",
            "ContainerName",
            "Exec",
            "Entrypoint",
            "Environment",
            "EnvironmentFile",
            "Secret",
            "PublishPort",
            "Volume",
            "Tmpfs",
            "Network",
            "NetworkAlias",
            "HealthCmd",
            "HealthInterval",
            "HealthTimeout",
            "HealthRetries",
            "HealthStartPeriod",
            "HealthOnFailure",
            "Notify",
            "User",
            "Group",
            "WorkingDir",
            "ReadOnly",
            "ReadOnlyTmpfs",
            "NoNewPrivileges",
            "DropCapability",
            "AddCapability",
            "Label",
            "PodmanArgs",
            "Memory",
            "StopTimeout",
            "Pull",
            "AutoUpdate",
        ];
        for k in container {
            assert!(
                lookup(QuadletUnit::Container, "Container", k).is_some(),
                "{k}"
            );
        }
        for k in ["VolumeName", "Label", "Driver"] {
            assert!(lookup(QuadletUnit::Volume, "Volume", k).is_some(), "{k}");
        }
        for k in ["NetworkName", "Internal", "Label", "Driver"] {
            assert!(lookup(QuadletUnit::Network, "Network", k).is_some(), "{k}");
        }
        assert_eq!(QUADLET_KEYS.len(), container.len() + 3 + 4);
    }

    #[test]
    fn versions_are_ordered() {
        let v = PodmanVersion::new;
        assert!(v(4, 4) < v(4, 5));
        assert!(v(4, 9) < v(4, 10));
        assert!(v(4, 10) < v(5, 0));
        assert!(v(5, 0) < v(5, 4));
        assert!(PodmanVersion::QUADLET < PodmanVersion::DEFAULT);
        assert!(PodmanVersion::new(4, 7) < notify_healthy_since());
        assert!(notify_healthy_since() <= PodmanVersion::DEFAULT);
        let mut sorted = vec![v(5, 5), v(4, 4), v(5, 0), v(4, 10), v(4, 9)];
        sorted.sort();
        assert_eq!(sorted, [v(4, 4), v(4, 9), v(4, 10), v(5, 0), v(5, 5)]);
    }

    #[test]
    fn support_at_default_and_oldest_versions() {
        let unsupported: Vec<&str> = QUADLET_KEYS
            .iter()
            .filter(|k| !k.is_supported_by(PodmanVersion::DEFAULT))
            .map(|k| k.key)
            .collect();
        assert_eq!(unsupported, ["Memory"]);
        let at_4_4 = QUADLET_KEYS
            .iter()
            .filter(|k| k.is_supported_by(PodmanVersion::QUADLET))
            .count();
        assert_eq!(at_4_4, 16 + 1 + 3);
        let entrypoint = lookup(QuadletUnit::Container, "Container", "Entrypoint").unwrap();
        assert!(!entrypoint.is_supported_by(PodmanVersion::new(4, 9)));
        assert!(entrypoint.is_supported_by(PodmanVersion::new(5, 0)));
    }

    #[test]
    fn parse_versions() {
        let v = PodmanVersion::new;
        assert_eq!(PodmanVersion::parse("4.9"), Some(v(4, 9)));
        assert_eq!(PodmanVersion::parse("5.0.1"), Some(v(5, 0)));
        assert_eq!(PodmanVersion::parse("4.10"), Some(v(4, 10)));
        assert_eq!(PodmanVersion::parse("v5.4.0"), Some(v(5, 4)));
        assert_eq!(PodmanVersion::parse("5.4.0-rc1"), Some(v(5, 4)));
        assert_eq!(PodmanVersion::parse("5.4-dev"), Some(v(5, 4)));
        for bad in [
            "x", "", "5", "5.", ".4", "5.x", "5.4.x", "5.4.0.1", "5.4.", "-5.4", "5.-4", "5.4-",
            " 5.4", "5.4 ", "70000.1", "v", "5..4", "+5.4",
        ] {
            assert_eq!(PodmanVersion::parse(bad), None, "{bad:?}");
        }
        assert_eq!(PodmanVersion::DEFAULT, v(5, 4));
        assert_eq!(PodmanVersion::default(), PodmanVersion::DEFAULT);
        assert_eq!(PodmanVersion::DEFAULT.to_string(), "5.4");
        assert_eq!(PodmanVersion::parse(&v(4, 10).to_string()), Some(v(4, 10)));
    }

    #[test]
    fn unit_names() {
        assert_eq!(QuadletUnit::Container.extension(), "container");
        assert_eq!(QuadletUnit::Network.section(), "Network");
        assert_eq!(QuadletUnit::Volume.extension(), "volume");
    }
}
