//! systemd backend: Podman Quadlet files (`.container`, `.volume`, `.network`) and plain
//! `.service` units running `podman run` or `docker run`.
//!
//! The stack is lowered once into a [`plan`] (every decision, loss entry and refusal), which
//! two renderers spell: [`quadlet`] and [`units`]; [`timer`] and the README read the same plan.
//!
//! # Invariants
//!
//! * Every user string reaches a unit file through [`ini`] (see [`unit`]): it can never add a
//!   line, key, section or command, and `%`/`$` are never expanded. A value the writer
//!   refuses is a located `STK051` error; all errors of a build are reported together.
//! * No secret value is in any output: a secret is a *reference* in the IR. Whole-value
//!   secrets become Quadlet `Secret=` (a podman secret the operator creates); every other
//!   secret-bearing environment variable goes through an env file *outside* the output
//!   directory (`%E/stackc/<stack>/<service>.env`, mode 0600, written by the operator from the
//!   `<service>.env.template` emitted here, which holds `${VAR}` placeholders, never values).
//!   A secret used in a command, entrypoint or health-check argument is one more such variable,
//!   `STACKC_SECRET_<ENV_NAME>`, which the container's `/bin/sh` expands at run time (see
//!   `plan::commands`): the unit and the host's argv hold its name, never the value. `STK052`
//!   is left for a secret no shell can expand (a quoted here-document, the arguments of an
//!   image entrypoint the spec does not name).
//! * Quadlet keys newer than the targeted Podman version are never emitted: a documented
//!   `PodmanArgs=` fallback is used, or the build fails with `STK050` naming the key and the
//!   version that introduced it.
//! * Output is a pure function of the IR and the options: files sorted by path, entries in a
//!   fixed order, no timestamps.
//! * Names: unit and container `<stack>-<service dns_name>`; networks and volumes
//!   `<stack>-<dns_name>`; every container gets the network alias `<service dns_name>`, the
//!   host name other services use for it.

pub mod ini;
pub mod quadlet_keys;
pub mod unit;

mod plan;
/// Shell text reading secrets from the container's environment (the k8s backend's exec probes too).
pub(crate) use plan::shell;
mod quadlet;
mod readme;
mod rootful;
mod timer;
mod units;

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{Runtime, Service, Stack, SystemdFlavour, SystemdOptions};
use stackc_compiler::target::Target;
use stackc_compiler::valid::Validated;

use crate::output::{BackendOutput, EmitContext, LossSink, Outcome, OutputFile};
use plan::StackPlan;
use quadlet_keys::{PodmanVersion, QuadletUnit};
use unit::{Fixed, Unit};

pub use readme::{install_instructions, install_instructions_with};

/// Loss-report target name of the Quadlet flavour.
pub const QUADLET_TARGET: Target = Target::Quadlet;
/// Loss-report target name of the plain-units flavour.
pub const UNITS_TARGET: Target = Target::Units;
/// `TimeoutStartSec=` of every unit: the first start pulls the image; a service other units
/// wait on is only started once it is healthy, and a job (`Type=oneshot`, which has no start
/// timeout by default) has started once it has run to completion.
pub const START_TIMEOUT: &str = "15min";

/// Builds the files of one systemd flavour, with the runtime and Podman version the spec
/// chooses (`targets.systemd`).
pub fn emit(
    stack: &Validated<Stack>,
    ctx: &EmitContext,
    flavour: SystemdFlavour,
) -> Result<BackendOutput, Vec<Diagnostic>> {
    let opts = SystemdOptions {
        flavour,
        ..stack.targets.systemd.clone()
    };
    emit_with_options(stack, ctx, &opts)
}

