//! The `STK0xx` codes: errors of the parser, resolver, validator and backends, and the lint
//! engine's own diagnostics. Unlike lint rules they cannot be suppressed; `stackc explain`
//! describes them from this table.

/// A suppression entry names no rule (a warning of the lint engine).
pub const UNKNOWN_SUPPRESSION: &str = "STK080";
/// `stackc.toml` cannot be read or names unknown rules (blocks `stackc build`).
pub const INVALID_CONFIG: &str = "STK081";

/// One `STK0xx` code.
#[derive(Debug)]
pub struct ErrorCode {
    pub code: &'static str,
    /// Which stage reports it.
    pub stage: &'static str,
    /// What it means, one line.
    pub summary: &'static str,
    /// What to do about it.
    pub fix: &'static str,
}

const fn e(
    code: &'static str,
    stage: &'static str,
    summary: &'static str,
    fix: &'static str,
) -> ErrorCode {
    ErrorCode {
        code,
        stage,
        summary,
        fix,
    }
}

/// Every `STK0xx` code in use, in code order.
pub const ERROR_CODES: &[ErrorCode] = &[
    e(
        "STK001",
        "parser",
        "the file is not valid YAML",
        "fix the YAML syntax at the reported place; indent with spaces, not tabs",
    ),
    e(
        "STK002",
        "parser",
        "a field the spec does not define (often a typo)",
        "use the suggested field name, or see `stackc schema` for the allowed fields",
    ),
    e(
        "STK003",
        "parser",
        "a key appears twice in one map, or a service twice in `depends_on`",
        "keep one of the entries",
    ),
    e(
        "STK004",
        "parser",
        "the input exceeds a safety limit (size, nesting, nodes or aliases)",
        "split the stack or remove deep nesting and repeated aliases; raise `--max-input-size` for a genuine large file",
    ),
    e(
        "STK005",
        "parser",
        "a value has the wrong type (a list where a map is expected, text where a number is)",
        "write the value in the form the schema gives",
    ),
    e(
        "STK006",
        "parser",
        "a required field is missing",
        "add the field named in the message",
    ),
    e(
        "STK007",
        "parser",
        "the file is empty or not UTF-8",
        "save the file as UTF-8 with at least `stack:` and `services:`",
    ),
    e(
        "STK010",
        "resolver",
        "a reference to a service that does not exist (in this environment)",
        "fix the name, or add the environment to the service's `only_in`",
    ),
    e(
        "STK011",
        "resolver",
        "a mount names a volume that is not declared",
        "declare it under top-level `volumes:`",
    ),
    e(
        "STK012",
        "resolver",
        "a service joins a network that is not declared",
        "declare it under top-level `networks:`",
    ),
    e(
        "STK013",
        "resolver",
        "a reference to a secret that is not declared",
        "declare it under top-level `secrets:`",
    ),
    e(
        "STK014",
        "resolver",
        "a reference to an unknown variable, or to a port a service does not have",
        "declare the variable, or name one of the service's ports",
    ),
    e(
        "STK015",
        "resolver",
        "an unknown environment (`--env`, `only_in`)",
        "use a declared environment, or declare it under `environments:`",
    ),
    e(
        "STK016",
        "resolver",
        "a `depends_on` condition the target cannot satisfy (healthy without a health check, completed on a service)",
        "add `health:` to the target, mark it `kind: job`, or change the condition",
    ),
    e(
        "STK020",
        "resolver",
        "services depend on each other in a cycle, or on themselves",
        "remove one `depends_on` entry of the cycle",
    ),
    e(
        "STK021",
        "resolver",
        "an invalid name (stack, service, secret, volume, network, variable, port)",
        "use lowercase letters, digits, `-` and `_`, starting with a letter",
    ),
    e(
        "STK022",
        "resolver",
        "two names collide once normalised (`a_b` and `a-b`), or two secrets share a variable",
        "rename one of them",
    ),
    e(
        "STK023",
        "resolver",
        "a port declared twice in a service, or one host port published by two services",
        "remove one, or give one a different `host_port`",
    ),
    e(
        "STK024",
        "resolver",
        "a port number outside 1-65535",
        "use a port between 1 and 65535",
    ),
    e(
        "STK025",
        "resolver",
        "a value outside its allowed set or format (exposure, duration, quantity, image, ...)",
        "use one of the values the help lists",
    ),
    e(
        "STK026",
        "resolver",
        "a missing or ambiguous source (a secret's source, a build's recipe, a mount's kind)",
        "set exactly one of the listed fields",
    ),
    e(
        "STK027",
        "resolver",
        "an unknown or unclosed `${...}` reference",
        "use `${secrets.NAME}`, `${vars.NAME}`, `${services.NAME.host|port}`, or `$${` for a literal `${`",
    ),
    e(
        "STK029",
        "build",
        "a build recipe's context, a `sources` path or the preset's dependency manifest (lock file) is missing",
        "create the file or directory, or fix the path (relative to the build context)",
    ),
    e(
        "STK030",
        "validator",
        "a job with replicas",
        "remove `replicas`, or make it a service",
    ),
    e(
        "STK031",
        "validator",
        "a service with neither `image` nor `build`",
        "add an image or a build recipe",
    ),
    e(
        "STK032",
        "validator",
        "a host bind mount in a prod environment",
        "move the mount into the dev overlay, or use a named volume or a `config:` file",
    ),
    e(
        "STK033",
        "validator",
        "a health check that checks nothing",
        "set `cmd`, `http` or `tcp`",
    ),
    e(
        "STK034",
        "validator",
        "an http/tcp health check on a port the service does not declare",
        "declare the port, or fix the number",
    ),
    e(
        "STK035",
        "loader",
        "a config file that is missing, unreadable, too large or not UTF-8",
        "create or fix the file (paths are relative to the spec)",
    ),
    e(
        "STK036",
        "loader",
        "an input that is not a regular file: a FIFO, a device, a directory, a socket or a `/proc` or `/sys` file",
        "point the path at a regular file inside the project",
    ),
    e(
        "STK037",
        "resolver",
        "a path that leaves the project directory (an absolute path, `..`, or a symlink leading outside); stackc never reads it",
        "keep paths inside the spec's directory (or the folder given to `stackc lint`)",
    ),
    e(
        "STK038",
        "resolver",
        "two mounts at one container path",
        "keep one mount per path",
    ),
    e(
        "STK039",
        "resolver",
        "a lint suppression without a reason",
        "say why the finding does not apply",
    ),
    e(
        "STK040",
        "compose backend",
        "compose cannot run an http/tcp-only health check",
        "add `health.cmd`",
    ),
    e(
        "STK041",
        "kubernetes backend",
        "a port that does not speak HTTP sent through the Ingress, or exposure asked for a port that is not public",
        "set `targets.k8s.services.NAME.ports.PORT.app_protocol` (`http` or `tcp`), or `expose: loadbalancer`",
    ),
    e(
        "STK042",
        "kubernetes backend",
        "a volume several workloads write whose `access_mode` cannot be shared",
        "set `access_mode: ReadWriteMany`, or give each workload its own volume",
    ),
    e(
        "STK043",
        "kubernetes backend",
        "a workload needs a Pod Security level above `targets.k8s.pod_security`",
        "remove what needs it, or raise `targets.k8s.pod_security`",
    ),
    e(
        "STK044",
        "compose backend",
        "a compose-only field (`targets.compose.services`) that stackc also writes, or that compose cannot combine with the generated service (`network_mode` with `networks` or published ports)",
        "remove the field from `targets.compose.services`, or the spec field it conflicts with",
    ),
    e(
        "STK045",
        "backends",
        "a variable with no value where the target must write one (Kubernetes, Quadlet and systemd files are not interpolated when deployed)",
        "pass `--set NAME=VALUE` to `stackc build`, or give the variable a `default`",
    ),
    e(
        "STK046",
        "kubernetes backend",
        "an environment variable uses a name prefix stackc reserves",
        "rename the variable",
    ),
    e(
        "STK047",
        "kubernetes backend",
        "an external secret name that is not a Kubernetes Secret name",
        "name an existing Secret: lowercase letters, digits, `-` and `.`",
    ),
    e(
        "STK048",
        "kubernetes backend",
        "two parts of the spec would give Kubernetes objects of one kind the same name after sanitising",
        "rename one of them so their Kubernetes names differ",
    ),
    e(
        "STK049",
        "compose backend",
        "several replicas of a service that publishes a fixed host port, which only one container can bind",
        "publish with `host_port: 0`, put a proxy in front, or run one replica",
    ),
    e(
        "STK050",
        "systemd backend",
        "the targeted Podman version cannot express the unit (too old for Quadlet or for a key), or is not a version",
        "raise `targets.systemd.podman_version`, or use `flavour: units`",
    ),
    e(
        "STK051",
        "systemd backend",
        "a value systemd or podman would misread (a line break, a control character, a `:` in a mount path, an image starting with `-`)",
        "remove the character from the value",
    ),
    e(
        "STK052",
        "systemd backend",
        "a secret in a command-line argument, which a unit file cannot carry without writing it down",
        "pass the secret in an environment variable or a file the program reads",
    ),
    e(
        "STK053",
        "systemd backend",
        "systemd cannot run an http/tcp-only health check",
        "add `health.cmd`",
    ),
    e(
        "STK054",
        "systemd backend",
        "a built service without `build.image`, so the host has no image name to run",
        "add `build.image: REGISTRY/NAME:TAG`",
    ),
    e(
        "STK055",
        "systemd backend",
        "two objects that would become the same systemd unit name",
        "rename one of them",
    ),
    e(
        "STK057",
        "resolver",
        "a restart policy taken from a variable is not one variable, or the variable's value is not a restart policy",
        "write `restart: ${vars.NAME}` and give `NAME` one of `no`, `always`, `on-failure`, `unless-stopped` (its `default`, or `--set NAME=VALUE`)",
    ),
    e(
        "STK058",
        "resolver",
        "a production environment in which no service exists: every service is `only_in` other environments (an imported compose file whose services all have a profile)",
        "add the environment to the `only_in` of the services it deploys, or build another environment",
    ),
    e(
        "STK060",
        "dockerfile backend",
        "a build recipe value the Dockerfile writer cannot write: a line break or control character, a heredoc marker or comment in a step, an invalid name, package, path or user",
        "write the value on one line; put multi-line scripts in a file of the build context and run it from a step",
    ),
    e(
        "STK080",
        "lint engine",
        "a `lint.ignore` entry names no lint rule (warning)",
        "use a rule's code or slug; `stackc rules` lists them",
    ),
    e(
        "STK081",
        "lint engine",
        "`stackc.toml` is unreadable, not valid TOML, or names an unknown rule, level or option",
        "fix the file; `stackc rules` lists codes and slugs",
    ),
    e(
        "STK090",
        "backends",
        "an internal error while writing an artefact",
        "report a bug with the spec that triggers it",
    ),
    e(
        "STK091",
        "build",
        "a target that this build of stackc does not provide",
        "build another target",
    ),
    e(
        "STK095",
        "verify",
        "a generated output says something else than the spec (`stackc verify`)",
        "rebuild the target from the spec, or change the spec if the output's change was wanted",
    ),
    e(
        "STK096",
        "verify",
        "an output `stackc verify` cannot read: missing, not UTF-8, or not valid YAML",
        "build the target into the directory again (`stackc build --target ...`)",
    ),
];

