//! From a service's build recipe to a typed [`Dockerfile`].
//!
//! Invariants:
//! - **multi-stage**: every preset but `plain` builds in a `build` stage and copies only the
//!   result into the final `runtime` stage, so compilers, package-manager caches and build
//!   packages never reach the image;
//! - **stable before volatile**: the dependency manifests are bind-mounted into the dependency
//!   step, which runs before any `ARG` and before the sources are copied; labels (whose version
//!   changes every release) come last;
//! - **caches on cache mounts**: package managers download into `RUN --mount=type=cache`
//!   directories, so nothing they cache lands in a layer;
//! - **secrets by mount only**: a recipe's `secrets` become `RUN --mount=type=secret` options (a
//!   file under `/run/secrets/` and an environment variable for that step) on the steps that
//!   install or build; they are never an `ARG` or `ENV`;
//! - **non-root**: the final stage runs as a numeric UID (10001 by default, created as user
//!   `app`), never as root unless the recipe says `user: root`;
//! - **exec form**: `CMD` and `HEALTHCHECK` are JSON arrays; a fixed command that holds a
//!   user path is written as argv, so no user string is ever parsed by a shell except the
//!   recipe's own `steps`;
//! - **located refusals**: every user value enters an [`Item`] together with its spec span; when
//!   the writer refuses a value (a line break, a heredoc marker, an invalid name), the error is an
//!   `STK060` diagnostic at that span, never a changed Dockerfile.

use stackc_compiler::diag::{Diagnostic, Span};
use stackc_compiler::ir::{
    BuildRecipe, Command, Health, Preset, Protocol as IrProtocol, Service, Stack, format_duration,
};
use stackc_compiler::syntax::Sp;

use super::instr::{
    Dockerfile, DockerfileError, HealthcheckSpec, Instruction, Protocol, RunMount, ShellOrExec,
};
use super::preset::{self, PackageManager, PresetInfo};
use super::{CODE_UNWRITABLE, TARGET};
use crate::output::{LossEntry, LossSink, Outcome};

mod support;

use support::*;

/// One instruction and the user values it holds, with where the spec wrote them.
#[derive(Debug)]
pub struct Item {
    pub instr: Instruction,
    /// `(value as written, span)`: used to point a refusal at the offending value.
    pub origins: Vec<(String, Span)>,
}

/// A generated Dockerfile and what the target could not express.
#[derive(Debug)]
pub struct Rendered {
    pub text: String,
    pub losses: Vec<LossEntry>,
}

/// Who the final stage runs as.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RunAs {
    /// A user stackc creates with UID/GID [`preset::DEFAULT_UID`]; `USER` names the numbers.
    Created(String),
    /// A numeric `uid[:gid]` as written: nothing is created.
    Numeric(String),
    /// `root` or `0`, written on purpose: `USER 0:0`.
    Root,
}

/// A source path of the context, normalised, and where the image receives it.
#[derive(Clone, Debug)]
struct Source {
    path: String,
    span: Option<Span>,
}

/// Builds the Dockerfile of `svc` from `recipe`. `header` holds the comment lines that follow the
/// syntax directive.
pub fn render(
    stack: &Stack,
    svc: &Service,
    recipe: &BuildRecipe,
    header: &[String],
) -> Result<Rendered, Vec<Diagnostic>> {
    let mut b = Builder::new(stack, svc, recipe);
    b.items.push(Item {
        instr: Instruction::Syntax(preset::SYNTAX.to_string()),
        origins: vec![],
    });
    for line in header {
        b.comment(line);
    }
    b.assemble();
    if !b.errors.is_empty() {
        return Err(b.errors);
    }
    b.finish()
}

struct Builder<'a> {
    stack: &'a Stack,
    svc: &'a Service,
    recipe: &'a BuildRecipe,
    info: PresetInfo,
    items: Vec<Item>,
    errors: Vec<Diagnostic>,
    losses: LossSink,
    /// The final stage's image.
    base: Sp<String>,
    /// The build stage's image.
    builder: Sp<String>,
    workdir: String,
    run_as: RunAs,
    system_packages: Vec<String>,
    build_packages: Vec<String>,
    sources: Vec<Source>,
}

