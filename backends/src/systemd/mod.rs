//! systemd backend: Podman Quadlet files (`.container`, `.volume`, `.network`) and plain
//! `.service` units running `podman run` or `docker run`.
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
//!   A secret used in a command, entrypoint or health-check argument is an error (`STK052`):
//!   it would end up in a unit file or in a process's argv.
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

mod quadlet;
mod readme;
mod rootful;
mod timer;
mod units;

use std::collections::BTreeSet;

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{
    Command, Condition, NetworkId, Runtime, SecretId, Segment, Service, ServiceId, Stack,
    SystemdFlavour, SystemdOptions, Value,
};
use stackc_compiler::target::Target;
use stackc_compiler::valid::Validated;

use crate::output::{BackendOutput, EmitContext, LossSink, Outcome, OutputFile};
use quadlet_keys::{PodmanVersion, QuadletUnit};
use unit::Fixed;

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
    let mut files = build_all(&mut e);
    rootful::record(&mut e);
    files.push(OutputFile::new("README.md", readme::readme(&e)));
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

/// Every file but `README.md`: the flavour's units, env templates and config file copies.
fn build_all(e: &mut Emitter) -> Vec<OutputFile> {
    let mut files = match e.opts.flavour {
        SystemdFlavour::Quadlet => quadlet::build(e),
        SystemdFlavour::Units => units::build(e),
    };
    files.extend(timer::timers(e));
    files.extend(e.env_templates());
    files.extend(e.config_files());
    files
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

/// A network a container joins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Net {
    Declared(NetworkId),
    /// The stack's default network `<stack>-default` (services that name no network).
    Default,
}

/// How a service is connected.
#[derive(Clone, Debug, Default)]
pub(crate) struct NetPlan {
    /// `host_namespaces: [network]`: no networks, no aliases, no published ports.
    pub host: bool,
    pub nets: Vec<Net>,
}

/// One environment variable of a service, as a flavour writes it.
#[derive(Clone, Debug)]
pub(crate) enum EnvItem {
    /// No secret: the value, written into the unit.
    Plain {
        key: String,
        value: String,
        span: Span,
    },
    /// Exactly one required secret (Quadlet only): a podman secret.
    Secret {
        key: String,
        secret: SecretId,
        span: Span,
    },
    /// Holds a secret: a `KEY=template` line of the env file, `${ENV_NAME}` per secret.
    File { key: String, template: String },
}

/// A config file copied into the output (`files/<service>/<name>`).
#[derive(Clone, Debug)]
pub(crate) struct ConfigCopy {
    pub path: String,
    pub contents: String,
}