/// Like [`emit`], with every option given (e.g. a `--podman-version` from the command line).
pub fn emit_with_options(
    stack: &Validated<Stack>,
    ctx: &EmitContext,
    opts: &SystemdOptions,
) -> Result<BackendOutput, Vec<Diagnostic>> {
    let mut e = Emitter::new(stack, ctx, opts)?;
    let unset = crate::deploy_values::check_values(stack, e.target);
    e.errors.extend(unset);
    let plan = plan::lower(&mut e);
    let mut files = render_all(&mut e, &plan);
    files.push(OutputFile::new("README.md", readme::readme(&e, &plan)));
    if !e.errors.is_empty() {
        let mut errors = std::mem::take(&mut e.errors);
        errors.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        return Err(errors);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut losses = e.losses;
    losses.extend(crate::output::compose_only_losses(stack, e.target));
    Ok(BackendOutput {
        files,
        losses: losses.into_entries(),
    })
}

/// Every file but `README.md`: the flavour's units, timers, env templates and config copies.
fn render_all(e: &mut Emitter, plan: &StackPlan) -> Vec<OutputFile> {
    let mut files = match e.opts.flavour {
        SystemdFlavour::Quadlet => quadlet::render(e, plan),
        SystemdFlavour::Units => units::render(e, plan),
    };
    files.extend(timer::render(e, plan));
    files.extend(env_templates(e, plan));
    files.extend(
        plan.copies
            .iter()
            .map(|c| OutputFile::new(c.path.clone(), c.contents.clone())),
    );
    files
}

/// Env-file templates (`<service>.env.template`): `KEY=...${SECRET}...` lines, no values.
fn env_templates(e: &Emitter, plan: &StackPlan) -> Vec<OutputFile> {
    let mut out = Vec::new();
    for f in &plan.env_files {
        let mut text = String::new();
        for line in e.header() {
            text.push_str(&format!("# {line}\n"));
        }
        text.push_str(&format!(
            "# Template of {}/{}.env (mode 0600); see README.md. Placeholders only, never values.\n",
            e.state_dir_display(),
            f.dns_name
        ));
        for (k, v) in &f.lines {
            text.push_str(&format!("{k}={v}\n"));
        }
        out.push(OutputFile::new(
            format!("{}.env.template", f.dns_name),
            text,
        ));
    }
    out
}

/// Renders a unit file into `files`, or records why it cannot be written.
fn push_unit(e: &mut Emitter, files: &mut Vec<OutputFile>, path: String, u: &Unit) {
    match u.render(&e.stack.file, &path) {
        Ok(text) => files.push(OutputFile::new(path, text)),
        Err(d) => e.errors.extend(d),
    }
}

/// `WantedBy=default.target`, except for a scheduled service (its timer starts it).
fn install_section(s: &plan::ServicePlan) -> unit::Sec {
    let mut install = unit::Sec::new("Install");
    if !s.scheduled {
        install.ini(
            "WantedBy",
            ini::IniValue::Words(vec!["default.target".into()]),
            None,
        );
    }
    install
}

/// Parses the targeted Podman version; an invalid one is an `STK050` error.
pub(crate) fn podman_version(
    stack: &Stack,
    opts: &SystemdOptions,
) -> Result<PodmanVersion, Diagnostic> {
    PodmanVersion::parse(&opts.podman_version).ok_or_else(|| {
        let d = Diagnostic::error(
            ErrorCode::PodmanVersionUnsupported,
            format!(
                "invalid Podman version `{}`",
                opts.podman_version.escape_debug()
            ),
        )
        .help("write `MAJOR.MINOR`, e.g. `podman_version: \"5.4\"`");
        match option_span(stack, opts, "podman_version") {
            Some(span) => d.at(&stack.file, span, "not a version"),
            None => d,
        }
    })
}

/// Where `key:` is written in the spec, when the option's value came from the spec.
fn option_span(stack: &Stack, opts: &SystemdOptions, key: &str) -> Option<Span> {
    if opts.podman_version != stack.targets.systemd.podman_version {
        return None;
    }
    let at = stack.file.text.find(&format!("{key}:"))?;
    Some(Span::new(at as u32, (at + key.len()) as u32))
}

/// The build context shared by the plan and the renderers: the stack, the target, and the
/// errors and loss entries recorded so far.
pub(crate) struct Emitter<'a> {
    pub stack: &'a Stack,
    pub ctx: &'a EmitContext,
    pub opts: &'a SystemdOptions,
    pub version: PodmanVersion,
    pub target: Target,
    pub errors: Vec<Diagnostic>,
    pub losses: LossSink,
}

impl<'a> Emitter<'a> {
    fn new(
        stack: &'a Stack,
        ctx: &'a EmitContext,
        opts: &'a SystemdOptions,
    ) -> Result<Self, Vec<Diagnostic>> {
        let version = podman_version(stack, opts).map_err(|d| vec![d])?;
        let target = match opts.flavour {
            SystemdFlavour::Quadlet => QUADLET_TARGET,
            SystemdFlavour::Units => UNITS_TARGET,
        };
        if opts.flavour == SystemdFlavour::Quadlet && version < PodmanVersion::QUADLET {
            let d = Diagnostic::error(
                ErrorCode::PodmanVersionUnsupported,
                format!(
                    "Quadlet needs Podman {} or later; the target is Podman {version}",
                    PodmanVersion::QUADLET
                ),
            )
            .help("raise `targets.systemd.podman_version`, or use `flavour: units`");
            let d = match option_span(stack, opts, "podman_version") {
                Some(span) => d.at(&stack.file, span, "targeted version"),
                None => d,
            };
            return Err(vec![d]);
        }
        Ok(Emitter {
            stack,
            ctx,
            opts,
            version,
            target,
            errors: Vec::new(),
            losses: LossSink::new(target),
        })
    }