impl<'a> Builder<'a> {
    fn new(stack: &'a Stack, svc: &'a Service, recipe: &'a BuildRecipe) -> Self {
        let preset = recipe
            .preset
            .as_ref()
            .map(|p| p.value)
            .unwrap_or(Preset::Plain);
        let info = preset::info(preset);
        let base = match (&recipe.base, info.base) {
            (Some(b), _) => b.clone(),
            (None, Some(default)) => Sp::new(default.to_string(), Span::DUMMY),
            // The resolver refuses `plain` without `base`; keep going with a placeholder so
            // every other problem is reported too.
            (None, None) => Sp::new("scratch".to_string(), Span::DUMMY),
        };
        let builder = match (&recipe.builder, info.builder) {
            (Some(b), _) => b.clone(),
            (None, Some(default)) => Sp::new(default.to_string(), Span::DUMMY),
            (None, None) => base.clone(),
        };
        let mut b = Builder {
            stack,
            svc,
            recipe,
            info,
            items: Vec::new(),
            errors: Vec::new(),
            losses: LossSink::new(TARGET),
            base,
            builder,
            workdir: preset::DEFAULT_WORKDIR.to_string(),
            run_as: RunAs::Created(preset::DEFAULT_USER.to_string()),
            system_packages: Vec::new(),
            build_packages: Vec::new(),
            sources: Vec::new(),
        };
        b.workdir = b.workdir();
        b.run_as = b.run_as();
        b.system_packages = b.packages(&recipe.system_packages);
        b.build_packages = b.packages(&recipe.build_packages);
        b.sources = b.sources();
        b
    }

    // -----------------------------------------------------------------------------------------
    // Checks of user values that the writer cannot judge (it only guarantees structure).

    /// Records an `STK060` error; one per offending value (a value used by several instructions,
    /// like the base image, is reported once).
    fn error(&mut self, message: String, span: Option<Span>, label: &str, help: &str) {
        let span = span.filter(|s| *s != Span::DUMMY);
        if span.is_some()
            && self
                .errors
                .iter()
                .any(|e| e.primary.as_ref().map(|p| p.span) == span)
        {
            return;
        }
        let mut d = Diagnostic::error(CODE_UNWRITABLE, message).help(help);
        if let Some(span) = span {
            d = d.at(&self.stack.file, span, label);
        }
        self.errors.push(d);
    }

    fn workdir(&mut self) -> String {
        match &self.recipe.workdir {
            None => preset::DEFAULT_WORKDIR.to_string(),
            Some(w) => {
                let value = w.value.trim_end_matches('/');
                if !w.value.starts_with('/') || value.is_empty() {
                    self.error(
                        format!(
                            "the working directory `{}` of service `{}` is not an absolute path",
                            w.value.escape_debug(),
                            self.svc.name.value
                        ),
                        Some(w.span),
                        "not absolute",
                        "write an absolute path other than `/`, e.g. `/app`",
                    );
                    return preset::DEFAULT_WORKDIR.to_string();
                }
                value.to_string()
            }
        }
    }

    fn run_as(&mut self) -> RunAs {
        let Some(u) = &self.recipe.user else {
            return RunAs::Created(preset::DEFAULT_USER.to_string());
        };
        let v = u.value.as_str();
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let is_numeric = match v.split_once(':') {
            Some((a, g)) => numeric(a) && numeric(g),
            None => numeric(v),
        };
        if matches!(v, "root" | "0" | "0:0" | "root:root") {
            return RunAs::Root;
        }
        if is_numeric {
            return RunAs::Numeric(v.to_string());
        }
        if is_user_name(v) {
            return RunAs::Created(v.to_string());
        }
        self.error(
            format!(
                "`{}` is not a user name or UID for service `{}`",
                v.escape_debug(),
                self.svc.name.value
            ),
            Some(u.span),
            "not a user",
            "write a name of lowercase letters, digits, `_` and `-` (created with UID 10001), or a numeric `uid[:gid]`",
        );
        RunAs::Created(preset::DEFAULT_USER.to_string())
    }