/// The compose frontend's codes (`STK070`-`STK079`), kept in its own table.
static COMPOSE_CODES: std::sync::LazyLock<Vec<ErrorCode>> = std::sync::LazyLock::new(|| {
    crate::front::compose::CODES
        .iter()
        .map(|(code, summary, fix)| e(code, "compose frontend", summary, fix))
        .collect()
});

/// Looks up an `STK0xx` code (case-insensitively), here or in the compose frontend's table.
pub fn find(code: &str) -> Option<&'static ErrorCode> {
    let c = code.trim();
    ERROR_CODES
        .iter()
        .chain(COMPOSE_CODES.iter())
        .find(|e| e.code.eq_ignore_ascii_case(c))
}

/// Every `STK0xx` code, in code order.
pub fn all() -> Vec<&'static ErrorCode> {
    let mut v: Vec<&ErrorCode> = ERROR_CODES.iter().chain(COMPOSE_CODES.iter()).collect();
    v.sort_by_key(|e| e.code);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_unique_and_in_the_error_range() {
        for w in ERROR_CODES.windows(2) {
            assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
        }
        for e in ERROR_CODES {
            assert!(
                e.code.starts_with("STK0") && e.code.len() == 6,
                "{}",
                e.code
            );
            assert!(
                !e.summary.ends_with('.') && !e.fix.ends_with('.'),
                "{}",
                e.code
            );
        }
        assert_eq!(find("stk080").map(|e| e.code), Some(UNKNOWN_SUPPRESSION));
    }
}