    /// The stack name.
    pub fn name(&self) -> &str {
        &self.stack.name.value
    }

    /// `<stack>-<dns_name>`: unit, container and file base name of a service.
    pub fn base(&self, svc: &Service) -> String {
        format!("{}-{}", self.name(), svc.dns_name)
    }

    /// The runtime of plain units.
    pub fn runtime(&self) -> Runtime {
        self.opts.runtime
    }

    /// Absolute path of the runtime binary.
    pub fn runtime_path(&self) -> &'static str {
        match self.opts.runtime {
            Runtime::Podman => "/usr/bin/podman",
            Runtime::Docker => "/usr/bin/docker",
        }
    }

    /// Header comment lines of every unit file.
    pub fn header(&self) -> Vec<String> {
        self.ctx.header_lines(&self.stack.env)
    }

    /// The state directory of the stack on the host: `%E/stackc/<stack>` (`/etc/stackc/<stack>`
    /// for the system manager, `~/.config/stackc/<stack>` for a user's).
    pub fn state_dir(&mut self) -> Fixed {
        self.fixed(format!("%E/stackc/{}", self.name()))
    }

    /// `%E/stackc/<stack>`, the state directory as the units spell it, for messages.
    pub fn state_dir_display(&self) -> String {
        format!("%E/stackc/{}", self.name())
    }

    /// A [`Fixed`] value built from constants and DNS-1123 names only, which always pass its
    /// check (resolve validated every name); anything else is recorded as an internal error.
    pub fn fixed(&mut self, text: impl Into<String>) -> Fixed {
        let text = text.into();
        Fixed::new(text.clone()).unwrap_or_else(|| {
            self.error(Diagnostic::error(
                ErrorCode::InternalError,
                format!("internal error: {text:?} is not a fixed unit-file value"),
            ));
            Fixed::new("invalid").expect("a bare word")
        })
    }

    /// Records a loss entry (once).
    pub fn loss(
        &mut self,
        svc: Option<&Service>,
        feature: impl Into<String>,
        outcome: Outcome,
        span: Option<Span>,
    ) {
        self.losses
            .record(svc.map(|s| s.name.value.as_str()), feature, outcome, span);
    }

    /// Records an error.
    pub fn error(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    /// Whether the targeted Podman has the Quadlet `[Container]` key.
    pub fn has_key(&self, key: &str) -> bool {
        self.has_unit_key(QuadletUnit::Container, key)
    }

    /// Whether the targeted Podman has the Quadlet key of a file kind.
    pub fn has_unit_key(&self, unit: QuadletUnit, key: &str) -> bool {
        quadlet_keys::lookup(unit, unit.section(), key)
            .unwrap_or_else(|| panic!("internal: Quadlet key {key} is not in QUADLET_KEYS"))
            .is_supported_by(self.version)
    }

    /// Records `STK050`: `what` needs `key`, which the targeted Podman lacks.
    pub fn too_new(&mut self, svc: &Service, key: &str, span: Option<Span>, what: &str) {
        let since = quadlet_keys::lookup(QuadletUnit::Container, "Container", key)
            .map(|k| k.since)
            .unwrap_or(self.version);
        let d = Diagnostic::error(
            ErrorCode::PodmanVersionUnsupported,
            format!("`{what}` of `{}` needs the Quadlet key `{key}=`, which Podman {since} introduced; the target is Podman {}", svc.name.value, self.version),
        )
        .help(format!("raise `targets.systemd.podman_version` to {since} or later, or use `flavour: units`"));
        self.error(match span {
            Some(span) => d.at(&self.stack.file, span, format!("needs Podman {since}")),
            None => d.at(
                &self.stack.file,
                svc.name.span,
                format!("needs Podman {since}"),
            ),
        });
    }
}

/// Memory in docker/podman units (`k`, `m`, `g` are powers of 1024).
pub(crate) fn memory(bytes: u64) -> String {
    const G: u64 = 1 << 30;
    const M: u64 = 1 << 20;
    const K: u64 = 1 << 10;
    if bytes.is_multiple_of(G) {
        format!("{}g", bytes / G)
    } else if bytes.is_multiple_of(M) {
        format!("{}m", bytes / M)
    } else if bytes.is_multiple_of(K) {
        format!("{}k", bytes / K)
    } else {
        format!("{bytes}b")
    }
}

/// A CPU amount as podman and docker read `--cpus`.
pub(crate) fn cpus(c: f64) -> String {
    let s = format!("{c:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_and_cpus() {
        assert_eq!(memory(1 << 30), "1g");
        assert_eq!(memory(512 << 20), "512m");
        assert_eq!(memory(1000), "1000b");
        assert_eq!(cpus(0.5), "0.5");
        assert_eq!(cpus(2.0), "2");
    }
}