    fn packages(&mut self, list: &[Sp<String>]) -> Vec<String> {
        let mut out = Vec::new();
        for p in list {
            if is_package_spec(&p.value) {
                out.push(p.value.clone());
            } else {
                self.error(
                    format!(
                        "`{}` is not a package name for service `{}`",
                        p.value.escape_debug(),
                        self.svc.name.value
                    ),
                    Some(p.span),
                    "not a package",
                    "write `name` or `name=version` (letters, digits, `+`, `.`, `_`, `-`; versions may add `~` and `:`)",
                );
            }
        }
        out
    }

    fn sources(&mut self) -> Vec<Source> {
        if self.recipe.sources.is_empty() {
            return self
                .info
                .default_sources
                .iter()
                .map(|p| Source {
                    path: (*p).to_string(),
                    span: None,
                })
                .collect();
        }
        let mut out: Vec<Source> = Vec::new();
        for s in &self.recipe.sources {
            match normalize_source(&s.value) {
                Some(path) => {
                    if !out.iter().any(|o| o.path == path) {
                        out.push(Source {
                            path,
                            span: Some(s.span),
                        });
                    }
                }
                None => self.error(
                    format!(
                        "source `{}` of service `{}` is not a path inside the build context",
                        s.value.escape_debug(),
                        self.svc.name.value
                    ),
                    Some(s.span),
                    "outside the context",
                    "give a relative path without `..`, e.g. `src` or `.` for the whole context",
                ),
            }
        }
        out
    }

    // -----------------------------------------------------------------------------------------
    // Emitting instructions.

    fn push(&mut self, instr: Instruction, origins: Vec<(String, Span)>) {
        self.items.push(Item { instr, origins });
    }

    fn comment(&mut self, text: &str) {
        self.push(Instruction::Comment(text.to_string()), vec![]);
    }

    fn from(&mut self, image: &Sp<String>, stage: &str) {
        self.push(
            Instruction::From {
                image: image.value.clone(),
                stage: Some(stage.to_string()),
                platform: None,
            },
            origin(image),
        );
    }

    fn fixed_from(&mut self, image: &str, stage: &str) {
        self.push(
            Instruction::From {
                image: image.to_string(),
                stage: Some(stage.to_string()),
                platform: None,
            },
            vec![],
        );
    }

    /// `RUN` installing `packages` into `image`'s distribution; nothing when the list is empty.
    fn install_packages(&mut self, image: &Sp<String>, packages: &[Sp<String>], valid: &[String]) {
        if valid.is_empty() {
            return;
        }
        let pm = preset::package_manager(&image.value);
        let Some(command) = preset::install_command(pm, valid) else {
            let span = packages.first().map(|p| p.span);
            self.error(
                format!(
                    "image `{}` of service `{}` has no package manager to install packages with",
                    image.value, self.svc.name.value
                ),
                span,
                "cannot be installed",
                "use a Debian or Alpine based image, or install the packages in the build stage",
            );
            return;
        };
        let mounts = match pm {
            PackageManager::Apt => preset::APT_CACHES
                .iter()
                .map(|target| RunMount::Cache {
                    target: (*target).to_string(),
                    id: None,
                    sharing: Some("locked".to_string()),
                })
                .collect(),
            _ => vec![],
        };
        let origins = packages.iter().map(|p| (p.value.clone(), p.span)).collect();
        self.push(
            Instruction::Run {
                mounts,
                command: ShellOrExec::Shell(command),
            },
            origins,
        );
    }

    /// `RUN` creating the runtime user in `image`, when stackc creates one.
    fn create_user(&mut self, image: &Sp<String>) {
        let RunAs::Created(name) = &self.run_as else {
            return;
        };
        let pm = preset::package_manager(&image.value);
        if let Some(command) = preset::create_user_command(pm, name) {
            // Fold into a package install without mounts (apk): one layer, no consecutive RUNs.
            if let Some(Item {
                instr:
                    Instruction::Run {
                        mounts,
                        command: ShellOrExec::Shell(install),
                    },
                ..
            }) = self.items.last_mut()
                && mounts.is_empty()
                && install.starts_with("apk add ")
            {
                install.push_str(" && ");
                install.push_str(&command);
                return;
            }
            let origins = self
                .recipe
                .user
                .as_ref()
                .map(|u| vec![(u.value.clone(), u.span)])
                .unwrap_or_default();
            self.push(
                Instruction::Run {
                    mounts: vec![],
                    command: ShellOrExec::Shell(command),
                },
                origins,
            );
        }
    }

