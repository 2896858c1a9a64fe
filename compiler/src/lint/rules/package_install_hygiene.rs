//! Package installs without version pins, or outside the recipe's package lists.

use super::prelude::*;
use crate::lint::support::shell::{Word, program, simple_commands};

declare_rule! {
    /// ## What it does
    /// Flags, in a build recipe stackc generates a Dockerfile for:
    /// - a `system_packages` or `build_packages` entry without a version (`curl` instead of
    ///   `curl=7.88.1-10+deb12u12`), which the generated `apt-get install` or `apk add` installs
    ///   unpinned (hadolint DL3008, DL3018);
    /// - a `build.steps` command that installs system packages itself (`apt-get install`,
    ///   `apk add`), bypassing the lists (cache mounts, `--no-install-recommends`, no leftover
    ///   package index: DL3008, DL3009, DL3015, DL3018, DL3019);
    /// - a step that installs named packages without a version: `pip install flask` (DL3013),
    ///   `npm install -g pm2` (DL3016), `gem install rails` (DL3028), `go install x/y`
    ///   (DL3062), or `pip install` without `--no-cache-dir` (DL3042).
    ///
    /// ## Why is this bad?
    /// An unpinned package is whatever the mirror serves on the day of the build: two builds of
    /// the same commit differ, a broken or compromised release slips in unnoticed, and a
    /// rollback does not roll the package back. Package caches and indexes left in a layer make
    /// the image larger for nothing.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       preset: python-pip
    ///       system_packages: [libpq5]
    ///       steps: ["apt-get update && apt-get install -y curl"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       preset: python-pip
    ///       system_packages: [libpq5=15.14-0+deb12u1, curl=7.88.1-10+deb12u12]
    /// ```
    pub struct PackageInstallHygiene;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "package installed without a version pin or outside the recipe's package lists",
    doc: DOC,
    dev: Level::Info,
    prod: Level::Info,
    backends: &[Backend::Dockerfile],
    tags: &["supply-chain", "reproducibility"],
    requires: None,
};

/// What is wrong with one simple command of a step, if anything.
fn step_problem(words: &[Word]) -> Option<String> {
    let (i, prog) = program(words)?;
    let base = prog.rsplit('/').next().unwrap_or(prog);
    let args: Vec<&str> = words[i + 1..].iter().map(|w| w.text.as_str()).collect();
    let sub = args.iter().find(|a| !a.starts_with('-')).copied();
    // Operands after the subcommand, skipping flags and the values of flags that take one.
    let operands = |takes_value: &[&str]| -> Vec<&str> {
        let mut out = Vec::new();
        let mut skip = false;
        let mut seen_sub = false;
        for a in &args {
            if skip {
                skip = false;
                continue;
            }
            if a.starts_with('-') {
                skip = takes_value.contains(a);
                continue;
            }
            if !seen_sub {
                seen_sub = true;
                continue;
            }
            out.push(*a);
        }
        out
    };
    match (base, sub) {
        ("apt-get" | "apt" | "aptitude", Some("install")) | ("apk", Some("add")) => Some(format!(
            "installs system packages with `{base}`; list them in `system_packages` or `build_packages` (pinned, cache-mounted)"
        )),
        ("pip" | "pip3", Some("install")) => pip_problem(&args, &operands(PIP_VALUE_FLAGS)),
        ("python" | "python3", _) if args.starts_with(&["-m", "pip", "install"]) => {
            let rest: Vec<&str> = args[2..].to_vec();
            let ops: Vec<&str> = operands_after(&rest[1..], PIP_VALUE_FLAGS);
            pip_problem(&rest, &ops)
        }
        ("npm", Some("install" | "i" | "add")) => {
            let unpinned: Vec<&str> = operands(&["--prefix", "--registry"])
                .into_iter()
                .filter(|p| !npm_pinned(p))
                .collect();
            (!unpinned.is_empty()).then(|| {
                format!(
                    "installs `{}` without a version; write `name@version`",
                    unpinned.join("`, `")
                )
            })
        }
        ("gem", Some("install")) => {
            let pinned = args
                .iter()
                .any(|a| *a == "-v" || a.starts_with("--version"));
            let unpinned: Vec<&str> = operands(&["-v", "--version", "-i", "--install-dir"])
                .into_iter()
                .filter(|p| !p.contains(':'))
                .collect();
            (!pinned && !unpinned.is_empty()).then(|| {
                format!(
                    "installs gem `{}` without a version; write `name:version`",
                    unpinned.join("`, `")
                )
            })
        }
        ("go", Some("install")) => {
            let unpinned: Vec<&str> = operands(&[])
                .into_iter()
                .filter(|p| !p.contains('@') && !p.starts_with('.'))
                .collect();
            (!unpinned.is_empty()).then(|| {
                format!(
                    "installs `{}` without a version; write `module@version`",
                    unpinned.join("`, `")
                )
            })
        }
        _ => None,
    }
}

