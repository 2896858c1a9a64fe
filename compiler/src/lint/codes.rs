//! The `STK0xx` codes: errors of the parser, resolver, validator, frontends and backends, and
//! the lint engine's own diagnostics. Unlike lint rules they cannot be suppressed; `stackc
//! explain` describes them from this table.
//!
//! The table is the one place a code is defined: [`error_codes!`] turns it into the
//! [`ErrorCode`] enum that every diagnostic constructor takes, so an unknown or misspelt code
//! does not compile. An entry is `e(CODE, Variant, stage, summary, fix)`, one item a line.

/// Turns the table into `enum ErrorCode` with its code, stage, summary and fix, and
/// `ErrorCode::ALL` in code order. Each variant's discriminant is its number, so two entries
/// with one code do not compile either.
macro_rules! error_codes {
    ($(e($code:literal, $name:ident, $stage:literal, $summary:literal, $fix:literal $(,)?),)*) => {
        /// One `STK0xx` error code (see the table in `lint/codes.rs`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum ErrorCode {
            $(
                #[doc = $summary]
                $name = number($code),
            )*
        }

        impl ErrorCode {
            /// Every code, in code order.
            pub const ALL: &'static [ErrorCode] = &in_code_order([$(ErrorCode::$name),*]);

            /// The code as written in reports, e.g. `STK025`.
            pub const fn code(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $code,)*
                }
            }
            /// Which stage reports it.
            pub const fn stage(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $stage,)*
                }
            }
            /// What it means, one line.
            pub const fn summary(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $summary,)*
                }
            }
            /// What to do about it.
            pub const fn fix(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $fix,)*
                }
            }
        }
    };
}

/// The number of `STK0dd` (a compile-time error for anything else).
const fn number(code: &str) -> u8 {
    let b = code.as_bytes();
    assert!(
        b.len() == 6 && b[0] == b'S' && b[1] == b'T' && b[2] == b'K' && b[3] == b'0',
        "an error code is `STK0` and two digits"
    );
    assert!(
        b[4].is_ascii_digit() && b[5].is_ascii_digit(),
        "an error code ends in two digits"
    );
    (b[4] - b'0') * 10 + (b[5] - b'0')
}