    fn user_instruction(&mut self) {
        let (text, origins) = match &self.run_as {
            RunAs::Created(_) => (
                format!("{0}:{0}", preset::DEFAULT_UID),
                self.recipe
                    .user
                    .as_ref()
                    .map(|u| vec![(u.value.clone(), u.span)])
                    .unwrap_or_default(),
            ),
            // Numeric, so the runtime need not resolve a name (and hadolint's DL3066 agrees).
            RunAs::Root => (
                "0:0".to_string(),
                self.recipe
                    .user
                    .as_ref()
                    .map(|u| vec![(u.value.clone(), u.span)])
                    .unwrap_or_default(),
            ),
            RunAs::Numeric(v) => (
                v.clone(),
                self.recipe
                    .user
                    .as_ref()
                    .map(|u| vec![(u.value.clone(), u.span)])
                    .unwrap_or_default(),
            ),
        };
        self.push(Instruction::User(text), origins);
    }

    fn workdir_instruction(&mut self, path: &str) {
        let origins = self
            .recipe
            .workdir
            .as_ref()
            .map(|w| vec![(w.value.clone(), w.span)])
            .unwrap_or_default();
        self.push(Instruction::Workdir(path.to_string()), origins);
    }

    /// The recipe's secrets as mount options: a file at `/run/secrets/<name>` and the
    /// secret's variable name, required unless the secret is optional.
    fn secret_mounts(&self) -> (Vec<RunMount>, Vec<(String, Span)>) {
        let mut mounts = Vec::new();
        let mut origins = Vec::new();
        for (id, span) in &self.recipe.secrets {
            let secret = self.stack.secret(*id);
            let name = secret.name.value.clone();
            origins.push((name.clone(), *span));
            origins.push((secret.env_name.clone(), *span));
            mounts.push(RunMount::Secret {
                target: Some(format!("/run/secrets/{name}")),
                id: name,
                env: Some(secret.env_name.clone()),
                required: !secret.optional,
            });
        }
        (mounts, origins)
    }

    /// `RUN` of a fixed dependency command, with the cache mounts, the manifests bind-mounted
    /// from the context and the secret mounts.
    fn dependency_step(&mut self, caches: &[&str], cache_id: Option<&str>, command: &str) {
        let mut mounts: Vec<RunMount> = caches
            .iter()
            .map(|target| RunMount::Cache {
                target: (*target).to_string(),
                id: cache_id.map(str::to_string),
                sharing: None,
            })
            .collect();
        for manifest in self.info.manifests {
            mounts.push(RunMount::Bind {
                source: (*manifest).to_string(),
                target: (*manifest).to_string(),
                from: None,
            });
        }
        let (secrets, origins) = self.secret_mounts();
        mounts.extend(secrets);
        self.push(
            Instruction::Run {
                mounts,
                command: ShellOrExec::Shell(command.to_string()),
            },
            origins,
        );
    }

    fn args(&mut self) {
        for (k, v) in &self.recipe.args {
            self.push(
                Instruction::Arg {
                    name: k.value.clone(),
                    default: Some(v.value.clone()),
                },
                vec![(k.value.clone(), k.span), (v.value.clone(), v.span)],
            );
        }
    }

    /// `COPY` of the manifests (when the sources do not hold the whole context) and of every
    /// source, into `dir`.
    fn copy_sources(&mut self, dir: &str, manifests_too: bool) {
        let whole = self.sources.iter().any(|s| s.path == ".");
        if manifests_too && !whole && !self.info.manifests.is_empty() {
            let manifests: Vec<String> = self
                .info
                .manifests
                .iter()
                .filter(|m| !self.sources.iter().any(|s| s.path == **m))
                .map(|m| (*m).to_string())
                .collect();
            if !manifests.is_empty() {
                self.push(copy(None, manifests, format!("{dir}/")), vec![]);
            }
        }
        for s in self.sources.clone() {
            let dest = source_destination(dir, &s.path);
            let origins = s
                .span
                .map(|span| vec![(s.path.clone(), span)])
                .unwrap_or_default();
            self.push(copy(None, vec![s.path.clone()], dest), origins);
        }
    }