const PIP_VALUE_FLAGS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-t",
    "--target",
    "--prefix",
    "-f",
    "--find-links",
];

fn operands_after<'a>(args: &[&'a str], takes_value: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
        } else if a.starts_with('-') {
            skip = takes_value.contains(a);
        } else {
            out.push(*a);
        }
    }
    out
}

fn pip_problem(args: &[&str], operands: &[&str]) -> Option<String> {
    let unpinned: Vec<&str> = operands
        .iter()
        .copied()
        .filter(|p| {
            !(p.contains("==")
                || p.contains(" @ ")
                || p.contains('/')
                || p.ends_with(".whl")
                || p.starts_with('.'))
        })
        .collect();
    if !unpinned.is_empty() {
        return Some(format!(
            "installs `{}` without a version; write `name==version` or use a requirements file",
            unpinned.join("`, `")
        ));
    }
    if !args.contains(&"--no-cache-dir") {
        return Some(
            "runs `pip install` without `--no-cache-dir`: pip's cache stays in the layer".into(),
        );
    }
    None
}

/// `name@version` or `@scope/name@version` (or a path, URL or tarball).
fn npm_pinned(p: &str) -> bool {
    let name = p.strip_prefix('@').unwrap_or(p);
    name.contains('@')
        || p.contains('/') && !p.starts_with('@')
        || p.starts_with('.')
        || p.ends_with(".tgz")
}

impl PackageInstallHygiene {
    fn unpinned(svc: &Service, list: &str, pkg: &Sp<String>) -> Violation {
        Violation::new(format!("package `{}` in `{list}` of `{}` has no version", pkg.value, svc.name.value), pkg.span, "unpinned")
            .help(format!("pin it: `{}=VERSION` (`apt-cache policy {0}` or `apk policy {0}` in the base image shows the available versions)", pkg.value))
    }

    fn step(svc: &Service, step: &Sp<String>, problem: String) -> Violation {
        Violation::new(format!("build step of `{}` {problem}", svc.name.value), step.span, "unpinned or uncached install")
            .help("pin every package, and let the recipe install system packages (`system_packages`, `build_packages`)")
    }
}

/// Reports unpinned package lists and ad-hoc installs in steps.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let Some(b) = svc.build.as_ref().filter(|b| b.dockerfile.is_none()) else {
            continue;
        };
        for (list, pkgs) in [
            ("system_packages", &b.system_packages),
            ("build_packages", &b.build_packages),
        ] {
            for (i, p) in pkgs.iter().enumerate() {
                if !p.value.contains('=') {
                    out.push(
                        PackageInstallHygiene::unpinned(svc, list, p)
                            .in_service(id, format!("build.{list}[{i}]")),
                    );
                }
            }
        }
        for (i, step) in b.steps.iter().enumerate() {
            if let Some(problem) = simple_commands(&step.value)
                .iter()
                .find_map(|w| step_problem(w))
            {
                out.push(
                    PackageInstallHygiene::step(svc, step, problem)
                        .in_service(id, format!("build.steps[{i}]")),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "pinned lists, pinned tools, a build script",
        "
        stack: t
        services:
          a:
            build:
              preset: python-pip
              system_packages: [libpq5=15.14-0+deb12u1]
              build_packages: [gcc=4:12.2.0-3]
              steps:
                - pip install --no-cache-dir gunicorn==23.0.0
                - npm install -g pm2@5.4.3 @scope/tool@1.0.0
                - go install golang.org/x/tools/cmd/stringer@v0.28.0
                - make build
        ",
    ),
    Case::fail(
        "unpinned list entry, apt in a step, unpinned pip and npm installs",
        "
        stack: t
        services:
          a:
            build:
              preset: python-pip
              system_packages: [libpq5, curl=7.88.1-10+deb12u12]
              steps:
                - apt-get update && apt-get install -y jq
                - pip install --no-cache-dir flask
                - npm i -g pm2
                - pip install gunicorn==23.0.0
        ",
        &[
            "6:25 info",
            "8:11 info",
            "9:11 info",
            "10:11 info",
            "11:11 info",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(step: &str) -> Option<String> {
        simple_commands(step).iter().find_map(|w| step_problem(w))
    }

    #[test]
    fn steps() {
        assert!(problem("apk add --no-cache curl=8.14.1-r1").is_some());
        assert!(problem("python -m pip install requests").is_some());
        assert!(problem("python -m pip install --no-cache-dir requests==2.32.3").is_none());
        assert!(problem("pip install --no-cache-dir -r requirements.txt").is_none());
        assert!(problem("pip install --no-cache-dir -e .").is_none());
        assert!(problem("npm install").is_none());
        assert!(problem("npm ci").is_none());
        assert!(problem("npm install left-pad").is_some());
        assert!(problem("gem install rails -v 7.2.2").is_none());
        assert!(problem("gem install rails").is_some());
        assert!(problem("go install ./cmd/...").is_none());
        assert!(problem("echo apt-get install x").is_none());
    }
}