/// State shared by both flavours while building.
pub(crate) struct Emitter<'a> {
    pub stack: &'a Stack,
    pub ctx: &'a EmitContext,
    pub opts: &'a SystemdOptions,
    pub version: PodmanVersion,
    pub target: Target,
    pub errors: Vec<Diagnostic>,
    pub losses: LossSink,
    /// Per service: some other service waits for it to be healthy.
    pub awaited_healthy: Vec<bool>,
    /// Per service: how it is connected.
    pub nets: Vec<NetPlan>,
    /// Per service: the env file lines (`KEY=template`), empty when it needs no env file.
    pub env_files: Vec<Vec<(String, String)>>,
    /// Config file copies, in service and mount order.
    pub copies: Vec<ConfigCopy>,
    /// Services with a dev bind mount (reached through the `project` link).
    pub binds: bool,
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
        let mut e = Emitter {
            stack,
            ctx,
            opts,
            version,
            target,
            errors: Vec::new(),
            losses: LossSink::new(target),
            awaited_healthy: vec![false; stack.services.len()],
            nets: Vec::new(),
            env_files: vec![Vec::new(); stack.services.len()],
            copies: Vec::new(),
            binds: false,
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
        for svc in &stack.services {
            for d in &svc.depends_on {
                if d.condition == Condition::Healthy {
                    e.awaited_healthy[d.service.index()] = true;
                }
            }
        }
        e.nets = stack.services.iter().map(|s| e.net_plan(s)).collect();
        e.check_collisions();
        for v in &stack.volumes {
            if let Some(size) = &v.size {
                e.losses.record(
                    None,
                    format!("volumes.{}.size", v.name.value),
                    Outcome::Dropped(
                        "podman and docker local volumes have no size; they grow as needed".into(),
                    ),
                    Some(size.span),
                );
            }
        }
        Ok(e)
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

    fn net_plan(&mut self, svc: &Service) -> NetPlan {
        if svc
            .security
            .host_namespaces
            .iter()
            .any(|n| n.value == "network")
        {
            if let Some((_, span)) = svc.networks.first() {
                self.loss(Some(svc), "networks", Outcome::Dropped("the container uses the host's network; it joins no network and has no alias".into()), Some(*span));
            }
            return NetPlan {
                host: true,
                nets: Vec::new(),
            };
        }
        let mut nets: Vec<Net> = svc
            .networks
            .iter()
            .map(|(id, _)| Net::Declared(*id))
            .collect();
        let all_internal = !nets.is_empty()
            && svc
                .networks
                .iter()
                .all(|(id, _)| self.stack.network(*id).internal);
        if nets.is_empty() {
            nets.push(self.default_net());
        } else if all_internal && svc.ports.iter().any(|p| p.is_published()) {
            let default = self.default_net();
            if !nets.contains(&default) {
                nets.push(default);
            }
            self.loss(
                Some(svc),
                "networks",
                Outcome::Approximated("podman cannot publish ports of a container that is only on internal networks; it also joins the stack's default network".into()),
                svc.networks.first().map(|(_, sp)| *sp),
            );
        }
        NetPlan { host: false, nets }
    }

    /// The default network: a declared network called `default`, else `<stack>-default`.
    fn default_net(&self) -> Net {
        match self
            .stack
            .networks
            .iter()
            .position(|n| n.dns_name == "default")
        {
            Some(i) => Net::Declared(NetworkId(i as u32)),
            None => Net::Default,
        }
    }

    /// Networks to create: every declared one, then the default one if a service uses it.
    pub fn networks(&self) -> Vec<Net> {
        let mut out: Vec<Net> = (0..self.stack.networks.len())
            .map(|i| Net::Declared(NetworkId(i as u32)))
            .collect();
        if self.nets.iter().any(|p| p.nets.contains(&Net::Default)) {
            out.push(Net::Default);
        }
        out
    }

    /// The network's podman/docker name, `<stack>-<dns_name>`.
    pub fn net_name(&self, n: Net) -> String {
        match n {
            Net::Declared(id) => format!("{}-{}", self.name(), self.stack.network(id).dns_name),
            Net::Default => format!("{}-default", self.name()),
        }
    }

    /// Whether the network is internal.
    pub fn net_internal(&self, n: Net) -> bool {
        match n {
            Net::Declared(id) => self.stack.network(id).internal,
            Net::Default => false,
        }
    }

    /// The systemd service names each generated file produces: two owners of one name are
    /// `STK055`, located at the later owner (or the earlier, for the implicit default network).
    fn check_collisions(&mut self) {
        let mut owners: Vec<(String, String, Option<Span>)> = Vec::new();
        for svc in &self.stack.services {
            owners.push((
                format!("{}.service", self.base(svc)),
                format!("service `{}`", svc.name.value),
                Some(svc.name.span),
            ));
        }
        for n in self.networks() {
            let (what, span) = match n {
                Net::Declared(id) => {
                    let net = self.stack.network(id);
                    (format!("network `{}`", net.name.value), Some(net.name.span))
                }
                Net::Default => ("the default network".to_string(), None),
            };
            owners.push((format!("{}-network.service", self.net_name(n)), what, span));
        }
        if self.opts.flavour == SystemdFlavour::Quadlet {
            for v in &self.stack.volumes {
                owners.push((
                    format!("{}-{}-volume.service", self.name(), v.dns_name),
                    format!("volume `{}`", v.name.value),
                    Some(v.name.span),
                ));
            }
        }
        let mut seen: Vec<&(String, String, Option<Span>)> = Vec::new();
        let mut errors = Vec::new();
        for owner in &owners {
            let (unit, what, span) = owner;
            if let Some((_, first, first_span)) = seen.iter().find(|(u, _, _)| u == unit) {
                let d = Diagnostic::error(
                    ErrorCode::SystemdUnitNameCollision,
                    format!("{what} and {first} would both be the systemd unit `{unit}`"),
                )
                .help("rename one of them");
                errors.push(match span.or(*first_span) {
                    Some(sp) => d.at(&self.stack.file, sp, "unit name taken"),
                    None => d,
                });
            } else {
                seen.push(owner);
            }
        }
        self.errors.extend(errors);
    }

    /// The image a service runs, fully qualified for Podman (`docker.io/library/postgres:...`);
    /// a build-only service without `build.image` is `STK054`.
    pub fn image(&mut self, svc: &Service) -> Option<(String, Span)> {
        let (image, span) = self.image_as_written(svc)?;
        if self.opts.flavour == SystemdFlavour::Quadlet || self.runtime() == Runtime::Podman {
            Some((crate::deploy_values::fully_qualified(&image), span))
        } else {
            Some((image, span))
        }
    }

    fn image_as_written(&mut self, svc: &Service) -> Option<(String, Span)> {
        let mut losses = Vec::new();
        // Deploy-time variables without a value were refused before (`STK045`).
        let image = match crate::deploy_values::run_image(self.stack, svc, self.target, &mut losses)
        {
            Some(Err(_)) => return None,
            other => other.and_then(Result::ok),
        };
        for l in losses {
            self.loss(Some(svc), l.feature, l.outcome, l.span);
        }
        if svc.image.is_some() {
            return image;
        }
        let b = svc.build.as_ref()?;
        match image {
            Some((text, span)) => {
                self.loss(
                    Some(svc),
                    "build",
                    Outcome::Approximated(format!("systemd runs the image `{text}`; build it (`stackc build -t dockerfile`) and push it or load it on the host first")),
                    Some(b.span),
                );
                Some((text, span))
            }
            None => {
                self.error(
                    Diagnostic::error(ErrorCode::SystemdBuildWithoutImage, format!("systemd units of `{}` need an image name", svc.name.value))
                        .at(&self.stack.file, b.span, "built, but not named")
                        .help("add `build.image: REGISTRY/NAME:TAG`, the image the host runs once it is built and pushed"),
                );
                None
            }
        }
    }

    /// Renders a value without secrets (commands, plain env values). A secret is `STK052`.
    pub fn plain(&mut self, svc: &Service, v: &Value, what: &str) -> Option<String> {
        if v.has_secret() {
            self.error(
                Diagnostic::error(ErrorCode::SystemdSecretInArgs, format!("a secret is used in the {what} of `{}`; systemd units cannot pass it without writing it down", svc.name.value))
                    .at(&self.stack.file, v.span, "secret in an argument")
                    .help("pass the secret in an environment variable the program reads (`env: { DB_PASSWORD: ${secrets.db_password} }`), a file, or stdin; never in its arguments"),
            );
            return None;
        }
        Some(self.render(svc, v, |_, _| String::new()))
    }

    /// Renders a value with `${ENV_NAME}` for each secret (env-file templates).
    pub fn template(&mut self, svc: &Service, v: &Value) -> String {
        self.render(svc, v, |stack, id| {
            format!("${{{}}}", stack.secret(id).env_name)
        })
    }

    fn render(
        &mut self,
        svc: &Service,
        v: &Value,
        secret: impl Fn(&Stack, SecretId) -> String,
    ) -> String {
        let mut s = String::new();
        for seg in &v.segments {
            match seg {
                Segment::Literal(t) => s.push_str(t),
                Segment::Secret(id) => s.push_str(&secret(self.stack, *id)),
                Segment::Var(id) => {
                    let var = self.stack.variable(*id);
                    let value = var.value.clone().unwrap_or_default();
                    if let Some(env) = &var.from_env {
                        self.loss(
                            Some(svc),
                            format!("vars.{}", var.name.value),
                            Outcome::Approximated(format!("unit files are not interpolated when deployed: `{env}` is not read; the value `{value}` is written")),
                            Some(v.span),
                        );
                    }
                    s.push_str(&value);
                }
                Segment::ServiceHost(id) => s.push_str(&self.stack.service(*id).dns_name),
                Segment::ServicePort(id, i) => {
                    s.push_str(&self.stack.service(*id).ports[*i].port.to_string())
                }
            }
        }
        s
    }

    /// Classifies a service's environment for this flavour, and records its env-file lines.
    pub fn env_items(&mut self, id: ServiceId, svc: &Service) -> Vec<EnvItem> {
        let mut items = Vec::new();
        for ev in &svc.env {
            let key = ev.key.value.clone();
            let item = if !ev.value.has_secret() {
                let value = self.render(svc, &ev.value, |_, _| String::new());
                if !self.no_control(
                    svc,
                    &value,
                    ev.value.span,
                    &format!("environment variable `{key}`"),
                ) {
                    continue;
                }
                EnvItem::Plain {
                    key,
                    value,
                    span: ev.value.span,
                }
            } else {
                match ev.value.as_single_secret() {
                    Some(sid)
                        if self.opts.flavour == SystemdFlavour::Quadlet
                            && !self.stack.secret(sid).optional =>
                    {
                        EnvItem::Secret {
                            key,
                            secret: sid,
                            span: ev.value.span,
                        }
                    }
                    _ => EnvItem::File {
                        key,
                        template: self.template(svc, &ev.value),
                    },
                }
            };
            if let EnvItem::File { key, template } = &item {
                if template.contains(['\n', '\r', '\0']) {
                    self.error(
                        Diagnostic::error(
                            ErrorCode::SystemdUnsafeValue,
                            format!(
                                "environment variable `{key}` of `{}` contains a line break",
                                svc.name.value
                            ),
                        )
                        .at(&self.stack.file, ev.value.span, "this value")
                        .help("env files hold one `KEY=value` per line; remove the line break"),
                    );
                }
                self.env_files[id.index()].push((key.clone(), template.clone()));
            }
            items.push(item);
        }
        items
    }

    /// `files/<service>/<name>` for each config file of a service, recording the copies.
    pub fn config_paths(&mut self, svc: &Service) -> Vec<Option<String>> {
        let mut used = BTreeSet::new();
        let mut out = Vec::new();
        for (i, m) in svc.mounts.iter().enumerate() {
            let stackc_compiler::ir::MountKind::Config { source, content } = &m.kind else {
                out.push(None);
                continue;
            };
            let base: String = source
                .value
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let base = if base.is_empty() || base.starts_with('.') {
                format!("config{i}{base}")
            } else {
                base
            };
            let name = if used.insert(base.clone()) {
                base
            } else {
                format!("{i}-{base}")
            };
            used.insert(name.clone());
            let path = format!("files/{}/{name}", svc.dns_name);
            match content {
                Some(text) => self.copies.push(ConfigCopy {
                    path: path.clone(),
                    contents: text.clone(),
                }),
                None => self.error(
                    Diagnostic::error(
                        ErrorCode::InternalError,
                        format!(
                            "internal error: config file `{}` was not loaded",
                            source.value
                        ),
                    )
                    .at(&self.stack.file, source.span, "config file"),
                ),
            }
            out.push(Some(path));
        }
        out
    }

    /// A command's argv (shell form runs `/bin/sh -c`). Each argument is checked for control
    /// characters other than newline (see [`without_newlines`]) at its own span.
    pub fn argv(&mut self, svc: &Service, c: &Command, what: &str) -> Option<Vec<String>> {
        let mut args = Vec::new();
        let mut ok = true;
        for a in &c.args {
            let text = self.plain(svc, a, what)?;
            ok &= self.no_control(svc, &without_newlines(&text), a.span, what);
            args.push(text);
        }
        if !ok {
            return None;
        }
        if c.shell {
            let script = args.into_iter().next().unwrap_or_default();
            Some(vec!["/bin/sh".into(), "-c".into(), script])
        } else {
            Some(args)
        }
    }

    /// Refuses control characters other than tab (what the INI writer refuses in command
    /// arguments) at `span`: for strings that are combined into one entry (an `ExecStart=`
    /// argv, a JSON array) before the writer sees them, so that the error points at the value.
    pub fn no_control(&mut self, svc: &Service, text: &str, span: Span, what: &str) -> bool {
        if let Some(c) = text.chars().find(|c| c.is_ascii_control() && *c != '\t') {
            self.error(
                Diagnostic::error(
                    ErrorCode::SystemdUnsafeValue,
                    format!(
                        "the {what} of `{}` contains the control character {c:?}",
                        svc.name.value
                    ),
                )
                .at(&self.stack.file, span, "this value")
                .help("unit files are line-based: remove the line break or control character"),
            );
            return false;
        }
        true
    }

    /// The health command as podman's `--health-cmd` JSON array (exec form, no shell), or
    /// `STK053` when there is no command.
    pub fn health_json(&mut self, svc: &Service) -> Option<String> {
        let h = svc.health.as_ref()?;
        let Some(cmd) = &h.cmd else {
            self.error(
                Diagnostic::error(ErrorCode::SystemdProbeNeedsCmd, format!("systemd cannot check the health of `{}` without a command", svc.name.value))
                    .at(&self.stack.file, h.span, "http/tcp check only")
                    .help("add `health.cmd` (a command run inside the container, e.g. `[wget, -q, --spider, http://localhost:8080/healthz]`)"),
            );
            return None;
        };
        if h.http.is_some() || h.tcp.is_some() {
            self.loss(
                Some(svc),
                "health.http/tcp",
                Outcome::Approximated(
                    "podman runs `health.cmd`; the http/tcp probe is used by Kubernetes".into(),
                ),
                Some(h.span),
            );
        }
        let argv = self.argv(svc, cmd, "health check")?;
        let first = argv
            .first()
            .map(|a| a.to_ascii_uppercase())
            .unwrap_or_default();
        if matches!(first.as_str(), "CMD" | "CMD-SHELL" | "NONE") {
            self.error(
                Diagnostic::error(ErrorCode::SystemdUnsafeValue, format!("the health check of `{}` starts with `{}`, which podman reads as a keyword", svc.name.value, argv[0]))
                    .at(&self.stack.file, cmd.span, "this command")
                    .help("write the command itself, without the Docker `CMD`/`CMD-SHELL` prefix"),
            );
            return None;
        }
        if argv.len() == 1
            && !argv[0]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_./:=@+,-".contains(&b))
        {
            self.error(
                Diagnostic::error(
                    ErrorCode::SystemdUnsafeValue,
                    format!(
                        "podman would run the one-word health check of `{}` through a shell",
                        svc.name.value
                    ),
                )
                .at(&self.stack.file, cmd.span, "this command")
                .help("split it into its arguments, or use the shell form (`cmd: \"...\"`)"),
            );
            return None;
        }
        Some(serde_json::to_string(&argv).expect("strings serialize"))
    }

    /// Env-file templates (`<service>.env.template`): `KEY=...${SECRET}...` lines, no values.
    fn env_templates(&self) -> Vec<OutputFile> {
        let mut out = Vec::new();
        for (svc, lines) in self.stack.services.iter().zip(&self.env_files) {
            if lines.is_empty() {
                continue;
            }
            let mut text = String::new();
            for line in self.header() {
                text.push_str(&format!("# {line}\n"));
            }
            text.push_str(&format!(
                "# Template of {}/{}.env (mode 0600); see README.md. Placeholders only, never values.\n",
                self.state_dir_display(),
                svc.dns_name
            ));
            for (k, v) in lines {
                text.push_str(&format!("{k}={v}\n"));
            }
            out.push(OutputFile::new(
                format!("{}.env.template", svc.dns_name),
                text,
            ));
        }
        out
    }

    /// `%E/stackc/<stack>`, the state directory as the units spell it, for messages.
    pub fn state_dir_display(&self) -> String {
        format!("%E/stackc/{}", self.name())
    }

    fn config_files(&self) -> Vec<OutputFile> {
        self.copies
            .iter()
            .map(|c| OutputFile::new(c.path.clone(), c.contents.clone()))
            .collect()
    }

    /// The secrets each service's env file needs, as `${ENV_NAME}` list for `envsubst`.
    pub fn template_vars(&self, id: usize) -> Vec<String> {
        let svc = &self.stack.services[id];
        let mut names: Vec<String> = svc
            .env
            .iter()
            .filter(|e| self.env_files[id].iter().any(|(k, _)| *k == e.key.value))
            .flat_map(|e| e.value.segments.iter())
            .filter_map(|s| match s {
                Segment::Secret(sid) => Some(self.stack.secret(*sid).env_name.clone()),
                _ => None,
            })
            .collect();
        names.sort();
        names.dedup();
        names
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

/// systemd's `Restart=` for a restart policy.
pub(crate) fn restart(e: &mut Emitter, svc: &Service) -> &'static str {
    use stackc_compiler::ir::RestartPolicy::*;
    match (svc.restart.policy, svc.is_job()) {
        (Always | UnlessStopped, true) => {
            e.loss(
                Some(svc),
                "restart",
                Outcome::Approximated(
                    "a job is a oneshot unit, which systemd restarts only on failure".into(),
                ),
                svc.restart.span,
            );
            "on-failure"
        }
        (UnlessStopped, false) => {
            if svc.restart.span.is_some() {
                e.loss(
                    Some(svc),
                    "restart",
                    Outcome::Approximated("`Restart=always`: a unit stopped by hand starts again at the next boot, because it is enabled".into()),
                    svc.restart.span,
                );
            }
            "always"
        }
        (Always, false) => "always",
        (OnFailure, _) => "on-failure",
        (No, _) => "no",
    }
}

/// Loss entries every flavour reports the same way.
pub(crate) fn common_losses(e: &mut Emitter, svc: &Service) {
    if svc.replicas > 1 {
        e.loss(
            Some(svc),
            "replicas",
            Outcome::Approximated(format!(
                "systemd runs one instance of a unit; {} replicas were asked for",
                svc.replicas
            )),
            svc.replicas_span,
        );
    }
    let r = &svc.resources;
    if r.request_cpus.is_some() || r.request_memory.is_some() {
        let span = r
            .request_cpus
            .as_ref()
            .map(|c| c.span)
            .or(r.request_memory.as_ref().map(|m| m.span));
        e.loss(Some(svc), "resources.requests", Outcome::Dropped("requests are a scheduling hint for Kubernetes; a unit runs on this host regardless".into()), span);
    }
}

/// An argument may hold newlines (a multi-line `sh -c` script): in a command line the INI
/// writer escapes them as `\n` (see `ini.rs`, "Invariants"), and in the JSON arrays of
/// `--entrypoint`/`--health-cmd` JSON escapes them. Other control characters stay refused.
fn without_newlines(text: &str) -> String {
    text.replace('\n', "")
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