    /// One `RUN` holding the recipe's steps, framed by fixed commands, with the secret mounts
    /// and `caches`. Nothing when there is nothing to run.
    fn steps(&mut self, caches: &[&str], before: &[&str], after: &[&str]) {
        let mut parts: Vec<String> = before.iter().map(|s| (*s).to_string()).collect();
        let mut origins = Vec::new();
        for step in &self.recipe.steps {
            // Each step alone first, so a refusal points at the step that caused it.
            let alone = Instruction::Run {
                mounts: vec![],
                command: ShellOrExec::Shell(step.value.clone()),
            };
            if let Err(e) = Dockerfile::new(vec![alone]).render() {
                self.refusal(&e, Some(step.span));
                continue;
            }
            if has_shell_comment(&step.value) {
                self.error(
                    format!(
                        "a build step of service `{}` holds a shell comment, which would hide the steps after it",
                        self.svc.name.value
                    ),
                    Some(step.span),
                    "comment here",
                    "remove the `# ...` part of the step",
                );
                continue;
            }
            parts.push(group_step(&step.value));
            origins.push((step.value.clone(), step.span));
        }
        parts.extend(after.iter().map(|s| (*s).to_string()));
        if parts.is_empty() {
            return;
        }
        let mut mounts: Vec<RunMount> = caches
            .iter()
            .map(|target| RunMount::Cache {
                target: (*target).to_string(),
                id: None,
                sharing: None,
            })
            .collect();
        let (secrets, secret_origins) = self.secret_mounts();
        mounts.extend(secrets);
        origins.extend(secret_origins);
        self.push(
            Instruction::Run {
                mounts,
                command: ShellOrExec::Shell(parts.join(" && ")),
            },
            origins,
        );
    }

    /// `ENV` of the preset's runtime settings and the recipe's `env` (which wins on a key).
    fn env(&mut self, defaults: &[(&str, String)]) {
        let mut pairs: Vec<(String, String)> = defaults
            .iter()
            .filter(|(k, _)| !self.recipe.env.iter().any(|(uk, _)| uk.value == *k))
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect();
        let mut origins = Vec::new();
        for (k, v) in &self.recipe.env {
            pairs.push((k.value.clone(), v.value.clone()));
            origins.push((k.value.clone(), k.span));
            origins.push((v.value.clone(), v.span));
        }
        if !pairs.is_empty() {
            self.push(Instruction::Env(pairs), origins);
        }
    }

    fn expose(&mut self) {
        let mut ports: Vec<(u16, Protocol)> = Vec::new();
        for p in &self.svc.ports {
            let proto = match p.protocol {
                IrProtocol::Tcp => Protocol::Tcp,
                IrProtocol::Udp => Protocol::Udp,
            };
            if !ports.contains(&(p.port, proto)) {
                ports.push((p.port, proto));
            }
        }
        if !ports.is_empty() {
            self.push(Instruction::Expose(ports), vec![]);
        }
    }

    fn healthcheck(&mut self) {
        if self.svc.is_job() {
            return;
        }
        let Some(h) = &self.svc.health else {
            return;
        };
        match h.cmd.as_ref().map(literal_argv) {
            Some(Some(test)) => {
                let origins = test.iter().map(|a| (a.clone(), h.span)).collect();
                self.push(Instruction::Healthcheck(Some(healthcheck(h, test))), origins);
            }
            Some(None) => self.loss(
                "health.cmd",
                Outcome::Dropped(
                    "the command uses a secret, variable or service address, which an image cannot hold; compose and Kubernetes still run it".into(),
                ),
                Some(h.span),
            ),
            None => self.loss(
                if h.http.is_some() { "health.http" } else { "health.tcp" },
                Outcome::Dropped(
                    "an image HEALTHCHECK runs a command inside the container and the image may have no HTTP client; compose and Kubernetes check it from the spec".into(),
                ),
                Some(h.span),
            ),
        }
    }

