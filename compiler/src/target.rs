//! The output targets. One enum names a target everywhere: the CLI's `--target`, loss reports,
//! output folders, fuzzing and benchmarks.

use std::fmt;

/// One concrete output target (a backend and its flavour).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A docker-compose file and `.env.example` (plus the recipe Dockerfiles next to it).
    Compose,
    /// Dockerfiles and `.dockerignore` files for services with a build recipe.
    Dockerfile,
    /// Kubernetes manifests with a kustomization.
    K8s,
    /// Podman Quadlet files.
    Quadlet,
    /// Plain systemd `.service` units running podman or docker.
    Units,
}

impl Target {
    /// Every target, in output order.
    pub const ALL: [Target; 5] = [
        Target::Compose,
        Target::Dockerfile,
        Target::K8s,
        Target::Quadlet,
        Target::Units,
    ];

    /// The name used on the command line and in reports: `compose`, `dockerfile`, `k8s`,
    /// `quadlet`, `units`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Compose => "compose",
            Target::Dockerfile => "dockerfile",
            Target::K8s => "k8s",
            Target::Quadlet => "quadlet",
            Target::Units => "units",
        }
    }

    /// The folder a target writes into when several are built at once (`DIR/<folder>/`).
    pub fn folder(self) -> &'static str {
        self.name()
    }

    /// The target called `name`, if any.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether this is one of the systemd flavours.
    pub fn is_systemd(self) -> bool {
        matches!(self, Target::Quadlet | Target::Units)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn names_round_trip_and_folders_are_distinct() {
        let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(names, ["compose", "dockerfile", "k8s", "quadlet", "units"]);
        for t in Target::ALL {
            assert_eq!(Target::from_name(t.name()), Some(t));
        }
        assert_eq!(Target::from_name("systemd"), None);
    }
}