/// `codes` sorted by number (the table may group entries by stage).
const fn in_code_order<const N: usize>(mut codes: [ErrorCode; N]) -> [ErrorCode; N] {
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && codes[j - 1] as u8 > codes[j] as u8 {
            let t = codes[j];
            codes[j] = codes[j - 1];
            codes[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    codes
}

error_codes! {
    e(
        "STK001",
        InvalidYaml,
        "parser",
        "the file is not valid YAML",
        "fix the YAML syntax at the reported place; indent with spaces, not tabs",
    ),
    e(
        "STK002",
        UnknownField,
        "parser",
        "a field the spec does not define (often a typo)",
        "use the suggested field name, or see `stackc schema` for the allowed fields",
    ),
    e(
        "STK003",
        DuplicateKey,
        "parser",
        "a key appears twice in one map, or a service twice in `depends_on`",
        "keep one of the entries",
    ),
    e(
        "STK004",
        InputLimitExceeded,
        "parser",
        "the input exceeds a safety limit (size, nesting, nodes or aliases)",
        "split the stack or remove deep nesting and repeated aliases; raise `--max-input-size` for a genuine large file",
    ),
    e(
        "STK005",
        WrongType,
        "parser",
        "a value has the wrong type (a list where a map is expected, text where a number is)",
        "write the value in the form the schema gives",
    ),
    e(
        "STK006",
        MissingField,
        "parser",
        "a required field is missing",
        "add the field named in the message",
    ),
    e(
        "STK007",
        EmptyOrNotUtf8,
        "parser",
        "the file is empty or not UTF-8",
        "save the file as UTF-8 with at least `stack:` and `services:`",
    ),
    e(
        "STK010",
        UnknownService,
        "resolver",
        "a reference to a service that does not exist (in this environment)",
        "fix the name, or add the environment to the service's `only_in`",
    ),
    e(
        "STK011",
        UndeclaredVolume,
        "resolver",
        "a mount names a volume that is not declared",
        "declare it under top-level `volumes:`",
    ),
    e(
        "STK012",
        UndeclaredNetwork,
        "resolver",
        "a service joins a network that is not declared",
        "declare it under top-level `networks:`",
    ),
    e(
        "STK013",
        UndeclaredSecret,
        "resolver",
        "a reference to a secret that is not declared",
        "declare it under top-level `secrets:`",
    ),
    e(
        "STK014",
        UnknownVariableOrPort,
        "resolver",
        "a reference to an unknown variable, or to a port a service does not have",
        "declare the variable, or name one of the service's ports",
    ),
    e(
        "STK015",
        UnknownEnvironment,
        "resolver",
        "an unknown environment (`--env`, `only_in`)",
        "use a declared environment, or declare it under `environments:`",
    ),
    e(
        "STK016",
        UnsatisfiableCondition,
        "resolver",
        "a `depends_on` condition the target cannot satisfy (healthy without a health check, completed on a service)",
        "add `health:` to the target, mark it `kind: job`, or change the condition",
    ),
    e(
        "STK020",
        DependencyCycle,
        "resolver",
        "services depend on each other in a cycle, or on themselves",
        "remove one `depends_on` entry of the cycle",
    ),
    e(
        "STK021",
        InvalidName,
        "resolver",
        "an invalid name (stack, service, secret, volume, network, variable, port)",
        "use lowercase letters, digits, `-` and `_`, starting with a letter",
    ),
    e(
        "STK022",
        NameCollision,
        "resolver",
        "two names collide once normalised (`a_b` and `a-b`), or two secrets share a variable",
        "rename one of them",
    ),
    e(
        "STK023",
        DuplicatePort,
        "resolver",
        "a port declared twice in a service, or one host port published by two services",
        "remove one, or give one a different `host_port`",
    ),
    e(
        "STK024",
        PortOutOfRange,
        "resolver",
        "a port number outside 1-65535",
        "use a port between 1 and 65535",
    ),
    e(
        "STK025",
        InvalidValue,
        "resolver",
        "a value outside its allowed set or format (exposure, duration, quantity, image, ...)",
        "use one of the values the help lists",
    ),
    e(
        "STK026",
        MissingOrAmbiguousSource,
        "resolver",
        "a missing or ambiguous source (a secret's source, a build's recipe, a mount's kind)",
        "set exactly one of the listed fields",
    ),
    e(
        "STK027",
        InvalidReference,
        "resolver",
        "an unknown or unclosed `${...}` reference",
        "use `${secrets.NAME}`, `${vars.NAME}`, `${services.NAME.host|port}`, or `$${` for a literal `${`",
    ),
    e(
        "STK029",
        MissingBuildInputs,
        "build",
        "a build recipe's context, a `sources` path or the preset's dependency manifest (lock file) is missing",
        "create the file or directory, or fix the path (relative to the build context)",
    ),
    e(
        "STK030",
        JobWithReplicas,
        "validator",
        "a job with replicas",
        "remove `replicas`, or make it a service",
    ),
    e(
        "STK031",
        NoImageOrBuild,
        "validator",
        "a service with neither `image` nor `build`",
        "add an image or a build recipe",
    ),
    e(
        "STK032",
        HostMountInProd,
        "validator",
        "a host bind mount in a prod environment",
        "move the mount into the dev overlay, or use a named volume or a `config:` file",
    ),
    e(
        "STK033",
        EmptyHealthCheck,
        "validator",
        "a health check that checks nothing",
        "set `cmd`, `http` or `tcp`",
    ),
    e(
        "STK034",
        HealthCheckPortUndeclared,
        "validator",
        "an http/tcp health check on a port the service does not declare",
        "declare the port, or fix the number",
    ),
    e(
        "STK035",
        ConfigFileUnreadable,
        "loader",
        "a config file that is missing, unreadable, too large or not UTF-8",
        "create or fix the file (paths are relative to the spec)",
    ),
    e(
        "STK036",
        NotARegularFile,
        "loader",
        "an input that is not a regular file: a FIFO, a device, a directory, a socket or a `/proc` or `/sys` file",
        "point the path at a regular file inside the project",
    ),
    e(
        "STK037",
        PathOutsideProject,
        "resolver",
        "a path that leaves the project directory (an absolute path, `..`, or a symlink leading outside); stackc never reads it",
        "keep paths inside the spec's directory (or the folder given to `stackc lint`)",
    ),
    e(
        "STK038",
        DuplicateMountTarget,
        "resolver",
        "two mounts at one container path",
        "keep one mount per path",
    ),
    e(
        "STK039",
        SuppressionWithoutReason,
        "resolver",
        "a lint suppression without a reason",
        "say why the finding does not apply",
    ),
    e(
        "STK040",
        ComposeProbeNeedsCmd,
        "compose backend",
        "compose cannot run an http/tcp-only health check",
        "add `health.cmd`",
    ),
    e(
        "STK041",
        K8sPortExposure,
        "kubernetes backend",
        "a port that does not speak HTTP sent through the Ingress, or exposure asked for a port that is not public",
        "set `targets.k8s.services.NAME.ports.PORT.app_protocol` (`http` or `tcp`), or `expose: loadbalancer`",
    ),
    e(
        "STK042",
        K8sVolumeNotShareable,
        "kubernetes backend",
        "a volume several workloads write whose `access_mode` cannot be shared",
        "set `access_mode: ReadWriteMany`, or give each workload its own volume",
    ),
    e(
        "STK043",
        K8sPodSecurityTooLow,
        "kubernetes backend",
        "a workload needs a Pod Security level above `targets.k8s.pod_security`",
        "remove what needs it, or raise `targets.k8s.pod_security`",
    ),
    e(
        "STK044",
        ComposeFieldConflict,
        "compose backend",
        "a compose-only field (`targets.compose.services`) that stackc also writes, or that compose cannot combine with the generated service (`network_mode` with `networks` or published ports)",
        "remove the field from `targets.compose.services`, or the spec field it conflicts with",
    ),
    e(
        "STK045",
        VariableWithoutValue,
        "backends",
        "a variable with no value where the target must write one (Kubernetes, Quadlet and systemd files are not interpolated when deployed)",
        "pass `--set NAME=VALUE` to `stackc build`, or give the variable a `default`",
    ),
    e(
        "STK046",
        K8sReservedEnvPrefix,
        "kubernetes backend",
        "an environment variable uses a name prefix stackc reserves",
        "rename the variable",
    ),
    e(
        "STK047",
        K8sInvalidSecretName,
        "kubernetes backend",
        "an external secret name that is not a Kubernetes Secret name",
        "name an existing Secret: lowercase letters, digits, `-` and `.`",
    ),
    e(
        "STK048",
        K8sNameCollision,
        "kubernetes backend",
        "two parts of the spec would give Kubernetes objects of one kind the same name after sanitising",
        "rename one of them so their Kubernetes names differ",
    ),
    e(
        "STK049",
        ComposeReplicasFixedPort,
        "compose backend",
        "several replicas of a service that publishes a fixed host port, which only one container can bind",
        "publish with `host_port: 0`, put a proxy in front, or run one replica",
    ),
    e(
        "STK050",
        PodmanVersionUnsupported,
        "systemd backend",
        "the targeted Podman version cannot express the unit (too old for Quadlet or for a key), or is not a version",
        "raise `targets.systemd.podman_version`, or use `flavour: units`",
    ),
    e(
        "STK051",
        SystemdUnsafeValue,
        "systemd backend",
        "a value systemd or podman would misread (a line break, a control character, a `:` in a mount path, an image starting with `-`)",
        "remove the character from the value",
    ),
    e(
        "STK052",
        SystemdSecretInArgs,
        "systemd backend",
        "a secret in a command where no shell can read it from the environment: a quoted here-document, or the arguments of an image entrypoint the spec does not name",
        "unquote the here-document's delimiter, name the entrypoint in `entrypoint:`, or pass the secret in an environment variable or a file the program reads",
    ),
    e(
        "STK053",
        SystemdProbeNeedsCmd,
        "systemd backend",
        "systemd cannot run an http/tcp-only health check",
        "add `health.cmd`",
    ),
    e(
        "STK054",
        SystemdBuildWithoutImage,
        "systemd backend",
        "a built service without `build.image`, so the host has no image name to run",
        "add `build.image: REGISTRY/NAME:TAG`",
    ),
    e(
        "STK055",
        SystemdUnitNameCollision,
        "systemd backend",
        "two objects that would become the same systemd unit name",
        "rename one of them",
    ),
    e(
        "STK057",
        RestartPolicyFromVariable,
        "resolver",
        "a restart policy taken from a variable is not one variable, or the variable's value is not a restart policy",
        "write `restart: ${vars.NAME}` and give `NAME` one of `no`, `always`, `on-failure`, `unless-stopped` (its `default`, or `--set NAME=VALUE`)",
    ),
    e(
        "STK058",
        EmptyEnvironment,
        "resolver",
        "a production environment in which no service exists: every service is `only_in` other environments (an imported compose file whose services all have a profile)",
        "add the environment to the `only_in` of the services it deploys, or build another environment",
    ),
    e(
        "STK060",
        DockerfileUnwritable,
        "dockerfile backend",
        "a build recipe value the Dockerfile writer cannot write: a line break or control character, a heredoc marker or comment in a step, an invalid name, package, path or user",
        "write the value on one line; put multi-line scripts in a file of the build context and run it from a step",
    ),
    e(
        "STK080",
        UnknownSuppression,
        "lint engine",
        "a `lint.ignore` entry names no lint rule (warning)",
        "use a rule's code or slug; `stackc rules` lists them",
    ),
    e(
        "STK081",
        InvalidConfig,
        "lint engine",
        "`stackc.toml` is unreadable, not valid TOML, or names an unknown rule, level or option",
        "fix the file; `stackc rules` lists codes and slugs",
    ),
    e(
        "STK090",
        InternalError,
        "backends",
        "an internal error while writing an artefact",
        "report a bug with the spec that triggers it",
    ),
    e(
        "STK091",
        TargetUnavailable,
        "build",
        "a target that this build of stackc does not provide",
        "build another target",
    ),
    e(
        "STK095",
        OutputDiffers,
        "verify",
        "a generated output says something else than the spec (`stackc verify`)",
        "rebuild the target from the spec, or change the spec if the output's change was wanted",
    ),
    e(
        "STK096",
        OutputUnreadable,
        "verify",
        "an output `stackc verify` cannot read: missing, not UTF-8, or not valid YAML",
        "build the target into the directory again (`stackc build --target ...`)",
    ),
    // The compose frontend's codes (`stackc lint` and `stackc import` of compose files).
    e(
        "STK070",
        ComposeUnknownKey,
        "compose frontend",
        "a key the compose specification does not define here (often a typo)",
        "use the suggested key; custom keys start with `x-`",
    ),
    e(
        "STK071",
        ComposeWrongType,
        "compose frontend",
        "a compose value has the wrong type (a list where a map is expected, ...)",
        "write the value in the form the compose specification gives",
    ),
    e(
        "STK072",
        ComposeInvalidPort,
        "compose frontend",
        "an invalid port mapping in a compose file",
        "write `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]` or the long syntax with `target`",
    ),
    e(
        "STK073",
        ComposeInvalidMount,
        "compose frontend",
        "an invalid volume or mount in a compose file",
        "write `VOLUME:/path`, `./host/path:/path[:ro]`, or the long syntax with `type` and `target`",
    ),
    e(
        "STK074",
        ComposeInvalidInterpolation,
        "compose frontend",
        "an invalid `${...}` interpolation in a compose file",
        "write `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, or `$$` for a literal `$`",
    ),
    e(
        "STK075",
        ComposeInvalidValue,
        "compose frontend",
        "a compose value outside its allowed set or format (restart policy, condition, duration, size, number)",
        "use one of the values the help lists",
    ),
    e(
        "STK076",
        ComposeUndeclaredConfig,
        "compose frontend",
        "a service uses a config that is not declared",
        "declare it under top-level `configs:`",
    ),
    e(
        "STK077",
        ComposeUnfollowableInclude,
        "compose frontend",
        "an `extends` or `include` that cannot be followed (missing file or service, a cycle)",
        "fix the file path or the service name",
    ),
    e(
        "STK078",
        NotAComposeFile,
        "compose frontend",
        "a file that is not a compose file (not a map, or without `services:`)",
        "point stackc at a compose file, or pass a stack spec",
    ),
    e(
        "STK079",
        ComposeDuplicateDefinition,
        "compose frontend",
        "a service, volume, network, secret or config defined twice across included files",
        "rename one of them, or remove the duplicate include",
    ),
}

impl ErrorCode {
    /// The code written as `STK0dd` (any case, surrounding space ignored), if it is one.
    pub fn parse(word: &str) -> Option<ErrorCode> {
        let w = word.trim();
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.code().eq_ignore_ascii_case(w))
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Looks up an `STK0xx` code (case-insensitively).
pub fn find(code: &str) -> Option<ErrorCode> {
    ErrorCode::parse(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_in_code_order_and_in_the_error_range() {
        // The compose frontend's codes are written last in the table but sorted into place.
        for w in ErrorCode::ALL.windows(2) {
            assert!(w[0].code() < w[1].code(), "{} before {}", w[0], w[1]);
        }
        let at = |c: ErrorCode| ErrorCode::ALL.iter().position(|x| *x == c).unwrap();
        assert_eq!(
            at(ErrorCode::ComposeUnknownKey),
            at(ErrorCode::DockerfileUnwritable) + 1
        );
        assert_eq!(ErrorCode::ALL.first(), Some(&ErrorCode::InvalidYaml));
        assert_eq!(ErrorCode::ALL.last(), Some(&ErrorCode::OutputUnreadable));
        for c in ErrorCode::ALL {
            assert!(c.code().starts_with("STK0") && c.code().len() == 6, "{c}");
            assert_eq!(*c as u8, c.code()[3..].parse::<u8>().unwrap(), "{c}");
            assert!(
                !c.summary().ends_with('.') && !c.fix().ends_with('.'),
                "{c}"
            );
            assert!(!c.stage().is_empty() && !c.summary().is_empty(), "{c}");
        }
    }

    #[test]
    fn codes_parse_case_insensitively_and_only_when_defined() {
        assert_eq!(
            ErrorCode::parse(" stk080 "),
            Some(ErrorCode::UnknownSuppression)
        );
        assert_eq!(find("STK073"), Some(ErrorCode::ComposeInvalidMount));
        assert_eq!(ErrorCode::ComposeInvalidMount.stage(), "compose frontend");
        assert_eq!(ErrorCode::parse("STK008"), None);
        assert_eq!(ErrorCode::parse("STK101"), None);
        assert_eq!(ErrorCode::MissingBuildInputs.to_string(), "STK029");
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.code()), Some(*c));
        }
    }
}