    fn labels(&mut self) {
        let mut origins = origin(&self.base);
        let mut pairs: Vec<(String, String)> = vec![
            (
                "org.opencontainers.image.title".into(),
                self.svc.name.value.clone(),
            ),
            (
                "org.opencontainers.image.base.name".into(),
                self.base.value.clone(),
            ),
        ];
        // A tag given when deploying (`${vars.tag}`) is not known when the Dockerfile is written.
        let deploy_time = self.recipe.image_template.is_some();
        if let Some(tag) = self
            .recipe
            .image
            .as_ref()
            .filter(|_| !deploy_time)
            .and_then(|i| image_tag(&i.value))
        {
            pairs.push(("org.opencontainers.image.version".into(), tag));
            origins.extend(
                self.recipe
                    .image
                    .as_ref()
                    .map(|i| (i.value.clone(), i.span)),
            );
        }
        for (k, v) in &self.recipe.labels {
            match pairs.iter_mut().find(|(pk, _)| *pk == k.value) {
                Some(existing) => existing.1 = v.value.clone(),
                None => pairs.push((k.value.clone(), v.value.clone())),
            }
            origins.push((k.value.clone(), k.span));
            origins.push((v.value.clone(), v.span));
        }
        self.push(Instruction::Label(pairs), origins);
    }

    fn cmd(&mut self) {
        if let Some(cmd) = &self.recipe.cmd {
            let argv: Vec<String> = cmd.iter().map(|a| a.value.clone()).collect();
            let origins = cmd.iter().map(|a| (a.value.clone(), a.span)).collect();
            self.push(Instruction::Cmd(argv), origins);
        }
    }

    fn loss(&mut self, feature: &str, outcome: Outcome, span: Option<Span>) {
        self.losses
            .record(Some(&self.svc.name.value), feature, outcome, span);
    }

    // -----------------------------------------------------------------------------------------
    // The presets.

    fn assemble(&mut self) {
        match self.info.preset {
            Preset::PythonUv => self.python_uv(),
            Preset::PythonPip => self.python_pip(),
            Preset::NodeNpm => self.node(false),
            Preset::NodePnpm => self.node(true),
            Preset::RustCargo => self.rust(),
            Preset::Go => self.go(),
            Preset::Plain => self.plain(),
        }
    }

    fn build_stage(&mut self) {
        let comment = match self.info.manifests {
            [] => "Build stage: the sources, built with the package caches and the target directory on cache mounts (dependencies are not rebuilt when only sources change).".to_string(),
            manifests => format!(
                "Build stage: the dependencies first (cached until {} changes), then the sources.",
                manifests.join(" or ")
            ),
        };
        self.comment(&comment);
        let builder = self.builder.clone();
        self.from(&builder, "build");
        let packages = self.recipe.build_packages.clone();
        let valid = self.build_packages.clone();
        self.install_packages(&builder, &packages, &valid);
    }

    /// The final stage: runtime packages, the user, the environment, what `copies` bring from
    /// the build stage, then the metadata.
    fn runtime_stage(&mut self, env: &[(&str, String)], copies: Vec<Instruction>) {
        self.comment("Runtime stage: only what the service needs to run, as a non-root user.");
        let base = self.base.clone();
        self.from(&base, "runtime");
        let packages = self.recipe.system_packages.clone();
        let valid = self.system_packages.clone();
        self.install_packages(&base, &packages, &valid);
        self.create_user(&base);
        self.env(env);
        let wd = self.workdir.clone();
        self.workdir_instruction(&wd);
        for c in copies {
            self.push(c, vec![]);
        }
        self.tail();
    }

    /// `USER`, `EXPOSE`, `HEALTHCHECK`, `LABEL`, `CMD`: the end of every final stage.
    fn tail(&mut self) {
        self.user_instruction();
        self.expose();
        self.healthcheck();
        self.labels();
        self.cmd();
    }

    fn python_env(&self) -> Vec<(&'static str, String)> {
        let wd = &self.workdir;
        vec![
            ("PYTHONUNBUFFERED", "1".into()),
            ("PYTHONDONTWRITEBYTECODE", "1".into()),
            ("VIRTUAL_ENV", format!("{wd}/.venv")),
            ("PATH", format!("{wd}/.venv/bin:{}", preset::SYSTEM_PATH)),
        ]
    }

