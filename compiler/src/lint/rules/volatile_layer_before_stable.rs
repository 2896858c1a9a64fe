//! A build step that installs dependencies after the sources are copied.

use super::prelude::*;
use crate::lint::support::shell::{Word, program, simple_commands};

declare_rule! {
    /// ## What it does
    /// Flags a `build.steps` command that installs dependencies from a manifest or lockfile
    /// (`pip install -r`, `npm ci`, `npm install`, `pnpm install`, `yarn install`, `uv sync`,
    /// `poetry install`, `bundle install`, `composer install`, `go mod download`,
    /// `cargo fetch`) in a recipe that copies sources. Build steps run after the sources are
    /// copied, so the install lands in a layer that every source edit invalidates. The presets
    /// install dependencies before the sources on their own; arguments and labels are placed
    /// after the install by the generator, so they cannot break the order.
    ///
    /// ## Why is this bad?
    /// Docker reuses a layer only while everything before it is unchanged. With the sources
    /// copied first, a one-line code change re-downloads and re-installs every dependency:
    /// builds take minutes instead of seconds, and CI caches stop helping.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       base: python:3.13.7-slim-bookworm
    ///       sources: [.]
    ///       steps: ["pip install --no-cache-dir -r requirements.txt"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       preset: python-pip
    /// ```
    pub struct VolatileLayerBeforeStable;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "build step installs dependencies after the sources are copied",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[Backend::Dockerfile],
    tags: &["reliability", "performance"],
    requires: None,
};

/// The preset that installs what this command installs, when the command installs from a
/// manifest (`None` for other commands).
fn dependency_install(words: &[Word]) -> Option<&'static str> {
    let (i, prog) = program(words)?;
    let base = prog.rsplit('/').next().unwrap_or(prog);
    let args: Vec<&str> = words[i + 1..].iter().map(|w| w.text.as_str()).collect();
    let sub = args.iter().find(|a| !a.starts_with('-')).copied();
    let has = |flags: &[&str]| {
        args.iter().any(|a| {
            flags
                .iter()
                .any(|f| a == f || a.starts_with(&format!("{f}=")))
        })
    };
    match (base, sub) {
        ("pip" | "pip3", Some("install")) if has(&["-r", "--requirement"]) => Some("python-pip"),
        ("python" | "python3", _)
            if args.starts_with(&["-m", "pip", "install"]) && has(&["-r", "--requirement"]) =>
        {
            Some("python-pip")
        }
        ("uv", Some("sync")) | ("poetry", Some("install")) => Some("python-uv"),
        ("npm", Some("ci")) => Some("node-npm"),
        ("npm", Some("install" | "i"))
            if args.iter().filter(|a| !a.starts_with('-')).count() == 1 =>
        {
            Some("node-npm")
        }
        ("pnpm", Some("install" | "i")) => Some("node-pnpm"),
        ("yarn", None | Some("install")) => Some("node-npm"),
        ("go", Some("mod")) if args.contains(&"download") => Some("go"),
        ("cargo", Some("fetch")) => Some("rust-cargo"),
        ("bundle", Some("install")) | ("composer", Some("install")) => Some("plain"),
        _ => None,
    }
}

impl VolatileLayerBeforeStable {
    fn after_sources(
        svc: &Service,
        step: &Sp<String>,
        preset: &str,
        uses_preset: bool,
    ) -> Violation {
        let help = if uses_preset {
            "the preset already installs the dependencies from the lockfile before copying the sources; remove the step, or keep only what it adds beyond the lockfile".to_string()
        } else if preset == "plain" {
            "install the dependencies in a step of a recipe that copies only the manifests first (`sources: [Gemfile, Gemfile.lock]` in a base image), or use a preset".to_string()
        } else {
            format!(
                "use `preset: {preset}`: it installs the dependencies from the manifests before copying the sources, with a cache mount"
            )
        };
        Violation::new(
            format!(
                "build step of `{}` installs dependencies after the sources are copied",
                svc.name.value
            ),
            step.span,
            "every source edit reinstalls",
        )
        .help(help)
    }
}

/// Reports dependency installs in steps of recipes that copy sources.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let Some(b) = svc.build.as_ref().filter(|b| b.dockerfile.is_none()) else {
            continue;
        };
        let preset = b.preset.as_ref().map(|p| p.value).unwrap_or(Preset::Plain);
        // `plain` copies only the sources it lists; the presets copy the whole context by default.
        let copies_sources = preset != Preset::Plain || !b.sources.is_empty();
        if !copies_sources {
            continue;
        }
        for (i, step) in b.steps.iter().enumerate() {
            let install = simple_commands(&step.value)
                .iter()
                .find_map(|words| dependency_install(words));
            if let Some(suggested) = install {
                out.push(
                    VolatileLayerBeforeStable::after_sources(
                        svc,
                        step,
                        suggested,
                        preset != Preset::Plain,
                    )
                    .in_service(id, format!("build.steps[{i}]")),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "build steps of a preset; a plain recipe that copies nothing",
        "
        stack: t
        services:
          a:
            build:
              preset: node-npm
              steps: [npm run build, npm install -g pm2@5.4.3]
          b:
            build:
              base: python:3.13.7-slim-bookworm
              steps: ['pip install --no-cache-dir -r /opt/requirements.txt']
        ",
    ),
    Case::fail(
        "installs after a whole-context copy",
        "
        stack: t
        services:
          a:
            build:
              base: python:3.13.7-slim-bookworm
              sources: [.]
              steps: ['pip install --no-cache-dir -r requirements.txt']
          b:
            build:
              preset: node-npm
              steps: [npm ci && npm run build]
        ",
        &["7:15 warning", "11:15 warning"],
    ),
];