    fn python_uv(&mut self) {
        self.comment("uv's binaries, copied into the build stage.");
        self.fixed_from(preset::UV_IMAGE, "uv");
        self.build_stage();
        self.push(
            copy(
                Some("uv"),
                vec!["/uv".into(), "/uvx".into()],
                "/bin/".into(),
            ),
            vec![],
        );
        self.push(
            Instruction::Env(vec![
                ("UV_COMPILE_BYTECODE".into(), "1".into()),
                ("UV_LINK_MODE".into(), "copy".into()),
                ("UV_PYTHON_DOWNLOADS".into(), "0".into()),
            ]),
            vec![],
        );
        let wd = self.workdir.clone();
        self.workdir_instruction(&wd);
        self.dependency_step(
            &["/root/.cache/uv"],
            None,
            "uv sync --frozen --no-dev --no-install-project",
        );
        self.args();
        self.copy_sources(&wd, true);
        self.steps(&["/root/.cache/uv"], &["uv sync --frozen --no-dev"], &[]);
        let env = self.python_env();
        self.runtime_stage(&env, vec![copy(Some("build"), vec![wd.clone()], wd)]);
    }

    fn python_pip(&mut self) {
        self.build_stage();
        let wd = self.workdir.clone();
        self.push(
            Instruction::Env(vec![
                ("PIP_DISABLE_PIP_VERSION_CHECK".into(), "1".into()),
                ("VIRTUAL_ENV".into(), format!("{wd}/.venv")),
                (
                    "PATH".into(),
                    format!("{wd}/.venv/bin:{}", preset::SYSTEM_PATH),
                ),
            ]),
            vec![],
        );
        self.workdir_instruction(&wd);
        self.push(
            Instruction::Run {
                mounts: vec![],
                command: ShellOrExec::Exec(vec![
                    "python".into(),
                    "-m".into(),
                    "venv".into(),
                    format!("{wd}/.venv"),
                ]),
            },
            vec![],
        );
        self.dependency_step(
            &["/root/.cache/pip"],
            None,
            "pip install --requirement requirements.txt",
        );
        self.args();
        self.copy_sources(&wd, false);
        self.steps(&[], &[], &[]);
        let env = self.python_env();
        self.runtime_stage(&env, vec![copy(Some("build"), vec![wd.clone()], wd)]);
    }

    fn node(&mut self, pnpm: bool) {
        self.build_stage();
        let wd = self.workdir.clone();
        if pnpm {
            self.push(
                Instruction::Env(vec![
                    ("PNPM_HOME".into(), "/pnpm".into()),
                    ("COREPACK_ENABLE_DOWNLOAD_PROMPT".into(), "0".into()),
                ]),
                vec![],
            );
            self.push(
                Instruction::Run {
                    mounts: vec![],
                    command: ShellOrExec::Shell("corepack enable".into()),
                },
                vec![],
            );
        }
        self.workdir_instruction(&wd);
        if pnpm {
            self.dependency_step(
                &["/pnpm/store"],
                Some("pnpm"),
                "pnpm install --frozen-lockfile",
            );
        } else {
            self.dependency_step(&["/root/.npm"], None, "npm ci");
        }
        self.args();
        self.copy_sources(&wd, true);
        let prune = if pnpm {
            "pnpm prune --prod"
        } else {
            "npm prune --omit=dev"
        };
        self.steps(&[], &[], &[prune]);
        let env = [("NODE_ENV", "production".to_string())];
        self.runtime_stage(&env, vec![copy(Some("build"), vec![wd.clone()], wd)]);
    }

    /// The final stage of a compiled preset: the CA bundle and the binaries from `/out/...`.
    fn compiled_runtime(&mut self, binaries: &str) {
        let copies = vec![
            copy(
                Some("build"),
                vec![preset::CA_BUNDLE.into()],
                preset::CA_BUNDLE.into(),
            ),
            copy(
                Some("build"),
                vec![binaries.into()],
                "/usr/local/bin/".into(),
            ),
        ];
        self.runtime_stage(&[], copies);
    }

    fn rust(&mut self) {
        self.build_stage();
        self.push(Instruction::Workdir("/src".into()), vec![]);
        self.args();
        self.copy_sources("/src", true);
        self.steps(
            &[
                "/usr/local/cargo/registry",
                "/usr/local/cargo/git/db",
                "/src/target",
            ],
            &[],
            &["cargo install --path . --locked --root /out --target-dir /src/target"],
        );
        self.compiled_runtime("/out/bin/");
    }

    fn go(&mut self) {
        self.build_stage();
        self.push(
            Instruction::Env(vec![("CGO_ENABLED".into(), "0".into())]),
            vec![],
        );
        self.push(Instruction::Workdir("/src".into()), vec![]);
        self.dependency_step(&["/go/pkg/mod"], None, "go mod download");
        self.args();
        self.copy_sources("/src", true);
        self.steps(
            &["/go/pkg/mod", "/root/.cache/go-build"],
            &[],
            &["go build -trimpath -o /out/ ./..."],
        );
        self.compiled_runtime("/out/");
    }

    fn plain(&mut self) {
        if let Some(b) = &self.recipe.builder {
            self.loss(
                "build.builder",
                Outcome::Dropped("a `plain` recipe has a single stage, built from `base`".into()),
                Some(b.span),
            );
        }
        if !self.recipe.build_packages.is_empty() {
            self.loss(
                "build.build_packages",
                Outcome::Approximated(
                    "a `plain` recipe has a single stage: build packages stay in the image".into(),
                ),
                self.recipe.build_packages.first().map(|p| p.span),
            );
        }
        self.comment("Single stage: the base image, the packages, the sources and the steps.");
        let base = self.base.clone();
        self.from(&base, "runtime");
        let mut packages = self.recipe.build_packages.clone();
        packages.extend(self.recipe.system_packages.iter().cloned());
        let mut valid = self.build_packages.clone();
        valid.extend(self.system_packages.iter().cloned());
        self.install_packages(&base, &packages, &valid);
        self.create_user(&base);
        self.env(&[]);
        let wd = self.workdir.clone();
        self.workdir_instruction(&wd);
        self.args();
        self.copy_sources(&wd, false);
        self.steps(&[], &[], &[]);
        self.tail();
    }

    // -----------------------------------------------------------------------------------------
    // Rendering.

    /// Maps a writer refusal to a diagnostic at the value that caused it.
    fn refusal(&mut self, e: &DockerfileError, fallback: Option<Span>) {
        let span = fallback.or(Some(self.recipe.span));
        self.error(
            format!(
                "cannot write the Dockerfile of service `{}`: {e}",
                self.svc.name.value
            ),
            span,
            "this value",
            "a value may not contain line breaks or control characters; shell steps may not contain `<<` (heredocs) or end in `\\`, and names must be plain identifiers",
        );
    }

    fn finish(mut self) -> Result<Rendered, Vec<Diagnostic>> {
        // Every instruction alone first: a refusal names the instruction and its value.
        let items = std::mem::take(&mut self.items);
        for (index, item) in items.iter().enumerate() {
            let mut probe = Vec::new();
            if index > 0 && !matches!(item.instr, Instruction::Syntax(_)) {
                // Outside the directive zone, as in the file.
                probe.push(Instruction::From {
                    image: "scratch".into(),
                    stage: None,
                    platform: None,
                });
            }
            probe.push(item.instr.clone());
            if let Err(e) = Dockerfile::new(probe).render() {
                // The working directory appears in instructions that do not list it (`COPY
                // --from=build <workdir> <workdir>`, `ENV PATH`): try it after the item's own.
                let mut origins = item.origins.clone();
                if let Some(w) = &self.recipe.workdir {
                    origins.push((w.value.clone(), w.span));
                }
                let span = locate(&e, &origins);
                self.refusal(&e, span);
            }
        }
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        let file = Dockerfile::new(items.into_iter().map(|i| i.instr).collect());
        match file.render() {
            Ok(text) => Ok(Rendered {
                text,
                losses: self.losses.into_entries(),
            }),
            Err(e) => {
                self.refusal(&e, None);
                Err(self.errors)
            }
        }
    }
}

#[cfg(test)]
mod tests;
